#!/usr/bin/env bash
# rewind rec -p, ended by SIGINT to rewind: a program whose three threads
# compute while a 1 ms timer signals it (so rewind preempts them and stops
# them at execution points) is let go; it runs on natively and ends with
# the output of a run nobody attached to, and the trace replays to its end.
# Five times over, as where the stop lands changes from run to run.
# usage: attach_detach.sh ATTACH_TIMER
. "$(dirname "$0")/lib.sh"
prog=$1

"$prog" >"$dir/native"
expect_grep "^EXIT-SUCCESS$" "$dir/native"
for ((round = 1; round <= 5; round++)); do
	out=$dir/out.$round trace=$dir/t.$round.trace
	"$prog" >"$out" &
	pid=$!
	bg_pids=("$pid")
	wait_lines "$out" 1
	timeout 120 "$REWIND" rec -o "$trace" -p "$pid" >"$dir/rec.out" 2>"$dir/rec.err" &
	rec=$!
	bg_pids+=("$rec")
	for ((i = 0; i < 100; i++)); do
		grep -qE "^TracerPid:[[:space:]]*[1-9]" "/proc/$pid/status" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3
	kill -INT "$rec"
	st=0
	wait "$rec" || st=$?
	# 130: stopped by SIGINT, as said; 0: the program had ended already.
	[ "$st" = 130 ] || [ "$st" = 0 ] || { cat "$dir/rec.err"; fail "round $round: rec -p exited $st"; }
	st=0
	wait "$pid" || st=$?
	bg_pids=()
	[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "round $round: the program exited $st after the detach"; }
	cmp -s "$out" "$dir/native" || { diff "$out" "$dir/native"; fail "round $round: output differs"; }
	run_status st "$REWIND" replay -a "$trace" >"$dir/replay" 2>"$dir/rerr"
	[ "$st" = 0 ] || { cat "$dir/rerr"; fail "round $round: replay -a exited $st"; }
	tail -n +2 "$out" >"$dir/after"
	expect_prefix "$dir/replay" "$dir/after"
	"$REWIND" info "$trace" >"$dir/info"
	expect_grep "^starts at: +an attach to running process $pid" "$dir/info"
done
echo "PASS: rec -p ended by SIGINT lets a preempted, signalled program run on; its traces replay"
