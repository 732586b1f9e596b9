#!/usr/bin/env bash
# Buffered calls that may block: with a descheduling event, a pipe
# ping-pong's and a socketpair's reads, writes, polls and receives are made
# from rewind's untraced instruction (most never block; those that do run
# on traced) and replay; rec -v says once that calls that may block are
# buffered. Where the program's own seccomp filter makes perf_event_open
# fail, rec -v says once that they stop, none is made untraced, and the
# recording replays. The event's descriptor is out of the program's way
# (900 or above, close-on-exec).
# usage: desched.sh SYSBUF_BLOCK_PROCS_PROGRAM SYSBUF_BLOCK_NOPERF_PROGRAM
. "$(dirname "$0")/lib.sh"
procs=$1
noperf=$2

# Reads, writes, polls of pipes and sockets made untraced.
untraced_blocking() {
	"$REWIND" dump "$1" |
		grep -cE 'syscall-exit (read|write|recvfrom|sendto|poll|epoll_wait)\(.*rip 0x70000042$' ||
		true
}

record_replay() {
	local name=$1
	shift
	run_status st "$REWIND" rec -v -o "$dir/$name.trace" "$@" >"$dir/$name.out" 2>"$dir/$name.err"
	[ "$st" = 0 ] || { cat "$dir/$name.err"; fail "recording $name exited $st"; }
	run_status st "$REWIND" replay -a "$dir/$name.trace" >"$dir/$name.replay" 2>"$dir/$name.replay.err"
	[ "$st" = 0 ] || { cat "$dir/$name.replay.err"; fail "replay of $name exited $st"; }
	cmp "$dir/$name.out" "$dir/$name.replay" || fail "the replay of $name printed other things"
}

# Unprivileged, perf_event_paranoid > 1 refuses the event (it counts in the kernel).
probe=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)
if [ "$(id -u)" != 0 ] && [ "$probe" -gt 1 ]; then
	echo "SKIP: perf_event_paranoid is $probe: no descheduling event for uid $(id -u)"
	exit 77
fi

record_replay procs "$procs"
[ "$(grep -c 'with calls that may block' "$dir/procs.err")" = 1 ] ||
	{ cat "$dir/procs.err"; fail "rec -v did not say once that calls that may block are buffered"; }
n=$(untraced_blocking "$dir/procs.trace")
[ "$n" -gt 1000 ] || fail "only $n calls that may block made through the buffer"
"$REWIND" dump "$dir/procs.trace" >"$dir/procs.dump"
grep -qE 'syscall-exit fcntl\([0-9]+, 1030, 0x384\) = 9[0-9][0-9] ' "$dir/procs.dump" ||
	fail "the descheduling event's descriptor is not 900 or above, close-on-exec"

record_replay noperf "$noperf"
[ "$(grep -c 'without calls that may block (perf_event_open: Operation not permitted)' "$dir/noperf.err")" = 1 ] ||
	{ cat "$dir/noperf.err"; fail "rec -v did not say once that calls that may block stop"; }
n=$(untraced_blocking "$dir/noperf.trace")
[ "$n" = 0 ] || fail "$n calls that may block made through the buffer without a descheduling event"
echo "PASS: calls that may block buffered with a descheduling event, traced without one"
