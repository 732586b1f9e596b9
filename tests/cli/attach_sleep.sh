#!/usr/bin/env bash
# rewind rec -p of a program whose two threads are blocked in nanosleep
# (clock_nanosleep through glibc, and the nanosleep syscall): each is taken
# over inside its sleep, which goes on as restart_syscall (the first event
# of both threads), ends when it would have and returns 0; the program's
# output after the attach replays.
# usage: attach_sleep.sh ATTACH_TARGET
. "$(dirname "$0")/lib.sh"
prog=$1

"$prog" sleep >"$dir/out" &
pid=$!
bg_pids=("$pid")
wait_lines "$dir/out" 1
sleep 0.3
run_status st "$REWIND" rec -o "$dir/t.trace" -p "$pid" >"$dir/rec.out" 2>"$dir/rec.err"
[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "rec -p exited $st"; }
st=0
wait "$pid" || st=$?
bg_pids=()
[ "$st" = 0 ] || fail "the attached program exited $st"
expect_grep "^EXIT-SUCCESS$" "$dir/out"
expect_grep "^thread: nanosleep returned 0$" "$dir/out"
expect_grep "^main: nanosleep returned 0$" "$dir/out"
"$REWIND" dump "$dir/t.trace" >"$dir/dump"
n=$(grep -cE "^#[0-9]+ tid [0-9]+ syscall-entry restart_syscall" "$dir/dump" || true)
[ "$n" = 2 ] || { head -20 "$dir/dump"; fail "$n restart_syscall entries, wanted one per thread"; }
tail -n +2 "$dir/out" >"$dir/after"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay" 2>"$dir/rerr"
[ "$st" = 0 ] || { cat "$dir/rerr"; fail "replay -a exited $st"; }
cmp -s "$dir/replay" "$dir/after" || { diff "$dir/replay" "$dir/after"; fail "replay differs"; }
echo "PASS: rec -p in the middle of two nanosleeps; both went on and replay"
