#!/usr/bin/env bash
# Calls on paths stay traced in a thread whose buffer is registered while
# a filesystem a process may serve (FUSE, here) is mounted, though the
# recorder read the mount table for an earlier thread before the mount:
# the kernel's report that the mounts changed makes it read it again.
# The program mounts in a mount namespace of its own (unshare -m), where
# the mount ends with it.
# usage: served_fs.sh PROGRAM
. "$(dirname "$0")/lib.sh"
prog=$1

[ -c /dev/fuse ] || fail "no /dev/fuse on this machine: the test mounts a FUSE filesystem"
mkdir "$dir/mnt"
run_status st unshare -m --propagation private "$REWIND" rec -o "$dir/t.trace" "$prog" "$dir/mnt" \
	>"$dir/rec.out" 2>"$dir/rec.err"
[ "$st" = 0 ] || { cat "$dir/rec.err"; fail "rec exited $st"; }
expect_grep EXIT-SUCCESS "$dir/rec.out"
"$REWIND" dump "$dir/t.trace" >"$dir/dump"
before=$(grep -c 'syscall-entry newfstatat(AT_FDCWD, "/\./", .* rip 0x70000042$' "$dir/dump" || true)
after=$(grep -c 'syscall-entry newfstatat(AT_FDCWD, "/\./\./", .* rip 0x70000042$' "$dir/dump" || true)
after_all=$(grep -c 'syscall-entry newfstatat(AT_FDCWD, "/\./\./"' "$dir/dump" || true)
[ "$before" = 1 ] || fail "the stat before the mount was not buffered ($before buffered)"
[ "$after_all" = 1 ] || fail "the stat after the mount is not in the trace once ($after_all times)"
[ "$after" = 0 ] || fail "the stat after the mount, with FUSE mounted, was buffered"
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay.out" 2>"$dir/replay.err"
[ "$st" = 0 ] || { cat "$dir/replay.err"; fail "replay exited $st"; }
cmp "$dir/rec.out" "$dir/replay.out" || fail "replayed output differs"
echo "PASS: a thread registered after a FUSE mount makes its calls on paths traced"
