#!/usr/bin/env bash
# Function calls from gdb on a replay (`print f(3)`, `print strlen(...)`):
# they run in a throwaway copy of the thread, so their results are right
# and the replay is untouched: the next stepi, the next stops and going
# back give what a session without the calls gives. A syscall that would
# change something outside the copy is refused with a message; a value
# `set var` wrote is dropped when the replay goes on, with a message.
# usage: diversion.sh REWIND HISTORY
set -euo pipefail
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-divert.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- gdb output:"; cat "$dir/out"; echo "FAIL: $*"; exit 1; }
# The value printed after each marker (rewind's messages may come between).
after() {
	awk -v m="$1" '$0 == m { on = 1; next } on && /^\$[0-9]+ = / { sub(/^\$[0-9]+ = /, ""); print; on = 0 }' \
		"$dir/out"
}

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out")
start=(-nx -batch -ex 'break history.c:26' -ex continue)
tail=(-ex stepi -ex 'echo PC\n' -ex 'p/x $pc' -ex continue -ex 'echo C2\n' -ex 'p counter')
tail+=(-ex 'set var counter = 77' -ex 'echo SET\n' -ex 'p counter' -ex continue -ex 'echo C3\n')
tail+=(-ex 'p counter' -ex reverse-continue -ex 'echo B2\n' -ex 'p counter')
timeout 300 "$rewind" replay "$dir/t.trace" -- "${start[@]}" "${tail[@]}" >"$dir/out" 2>&1 </dev/null || true
cp "$dir/out" "$dir/control"
pc=$(after PC) c2=$(after C2) c3=$(after C3) b2=$(after B2)
[ -n "$pc" ] && [ "$c2" = 3 ] && [ "$c3" = 8 ] && [ "$b2" = 3 ] || fail "control session: $pc $c2 $c3 $b2"

calls=(-ex 'echo F\n' -ex 'p step_value(3)' -ex 'echo V\n' -ex 'p counter')
calls+=(-ex 'echo S\n' -ex 'p (int)strlen("abcd")' -ex 'echo W\n' -ex 'p (int)write(1, "x", 1)')
calls+=(-ex 'echo G\n' -ex 'p step_value(counter)')
timeout 300 "$rewind" replay "$dir/t.trace" -- "${start[@]}" "${calls[@]}" "${tail[@]}" >"$dir/out" 2>&1 \
	</dev/null || true
[ "$(after F)" = 10 ] || fail "step_value(3) gave $(after F)"
[ "$(after V)" = 1 ] || fail "counter after the call: $(after V)"
[ "$(after S)" = 4 ] || fail "strlen(\"abcd\") gave $(after S)"
[ "$(after W)" = -1 ] || fail "write() in a call gave $(after W), not a refusal"
grep -q "^rewind: warning: the call's syscall write is refused" "$dir/out" || fail "no message for write()"
[ "$(after G)" = 2 ] || fail "step_value(counter) gave $(after G)"
[ "$(after PC)" = "$pc" ] || fail "stepi after the calls went to $(after PC), without them to $pc"
[ "$(after C2)" = "$c2" ] || fail "the next stop after the calls: counter $(after C2), without them $c2"
[ "$(after SET)" = 77 ] || fail "set var counter: $(after SET)"
[ "$(after C3)" = "$c3" ] || fail "the stop after set var: counter $(after C3), as recorded $c3"
grep -q "^rewind: warning: the replay goes on: what gdb wrote into the program's memory is dropped" \
	"$dir/out" || fail "no message for the dropped write"
[ "$(after B2)" = "$b2" ] || fail "reverse-continue after the calls: counter $(after B2), without them $b2"
grep -q 'Remote failure\|divergence' "$dir/out" && fail "an error"
grep -q '^x' "$dir/out" && fail "the refused write() wrote"
echo "PASS: calls in a copy: results right, the replay untouched"
