#!/usr/bin/env bash
# A program that sends SIGABRT to its process group: rewind is not in that
# group, so the recording goes on to the program's death (and its child's),
# the trace is complete, rec exits 134 with the backtrace, and replay
# reproduces it.
# usage: group_signal.sh GROUP_ABORT
. "$(dirname "$0")/lib.sh"
prog=$1

# 134 is the expected status here, so not through run_status (which calls >= 128 a crash).
st=0
timeout 120 "$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/out" 2>"$dir/err" || st=$?
[ "$st" = 134 ] || { cat "$dir/err"; fail "rec exited $st, wanted 134"; }
expect_grep "^rewind: pid [0-9]+ was killed by Aborted \(signal 6, code 0\)" "$dir/err"
expect_grep "^child ready, aborting the group$" "$dir/out"
"$REWIND" info "$dir/t.trace" >"$dir/info" 2>&1
grep -q truncated "$dir/info" && fail "the trace has no footer"
expect_grep "^tasks: +2 processes, 2 threads$" "$dir/info"
expect_grep "^exit status: +0x6$" "$dir/info"
"$REWIND" dump "$dir/t.trace" | grep '^#' >"$dir/dump"
# Both processes end by SIGABRT, and that is where the trace ends.
[ "$(grep -c ' exit exit status 0x6 ' "$dir/dump")" = 2 ] || fail "not two deaths by SIGABRT"
tail -n 1 "$dir/dump" | grep -q ' exit exit status 0x6 ' || fail "the trace does not end in a death"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/rout" 2>"$dir/rerr"
[ "$st" = 0 ] || { cat "$dir/rerr"; fail "replay exited $st"; }
cmp "$dir/out" "$dir/rout" || fail "replayed output differs"
echo "PASS: a signal to the program's process group stays in the recording"
