#!/usr/bin/env bash
# A buffered read of a pipe that blocked runs on as a traced syscall from
# the syscall buffer's instruction. A stop and continue of its process
# while it waits (the other thread takes the SIGSTOP; SIGCONT is blocked)
# ends that run with ERESTARTSYS, and the kernel restarts the read with no
# signal for its thread. The recording replays; and so does a copy whose
# events are moved so that the read's two runs follow each other in the
# trace, as they do when no other task has an event meanwhile: replay must
# not feed the restart code to the library as the read's result.
# usage: desched_restart.sh STOPPED_READER_PROGRAM TRACE_EDIT
. "$(dirname "$0")/lib.sh"
prog=$1
edit=$2
[ -r "$(dirname "$REWIND")/librewind_preload.so" ] || { echo "SKIP: no syscall buffer library"; exit 77; }
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)
if [ "$(id -u)" != 0 ] && [ "$paranoid" -gt 1 ]; then
	echo "SKIP: perf_event_paranoid is $paranoid: no descheduling event for uid $(id -u)"
	exit 77
fi

# runs TRACE: the main thread's read entry (E), its exit with ERESTARTSYS (X),
# the restart's entry (E2) and exit (X2), as event numbers.
runs() {
	read -r E X E2 X2 < <("$REWIND" dump "$1" |
		awk -v tid="$main" '$2 == "tid" && $3 == tid && $5 ~ /^read\(0,/ {
			seq = substr($1, 2)
			if ($4 == "syscall-entry" && !x) e = seq
			else if ($4 == "syscall-entry" && !e2) e2 = seq
			else if ($4 == "syscall-exit" && !x && /ERESTARTSYS/ && / rip 0x70000042$/) x = seq
			else if ($4 == "syscall-exit" && e2 && !x2) x2 = seq
		}
		END { print e + 0, x + 0, e2 + 0, x2 + 0 }')
}

# record WAIT: one recording, the stop sent WAIT seconds after the read sleeps.
record() {
	rm -f "$dir/in" "$dir/t.trace"
	mkfifo "$dir/in"
	exec {feed}<>"$dir/in"
	"$REWIND" rec -o "$dir/t.trace" "$prog" <"$dir/in" >"$dir/rec.out" 2>"$dir/rec.err" &
	rec=$!
	bg_pids+=("$rec")
	wait_lines "$dir/rec.out" 1
	read -r _ main idle <"$dir/rec.out"
	# Until the main thread sleeps in read(2); then a little longer, for its
	# descheduling event's stop to move the read on to a traced run.
	for ((i = 0; i < 600; i++)); do
		[ "$(cut -d' ' -f1 "/proc/$main/syscall" 2>/dev/null)" = 0 ] &&
			grep -q '^State:[[:space:]]*S' "/proc/$main/status" && break
		sleep 0.05
	done
	sleep "$1"
	kill -STOP "$idle"
	sleep 0.3
	kill -CONT "$idle"
	printf hello >&"$feed"
	exec {feed}>&-
	st=0
	wait "$rec" || st=$?
	bg_pids=()
	[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "rec exited $st"; }
	expect_grep '^read 5: hello$' "$dir/rec.out"
}

# A loaded machine may not have moved the read on to its traced run by the
# stop (then the kernel restarts the buffered run unseen): again, waiting longer.
for wait in 0.3 1 2 4; do
	record "$wait"
	runs "$dir/t.trace"
	[ "$X" = 0 ] || break
done
[ "$X" != 0 ] && [ "$E2" != 0 ] && [ "$X2" != 0 ] || {
	"$REWIND" dump "$dir/t.trace" | grep -E "^#[0-9]+ tid " | tail -n 40
	fail "no read of thread $main ended by ERESTARTSYS and restarted (4 recordings)"
}
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay.out" 2>"$dir/replay.err"
[ "$st" = 0 ] || { cat "$dir/replay.err"; fail "replay exited $st"; }
cmp "$dir/rec.out" "$dir/replay.out" || fail "the replay printed other things"

cp "$dir/t.trace" "$dir/moved.trace"
move() {
	"$edit" "$dir/moved.trace" "$dir/next.trace" move "$1" "$2" || fail "trace_edit move $1 $2"
	mv "$dir/next.trace" "$dir/moved.trace"
	runs "$dir/moved.trace"
}
[ "$X" = $((E + 1)) ] || move "$X" "$E"
[ "$E2" = $((X + 1)) ] || move "$E2" "$X"
[ "$X2" = $((E2 + 1)) ] || move "$X2" "$E2"
[ "$X" = $((E + 1)) ] && [ "$E2" = $((E + 2)) ] && [ "$X2" = $((E + 3)) ] ||
	fail "the read's runs are events $E $X $E2 $X2 after the moves"
REWIND_VERBOSE=1 run_status st "$REWIND" replay -a "$dir/moved.trace" >"$dir/moved.out" \
	2>"$dir/moved.err"
[ "$st" = 0 ] || { grep -v 'debug: pid' "$dir/moved.err"; fail "replay of the moved trace exited $st"; }
cmp "$dir/rec.out" "$dir/moved.out" || fail "the replay of the moved trace printed other things"
echo "PASS: a blocked buffered read ended by ERESTARTSYS and restarted replays (events $E-$X2)"
