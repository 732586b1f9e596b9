#!/usr/bin/env bash
# The end of the history under gdb: continue, step, next and stepi there
# stop there again, with rewind's line on gdb's console, and the session
# stays usable: registers and variables read, reverse-stepi and
# reverse-continue go back from it. A cut trace's end is the same. A
# program that dies of SIGSEGV: reverse-stepi from the signal's stop gives
# the instructions a forward stepi gave on the way to the fault.
# usage: history_end.sh REWIND HISTORY CRASH
set -euo pipefail
rewind=$1
prog=$2
crash=$3
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-end.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- gdb output:"; cat "$dir/out"; echo "FAIL: $*"; exit 1; }
# The value printed after each marker.
after() { awk -v m="$1" '$0 == m { getline; sub(/^\$[0-9]+ = /, ""); print }' "$dir/out"; }

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out")
final=$(awk '$1 == "final" { print $2 }' "$dir/rec.out")
args=(-nx -batch -ex 'break history.c:25' -ex continue -ex continue -ex delete)
args+=(-ex continue -ex 'echo END\n' -ex 'p/x $pc')
for cmd in continue stepi next step continue; do
	args+=(-ex "$cmd" -ex 'echo AGAIN\n' -ex 'p/x $pc')
done
args+=(-ex 'echo VAL\n' -ex 'p counter' -ex 'echo SP\n' -ex 'p $sp != 0')
args+=(-ex reverse-stepi -ex 'echo BACK\n' -ex 'p/x $pc' -ex 'break history.c:25')
args+=(-ex reverse-continue -ex 'echo RC\n' -ex 'p counter' -ex 'info threads')
timeout 300 "$rewind" replay "$dir/t.trace" -- "${args[@]}" >"$dir/out" 2>&1 </dev/null || true
end=$(after END)
[ -n "$end" ] || fail "no pc at the end"
[ "$(after AGAIN | wc -l)" = 5 ] && [ "$(after AGAIN | sort -u)" = "$end" ] ||
	fail "forward from the end moved: $(after AGAIN | tr '\n' ' '), end at $end"
notes=$(grep -c '^rewind: the replay reached the end of the recording (event [0-9]*): process [0-9]* exits normally there$' "$dir/out" || true)
[ "$notes" = 6 ] || fail "$notes lines saying the end was reached, 6 wanted"
grep -qE 'exited|No registers|not being run|Remote failure' "$dir/out" && fail "the session ended"
[ "$(after VAL)" = "$final" ] || fail "counter at the end: $(after VAL), the program printed $final"
[ "$(after SP)" = 1 ] || fail "no stack pointer at the end"
[ -n "$(after BACK)" ] && [ "$(after BACK)" != "$end" ] || fail "reverse-stepi from the end: $(after BACK)"
# The last hit of line 25: counter before the fifth call, the fourth value printed.
[ "$(after RC)" = "$(awk '$1 == "counter" { print $2 }' "$dir/rec.out" | sed -n 4p)" ] ||
	fail "reverse-continue from the end: counter $(after RC)"

# A cut trace: its end the same.
size=$(stat -c %s "$dir/t.trace")
head -c $((size * 3 / 4)) "$dir/t.trace" >"$dir/cut.trace"
timeout 300 "$rewind" replay "$dir/cut.trace" -- -nx -batch -ex continue -ex 'echo END\n' \
	-ex 'p/x $pc' -ex stepi -ex 'echo AGAIN\n' -ex 'p/x $pc' -ex continue -ex 'echo AGAIN\n' \
	-ex 'p/x $pc' >"$dir/out" 2>&1 </dev/null || true
[ -n "$(after END)" ] && [ "$(after AGAIN | sort -u)" = "$(after END)" ] ||
	fail "cut trace: end at $(after END), then $(after AGAIN | tr '\n' ' ')"
[ "$(grep -c '^rewind: the replay reached the end of the recording (event [0-9]*)$' "$dir/out")" = 3 ] ||
	fail "cut trace: not 3 lines saying the end was reached"
grep -qE 'exited|No registers|Remote failure' "$dir/out" && fail "cut trace: the session ended"

# The fatal SIGSEGV: forward from the last call one instruction at a time
# to the fault, where the history ends, then back one at a time, and forward again.
(cd "$dir" && "$rewind" rec -o "$dir/c.trace" "$crash" >"$dir/crash.out" 2>&1) || true
cargs=(-nx -batch -ex 'break crash.c:23' -ex continue -ex delete)
for i in $(seq 14); do cargs+=(-ex stepi -ex 'echo F\n' -ex 'p/x $pc'); done
cargs+=(-ex 'echo FAULT\n' -ex 'p/x $pc' -ex 'echo VAL\n' -ex 'p v')
for i in 1 2 3 4 5 6; do cargs+=(-ex reverse-stepi -ex 'echo B\n' -ex 'p/x $pc'); done
for i in 1 2 3 4 5 6; do cargs+=(-ex stepi); done
cargs+=(-ex 'echo AT\n' -ex 'p/x $pc' -ex continue -ex continue -ex 'echo AGAIN\n' -ex 'p/x $pc')
timeout 300 "$rewind" replay "$dir/c.trace" -- "${cargs[@]}" >"$dir/out" 2>&1 </dev/null || true
[ "$(grep -c 'Program received signal SIGSEGV' "$dir/out")" = 2 ] || fail "not two SIGSEGV stops"
fault=$(after FAULT)
# The pcs stepi showed on the way to the fault (it stays there once the signal is shown).
fwd=$(after F | awk -v f="$fault" '{ print } $0 == f { exit }')
want=$(echo "$fwd" | tac | sed -n '2,7p' | tr '\n' ' ')
[ "$(echo "$fwd" | wc -l)" -ge 8 ] && [ "$(echo "$fwd" | wc -l)" -lt 14 ] ||
	fail "not 8 to 13 instructions to the fault: $fwd"
[ "$(after F | tail -1)" = "$fault" ] || fail "stepi went on past the fault: $(after F | tail -1)"
[ "$(after VAL)" = 42 ] || fail "v at the fault: $(after VAL)"
[ "$(after B | tr '\n' ' ')" = "$want" ] ||
	fail "reverse-stepi from the fault: $(after B | tr '\n' ' '), stepi gave $want"
[ "$(after AT)" = "$fault" ] && [ "$(after AGAIN)" = "$fault" ] ||
	fail "forward again: $(after AT), then $(after AGAIN), the fault at $fault"
grep -q '^rewind: the replay reached the end of the recording (event [0-9]*): process [0-9]* is killed by signal 11 (Segmentation fault) there$' \
	"$dir/out" || fail "no end at the fault"
grep -qE 'did not come to the point|Remote failure|terminated|No registers' "$dir/out" &&
	fail "an error going back, or the process ended"
echo "PASS: the end stays under continue, stepi, next, step; back from the end and from a fault"
