#!/usr/bin/env bash
# rseq critical sections interrupted by a signal are aborted as the kernel
# would (rewind never registers rseq with the kernel), flagged in the
# events, and replay with the same counts of commits and aborts.
# usage: rseq_abort.sh RSEQ_COUNTER_PROGRAM
. "$(dirname "$0")/lib.sh"
export GLIBC_TUNABLES=glibc.pthread.rseq=0
run_status st "$REWIND" rec -o "$dir/t.trace" "$1" >"$dir/rec.out"
[ "$st" = 0 ] || fail "rec exited $st"
expect_grep "^commits 1999980 aborts 20 counter 1999980 faults 20 nulls 20" "$dir/rec.out"
"$REWIND" dump "$dir/t.trace" >"$dir/dump"
n=$(grep -c "signal signal 11 .*in rseq critical section (aborted)" "$dir/dump" || true)
[ "$n" = 20 ] || fail "$n signal events flagged inside a critical section, wanted 20"
"$REWIND" dump --json "$dir/t.trace" | python3 -c '
import json, sys
flagged = [e for e in map(json.loads, sys.stdin) if e["rseq_cs"]]
assert len(flagged) == 20 and all(e["kind"] == "signal" for e in flagged), len(flagged)'
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay.out"
[ "$st" = 0 ] || fail "replay exited $st"
cmp "$dir/rec.out" "$dir/replay.out" || fail "replay output differs"
echo "PASS: 20 rseq aborts recorded, flagged and replayed"
