#!/usr/bin/env bash
# A signal sent by another process while the recorded program waits in
# pause(): delivered at the syscall boundary it interrupts, with the
# sender's siginfo, and replayed the same.
# usage: external_signal.sh WAITER
. "$(dirname "$0")/lib.sh"
prog=$1
"$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out" &
rec=$!
for _ in $(seq 100); do grep -q ready "$dir/rec.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$dir/rec.out" || fail "the program never got ready"
child=$(pgrep -P "$rec" | head -1)
[ -n "$child" ] || fail "no recorded process under rewind"
kill -USR1 "$child"
st=0
wait "$rec" || st=$?
[ "$st" = 0 ] || fail "rec exited $st"
expect_grep "^got SIGUSR1, code 0 \(SI_USER is 0\), from another process: yes$" "$dir/rec.out"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay.out"
[ "$st" = 0 ] || fail "replay exited $st"
cmp "$dir/rec.out" "$dir/replay.out" || fail "replayed output differs"
echo "PASS: a signal from another process recorded and replayed"
