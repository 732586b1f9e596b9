#!/usr/bin/env bash
# Progress of long work on stderr: replay -a, a replay -g seek and a step
# back under gdb print "rewind: WHAT: event N of END", rewritten in place
# with \r, when stderr is a terminal, and never when it is a file. The
# delay before the line shows (a second) is set to 0 here, and to a minute
# to see it hold the line back.
# usage: progress.sh PROGRAM
. "$(dirname "$0")/lib.sh"
prog=$1
pty_run=$(dirname "$0")/../tools/pty_run.py
command -v python3 >/dev/null || { echo "SKIP: no python3 to make a terminal with"; exit 77; }

(cd "$dir" && "$REWIND" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out" 2>&1)
last=$("$REWIND" dump "$dir/t.trace" | awk '$1 ~ /^#[0-9]+$/ { n = substr($1, 2) } END { print n }')
[ -n "$last" ] || fail "no events in the dump"

# On a terminal: the line, ending at the trace's last event, cleared at the end.
REWIND_PROGRESS_AFTER_MS=0 run_status st python3 "$pty_run" -- \
	"$REWIND" replay -a "$dir/t.trace" >"$dir/tty.out"
expect_grep "STATUS 0$" "$dir/tty.out"
grep -aq $'\rrewind: replaying: event [0-9]* of '"$last"$'\e\\[K' "$dir/tty.out" ||
	{ cat -v "$dir/tty.out"; fail "no progress line on the terminal"; }
grep -aq $'\r\e\\[K' "$dir/tty.out" || fail "the progress line was not cleared"
# Not yet after a minute's delay; never into a file.
REWIND_PROGRESS_AFTER_MS=60000 run_status st python3 "$pty_run" -- \
	"$REWIND" replay -a "$dir/t.trace" >"$dir/late.out"
expect_grep "^STATUS 0$" "$dir/late.out"
grep -aq 'rewind: replaying' "$dir/late.out" && fail "progress shown before its delay"
REWIND_PROGRESS_AFTER_MS=0 run_status st "$REWIND" replay -a "$dir/t.trace" >"$dir/file.out" 2>"$dir/file.err"
[ "$st" = 0 ] || fail "replay -a into files exited $st"
grep -aq 'event' "$dir/file.err" "$dir/file.out" && fail "progress written into a file: $(cat -v "$dir/file.err")"

if command -v gdb >/dev/null; then
	# A seek with -g, and a step back from there.
	go=$((last / 2))
	REWIND_PROGRESS_AFTER_MS=0 run_status st python3 "$pty_run" -- "$REWIND" replay -g "$go" \
		"$dir/t.trace" -- -nx -batch -ex 'monitor when' -ex reverse-stepi >"$dir/gdb.out"
	expect_grep "Current event: $go" "$dir/gdb.out"
	grep -aq $'\rrewind: going to the event asked for: event [0-9]* of '"$go"$'\e\\[K' "$dir/gdb.out" ||
		{ cat -v "$dir/gdb.out"; fail "no progress line for -g $go"; }
	grep -aq $'\rrewind: going back: event [0-9]* of '"$go"$'\e\\[K' "$dir/gdb.out" ||
		{ cat -v "$dir/gdb.out"; fail "no progress line going back"; }
	REWIND_PROGRESS_AFTER_MS=0 run_status st "$REWIND" replay -g "$go" "$dir/t.trace" -- -nx -batch \
		-ex 'monitor when' -ex reverse-stepi >"$dir/gdbfile.out" 2>&1 </dev/null
	expect_grep "^Current event: $go" "$dir/gdbfile.out"
	grep -aq 'going' "$dir/gdbfile.out" && fail "progress written into a file under gdb"
fi
echo "PASS: progress on a terminal only"
