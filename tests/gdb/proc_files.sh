#!/usr/bin/env bash
# The replayed process's /proc files over vFile: gdb finds its mappings at
# once (no "unable to open /proc file" warning), `info proc mappings` lists
# the files the recording mapped under their recorded paths, at the
# addresses, offsets and permissions a native run of the program shows (a
# MAP_SHARED file's working copy too), and `info proc` its command line.
# usage: proc_files.sh REWIND DEBUGGEE SHARED_FILE_PROGRAM
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rewind=$1
prog=$2
shared_prog=$3
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- $1:"; cat "$1"; echo "FAIL: $2"; exit 1; }

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out") || true
gdb_both "$dir/native.out" "$dir/replay.out" -ex 'break compute' -ex RUN \
	-ex 'info proc mappings' -ex 'info proc'
grep -q 'unable to open /proc file' "$dir/replay.out" && fail "$dir/replay.out" "gdb could not open a /proc file"
grep -q '^Breakpoint 1, compute' "$dir/replay.out" || fail "$dir/replay.out" "no stop in compute"

# The mappings of files: start, end, offset, permissions and path.
files() { awk '$1 ~ /^0x/ && $NF ~ /^\// { print $1, $2, $4, $5, $NF }' "$1"; }
files "$dir/native.out" >"$dir/native.maps"
files "$dir/replay.out" >"$dir/replay.maps"
grep -q " $(realpath "$prog")\$" "$dir/replay.maps" || fail "$dir/replay.out" "the program is not in the mappings"
grep -q ' /.*/libc\.so\.6$' "$dir/replay.maps" || fail "$dir/replay.out" "libc is not in the mappings"
diff -u "$dir/native.maps" "$dir/replay.maps" || fail "$dir/replay.out" "the mappings of files differ from a native run"
grep -qE '^ +0x[0-9a-f]+ +0x[0-9a-f]+ +0x[0-9a-f]+ +0x0 +r-xp +\[vdso\]$' "$dir/replay.out" ||
	fail "$dir/replay.out" "no [vdso] in the mappings"
native_cmdline=$(grep '^cmdline = ' "$dir/native.out")
[ "$(grep '^cmdline = ' "$dir/replay.out")" = "$native_cmdline" ] ||
	fail "$dir/replay.out" "the command line is not the native run's ($native_cmdline)"

# A MAP_SHARED file (the replay maps a working copy of it) at the process's first fork.
(cd "$dir" && "$rewind" rec -o "$dir/s.trace" "$shared_prog" >"$dir/srec.out") || true
timeout 120 "$rewind" replay "$dir/s.trace" -- -nx -batch -ex 'catch syscall clone clone3' \
	-ex continue -ex 'info proc mappings' >"$dir/shared.out" 2>&1 </dev/null || true
grep -q 'unable to open /proc file' "$dir/shared.out" && fail "$dir/shared.out" "gdb could not open a /proc file"
grep -qE '^ +0x[0-9a-f]+ +0x[0-9a-f]+ +0x2000 +0x0 +rw-s +/tmp/rewind-shared-file-[A-Za-z0-9]{6}$' \
	"$dir/shared.out" || fail "$dir/shared.out" "the shared file is not in the mappings under its path"
echo "PASS: /proc maps and cmdline of the replay, the files at their recorded paths"
