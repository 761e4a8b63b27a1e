# tests/checks.sh — the check helpers of the shell suites (ops.sh,
# score.sh), sourced after tools/lib.sh. Each check prints one line,
# "ok   - NAME" or "FAIL - NAME: why"; the suite ends with check_summary.
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
# expect NAME WANT_RC REGEX CMD... — exit status and a stderr/stdout match
expect() {
  local name=$1 want=$2 re=$3 out rc=0; shift 3
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" -eq "$want" ] && grep -qE -- "$re" <<<"$out"; then ok "$name"
  else bad "$name (exit $rc, want $want; /$re/): $(head -c 600 <<<"$out")"; fi
}
# check_summary SUITE — the last line, and the suite's exit status
check_summary() {
  if [ "$fails" -eq 0 ]; then echo "$1: all checks passed"; else echo "$1: $fails checks failed"; fi
  [ "$fails" -eq 0 ]
}
