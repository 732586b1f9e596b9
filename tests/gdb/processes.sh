#!/usr/bin/env bash
# gdb on one process of a recorded process tree, the others replayed along
# with it. By default gdb looks at the first process: a breakpoint and a
# watchpoint set before its forks stop only in it, never in the children
# that inherited its memory, and it exits with its own status. With -p PID
# gdb looks at a forked child (from its creation) or at a child that
# exec'd (from its exec: its own program, arguments and exit status).
# A pid the trace lacks and a -p that is not a pid are one-line errors.
# Going backwards works in multi-process traces (a checkpoint holds every
# live process), down to where the process gdb looks at started. An exec
# of the process gdb looks at is followed as natively: the new program's
# symbols and breakpoints.
# usage: processes.sh REWIND PROCS REEXEC
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rewind=$1
prog=$2
reexec=$3
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-procs.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
out=$dir/out
fail() { echo "---- output:"; cat "$out"; echo "FAIL: $*"; exit 1; }
expect() { grep -Eq -- "$1" "$out" || fail "no line matching '$1'"; }
# The end of the history, in front of a process's exit, reads as gdb's line for the exit.
gdb_on() {
	timeout 120 "$rewind" replay "$@" 2>&1 </dev/null | end_as_exit >"$out" || true
}

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out")
grep -q '^parent: 15, the exec child exited 5$' "$dir/rec.out" || { cat "$dir/rec.out"; exit 1; }
"$rewind" ps "$dir/t.trace" >"$dir/ps"
parent=$(awk 'NR == 2 { print $1 }' "$dir/ps")
forked=$(awk 'NR == 3 { print $1 }' "$dir/ps")
execd=$(awk 'NR == 4 { print $1 }' "$dir/ps")
[ -n "$execd" ] || { cat "$dir/ps"; echo "FAIL: not three processes"; exit 1; }

# The first process: the children run their own work() and writes to
# counter, which gdb must not see.
gdb_on "$dir/t.trace" -- -nx -batch -ex 'break work' -ex 'watch counter' -ex continue \
	-ex 'p $_inferior' -ex 'info inferiors' -ex continue -ex continue -ex 'p role' -ex 'p n' \
	-ex 'p counter' -ex continue -ex continue
expect "^\* 1 +process $parent "
expect "^Old value = 0$"
expect "^New value = 1$"
[ "$(grep -c '^New value = ' "$out")" = 2 ] || fail "the watchpoint fired other than twice"
expect "^New value = 2$"
expect "^Breakpoint 1, work \(role=1, n=5\)"
grep -q 'role=2\|role=7' "$out" && fail "a child's call stopped gdb looking at the parent"
expect '^\$2 = 1$'
expect '^\$3 = 5$'
expect '^\$4 = 2$'
expect "^child: 110$"
expect "^exec child: 1470$"
expect "^\[Inferior 1 \(process $parent\) exited normally\]$"
grep -q '^rewind:' "$out" && fail "rewind complained"

# The forked child, from its creation: its own values and exit status.
gdb_on -p "$forked" "$dir/t.trace" -- -nx -batch -ex 'info inferiors' -ex 'p counter' \
	-ex 'break work' -ex continue -ex 'p role' -ex 'p counter' -ex finish -ex 'info threads' \
	-ex continue -ex continue
expect "^\* 1 +process $forked "
expect '^\$1 = 0$'
expect "^Breakpoint 1, work \(role=2, n=10\)"
expect '^\$3 = 20$'
expect '^Value returned is \$4 = 110$'
expect "Thread $forked\.$forked \"procs\""
expect "^\[Inferior 1 \(process $forked\) exited with code 03\]$"
grep -q 'role=1\|role=7' "$out" && fail "another process's call stopped gdb looking at the child"

# The child that exec'd, from its exec: its program, its arguments.
gdb_on -p "$execd" "$dir/t.trace" -- -nx -batch -ex 'break main' -ex continue -ex 'p argc' \
	-ex 'p argv[1]' -ex 'p argv[2]' -ex 'break work' -ex continue -ex 'p role' -ex finish \
	-ex 'monitor info' -ex continue -ex continue
expect '^\$1 = 3$'
expect '^\$2 = 0x[0-9a-f]+ "exec-child"$'
expect '^\$3 = 0x[0-9a-f]+ "20"$'
expect "^Breakpoint 2, work \(role=7, n=20\)"
expect '^Value returned is \$5 = 1470$'
expect "^Program: .*procs \(pid $execd while recording\)$"
expect "^\[Inferior 1 \(process $execd\) exited with code 05\]$"

# A real pipeline: gdb on the sort that sh started, at its write.
(cd "$dir" && "$rewind" rec -o "$dir/sh.trace" sh -c 'printf "b\na\nc\n" | sort' >"$dir/rec.out")
sort_pid=$("$rewind" ps "$dir/sh.trace" | awk '$4 == "sort" { print $1 }')
[ -n "$sort_pid" ] || { "$rewind" ps "$dir/sh.trace"; echo "FAIL: no sort in the pipeline"; exit 1; }
gdb_on -p "$sort_pid" "$dir/sh.trace" -- -nx -batch -ex 'info inferiors' -ex 'break write' \
	-ex continue -ex 'p $rdi' -ex 'x/s $rsi' -ex continue -ex continue
expect "^\* 1 +process $sort_pid .*target:/usr/bin/sort"
expect '^\$1 = 1$'
expect '^0x[0-9a-f]+:[[:space:]]+"a\\nb\\nc\\n"$'
expect "^\[Inferior 1 \(process $sort_pid\) exited normally\]$"

# Back to the parent's writes of counter after both children ended: the
# search replays them again from a checkpoint before them; forward again.
# In the forked child (its parent alive, checkpoints of both processes):
# back to the start of its history, where -p started it, and forward.
gdb_on "$dir/t.trace" -- -nx -batch -ex 'break work' -ex continue -ex 'p role' -ex delete \
	-ex 'watch counter' -ex reverse-continue -ex 'p counter' -ex reverse-continue -ex 'p counter' \
	-ex delete -ex continue -ex continue
expect '^\$1 = 1$'
expect '^\$2 = 1$'
expect '^\$3 = 0$'
expect '^Old value = 2$'
expect '^parent: 15, the exec child exited 5$'
grep -q 'not supported\|divergence' "$out" && fail "going back was refused or diverged"
expect "^\[Inferior 1 \(process $parent\) exited normally\]$"
gdb_on -p "$forked" "$dir/t.trace" -- -nx -batch -ex 'break work' -ex continue -ex 'p role' \
	-ex reverse-continue -ex 'info inferiors' -ex 'p counter' -ex continue -ex 'p role' -ex continue \
	-ex continue
expect 'No more reverse-execution history'
expect "^\* 1 +process $forked "
expect '^\$1 = 2$'
expect '^\$2 = 0$'
expect '^\$3 = 2$'
grep -q 'not supported\|divergence\|Remote failure' "$out" && fail "going back in the child failed"
expect "^\[Inferior 1 \(process $forked\) exited with code 03\]$"

# An exec followed: breakpoints in the new image, its arguments.
(cd "$dir" && "$rewind" rec -o "$dir/reexec.trace" "$reexec" >"$dir/rec.out")
gdb_on "$dir/reexec.trace" -- -nx -batch -ex 'break stage' -ex continue -ex 'p n' -ex continue \
	-ex 'p n' -ex up -ex 'p argc' -ex continue -ex continue
gdb -nx -batch -ex 'break stage' -ex run -ex 'p n' -ex continue -ex 'p n' -ex up -ex 'p argc' \
	-ex continue "$reexec" >"$dir/native.out" 2>&1 </dev/null || true
vals() { grep -E '^\$[0-9]+ = |is executing new program' "$1" | sed -E 's/process [0-9]+/process PID/'; }
vals "$dir/native.out" >"$dir/native.vals"
vals "$out" >"$dir/replay.vals"
diff -u "$dir/native.vals" "$dir/replay.vals" || fail "gdb across the exec differs from a native run"
[ "$(wc -l <"$dir/replay.vals")" = 4 ] || fail "expected three values and the exec"
expect "^\[Inferior 1 \(process [0-9]+\) exited normally\]$"

# Wrong pids: one line each, no gdb started.
gdb_on -p 1 "$dir/t.trace" -- -nx -batch -ex continue
expect "^rewind: replay: -p 1: .*t.trace has no such process; its processes are $parent, $forked, $execd$"
[ "$(wc -l <"$out")" = 1 ] || fail "more than the error line"
gdb_on -p x1 "$dir/t.trace"
expect "^rewind: replay: -p x1: .*t.trace has no such process; its processes are $parent, $forked, $execd$"
pgrep -x procs >/dev/null && fail "a replayed process is still running"
echo "PASS: gdb on the first process, on a forked child ($forked), on an exec'd child ($execd), on sort in a pipeline"
