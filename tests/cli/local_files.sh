#!/usr/bin/env bash
# A replay on the machine that recorded takes each stored file from its
# recorded path when the file there still has the same contents, and then
# does not inflate the trace's copy (whose chunks' CRCs are still checked);
# a file changed since is not used, the trace's copy is.
# usage: local_files.sh PROGRAM TRACE_EDIT
. "$(dirname "$0")/lib.sh"
prog=$1
edit=$2

mkdir "$dir/bin"
cp "$prog" "$dir/bin/subject"
subject=$(realpath "$dir/bin/subject")
cd "$dir"
run_status st "$REWIND" rec -o "$dir/t.trace" "$subject" copy >"$dir/rec.out"
[ "$st" = 0 ] || fail "rec exited $st"
# The subject's stored copy made unreadable, its chunk's CRC still matching.
off=$("$edit" "$dir/t.trace" "$dir/g.trace" garble-file "$subject")
[ -n "$off" ] || fail "no chunk holds the stored copy of $subject"

# The subject is unchanged: its copy in the trace is not needed.
run_status st "$REWIND" replay -a "$dir/g.trace" >"$dir/replay.out" 2>"$dir/replay.err"
[ "$st" = 0 ] || { cat "$dir/replay.err"; fail "replay with the file unchanged exited $st"; }
cmp "$dir/rec.out" "$dir/replay.out" || fail "replayed output differs"

# Told not to use local files, the replay reads the garbled chunk and says so.
REWIND_NO_LOCAL_FILES=1 run_status st "$REWIND" replay -a "$dir/g.trace" >/dev/null 2>"$dir/nolocal.err"
[ "$st" = 1 ] || fail "replay of the garbled trace without local files exited $st"
expect_grep "chunk at offset $off" "$dir/nolocal.err"

# One byte of the subject changed in place, same size: it must not be used.
size=$(stat -c %s "$subject")
at=$((size / 2))
orig=$(od -An -tu1 -j "$at" -N1 "$subject" | tr -d ' ')
printf "$(printf '\\%03o' $(((orig + 1) % 256)))" | dd of="$subject" bs=1 seek="$at" conv=notrunc status=none
[ "$(stat -c %s "$subject")" = "$size" ] || fail "the subject changed size"
run_status st "$REWIND" replay -a "$dir/g.trace" >/dev/null 2>"$dir/changed.err"
[ "$st" = 1 ] || fail "replay used the changed file (exited $st)"
expect_grep "chunk at offset $off" "$dir/changed.err"
# The intact trace replays the recorded run from its own copy.
run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/replay2.out" 2>"$dir/replay2.err"
[ "$st" = 0 ] || { cat "$dir/replay2.err"; fail "replay with the file changed exited $st"; }
cmp "$dir/rec.out" "$dir/replay2.out" || fail "replayed output differs with the file changed"
echo "PASS: unchanged local files used, changed ones not"
