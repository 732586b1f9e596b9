#!/usr/bin/env bash
# catch syscall, rwatch and awatch on a replay print what they print on a
# native run of the same binary: the syscall called and returned, its
# arguments and result, and the values a read or access watchpoint shows.
# usage: catch_watch.sh REWIND DEBUGGEE
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-catch.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces

commands=(
	-ex 'break main'
	-ex 'RUN'
	-ex 'rwatch counter'
	-ex 'continue' -ex 'continue'
	-ex 'delete'
	-ex 'awatch counter'
	-ex 'continue' -ex 'continue'
	-ex 'delete'
	-ex 'catch syscall openat read'
	-ex 'continue' -ex 'p $rsi != 0'
	-ex 'continue' -ex 'p $rax'
	-ex 'continue' -ex 'p $rdi' -ex 'p $rdx'
	-ex 'continue' -ex 'p $rax'
	-ex 'delete'
	-ex 'catch syscall write'
	-ex 'continue' -ex 'p $rdi' -ex 'p $rdx'
	-ex 'continue' -ex 'p $rax'
	-ex 'delete'
	-ex 'continue'
)
(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out") || true
gdb_both "$dir/native.raw" "$dir/replay.raw" "${commands[@]}"

# Catchpoints (without the address: the replay stops at a caught syscall's
# instruction, before it runs), values, watchpoint reports and the exit.
filter() {
	grep -E '^(\$[0-9]+ = |Catchpoint [0-9]+ \(|Hardware (read|access \(read/write\)) watchpoint|Value = |Old value = |New value = |\[Inferior 1 \(process [0-9]+\) exited)' "$1" |
		sed -E 's/process [0-9]+/process PID/; s/^(Catchpoint [0-9]+ \([^)]*\)).*/\1/'
}
filter "$dir/native.raw" >"$dir/native.txt"
filter "$dir/replay.raw" >"$dir/replay.txt"
if ! diff -u "$dir/native.txt" "$dir/replay.txt"; then
	echo "---- replay gdb output:"
	cat "$dir/replay.raw"
	echo "FAIL: catch syscall / rwatch / awatch on the replay differ from a native run"
	exit 1
fi
for want in 'call to syscall write' 'returned from syscall write' 'call to syscall read' \
	'returned from syscall openat' 'Hardware read watchpoint' 'Hardware access (read/write) watchpoint'; do
	grep -qF "$want" "$dir/replay.txt" || { cat "$dir/replay.raw"; echo "FAIL: no '$want'"; exit 1; }
done

# Back from a caught syscall's return: reverse-stepi comes to its syscall
# instruction, then to the two before it (each further back), and stepi goes
# forward over the same ones again.
back=(-nx -batch -ex 'break main' -ex continue -ex 'catch syscall write' -ex continue -ex continue)
for m in R1 R2 R3; do back+=(-ex reverse-stepi -ex "echo $m\\n" -ex 'p/x $pc'); done
for m in F2 F1; do back+=(-ex stepi -ex "echo $m\\n" -ex 'p/x $pc'); done
timeout 120 "$rewind" replay "$dir/t.trace" -- "${back[@]}" >"$dir/back.raw" 2>&1 </dev/null || true
pc() { awk -v m="$1" '$0 == m { getline; sub(/^\$[0-9]+ = /, ""); print }' "$dir/back.raw"; }
r1=$(pc R1) r2=$(pc R2) r3=$(pc R3) f2=$(pc F2) f1=$(pc F1)
if grep -q 'did not come to the point' "$dir/back.raw" || [ -z "$r3" ] ||
	[ $((r2)) -ge $((r1)) ] || [ $((r3)) -ge $((r2)) ] || [ "$f2" != "$r2" ] || [ "$f1" != "$r1" ]; then
	cat "$dir/back.raw"
	echo "FAIL: reverse-stepi from a caught syscall's return: $r1 $r2 $r3, forward again $f2 $f1"
	exit 1
fi
echo "PASS: $(wc -l <"$dir/native.txt") lines identical natively and in the replay; reverse-stepi from a caught syscall's return"
