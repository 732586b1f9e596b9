#!/usr/bin/env bash
# Replay answers a thread's buffered syscalls in the thread: a recording
# with tens of thousands of them replays with far fewer runs of the
# program to an event than buffered calls (the counts rewind prints with
# REWIND_VERBOSE=1), and prints what the recording printed.
# usage: sysbuf_replay.sh SYSBUF_CALLS_PROGRAM
. "$(dirname "$0")/lib.sh"
calls=$1
[ -r "$(dirname "$REWIND")/librewind_preload.so" ] || { echo "SKIP: no syscall buffer library"; exit 77; }

run_status st "$REWIND" rec -o "$dir/t.trace" "$calls" >"$dir/rec.out" 2>"$dir/rec.err"
[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "recording exited $st"; }
n=$("$REWIND" dump "$dir/t.trace" | grep -c 'syscall-exit .*rip 0x70000042$' || true)
[ "$n" -gt 20000 ] || fail "only $n syscalls made through the buffer"
REWIND_VERBOSE=1 run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay.out" 2>"$dir/replay.err"
[ "$st" = 0 ] || { cat "$dir/replay.err"; fail "replay exited $st"; }
cmp "$dir/rec.out" "$dir/replay.out" || fail "the replay printed other things"
line=$(grep 'replay: [0-9]* runs of the program to an event, [0-9]* buffered syscalls' "$dir/replay.err") ||
	{ cat "$dir/replay.err"; fail "no counts in the verbose output"; }
runs=$(echo "$line" | sed -E 's/.*replay: ([0-9]+) runs.*/\1/')
fed=$(echo "$line" | sed -E 's/.*event, ([0-9]+) buffered.*/\1/')
[ "$fed" -ge $((n * 9 / 10)) ] || fail "$fed of $n buffered syscalls answered in the thread"
[ "$runs" -lt $((n / 20)) ] || fail "$runs runs of the program for $n buffered syscalls"
echo "PASS: $n buffered syscalls replayed with $runs runs of the program ($fed answered in the thread)"
