#!/usr/bin/env bash
# The gdb server's life: -s PORT listens on 127.0.0.1 only and serves a
# connecting gdb (monitor commands too); without -s, no port at all; a gdb
# killed mid-session ends the replay and leaves no replayed process behind.
# usage: replay_lifecycle.sh REWIND DEBUGGEE
set -euo pipefail
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
export REWIND_DIR=$dir/traces
(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >/dev/null) || true

# -s: a free port, loopback only.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$rewind" replay -s "$port" "$dir/t.trace" 2>"$dir/serve.err" &
server=$!
pids+=("$server")
for _ in $(seq 50); do
	grep -q "serving the replay on 127.0.0.1:$port" "$dir/serve.err" && break
	sleep 0.1
done
listen=$(ss -ltnH "sport = :$port" | awk '{print $4}')
[ "$listen" = "127.0.0.1:$port" ] || fail "listening on '$listen', wanted 127.0.0.1:$port only"
timeout 60 gdb -nx -batch -ex "target remote 127.0.0.1:$port" -ex 'monitor when' \
	-ex 'monitor info' -ex 'break main' -ex 'continue' -ex 'monitor when' -ex 'kill' \
	</dev/null >"$dir/gdb.out" 2>&1 || true
grep -q "^Current event: 1$" "$dir/gdb.out" || { cat "$dir/gdb.out"; fail "no 'monitor when' at the start"; }
grep -q "^Program: .*debuggee" "$dir/gdb.out" || fail "no 'monitor info'"
grep -qE "^Current event: [0-9]{2,}$" "$dir/gdb.out" || fail "the event number did not move"
for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
kill -0 "$server" 2>/dev/null && fail "rewind replay -s still runs after gdb killed the program"

# Without -s, rewind and the gdb it starts talk through a local socket in a
# directory only this user may enter, gone once gdb is connected: no port.
mkdir -m 0700 "$dir/run"
XDG_RUNTIME_DIR=$dir/run timeout 60 "$rewind" replay "$dir/t.trace" -- -nx -batch \
	-ex 'break scale' -ex 'continue' \
	-ex "shell ss -ltnpH | grep -c \"pid=\$(ps -o ppid= -p \$PPID | tr -d ' '),\" >'$dir/tcp'; ls '$dir/run' >'$dir/left'" \
	</dev/null >"$dir/private.out" 2>&1 || true
grep -q "Breakpoint 1, scale" "$dir/private.out" || { cat "$dir/private.out"; fail "gdb never reached the breakpoint"; }
[ "$(cat "$dir/tcp")" = 0 ] || fail "rewind replay listens on a TCP port: $(ss -ltnpH)"
[ ! -s "$dir/left" ] || fail "the socket's directory stays while gdb is connected: $(cat "$dir/left")"
[ -z "$(ls "$dir/run")" ] || fail "the socket's directory stays after the session"
XDG_RUNTIME_DIR="$dir/run" timeout 60 strace -e trace=bind,mkdir,mkdirat -o "$dir/strace" \
	"$rewind" replay "$dir/t.trace" -- -nx -batch -ex continue </dev/null >/dev/null 2>&1 || true
grep -qE 'mkdir(at)?\((AT_FDCWD, )?".*/rewind-gdb\.[^"]*", 0700\) += 0' "$dir/strace" ||
	fail "the socket's directory is not made 0700: $(grep mkdir "$dir/strace")"
grep -q 'bind(.*AF_UNIX.*rewind-gdb' "$dir/strace" || fail "no local socket bound: $(grep bind "$dir/strace")"
grep -q 'bind(.*AF_INET' "$dir/strace" && fail "bound an internet socket: $(grep bind "$dir/strace")"

# A gdb killed with SIGKILL in the middle of a session.
mkfifo "$dir/in"
"$rewind" replay "$dir/t.trace" -- -nx -ex 'break scale' -ex 'continue' <"$dir/in" >"$dir/live.out" 2>&1 &
rewind_pid=$!
pids+=("$rewind_pid")
exec 3>"$dir/in" # keep gdb's stdin open
for _ in $(seq 100); do grep -q "Breakpoint 1, scale" "$dir/live.out" && break; sleep 0.1; done
grep -q "Breakpoint 1, scale" "$dir/live.out" || { cat "$dir/live.out"; fail "gdb never reached the breakpoint"; }
children=$(pgrep -P "$rewind_pid" | tr '\n' ' ')
gdb_pid=$(pgrep -P "$rewind_pid" -x gdb)
kill -9 "$gdb_pid"
for _ in $(seq 50); do kill -0 "$rewind_pid" 2>/dev/null || break; sleep 0.1; done
exec 3>&-
kill -0 "$rewind_pid" 2>/dev/null && fail "rewind still runs after its gdb was killed"
for c in $children; do
	kill -0 "$c" 2>/dev/null && fail "process $c ($(cat /proc/"$c"/comm 2>/dev/null)) outlived the session"
done
echo "PASS: loopback only with -s, a private local socket without, monitor commands, no process left behind"
