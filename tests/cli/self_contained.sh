#!/usr/bin/env bash
# A trace replays after the recorded program's binary is gone: the trace
# holds the copies of every mapped file.
# usage: self_contained.sh PROGRAM
. "$(dirname "$0")/lib.sh"
prog=$1

mkdir "$dir/bin"
cp "$prog" "$dir/bin/subject"
cd "$dir"
run_status st "$REWIND" rec -o "$dir/t.trace" "$dir/bin/subject" copy >"$dir/rec.out"
[ "$st" = 0 ] || fail "rec exited $st"
rm -rf "$dir/bin"
[ ! -e "$dir/bin/subject" ] || fail "could not delete the binary"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay.out" 2>"$dir/replay.err"
[ "$st" = 0 ] || { cat "$dir/replay.err"; fail "replay after deleting the binary exited $st"; }
cmp "$dir/rec.out" "$dir/replay.out" || fail "replayed output differs"
expect_grep '^EXIT-SUCCESS$' "$dir/replay.out"
echo "PASS: replayed with the binary deleted"
