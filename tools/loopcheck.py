#!/usr/bin/env python3
"""loopcheck.py - churnctl report against the generator's ground truth.

  tools/loopcheck.py --events E.jsonl --truth RT.csv --report R.json
                     [--archive A.jsonl]

E: the stream churnctl gen wrote (with --retention); RT: its
--retention-truth; R: `churnctl report --json` after churnwatchd consumed
E; A: the churn-archive topic as JSON lines (churnctl tail-alerts --json
--topic churn-archive). Prints the save rate per rule, report against
truth, and checks exactly:
  - per rule: contacted and saved tasks;
  - per agent: contacts;
  - per month: activations and deactivations against the events, and
    activations by region;
  - per month and attribute (tier, stage, plan, region): the segments'
    bases add up to the month's base and their losses to its losses;
  - the archive: one record per deactivated line, ids unique (repeats of
    a record after a crash must be byte-identical).
Exit 0 when everything matches, 1 otherwise.
"""
import argparse
import collections
import csv
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--archive")
    a = ap.parse_args()
    rep = json.load(open(a.report))
    counters = rep.get("counters", {})

    def total(field):
        return sum(m.get(field, 0) for m in counters.values())

    bad = []
    truth = list(csv.DictReader(open(a.truth)))
    contacted = collections.Counter(r["rule"] for r in truth if r["contacted"] == "1")
    saved = collections.Counter(r["rule"] for r in truth if r["saved"] == "1")
    agents = collections.Counter(r["agent"] for r in truth if r["contacted"] == "1")
    print("save rate per rule (report | generator's truth)")
    print("  %-24s %9s %6s %7s | %9s %6s %7s" % ("rule", "contacted", "saved", "save%",
                                              "contacted", "saved", "save%"))
    for rule in sorted(set(contacted) | set(rep.get("rules", {}))):
        r = rep["rules"].get(rule, {})
        rc, rs = r.get("contacted", 0), r.get("saved", 0)
        tc, ts = contacted[rule], saved[rule]
        if not (rc or tc):
            continue
        print("  %-24s %9d %6d %6.1f%% | %9d %6d %6.1f%%%s" % (
            rule, rc, rs, 100.0 * rs / rc if rc else 0, tc, ts, 100.0 * ts / tc if tc else 0,
            "" if (rc, rs) == (tc, ts) else "   MISMATCH"))
        if (rc, rs) != (tc, ts):
            bad.append("rule %s: report %d/%d, truth %d/%d" % (rule, rc, rs, tc, ts))
    for agent, n in sorted(agents.items()):
        got = total("contacts:agent:" + agent)
        if got != n:
            bad.append("agent %s: %d contacts in the report, %d in truth" % (agent, got, n))
    act = collections.Counter()
    act_region = collections.Counter()
    deact = collections.Counter()
    deact_subs = set()
    for line in open(a.events):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if not isinstance(e, dict) or not isinstance(e.get("ts"), str):
            continue  # a bad line: a dead letter, not an event
        if e.get("type") == "activate":
            act[e["ts"][:7]] += 1
            act_region[(e["ts"][:7], e.get("region", "-"))] += 1
        elif e.get("type") == "deactivate":
            deact[e["ts"][:7]] += 1
            deact_subs.add(e["subscriber"])
    for m in sorted(set(act) | set(deact) | set(counters)):
        c = counters.get(m, {})
        # A line churned by silence and then deactivated is lost once:
        # its deactivation counts as deact_forced.
        got_deact = c.get("deact", 0) + c.get("deact_forced", 0)
        if c.get("act", 0) != act[m] or got_deact != deact[m]:
            bad.append("%s: act %d/%d, deact %d/%d (report/events)" % (
                m, c.get("act", 0), act[m], got_deact, deact[m]))
    for (m, region), n in sorted(act_region.items()):
        got = counters.get(m, {}).get("act:region:" + region, 0)
        if got != n:
            bad.append("%s: %d activations in %s, report %d" % (m, n, region, got))
    # Every line is in exactly one segment of each attribute: the bases
    # and losses by segment add up to the month's.
    segs = rep.get("segments", {})
    for mi, month in enumerate(rep.get("months", [])):
        for by in ("tier", "stage", "plan", "region"):
            rows = [v[mi] for v in segs.get(by, {}).values() if len(v) > mi]
            base = sum(r["base_start"] for r in rows)
            lost = sum(r["deact"] + r["forced"] for r in rows)
            if (base, lost) != (month["base_start"], month["losses"]):
                bad.append("%s by %s: base %d, losses %d; the month's %d, %d" % (
                    month["month"], by, base, lost, month["base_start"], month["losses"]))
    last = rep.get("months", [])[-1:] or [None]
    if last[0]:
        print("churn by region in %s: %s" % (last[0]["month"], ", ".join(
            "%s %d/%d" % (k, v[-1]["deact"] + v[-1]["forced"], v[-1]["base_start"])
            for k, v in sorted(segs.get("region", {}).items()))))
    print("churn by month: %s" % ", ".join(
        "%s %.2f%%" % (m["month"], 100 * m["churn_rate"]) for m in rep.get("months", [])))
    if a.archive:
        recs = {}
        for line in open(a.archive):
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r["archive_id"] in recs and recs[r["archive_id"]] != line:
                bad.append("archive %s published twice, differently" % r["archive_id"])
            recs[r["archive_id"]] = line
        dsubs = {json.loads(l)["subscriber"] for l in recs.values()
                 if json.loads(l)["churn"] == "deact"}
        if dsubs != deact_subs:
            bad.append("archive: %d deactivated lines, %d records (%s missing)" % (
                len(deact_subs), len(dsubs), sorted(deact_subs - dsubs)[:3]))
        print("archive: %d records (%d deactivations, %d forced)" % (
            len(recs), len(dsubs), len(recs) - len(dsubs)))
    for b in bad:
        print("MISMATCH " + b, file=sys.stderr)
    print("report == ground truth" if not bad else "report != ground truth (%d)" % len(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
