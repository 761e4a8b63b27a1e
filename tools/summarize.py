#!/usr/bin/env python3
"""Summarise a churnwatch run: alerts against the generator's ground truth.

Reads the truth CSV written by `churnctl gen --truth` (subscriber,kind,start_ts),
alerts as JSON lines (`churnctl tail-alerts --json`) and the daemon's /metrics.
Prints what each planted churn kind triggered and what steady subscribers did.
"""
import argparse
import collections
import csv
import json
import sys
import urllib.request

# Which rule is meant to catch each planted kind (rules/ pack).
EXPECTED = {
    "silent": "silence-30d",
    "arpu_drop": "arpu-drop",
    "forwarder": "offnet-forward",
    "downgrader": "plan-downgrade",
    "arrears": "arrears-repeat",
    "unresumed": "arrears-unresumed",
    "overdue": "invoice-overdue",
    "contract_end": "commitment-ending",
    "portout": "portout-request",
    "deactivated": None,   # closed: nothing may fire after the deactivate
}


def metric(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", required=True)
    ap.add_argument("--alerts", required=True)
    ap.add_argument("--metrics")
    ap.add_argument("--backtest", help="alerts of churnctl backtest on the same events")
    ap.add_argument("--events", type=int, default=0)
    ap.add_argument("--start", type=float, default=0)
    ap.add_argument("--end", type=float, default=0)
    a = ap.parse_args()

    kind = {}
    with open(a.truth) as f:
        for row in csv.DictReader(f):
            kind[row["subscriber"]] = row["kind"]
    alerts = collections.defaultdict(set)
    ids = set()
    n_alerts = 0
    with open(a.alerts) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                al = json.loads(line)
            except ValueError:
                continue
            n_alerts += 1
            ids.add(al["alert_id"])
            alerts[al["subscriber"]].add(al["rule"])

    by_kind = collections.Counter(kind.values())
    print(f"{'kind':<12}{'subscribers':>12}{'caught':>9}{'by rule':>10}  other rules fired")
    for k in sorted(by_kind):
        subs = [s for s, kk in kind.items() if kk == k]
        hit = sum(1 for s in subs if alerts.get(s))
        exp = EXPECTED.get(k)
        by_rule = sum(1 for s in subs if exp and exp in alerts.get(s, ()))
        other = collections.Counter(r for s in subs for r in alerts.get(s, ()) if r != exp)
        print(f"{k:<12}{len(subs):>12}{hit:>9}{by_rule if exp else '-':>10}  "
              + ", ".join(f"{r}={c}" for r, c in other.most_common()))
    print(f"alerts: {n_alerts} messages, {len(ids)} distinct alert_ids")
    if a.backtest:
        bt = set()
        with open(a.backtest) as f:
            for line in f:
                if line.strip():
                    bt.add(json.loads(line)["alert_id"])
        same = "yes" if bt == ids else f"NO ({len(bt ^ ids)} differ)"
        print(f"live alerts == back-tested alerts: {same} ({len(bt)} back-tested)")
    if a.metrics:
        try:
            text = urllib.request.urlopen(a.metrics, timeout=5).read().decode()
        except OSError as e:
            print(f"(metrics unavailable: {e})")
            return 0
        ev = metric(text, "churnwatch_events_total")
        bad = metric(text, "churnwatch_events_invalid_total")
        rt = metric(text, "churnwatch_redis_roundtrips_total")
        batches = metric(text, "churnwatch_batches_total")
        print(f"events: {ev} valid, {bad} invalid -> dead-letter topic, "
              f"{metric(text, 'churnwatch_events_duplicate_total')} duplicates, "
              f"{metric(text, 'churnwatch_events_late_total')} late")
        print(f"redis: {rt} round trips for {batches} batches")
        if a.end > a.start and a.events:
            secs = a.end - a.start
            print(f"throughput: {a.events} messages in {secs:.1f} s "
                  f"= {a.events / secs:,.0f} msg/s (including start-up and group join)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
