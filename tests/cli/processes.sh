#!/usr/bin/env bash
# A program that starts a thread and one that forks are recorded whole;
# `rewind ps` lists the processes with their parents and exit statuses and
# `rewind info` counts them;
# `rewind replay -a` replays them, and so does gdb's replay, which looks at
# the first process (tests/gdb/processes.sh tests it further).
# An exec by the leader of a process with two threads ends the other one,
# and replays (tests/programs/thread_exec.c has an exec by another thread).
# usage: processes.sh THREADED_PROGRAM FORKING_PROGRAM EXEC_THREADED_PROGRAM
. "$(dirname "$0")/lib.sh"
threaded=$1 forks=$2 exec_threaded=$3

run_status st "$REWIND" rec -o "$dir/thr.trace" "$threaded" >"$dir/out" 2>"$dir/err"
[ "$st" = 0 ] || fail "rec of $(basename "$threaded") exited $st: $(cat "$dir/err")"
expect_grep "^EXIT-SUCCESS$" "$dir/out"
run_status st "$REWIND" replay -a "$dir/thr.trace" >"$dir/rout" 2>"$dir/rerr"
[ "$st" = 0 ] || fail "replay of $(basename "$threaded") exited $st: $(cat "$dir/rerr")"
cmp -s "$dir/out" "$dir/rout" || fail "replayed output of $(basename "$threaded") differs"
run_status st "$REWIND" ps "$dir/thr.trace" >"$dir/ps" 2>&1
[ "$st" = 0 ] || fail "ps exited $st"
[ "$(wc -l <"$dir/ps")" = 2 ] || fail "ps of a threaded program lists more than one process: $(cat "$dir/ps")"

run_status st "$REWIND" rec -o "$dir/forks.trace" "$forks" >"$dir/out" 2>"$dir/err"
[ "$st" = 0 ] || fail "rec of $(basename "$forks") exited $st: $(cat "$dir/err")"
run_status st "$REWIND" replay -a "$dir/forks.trace" >"$dir/rout" 2>"$dir/rerr"
[ "$st" = 0 ] || fail "replay of $(basename "$forks") exited $st: $(cat "$dir/rerr")"
cmp -s "$dir/out" "$dir/rout" || fail "replayed output of $(basename "$forks") differs"
run_status st "$REWIND" ps "$dir/forks.trace" >"$dir/ps" 2>&1
[ "$st" = 0 ] || fail "ps exited $st"
expect_grep "^PID	PPID	EXIT	CMD$" "$dir/ps"
expect_grep "^[0-9]+	-	0	.*forks$" "$dir/ps"
# The child: its parent is the first process, it exited 0.
parent=$(awk 'NR == 2 { print $1 }' "$dir/ps")
expect_grep "^[0-9]+	$parent	0	.*forks$" "$dir/ps"
[ "$(wc -l <"$dir/ps")" = 3 ] || fail "ps lists $(($(wc -l <"$dir/ps") - 1)) processes, wanted 2"

run_status st "$REWIND" info "$dir/thr.trace" >"$dir/info" 2>&1
expect_grep "^tasks: +1 process, 2 threads$" "$dir/info"
run_status st "$REWIND" info "$dir/forks.trace" >"$dir/info" 2>&1
expect_grep "^tasks: +2 processes, 2 threads$" "$dir/info"

# Under the debugger the threads of one process replay to the end (in
# front of the exit, where the replay stays), and a forked child is
# replayed along with its parent.
if command -v gdb >/dev/null; then
	complaints() { grep '^rewind:' "$dir/err" | grep -v 'reached the end of the recording'; }
	run_status st "$REWIND" replay "$dir/thr.trace" -- -nx -batch -ex continue -ex continue \
		>"$dir/out" 2>"$dir/err"
	complaints >/dev/null && fail "rewind complained about threads under gdb: $(complaints)"
	expect_grep "exits normally there$" "$dir/err"
	run_status st "$REWIND" replay "$dir/forks.trace" -- -nx -batch -ex continue -ex "info registers rip" \
		-ex continue >"$dir/out" 2>"$dir/err"
	complaints >/dev/null && fail "rewind complained about a fork under gdb: $(complaints)"
	expect_grep "^rip " "$dir/out"
	expect_grep "^EXIT-SUCCESS$" "$dir/out"
	expect_grep "exits normally there$" "$dir/err"
fi

run_status st "$REWIND" rec -o "$dir/exec.trace" "$exec_threaded" >"$dir/out" 2>"$dir/err"
[ "$st" = 0 ] || fail "rec of $(basename "$exec_threaded") exited $st: $(cat "$dir/err")"
expect_grep "^exec from a threaded process$" "$dir/out"
pgrep -x "$(basename "$exec_threaded")" >/dev/null && fail "a tracee of $(basename "$exec_threaded") is still running"
run_status st "$REWIND" replay -a "$dir/exec.trace" >"$dir/rout" 2>"$dir/rerr"
[ "$st" = 0 ] || fail "replay of the exec from a threaded process exited $st: $(cat "$dir/rerr")"
cmp -s "$dir/out" "$dir/rout" || fail "replayed output of $(basename "$exec_threaded") differs"

pgrep -x "$(basename "$forks")" >/dev/null && fail "a tracee of $(basename "$forks") is still running"
pgrep -x "$(basename "$threaded")" >/dev/null && fail "a tracee of $(basename "$threaded") is still running"
echo "PASS: threads and processes recorded, listed and replayed"
