#!/usr/bin/env bash
# gdb on the replay of a threaded program prints what gdb prints on a native
# run: the thread count of `info threads`, `thread N` with a __thread value
# and a frame's argument there, breakpoints hit in worker threads (reported
# in that thread), bt, finish and next in a worker, the main thread's bt
# while a worker is stopped, and the exit. Then going backwards across the
# threads: reverse-continue, reverse-next, reverse-stepi and a watchpoint.
# usage: replay_threads.sh REWIND THREADS
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces

commands=(
	-ex 'break all_started'
	-ex 'RUN'
	-ex 'info threads'
	-ex 'thread 3'
	-ex 'p tls_id'
	-ex 'frame function worker'
	-ex 'p id'
	-ex 'break work'
	-ex 'continue'
	-ex 'bt'
	-ex 'p tls_id'
	-ex 'p id'
	-ex 'finish'
	-ex 'continue'
	-ex 'info threads'
	-ex 'next'
	-ex 'next'
	-ex 'p sum'
	-ex 'p tls_id'
	-ex 'thread 1'
	-ex 'bt'
	-ex 'continue'
	-ex 'p $_thread'
	-ex 'p n'
	-ex 'continue'
)
(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out") || true
gdb_both "$dir/native.raw" "$dir/replay.raw" "${commands[@]}"

# Values, the frames of the program and of pthread_join/the thread start
# (not of the futex calls a waiting thread is in: natively it may be on
# either side of one), breakpoint hits with their thread, the thread
# count of each `info threads`, and the exit.
filter() {
	awk '/^  Id +Target Id/ { if (n) print "threads: " n; n = 0; inlist = 1; next }
	     inlist && /^[* ] +[0-9]+ +Thread / { n++; next }
	     { if (n) print "threads: " n; n = 0; inlist = 0; print }
	     END { if (n) print "threads: " n }' "$1" |
		grep -E '^(\$[0-9]+ = |threads: |#[0-9]+ .*(work|worker|main|start_thread|clone3|pthread_clockjoin_ex) \(|Thread [0-9]+ "[^"]*" hit |Run till exit|Value returned|(work|worker) \(|[0-9]+\s.*(sum|id|tls_id)|\[Inferior 1 \(process [0-9]+\) exited)' |
		sed -E 's/^#[0-9]+ +//; s/process [0-9]+/process PID/; s/ at [^ ]*threads.c/ at threads.c/'
}
# While a worker runs, the main thread is natively either still returning
# from sem_post (line 63) or already in pthread_join (line 64), whichever
# the kernel's scheduler gave it; the recording has one of the two. Keep
# that main() is on the stack in its join loop, not which line.
main_frame() {
	filter "$1" | grep -v 'pthread_clockjoin_ex (' |
		sed -E 's/^0x[0-9a-f]+ in main \(\) at threads.c:6[34]$/main () in its join loop/'
}
main_frame "$dir/native.raw" >"$dir/native.txt"
awk '/No more reverse-execution history/ { skip = 3 } skip > 0 { skip--; next } { print }' \
	"$dir/replay.raw" >"$dir/replay.cut"
main_frame "$dir/replay.cut" >"$dir/replay.txt"
if ! diff -u "$dir/native.txt" "$dir/replay.txt"; then
	echo "---- replay gdb output:"
	cat "$dir/replay.raw"
	echo "FAIL: gdb on the threaded replay differs from gdb on a native run"
	exit 1
fi
lines=$(wc -l <"$dir/native.txt")
[ "$lines" -ge 25 ] || { cat "$dir/native.raw"; echo "FAIL: only $lines lines to compare"; exit 1; }
grep -qx 'threads: 4' "$dir/replay.txt" || { echo "FAIL: not 4 threads listed"; exit 1; }
grep -q 'Thread 3 "threads" hit Breakpoint 2, work (id=2' "$dir/replay.txt" ||
	{ echo "FAIL: the breakpoint in the second worker was not reported in thread 3"; exit 1; }
grep -q 'exited normally' "$dir/replay.txt" || { echo "FAIL: no exit seen"; exit 1; }

# next through main across the creation of the threads and the waits for
# them: the source lines gdb shows, the thread count, a value; then a
# watchpoint that a worker hits (debug registers are per thread), the exit.
steps=(-ex 'break main' -ex 'RUN')
for _ in 1 2 3 4 5 6 7; do steps+=(-ex next); done
steps+=(-ex 'info threads')
for _ in 1 2 3 4 5; do steps+=(-ex next); done
steps+=(-ex 'p id' -ex 'watch results[2]' -ex 'continue' -ex 'p $_thread' -ex 'continue')
gdb_both "$dir/native2.raw" "$dir/replay2.raw" "${steps[@]}"
filter_steps() {
	filter "$1" >"$1.values"
	grep -E '^([0-9]+\s|(Old|New) value = )' "$1" | grep -v 'No such file' | cat "$1.values" -
}
filter_steps "$dir/native2.raw" >"$dir/native2.txt"
awk '/No more reverse-execution history/ { skip = 3 } skip > 0 { skip--; next } { print }' \
	"$dir/replay2.raw" >"$dir/replay2.cut"
filter_steps "$dir/replay2.cut" >"$dir/replay2.txt"
if ! diff -u "$dir/native2.txt" "$dir/replay2.txt"; then
	echo "---- replay gdb output:"
	cat "$dir/replay2.raw"
	echo "FAIL: next through thread creation differs from a native run"
	exit 1
fi
[ "$(grep -c . "$dir/native2.txt")" -ge 14 ] || { cat "$dir/native2.raw"; echo "FAIL: too little to compare"; exit 1; }

# Going backwards across threads. Forwards: the three workers' hits of
# work(), each in its own thread (LWP) with its id and __thread value.
# Backwards: reverse-continue stops at the previous hits, in the same
# threads with the same values; forward again gives them again. In the
# second worker: next three times, then reverse-next and reverse-stepi give
# the values seen on the way. A watchpoint on results[1], going back from
# the third hit, stops where the first worker wrote it, in its thread.
lwp() { sed -n 's/^\[Current thread is [0-9]* (Thread [0-9]*\.\([0-9]*\)).*/\1/p'; }
timeout 120 "$rewind" replay "$dir/t.trace" -- -nx -batch -ex 'break work' \
	-ex continue -ex 'echo H1\n' -ex 'p id' -ex 'p tls_id' -ex thread \
	-ex continue -ex 'echo H2\n' -ex 'p id' -ex 'p tls_id' -ex thread \
	-ex continue -ex 'echo H3\n' -ex 'p id' -ex 'p tls_id' -ex thread \
	-ex reverse-continue -ex 'echo B2\n' -ex 'p id' -ex 'p tls_id' -ex thread \
	-ex reverse-continue -ex 'echo B1\n' -ex 'p id' -ex 'p tls_id' -ex thread \
	-ex continue -ex 'echo F2\n' -ex 'p id' -ex 'p tls_id' -ex thread \
	-ex next -ex next -ex 'echo N2\n' -ex 'p sum' -ex 'p i' -ex next -ex 'echo N3\n' -ex 'p sum' \
	-ex 'p i' -ex reverse-next -ex 'echo R2\n' -ex 'p sum' -ex 'p i' -ex reverse-stepi \
	-ex 'echo RS\n' -ex thread -ex continue -ex 'delete 1' -ex 'watch results[1]' -ex reverse-continue \
	-ex 'echo W\n' -ex thread -ex 'p results[1]' -ex delete -ex continue -ex continue \
	>"$dir/reverse.raw" 2>&1 </dev/null || true
after() { awk -v m="$1" '$0 == m { for (i = 0; i < 3; i++) { getline; print } }' "$dir/reverse.raw"; }
rfail() { cat "$dir/reverse.raw"; echo "FAIL: $*"; exit 1; }
for h in 1 2 3; do
	vals=$(after "H$h" | sed -n 's/^\$[0-9]* = //p' | tr '\n' ' ')
	[ "$vals" = "$h $((h * 10)) " ] || rfail "forward hit $h printed '$vals'"
	eval "lwp$h=\$(after H$h | lwp)"
done
[ -n "$lwp1" ] && [ "$lwp1" != "$lwp2" ] && [ "$lwp2" != "$lwp3" ] || rfail "no thread ids ($lwp1 $lwp2 $lwp3)"
for b in B2:2 B1:1 F2:2; do
	m=${b%%:*} h=${b#*:}
	vals=$(after "$m" | sed -n 's/^\$[0-9]* = //p' | tr '\n' ' ')
	[ "$vals" = "$h $((h * 10)) " ] || rfail "$m printed '$vals', wanted hit $h's values"
	eval "want=\$lwp$h"
	[ "$(after "$m" | lwp)" = "$want" ] || rfail "$m stopped in thread $(after "$m" | lwp), not $want"
done
n2=$(after N2 | sed -n 's/^\$[0-9]* = //p' | tr '\n' ' ')
r2=$(after R2 | sed -n 's/^\$[0-9]* = //p' | tr '\n' ' ')
[ -n "$n2" ] && [ "$n2" = "$r2" ] || rfail "reverse-next shows '$r2', the same line forwards showed '$n2'"
[ "$(after RS | lwp)" = "$lwp2" ] || rfail "reverse-stepi left the second worker's thread"
grep -q '^Old value = 6050$' "$dir/reverse.raw" && grep -q '^New value = 0$' "$dir/reverse.raw" ||
	rfail "the watchpoint going back did not show results[1] from 6050 back to 0"
[ "$(after W | lwp)" = "$lwp1" ] || rfail "the write to results[1] was not found in the first worker's thread"
grep -q "exits normally there" "$dir/reverse.raw" || rfail "forward to the end after going back failed"
grep -q 'not supported' "$dir/reverse.raw" && rfail "going backwards was refused"
echo "PASS: $lines lines of gdb output identical natively and in the threaded replay; back and forth across threads"
