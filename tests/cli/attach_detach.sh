#!/usr/bin/env bash
# rewind rec -p, ended by SIGINT to rewind: a program whose three threads
# compute while a 1 ms timer signals it (so rewind preempts them and stops
# them at execution points) is let go; it runs on natively and ends with
# the output of a run nobody attached to, and the trace replays to its end.
# Five times over, as where the stop lands changes from run to run.
# With REWIND_TEST_USER=UID:GID, program and rewind run as that user (see
# harness/as_user.sh): the program lets its user's processes trace it
# (PR_SET_PTRACER), which Yama's ptrace_scope 1 asks for; scopes 2 and 3
# forbid the attach to anyone unprivileged, and skip.
# usage: attach_detach.sh ATTACH_TIMER
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../harness/as_user.sh"
prog=$1
if [ -n "${REWIND_TEST_USER:-}" ]; then
	scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
	if [ "$scope" -ge 2 ]; then
		echo "SKIP: /proc/sys/kernel/yama/ptrace_scope is $scope: only CAP_SYS_PTRACE may attach"
		exit 77
	fi
	as_user_init "$dir"
	REWIND=$(as_user_reach "$dir/bin" "$REWIND")
	prog=$(as_user_reach "$dir/bin" "$prog")
	as_user_give "$dir"
	echo "as uid $as_user_uid, gid $as_user_gid (ptrace_scope $scope)"
fi

"${as_user[@]}" "$prog" >"$dir/native"
expect_grep "^EXIT-SUCCESS$" "$dir/native"
for ((round = 1; round <= 5; round++)); do
	out=$dir/out.$round trace=$dir/t.$round.trace
	"${as_user[@]}" "$prog" >"$out" &
	pid=$!
	bg_pids=("$pid")
	wait_lines "$out" 1
	rec_attach "$trace" "$pid" "${as_user[@]}"
	sleep 0.3
	# rec may have ended already (a failure, or the program's end): its status says.
	kill -INT "$rec" 2>/dev/null || true
	st=0
	wait "$rec" || st=$?
	# 130: stopped by SIGINT, as said; 0: the program had ended already.
	[ "$st" = 130 ] || [ "$st" = 0 ] || { cat "$dir/rec.err"; fail "round $round: rec -p exited $st"; }
	st=0
	wait "$pid" || st=$?
	bg_pids=()
	[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "round $round: the program exited $st after the detach"; }
	cmp -s "$out" "$dir/native" || { diff "$out" "$dir/native"; fail "round $round: output differs"; }
	run_status st "${as_user[@]}" "$REWIND" replay -a "$trace" >"$dir/replay" 2>"$dir/rerr"
	[ "$st" = 0 ] || { cat "$dir/rerr"; fail "round $round: replay -a exited $st"; }
	tail -n +2 "$out" >"$dir/after"
	expect_prefix "$dir/replay" "$dir/after"
	"${as_user[@]}" "$REWIND" info "$trace" >"$dir/info"
	expect_grep "^starts at: +an attach to running process $pid" "$dir/info"
done
echo "PASS: rec -p ended by SIGINT lets a preempted, signalled program run on; its traces replay"
