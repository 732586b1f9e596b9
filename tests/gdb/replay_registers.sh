#!/usr/bin/env bash
# Registers of a replay under gdb when the trace says the XSAVE layout is
# Intel's or AMD's (one of them is this machine's, the other is converted):
# known_regs, recorded with "timer", waits with its known values loaded
# for a SIGALRM that the recording delivers at an execution point, which
# replay restores from the trace instead of running the code before it.
# At that signal's stop the AVX-512 values gdb shows come from the trace's
# XSAVE blocks, placed at this machine's offsets (a byte changed in the
# trace shows); at marker() they are the program's, and the values a
# native gdb reads right on any CPU equal a native session's.
# usage: replay_registers.sh REWIND KNOWN_REGS TRACE_EDIT
set -euo pipefail
. "$(dirname "$0")/known_regs.sh"
rewind=$1
prog=$2
edit=$3
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- $1:"; cat "$1"; echo "FAIL: $2"; exit 1; }

avx512=no
"$prog" | grep -q "known_regs: avx512 yes" && avx512=yes
echo "AVX-512 on this machine: $avx512"
known=()
[ "$avx512" = yes ] && known=("${known_values_args[@]}")

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" timer >"$dir/rec.out" 2>&1)
"$rewind" dump "$dir/t.trace" >"$dir/dump"
# The SIGALRM at an execution point: "#N tid T signal signal 14 ... xsave K blocks".
event=$(awk '$4 == "signal" && $5 == "signal" && $6 == "14" && /xsave/ { sub("#", "", $1); print $1 }' \
	"$dir/dump")
[ -n "$event" ] || fail "$dir/dump" "the SIGALRM was not recorded at an execution point"

gdb -nx -batch -ex 'break marker' -ex 'run' "${native_values_args[@]}" --args "$prog" timer \
	>"$dir/native.out" 2>&1 </dev/null || true
native_values "$dir/native.out" 1 >"$dir/native.values"
[ "$(wc -l <"$dir/native.values")" = 14 ] || fail "$dir/native.out" "native gdb printed no values"

# replay TRACE OUT: gdb at the SIGALRM's stop (KNOWN 1), then at marker (VALUES 1, KNOWN 2).
replay() {
	REWIND_VERBOSE=1 timeout 120 "$rewind" replay "$1" -- -nx -batch \
		-ex 'handle SIGALRM stop print' -ex continue "${known[@]}" -ex 'p/x $k1' \
		-ex 'break marker' -ex continue "${native_values_args[@]}" "${known[@]}" \
		-ex continue -ex continue >"$2" 2>&1 </dev/null || true
	grep -q '^Program received signal SIGALRM' "$2" || fail "$2" "no stop at the SIGALRM"
	grep -q '^Breakpoint 1, marker ()' "$2" || fail "$2" "no stop at marker"
	grep -qE '^rewind: the replay reached the end of the recording .*: process [0-9]+ exits normally there$' \
		"$2" || fail "$2" "no end in front of the exit"
}

converted=0
for vendor in intel amd; do
	"$edit" "$dir/t.trace" "$dir/$vendor.trace" header-xsave-layout "$vendor"
	replay "$dir/$vendor.trace" "$dir/$vendor.out"
	native_values "$dir/$vendor.out" 1 | diff -u "$dir/native.values" - ||
		fail "$dir/$vendor.out" "values at marker differ from a native gdb session ($vendor layout)"
	grep -q 'here: converted$' "$dir/$vendor.out" && converted=$((converted + 1))
	[ "$avx512" = yes ] || continue
	known_values_check "$dir/$vendor.out" 1 ||
		fail "$dir/$vendor.out" "AVX-512 values at the signal differ from the trace's ($vendor layout)"
	known_values_check "$dir/$vendor.out" 2 ||
		fail "$dir/$vendor.out" "AVX-512 values at marker differ from the program's ($vendor layout)"
done
# One of the two layouts is not this machine's, when the trace has AVX-512 state.
[ "$avx512" = no ] || [ "$converted" = 1 ] || fail "$dir/amd.out" "no layout was converted"

# The values at the signal are the trace's: k1's low byte changed in its opmask block (5).
if [ "$avx512" = yes ]; then
	# Replay runs the thread to the signal's point and checks its state there:
	# a k1 changed in the trace is a divergence naming the event and the opmask.
	"$edit" "$dir/intel.trace" "$dir/changed.trace" xblock "$event" 5 8 0xf0
	if timeout 60 "$rewind" replay -a "$dir/changed.trace" >"$dir/changed.out" 2>&1; then
		fail "$dir/changed.out" "a trace whose k1 was changed replayed without a divergence"
	fi
	grep -q "divergence at event $event .*XSAVE component opmask differs" "$dir/changed.out" ||
		fail "$dir/changed.out" "the divergence does not name the event and the opmask state"
fi
echo "PASS: registers of a replay from a trace in the Intel and AMD layouts"
