#!/bin/sh
# tests/soak.sh — the long run CI has no time for (issue #10, item 8).
#
#   tests/soak.sh [--fuzz-cpu-seconds N] [--fault-rounds N] [--out FILE]
#
# 1. Fuzzing: N CPU-seconds (default 3600, one CPU-hour) shared equally by
#    every libFuzzer target (tests/fuzz/run.sh, clang build in
#    $FUZZ_BUILD, default build-soak-fuzz). One target at a time, so the
#    budget is CPU time, not wall time times cores.
# 2. The fault suite (BUILD/tests/itest_faults) repeated N times
#    (default 3) against the build in $CW_BUILD (default build): every
#    round is a fresh redis-server, mock cluster and consumer group, and
#    the scenarios' crash points and pauses fall on other batches each
#    time.
#
# Prints one line per target and round and writes the same summary to
# --out (default soak-summary.txt in the build directory). Exits non-zero
# if any target found a crash, leak or timeout, or any round failed.
set -u

cd "$(dirname "$0")/.." || exit 2
cpu=3600
rounds=3
out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--fuzz-cpu-seconds) cpu=$2; shift 2 ;;
	--fault-rounds) rounds=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h|--help) sed -n '2,19p' "$0"; exit 0 ;;
	*) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
build=${CW_BUILD:-build}
fuzzbuild=${FUZZ_BUILD:-build-soak-fuzz}
[ -n "$out" ] || out="$build/soak-summary.txt"
targets="event expr rules conf state"
ntargets=$(echo $targets | wc -w)
per=$((cpu / ntargets))
logdir=$(mktemp -d "${TMPDIR:-/tmp}/cwsoak.XXXXXX") || exit 2
status=0

say() { echo "$*"; echo "$*" >>"$out"; }
: >"$out" || exit 2
say "soak: $(date -u +%FT%TZ) on $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
say "fuzzing: $cpu CPU-seconds, $per s per target"
[ "$per" -gt 0 ] || targets=""   # libFuzzer's 0 would mean "forever"
for t in $targets; do
	log="$logdir/fuzz_$t.log"
	t0=$(date +%s)
	if FUZZ_BUILD="$fuzzbuild" FUZZ_SECONDS="$per" tests/fuzz/run.sh "$t" >"$log" 2>&1; then
		verdict=ok
	else
		verdict=FAILED
		status=1
	fi
	# libFuzzer's -print_final_stats lines: stat::number_of_executed_units,
	# stat::new_units_added, and the coverage of the last status line.
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	newu=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	say "  fuzz_$t: $verdict, $(( $(date +%s) - t0 )) s, ${execs:-?} executions, ${newu:-?} new inputs, coverage ${cov:-?} edges"
	[ "$verdict" = ok ] || tail -30 "$log"
done

faults="$build/tests/itest_faults"
if [ "$rounds" -gt 0 ] && [ ! -x "$faults" ]; then
	say "fault suite: $faults not built (meson setup $build; ninja -C $build)"
	exit 1
fi
say "fault suite: $rounds rounds of $faults"
r=1
while [ "$r" -le "$rounds" ]; do
	log="$logdir/faults_$r.log"
	t0=$(date +%s)
	if CK_FORK=yes "$faults" >"$log" 2>&1; then
		verdict=ok
	else
		verdict=FAILED
		status=1
	fi
	checks=$(grep -o '[0-9]*%: Checks: [0-9]*, Failures: [0-9]*, Errors: [0-9]*' "$log" | tail -1)
	say "  round $r: $verdict, $(( $(date +%s) - t0 )) s, ${checks:-no summary}"
	[ "$verdict" = ok ] || tail -40 "$log"
	r=$((r + 1))
done
say "soak: $( [ $status = 0 ] && echo passed || echo FAILED ); logs in $logdir"
exit $status
