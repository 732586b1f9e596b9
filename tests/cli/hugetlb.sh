#!/usr/bin/env bash
# MAP_HUGETLB and a hugetlbfs memfd with huge pages the kernel really has
# (the test reserves some: root only), recorded; then replayed with them
# given back, as on a machine that has none: the replay maps ordinary pages
# at the same places and prints what the program printed.
# usage: hugetlb.sh HUGE_SPARSE
. "$(dirname "$0")/lib.sh"
prog=$1
knob=/proc/sys/vm/nr_hugepages
old=$(cat "$knob")
if ((old < 8)); then
	echo 8 2>/dev/null >"$knob" || { echo "SKIP: cannot reserve huge pages (not root)"; exit 77; }
	trap 'echo "$old" >"$knob"; cleanup' EXIT
fi
free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
((free >= 4)) || { echo "SKIP: the kernel gave $free free huge pages, 4 are needed"; exit 77; }
HUGETLB_EXPECT=1 "$prog" >"$dir/native" || fail "the program failed natively"
expect_grep "^hugetlb memfd: 'through the other mapping'$" "$dir/native"
run_status st env HUGETLB_EXPECT=1 "$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/rec" 2>"$dir/rec.err"
[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "rec exited $st"; }
cmp -s "$dir/native" "$dir/rec" || fail "the recorded run printed otherwise than the native one"
echo "$old" >"$knob"
echo "replaying with $(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo) huge pages reserved"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay" 2>"$dir/replay.err"
[ "$st" = 0 ] || { cat "$dir/replay.err"; fail "replay exited $st"; }
cmp -s "$dir/rec" "$dir/replay" || { diff "$dir/rec" "$dir/replay"; fail "replay differs"; }
echo "PASS"
