#!/usr/bin/env bash
# A recorded XSAVE area that does not match the replay is a divergence that
# names the component (here the opmask state of a program keeping AVX-512
# registers live across signals).
# usage: xsave_divergence.sh AVX512_PROGRAM TRACE_EDIT
. "$(dirname "$0")/lib.sh"
prog=$1
edit=$2
grep -qw avx512f /proc/cpuinfo || { echo "SKIP: no AVX-512 on this CPU"; exit 77; }
run_status st "$REWIND" rec -o "$dir/t.trace" "$prog" >/dev/null
[ "$st" = 0 ] || fail "rec exited $st"
event=$("$REWIND" dump --json "$dir/t.trace" |
	python3 -c 'import json,sys
print([e["event"] for e in map(json.loads, sys.stdin) if e["kind"] == "signal" and "opmask" in e["xsave_blocks"]][0])')
"$edit" "$dir/t.trace" "$dir/bad.trace" xblock "$event" 5 2 0x40
run_status st "$REWIND" replay -a "$dir/bad.trace" >/dev/null 2>"$dir/err"
[ "$st" = 1 ] || fail "replay of the altered trace exited $st"
expect_grep "divergence at event $event \(User defined signal 1\): XSAVE component opmask differs at byte 2 of it" "$dir/err"
echo "PASS: XSAVE divergence named the opmask component at event $event"
