#!/usr/bin/env python3
"""cell2cell.py - turn the public Cell2Cell churn table into churnwatch events.

Cell2Cell (see ../shared/data/real/PROVENANCE.md beside the repository) has one row per
subscriber with monthly averages and two change fields, no event stream.
`convert` expands every usable row into a deterministic, plausible event
stream (CONTRACT section 3) that is consistent with the row's aggregates, plus
a labels CSV (subscriber,churn_ts) for `churnctl backtest --labels` and a
roster CSV (every subscriber written, churner or not).  `score` scores
`churnctl backtest --alerts` files against the roster, counting only alerts
inside the traffic window (see docs/backtest-cell2cell.md for why), and
`proxy` evaluates the same thresholds directly on the CSV columns.

Python 3 standard library only.  Every assumption is documented in
docs/backtest-cell2cell.md; the short version is in `convert --help`.
"""

import argparse
import csv
import gzip
import hashlib
import io
import json
import math
import os
import random
import re
import sys
from datetime import datetime, timedelta, timezone

NEEDED = ["CustomerID", "Churn", "MonthlyRevenue", "MonthlyMinutes",
          "TotalRecurringCharge", "PercChangeMinutes", "PercChangeRevenues",
          "ReceivedCalls", "PeakCallsInOut", "OffPeakCallsInOut",
          "CallForwardingCalls", "MonthsInService"]
# The data lives beside the repository (../shared/data/real), never at one
# machine's absolute path.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_INPUT = os.path.join(REPO, "..", "shared", "data", "real", "cell2celltrain.csv.gz")
SEC_PER_CALL_IF_NO_COUNT = 210.0   # 3.5 min: the data's median minutes per call


# ---- small helpers -------------------------------------------------------

def open_text(path):
    if path == "-":
        return sys.stdin
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def parse_day(s):
    d = datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return d


def parse_ts(s):
    s = s.replace("Z", "+00:00")
    return datetime.fromisoformat(s)


def fmt_ts(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_months(d, n):
    """First instant of the month n months from d's month (d is a month start)."""
    m = d.month - 1 + n
    return d.replace(year=d.year + m // 12, month=m % 12 + 1, day=1)


def months_back(d, n):
    """d minus n calendar months (day clamped to 28 only if needed)."""
    m = d.month - 1 - n
    y = d.year + m // 12
    m = m % 12 + 1
    return d.replace(year=y, month=m, day=min(d.day, 28))


def load_plans(path):
    """plans.yaml -> [(fee, id)] (the simple form churnwatch ships)."""
    plans = []
    pat = re.compile(r"^\s+([A-Za-z0-9_.-]+)\s*:\s*\{\s*fee\s*:\s*([0-9.]+)\s*\}")
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = pat.match(line)
            if m:
                plans.append((float(m.group(2)), m.group(1)))
    if not plans:
        sys.exit("cell2cell: no plans found in %s" % path)
    return sorted(plans)


def load_networks(path):
    """networks.yaml -> (own operator, {operator: [prefixes]})."""
    own, ops = None, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0]
            m = re.match(r"^own\s*:\s*(\S+)", line)
            if m:
                own = m.group(1).strip("\"'")
            m = re.match(r"^\s+([A-Za-z0-9_-]+)\s*:\s*\{\s*prefixes\s*:\s*\[(.*)\]", line)
            if m:
                ops[m.group(1)] = re.findall(r"\"?(\d+)\"?", m.group(2))
    if own not in ops:
        sys.exit("cell2cell: %s: own operator %r has no prefixes" % (path, own))
    return own, ops


def nearest_plan(plans, fee):
    best = None
    for f, pid in plans:              # sorted by fee: ties go to the cheaper plan
        if best is None or abs(f - fee) < abs(best[0] - fee):
            best = (f, pid)
    return best[1]


def sround(rng, x):
    """Stochastic rounding: E[result] == x for x >= 0."""
    if x <= 0:
        return 0
    i = int(math.floor(x))
    return i + (1 if rng.random() < x - i else 0)


def stratum_key(cid):
    return hashlib.sha256(("c2c:" + cid).encode()).hexdigest()


def shape(mean, change, mode):
    """(baseline month, last month) from the monthly column and the change.

    delta (default): the change is last month minus the baseline, in the
    column's units (minutes, currency), and the monthly column is the
    baseline: baseline = column, last = column + change. No row's change
    goes below -column, and 2,274 rows sit exactly at it: their last month
    is silent, which this reading keeps (docs/backtest-cell2cell.md).
    delta-mean: the reading before: the column is the 4-month mean,
    baseline = mean - change/4, last = baseline + change (a silent row's
    last month becomes 20% of its baseline).
    percent: baseline = mean, last = mean * (1 + change/100).
    All clamped at 0."""
    mean = max(0.0, mean)
    if mode == "percent":
        return mean, max(0.0, mean * (1.0 + change / 100.0))
    if mode == "delta":
        return mean, max(0.0, mean + change)
    b = max(0.0, mean - change / 4.0)
    return b, max(0.0, b + change)


# ---- convert ---------------------------------------------------------------

def read_rows(path, stats):
    rows = []
    with open_text(path) as f:
        for r in csv.DictReader(f):
            stats["rows"] += 1
            bad = [k for k in NEEDED if r.get(k, "NA") in ("NA", "")]
            if bad:
                stats["skipped_na"] += 1
                for k in bad:
                    stats["na_" + k] = stats.get("na_" + k, 0) + 1
                continue
            rows.append(r)
    return rows


def select(rows, shards, shard):
    """Deterministic stratified split: within each Churn stratum, rows are
    ordered by a hash of CustomerID and dealt round-robin to the shards, so
    every shard has the same churn rate (+-1 row).  The subscriber number
    is from the row's position in the file (all usable rows), so it is the
    same whatever the sharding."""
    indexed = list(enumerate(rows))
    out = []
    for label in ("Yes", "No"):
        st = sorted((x for x in indexed if x[1]["Churn"] == label),
                    key=lambda x: stratum_key(x[1]["CustomerID"]))
        out += [x for i, x in enumerate(st) if i % shards == shard]
    out.sort(key=lambda x: x[0])
    return out


def convert(a):
    plans = load_plans(a.plans)
    own, ops = load_networks(a.networks)
    own_prefix = "86138" if "86138" in ops[own] else ops[own][0]
    rivals = [p for op, ps in sorted(ops.items()) if op != own for p in ps]
    onnet = list(ops[own])
    obs = parse_day(a.obs_date)
    if obs.day != 1:
        sys.exit("cell2cell: --obs-date must be the first day of a month")
    win0 = add_months(obs, -a.months)
    stats = {"rows": 0, "skipped_na": 0}
    rows = read_rows(a.input, stats)
    chosen = select(rows, a.shards, a.shard)

    events = []
    dev = [None, None, None]   # this subscriber's handset: since, old imei, imei
    labels = []
    roster = []
    cnt = {}
    capped = {"out": 0, "in": 0}
    lost_min = 0.0
    tot_min = 0.0

    def emit(ts, sub, typ, **kw):
        cnt[typ] = cnt.get(typ, 0) + 1
        e = {"event_id": "c2c-%s-%d" % (sub[-8:], len(per)), "type": typ,
             "subscriber": sub, "ts": fmt_ts(ts)}
        e.update(kw)
        # The handset the CDR names: the current one from dev_start on.
        if typ in ("voice", "sms", "data") and dev[0] is not None:
            e["imei"] = dev[2] if ts >= dev[0] else dev[1]
        per.append((ts, e))

    def bill(ts, sub, rng, period, amount):
        """An invoice, paid in full 3-15 days later (before the default
        20-day due date): the table has no arrears, so nobody owes money
        (without the payments every line would look overdue)."""
        emit(ts, sub, "invoice", period=period, amount=amount)
        if amount > 0:
            emit(ts + rng.randrange(3 * 86400, 15 * 86400), sub, "payment", amount=amount)

    for idx, r in chosen:
        cid = r["CustomerID"]
        sub = "%s%08d" % (own_prefix, idx)
        rng = random.Random("%d:%s" % (a.seed, cid))
        per = []
        churn = r["Churn"] == "Yes"
        roster.append((sub, cid, "1" if churn else "0"))
        if churn:
            labels.append((sub, fmt_ts((obs + timedelta(days=a.churn_offset_days)).timestamp())))

        rev = float(r["MonthlyRevenue"])
        mins = float(r["MonthlyMinutes"])
        rev_b, rev_l = shape(rev, float(r["PercChangeRevenues"]), a.change_mode)
        min_b, min_l = shape(mins, float(r["PercChangeMinutes"]), a.change_mode)
        recv = min(max(0.0, float(r["ReceivedCalls"])), mins)
        out_share = (mins - recv) / mins if mins > 0 else 0.5
        calls = float(r["PeakCallsInOut"]) + float(r["OffPeakCallsInOut"])
        if calls <= 0 and mins > 0:
            calls = mins * 60.0 / SEC_PER_CALL_IF_NO_COUNT
        fwd = max(0.0, float(r["CallForwardingCalls"]))
        tenure = int(float(r["MonthsInService"]))
        plan = nearest_plan(plans, float(r["TotalRecurringCharge"]))

        # the subscriber's circle of contacts and forwarding target
        ncircle = max(3, min(25, int(round(2 * math.sqrt(max(calls, 1))))))
        circle = []
        for _ in range(ncircle):
            pre = rng.choice(onnet) if rng.random() < a.onnet_share else rng.choice(rivals)
            circle.append(pre + "%08d" % rng.randrange(10 ** 8))
        weights = [1.0 / (k + 1) for k in range(ncircle)]   # Zipf-like: a few close contacts
        if rng.random() < a.forward_offnet_fraction:
            fwd_to = rng.choice(rivals) + "%08d" % rng.randrange(10 ** 8)
        else:
            fwd_to = rng.choice(onnet) + "%08d" % rng.randrange(10 ** 8)

        act = months_back(obs, tenure)
        act_ts = act.timestamp() + rng.randrange(86400)
        emit(act_ts, sub, "activate", plan=plan)
        # The handset: CurrentEquipmentDays before the observation date
        # (from the line's activation when older), carried by every CDR as
        # its imei (an earlier handset before that). From an RNG of its
        # own, so the traffic is the same with or without (the event ids
        # after the dating call below move by one).
        dev[0] = None
        ced = r.get("CurrentEquipmentDays", "NA")
        if a.handsets and ced not in ("NA", ""):
            drng = random.Random("imei:%d:%s" % (a.seed, cid))
            dev[0] = max(obs.timestamp() - max(0.0, float(ced)) * 86400, act_ts + 60)
            dev[1] = "35%013d" % drng.randrange(10 ** 13)
            dev[2] = "86%013d" % drng.randrange(10 ** 13)
        # history just before the window (no traffic is generated there):
        # the baseline invoice of up to --history-months months since
        # activation, so month comparisons (arpu-drop, bill-shock) have a
        # real baseline, and one outgoing call in the last 3 days before
        # the window, so a silence is not dated from the activation years
        # back.  Both assume the subscriber ran at baseline before.
        act_month = act.replace(day=1, hour=0, minute=0, second=0)
        for h in range(a.history_months, 0, -1):
            m0 = add_months(win0, -h)
            if m0 >= act_month:
                bill(add_months(m0, 1).timestamp() + rng.randrange(a.invoice_spread_s), sub, rng,
                     m0.strftime("%Y-%m"), round(rev_b, 2))
        first_call = win0.timestamp() - 1 - rng.randrange(3 * 86400)
        if min_b > 0:
            emit(first_call, sub, "voice",
                 direction="out", peer=circle[0], duration_s=60, charge=0)
        if dev[0] is not None and dev[0] < first_call:
            # The handset was in use before any traffic written here: one
            # incoming call from the closest contact dates it (incoming:
            # no silence moves; before the window: no windowed count the
            # rules read there, a contact already in the circle).
            emit(dev[0], sub, "voice", direction="in", peer=circle[0],
                 duration_s=1, charge=0)

        # Call counts follow each month's minutes.  A cap that binds scales
        # every month of the subscriber by the same factor, so a fall in
        # minutes stays a fall in calls (a flat cap turned 300 -> 120 calls
        # into 40 -> 40 and hid it from usage-fall).
        scale = {}
        for direction, share, cap in (("out", out_share, a.cap_out),
                                      ("in", 1.0 - out_share, a.cap_in)):
            peak = max(min_b, min_l) / mins * calls * share if mins > 0 else 0.0
            scale[direction] = cap / peak if peak > cap else 1.0
            if peak > cap:
                capped[direction] += 1
        for m in range(a.months):
            m0 = add_months(win0, m)
            m1 = add_months(win0, m + 1)
            span = int(m1.timestamp() - m0.timestamp())
            last = m == a.months - 1
            mmin = min_l if last else min_b
            mrev = rev_l if last else rev_b
            tot_min += mmin
            f = (mmin / mins) if mins > 0 else 0.0
            for direction, share, cap in (("out", out_share, a.cap_out),
                                          ("in", 1.0 - out_share, a.cap_in)):
                want = calls * f * share * scale[direction]
                n = min(cap, sround(rng, want))
                secs = mmin * share * 60.0
                if n == 0:
                    lost_min += secs / 60.0
                    continue
                w = [rng.uniform(0.5, 1.5) for _ in range(n)]
                sw = sum(w)
                for k in range(n):
                    d = max(1, int(round(secs * w[k] / sw)))
                    emit(m0.timestamp() + rng.randrange(span), sub, "voice",
                         direction=direction,
                         peer=rng.choices(circle, weights)[0],
                         duration_s=d, charge=0)
            for _ in range(sround(rng, fwd * f if mins > 0 else fwd)):
                emit(m0.timestamp() + rng.randrange(span), sub, "voice",
                     direction="in", peer=rng.choices(circle, weights)[0],
                     duration_s=rng.randrange(20, 180), charge=0,
                     forwarded_to=fwd_to)
            # postpaid: the month's bill at the start of the next month
            bill(m1.timestamp() + rng.randrange(a.invoice_spread_s), sub, rng,
                 m0.strftime("%Y-%m"), round(mrev, 2))
        events += per

    events.sort(key=lambda x: (x[0], x[1]["subscriber"], x[1]["event_id"]))
    nbytes = 0
    with open(a.out, "w", encoding="utf-8") as f:
        for _, e in events:
            line = json.dumps(e, separators=(",", ":")) + "\n"
            nbytes += len(line)
            f.write(line)
    with open(a.labels, "w", encoding="utf-8") as f:
        f.write("subscriber,churn_ts\n")
        for s, t in labels:
            f.write("%s,%s\n" % (s, t))
    if a.roster:
        with open(a.roster, "w", encoding="utf-8") as f:
            f.write("subscriber,customer_id,churn\n")
            for s, c, ch in roster:
                f.write("%s,%s,%s\n" % (s, c, ch))

    n = len(roster)
    w = sys.stderr.write
    w("cell2cell: %d rows read, %d skipped for NA in needed fields (%s)\n" % (
        stats["rows"], stats["skipped_na"],
        ", ".join("%s %d" % (k[3:], v) for k, v in sorted(stats.items()) if k.startswith("na_"))))
    w("cell2cell: shard %d/%d: %d subscribers, %d churners (%.1f%%), churn_ts = %s + %dd\n" % (
        a.shard, a.shards, n, len(labels), 100.0 * len(labels) / max(n, 1),
        a.obs_date, a.churn_offset_days))
    w("cell2cell: traffic %s .. %s (%d months), change fields read as %s\n" % (
        win0.strftime("%Y-%m-%d"), obs.strftime("%Y-%m-%d"), a.months, a.change_mode))
    w("cell2cell: %d events (%s), %.1f MB -> %s\n" % (
        len(events), ", ".join("%s %d" % kv for kv in sorted(cnt.items())),
        nbytes / 1e6, a.out))
    w("cell2cell: subscriber-months capped: out %d, in %d; minutes without a call "
      "(count rounded to 0): %.2f%% of %.0f\n" % (
          capped["out"], capped["in"], 100.0 * lost_min / max(tot_min, 1), tot_min))
    return 0


# ---- score -----------------------------------------------------------------

def read_alerts(paths):
    """Every alert of the --alerts files (backtest --alerts JSON lines)."""
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield p, json.loads(line)


def read_roster(paths):
    roster = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                roster[r["subscriber"]] = r
    return roster


def score(a):
    roster = read_roster(a.roster)
    since = parse_ts(a.since)
    churners = sum(1 for r in roster.values() if r["churn"] == "1")
    base = churners / max(len(roster), 1)
    first = {}      # (rule, sub) -> first in-window alert
    per_day = {}
    dropped = {}
    for p, al in read_alerts(a.alerts):
        rule, sub, ts = al["rule"], al["subscriber"], parse_ts(al["ts"])
        if rule in a.exclude_rule:
            continue
        key = (p, rule, ts.strftime("%Y-%m-%d"))
        per_day[key] = per_day.get(key, 0) + 1
        if ts < since:
            dropped[rule] = dropped.get(rule, 0) + 1
            continue
        for r in (rule, "(any rule)"):
            k = (r, sub)
            if k not in first or ts < first[k]:
                first[k] = ts
    rules = sorted({r for r, _ in first} - {"(any rule)"}) + ["(any rule)"]
    print("%d subscribers, %d churners: base rate %.1f%%; alerts before %s not scored: %s" % (
        len(roster), churners, 100 * base, a.since,
        ", ".join("%s %d" % kv for kv in sorted(dropped.items())) or "none"))
    print("%-24s %8s %7s %10s %7s %6s" % ("rule", "alerted", "hits", "precision", "recall", "lift"))
    for rule in rules:
        subs = [s for (r, s) in first if r == rule]
        hits = sum(1 for s in subs if roster.get(s, {}).get("churn") == "1")
        prec = hits / len(subs) if subs else 0.0
        print("%-24s %8d %7d %9.1f%% %6.1f%% %6.2f" % (
            rule, len(subs), hits, 100 * prec, 100 * hits / max(churners, 1),
            prec / base if base else 0.0))
    busiest = max(per_day.items(), key=lambda kv: kv[1]) if per_day else None
    if busiest:
        (p, rule, day), n = busiest
        print("busiest (file, rule, day), all alerts: %s %s %s: %d (compare the rule's limit)" % (
            p, rule, day, n))
    return 0



# ---- evaluate: the rule pack against the learned score ---------------------

def auc_of(pairs):
    """AUC of (score, label) pairs by ranks, ties sharing their mean rank."""
    pairs = sorted(pairs)
    pos = sum(l for _, l in pairs)
    neg = len(pairs) - pos
    rs, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        rank = (i + 1 + j) / 2.0
        rs += rank * sum(l for _, l in pairs[i:j])
        i = j
    return (rs - pos * (pos + 1) / 2.0) / (pos * neg) if pos and neg else float("nan")


def gain_svg(curves, width=420, height=300):
    """Inline SVG: cumulative share of churners against share contacted."""
    pad = 40
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#999999"]
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">' % (width, height)]
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>' % (
        pad, 10, width - pad - 10, height - pad - 10))
    for k, (name, pts) in enumerate(curves):
        xy = " ".join("%.1f,%.1f" % (pad + x * (width - pad - 10), height - pad - y * (height - pad - 10))
                      for x, y in pts)
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (colors[k % 4], xy))
        out.append('<text x="%d" y="%d" font-size="12" fill="%s">%s</text>' % (
            pad + 10, 25 + 15 * k, colors[k % 4], html_escape(name)))
    out.append('<text x="%d" y="%d" font-size="11">share of subscribers contacted</text>' % (pad + 80, height - 8))
    out.append('<text x="4" y="20" font-size="11">churners</text></svg>')
    return "\n".join(out)


def html_escape(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def evaluate(a):
    """The held-out subscribers of `churnctl train --scores`: the shipped
    pack (any rule but the score's), the score, and the two together."""
    roster = read_roster(a.roster)
    held = {}
    with open(a.scores, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["split"] == "test":
                held[r["subscriber"]] = float(r["score"])
    subs = sorted(held)
    label = {s: 1 if roster[s]["churn"] == "1" else 0 for s in subs}
    n, pos = len(subs), sum(label.values())
    base = pos / n
    since = parse_ts(a.since)
    pack, risk = set(), set()
    for _, al in read_alerts(a.alerts):
        if al["subscriber"] not in held or parse_ts(al["ts"]) < since:
            continue
        (risk if al["rule"] == a.score_rule else pack).add(al["subscriber"])
    ranked = sorted(subs, key=lambda s: (-held[s], s))

    def row(name, chosen):
        h = sum(label[s] for s in chosen)
        prec = h / len(chosen) if chosen else 0.0
        return (name, len(chosen), h, prec, h / pos, prec / base if base else 0.0)

    v = len(pack)
    union = pack | set(ranked[:v])
    rows = [row("pack (any rule)", pack),
            row("score, top %d (the pack's volume)" % v, set(ranked[:v])),
            row("pack + score top %d (union)" % v, union),
            row("score, top %d (the union's volume)" % len(union), set(ranked[:len(union)]))]
    if risk:
        rows.append(row("%s alerts (live rule, threshold)" % a.score_rule, risk))
    pack_recall = sum(label[s] for s in pack) / pos
    hits, at_recall = 0, None
    for k, s in enumerate(ranked, 1):
        hits += label[s]
        if hits / pos >= pack_recall:
            at_recall = row("score at the pack's recall (top %d)" % k, set(ranked[:k]))
            break
    if at_recall:
        rows.append(at_recall)
    auc = auc_of([(held[s], label[s]) for s in subs])
    out = []
    out.append("held-out subscribers %d, churners %d: base rate %.1f%%" % (n, pos, 100 * base))
    out.append("score AUC %.4f" % auc)
    top10 = ranked[:n // 10]
    out.append("score lift at the top 10%%: %.2f" % ((sum(label[s] for s in top10) / len(top10)) / base))
    out.append("%-44s %8s %7s %10s %7s %6s" % ("selection", "alerted", "hits", "precision", "recall", "lift"))
    for r in rows:
        out.append("%-44s %8d %7d %9.1f%% %6.1f%% %6.2f" % (r[0], r[1], r[2], 100 * r[3], 100 * r[4], r[5]))
    out.append("gain by decile of the score (cumulative share of churners):")
    cum, pts = 0, [(0.0, 0.0)]
    for d in range(10):
        part = ranked[n * d // 10:n * (d + 1) // 10]
        cum += sum(label[s] for s in part)
        pts.append(((d + 1) / 10.0, cum / pos))
        out.append("  decile %2d  %5.1f%%" % (d + 1, 100 * cum / pos))
    print("\n".join(out))
    if a.html:
        pk = row("pack", pack)
        curves = [("score", pts), ("pack (one point)", [(0, 0), (pk[1] / n, pk[4]), (1, 1)]),
                  ("random", [(0, 0), (1, 1)])]
        with open(a.html, "w", encoding="utf-8") as f:
            f.write("<!doctype html><meta charset=utf-8><title>churnwatch: pack vs score on Cell2Cell</title>\n")
            f.write("<h1>Cell2Cell held-out subscribers: rules against the learned score</h1>\n<pre>%s</pre>\n"
                    % html_escape("\n".join(out)))
            f.write(gain_svg(curves))
        print("html: %s" % a.html)
    return 0

# ---- proxy -----------------------------------------------------------------

def proxy(a):
    """The shipped thresholds applied straight to the CSV columns."""
    stats = {"rows": 0, "skipped_na": 0}
    rows = read_rows(a.input, stats)
    n = len(rows)
    ch = sum(r["Churn"] == "Yes" for r in rows)
    base = ch / n
    tests = {
        "arpu-drop (last <= 60% of baseline, baseline >= 20)":
            lambda r: (lambda b, l: b >= 20 and l <= 0.6 * b)(
                *shape(float(r["MonthlyRevenue"]), float(r["PercChangeRevenues"]), a.change_mode)),
        "minutes fall (last < 40% of baseline)":
            lambda r: (lambda b, l: b > 0 and l < 0.4 * b)(
                *shape(float(r["MonthlyMinutes"]), float(r["PercChangeMinutes"]), a.change_mode)),
        "minutes to zero (last month 0 minutes)":
            lambda r: (lambda b, l: b > 0 and l == 0)(
                *shape(float(r["MonthlyMinutes"]), float(r["PercChangeMinutes"]), a.change_mode)),
        "CallForwardingCalls > 0":
            lambda r: float(r["CallForwardingCalls"]) > 0,
        "MonthlyMinutes == 0":
            lambda r: float(r["MonthlyMinutes"]) == 0,
    }
    print("%d usable rows, %d churners: base rate %.1f%% (change fields as %s)" % (
        n, ch, 100 * base, a.change_mode))
    print("%-52s %7s %7s %10s %7s %6s" % ("condition on the CSV row", "rows", "churn", "precision", "recall", "lift"))
    for name, t in tests.items():
        sel = [r for r in rows if t(r)]
        h = sum(r["Churn"] == "Yes" for r in sel)
        p = h / len(sel) if sel else 0.0
        print("%-52s %7d %7d %9.1f%% %6.1f%% %6.2f" % (name, len(sel), h, 100 * p, 100 * h / ch, p / base))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sp = ap.add_subparsers(dest="cmd", required=True)
    c = sp.add_parser("convert", help="Cell2Cell CSV -> events JSONL + labels CSV",
                      description="Expand Cell2Cell rows into churnwatch events "
                      "(see docs/backtest-cell2cell.md for every assumption).")
    c.add_argument("--input", "-i", default=DEFAULT_INPUT,
                   help="CSV, .csv.gz or - (default: ../shared/data/real/cell2celltrain.csv.gz "
                   "beside the repository)")
    c.add_argument("--out", "-o", required=True, help="events JSON lines, sorted by ts")
    c.add_argument("--labels", "-l", required=True, help="subscriber,churn_ts for Churn=Yes")
    c.add_argument("--roster", help="subscriber,customer_id,churn for every subscriber written")
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--obs-date", default="2026-05-01", help="observation date (first of a month)")
    c.add_argument("--months", type=int, default=4, help="months of traffic before the observation date")
    c.add_argument("--churn-offset-days", type=int, default=45, help="churn_ts = obs-date + this")
    c.add_argument("--change-mode", choices=["delta", "delta-mean", "percent"], default="delta",
                   help="how PercChange* are read (default delta: absolute change from the "
                   "monthly column as baseline, see doc)")
    c.add_argument("--cap-out", type=int, default=40, help="max outgoing calls per subscriber-month")
    c.add_argument("--cap-in", type=int, default=10, help="max incoming calls per subscriber-month")
    c.add_argument("--onnet-share", type=float, default=0.6, help="share of contacts on the own network")
    c.add_argument("--forward-offnet-fraction", type=float, default=0.0,
                   help="fraction of subscribers whose forwarding target is a competitor number")
    c.add_argument("--invoice-spread-s", type=int, default=3600,
                   help="invoices fall in the first N seconds of the next month")
    c.add_argument("--history-months", type=int, default=3,
                   help="baseline invoices for this many months before the window")
    c.add_argument("--shards", type=int, default=1, help="split subscribers into N stratified shards")
    c.add_argument("--shard", type=int, default=0, help="which shard to write (0..N-1)")
    c.add_argument("--no-handsets", dest="handsets", action="store_false",
                   help="leave the CDRs' imei out (the handset's age from "
                   "CurrentEquipmentDays; default: in)")
    c.add_argument("--plans", default=os.path.join(REPO, "examples", "plans.yaml"))
    c.add_argument("--networks", default=os.path.join(REPO, "examples", "networks.yaml"))
    s = sp.add_parser("score", help="score backtest --alerts files against rosters")
    s.add_argument("--roster", action="append", required=True)
    s.add_argument("--alerts", action="append", required=True)
    s.add_argument("--since", default="2026-01-01T00:00:00Z",
                   help="ignore alerts before this (the traffic window start)")
    s.add_argument("--exclude-rule", action="append", default=[],
                   help="leave this rule's alerts out (e.g. risk-high: the pack alone)")
    e = sp.add_parser("evaluate", help="the pack against the learned score on held-out subscribers")
    e.add_argument("--roster", action="append", required=True)
    e.add_argument("--alerts", action="append", required=True)
    e.add_argument("--scores", required=True, help="churnctl train --scores output")
    e.add_argument("--since", default="2026-01-02T00:00:00Z")
    e.add_argument("--score-rule", default="risk-high", help="the rule that is the score, not the pack")
    e.add_argument("--html", help="also write a self-contained HTML page with the gain chart")
    p = sp.add_parser("proxy", help="the rule thresholds applied directly to the CSV")
    p.add_argument("--input", "-i", default=DEFAULT_INPUT)
    p.add_argument("--change-mode", choices=["delta", "delta-mean", "percent"], default="delta")
    a = ap.parse_args()
    if a.cmd == "convert":
        if not 0 <= a.shard < a.shards:
            ap.error("--shard must be in 0..--shards-1")
        return convert(a)
    if a.cmd == "score":
        return score(a)
    if a.cmd == "evaluate":
        return evaluate(a)
    return proxy(a)


if __name__ == "__main__":
    sys.exit(main())
