#!/usr/bin/env bash
# A program killed by a signal: rec exits 128+signal and prints the signal
# and a backtrace of where it happened; replay dies the same way.
# usage: death.sh PROGRAM   (one that dies of SIGSEGV in crash_here)
. "$(dirname "$0")/lib.sh"
prog=$1

# 139 is the expected status here, so not through run_status (which calls >= 128 a crash).
st=0
timeout 120 "$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/out" 2>"$dir/err" || st=$?
[ "$st" = 139 ] || { cat "$dir/err"; fail "rec exited $st, wanted 139"; }
expect_grep "^rewind: pid [0-9]+ was killed by Segmentation fault \(signal 11, code 1\) at rip 0x[0-9a-f]+, address 0x0$" "$dir/err"
expect_grep "^rewind:   #0 0x[0-9a-f]+ in crash_here\+0x[0-9a-f]+$" "$dir/err"
expect_grep "^rewind:   #[12] 0x[0-9a-f]+ in main\+0x[0-9a-f]+$" "$dir/err"
"$REWIND" dump "$dir/t.trace" >"$dir/dump"
expect_grep "signal signal 11" "$dir/dump"
expect_grep "exit exit status 0x(8b|b) " "$dir/dump"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/rout" 2>"$dir/rerr"
[ "$st" = 0 ] || { cat "$dir/rerr"; fail "replay of the death exited $st"; }
cmp "$dir/out" "$dir/rout" || fail "replayed output differs"
echo "PASS: death recorded with a backtrace and replayed"
