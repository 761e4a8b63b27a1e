#!/usr/bin/env bash
# tests/man_coverage.sh CHURNWATCHD CHURNCTL MANDIR — the man pages must not
# drift from the programs: every configuration key `churnwatchd --help`
# lists appears in churnwatch.yaml(5), every churnctl subcommand in
# churnctl(1), and every subcommand's options in its --help appear there.
set -euo pipefail
d=$1 ctl=$2 man=$3
fail=0
keys=$("$d" --help | sed -n '/^KEY /,$p' | tail -n +2 | awk '{print $1}')
[ -n "$keys" ] || { echo "no keys in churnwatchd --help"; exit 1; }
for k in $keys; do
  grep -qF "*$k*" "$man/churnwatch.yaml.5.scd" || { echo "churnwatch.yaml(5) lacks key $k"; fail=1; }
done
subs=$("$ctl" --help | sed -n '/^subcommands:/,/^$/p' | awk 'NF && !/subcommands:/ {print $1}')
[ -n "$subs" ] || { echo "no subcommands in churnctl --help"; exit 1; }
for s in $subs; do
  grep -qF "*$s*" "$man/churnctl.1.scd" || { echo "churnctl(1) lacks subcommand $s"; fail=1; }
  # long options of the subcommand
  for o in $("$ctl" "$s" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    [ "$o" = --help ] && continue
    grep -qF -- "$o" "$man/churnctl.1.scd" || { echo "churnctl(1) lacks $s $o"; fail=1; }
  done
done
for o in $("$d" --help | sed -n '1,/^Configuration keys/p' | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
  grep -qF -- "$o" "$man/churnwatchd.8.scd" || { echo "churnwatchd(8) lacks $o"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "man pages cover $(echo "$keys" | wc -l) keys and $(echo "$subs" | wc -l) subcommands"
exit "$fail"
