#!/usr/bin/env bash
# tests/loop.sh BUILDDIR — the retention loop end to end, against a real
# redis-server and the development Kafka:
#   - churnctl gen --retention plays the retention team over the shipped
#     rules and examples/routing.yaml (contacts, offers, saves that stop
#     churn) and writes the ground truth;
#   - churnwatchd consumes the stream (cdr, billing, retention topics):
#     churnctl report equals the ground truth exactly (contacted and saved
#     per rule, contacts per agent, activations and deactivations per
#     month), no retention event is refused, one archive record per
#     deactivated line;
#   - a bad retention event (unknown task) goes to the dead-letter topic
#     with reason unknown_task, and nothing else is lost;
#   - the same stream with churnwatchd SIGKILLed mid-stream and restarted:
#     identical counters, the same archive records (repeats identical).
set -euo pipefail
BUILD=$(cd "$1" && pwd)
. "$(dirname "$0")/../tools/lib.sh"
CW_BUILD=$BUILD
DIR=$(mktemp -d /tmp/cw-loop.XXXXXX)
trap 'cw_cleanup; rm -rf "$DIR"' EXIT
. "$(dirname "$0")/checks.sh"
CHECK="$CW_ROOT/tools/loopcheck.py"

printf 'rules: %s/rules\nplans: %s/examples/plans.yaml\nnetworks: %s/examples/networks.yaml\nrouting: %s/examples/routing.yaml\n' \
  "$CW_ROOT" "$CW_ROOT" "$CW_ROOT" "$CW_ROOT" >"$DIR/team.yaml"
echo "== churnctl gen --retention (300 subscribers x 120 days)"
"$CW_BUILD/churnctl" gen --subscribers 300 --days 120 --seed 7 --churn-rate 0.05 --regions 4 \
  --out "$DIR/ev.jsonl" --retention "$DIR/team.yaml" --retention-truth "$DIR/rt.csv" 2>"$DIR/gen.log" ||
  { bad "gen --retention: $(tail -2 "$DIR/gen.log")"; check_summary loop; exit 1; }
SAVED=$(awk -F, 'NR > 1 && $11 == 1' "$DIR/rt.csv" | wc -l)
CONTACTED=$(awk -F, 'NR > 1 && $8 == 1' "$DIR/rt.csv" | wc -l)
[ "$SAVED" -gt 3 ] && [ "$CONTACTED" -gt "$SAVED" ] &&
  ok "the team contacted $CONTACTED tasks and saved $SAVED" ||
  bad "the team contacted $CONTACTED and saved $SAVED: too few to check"
# One retention event for a task nobody opened: a dead letter.
SUB=$(head -1 "$DIR/ev.jsonl" | sed 's/.*"subscriber":"\([0-9]*\)".*/\1/')
TS=$(tail -1 "$DIR/ev.jsonl" | sed 's/.*"ts":"\([^"]*\)".*/\1/')
printf '{"event_id":"bogus-1","type":"outcome","subscriber":"%s","ts":"%s","task_id":"00000000000000000000000000000000","outcome":"saved"}\n' \
  "$SUB" "$TS" >>"$DIR/ev.jsonl"
EVENTS=$(wc -l <"$DIR/ev.jsonl")
MB=$(( $(stat -c %s "$DIR/ev.jsonl") / 1048576 ))
PARTS=$(( MB + 8 ))

# run NAME [KILL_AT] — a fresh redis-server, development Kafka and
# churnwatchd over the stream (SIGKILLed once KILL_AT messages are in,
# then restarted); leaves report.json, archive.jsonl and dlq.jsonl in
# $DIR/NAME.
run() {
  local name=$1 kill_at=${2:-0} d="$DIR/$1" pid done=0 last=-1 still=0
  mkdir -p "$d"
  cw_redis "$d"
  cw_kafka "$d" "$PARTS"
  local boot; boot=$(cat "$d/bootstrap")
  local port; port=$(cw_free_port)
  local conf; conf=$(cw_config "$d" "$boot" "$port")
  echo "routing: $CW_ROOT/examples/routing.yaml" >>"$conf"
  "$CW_BUILD/churnctl" replay --events "$DIR/ev.jsonl" --topic auto -b "$boot" >/dev/null 2>&1
  "$CW_BUILD/churnwatchd" -c "$conf" 2>>"$d/d.log" & pid=$!
  CW_PIDS+=($pid)
  for _ in $(seq 3000); do
    done=$(cw_metric "$port" churnwatch_batch_messages_total 2>/dev/null || true)
    done=${done%%$'\n'*}; done=${done:-0}
    if [ "$kill_at" -gt 0 ] && [ "$done" -ge "$kill_at" ]; then
      kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
      echo "   SIGKILL after $done messages" >&2
      kill_at=0 last=-1
      "$CW_BUILD/churnwatchd" -c "$conf" 2>>"$d/d.log" & pid=$!
      CW_PIDS+=($pid)
      continue
    fi
    # Per process: after a restart it counts from 0 again; offsets in
    # Redis say when everything is in.
    local stored
    stored=$(redis-cli -s "$d/redis.sock" HGETALL cw:off:churnwatch 2>/dev/null | paste - - |
             awk '$1 !~ /^~/ {s += $2} END {print s + 0}')
    [ "$stored" -ge "$EVENTS" ] && break
    if [ "$done" = "$last" ]; then still=$((still + 1)); else still=0; last=$done; fi
    [ "$still" -ge 300 ] && { bad "$name: no progress for 60 s ($stored of $EVENTS)"; break; }
    sleep 0.2
  done
  sleep 2
  "$CW_BUILD/churnctl" report -c "$conf" --json >"$d/report.json" 2>"$d/report.err" || true
  "$CW_BUILD/churnctl" report -c "$conf" --html "$d/report.html" >"$d/report.txt" 2>>"$d/report.err" || true
  "$CW_BUILD/churnctl" tail-alerts -b "$boot" --from-beginning --json --idle-exit 10 \
    --topic churn-archive >"$d/archive.jsonl" 2>/dev/null || true
  "$CW_BUILD/churnctl" tail-alerts -b "$boot" --from-beginning --json --idle-exit 10 \
    --topic churnwatch-dlq >"$d/dlq.jsonl" 2>/dev/null || true
  echo "$conf" >"$d/conf.path"
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
}

echo "== churnwatchd over the stream"
run ref
if python3 "$CHECK" --events "$DIR/ev.jsonl" --truth "$DIR/rt.csv" \
     --report "$DIR/ref/report.json" --archive "$DIR/ref/archive.jsonl" >"$DIR/ref/check.txt" 2>&1; then
  ok "report == the generator's ground truth ($(grep -c '^  [a-z]' "$DIR/ref/check.txt") rules; $(grep '^archive' "$DIR/ref/check.txt"))"
else
  bad "report != ground truth: $(grep MISMATCH "$DIR/ref/check.txt" | head -5)"
fi
sed 's/^/   /' "$DIR/ref/check.txt"
n=$(grep -c '"type":"outcome"' "$DIR/ref/dlq.jsonl" || true)
[ "$n" = 1 ] && grep -q '"task_id":"00000000000000000000000000000000"' "$DIR/ref/dlq.jsonl" &&
  ok "the outcome for an unknown task is the only retention dead letter" ||
  bad "dead letters: $n outcome(s): $(head -c 300 "$DIR/ref/dlq.jsonl")"
[ -s "$DIR/ref/report.html" ] && grep -q '<svg' "$DIR/ref/report.html" && ! grep -q 'http[s]*://[^"]*\.js' "$DIR/ref/report.html" &&
  ok "report --html: one self-contained page with inline SVG" || bad "report --html: $(cat "$DIR/ref/report.err")"

# Worklists: every (queue, day) the team worked holds exactly the tasks
# the engine opened that day for that queue (no queue is over capacity
# here, so the cut takes them all).
if python3 - "$CW_BUILD/churnctl" "$(cat "$DIR/ref/conf.path")" "$DIR/rt.csv" <<'PY'
import collections, csv, json, subprocess, sys
ctl, conf, truth = sys.argv[1:]
want = collections.defaultdict(set)
for r in csv.DictReader(open(truth)):
    want[(r["queue"], r["opened_ts"][:10])].add(r["task_id"])
bad = 0
for (q, d), ids in sorted(want.items()):
    out = subprocess.run([ctl, "worklist", "-c", conf, "--queue", q, "--date", d, "--json"],
                         capture_output=True, text=True)
    got = {a["alert_id"] for a in json.loads(out.stdout or "[]")}
    if got != ids:
        bad += 1
        print("   worklist %s %s: %d tasks, want %d" % (q, d, len(got), len(ids)))
print("   %d worklists compared" % len(want))
sys.exit(1 if bad or not want else 0)
PY
then ok "every worklist holds exactly the tasks the team worked"; else bad "worklists differ from the tasks opened"; fi

echo "== the same stream, churnwatchd SIGKILLed mid-stream"
run kill $(( EVENTS * 2 / 5 ))
python3 - "$DIR/ref" "$DIR/kill" <<'PY' && ok "SIGKILL and restart: identical counters and archive records" || bad "SIGKILL and restart changed the loop's numbers (above)"
import json, sys
a, b = (json.load(open(d + "/report.json"))["counters"] for d in sys.argv[1:])
diff = [(m, f, a.get(m, {}).get(f), b.get(m, {}).get(f))
        for m in set(a) | set(b) for f in set(a.get(m, {})) | set(b.get(m, {}))
        if a.get(m, {}).get(f) != b.get(m, {}).get(f)]
for d in diff[:10]:
    print("   counter differs:", d)
def recs(d):
    out = {}
    for l in open(d + "/archive.jsonl"):
        if l.strip():
            r = json.loads(l)
            assert out.get(r["archive_id"], l) == l, "an archive record repeated differently"
            out[r["archive_id"]] = l
    return out
ra, rb = recs(sys.argv[1]), recs(sys.argv[2])
if ra != rb:
    print("   archive records differ: %d vs %d" % (len(ra), len(rb)))
sys.exit(1 if diff or ra != rb else 0)
PY
check_summary loop
