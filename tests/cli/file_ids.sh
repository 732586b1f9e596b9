#!/usr/bin/env bash
# The store of file hashes ($REWIND_CACHE_DIR/file-ids-1): a recording
# keeps the hash of each file it stored under the file's identity (device,
# inode, size, modification and change times), and a later recording of a
# file of the same identity takes the hash from there. A file changed in
# place (same size, its modification time put back) has another change
# time: it is hashed again, and its recording replays with the new bytes.
# Damaged records are not used; a file changed less than a second before it
# is hashed is not kept; REWIND_CACHE_DIR= keeps no store.
# usage: file_ids.sh TAGGED_PROGRAM
. "$(dirname "$0")/lib.sh"
store=$REWIND_CACHE_DIR/file-ids-1
prog=$dir/tagged
cp "$1" "$prog"
touch -d '2020-01-01 00:00:00' "$prog"

record() { # record NAME: a recording of the copy that replays as it ran
	run_status st "$REWIND" rec -o "$dir/$1.trace" "$prog" >"$dir/$1.out" 2>"$dir/$1.err"
	echo "$st" >"$dir/$1.status"
	run_status rst "$REWIND" replay -a "$dir/$1.trace" >"$dir/$1.replay" 2>"$dir/$1.replay.err"
	[ "$rst" = 0 ] || { cat "$dir/$1.replay.err"; fail "$1: replay exited $rst"; }
	cmp -s "$dir/$1.out" "$dir/$1.replay" || fail "$1: the replay printed other things"
}
records() { echo $(($(stat -c %s "$store") / 72)); }

# Changed just now (the copy): not kept.
record fresh
[ -f "$store" ] || fail "no store of file hashes after a recording"
grep -q tagged <(strings "$store") && fail "the store holds a path"
fresh=$(records)
sleep 1.2

record first
n=$(records)
[ "$n" = $((fresh + 1)) ] || fail "the first recording added $((n - fresh)) records, not the program's one"
[ $(($(stat -c %s "$store") % 72)) = 0 ] || fail "the store's size is not a whole number of records"

record second
[ "$(records)" = "$n" ] || fail "the second recording hashed again: the store grew to $(records)"
cmp -s "$dir/first.out" "$dir/second.out" || fail "the second recording ran otherwise"

# The tag changed in place, same size, modification time put back.
at=$(LC_ALL=C grep -obUa 'TAG:AAAAAAAA' "$prog" | head -1 | cut -d: -f1)
[ -n "$at" ] || fail "no tag in the program"
inode=$(stat -c %i "$prog")
touch -r "$prog" "$dir/mtime"
printf 'TAG:BBBBBBBB' | dd of="$prog" bs=1 seek="$at" conv=notrunc status=none
touch -r "$dir/mtime" "$prog"
[ "$(stat -c %i "$prog")" = "$inode" ] || fail "the copy was not changed in place"
[ "$(stat -c %s "$prog")" = "$(stat -c %s "$1")" ] || fail "the changed copy has another size"
sleep 1.2
record changed
grep -q "tag TAG:BBBBBBBB" "$dir/changed.out" || fail "the changed copy did not run: $(cat "$dir/changed.out")"
cmp -s "$dir/first.status" "$dir/changed.status" &&
	fail "the changed copy exited as the first did: the test cannot tell the copies apart"
[ "$(records)" = $((n + 1)) ] || fail "the changed copy was not hashed again ($(records) records)"

# Every record damaged: none used, the files hashed again (and added).
size=$(stat -c %s "$store")
for ((at = 5; at < size; at += 72)); do
	printf '\377' | dd of="$store" bs=1 seek="$at" conv=notrunc status=none
done
record damaged
[ "$(records)" -gt $((size / 72)) ] || fail "damaged records were taken: nothing was hashed again"

# No store when REWIND_CACHE_DIR is empty.
mkdir "$dir/home"
HOME=$dir/home REWIND_CACHE_DIR= run_status st "$REWIND" rec -o "$dir/none.trace" "$prog" >/dev/null 2>&1
[ -z "$(ls -A "$dir/home")" ] || fail "REWIND_CACHE_DIR= made a store in \$HOME"
echo "PASS: file hashes kept, reused, redone for a changed file, checked"
