#!/bin/bash
# The real gdb against the gdb server (gdbstub_fake serving a live process):
# the target description is accepted, gdb's remote register numbers are the
# documented ones, values read from the XSAVE area (x87, SSE, AVX, AVX-512
# at the CPU's own offsets) match known constants, breakpoints and stepping
# work, the program and its libraries can be read over vFile, and writes
# are refused. Values a native gdb session reads right on any CPU (general
# registers, x87, SSE, the AVX upper halves at the architectural offset
# 576) are compared with one; the AVX-512 ones (opmask, zmm upper halves,
# zmm16-31), which gdb 13 reads natively at Intel's offsets whatever the
# CPU's layout, with the values the program loaded. The same again with
# the XSAVE area served in the other vendor's layout (Intel's on AMD,
# AMD's on Intel).
#
# usage: registers.sh GDBSTUB_FAKE KNOWN_REGS_PROGRAM
# Exits 77 (skipped) when gdb is missing or ptrace is not allowed here.
set -euo pipefail
. "$(dirname "$0")/known_regs.sh"

fake=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: gdb is not installed"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb.XXXXXX")
fake_pid=
cleanup() {
	[ -z "$fake_pid" ] || kill "$fake_pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect PATTERN FILE: some line of FILE matches the extended regex.
expect() {
	grep -qE -- "$1" "$2" || { echo "---- $2:"; cat "$2"; fail "no line matches /$1/"; }
}

# start_fake [OPTIONS...]: starts gdbstub_fake on the program and sets $port.
start_fake() {
	rm -f "$dir/port"
	"$fake" "$@" "$dir/port" "$prog" >"$dir/fake.log" 2>&1 &
	fake_pid=$!
	for _ in $(seq 100); do
		[ -s "$dir/port" ] && break
		kill -0 "$fake_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -s "$dir/port" ]; then
		cat "$dir/fake.log"
		grep -q "did not stop at exec" "$dir/fake.log" && { echo "SKIP: ptrace is not allowed"; exit 77; }
		fail "gdbstub_fake did not start"
	fi
	port=$(cat "$dir/port")
}

# Waits for gdbstub_fake to end and checks that the session ended cleanly.
finish_fake() {
	local status=0
	wait "$fake_pid" || status=$?
	fake_pid=
	[ "$status" -eq 0 ] || { cat "$dir/fake.log"; fail "gdbstub_fake exited with status $status"; }
}

# gdb prints nothing that says it disliked the server.
expect_no_complaints() {
	if grep -E "Could not load XML|Remote 'g' packet reply is too long|Remote failure reply|Remote replied unexpectedly|Truncated register|Protocol error|warning: (Invalid|Unrecognized|Unknown)|internal-error" "$1"; then
		cat "$1"
		fail "gdb complained about the server"
	fi
}

avx512=no
"$prog" | grep -q "known_regs: avx512 yes" && avx512=yes
echo "AVX-512 on this machine: $avx512"

# Values printed both natively and through the server (known_regs.sh), and the
# AVX-512 values, checked against the program's.
values=("${native_values_args[@]}")
known=()
[ "$avx512" = yes ] && known=("${known_values_args[@]}")

# ---- 1: local symbol file, registers and numbering ---------------------------------------
start_fake
timeout 90 gdb -batch -nx -ex 'set pagination off' -ex "target remote 127.0.0.1:$port" \
	-ex 'info registers rip' -ex 'break main' -ex 'continue' -ex 'bt' \
	-ex 'break marker' -ex 'continue' -ex 'bt' "${values[@]}" "${known[@]}" \
	-ex 'info registers' -ex 'info registers fs_base gs_base orig_rax' -ex 'p $fs_base != 0' \
	-ex 'x/4i $pc' -ex 'info threads' -ex 'maint print remote-registers' -ex 'kill' \
	"$prog" >"$dir/remote.log" 2>&1 || { cat "$dir/remote.log"; fail "gdb failed"; }
finish_fake
log=$dir/remote.log
expect_no_complaints "$log"
expect '^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <_start>' "$log"
expect '^Breakpoint 1, (0x[0-9a-f]+ in )?main ' "$log"
expect '^Breakpoint 2, marker \(\)' "$log"
expect '^#1  0x[0-9a-f]+ in load_and_mark \(\)' "$log"
expect '^#2  0x[0-9a-f]+ in main ' "$log"
for reg in rax rbx rcx rdx rsi rdi rbp rsp r8 r15 rip eflags cs ss ds es fs gs fs_base gs_base orig_rax; do
	expect "^$reg +0x[0-9a-f]+" "$log"
done
expect '= 1$' "$log" # fs_base is set (libc's TLS)
expect '^=> 0x[0-9a-f]+ <marker(\+[0-9]+)?>:' "$log"
expect '^\* 1 +Thread [0-9]+\.[0-9]+ "known_regs" marker \(\)' "$log"
expect '^\[Inferior 1 \(process [0-9]+\) killed\]' "$log"

# Known values: st0 = pi, st1 = 1, two x87 registers in use (TOP = 6).
expect '^\$[0-9]+ = 3\.14159265358979323851$' "$log"
expect '^\$[0-9]+ = 0x3000$' "$log"
expect '^\$[0-9]+ = 0xfff$' "$log"
expect '^\$[0-9]+ = 0x37f$' "$log"
if [ "$avx512" = yes ]; then
	expect '^k0 +0x5a5a5a5a12345677 ' "$log"
	expect '^\$[0-9]+ = \{3841, 3842, 3843, 3844\}$' "$log" # xmm15
	expect '^\$[0-9]+ = \{3841, 3842, 3843, 3844, 3845, 3846, 3847, 3848\}$' "$log" # ymm15
	known_values_check "$log" 1 || fail "AVX-512 values differ from what the program loaded"
fi

# gdb's remote numbers for our registers are the documented ones (docs/gdb-protocol.md).
awk '$1 ~ /^[a-z]/ && NF >= 8 { print $1, $7 }' "$log" >"$dir/numbers"
check_number() {
	grep -qx "$1 $2" "$dir/numbers" || { cat "$dir/numbers"; fail "gdb numbers $1 differently, expected $2"; }
}
check_number rax 0
check_number gs 23
check_number st0 24
check_number fop 39
check_number xmm0 40
check_number mxcsr 56
check_number orig_rax 57
check_number fs_base 58
check_number gs_base 59
if grep -q "^ymm0h " "$dir/numbers"; then
	check_number ymm0h 60
	check_number ymm15h 75
fi
if [ "$avx512" = yes ]; then
	check_number xmm16 76
	check_number ymm16h 92
	check_number k0 108
	check_number zmm0h 116
	check_number zmm31h 147
fi

# The same values from a native session of the same program.
timeout 90 gdb -batch -nx -ex 'set pagination off' -ex 'break marker' -ex 'run' "${values[@]}" \
	"$prog" >"$dir/native.log" 2>&1 || { cat "$dir/native.log"; fail "native gdb failed"; }
native_values "$dir/native.log" 1 >"$dir/native.values"
native_values "$log" 1 >"$dir/remote.values"
[ -s "$dir/native.values" ] || fail "native gdb printed no values"
diff -u "$dir/native.values" "$dir/remote.values" || fail "values differ from a native gdb session"

# ---- 1b: the same values from an XSAVE area in each vendor's layout ----------------------
# One of the two is this machine's own; the other moves opmask and the AVX-512
# halves (Intel: opmask at 1088; AMD: at 832), which the server must follow.
for vendor in intel amd; do
	start_fake --xsave-layout "$vendor"
	timeout 90 gdb -batch -nx -ex 'set pagination off' -ex "target remote 127.0.0.1:$port" \
		-ex 'break marker' -ex 'continue' "${values[@]}" "${known[@]}" -ex 'kill' \
		"$prog" >"$dir/$vendor.log" 2>&1 || { cat "$dir/$vendor.log"; fail "gdb failed ($vendor)"; }
	finish_fake
	expect_no_complaints "$dir/$vendor.log"
	native_values "$dir/$vendor.log" 1 >"$dir/$vendor.values"
	diff -u "$dir/native.values" "$dir/$vendor.values" ||
		fail "values in the $vendor layout differ from a native gdb session"
	if [ "$avx512" = yes ]; then
		known_values_check "$dir/$vendor.log" 1 ||
			fail "AVX-512 values in the $vendor layout differ from what the program loaded"
	fi
done

# ---- 2: no symbol file: the program and libraries come over vFile -----------------------
start_fake
timeout 90 gdb -batch -nx -ex 'set pagination off' -ex "target remote 127.0.0.1:$port" \
	-ex 'break marker' -ex 'continue' -ex 'info sharedlibrary' -ex 'monitor help' \
	-ex 'monitor no-such-command' -ex 'set var $rax = 1' -ex 'set var *(char *)$sp = 1' \
	-ex 'stepi' -ex 'p $pc == (long)&marker' -ex 'reverse-stepi' -ex 'reverse-continue' \
	-ex 'continue' \
	>"$dir/vfile.log" 2>&1 || { cat "$dir/vfile.log"; fail "gdb failed"; }
finish_fake
log=$dir/vfile.log
expect_no_complaints "$log"
expect '^Reading symbols from target:.*known_regs' "$log"
expect '^Breakpoint 1, marker \(\)' "$log"
expect 'target:.*libc\.so\.6' "$log"
expect 'registers and memory are read-only' "$log"
expect '^fake target commands: help, pid' "$log"
expect 'monitor command "no-such-command" failed' "$log"
expect "Could not write register \"rax\"; remote failure reply 'E01'" "$log"
expect '^Cannot access memory at address 0x[0-9a-f]+' "$log"
expect '= 0$' "$log" # stepi left marker
expect '^\[Inferior 1 \(process [0-9]+\) exited normally\]' "$log"
expect 'known_regs: avx512' "$dir/fake.log"
# The fake target's history starts where the process stands: replaylog:begin.
[ "$(grep -c '^No more reverse-execution history\.' "$log")" -eq 2 ] ||
	{ cat "$log"; fail "reverse execution did not stop at the start of the history"; }

# ---- 3: watchpoints (gdb single-steps: the target has none) and detach ------------------
start_fake
timeout 90 gdb -batch -nx -ex 'set pagination off' -ex "target remote 127.0.0.1:$port" \
	-ex 'break marker' -ex 'continue' -ex 'watch *(long *)$sp' -ex 'continue' \
	-ex 'detach' "$prog" >"$dir/watch.log" 2>&1 || { cat "$dir/watch.log"; fail "gdb failed"; }
finish_fake
log=$dir/watch.log
expect_no_complaints "$log"
expect '^Watchpoint 2: \*\(long \*\)\$sp' "$log"
expect '^Old value = [0-9]+' "$log"
expect '^\[Inferior 1 \(process [0-9]+\) detached\]' "$log"

# ---- 4: an older client: plain thread ids, acks throughout, no swbreak ---------------------
start_fake
timeout 90 gdb -batch -nx -ex 'set remote multiprocess-feature-packet off' \
	-ex 'set remote noack-packet off' -ex 'set remote swbreak-feature-packet off' \
	-ex "target remote 127.0.0.1:$port" -ex 'break marker' -ex 'continue' -ex 'info threads' \
	-ex 'stepi' -ex 'continue' "$prog" >"$dir/plain.log" 2>&1 || { cat "$dir/plain.log"; fail "gdb failed"; }
finish_fake
log=$dir/plain.log
expect_no_complaints "$log"
expect '^Breakpoint 1, marker \(\)' "$log"
expect '^\* 1 +Thread [0-9]+ "known_regs" marker \(\)' "$log"
expect '^\[Inferior 1 \(Remote target\) exited normally\]' "$log"

# ---- 5: descriptions of machines with fewer (or other) XSAVE features --------------------
# known_regs still loads AVX-512 values; the server must describe only what the layout has.
describe() {
	local name=$1
	shift
	start_fake "$@"
	timeout 90 gdb -batch -nx -ex "target remote 127.0.0.1:$port" -ex 'break marker' \
		-ex 'continue' -ex 'p $st0' -ex 'p $xmm0.v4_int32' -ex 'p $ymm0' -ex 'p $k1' \
		-ex 'p $pkru' -ex 'maint print remote-registers' -ex 'kill' "$prog" \
		>"$dir/$name.log" 2>&1 || { cat "$dir/$name.log"; fail "gdb failed ($name)"; }
	finish_fake
	log=$dir/$name.log
	expect_no_complaints "$log"
	expect '^\$1 = 3\.14159265358979323851$' "$log"
	expect '^\$2 = \{1, 2, 3, 4\}$' "$log"
	awk '$1 ~ /^[a-z]/ && NF >= 8 { print $1, $7 }' "$log" >"$dir/numbers"
	check_number orig_rax 57
	check_number gs_base 59
}
describe no-xsave --xcr0 0
expect '^\$3 = void$' "$log"
grep -q "^ymm0h " "$dir/numbers" && fail "no-xsave: ymm0h described"
describe sse-only --xcr0 0x3
expect '^\$3 = void$' "$log"
describe avx-only --xcr0 0x7
expect '^\$3 = \{v16_bfloat16' "$log"
expect '^\$4 = void$' "$log"
check_number ymm15h 75
if grep -qw ospke /proc/cpuinfo; then
	describe pkeys --xcr0 0x207
	expect '^\$5 = [0-9]+$' "$log"
else
	# No PKRU here: the fake layout claims one, in its initial state (XSTATE_BV bit clear).
	describe pkeys --xcr0 0x7 --pkru-at 832
	expect '^\$5 = 0$' "$log"
fi
check_number pkru 76

echo "PASS"
