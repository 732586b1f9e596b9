#!/usr/bin/env bash
# rewind rec in the foreground of a terminal: the program runs in its own
# process group and gets the terminal for the recording, so its terminal
# reads work and Ctrl-C reaches it (not rewind), as natively; Ctrl-Z stops
# the job (rewind with it) and fg continues both.
# usage: terminal.sh TICKER   (prints "line N" every 10 ms)
. "$(dirname "$0")/lib.sh"
prog=$1
pty_run=$(dirname "$0")/../tools/pty_run.py
command -v python3 >/dev/null || { echo "SKIP: no python3 to make a terminal with"; exit 77; }

# A read from the terminal: from a background process group it would stop with SIGTTIN.
run_status st python3 "$pty_run" "ask" 'hello\n' -- \
	"$REWIND" rec -o "$dir/read.trace" sh -c 'echo ask; read x; echo "got $x"' >"$dir/read.out"
expect_grep "^got hello" "$dir/read.out"
expect_grep "^STATUS 0$" "$dir/read.out"
run_status st "$REWIND" replay -a "$dir/read.trace" >"$dir/read.replay"
[ "$st" = 0 ] || fail "replay of the terminal read exited $st"
expect_grep "^got hello$" "$dir/read.replay"

# Ctrl-C: the program dies of SIGINT; rewind records that and exits 130.
run_status st python3 "$pty_run" "line 20" '\x03' -- \
	"$REWIND" rec -o "$dir/int.trace" "$prog" >"$dir/int.out"
expect_grep "^STATUS 130" "$dir/int.out"
expect_grep "was killed by Interrupt \(signal 2" "$dir/int.out"
grep -q "recording stopped" "$dir/int.out" && fail "Ctrl-C went to rewind, not to the program"
run_status st "$REWIND" replay -a "$dir/int.trace" >"$dir/int.replay"
[ "$st" = 0 ] || fail "replay of the interrupted program exited $st"
expect_grep "^line 20$" "$dir/int.replay"

# Ctrl-Z under an interactive shell: the job stops, fg continues it and gives the program
# the terminal again (the next Ctrl-C reaches it).
run_status st python3 "$pty_run" '$ ' "'$REWIND' rec -o '$dir/job.trace' '$prog'\\n" \
	"line 20" '\x1a' "Stopped" 'fg\n' "line 50" '\x03' "Interrupt" 'exit\n' -- \
	env PS1='$ ' bash --norc --noprofile -i >"$dir/job.out" 2>&1
expect_grep "Stopped" "$dir/job.out"
expect_grep "was killed by Interrupt \(signal 2" "$dir/job.out"
"$REWIND" dump "$dir/job.trace" >"$dir/job.dump"
expect_grep " signal signal 20 " "$dir/job.dump"
expect_grep " signal signal 18 " "$dir/job.dump"
run_status st "$REWIND" replay -a "$dir/job.trace" >"$dir/job.replay"
[ "$st" = 0 ] || fail "replay of the stopped and continued job exited $st"
expect_grep "^line 50$" "$dir/job.replay"
echo "PASS: the recorded program has the terminal: reads, Ctrl-C and Ctrl-Z reach it"
