#!/usr/bin/env bash
# rewind rec stopped by SIGTERM, SIGINT or SIGHUP: the recorded program is
# killed, the trace finished (index footer, stored-files table) with the
# program's death, one line names the trace and its events, rec exits
# 128+signal, and the replay reproduces what the program printed.
# usage: stopped.sh TICKER   (prints "line N" every 10 ms)
. "$(dirname "$0")/lib.sh"
prog=$1
# A shell without job control starts background commands with SIGINT
# ignored, and rewind leaves a signal ignored from the start alone.
set -m

for sig in TERM INT HUP; do
	trace=$dir/$sig.trace
	"$REWIND" rec -o "$trace" "$prog" >"$dir/$sig.out" 2>"$dir/$sig.err" &
	rec=$!
	bg_pids=("$rec")
	wait_lines "$dir/$sig.out" 60
	child=$(pgrep -P "$rec" | head -1)
	kill -"$sig" "$rec"
	st=0
	wait "$rec" || st=$?
	bg_pids=()
	want=$((128 + $(kill -l "$sig")))
	[ "$st" = "$want" ] || { cat "$dir/$sig.err"; fail "rec stopped by SIG$sig exited $st, wanted $want"; }
	expect_grep "^rewind: recording stopped by SIG$sig: [0-9]+ events in $trace\$" "$dir/$sig.err"
	[ -n "$child" ] && [ ! -e "/proc/$child" ] || fail "the recorded program ($child) outlived rec"

	"$REWIND" info "$trace" >"$dir/$sig.info" 2>&1
	grep -q truncated "$dir/$sig.info" && fail "the trace stopped by SIG$sig has no footer"
	expect_grep "^exit status: +0x9$" "$dir/$sig.info"
	run_status st "$REWIND" replay -a "$trace" >"$dir/$sig.replay" 2>"$dir/$sig.rerr"
	[ "$st" = 0 ] || { cat "$dir/$sig.rerr"; fail "replay of the trace stopped by SIG$sig exited $st"; }
	expect_prefix "$dir/$sig.replay" "$dir/$sig.out"
	live=$(wc -l <"$dir/$sig.out")
	replayed=$(wc -l <"$dir/$sig.replay")
	# The trace holds every write that returned before the stop.
	[ "$replayed" -ge $((live - 2)) ] || fail "SIG$sig: the replay printed $replayed of $live lines"
done
echo "PASS: rec stopped by SIGTERM, SIGINT and SIGHUP keeps a complete trace"
