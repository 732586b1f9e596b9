#!/usr/bin/env bash
# A trace whose recorded registers do not match the program stops replay
# with the event number and a register-by-register diff.
# usage: divergence.sh PROGRAM TRACE_EDIT
. "$(dirname "$0")/lib.sh"
prog=$1
edit=$2

run_status st "$REWIND" rec -o "$dir/t.trace" "$prog" >/dev/null
[ "$st" = 0 ] || fail "rec exited $st"
# The entry of the last write syscall: a point late in the run.
event=$("$REWIND" dump --json "$dir/t.trace" |
	python3 -c 'import json,sys
ev=[json.loads(l) for l in sys.stdin]
w=[e["event"] for e in ev if e["kind"]=="syscall-entry" and e.get("syscall")=="write"]
print(w[-1])')
rdi=$("$REWIND" dump --json "$dir/t.trace" |
	python3 -c "import json,sys
for l in sys.stdin:
    e=json.loads(l)
    if e['event']==$event: print(e['regs']['rdi'])")
"$edit" "$dir/t.trace" "$dir/bad.trace" reg "$event" rdi $((rdi + 7))
run_status st "$REWIND" replay -a "$dir/bad.trace" >"$dir/out" 2>"$dir/err"
[ "$st" = 1 ] || fail "replay of the altered trace exited $st, wanted 1"
expect_grep "divergence at event $event \(syscall-entry write\)" "$dir/err"
expect_grep "^  rdi +recorded 0x0*$(printf '%x' $((rdi + 7))) +replay 0x0*$(printf '%x' "$rdi")$" "$dir/err"
# The unaltered trace still replays.
run_status st "$REWIND" replay -a "$dir/t.trace" >/dev/null
[ "$st" = 0 ] || fail "the original trace no longer replays"
echo "PASS: divergence reported at event $event"
