#!/usr/bin/env bash
# rewind rec -p A -p B: two running processes (two computing threads each,
# one stdout) recorded in one trace to their ends; info counts both, and
# replay -a builds both and prints what they printed after the attach. A
# process named twice is refused.
# usage: attach_two.sh ATTACH_TARGET
. "$(dirname "$0")/lib.sh"
prog=$1

{
	"$prog" compute 1.5 &
	echo $! >"$dir/a.pid"
	"$prog" compute 1.5 &
	echo $! >"$dir/b.pid"
} >"$dir/out"
a=$(cat "$dir/a.pid") b=$(cat "$dir/b.pid")
bg_pids=("$a" "$b")
wait_lines "$dir/out" 2
run_status st "$REWIND" rec -o "$dir/t.trace" -p "$a" -p "$b" >"$dir/rec.out" 2>"$dir/rec.err"
[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "rec -p -p exited $st"; }
for p in "$a" "$b"; do
	st=0
	wait "$p" || st=$?
	[ "$st" = 0 ] || fail "attached process $p exited $st"
done
bg_pids=()
[ "$(grep -c '^EXIT-SUCCESS$' "$dir/out")" = 2 ] || { cat "$dir/out"; fail "not both processes ended well"; }
"$REWIND" info "$dir/t.trace" >"$dir/info"
expect_grep "^tasks: +2 processes, 6 threads$" "$dir/info"
# Lines the two wrote at once may be in either order in the file (each write
# blocks in the kernel with the other one's on its way): compared as sets.
grep -v '^ready$' "$dir/out" | sort >"$dir/after"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay" 2>"$dir/rerr"
[ "$st" = 0 ] || { cat "$dir/rerr"; fail "replay -a of two attached processes exited $st"; }
sort "$dir/replay" | cmp -s - "$dir/after" || { sort "$dir/replay" | diff - "$dir/after"; fail "replay differs"; }
st=0
"$REWIND" rec -o "$dir/bad.trace" -p "$$" -p "$$" 2>"$dir/bad.err" || st=$?
[ "$st" != 0 ] || fail "rec -p of one process twice succeeded"
expect_grep "process $$ is named twice" "$dir/bad.err"
echo "PASS: rec -p of two processes records and replays both"
