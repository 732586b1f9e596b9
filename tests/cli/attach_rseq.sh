#!/usr/bin/env bash
# rewind rec -p of a program spinning in its own rseq critical section
# (glibc's registration off), twenty times, each ended by SIGINT: a thread
# taken over inside the section goes to its abort handler (the attach
# event flagged so, at least once over the twenty), every trace replays
# with the counts of commits and aborts the program printed meanwhile, and
# the program, let go with its registration back, runs to its end.
# usage: attach_rseq.sh ATTACH_RSEQ
. "$(dirname "$0")/lib.sh"
prog=$1
export GLIBC_TUNABLES=glibc.pthread.rseq=0

flagged=0 printed=0
for ((round = 1; round <= 20; round++)); do
	out=$dir/out.$round trace=$dir/t.$round.trace
	"$prog" >"$out" &
	pid=$!
	bg_pids=("$pid")
	wait_lines "$out" 1
	expect_grep "^ready$" "$out"
	rec_attach "$trace" "$pid"
	sleep 0.2
	kill -INT "$rec" 2>/dev/null || true
	st=0
	wait "$rec" || st=$?
	[ "$st" = 130 ] || [ "$st" = 0 ] || { cat "$dir/rec.err"; fail "round $round: rec -p exited $st"; }
	st=0
	wait "$pid" || st=$?
	bg_pids=()
	[ "$st" = 0 ] || { cat "$out"; fail "round $round: the program exited $st after the detach"; }
	expect_grep "^EXIT-SUCCESS$" "$out"
	"$REWIND" dump "$trace" >"$dir/dump"
	expect_grep "^#0 tid $pid exec " "$dir/dump"
	if grep -q "^#0 tid $pid exec .*in rseq critical section (aborted)" "$dir/dump"; then
		flagged=$((flagged + 1))
	fi
	run_status st "$REWIND" replay -a "$trace" >"$dir/replay" 2>"$dir/rerr"
	[ "$st" = 0 ] || { cat "$dir/rerr"; fail "round $round: replay -a exited $st"; }
	# A loaded machine may give a round no 50 ms of the program's to print in.
	[ -s "$dir/replay" ] || continue
	printed=$((printed + 1))
	# The counts printed while recorded: from the replay's first line on.
	n=$(grep -nxF -- "$(head -1 "$dir/replay")" "$out" | head -1 | cut -d: -f1)
	[ -n "$n" ] || { cat "$dir/replay"; fail "round $round: the replay's first line is not in the output"; }
	tail -n +"$n" "$out" >"$dir/after"
	expect_prefix "$dir/replay" "$dir/after"
done
[ "$flagged" -ge 1 ] || fail "no attach of twenty was flagged as inside the critical section"
[ "$printed" -ge 1 ] || fail "no replay of twenty printed counts"
echo "PASS: 20 attaches in an rseq critical section ($flagged moved to its abort handler) replay" \
	"($printed with counts printed while recorded)"
