#!/usr/bin/env bash
# A thread that ends gives its syscall buffer up (one traced call, once
# its records are in the trace) and a thread that starts takes one given
# up before mapping its own: 180 threads, four at most at a time, map a
# few buffers, not 180, and every thread's calls are still buffered. The
# recording replays, under --chaos too (threads preempted as they give a
# buffer up or take one).
# usage: sysbuf_pool.sh SYSBUF_THREAD_CHURN_PROGRAM
. "$(dirname "$0")/lib.sh"
prog=$1

run_status st "$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out" 2>"$dir/rec.err"
[ "$st" = 0 ] || { cat "$dir/rec.out" "$dir/rec.err"; fail "rec exited $st"; }
expect_grep EXIT-SUCCESS "$dir/rec.out"
"$REWIND" dump "$dir/t.trace" >"$dir/dump"
maps=$(grep -c 'syscall-entry mmap(NULL, 1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0)' "$dir/dump" || true)
given_up=$(grep -c 'syscall-exit syscall_29303(0x5, .*) = 0 ' "$dir/dump" || true)
stats=$(grep -c 'syscall-entry newfstatat(AT_FDCWD, "/[./]*", .* rip 0x70000042$' "$dir/dump" || true)
[ "$maps" -ge 2 ] && [ "$maps" -le 8 ] || fail "$maps buffers mapped for 180 threads (want 2 to 8)"
[ "$given_up" -ge 180 ] || fail "only $given_up buffers given up by 180 threads"
[ "$stats" = 7200 ] || fail "$stats of the threads' 7200 stats buffered"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay.out" 2>"$dir/replay.err"
[ "$st" = 0 ] || { cat "$dir/replay.err"; fail "replay exited $st"; }
cmp "$dir/rec.out" "$dir/replay.out" || fail "replayed output differs"
for seed in 1 2 3 4; do
	run_status st "$REWIND" rec --chaos --seed $seed -o "$dir/c.trace" "$prog" >"$dir/c.out" 2>"$dir/c.err"
	[ "$st" = 0 ] || { cat "$dir/c.out" "$dir/c.err"; fail "chaos recording $seed exited $st"; }
	run_status st "$REWIND" replay -a "$dir/c.trace" >"$dir/c.replay" 2>"$dir/c.replay.err"
	[ "$st" = 0 ] || { cat "$dir/c.replay.err"; fail "chaos replay $seed exited $st"; }
	cmp -s "$dir/c.out" "$dir/c.replay" || fail "chaos replay $seed printed other things"
done
echo "PASS: $maps buffers for 180 threads, $given_up given up, the threads' stats buffered"
