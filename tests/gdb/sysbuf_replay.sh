#!/usr/bin/env bash
# A program whose reads go through the syscall buffer, under gdb: `catch
# syscall pread64` stops at every one of them, as natively (the replay
# answers buffered syscalls in the thread only while no syscall is
# caught), and reverse-continue across them comes back to the last read's
# note() with that read's bytes in memory.
# usage: sysbuf_replay.sh REWIND DEBUGGEE
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rewind=$1
prog=$2
sysbuf_gdb_start sysbuf-gdb

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out")
buffered=$("$rewind" dump "$dir/t.trace" | grep -c 'syscall-exit pread64.*rip 0x70000042$' || true)
[ "$buffered" -ge 300 ] || { echo "FAIL: only $buffered reads made through the buffer"; exit 1; }

# Every stop at a caught pread64 (its call and its return) counted.
cat >"$dir/count.gdb" <<'GDB'
set $hits = 0
catch syscall pread64
commands 2
silent
set $hits = $hits + 1
continue
end
GDB
commands=(
	-ex 'break main'
	-ex 'RUN'
	-x "$dir/count.gdb"
	-ex 'break reads_done'
	-ex 'continue'
	-ex 'p $hits'
	-ex 'p calls'
)
gdb_both "$dir/native.raw" "$dir/replay.raw" "${commands[@]}"
filter() {
	grep -E '^\$[0-9]+ = ' "$1"
}
filter "$dir/native.raw" >"$dir/native.txt"
filter "$dir/replay.raw" >"$dir/replay.txt"
if ! diff -u "$dir/native.txt" "$dir/replay.txt" || [ "$(sed -n 1p "$dir/replay.txt")" != '$1 = 600' ]; then
	cat "$dir/replay.raw"
	echo "FAIL: catch syscall pread64 did not stop at each of 300 buffered reads (call and return)"
	exit 1
fi

# Back from after the loop to the last read's note(), then to the one before.
timeout 120 "$rewind" replay "$dir/t.trace" -- -nx -batch \
	-ex 'break reads_done' -ex 'continue' -ex 'break note' \
	-ex 'reverse-continue' -ex 'p i' -ex 'p calls' -ex 'p (int)b[0]' \
	-ex 'reverse-continue' -ex 'p i' -ex 'p calls' -ex 'p (int)b[0]' \
	-ex 'continue' -ex 'p i' >"$dir/reverse.raw" 2>&1 </dev/null || true
byte() {
	od -An -t d1 -j "$1" -N 1 "$prog" | tr -d ' '
}
printf '%s\n' '$1 = 299' '$2 = 300' "\$3 = $(byte 299)" '$4 = 298' '$5 = 299' \
	"\$6 = $(byte 298)" '$7 = 299' >"$dir/reverse.want"
grep -E '^\$[0-9]+ = ' "$dir/reverse.raw" >"$dir/reverse.txt" || true
if ! diff -u "$dir/reverse.want" "$dir/reverse.txt"; then
	cat "$dir/reverse.raw"
	echo "FAIL: reverse-continue across buffered reads"
	exit 1
fi
echo "PASS: 600 catch stops at 300 buffered reads as natively; reverse-continue across them"
