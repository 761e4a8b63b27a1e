#!/bin/sh
# Run the libFuzzer targets for $FUZZ_SECONDS each (default 60).
#
#   tests/fuzz/run.sh [target...]     targets: event expr rules conf state
#
# Uses the clang build dir $FUZZ_BUILD (default build-fuzz), creating it
# if missing. Each target fuzzes a temporary copy of its seed corpus so the
# repository is not modified; crash inputs are kept under
# $FUZZ_BUILD/fuzz-artifacts/. Exits non-zero if any target fails to
# build or finds a crash, leak or timeout.
set -u

cd "$(dirname "$0")/../.." || exit 2
build=${FUZZ_BUILD:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
targets=${*:-event expr rules conf state}

if [ ! -d "$build" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Dtests=false || exit 2
fi
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/cwfuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT INT TERM

status=0
for t in $targets; do
	exe="$build/tests/fuzz/fuzz_$t"
	if ! ninja -C "$build" "tests/fuzz/fuzz_$t"; then
		echo "run.sh: fuzz_$t: build failed" >&2
		status=1
		continue
	fi
	maxlen=16384
	[ "$t" = expr ] && maxlen=4096
	mkdir -p "$work/$t"
	cp -R "tests/fuzz/corpus/$t/." "$work/$t/"
	echo "run.sh: fuzz_$t for ${secs}s" >&2
	if ! "$exe" -max_total_time="$secs" -max_len="$maxlen" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$t-" "$work/$t"; then
		echo "run.sh: fuzz_$t FAILED; inputs in $artifacts/" >&2
		status=1
	fi
done
exit $status
