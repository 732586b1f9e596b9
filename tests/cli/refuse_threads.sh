#!/usr/bin/env bash
# Starting a thread or a process stops the recording with a message saying
# it is not supported yet (instead of a wrong trace).
# usage: refuse_threads.sh THREADED_PROGRAM FORKING_PROGRAM
. "$(dirname "$0")/lib.sh"
for prog in "$1" "$2"; do
	run_status st "$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/out" 2>"$dir/err"
	[ "$st" = 1 ] || fail "rec of $(basename "$prog") exited $st, wanted 1"
	expect_grep "rewind: pid [0-9]+, event [0-9]+: the program starts a new thread or process \((clone|clone3|fork|vfork)\)" "$dir/err"
	pgrep -x "$(basename "$prog")" >/dev/null && fail "a tracee of $(basename "$prog") is still running"
done
echo "PASS: threads and processes refused"
