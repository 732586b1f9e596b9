#!/usr/bin/env bash
# Replay on "another machine", simulated by editing a copy of a real
# trace's header: a trace claiming XSAVE state or CPU features this machine
# lacks is refused naming them (and replays with --force); a trace whose
# XSAVE component offsets differ is converted and replays.
# usage: machine_check.sh PROGRAM TRACE_EDIT
. "$(dirname "$0")/lib.sh"
prog=$1
edit=$2

run_status st "$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out"
[ "$st" = 0 ] || fail "rec exited $st"
xcr0=$("$REWIND" info --json "$dir/t.trace" | python3 -c 'import json,sys; print(json.load(sys.stdin)["xcr0"])')

# AMX tile state (XCR0 bits 17 and 18): refused unless this machine has it.
if [ $((xcr0 & 0x60000)) = 0 ]; then
	"$edit" "$dir/t.trace" "$dir/amx.trace" header-xcr0 $((xcr0 | 0x60000))
	run_status st "$REWIND" replay -a "$dir/amx.trace" >/dev/null 2>"$dir/err"
	[ "$st" = 1 ] || fail "a trace with AMX state replayed here (status $st)"
	expect_grep "XSAVE state this one lacks .*AMX_TILECFG, AMX_TILEDATA" "$dir/err"
	expect_grep "use --force" "$dir/err"
	run_status st "$REWIND" replay -a --force "$dir/amx.trace" >"$dir/force.out" 2>/dev/null
	[ "$st" = 0 ] || fail "--force replay exited $st"
	cmp "$dir/rec.out" "$dir/force.out" || fail "--force replay output differs"
fi

# A CPUID feature this machine lacks: amx-tile on AMD, sse4a on Intel.
if grep -qw sse4a /proc/cpuinfo; then
	feature=amx-tile args="7 0 edx $((1 << 24))"
else
	feature=sse4a args="0x80000001 0 ecx $((1 << 6))"
fi
# shellcheck disable=SC2086
"$edit" "$dir/t.trace" "$dir/feat.trace" header-cpuid-or $args
run_status st "$REWIND" replay -a "$dir/feat.trace" >/dev/null 2>"$dir/err"
[ "$st" = 1 ] || fail "a trace with $feature replayed here (status $st)"
expect_grep "features this one lacks: $feature" "$dir/err"

# A component somewhere else than here: opmask (Intel puts it at 1088, some
# AMD at 832); on a machine without AVX-512, PKRU (2688 after AVX-512's
# state, 2432 without it), else AVX.
read -r name number here <<<"$("$REWIND" info --json "$dir/t.trace" | python3 -c '
import json, sys
have = {c["name"]: c for c in json.load(sys.stdin)["xsave_layout"]}
for name in ("opmask", "PKRU", "AVX"):
    if name in have:
        print(name, have[name]["component"], have[name]["offset"])
        break')"
[ -n "$here" ] || fail "the trace has no opmask, PKRU or AVX state to move"
case $name in
opmask) [ "$here" = 1088 ] && other=832 || other=1088 ;;
PKRU) [ "$here" = 2688 ] && other=2432 || other=2688 ;;
AVX) [ "$here" = 576 ] && other=832 || other=576 ;;
esac
"$edit" "$dir/t.trace" "$dir/layout.trace" header-xsave-offset "$number" "$other"
run_status st env REWIND_VERBOSE=1 "$REWIND" replay -a "$dir/layout.trace" >"$dir/l.out" 2>"$dir/err"
[ "$st" = 0 ] || { cat "$dir/err"; fail "a trace with another XSAVE layout exited $st"; }
cmp "$dir/rec.out" "$dir/l.out" || fail "converted replay output differs"
expect_grep "XSAVE component $name is at byte $other in the trace and $here here: converted" "$dir/err"
echo "PASS: machine checks"
