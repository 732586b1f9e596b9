#!/usr/bin/env bash
# gdb on the trace of rec -p of a program whose two threads hold their own
# GS base (arch_prctl and wrgsbase), zmm7 and k3 while attached
# (tests/gdb/programs/attach_regs.c): at each thread's call after the attach,
# gdb shows the values that thread printed (ymm7 alone without AVX-512).
# usage: attach_regs.sh REWIND ATTACH_REGS
set -euo pipefail
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb-attach.XXXXXX")
pid=
trap '[ -z "$pid" ] || { kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- $1:"; cat "$2"; echo "FAIL: $3"; exit 1; }

. "$(dirname "$0")/lib.sh"
attach_record
[ "$(grep -c '^who=' "$dir/out")" = 2 ] || fail "the program's output" "$dir/out" "not two threads' values"

# The program holds zmm7 and k3 where the CPU has AVX-512 (F and BW), else ymm7.
if grep -qw avx512bw /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then
	show='printf "GDB who=%d gs_base=%#lx zmm7=%#lx,%#lx,%#lx,%#lx,%#lx,%#lx,%#lx,%#lx k3=%#lx\n", who, $gs_base'
	for i in 0 1 2 3 4 5 6 7; do show+=", \$zmm7.v8_int64[$i]"; done
	show+=', $k3'
else
	show='printf "GDB who=%d gs_base=%#lx ymm7=%#lx,%#lx,%#lx,%#lx\n", who, $gs_base'
	for i in 0 1 2 3; do show+=", \$ymm7.v4_int64[$i]"; done
fi
timeout 120 "$rewind" replay "$dir/t.trace" -- -nx -batch -ex 'break probe' -ex 'continue' \
	-ex "$show" -ex 'continue' -ex "$show" >"$dir/gdb.out" 2>&1 </dev/null || true
n=0
while read -r line; do
	grep -qxF -- "$line" "$dir/out" || fail "gdb" "$dir/gdb.out" "gdb shows '$line', not what that thread printed"
	n=$((n + 1))
done < <(sed -n "s/^GDB //p" "$dir/gdb.out")
[ "$n" = 2 ] || fail "gdb" "$dir/gdb.out" "$n threads' values shown, not 2"
echo "PASS: gs_base and vector registers of both threads as they printed them"
