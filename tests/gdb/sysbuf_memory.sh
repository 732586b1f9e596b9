#!/usr/bin/env bash
# libc's changes of the address space made through the syscall buffer
# (brk, anonymous mmap, mprotect, munmap from patched sites), under gdb: a
# watchpoint on a cell of the heap that buffered brk calls grow and give
# back triggers as often as natively, with the same values, `catch syscall
# brk mprotect` stops at as many calls as natively, and the program ends
# with the sum it printed natively; going back over the last rounds,
# reverse-continue meets the watchpoint's triggers again, as in a recording
# made without the buffer.
# usage: sysbuf_memory.sh REWIND DEBUGGEE
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rewind=$1
prog=$2
sysbuf_gdb_start memory-gdb

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out" 2>"$dir/rec.err")
buffered=$("$rewind" dump "$dir/t.trace" | grep -cE 'syscall-exit (brk|mprotect|munmap|mmap)\(.*rip 0x70000042$' || true)
[ "$buffered" -ge 60 ] || { echo "FAIL: only $buffered address space changes made through the buffer"; exit 1; }

# continue_all FILE N: a gdb script that continues N times (to the end and past it).
continue_all() {
	printf 'set $i = 0\nwhile $i < %d\n  continue\n  set $i = $i + 1\nend\n' "$2" >"$1"
}
continue_all "$dir/continue.gdb" 400
commands=(
	-ex 'break rounds_start'
	-ex 'RUN'
	-ex 'watch -l *(long *)sbrk(0)'
	-x "$dir/continue.gdb"
)
gdb_both "$dir/native.raw" "$dir/replay.raw" "${commands[@]}"
triggers() { grep -cE '^Hardware watchpoint [0-9]+: -location' "$1" || true; }
values() { grep -E '^New value = ' "$1" | tr '\n' ' '; }
n=$(triggers "$dir/native.raw")
[ "$n" -ge 40 ] || { cat "$dir/native.raw"; echo "FAIL: natively the watchpoint triggered $n times"; exit 1; }
[ "$(triggers "$dir/replay.raw")" = "$n" ] ||
	{ cat "$dir/replay.raw"; echo "FAIL: the watchpoint triggered $(triggers "$dir/replay.raw") times in the replay, $n natively"; exit 1; }
[ "$(values "$dir/replay.raw")" = "$(values "$dir/native.raw")" ] ||
	{ echo "native: $(values "$dir/native.raw")"; echo "replay: $(values "$dir/replay.raw")"; echo "FAIL: the watchpoint saw other values"; exit 1; }

commands=(
	-ex 'break rounds_start'
	-ex 'RUN'
	-ex 'catch syscall brk mprotect'
	-x "$dir/continue.gdb"
)
gdb_both "$dir/native-c.raw" "$dir/replay-c.raw" "${commands[@]}"
calls() { grep -cE "^Catchpoint [0-9]+ \\(call to syscall $2\\)" "$1" || true; }
for sc in brk mprotect; do
	n=$(calls "$dir/native-c.raw" $sc)
	[ "$n" -ge 40 ] || { cat "$dir/native-c.raw"; echo "FAIL: natively $n calls of $sc caught"; exit 1; }
	[ "$(calls "$dir/replay-c.raw" $sc)" = "$n" ] ||
		{ cat "$dir/replay-c.raw"; echo "FAIL: $(calls "$dir/replay-c.raw" $sc) calls of $sc caught in the replay, $n natively"; exit 1; }
done
want=$(grep '^sum ' "$dir/rec.out")
grep -qx "$want" "$dir/replay-c.raw" ||
	{ cat "$dir/replay-c.raw"; echo "FAIL: the replay under gdb did not print '$want'"; exit 1; }

# Back from the end: the last rounds' triggers, met again going backwards,
# with the values a recording without the buffer (traced brk) shows.
cat >"$dir/back.gdb" <<'GDB'
break rounds_start
continue
watch -l *(long *)sbrk(0)
disable 2
continue
enable 2
set $b = 0
while $b < 6
  reverse-continue
  set $b = $b + 1
end
GDB
(cd "$dir" && REWIND_NO_SYSCALL_BUFFER=1 "$rewind" rec -o "$dir/traced.trace" "$prog" >/dev/null 2>&1)
for t in t traced; do
	timeout 120 "$rewind" replay "$dir/$t.trace" -- -nx -batch -x "$dir/back.gdb" \
		>"$dir/back-$t.raw" 2>&1 </dev/null || true
	# The watchpoint's own line when it is set is not a trigger.
	[ "$(($(triggers "$dir/back-$t.raw") - 1))" = 6 ] ||
		{ cat "$dir/back-$t.raw"; echo "FAIL: reverse-continue ($t) met the watchpoint $(($(triggers "$dir/back-$t.raw") - 1)) times, not 6"; exit 1; }
done
[ "$(values "$dir/back-t.raw")" = "$(values "$dir/back-traced.raw")" ] ||
	{ echo "buffered: $(values "$dir/back-t.raw")"; echo "traced: $(values "$dir/back-traced.raw")"; echo "FAIL: going back, the watchpoint saw other values than without the buffer"; exit 1; }
echo "PASS: buffered brk, mmap, mprotect and munmap under gdb: watchpoint and catchpoint counts as natively, and back"
