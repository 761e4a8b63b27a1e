# tools/lib.sh — shared helpers for tools/demo, tools/test and tools/bench.
# Starts private services under a work directory; everything is stopped by
# cw_cleanup (installed as an EXIT trap by the caller).

CW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CW_BUILD=${CW_BUILD:-$CW_ROOT/build}
CW_PIDS=()

cw_build() {
  if [ ! -f "$CW_BUILD/build.ninja" ]; then
    meson setup "$CW_BUILD" "$CW_ROOT" --buildtype=release -Db_ndebug=false >/dev/null
  fi
  ninja -C "$CW_BUILD" >/dev/null
}

# cw_redis DIR — start a private redis-server on a unix socket in DIR.
cw_redis() {
  local dir=$1
  # --dir: never load a dump.rdb that happens to lie in the caller's
  # working directory (it would bring another run's state along).
  redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
    --dir "$dir" --save "" --appendonly no --daemonize no --logfile "$dir/redis.log" &
  CW_PIDS+=($!)
  for _ in $(seq 50); do
    redis-cli -s "$dir/redis.sock" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "redis-server did not start; see $dir/redis.log" >&2
  return 1
}

# cw_kafka DIR PARTITIONS — start the development Kafka; the bootstrap
# servers are then in DIR/bootstrap. (Not run in $(...): the pid must be
# recorded in this shell for cw_cleanup.)
cw_kafka() {
  local dir=$1 parts=$2
  rm -f "$dir/bootstrap"
  "$CW_BUILD/churnctl" kafka-dev --partitions "$parts" --ready-file "$dir/bootstrap" \
    >"$dir/kafka.out" 2>"$dir/kafka.log" &
  CW_PIDS+=($!)
  for _ in $(seq 100); do
    [ -s "$dir/bootstrap" ] && return 0
    sleep 0.1
  done
  echo "kafka-dev did not start; see $dir/kafka.log" >&2
  return 1
}

# cw_config DIR BOOTSTRAP [METRICS_PORT] — write a config for the private services.
cw_config() {
  local dir=$1 boot=$2 port=${3:-0}
  local listen='""'
  [ "$port" != 0 ] && listen="\"127.0.0.1:$port\""
  cat >"$dir/churnwatch.yaml" <<EOC
kafka:
  brokers: "$boot"
  group_id: churnwatch
redis:
  url: "unix://$dir/redis.sock"
rules: $CW_ROOT/rules
plans: $CW_ROOT/examples/plans.yaml
networks: $CW_ROOT/examples/networks.yaml
metrics:
  listen: $listen
EOC
  echo "$dir/churnwatch.yaml"
}

cw_metric() { # cw_metric PORT NAME — sum of a metric's samples
  curl -s "127.0.0.1:$1/metrics" | awk -v n="$2" '$1 ~ "^"n"({|$)" {s+=$2} END {printf "%d\n", s}'
}

cw_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cw_cleanup() {
  local p
  for p in "${CW_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${CW_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
