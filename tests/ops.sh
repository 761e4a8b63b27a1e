#!/usr/bin/env bash
# tests/ops.sh BUILDDIR — operations as an operator meets them, against a
# real redis-server and the development Kafka:
#   - --check-config refuses what the daemon would refuse (URLs, listen
#     addresses, librdkafka properties, refused overrides, secrets), and
#     never echoes a secret;
#   - exit codes at start: 1 configuration (malformed URL, missing topic),
#     2 unreachable; start-up errors carry journald priorities;
#   - a running daemon: sd_notify READY=1 and STATUS= (partitions,
#     watermark, lag, alerts today); /metrics conventions (build and rules
#     info, per-rule series at 0, histograms, process metrics, consumer lag
#     per partition, input lag 0 when idle, reload timestamp from the start);
#   - SIGHUP re-reads the configuration and names keys that need a restart;
#   - a local override of a vendor rule changes what fires.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
. "$(dirname "$0")/../tools/lib.sh"
CW_BUILD=$BUILD
D="$BUILD/churnwatchd"
DIR=$(mktemp -d /tmp/cw-ops.XXXXXX)
trap 'cw_cleanup; rm -rf "$DIR"' EXIT
. "$(dirname "$0")/checks.sh"

cw_redis "$DIR"
cw_kafka "$DIR" 4
BOOT=$(cat "$DIR/bootstrap")
PORT=$(cw_free_port)
BASE=$(cw_config "$DIR" "$BOOT" "$PORT")
variant() { # variant NAME LINE... — the base config plus dotted keys
  local f="$DIR/$1.yaml"; shift
  cp "$BASE" "$f"; printf '%s\n' "$@" >>"$f"; echo "$f"
}

echo "== --check-config"
expect "valid config" 0 "configuration OK" "$D" -t -c "$BASE"
f=$(variant url); sed -i 's|url: .*|url: "redis://h:notaport"|' "$f"
expect "malformed redis.url" 1 "redis url 'redis://h:notaport': bad port" "$D" -t -c "$f"
f=$(variant tls); sed -i 's|url: .*|url: "rediss://127.0.0.1:6380/0"|' "$f"
expect "rediss:// refused with the reason" 1 "TLS .*stunnel" "$D" -t -c "$f"
f=$(variant listen); sed -i 's|listen: .*|listen: "no-port-here"|' "$f"
expect "malformed metrics.listen" 1 "metrics.listen 'no-port-here'" "$D" -t -c "$f"
f=$(variant prop 'kafka.properties: {"no.such.property": "1"}')
expect "unknown librdkafka property" 1 "no.such.property" "$D" -t -c "$f"
f=$(variant assignor 'kafka.properties: {"partition.assignment.strategy": "cooperative-sticky"}')
expect "assignor override refused with the reason" 1 "cannot be overridden: must stay 'range'" "$D" -t -c "$f"
f=$(variant autocommit 'kafka.properties: {"consumer.enable.auto.commit": "true"}')
expect "prefixed guarantee override refused" 1 "consumer.enable.auto.commit' cannot be overridden" "$D" -t -c "$f"
f=$(variant roles 'kafka.properties: {"consumer.fetch.wait.max.ms": "20", "producer.linger.ms": "3", "client.id": "x"}')
expect "consumer./producer. properties accepted" 0 "configuration OK" "$D" -t -c "$f"
f=$(variant secret 'kafka.properties: {"ssl.key.pasword": "TOPSECRET42"}')
out=$("$D" -t -c "$f" 2>&1) && bad "misspelled secret key accepted" || {
  if grep -q TOPSECRET42 <<<"$out"; then bad "secret echoed: $out"; else ok "misspelled secret key refused, value not echoed"; fi; }
f=$(variant saslpw 'kafka.properties: {"sasl.password": "x"}')
expect "sasl.password inline refused" 1 "use kafka.sasl_password_file" "$D" -t -c "$f"
printf 'pw\n' >"$DIR/pw"; chmod 0644 "$DIR/pw"
f=$(variant pwfile "redis.password_file: $DIR/pw")
expect "world-readable password file refused" 1 "readable by everyone" "$D" -t -c "$f"
f=$(variant cred 'redis.password_file: $CREDENTIALS_DIRECTORY/redis-password')
expect "credential without \$CREDENTIALS_DIRECTORY" 1 "CREDENTIALS_DIRECTORY is not set" "$D" -t -c "$f"
mkdir -p "$DIR/creds"; printf 'pw\n' >"$DIR/creds/redis-password"; chmod 0400 "$DIR/creds/redis-password"
expect "credential read from \$CREDENTIALS_DIRECTORY" 0 "with password" \
  env CREDENTIALS_DIRECTORY="$DIR/creds" "$D" -t -c "$f"
mkdir -p "$DIR/bigaction"
printf 'rules:\n  - name: wordy\n    detect: plan_downgrade\n    cooldown: 1d\n    action: "%s"\n' \
  "$(head -c 1000 /dev/zero | tr '\0' a)" >"$DIR/bigaction/r.yaml"
f=$(variant bigalert 'kafka.properties: {"producer.message.max.bytes": "8000"}'); sed -i "s|^rules: .*|rules: $DIR/bigaction|" "$f"
expect "an alert over message.max.bytes is a load-time error" 1 "r.yaml:2:5: an alert of rule 'wordy' can take [0-9]+ bytes, over the producer's message.max.bytes \\(8000\\)" "$D" -t -c "$f"
printf 'queues: {a: {capacity: 5}}\nroutes:\n  - match: {rule: silence-3Od}\n    queue: a\ndefault: a\n' >"$DIR/bad-routing.yaml"
f=$(variant badroute "routing: $DIR/bad-routing.yaml")
expect "routing naming a missing rule: FILE:LINE:COL and the nearest" 1 "bad-routing.yaml:3:19: route names rule 'silence-3Od'.*did you mean 'silence-30d'" "$D" -t -c "$f"
f=$(variant goodroute "routing: $CW_ROOT/examples/routing.yaml")
expect "the example routing.yaml is valid" 0 "configuration OK" "$D" -t -c "$f"
f=$(variant user 'redis.username: alice')
expect "ACL user without a password refused" 1 "needs a password" "$D" -t -c "$f"

echo "== exit codes and priorities at start"
f=$(variant starturl); sed -i 's|url: .*|url: "redis://h:notaport"|' "$f"
expect "malformed redis.url at start: exit 1, not 2" 1 "bad port" timeout 20 "$D" -c "$f"
expect "start-up error has a journald priority" 1 "^<3>" env JOURNAL_STREAM=8:1 timeout 20 "$D" -c "$f"
f=$(variant unreach 'startup.retry_budget: 1s'); sed -i "s|brokers: .*|brokers: \"127.0.0.1:1\"|" "$f"
expect "unreachable Kafka at start: exit 2" 2 "" timeout 60 "$D" -c "$f"
"$CW_BUILD/churnctl" kafka-dev --partitions 2 --topics cdr,retention,churn-alerts,churnwatch-dlq \
  --ready-file "$DIR/boot2" >/dev/null 2>"$DIR/kafka2.log" &
CW_PIDS+=($!)
for _ in $(seq 100); do [ -s "$DIR/boot2" ] && break; sleep 0.1; done
f=$(variant notopic 'startup.retry_budget: 2s'); sed -i "s|brokers: .*|brokers: \"$(cat "$DIR/boot2")\"|" "$f"
# A real broker (>= 0.11) answers "unknown topic" (allow.auto.create.topics
# is false); the mock cluster auto-creates it with 4 partitions, which the
# co-partitioning check refuses. Either way: configuration, exit 1, named.
expect "missing input topic: exit 1 with its name" 1 "topic 'billing' does not exist|and billing \\(4\\) must have the same partition count" timeout 60 "$D" -c "$f"

echo "== a running daemon"
"$CW_BUILD/churnctl" gen --subscribers 200 --days 40 --seed 3 --regions 3 --out "$DIR/ev.jsonl" 2>/dev/null
# One planted subscriber, merged in ts order: a downgrade (day 5), call
# forwarding to a competitor (day 8), a port-out code request (day 28)
# exercise the contact budget below (opened, attached, over budget).
python3 - "$DIR/ev.jsonl" <<'PY'
import json, sys
sub, lines = "8613800999999", open(sys.argv[1]).read().splitlines()
mine = [{"event_id": "ops-a", "type": "activate", "subscriber": sub,
         "ts": "2026-01-01T00:00:00Z", "plan": "P88"}]
mine += [
    {"event_id": "ops-d", "type": "plan_change", "subscriber": sub,
     "ts": "2026-01-05T10:00:00Z", "plan_from": "P88", "plan_to": "P18"},
    {"event_id": "ops-f", "type": "forward_set", "subscriber": sub,
     "ts": "2026-01-08T10:00:00Z", "forward_to": "8618600000002"},
    {"event_id": "ops-p", "type": "portout_request", "subscriber": sub,
     "ts": "2026-01-28T10:00:00Z", "kind": "auth_code"}]
# a call a day keeps the line from looking silent
mine += [{"event_id": "ops-c%d" % d, "type": "voice", "subscriber": sub,
          "ts": "2026-01-%02dT09:00:00Z" % d, "direction": "out",
          "peer": "8613900000001", "duration_s": 60, "charge": 0.1} for d in range(1, 32)]
rows = [(json.loads(l)["ts"], l) for l in lines] + [(e["ts"].replace("Z", ".000Z"), json.dumps(e)) for e in mine]
rows.sort(key=lambda r: r[0])
open(sys.argv[1], "w").write("".join(l + "\n" for _, l in rows))
PY
"$CW_BUILD/churnctl" replay --events "$DIR/ev.jsonl" --topic auto -b "$BOOT" >/dev/null 2>&1
EVENTS=$(wc -l <"$DIR/ev.jsonl")
mkdir -p "$DIR/local"
cat >"$DIR/local/50-local.yaml" <<'Y'
rules:
  - override: silence-30d
    enabled: false
  - override: churned-90d
    cooldown: 120d
Y
# The example routing with a tighter contact budget, so that this short
# stream also attaches alerts to open tasks and runs over budget.
sed -e 's/^  task_open: 7d$/  task_open: 20d/' -e 's/^  contacts: 2$/  contacts: 1/' \
  "$CW_ROOT/examples/routing.yaml" >"$DIR/routing.yaml"
grep -q '^  task_open: 20d$' "$DIR/routing.yaml" && grep -q '^  contacts: 1$' "$DIR/routing.yaml" ||
  bad "examples/routing.yaml no longer has the budget lines this test edits"
RUN=$(variant run "vendor_rules: $CW_ROOT/rules" "kafka.group_id: ops" \
  "routing: $DIR/routing.yaml")
sed -i "s|^rules: .*|rules: $DIR/local|" "$RUN"
python3 - "$DIR/notify.sock" >"$DIR/notify.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode(), flush=True)
PY
CW_PIDS+=($!)
for _ in $(seq 50); do [ -S "$DIR/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET="$DIR/notify.sock" "$D" -c "$RUN" 2>"$DIR/d.log" &
DPID=$!
CW_PIDS+=($DPID)
for _ in $(seq 600); do
  n=$(cw_metric "$PORT" churnwatch_batch_messages_total 2>/dev/null || true)
  [ "${n%%$'\n'*}" -ge "$EVENTS" ] 2>/dev/null && break
  sleep 0.1
done
sleep 6 # past a STATUS= period and idle batches
M=$(curl -s "127.0.0.1:$PORT/metrics")
has() { if grep -qE -- "$2" <<<"$M"; then ok "$1"; else bad "$1: /$2/ not in /metrics"; fi; }
has "build info" '^churnwatch_build_info\{version="[0-9.]+"\} 1$'
has "rules info" '^churnwatch_rules_info\{version="[0-9a-f]{64}"\} 1$'
n=$(grep -oE '^churnwatch_alerts_total\{rule="[^"]+"' <<<"$M" | sort -u | wc -l)
nrules=$(grep -c '^  - name:' "$CW_ROOT"/rules/*.yaml | awk -F: '{s+=$2} END {print s}')
[ "$n" -eq "$nrules" ] && ok "every loaded rule has an alerts series (fired or at 0): $n" ||
  bad "alerts series for $n of $nrules rules"
has "a rule that never fired has its series at 0" '^churnwatch_alerts_total\{rule="[a-z0-9-]+",severity="[a-z]+"\} 0$'
has "disabled-by-override rule: 0 evaluations" '^churnwatch_rule_evaluations_total\{rule="silence-30d"\} 0$'
has "evaluations counted" '^churnwatch_rule_evaluations_total\{rule="usage-fall"\} [1-9]'
has "retention tasks opened, by queue" '^churnwatch_retention_tasks_total\{queue="mass-outbound",task="new"\} [1-9]'
has "an alert attached to an open task" '^churnwatch_retention_tasks_total\{queue="[a-z-]+",task="attached"\} 1$'
has "an alert over the contact budget" '^churnwatch_retention_tasks_total\{queue="[a-z-]+",task="over_budget"\} 1$'
has "suppressed series at 0" '^churnwatch_alerts_suppressed_total\{rule="offnet-forward"\} 0$'
has "batch duration histogram" '^churnwatch_batch_duration_seconds_bucket\{le="\+Inf"\} [1-9]'
has "alert latency histogram" '^churnwatch_alert_latency_seconds_count [1-9]'
has "process metrics" '^process_resident_memory_bytes [1-9]'
has "open fds" '^process_open_fds [1-9]'
has "start time" '^process_start_time_seconds [1-9]'
has "dead letters counter" '^churnwatch_dead_letters_total [0-9]'
has "outbox depth" '^churnwatch_outbox_depth [0-9]'
has "input lag 0 when idle" '^churnwatch_input_lag_seconds 0.000$'
has "reload timestamp set by the initial load" '^churnwatch_rules_last_reload_timestamp_seconds [1-9]'
for _ in $(seq 150); do # statistics.interval.ms is 10 s
  M=$(curl -s "127.0.0.1:$PORT/metrics")
  grep -q '^churnwatch_consumer_lag_messages{topic="cdr",partition="0"}' <<<"$M" && break
  sleep 0.1
done
has "consumer lag per partition (messages)" '^churnwatch_consumer_lag_messages\{topic="cdr",partition="0"\} 0$'
if grep -q '^READY=1' "$DIR/notify.log" &&
   grep -qE '^STATUS=[0-9]+ partitions, watermark 20[0-9-]+T[0-9:.]+Z, input lag [0-9.]+s, [0-9]+ alerts today$' "$DIR/notify.log"; then
  ok "sd_notify READY=1 and STATUS=: $(grep STATUS= "$DIR/notify.log" | tail -1)"
else
  bad "sd_notify: $(tail -3 "$DIR/notify.log")"
fi
if grep -q '"rule":"silence-30d"' <(curl -s "127.0.0.1:$PORT/metrics" >/dev/null; "$CW_BUILD/churnctl" tail-alerts -b "$BOOT" --from-beginning --json --idle-exit 3 2>/dev/null); then
  bad "override 'enabled: false' ignored: silence-30d fired"
else
  ok "override disables a vendor rule"
fi

"$CW_BUILD/churnctl" tail-alerts -b "$BOOT" --from-beginning --json --idle-exit 3 \
  >"$DIR/alerts.jsonl" 2>/dev/null || true
if python3 - "$DIR/alerts.jsonl" <<'PY'
import json, sys
# examples/routing.yaml, first match wins
def queue(a):
    seg, lab = a["segment"], a.get("labels", {})
    if seg["arpu_tier"] == "high" and seg["tenure_stage"] in ("stable", "mature"):
        return "high-value-care"
    if lab.get("team") == "group-desk":
        return "group-accounts"
    if lab.get("category") == "competitive":
        return "county-managers"
    if seg.get("region") == "county-1":
        return "county-managers"
    return "mass-outbound"
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bad = [a["alert_id"] for a in alerts if a.get("queue") != queue(a)]
seen = sorted({a.get("queue") for a in alerts})
pri = all(isinstance(a.get("priority"), (int, float)) for a in alerts)
print("%d alerts, queues %s, %d misrouted, priority on all: %s" % (len(alerts), seen, len(bad), pri))
sys.exit(0 if alerts and not bad and pri and len(seen) >= 2 else 1)
PY
then ok "every alert routed as examples/routing.yaml says, with its priority"
else bad "routing of live alerts (see above)"
fi
# The worklist of each (queue, day) tasks were opened on, as churnctl reads
# it from Redis, against the alerts themselves: the alerts that opened a
# task, ranked by the highest priority of the alerts attached to each; and
# the contact budget (one open task for 20d; at most 1 opened in 30 days).
if python3 - "$DIR/alerts.jsonl" "$CW_BUILD/churnctl" "$RUN" 20 1 30 <<'PY'
import collections, datetime, json, subprocess, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
OPEN, CONTACTS, WINDOW = (datetime.timedelta(days=int(sys.argv[4])), int(sys.argv[5]),
                          datetime.timedelta(days=int(sys.argv[6])))
ts = lambda a: datetime.datetime.fromisoformat(a["ts"].replace("Z", "+00:00"))
new = {a["alert_id"]: a for a in alerts if a.get("task") == "new"}
prio = {i: a["priority"] for i, a in new.items()}
for a in alerts:
    if a.get("task") == "attached":
        t = new.get(a["task_id"])
        if not t or t["subscriber"] != a["subscriber"] or not (ts(t) <= ts(a) < ts(t) + OPEN):
            print("attached alert %s: no open task %s of its subscriber" % (a["alert_id"], a["task_id"])); sys.exit(1)
        prio[a["task_id"]] = max(prio[a["task_id"]], a["priority"])
opened = collections.defaultdict(list)
for a in sorted(new.values(), key=ts):
    o = opened[a["subscriber"]]
    if o and ts(a) < ts(o[-1]) + OPEN:
        print("two open tasks for %s" % a["subscriber"]); sys.exit(1)
    if sum(ts(a) - WINDOW < ts(x) for x in o) >= CONTACTS:
        print("over budget: %s" % a["subscriber"]); sys.exit(1)
    o.append(a)
days = collections.defaultdict(list)
for a in new.values():
    days[(a["queue"], a["ts"][:10])].append(a["alert_id"])
checked = 0
for (q, d), ids in sorted(days.items()):
    # equal priorities: ZREVRANGE gives the larger alert id first
    want = sorted(ids, key=lambda i: (prio[i], i), reverse=True)
    out = subprocess.run([sys.argv[2], "worklist", "-c", sys.argv[3], "--queue", q,
                          "--date", d, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        print("worklist %s %s: exit %d %s" % (q, d, out.returncode, out.stderr)); sys.exit(1)
    got = json.loads(out.stdout)
    if [t["alert_id"] for t in got] != want or [t["rank"] for t in got] != list(range(1, len(got) + 1)):
        print("worklist %s %s: %s != %s" % (q, d, [t["alert_id"] for t in got], want)); sys.exit(1)
    checked += 1
kinds = collections.Counter(a.get("task") for a in alerts)
csv = subprocess.run([sys.argv[2], "worklist", "-c", sys.argv[3], "--queue", alerts[0]["queue"],
                      "--date", alerts[0]["ts"][:10], "--csv"], capture_output=True, text=True).stdout
if not csv.startswith("rank,priority,subscriber,"):
    print("csv header: %r" % csv[:80]); sys.exit(1)
print("%d worklists match the alerts; tasks %s" % (checked, dict(kinds)))
if not kinds.get("attached") or not kinds.get("over_budget"):
    print("the stream no longer attaches or runs over budget: the check proves less"); sys.exit(1)
PY
then ok "churnctl worklist and the contact budget: tasks, ranks and attachments as the alerts say"
else bad "churnctl worklist / contact budget (see above)"
fi
expect "worklist of an unknown queue" 1 "no queue 'nope'" "$CW_BUILD/churnctl" worklist -c "$RUN" --queue nope
expect "worklist with a bad date" 2 "not YYYY-MM-DD" "$CW_BUILD/churnctl" worklist -c "$RUN" --queue mass-outbound --date 2026-13-40

echo "== /metrics under abuse: 64 slow clients trickle headers"
python3 - "$PORT" >"$DIR/slow.log" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
socks = []
for i in range(64):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    try:
        s.connect(("127.0.0.1", port)); s.send(b"GET /metrics HTTP/1.1\r\n"); socks.append(s)
    except OSError:
        pass
for _ in range(8):
    for s in socks:
        try: s.send(b"X")
        except OSError: pass
    time.sleep(1)
PY
SLOW=$!
sleep 1.5
t0=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "127.0.0.1:$PORT/healthz" || true)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$code" = 200 ] && [ "$ms" -lt 1500 ] && ok "probe answered in $ms ms beside 64 slow clients" ||
  bad "probe: code $code after $ms ms"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "127.0.0.1:$PORT/metrics" || true)
[ "$code" = 200 ] && ok "/metrics answered beside them" || bad "/metrics: code $code"
kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null || true

echo "== SIGHUP"
sed -i "s|brokers: .*|brokers: \"127.0.0.1:9\"|; s|level: .*||" "$RUN"
echo 'log.level: debug' >>"$RUN"
printf '  - override: shrinking-circle\n    enabled: false\n' >>"$DIR/local/50-local.yaml"
kill -HUP "$DPID"
for _ in $(seq 50); do grep -q "reloaded" "$DIR/d.log" && break; sleep 0.1; done
if grep -q "take effect only after a restart: kafka.brokers" "$DIR/d.log" && grep -q "reloaded" "$DIR/d.log"; then
  ok "SIGHUP re-reads the config and names keys needing a restart"
else
  bad "SIGHUP: $(tail -5 "$DIR/d.log")"
fi
grep -q "distinct contacts are now kept for 0 days instead of 30" "$DIR/d.log" &&
  ok "a reload that narrows the kept history says so" || bad "no narrowing warning: $(grep reload "$DIR/d.log" | tail -3)"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null && ok "SIGTERM: exit 0" || bad "SIGTERM exit $?"
grep -qE '^20[0-9-]+T[0-9:.]+Z notice: churnwatchd .* starting' "$DIR/d.log" &&
  ok "log lines carry a timestamp off journald" || bad "no timestamp: $(head -2 "$DIR/d.log")"

echo "== a Redis that may evict, refuse or fail"
mkdir -p "$DIR/lru" "$DIR/auth" "$DIR/oom"
redis-server --port 0 --unixsocket "$DIR/lru/redis.sock" --dir "$DIR/lru" --save "" --maxmemory 64mb \
  --maxmemory-policy allkeys-lru --logfile "$DIR/lru/log" --daemonize no &
CW_PIDS+=($!)
redis-server --port 0 --unixsocket "$DIR/auth/redis.sock" --dir "$DIR/auth" --save "" --requirepass right \
  --logfile "$DIR/auth/log" --daemonize no &
CW_PIDS+=($!)
redis-server --port 0 --unixsocket "$DIR/oom/redis.sock" --dir "$DIR/oom" --save "" --maxmemory 1500kb \
  --maxmemory-policy noeviction --logfile "$DIR/oom/log" --daemonize no &
CW_PIDS+=($!)
sleep 0.5
f=$(variant lru 'kafka.group_id: lru' 'startup.retry_budget: 2s'); sed -i "s|url: .*|url: \"unix://$DIR/lru/redis.sock\"|" "$f"
expect "maxmemory-policy allkeys-lru refused at start (exit 1)" 1 "maxmemory-policy is allkeys-lru: .* must never be evicted" timeout 60 "$D" -c "$f"
printf 'wrong\n' >"$DIR/auth/pw"; chmod 0600 "$DIR/auth/pw"
f=$(variant auth "redis.password_file: $DIR/auth/pw" 'startup.retry_budget: 20s'); sed -i "s|url: .*|url: \"unix://$DIR/auth/redis.sock\"|" "$f"
t0=$(date +%s)
expect "wrong Redis password: exit 1 at once, not retried" 1 "WRONGPASS|invalid password" timeout 60 "$D" -c "$f"
[ $(( $(date +%s) - t0 )) -lt 15 ] && ok "... within the retry budget's first attempt" || bad "auth failure was retried"
redis-cli -s "$DIR/redis.sock" SET cw:off:wrongtype oops >/dev/null
f=$(variant wrongtype 'kafka.group_id: wrongtype')
expect "WRONGTYPE: exit 1 naming the cause" 1 "WRONGTYPE.*another type" timeout 60 "$D" -c "$f"
# just above what the empty server uses: the daemon's first writes are refused
used=$(redis-cli -s "$DIR/oom/redis.sock" INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
redis-cli -s "$DIR/oom/redis.sock" CONFIG SET maxmemory $((used + 20000)) >/dev/null
f=$(variant oom 'kafka.group_id: oom'); sed -i "s|url: .*|url: \"unix://$DIR/oom/redis.sock\"|; s|listen: .*|listen: \"127.0.0.1:$PORT\"|" "$f"
"$D" -c "$f" 2>"$DIR/oom/d.log" &
OPID=$!
CW_PIDS+=($OPID)
for _ in $(seq 300); do
  n=$(cw_metric "$PORT" churnwatch_redis_oom_total 2>/dev/null || true)
  [ "${n%%$'\n'*}" -gt 0 ] 2>/dev/null && break
  sleep 0.1
done
if [ "${n%%$'\n'*}" -gt 0 ] 2>/dev/null && kill -0 "$OPID" 2>/dev/null; then
  ok "OOM: counted ($n), still running, retrying"
else
  bad "OOM not seen: $(tail -3 "$DIR/oom/d.log")"
fi
redis-cli -s "$DIR/oom/redis.sock" CONFIG SET maxmemory 0 >/dev/null
for _ in $(seq 600); do
  n=$(cw_metric "$PORT" churnwatch_batch_messages_total 2>/dev/null || true)
  [ "${n%%$'\n'*}" -ge "$EVENTS" ] 2>/dev/null && break
  sleep 0.1
done
[ "${n%%$'\n'*}" -ge "$EVENTS" ] 2>/dev/null && ok "after OOM: every message applied ($n of $EVENTS), nothing skipped" ||
  bad "after OOM: $n of $EVENTS applied"
grep -q "lack of memory" "$DIR/oom/d.log" && ok "OOM has its own log line" || bad "no OOM log line"
kill -TERM "$OPID"; wait "$OPID" 2>/dev/null || true

echo "== Redis ACL user with exactly the documented commands"
ACL_CMDS="+get +set +mget +incr +zadd +zrem +zrangebyscore +zscore +hget +hset +hdel +hgetall +multi +exec +watch +unwatch +scan +info +ping +select"
redis-cli -s "$DIR/redis.sock" ACL SETUSER cwacl on '>aclpw' '~cw:*' $ACL_CMDS >/dev/null
redis-cli -s "$DIR/redis.sock" ACL SETUSER cwnowatch on '>aclpw' '~cw:*' ${ACL_CMDS/+watch /} >/dev/null
printf 'aclpw\n' >"$DIR/aclpw"; chmod 0600 "$DIR/aclpw"
f=$(variant acl 'kafka.group_id: acl' 'redis.username: cwacl' "redis.password_file: $DIR/aclpw")
"$D" -c "$f" 2>"$DIR/acl.log" &
APID=$!
CW_PIDS+=($APID)
for _ in $(seq 600); do
  n=$(cw_metric "$PORT" churnwatch_batch_messages_total 2>/dev/null || true)
  [ "${n%%$'\n'*}" -ge "$EVENTS" ] 2>/dev/null && break
  sleep 0.1
done
[ "${n%%$'\n'*}" -ge "$EVENTS" ] 2>/dev/null && kill -0 "$APID" 2>/dev/null &&
  ok "ACL user with the documented commands: every message applied ($n)" ||
  bad "ACL user: $n of $EVENTS applied; $(tail -3 "$DIR/acl.log")"
kill -TERM "$APID"; wait "$APID" 2>/dev/null || true
f=$(variant nowatch 'kafka.group_id: nowatch' 'redis.username: cwnowatch' "redis.password_file: $DIR/aclpw")
expect "ACL user lacking WATCH: exit 1 with NOPERM and the command list" 1 "NOPERM.*WATCH UNWATCH" timeout 60 "$D" -c "$f"

echo "== determinism: back-tests under different batch sizes"
# Also with every rule limited to its day's single best alert, where the
# limit binds: the choice must not depend on batching either.
mkdir -p "$DIR/limited"
cp "$DIR/local/50-local.yaml" "$DIR/limited/"
for r in $(sed -n 's/^  - name: \(.*\)/\1/p' "$CW_ROOT"/rules/*.yaml); do
  printf '  - override: %s\n    limit: 1\n' "$r"
done >>"$DIR/limited/50-local.yaml"
for v in 300:local 5000:local 300:limited 5000:limited; do
  bs=${v%%:*} rd=${v#*:}
  printf 'vendor_rules: %s\nrules: %s\nplans: %s\nnetworks: %s\nkafka:\n  batch_size: %s\n' \
    "$CW_ROOT/rules" "$DIR/$rd" "$CW_ROOT/examples/plans.yaml" "$CW_ROOT/examples/networks.yaml" \
    "$bs" >"$DIR/bt$bs$rd.yaml"
  "$CW_BUILD/churnctl" backtest -c "$DIR/bt$bs$rd.yaml" --events "$DIR/ev.jsonl" \
    --alerts "$DIR/bt$bs$rd.jsonl" >/dev/null 2>&1 || bad "backtest batch_size $bs ($rd rules) failed"
  sed 's/.*"alert_id":"\([0-9a-f]*\)".*/\1/' "$DIR/bt$bs$rd.jsonl" | sort >"$DIR/ids$bs$rd"
done
if [ -s "$DIR/ids300local" ] && cmp -s "$DIR/ids300local" "$DIR/ids5000local"; then
  ok "same alert ids with batches of 300 and 5000 ($(wc -l <"$DIR/ids300local") alerts)"
else
  bad "alert ids differ between batch sizes: $(comm -3 "$DIR/ids300local" "$DIR/ids5000local" | head -5)"
fi
# Every rule at most once per day, a subset of the unlimited alerts, and
# the ones kept are each day's highest priority of their rule.
if python3 - "$DIR/bt300local.jsonl" "$DIR/bt300limited.jsonl" <<'PY'
import json, sys, collections
full = [json.loads(l) for l in open(sys.argv[1])]
lim = [json.loads(l) for l in open(sys.argv[2])]
ids = {a["alert_id"] for a in full}
assert lim and len(lim) < len(full), (len(lim), len(full))
assert all(a["alert_id"] in ids for a in lim)
days = collections.Counter((a["rule"], a["ts"][:10]) for a in lim)
assert max(days.values()) == 1, days.most_common(1)
assert max(collections.Counter((a["rule"], a["ts"][:10]) for a in full).values()) > 1
best = {}
for a in full:
    k = (a["rule"], a["ts"][:10])
    best[k] = max(best.get(k, -1), a["priority"])
for a in lim:
    assert a["priority"] == best[(a["rule"], a["ts"][:10])], a["alert_id"]
PY
then
  ok "limit 1: each rule's best alert of each day, $(wc -l <"$DIR/bt300limited.jsonl") of $(wc -l <"$DIR/bt300local.jsonl")"
else
  bad "limit 1: not the day's best per rule (see above)"
fi
if [ -s "$DIR/ids300limited" ] && cmp -s "$DIR/ids300limited" "$DIR/ids5000limited"; then
  ok "limit binding: same alert ids with batches of 300 and 5000 ($(wc -l <"$DIR/ids300limited") alerts)"
else
  bad "limit binding: alert ids differ between batch sizes: $(comm -3 "$DIR/ids300limited" "$DIR/ids5000limited" | head -5)"
fi

echo "== inspect (read-only, on the daemon's Redis)"
SUB=$(head -200 "$DIR/ev.jsonl" | sed -n 's/.*"subscriber":"\([0-9]*\)".*/\1/p' | head -1)
R() { redis-cli -s "$DIR/redis.sock" "$@"; }
before="$(R DBSIZE) $(R GET "cw:s:$SUB" | md5sum)"
if out=$("$CW_BUILD/churnctl" inspect -c "$RUN" "$SUB" 2>&1) &&
   grep -q "^subscriber $SUB (as of 20" <<<"$out" && grep -q "^  tenure " <<<"$out" &&
   grep -q "^  next timer " <<<"$out"; then
  ok "inspect shows $SUB"
else
  bad "inspect: $out"
fi
if out=$("$CW_BUILD/churnctl" inspect -c "$RUN" --json "$SUB" 2>&1) &&
   python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["subscriber"]; assert "usage" in d' <<<"$out"; then
  ok "inspect --json parses"
else
  bad "inspect --json: $(head -c 300 <<<"$out")"
fi
after="$(R DBSIZE) $(R GET "cw:s:$SUB" | md5sum)"
[ "$before" = "$after" ] && ok "inspect changed nothing in Redis" || bad "inspect wrote: $before / $after"
expect "inspect of an unknown subscriber" 1 "no state for 86100000000" "$CW_BUILD/churnctl" inspect -c "$RUN" 86100000000

check_summary ops
