#!/usr/bin/env bash
# lldb on a replay, given no executable (`gdb-remote PORT` only): it finds
# the program and its libraries by itself (qProcessInfo, libraries-svr4),
# stops at every call of a function with the values of that call, shows
# the backtrace, and sees the program end; `process kill` ends the replay.
# usage: lldb.sh REWIND HISTORY
set -euo pipefail
rewind=$1
prog=$2
command -v lldb >/dev/null || { echo "SKIP: no lldb installed"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-lldb.XXXXXX")
server=
cleanup() {
	[ -z "$server" ] || { kill -KILL "$server" 2>/dev/null; wait "$server" 2>/dev/null; } || true
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "---- $1:"; tail -60 "$1"; echo "FAIL: $2"; exit 1; }
export REWIND_DIR=$dir/traces

"$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out" 2>"$dir/rec.err" || fail "$dir/rec.err" "rec failed"
# serve: a replay of the trace on a free port ($port), its pid in $server.
serve() {
	local try i
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		timeout 120 "$rewind" replay -s "$port" "$dir/t.trace" >"$dir/server.out" 2>&1 &
		server=$!
		for ((i = 0; i < 100; i++)); do
			grep -q "serving the replay" "$dir/server.out" 2>/dev/null && return 0
			kill -0 "$server" 2>/dev/null || break
			sleep 0.1
		done
		wait "$server" 2>/dev/null || true
		server=
	done
	fail "$dir/server.out" "the replay never served a port"
}

# ended WHAT: the replay server ends soon after lldb has left.
ended() {
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$server" 2>/dev/null && fail "$dir/server.out" "the replay is still running after $1"
	wait "$server" 2>/dev/null || true
	server=
}

serve
cmds=(-o "gdb-remote $port" -o "image list" -o "breakpoint set -n step_value")
for i in 0 1 2 3 4; do
	cmds+=(-o continue -o "expression -- counter" -o "register read rdi")
done
# The last continue stops before the exit, where lldb --batch stops taking commands.
cmds+=(-o "bt" -o "image list" -o continue)
timeout 120 lldb --no-lldbinit --batch "${cmds[@]}" >"$dir/lldb.out" 2>&1 </dev/null || true
out=$dir/lldb.out
grep -qE "^\[ *0\] .* $prog ?$" "$out" || fail "$out" "image list does not start with the program"
grep -qE "^\[ *[0-9]+\] .* /.*/libc\.so\.6 ?$" "$out" ||
	fail "$out" "image list at the calls has no C library"
hits=$(grep -A1 "^Process [0-9]* stopped$" "$out" | grep -c "stop reason = breakpoint 1" || true)
[ "$hits" = 5 ] || fail "$out" "breakpoint step_value: $hits stops for 5 calls"
# counter before each call: 0, then += i*i + 1.
got=$(sed -n 's/^(int) \$[0-9]* = \([0-9-]*\)$/\1/p' "$out" | tr '\n' ' ')
[ "$got" = "0 1 3 8 18 " ] || fail "$out" "counter at the calls: '$got', want '0 1 3 8 18 '"
got=$(sed -n 's/^ *rdi = 0x0*\([0-9a-f]*\)$/\1/p' "$out" | sed 's/^$/0/' | tr '\n' ' ')
[ "$got" = "0 1 2 3 4 " ] || fail "$out" "the argument at the calls: '$got', want '0 1 2 3 4 '"
grep -qE "frame #1: .*history\`main" "$out" || fail "$out" "the backtrace does not show main"
tail -3 "$out" | grep -qE "frame #0: .*\`_*(GI_)*_exit" || fail "$out" "the last continue did not stop at the exit"
grep -qxF "$(tail -1 "$dir/rec.out")" "$dir/server.out" || fail "$dir/server.out" "the replay did not print the program's output"
ended "lldb left"

# process kill ends the replay, and lldb is told so.
serve
timeout 60 lldb --no-lldbinit --batch -o "gdb-remote $port" -o "process kill" >"$out" 2>&1 </dev/null || true
grep -qE "^Process [0-9]+ exited with status = 9" "$out" || fail "$out" "process kill: no exit reported"
grep -q "failed" "$out" && fail "$out" "process kill failed"
ended "process kill"
echo "PASS: lldb found the program, 5 of 5 calls with their values; kill ends the replay"
