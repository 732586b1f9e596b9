#!/usr/bin/env bash
# A recorded XSAVE area that does not match the replay is a divergence that
# names the component (here the opmask state of a program keeping AVX-512
# registers live across signals, or on a CPU without AVX-512 the AVX state
# of ymm registers kept so).
# usage: xsave_divergence.sh AVX512_PROGRAM TRACE_EDIT
. "$(dirname "$0")/lib.sh"
prog=$1
edit=$2
# The program keeps AVX-512 state live where the CPU has it, else AVX's.
if grep -qw avx512f /proc/cpuinfo; then
	name=opmask component=5
else
	grep -qw avx2 /proc/cpuinfo || fail "this CPU has neither AVX-512 nor AVX2"
	name=AVX component=2
fi
run_status st "$REWIND" rec -o "$dir/t.trace" "$prog" >/dev/null
[ "$st" = 0 ] || fail "rec exited $st"
event=$("$REWIND" dump --json "$dir/t.trace" | NAME=$name python3 -c 'import json,os,sys
print([e["event"] for e in map(json.loads, sys.stdin) if e["kind"] == "signal" and os.environ["NAME"] in e["xsave_blocks"]][0])')
"$edit" "$dir/t.trace" "$dir/bad.trace" xblock "$event" "$component" 2 0x40
run_status st "$REWIND" replay -a "$dir/bad.trace" >/dev/null 2>"$dir/err"
[ "$st" = 1 ] || fail "replay of the altered trace exited $st"
expect_grep "divergence at event $event \(User defined signal 1\): XSAVE component $name differs at byte 2 of it" "$dir/err"
echo "PASS: XSAVE divergence named the $name component at event $event"
