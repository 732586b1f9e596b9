#!/usr/bin/env bash
# Reverse execution under gdb: what gdb prints after going backwards must
# be what it printed at the same points going forwards (a variable's
# history through reverse-continue, the instructions of reverse-stepi,
# reverse-next, reverse-finish), the start of the history must be
# reported as such, checkpoints must bring a value back, and forward again
# after going back must give the same values.
# usage: reverse.sh REWIND DEBUGGEE
set -euo pipefail
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-reverse.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- gdb output:"; cat "$dir/out"; echo "FAIL: $*"; exit 1; }

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out")
args=(-nx -batch -ex 'set pagination off' -ex "break history.c:25")
for i in 1 2 3 4 5; do args+=(-ex continue -ex 'echo FWD\n' -ex 'p counter'); done
for i in 1 2 3 4; do args+=(-ex reverse-continue -ex 'echo BACK\n' -ex 'p counter'); done
args+=(-ex reverse-continue -ex 'echo BEGIN\n')
args+=(-ex continue -ex 'echo AGAIN\n' -ex 'p counter')
# Instructions forwards, then backwards.
for i in 1 2 3 4 5 6; do args+=(-ex stepi -ex 'echo SPC\n' -ex 'p/x $pc'); done
for i in 1 2 3 4 5 6; do args+=(-ex reverse-stepi -ex 'echo RPC\n' -ex 'p/x $pc'); done
# Lines: next runs line 25, reverse-next undoes it.
args+=(-ex 'echo L0\n' -ex 'p counter' -ex next -ex 'echo L1\n' -ex 'p counter')
args+=(-ex reverse-next -ex 'echo L2\n' -ex 'p counter' -ex 'info line *$pc')
# Into step_value, then reverse-finish back to its caller.
args+=(-ex 'break step_value' -ex continue -ex 'echo IN\n' -ex 'p i' -ex reverse-finish)
args+=(-ex 'echo OUT\n' -ex 'p counter' -ex 'delete')
# A checkpoint, forward to the end of the history, and back to it.
args+=(-ex 'monitor checkpoint' -ex 'p counter' -ex continue -ex 'echo END\n' -ex 'p counter')
args+=(-ex 'break history.c:25' -ex reverse-continue -ex 'echo ENDBACK\n' -ex 'p counter')
args+=(-ex 'monitor info checkpoints' -ex 'monitor restart 0' -ex continue -ex 'echo R0\n' -ex 'p counter')
timeout 300 "$rewind" replay "$dir/t.trace" -- "${args[@]}" >"$dir/out" 2>&1 </dev/null || true

# The value printed after each marker.
after() { awk -v m="$1" '$0 == m { getline; sub(/^\$[0-9]+ = /, ""); print }' "$dir/out"; }
fwd=$(after FWD | tr '\n' ' ')
back=$(after BACK | tr '\n' ' ')
want_back=$(after FWD | head -4 | tac | tr '\n' ' ')
[ "$(after FWD | wc -l)" = 5 ] || fail "expected 5 forward stops, got: $fwd"
[ "$back" = "$want_back" ] || fail "reverse-continue values '$back', forward values reversed '$want_back'"
grep -q 'No more reverse-execution history' "$dir/out" || fail "no start of history"
[ "$(after AGAIN)" = "$(after FWD | head -1)" ] || fail "forward again after the start: $(after AGAIN)"
spc=$(after SPC | tr '\n' ' ')
rpc=$(after RPC | tr '\n' ' ')
exp=$( (after SPC | head -5 | tac) | tr '\n' ' ')
[ "$(after RPC | head -5 | tr '\n' ' ')" = "$exp" ] || fail "reverse-stepi pcs '$rpc', stepi pcs '$spc'"
[ "$(after L2)" = "$(after L0)" ] || fail "reverse-next: counter $(after L2), before next $(after L0)"
[ "$(after L1)" != "$(after L0)" ] || fail "next did not change counter"
grep -q 'Line 25 of' "$dir/out" || fail "reverse-next did not come back to line 25"
grep -B2 '^OUT$' "$dir/out" | grep -q 'in main () at .*history.c:25' ||
	fail "reverse-finish did not come back to the call in main"
[ "$(after END)" = "$(grep '^final' "$dir/rec.out" | cut -d' ' -f2)" ] || fail "value at the end: $(after END)"
[ "$(after ENDBACK)" = "$(after FWD | tail -1)" ] || fail "reverse-continue from the end: $(after ENDBACK)"
[ "$(after R0)" = "$(after FWD | head -1)" ] || fail "monitor restart 0, continue: $(after R0)"
grep -q '^Checkpoint [0-9]* at event' "$dir/out" || fail "monitor checkpoint"

# Watchpoints backwards: a variable the program writes, and a buffer an
# emulated read() fills; each stop is before the write, with the older value.
wargs=(-nx -batch -ex 'break history.c:29' -ex continue -ex delete -ex 'watch counter')
wargs+=(-ex reverse-continue -ex 'echo W1\n' -ex 'p counter')
wargs+=(-ex reverse-continue -ex 'echo W2\n' -ex 'p counter' -ex delete -ex 'watch buffer[1]')
wargs+=(-ex continue -ex 'echo WR\n' -ex 'p buffer[1]' -ex reverse-continue -ex 'echo WB\n')
wargs+=(-ex 'p buffer[1]' -ex continue -ex 'echo WF\n' -ex 'p buffer[1]')
timeout 300 "$rewind" replay "$dir/t.trace" -- "${wargs[@]}" >"$dir/out" 2>&1 </dev/null || true
w1=$(after W1) w2=$(after W2)
[ "$w1" = "$(echo "$fwd" | cut -d' ' -f5)" ] || fail "reverse watch 1: counter $w1, want $(echo "$fwd" | cut -d' ' -f5)"
[ "$w2" = "$(echo "$fwd" | cut -d' ' -f4)" ] || fail "reverse watch 2: counter $w2, want $(echo "$fwd" | cut -d' ' -f4)"
grep -q "^New value = $w1\$" "$dir/out" || fail "reverse watch did not show the older value $w1"
[ "$(after WR)" = "69 'E'" ] || fail "watch on read()'s buffer: $(after WR)"
[ "$(after WB)" = "0 '\\000'" ] || fail "reverse watch before read(): $(after WB)"
[ "$(after WF)" = "69 'E'" ] || fail "forward again over read(): $(after WF)"
# Back over a syscall instruction, and one instruction back from the end
# of the history (the exit syscall, not run) must change the pc. read() is
# libc's (its syscall a few instructions back) or, when the syscall buffer
# makes the call, its library's wrapper (the copy of what was read, then
# the syscall instruction in rewind's page, some 70 instructions back).
sargs=(-nx -batch -ex 'break read' -ex continue -ex finish)
for i in $(seq 80); do sargs+=(-ex reverse-stepi -ex 'echo SI\n' -ex 'x/i $pc'); done
sargs+=(-ex delete -ex continue -ex 'echo E1\n' -ex 'p/x $pc' -ex reverse-stepi -ex 'echo E2\n')
sargs+=(-ex 'p/x $pc' -ex stepi -ex 'echo E3\n' -ex 'p/x $pc')
timeout 300 "$rewind" replay "$dir/t.trace" -- "${sargs[@]}" >"$dir/out" 2>&1 </dev/null || true
after SI | grep 'syscall' >/dev/null || fail "reverse-stepi did not come back to read()'s syscall instruction"
[ -n "$(after E1)" ] && [ "$(after E1)" != "$(after E2)" ] ||
	fail "reverse-stepi at the end of the history: pc $(after E1), then $(after E2)"
[ "$(after E3)" = "$(after E1)" ] || fail "stepi back to the end: $(after E3), want $(after E1)"
grep -q 'Remote failure' "$dir/out" && fail "an error reply"

# reverse-step goes back into the function the line called; reverse-nexti
# steps back over that call as one instruction.
nargs=(-nx -batch -ex 'break history.c:26' -ex continue -ex delete -ex reverse-step -ex 'echo RS\n')
nargs+=(-ex 'bt 1' -ex 'break history.c:26' -ex continue -ex delete)
for i in 1 2 3 4 5; do nargs+=(-ex reverse-nexti -ex 'echo RN\n' -ex 'x/i $pc'); done
timeout 300 "$rewind" replay "$dir/t.trace" -- "${nargs[@]}" >"$dir/out" 2>&1 </dev/null || true
after RS | grep -q '^#0  step_value (i=0) at .*history.c:1[78]$' ||
	fail "reverse-step from line 26 did not go back into step_value: $(after RS)"
rn=$(after RN)
[ "$(echo "$rn" | grep -c '<main+')" = 5 ] || fail "reverse-nexti left main: $rn"
echo "$rn" | grep -q 'call .*<step_value>' || fail "reverse-nexti did not come to the call: $rn"
[ "$(echo "$rn" | awk '{ print $2 }' | sort -u | wc -l)" = 5 ] || fail "reverse-nexti did not move: $rn"

# Back one instruction at a time over a call made earlier in the same
# stretch of user code (run whole while searching), into its callee's
# ret, and forward again over the same instructions: the pcs match, and
# inside the callee its argument is the second iteration's.
kargs=(-nx -batch -ex 'break history.c:26' -ex continue -ex continue -ex delete)
for i in 1 2 3 4 5 6 7 8; do kargs+=(-ex reverse-stepi -ex 'echo KB\n' -ex 'p/x $pc'); done
kargs+=(-ex 'echo KR\n' -ex 'p i')
for i in 1 2 3 4 5 6 7 8; do kargs+=(-ex stepi -ex 'echo KF\n' -ex 'p/x $pc'); done
timeout 300 "$rewind" replay "$dir/t.trace" -- "${kargs[@]}" >"$dir/out" 2>&1 </dev/null || true
kb=$(after KB | tr '\n' ' ')
kf=$( (after KF | head -7 | tac) | tr '\n' ' ')
[ "$(after KB | wc -l)" = 8 ] && [ "$(after KB | sort -u | wc -l)" = 8 ] ||
	fail "reverse-stepi over the call did not move 8 times: $kb"
[ "$(after KB | head -7 | tr '\n' ' ')" = "$kf" ] || fail "reverse-stepi pcs '$kb', stepi back '$kf'"
grep -B3 '^KB$' "$dir/out" | grep -q 'step_value' || fail "reverse-stepi did not go back into step_value"
[ "$(after KR)" = "1" ] || fail "step_value's argument going back: $(after KR), want 1"

# A cut trace: its end is the end of the history, not an error.
size=$(stat -c %s "$dir/t.trace")
head -c $((size * 3 / 4)) "$dir/t.trace" >"$dir/cut.trace"
cargs=(-nx -batch -ex continue -ex 'echo C1\n' -ex 'monitor when' -ex reverse-stepi -ex continue)
cargs+=(-ex 'echo C2\n' -ex 'monitor when')
timeout 300 "$rewind" replay "$dir/cut.trace" -- "${cargs[@]}" >"$dir/out" 2>&1 </dev/null || true
grep -q 'No more reverse-execution history' "$dir/out" || fail "cut trace: no end of the history"
grep -q 'Remote failure' "$dir/out" && fail "cut trace: an error reply"
[ -n "$(after C1)" ] && [ "$(after C1)" = "$(after C2)" ] ||
	fail "cut trace: end at '$(after C1)', then at '$(after C2)'"

echo "PASS: forward $fwd; back $back; stepi $spc; reverse-stepi $rpc; watch back $w1 $w2"
