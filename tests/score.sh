#!/usr/bin/env bash
# tests/score.sh BUILDDIR — the learned score end to end (docs/score.md),
# against a real redis-server and the development Kafka:
#   - churnctl train: same inputs and seed, same model bytes; its bad inputs
#     (labels for unknown subscribers, an empty class, a cut-off outside
#     the data, a corrupt model) are clear errors, exit 1;
#   - on a generated history with planted churners the held-out top decile
#     holds most of them;
#   - the feature vector of a fixed stream equals the golden file, and the
#     same vector comes out of churnctl features and of the live daemon's
#     state (churnctl inspect --json);
#   - a back-test through the daemon's pipeline fires risk-high with the
#     score, the model id and the reasons as evidence;
#   - SIGHUP with a broken model keeps the running one.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
. "$(dirname "$0")/../tools/lib.sh"
CW_BUILD=$BUILD
C="$BUILD/churnctl"
DIR=$(mktemp -d /tmp/cw-score.XXXXXX)
trap 'cw_cleanup; rm -rf "$DIR"' EXIT
. "$(dirname "$0")/checks.sh"

printf 'rules: %s/rules\nplans: %s/examples/plans.yaml\nnetworks: %s/examples/networks.yaml\n' \
  "$CW_ROOT" "$CW_ROOT" "$CW_ROOT" >"$DIR/off.yaml"

echo "== golden feature vectors"
"$C" gen --subscribers 40 --days 100 --seed 7 --out "$DIR/small.jsonl" 2>/dev/null
"$C" features -c "$DIR/off.yaml" --events "$DIR/small.jsonl" --at 2026-03-15 \
  --out "$DIR/small.csv" 2>/dev/null
if cmp -s "$DIR/small.csv" "$CW_ROOT/tests/unit/golden/features-v2.csv"; then
  ok "features of the fixed stream equal tests/unit/golden/features-v2.csv"
else
  bad "feature vectors changed (bump CW_FEATURES_VERSION if meant): $(diff "$DIR/small.csv" "$CW_ROOT/tests/unit/golden/features-v2.csv" | head -4)"
fi

echo "== training"
"$C" gen --subscribers 1000 --days 110 --seed 5 --churn-rate 0.01 \
  --out "$DIR/ev.jsonl" --labels "$DIR/lab.csv" 2>/dev/null
T=(-c "$DIR/off.yaml" --events "$DIR/ev.jsonl" --labels "$DIR/lab.csv" --at 2026-03-27)
"$C" train "${T[@]}" --out "$DIR/m1.json" --scores "$DIR/s1.csv" >"$DIR/r1.txt" 2>/dev/null
"$C" train "${T[@]}" --out "$DIR/m2.json" >/dev/null 2>&1
cmp -s "$DIR/m1.json" "$DIR/m2.json" && ok "same seed, same model bytes" || bad "training is not reproducible"
"$C" train "${T[@]}" --seed 2 --out "$DIR/m3.json" >/dev/null 2>&1
cmp -s "$DIR/m1.json" "$DIR/m3.json" && bad "another seed (another split) gave the same model" || ok "another seed: another split, another model"
auc=$(sed -n 's/^AUC \([0-9.]*\).*/\1/p' "$DIR/r1.txt")
python3 - "$auc" <<'PY' && ok "held-out AUC $auc on planted churners" || bad "held-out AUC $auc"
import sys; sys.exit(0 if float(sys.argv[1]) > 0.85 else 1)
PY
# The held-out top decile by score holds most of the held-out churners.
share=$(python3 - "$DIR/s1.csv" <<'PY'
import csv, sys
r = [x for x in csv.DictReader(open(sys.argv[1])) if x["split"] == "test"]
r.sort(key=lambda x: -float(x["score"]))
top = r[:len(r) // 10]
pos = sum(int(x["label"]) for x in r)
print("%.3f" % (sum(int(x["label"]) for x in top) / pos))
PY
)
python3 -c "import sys; sys.exit(0 if $share > 0.5 else 1)" &&
  ok "top decile holds $share of the held-out churners" || bad "top decile holds only $share"

echo "== bad inputs"
printf 'subscriber,churn_ts\n8619999999999,2026-04-01T00:00:00Z\n' >"$DIR/unknown.csv"
expect "labels for unknown subscribers" 1 "1 labelled subscribers never appear in the events \\(first: 8619999999999\\)" \
  "$C" train -c "$DIR/off.yaml" --events "$DIR/ev.jsonl" --labels "$DIR/unknown.csv" --at 2026-03-15 --out "$DIR/x.json"
printf 'subscriber,churn_ts\n' >"$DIR/none.csv"
expect "an empty class" 1 "a class is empty" \
  "$C" train -c "$DIR/off.yaml" --events "$DIR/ev.jsonl" --labels "$DIR/none.csv" --at 2026-03-15 --out "$DIR/x.json"
expect "a cut-off before the data" 1 "before every event" \
  "$C" train "${T[@]/2026-03-27/2020-01-01}" --out "$DIR/x.json"
expect "a cut-off after the data" 1 "more than 31 days after the newest event" \
  "$C" train "${T[@]/2026-03-27/2030-01-01}" --out "$DIR/x.json"
[ ! -e "$DIR/x.json" ] && ok "no model written on error" || bad "a model was written despite the error"
head -c 3000 "$DIR/m1.json" >"$DIR/corrupt.json"
expect "a corrupt model" 1 "corrupt.json: not a JSON model" \
  "$C" features -c "$DIR/off.yaml" --events "$DIR/small.jsonl" --at 2026-03-15 --out "$DIR/x.csv" --model "$DIR/corrupt.json"
expect "a bad --at" 2 "expected a date" \
  "$C" features -c "$DIR/off.yaml" --events "$DIR/small.jsonl" --at yesterday --out "$DIR/x.csv"

echo "== back-test: risk-high through the daemon's pipeline"
printf 'model: %s\n' "$DIR/m1.json" >>"$DIR/off.yaml"
"$C" backtest -c "$DIR/off.yaml" --events "$DIR/ev.jsonl" --alerts "$DIR/bt.jsonl" >/dev/null 2>&1 ||
  bad "backtest with a model failed"
n=$(grep -c '"rule":"risk-high"' "$DIR/bt.jsonl" || true)
[ "$n" -gt 0 ] && ok "risk-high fired $n times" || bad "risk-high never fired"
python3 - "$DIR/bt.jsonl" "$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest()[:12])' "$DIR/m1.json")" <<'PY' &&
import json, sys
ids = 0
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["rule"] != "risk-high":
        continue
    ev = a["evidence"]
    assert ev["model"] == sys.argv[2], ev
    assert 0.6 <= ev["risk"] <= 1, ev
    why = [k for k in ev if k.startswith("why(")]
    assert 1 <= len(why) <= 3, ev
    for k in why:
        assert k[4:-1] in ev and ev[k] > 0, ev
    ids += 1
assert ids
PY
  ok "every risk-high alert carries risk, the model id and up to 3 reasons with values" ||
  bad "risk-high evidence: $(grep -m1 risk-high "$DIR/bt.jsonl")"

echo "== live: the daemon's state gives the same vector"
cw_redis "$DIR"
cw_kafka "$DIR" 4
PORT=$(cw_free_port)
RUN=$(cw_config "$DIR" "$(cat "$DIR/bootstrap")" "$PORT")
printf 'model: %s\n' "$DIR/live.json" >>"$RUN"
cp "$DIR/m1.json" "$DIR/live.json"
"$C" replay --events "$DIR/small.jsonl" --topic auto -b "$(cat "$DIR/bootstrap")" >/dev/null 2>&1
"$BUILD/churnwatchd" -c "$RUN" 2>"$DIR/d.log" &
DPID=$!
CW_PIDS+=($DPID)
EVENTS=$(wc -l <"$DIR/small.jsonl")
for _ in $(seq 600); do
  n=$(cw_metric "$PORT" churnwatch_batch_messages_total 2>/dev/null || true)
  [ "${n%%$'\n'*}" -ge "$EVENTS" ] 2>/dev/null && break
  sleep 0.1
done
sleep 1
"$C" features -c "$DIR/off.yaml" --events "$DIR/small.jsonl" --at 2026-04-15 --out "$DIR/end.csv" 2>/dev/null
same=0 checked=0
for SUB in $(sed -n '2,6s/,.*//p' "$DIR/end.csv"); do
  checked=$((checked + 1))
  "$C" inspect -c "$RUN" --json --at 2026-04-15T00:00:00Z "$SUB" >"$DIR/i.json" 2>&1 || { bad "inspect $SUB: $(cat "$DIR/i.json")"; continue; }
  python3 - "$DIR/i.json" "$DIR/end.csv" "$SUB" <<'PY' && same=$((same + 1))
import csv, json, sys
live = json.load(open(sys.argv[1]))["risk"]["features"]
row = next(r for r in csv.DictReader(open(sys.argv[2])) if r["subscriber"] == sys.argv[3])
# A missing entry: "nan" in the CSV, null in JSON (which has no NaN).
val = lambda v: "missing" if v is None or v == "nan" else repr(float(v))
bad = [k for k in live if val(row[k]) != val(live[k])]
if bad:
    print("differ:", [(k, row[k], live[k]) for k in bad], file=sys.stderr)
sys.exit(1 if bad else 0)
PY
done
[ "$checked" -gt 0 ] && [ "$same" -eq "$checked" ] && ok "live vectors equal churnctl features for $same subscribers" ||
  bad "live vectors differ ($same of $checked equal)"

echo "== reload with a broken model keeps the running one"
head -c 100 "$DIR/m1.json" >"$DIR/live.json"
kill -HUP "$DPID"
for _ in $(seq 50); do grep -q "reload refused" "$DIR/d.log" && break; sleep 0.1; done
grep -q "reload refused" "$DIR/d.log" && grep -q "live.json: not a JSON model" "$DIR/d.log" && ok "reload refused, naming the model file" ||
  bad "no refusal in the log: $(tail -3 "$DIR/d.log")"
[ "$(cw_metric "$PORT" churnwatch_rules_last_reload_success)" = 0 ] && kill -0 "$DPID" &&
  ok "the daemon runs on with the old model (reload success 0)" || bad "daemon state after a bad reload"

check_summary score
