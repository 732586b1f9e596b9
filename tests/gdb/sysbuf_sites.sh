#!/usr/bin/env bash
# A program whose reads are libc's own (an unbuffered stdio stream), made
# through a syscall site the recorder patched, under gdb: `catch syscall
# read` stops at such a read's call, `stepi` goes from there through the
# syscall buffer's library and the site's stub back into libc's read
# after the site, and the program goes on to its end with the sum it
# printed natively.
# usage: sysbuf_sites.sh REWIND DEBUGGEE
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rewind=$1
prog=$2
sysbuf_gdb_start sites-gdb

(cd "$dir" && "$rewind" rec -v -o "$dir/t.trace" "$prog" >"$dir/rec.out" 2>"$dir/rec.err")
grep -Eq 'syscall buffer: .* [1-9][0-9]* sites patched' "$dir/rec.err" ||
	{ cat "$dir/rec.err"; echo "FAIL: no syscall site patched"; exit 1; }
buffered=$("$rewind" dump "$dir/t.trace" | grep -c 'syscall-exit read(.*rip 0x70000042$' || true)
[ "$buffered" -ge 40 ] || { echo "FAIL: only $buffered of libc's reads made through the buffer"; exit 1; }
want=$(grep '^sum ' "$dir/rec.out")

cat >"$dir/steps.gdb" <<'GDB'
break reads_start
continue
catch syscall read
continue
delete
set $n = 0
while $n < 5000 && !($pc >= (long)&__read && $pc < (long)&__read + 256)
  stepi
  set $n = $n + 1
end
printf "stepped back into read: %d\n", $n < 5000 && $n > 0
continue
GDB
timeout 120 "$rewind" replay "$dir/t.trace" -- -nx -batch -x "$dir/steps.gdb" \
	>"$dir/replay.raw" 2>&1 </dev/null || true
grep -q '^Catchpoint .*call to syscall read' "$dir/replay.raw" ||
	{ cat "$dir/replay.raw"; echo "FAIL: catch syscall read did not stop at a read's call"; exit 1; }
grep -q '^stepped back into read: 1$' "$dir/replay.raw" ||
	{ cat "$dir/replay.raw"; echo "FAIL: stepi did not come back into libc's read"; exit 1; }
grep -qx "$want" "$dir/replay.raw" ||
	{ cat "$dir/replay.raw"; echo "FAIL: the replay under gdb did not print '$want'"; exit 1; }
echo "PASS: a read at a patched site caught, stepped back into libc, and the replay ends as recorded"
