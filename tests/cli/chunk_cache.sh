#!/usr/bin/env bash
# The store of compressed stored files: a recording keeps the chunks the
# trace got for each file it stored in $REWIND_CACHE_DIR/chunks-2, named by
# the file's hash, and a later recording of the same files takes them from
# there (the entry is touched: least recently used goes first) instead of
# deflating the files again; its trace replays as the first did. A
# damaged entry (a flipped byte, whose chunk CRC no longer matches) and an
# entry under another file's name are not used: they are replaced by the
# right chunks. REWIND_CACHE_DIR= (empty) keeps no store; the store is kept
# within REWIND_CACHE_MAX.
# usage: chunk_cache.sh PROGRAM
. "$(dirname "$0")/lib.sh"
prog=$1
store=$REWIND_CACHE_DIR/chunks-2

record() { # record NAME: a recording of the program that replays as it ran
	run_status st "$REWIND" rec -o "$dir/$1.trace" "$prog" >"$dir/$1.out" 2>"$dir/$1.err"
	[ "$st" = 0 ] || { cat "$dir/$1.err"; fail "$1: rec exited $st"; }
	run_status st "$REWIND" replay -a "$dir/$1.trace" >"$dir/$1.replay" 2>"$dir/$1.replay.err"
	[ "$st" = 0 ] || { cat "$dir/$1.replay.err"; fail "$1: replay exited $st"; }
	cmp -s "$dir/$1.out" "$dir/$1.replay" || fail "$1: the replay printed other things"
}

same_as_saved() { # same_as_saved WHAT: the store holds exactly the saved entries
	local f
	for f in "$dir/saved"/*; do
		cmp -s "$f" "$store/${f##*/}" || fail "$1: ${f##*/} is not the chunks it was"
	done
	[ "$(ls "$store" | wc -l)" = "$(ls "$dir/saved" | wc -l)" ] || fail "$1: entries came or went"
}

record first
n=$(ls "$store" | wc -l)
[ "$n" -ge 3 ] || fail "the store has $n entries, not one per stored file (program, loader, libc, ...)"
for f in "$store"/*; do
	[[ ${f##*/} =~ ^[0-9a-f]{32}$ ]] || fail "an entry is named ${f##*/}, not a hash"
done
mkdir "$dir/saved"
cp -p "$store"/* "$dir/saved/"

# Taken from the store: every entry used, none written again.
touch -d 2001-01-01 "$store"/*
record second
for f in "$store"/*; do
	[ "$(stat -c %Y "$f")" -gt 1000000000 ] || fail "${f##*/} was not used by the second recording"
done
same_as_saved "second recording"
[ "$(stat -c %s "$dir/second.trace")" -le $(($(stat -c %s "$dir/first.trace") + 4096)) ] ||
	fail "the second trace is larger than the first"

# A flipped byte in the middle of every entry: none is used, each replaced.
for f in "$store"/*; do
	size=$(stat -c %s "$f")
	at=$((size / 2))
	orig=$(od -An -tu1 -j "$at" -N1 "$f" | tr -d ' ')
	printf "$(printf '\\%03o' $(((orig + 1) % 256)))" | dd of="$f" bs=1 seek="$at" conv=notrunc status=none
done
record damaged
same_as_saved "after damaged entries"

# Two entries under each other's names: both replaced.
set -- "$store"/*
mv "$1" "$dir/swap" && mv "$2" "$1" && mv "$dir/swap" "$2"
record swapped
same_as_saved "after swapped entries"

# No store at all when REWIND_CACHE_DIR is empty.
mkdir "$dir/home"
HOME=$dir/home REWIND_CACHE_DIR= run_status st "$REWIND" rec -o "$dir/none.trace" "$prog" >/dev/null 2>&1
[ "$st" = 0 ] || fail "rec without a store exited $st"
[ -z "$(ls -A "$dir/home")" ] || fail "REWIND_CACHE_DIR= made a store in \$HOME"

# Within REWIND_CACHE_MAX: a limit smaller than one entry empties the store.
rm -f "$store"/*
REWIND_CACHE_MAX=1K record limited
total=$(find "$store" -type f -printf '%s\n' | awk '{ t += $1 } END { print t + 0 }')
[ "$total" -le 1024 ] || fail "the store holds $total bytes, over REWIND_CACHE_MAX=1K"
echo "PASS: stored files' chunks kept, reused, checked, replaced and kept within the limit"
