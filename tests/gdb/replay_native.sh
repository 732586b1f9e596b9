#!/usr/bin/env bash
# gdb on a replay prints what gdb prints on a native run of the same
# binary: breakpoints on functions and lines, continue, bt, locals,
# globals, a __thread variable, finish, next, step, until, a conditional
# breakpoint, registers, and the exit code. (replay_tls.sh covers __thread
# variables in depth.)
# usage: replay_native.sh REWIND DEBUGGEE
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces

commands=(
	-ex 'break compute'
	-ex 'break debuggee.c:21 if v == 5'
	-ex 'RUN'
	-ex 'bt'
	-ex 'p p'
	-ex 'p name'
	-ex 'p global_counter'
	-ex 'p tls_value'
	-ex 'finish'
	-ex 'next'
	-ex 'p total'
	-ex 'continue'
	-ex 'p v'
	-ex 'p factor'
	-ex 'up'
	-ex 'p p'
	-ex 'info registers rip'
	-ex 'p $fs_base != 0'
	-ex 'delete'
	-ex 'until 41'
	-ex 'p total'
	-ex 'step'
	-ex 'p global_counter'
	-ex 'p tls_value'
	-ex 'continue'
)
(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out") || true
gdb_both "$dir/native.raw" "$dir/replay.raw" "${commands[@]}"

# What a user reads: values, frames, stops and the exit, without process
# ids and the lines only one side prints (downloads, thread debugging, pid output).
filter() {
	grep -E '^(\$[0-9]+ = |#[0-9]+ |Breakpoint [0-9]+, |Run till exit|Value returned|rip |[0-9]+\s|main \(|compute \(|scale \(|\[Inferior 1 \(process [0-9]+\) exited)' "$1" |
		sed -E 's/process [0-9]+/process PID/; s/ at [^ ]*debuggee.c/ at debuggee.c/'
}
filter "$dir/native.raw" >"$dir/native.txt"
# The end-of-history stop (and the frame gdb shows there) has no native counterpart.
awk '/No more reverse-execution history/ { skip = 3 } skip > 0 { skip--; next } { print }' \
	"$dir/replay.raw" >"$dir/replay.cut"
filter "$dir/replay.cut" >"$dir/replay.txt"
if ! diff -u "$dir/native.txt" "$dir/replay.txt"; then
	echo "---- replay gdb output:"
	cat "$dir/replay.raw"
	echo "FAIL: gdb on the replay differs from gdb on a native run"
	exit 1
fi
lines=$(wc -l <"$dir/native.txt")
[ "$lines" -ge 20 ] || { cat "$dir/native.raw"; echo "FAIL: only $lines lines to compare"; exit 1; }
grep -q 'exited with code' "$dir/replay.txt" || { echo "FAIL: no exit seen"; exit 1; }
grep -q 'No more reverse-execution history' "$dir/replay.raw" ||
	{ echo "FAIL: the replay did not stop at the end of its history"; exit 1; }
echo "PASS: $lines lines of gdb output identical natively and in the replay"
