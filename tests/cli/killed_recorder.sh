#!/usr/bin/env bash
# rewind rec killed with SIGKILL: the trace has no footer, but the writer
# wrote a chunk at least every 0.5 s of recording, so the replay of what is
# there reproduces the program's output up to about half a second before the
# kill; the program dies with its tracer.
# usage: killed_recorder.sh TICKER   (prints "line N" every 10 ms)
. "$(dirname "$0")/lib.sh"
prog=$1

"$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/out" 2>"$dir/err" &
rec=$!
bg_pids=("$rec")
wait_lines "$dir/out" 1
sleep 1.5
child=$(pgrep -P "$rec" | head -1)
kill -KILL "$rec"
wait "$rec" || true
bg_pids=()
# gone PID: no such process, or only a zombie left for init to reap.
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
[ -n "$child" ] || fail "no recorded process under rewind"
for _ in $(seq 100); do
	! gone "$child" || break
	sleep 0.1
done
gone "$child" || fail "the recorded program ($child) outlived its recorder"

run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay" 2>"$dir/rerr"
[ "$st" = 1 ] || { cat "$dir/rerr"; fail "replay of the cut trace exited $st"; }
expect_grep "the trace ends at event [0-9]+ before the program does \(truncated trace\)" "$dir/rerr"
expect_prefix "$dir/replay" "$dir/out"
live=$(wc -l <"$dir/out")
replayed=$(wc -l <"$dir/replay")
# A line every 10 ms: 0.6 s is 60 lines.
[ "$replayed" -ge $((live - 60)) ] || fail "the replay printed $replayed of $live lines"
echo "PASS: a recorder killed with SIGKILL loses under 0.6 s of the recording ($replayed of $live lines)"
