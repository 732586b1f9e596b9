#!/usr/bin/env bash
# A thread that never reaches its execution point in replay (the point's
# registers altered, so no visit of its spin matches) is reported as a
# divergence once it has run far longer than it did while recorded (5 s
# of CPU time plus 20 times the recorded), with the event number and the
# registers that differ; replay does not spin for ever, and leaves no
# process behind. The point records the thread's CPU time (dump shows
# it); the unaltered trace replays.
# usage: point_overdue.sh FLAG_WAIT_PROGRAM TRACE_EDIT
. "$(dirname "$0")/lib.sh"
prog=$1
edit=$2

run_status st "$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/out"
[ "$st" = 0 ] || fail "rec exited $st"
read -r event r15 runtime < <("$REWIND" dump --json "$dir/t.trace" | python3 -c 'import json,sys
ev=[json.loads(l) for l in sys.stdin]
p=[e for e in ev if e["kind"]=="sched" and "runtime_us" in e]
print(p[0]["event"], p[0]["regs"]["r15"], p[0]["runtime_us"]) if p else print("none 0 0")')
[ "$event" != none ] || fail "the recording has no execution point with its CPU time"
"$REWIND" dump "$dir/t.trace" | grep -q "^#$event .* sched .*ran [0-9.]* ms since its last point" ||
	fail "dump does not show event $event's CPU time"
"$edit" "$dir/t.trace" "$dir/bad.trace" reg "$event" r15 $((r15 + 1))
start=$(date +%s)
run_status st timeout -s KILL 120 "$REWIND" replay -a "$dir/bad.trace" >"$dir/rout" 2>"$dir/err"
[ "$st" = 1 ] || { cat "$dir/err"; fail "replay of the altered trace exited $st, wanted 1"; }
expect_grep "divergence at event $event, tid [0-9]+ \(the thread ran [0-9.]+ s of CPU time towards its execution point, recorded [0-9.]+ s, and never reached it\)" "$dir/err"
expect_grep "^  r15 +recorded 0x0*$(printf '%x' $((r15 + 1))) +replay 0x0*$(printf '%x' "$r15")$" "$dir/err"
echo "reported after $(($(date +%s) - start)) s (recorded CPU time ${runtime} us)"
! pgrep -x "$(basename "$prog")" >/dev/null || fail "the replayed program was left running"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/rout2"
[ "$st" = 0 ] || fail "the original trace no longer replays"
cmp -s "$dir/out" "$dir/rout2" || fail "the original trace's replay printed other things"
echo "PASS: a point never reached is a divergence at event $event, not a hang"
