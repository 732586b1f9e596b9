#!/usr/bin/env bash
# rewind rec -p: a program attached after it started (a thread blocked in a
# pipe read, the main thread counting) is recorded to its end and replays
# with the output it printed after the attach; info says the trace starts
# at an attach; bad pids are refused with one line and a nonzero exit, and
# an attach that fails half-way leaves the program as it found it.
# usage: attach.sh ATTACH_TARGET
. "$(dirname "$0")/lib.sh"
prog=$1

mkfifo "$dir/fifo"
exec 3<>"$dir/fifo"
"$prog" <"$dir/fifo" >"$dir/out" &
pid=$!
bg_pids=("$pid")
wait_lines "$dir/out" 1
rec_attach "$dir/t.trace" "$pid"
echo hello >&3
st=0
wait "$rec" || st=$?
[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "rec -p exited $st"; }
st=0
wait "$pid" || st=$?
bg_pids=()
[ "$st" = 0 ] || fail "the attached program exited $st"
expect_grep "^EXIT-SUCCESS$" "$dir/out"
tail -n +2 "$dir/out" >"$dir/after"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay" 2>"$dir/rerr"
[ "$st" = 0 ] || { cat "$dir/rerr"; fail "replay -a of the attach trace exited $st"; }
cmp -s "$dir/replay" "$dir/after" || { diff "$dir/replay" "$dir/after"; fail "replay differs"; }
"$REWIND" info "$dir/t.trace" >"$dir/info"
expect_grep "^starts at: +an attach to running process $pid" "$dir/info"
expect_grep "^tasks: +1 process, 2 threads$" "$dir/info"

# Bad input: one line each, nonzero exit.
bad() {
	local what=$1 pattern=$2 st=0
	shift 2
	"$REWIND" rec -o "$dir/bad.trace" "$@" >"$dir/bad.out" 2>"$dir/bad.err" || st=$?
	[ "$st" != 0 ] || fail "rec $* ($what) succeeded"
	[ "$(wc -l <"$dir/bad.err")" = 1 ] || { cat "$dir/bad.err"; fail "$what: not one line"; }
	expect_grep "$pattern" "$dir/bad.err"
}
bad "no such process" "no process 999999" -p 999999
st=0
sh -c 'exec "$0" rec -o "$1" -p $$' "$REWIND" "$dir/bad.trace" 2>"$dir/bad.err" || st=$?
[ "$st" != 0 ] || fail "rec -p of rewind itself succeeded"
expect_grep "is rewind itself" "$dir/bad.err"
# A zombie: the child of a process (sleep, after the exec) that never waits for it.
sh -c 'true & exec sleep 3' &
zparent=$!
bg_pids=("$zparent")
zombie=
for ((i = 0; i < 50; i++)); do
	[ -z "$zombie" ] || break
	sleep 0.1
	zombie=$(pgrep -P "$zparent" || true)
done
[ -n "$zombie" ] || fail "no zombie to attach to"
bad "a zombie" "zombie" -p "$zombie"
kill -KILL "$zparent"
wait "$zparent" 2>/dev/null || true
# Rewind's pages taken by the program: the attach fails half-way, and
# what it had done is undone; the program runs on untraced.
exec 4<>"$dir/fifo"
"$prog" occupy <"$dir/fifo" >"$dir/occupy.out" &
occupier=$!
bg_pids=("$occupier")
wait_lines "$dir/occupy.out" 1
bad "its pages taken" "process $occupier: cannot take it over" -p "$occupier"
grep -qE "^TracerPid:[[:space:]]*0$" "/proc/$occupier/status" || fail "the occupier is still traced"
echo line >&4
st=0
wait "$occupier" || st=$?
bg_pids=()
[ "$st" = 0 ] || fail "the program whose attach failed exited $st"
expect_grep "^my page holds: mine$" "$dir/occupy.out"
expect_grep "^0x70000000 is not mapped$" "$dir/occupy.out"
sleep 30 &
traced=$!
bg_pids=("$traced")
timeout 60 "$REWIND" rec -o "$dir/first.trace" -p "$traced" >/dev/null 2>&1 &
first=$!
bg_pids+=("$first")
for ((i = 0; i < 100; i++)); do
	grep -qE "^TracerPid:[[:space:]]*[1-9]" "/proc/$traced/status" 2>/dev/null && break
	sleep 0.1
done
bad "already traced" "already traced by process [0-9]+" -p "$traced"
kill -KILL "$traced"
wait "$first" || true
wait "$traced" 2>/dev/null || true
bg_pids=()
echo "PASS: rec -p records a running program and refuses bad pids"
