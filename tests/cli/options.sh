#!/usr/bin/env bash
# Option values are checked before anything runs: a bad one exits non-zero
# with one line naming it (the trace's processes for -p, its events for -g,
# the port range for -s) and leaves no process behind; good values still
# work. --help and -h print a command's usage and exit 0, and the usage
# lists every replay mode.
# usage: options.sh FORKING_PROGRAM
. "$(dirname "$0")/lib.sh"
prog=$1
trace=$dir/t.trace
mark=$$-$RANDOM

run_status st "$REWIND" rec -o "$trace" "$prog" >"$dir/rec.out" 2>"$dir/rec.err"
[ "$st" = 0 ] || fail "rec exited $st: $(cat "$dir/rec.err")"
"$REWIND" ps "$trace" >"$dir/ps"
pids=$(awk 'NR > 1 { printf "%s%s", sep, $1; sep = ", " }' "$dir/ps")
[ "$(wc -l <"$dir/ps")" = 3 ] || fail "expected two processes: $(cat "$dir/ps")"
last=$("$REWIND" dump "$trace" | tail -1 | sed -E 's/^#([0-9]+) .*/\1/')
[ "$last" -gt 10 ] || fail "last event is '$last'"

# leftovers: processes started by a run marked with $mark that still exist.
leftovers() {
	grep -l -a -s "REWIND_OPTIONS_MARK=$mark" /proc/[0-9]*/environ 2>/dev/null || true
}

# refused PATTERN ARGS...: rewind ARGS fails with one line matching PATTERN and leaves nothing.
refused() {
	local pattern=$1 st
	shift
	run_status st env REWIND_OPTIONS_MARK="$mark" "$REWIND" "$@" >"$dir/out" 2>"$dir/err" </dev/null
	[ "$st" != 0 ] || fail "rewind $* succeeded"
	[ "$(wc -l <"$dir/err")" = 1 ] || fail "rewind $*: not one line: $(cat "$dir/err")"
	[ ! -s "$dir/out" ] || fail "rewind $* wrote to stdout: $(cat "$dir/out")"
	expect_grep "^rewind: $pattern" "$dir/err"
	[ -z "$(leftovers)" ] || fail "rewind $* left processes: $(leftovers)"
}

# -p: a pid the trace lacks, with -a too, or no pid at all.
for mode in -a ""; do
	for bad in 99999 0 -1 abc 12x 99999999999999999999 ""; do
		# shellcheck disable=SC2086
		refused "replay: -p $bad: .*t.trace has no such process; its processes are $pids$" \
			replay $mode -p "$bad" "$trace"
	done
done

# -g: negative, not a number, too large, past the last event.
for bad in -1 abc 1e3 " 5" 99999999999999999999999; do
	refused "replay: -g wants an event number from 0 to $last, not '$bad'$" replay -g "$bad" "$trace"
done
refused "replay: -g $((last + 1)) is past the last event of .*t.trace: its events are 0 to $last$" \
	replay -g $((last + 1)) "$trace"
refused "replay: -g 18446744073709551615 is past the last event" replay -a -g 18446744073709551615 "$trace"

# -s: not a port.
for bad in 0 65536 -1 abc 80x 99999999999999999999 ""; do
	refused "replay: -s wants a port number from 1 to 65535, not '$bad'$" replay -s "$bad" "$trace"
done

# Options without their values, unknown options, two traces.
refused "replay: -g wants a value" replay "$trace" -g
refused "replay: -p wants a value" replay "$trace" -p
refused "replay: -s wants a value" replay "$trace" -s
refused "replay: unknown option '-x'" replay -x "$trace"
refused "replay: more than one trace given" replay "$trace" "$trace"
refused "rec: -o wants a trace file name" rec -o
refused "rec: -o wants a trace file name" rec -o "" "$prog"
refused "rec: unknown option '-x'" rec -x "$prog"
for cmd in dump info ps; do
	refused "$cmd: unknown option '-x'" $cmd -x "$trace"
	refused "$cmd: more than one trace given" $cmd "$trace" "$trace"
done

# Good values: -p of each process and -g with -a (a warning: they are for gdb).
for p in ${pids//,/}; do
	run_status st "$REWIND" replay -a -p "$p" -g "$last" "$trace" >"$dir/out" 2>"$dir/err"
	[ "$st" = 0 ] || fail "replay -a -p $p exited $st: $(cat "$dir/err")"
	cmp -s "$dir/rec.out" "$dir/out" || fail "replay -a -p $p: output differs"
	expect_grep "^rewind: warning: replay: -a replays every process" "$dir/err"
done
if command -v gdb >/dev/null; then
	for g in 0 10 "$last"; do
		run_status st "$REWIND" replay -g "$g" "$trace" -- -nx -batch -ex 'monitor when' \
			>"$dir/out" 2>&1 </dev/null
		expect_grep "^Current event: [0-9]+$" "$dir/out"
		grep -q '^rewind:' "$dir/out" && fail "replay -g $g complained: $(cat "$dir/out")"
	done
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$REWIND" replay -s "$port" -p "${pids##*, }" "$trace" 2>"$dir/serve.err" &
	server=$!
	for _ in $(seq 100); do grep -q "serving the replay" "$dir/serve.err" && break; sleep 0.1; done
	timeout 60 gdb -nx -batch -ex "target remote 127.0.0.1:$port" -ex 'monitor info' -ex kill \
		</dev/null >"$dir/gdb.out" 2>&1 || true
	st=0
	wait "$server" || st=$?
	[ "$st" = 0 ] || fail "replay -s $port exited $st: $(cat "$dir/serve.err")"
	expect_grep "^Program: .*\(pid ${pids##*, } while recording\)$" "$dir/gdb.out"
else
	echo "no gdb: -g and -s under gdb not tried"
fi

# --help and -h: the command's usage on stdout, status 0.
for cmd in rec replay dump info ps; do
	for h in --help -h; do
		run_status st "$REWIND" $cmd $h >"$dir/out" 2>"$dir/err"
		[ "$st" = 0 ] || fail "rewind $cmd $h exited $st"
		[ ! -s "$dir/err" ] || fail "rewind $cmd $h wrote to stderr: $(cat "$dir/err")"
		expect_grep "^usage: rewind $cmd " "$dir/out"
	done
done
"$REWIND" rec --help >"$dir/out"
expect_grep "^  -o TRACE " "$dir/out"
"$REWIND" replay --help >"$dir/out"
for opt in "-p PID" "-g EVENT" "--force"; do
	expect_grep "^  $opt " "$dir/out"
done
run_status st "$REWIND" --help >"$dir/out" 2>&1
[ "$st" = 0 ] || fail "rewind --help exited $st"
for mode in "replay \[-p PID\] \[-g EVENT\] \[--force\] \[TRACE\] \[-- GDB-ARGS...\]" \
	"replay -s PORT" "replay -a\|--autopilot" "rec \[-o TRACE\] -p PID" "rec .*--chaos"; do
	expect_grep "rewind $mode" "$dir/out"
done
run_status st "$REWIND" >/dev/null 2>"$dir/err"
[ "$st" = 2 ] || fail "rewind without a command exited $st"
expect_grep "^usage: rewind rec" "$dir/err"
[ -z "$(leftovers)" ] || fail "processes left: $(leftovers)"
echo "PASS: bad option values refused in one line, good ones work, --help"
