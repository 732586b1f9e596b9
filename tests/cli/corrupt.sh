#!/usr/bin/env bash
# Damaged traces get clear one-line errors, never a crash or a hang:
# truncated (every complete chunk still read), a flipped byte (the chunk's
# offset named), an unknown major version (refused).
# usage: corrupt.sh PROGRAM
. "$(dirname "$0")/lib.sh"
prog=$1

run_status st "$REWIND" rec -o "$dir/t.trace" "$prog" >/dev/null
[ "$st" = 0 ] || fail "rec exited $st"
size=$(stat -c %s "$dir/t.trace")
"$REWIND" dump "$dir/t.trace" | grep '^#' >"$dir/full.events"
full_events=$(wc -l <"$dir/full.events")

# Cut at several places: info says truncated, dump gives a prefix of the events.
for frac in 10 35 60 85 99; do
	cut=$((size * frac / 100 + 3))
	head -c "$cut" "$dir/t.trace" >"$dir/cut.trace"
	run_status st "$REWIND" info "$dir/cut.trace" >"$dir/info.out" 2>"$dir/info.err"
	[ "$st" = 0 ] || fail "info on a trace cut at $cut exited $st"
	expect_grep "truncated" "$dir/info.err"
	run_status st "$REWIND" dump "$dir/cut.trace" >"$dir/dump.out" 2>/dev/null
	[ "$st" = 0 ] || fail "dump on a trace cut at $cut exited $st"
	n=$(grep -c '^#' "$dir/dump.out" || true)
	[ "$n" -le "$full_events" ] || fail "cut trace has more events ($n) than the whole ($full_events)"
	{ grep '^#' "$dir/dump.out" || true; } >"$dir/cut.events"
	head -n "$n" "$dir/full.events" | cmp - "$dir/cut.events" ||
		fail "events of the cut trace differ from the whole trace's"
	run_status st "$REWIND" replay -a "$dir/cut.trace" >/dev/null 2>"$dir/replay.err"
	[ "$st" = 1 ] || fail "replay of a cut trace exited $st"
	expect_grep "ends at event|truncated|not a rewind trace|header" "$dir/replay.err"
done

# Flip one byte in the middle of the chunks.
cp "$dir/t.trace" "$dir/flip.trace"
off=$((size / 2))
orig=$(od -An -tu1 -j "$off" -N1 "$dir/flip.trace" | tr -d ' ')
printf "$(printf '\\%03o' $(((orig + 1) % 256)))" | dd of="$dir/flip.trace" bs=1 seek="$off" conv=notrunc status=none
run_status st "$REWIND" dump "$dir/flip.trace" >/dev/null 2>"$dir/flip.err"
[ "$st" = 1 ] || fail "dump of a trace with a flipped byte exited $st"
expect_grep "chunk at offset [0-9]+" "$dir/flip.err"
run_status st "$REWIND" replay -a "$dir/flip.trace" >/dev/null 2>"$dir/flip.err"
[ "$st" = 1 ] || fail "replay of a trace with a flipped byte exited $st"
expect_grep "chunk at offset [0-9]+" "$dir/flip.err"

# Major version 99 (bytes 8..11, little-endian).
cp "$dir/t.trace" "$dir/v.trace"
printf '\143\000\000\000' | dd of="$dir/v.trace" bs=1 seek=8 conv=notrunc status=none
run_status st "$REWIND" info "$dir/v.trace" >/dev/null 2>"$dir/v.err"
[ "$st" = 1 ] || fail "info on a trace of version 99 exited $st"
expect_grep "version 99\.[0-9]+ is not supported" "$dir/v.err"
[ "$(wc -l <"$dir/v.err")" = 1 ] || fail "version refusal is not one line"

# Not a trace at all.
head -c 5000 /dev/urandom >"$dir/random.trace"
run_status st "$REWIND" replay -a "$dir/random.trace" >/dev/null 2>"$dir/r.err"
[ "$st" = 1 ] || fail "replay of random bytes exited $st"
expect_grep "not a rewind trace" "$dir/r.err"
echo "PASS: damaged traces refused cleanly"
