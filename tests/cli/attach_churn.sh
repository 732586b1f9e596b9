#!/usr/bin/env bash
# rewind rec -p of a program whose threads come and go all the time, ended
# by SIGINT soon after: twenty times, where each attach may find threads
# ending under it (and fail half-way) or succeed and let go. Either way the
# program runs on and ends with the output and exit status of a run nobody
# attached to; a trace rec kept replays as a prefix of what it printed after
# the attach.
# usage: attach_churn.sh ATTACH_CHURN
. "$(dirname "$0")/lib.sh"
prog=$1

"$prog" >"$dir/native"
expect_grep "^EXIT-SUCCESS$" "$dir/native"
failed=0
for ((round = 1; round <= 20; round++)); do
	out=$dir/out.$round trace=$dir/t.$round.trace
	"$prog" >"$out" &
	pid=$!
	bg_pids=("$pid")
	wait_lines "$out" 1
	rec_attach "$trace" "$pid"
	sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
	kill -INT "$rec" 2>/dev/null || true
	rst=0
	wait "$rec" || rst=$?
	st=0
	wait "$pid" || st=$?
	bg_pids=()
	[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "round $round: the program exited $st (rec $rst)"; }
	cmp -s "$out" "$dir/native" || { diff "$out" "$dir/native"; fail "round $round: output differs"; }
	# 130: stopped by SIGINT; 0: the program had ended; 1: the attach failed, and said why.
	case $rst in
	0 | 130) ;;
	1)
		failed=$((failed + 1))
		expect_grep "^rewind: " "$dir/rec.err"
		continue
		;;
	*) cat "$dir/rec.err"; fail "round $round: rec -p exited $rst" ;;
	esac
	run_status st "$REWIND" replay -a "$trace" >"$dir/replay" 2>"$dir/rerr"
	[ "$st" = 0 ] || { cat "$dir/rerr"; fail "round $round: replay -a exited $st"; }
	tail -n +2 "$out" >"$dir/after"
	expect_prefix "$dir/replay" "$dir/after"
done
echo "PASS: 20 attaches to a program whose threads come and go ($failed failed half-way); it always ran on"
