#!/usr/bin/env bash
# Stored files the replaying machine has already are not inflated from the
# trace: a replay takes each from the store of files shared by replays, or
# else from its recorded path when the file there still has the same
# contents (and adds it to the store). A file changed since is not used.
# Files extracted from the trace go to the store once checked; the store is
# kept within REWIND_CACHE_MAX; directories of killed replays are removed.
# The chunks of files not inflated still have their CRCs checked.
# usage: local_files.sh PROGRAM TRACE_EDIT
. "$(dirname "$0")/lib.sh"
prog=$1
edit=$2
store=$REWIND_CACHE_DIR/files

# in_store FILE: true if the store holds a file with FILE's contents.
in_store() {
	local f
	for f in "$store"/*; do
		[ -f "$f" ] && cmp -s "$f" "$1" && return 0
	done
	return 1
}

# replay_fails TRACE WHAT: the replay must fail, naming the garbled chunk.
replay_fails() {
	run_status st "$REWIND" replay -a "$1" >/dev/null 2>"$dir/fail.err"
	[ "$st" = 1 ] || fail "$2 (replay exited $st)"
	expect_grep "chunk at offset $off" "$dir/fail.err"
}

replay_same() {
	run_status st "$REWIND" replay -a "$1" >"$dir/replay.out" 2>"$dir/replay.err"
	[ "$st" = 0 ] || { cat "$dir/replay.err"; fail "$2 (replay exited $st)"; }
	cmp "$dir/rec.out" "$dir/replay.out" || fail "$2: replayed output differs"
}

mkdir "$dir/bin"
cp "$prog" "$dir/bin/subject"
cp "$prog" "$dir/original"
subject=$(realpath "$dir/bin/subject")
cd "$dir"
run_status st "$REWIND" rec -o "$dir/t.trace" "$subject" copy >"$dir/rec.out"
[ "$st" = 0 ] || fail "rec exited $st"
# The subject's stored copy made unreadable, its chunk's CRC still matching.
off=$("$edit" "$dir/t.trace" "$dir/g.trace" garble-file "$subject")
[ -n "$off" ] || fail "no chunk holds the stored copy of $subject"

# The subject is unchanged: its copy in the trace is not needed, and the
# subject goes to the store.
replay_same "$dir/g.trace" "the subject unchanged"
in_store "$dir/original" || fail "the subject was not added to the store"
# Told not to use this machine's files, the replay reads the garbled chunk.
REWIND_NO_LOCAL_FILES=1 replay_fails "$dir/g.trace" "replayed without local files"

# One byte of the subject changed in place, same size: the store has it.
size=$(stat -c %s "$subject")
at=$((size / 2))
orig=$(od -An -tu1 -j "$at" -N1 "$subject" | tr -d ' ')
printf "$(printf '\\%03o' $(((orig + 1) % 256)))" | dd of="$subject" bs=1 seek="$at" conv=notrunc status=none
[ "$(stat -c %s "$subject")" = "$size" ] || fail "the subject changed size"
replay_same "$dir/g.trace" "the subject changed, its original in the store"

# Without the store, the changed subject must not be used.
rm -rf "$REWIND_CACHE_DIR"
replay_fails "$dir/g.trace" "replay used the changed file"
# The intact trace replays from its own copy, which then goes to the store.
replay_same "$dir/t.trace" "the subject changed, the trace's copy"
in_store "$dir/original" || fail "the extracted subject was not added to the store"
replay_same "$dir/g.trace" "the store filled from the trace"

# A store file whose size is wrong is not used.
for f in "$store"/*; do
	cmp -s "$f" "$dir/original" && truncate -s -1 "$f"
done
replay_fails "$dir/g.trace" "replay used a store file of the wrong size"

# Over the size limit, the least recently used files go; the directory of
# a replay whose process is gone is removed.
sleep 0.01 &
wait $!
mkdir "$REWIND_CACHE_DIR/replay-$!-stale"
touch "$REWIND_CACHE_DIR/replay-$!-stale/0123"
rm -rf "$store"
REWIND_CACHE_MAX=1K replay_same "$dir/t.trace" "a replay with a 1 KiB store"
[ -z "$(ls -A "$store")" ] || fail "the store holds $(du -sh "$store") over its 1 KiB limit"
[ ! -e "$REWIND_CACHE_DIR/replay-$!-stale" ] || fail "a killed replay's directory stayed"
[ -z "$(ls -d "$REWIND_CACHE_DIR"/replay-* 2>/dev/null)" ] || fail "a replay left its directory"
echo "PASS: files taken from the store and from this machine, changed ones not"
