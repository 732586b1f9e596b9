#!/usr/bin/env bash
# Where traces are written. `rec -o FILE` never writes through a symlink at
# FILE and never keeps an old file's mode: FILE becomes a new 0600 trace
# that replays. A recorder killed mid-run leaves its trace under FILE, no
# temporary file. REWIND_DIR keeps the mode of a directory that exists,
# the directories rewind makes are 0700, and a REWIND_DIR that is (or is
# under) a file is a one-line error naming it.
# usage: trace_files.sh WRITER WAITER
. "$(dirname "$0")/lib.sh"
prog=$1 waiter=$2

# no_temp_files DIR: no temporary trace file stays in DIR.
no_temp_files() {
	local left
	left=$(find "$1" -maxdepth 1 -name '*.new-*')
	[ -z "$left" ] || fail "temporary files stay: $left"
}

# is_private_trace FILE: a regular file (not a link), mode 0600, that starts like a trace.
is_private_trace() {
	[ -f "$1" ] && [ ! -L "$1" ] || fail "$1 is not a regular file"
	[ "$(stat -c %a "$1")" = 600 ] || fail "$1 has mode $(stat -c %a "$1"), not 600"
	[ "$(head -c 7 "$1")" = RWNDTRC ] || fail "$1 does not start like a trace"
}

# -o at a symlink to a file elsewhere: the link is replaced, the file untouched.
mkdir "$dir/out" "$dir/elsewhere"
echo "precious" >"$dir/elsewhere/file"
chmod 644 "$dir/elsewhere/file"
ln -s "$dir/elsewhere/file" "$dir/out/t.trace"
run_status st "$REWIND" rec -o "$dir/out/t.trace" "$prog" linked >"$dir/rec.out" 2>"$dir/rec.err"
[ "$st" = 0 ] || fail "rec -o at a symlink exited $st: $(cat "$dir/rec.err")"
[ "$(cat "$dir/elsewhere/file")" = precious ] || fail "the symlink's target was written"
[ "$(stat -c %a "$dir/elsewhere/file")" = 644 ] || fail "the symlink's target changed mode"
is_private_trace "$dir/out/t.trace"
run_status st "$REWIND" replay -a "$dir/out/t.trace" >"$dir/replay.out" 2>"$dir/replay.err"
[ "$st" = 0 ] || fail "replay of the trace written at a symlink exited $st: $(cat "$dir/replay.err")"
cmp -s "$dir/rec.out" "$dir/replay.out" || fail "replayed output differs"

# -o over an existing 0644 file (with a second link to it): a new 0600 trace.
echo "old contents" >"$dir/out/old.trace"
chmod 644 "$dir/out/old.trace"
ln "$dir/out/old.trace" "$dir/out/other-link"
run_status st "$REWIND" rec -o "$dir/out/old.trace" "$prog" over >"$dir/rec.out" 2>"$dir/rec.err"
[ "$st" = 0 ] || fail "rec -o over a file exited $st: $(cat "$dir/rec.err")"
is_private_trace "$dir/out/old.trace"
[ "$(cat "$dir/out/other-link")" = "old contents" ] || fail "another link to the old file was written"
run_status st "$REWIND" replay -a "$dir/out/old.trace" >"$dir/replay.out" 2>"$dir/replay.err"
[ "$st" = 0 ] || fail "replay of the trace written over a file exited $st: $(cat "$dir/replay.err")"
cmp -s "$dir/rec.out" "$dir/replay.out" || fail "replayed output differs"
no_temp_files "$dir/out"

# A recorder killed with SIGKILL: what it wrote is under FILE already.
"$REWIND" rec -o "$dir/out/killed.trace" "$waiter" >"$dir/rec.out" 2>/dev/null &
rec=$!
for _ in $(seq 100); do grep -q ready "$dir/rec.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$dir/rec.out" || fail "the program never got ready"
kill -9 "$rec"
wait "$rec" 2>/dev/null || true
is_private_trace "$dir/out/killed.trace"
no_temp_files "$dir/out"

# REWIND_DIR that exists: its mode stays, whatever it is.
mkdir "$dir/shared"
chmod 1777 "$dir/shared"
run_status st env REWIND_DIR="$dir/shared" "$REWIND" rec "$prog" >/dev/null 2>"$dir/rec.err"
[ "$st" = 0 ] || fail "rec into an existing REWIND_DIR exited $st: $(cat "$dir/rec.err")"
[ "$(stat -c %a "$dir/shared")" = 1777 ] || fail "REWIND_DIR's mode changed to $(stat -c %a "$dir/shared")"
is_private_trace "$dir/shared/$(basename "$prog")-0"

# REWIND_DIR made by rewind, with its parents: all 0700.
run_status st env REWIND_DIR="$dir/made/by/rewind" "$REWIND" rec "$prog" >/dev/null 2>"$dir/rec.err"
[ "$st" = 0 ] || fail "rec into a new REWIND_DIR exited $st: $(cat "$dir/rec.err")"
for d in made made/by made/by/rewind; do
	[ "$(stat -c %a "$dir/$d")" = 700 ] || fail "$d was made with mode $(stat -c %a "$dir/$d")"
done
run_status st env REWIND_DIR="$dir/made/by/rewind" "$REWIND" replay -a >/dev/null 2>"$dir/replay.err"
[ "$st" = 0 ] || fail "replay of the latest trace in the new REWIND_DIR exited $st"

# REWIND_DIR that is a file, or under one: one line naming it.
echo "a file" >"$dir/plain"
for target in "$dir/plain" "$dir/plain/sub"; do
	for cmd in "rec $prog" "replay -a" "dump"; do
		# shellcheck disable=SC2086
		run_status st env REWIND_DIR="$target" "$REWIND" $cmd >/dev/null 2>"$dir/err"
		[ "$st" != 0 ] || fail "$cmd with REWIND_DIR=$target succeeded"
		[ "$(wc -l <"$dir/err")" = 1 ] || fail "$cmd with REWIND_DIR=$target: not one line: $(cat "$dir/err")"
		expect_grep "^rewind: REWIND_DIR $target is not a directory" "$dir/err"
	done
done
[ "$(cat "$dir/plain")" = "a file" ] || fail "the file named by REWIND_DIR changed"
echo "PASS: trace files are new and private; REWIND_DIR keeps its mode or says it is no directory"
