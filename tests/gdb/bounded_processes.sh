#!/usr/bin/env bash
# A gdb session's processes stay few: a conditional breakpoint in a
# function called thousands of times stops the replay at every call (gdb
# tests the condition and resumes), each stop takes a checkpoint (a fork of
# the replayed process) and old ones are dropped; going back restores
# checkpoints (forks of forks) and ends the live process; the program forks
# children of its own. Every one of those must be reaped when dropped: the
# processes under the replay, counted from gdb's shell at each stop, stay
# under a small bound with no zombie among them, and none outlives the
# session. The breakpoint's condition must hold where it stops.
# usage: bounded_processes.sh REWIND TICKS_PROGRAM
set -euo pipefail
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-bounded.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- gdb output:"; cat "$dir/out"; echo "FAIL: $*"; exit 1; }

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out")
grep -q '^total 4498500 children 12$' "$dir/rec.out" || { cat "$dir/rec.out"; echo "FAIL: rec"; exit 1; }

# tree.sh DIR: the processes descended from rewind (its pid in DIR/rewind.pid)
# and how many are zombies; each one's pid and start time go to DIR/seen.
# gdb's own subtree (this script, ps and the shell's short-lived children,
# which are zombies for an instant) is not the replay's and is left out.
cat >"$dir/tree.sh" <<'SCRIPT'
pids=$(ps -e -o pid=,ppid=,stat=,comm= | awk -v root="$(cat "$1/rewind.pid")" -v self=$$ '
	{ parent[$1] = $2; state[$1] = $3; comm[$1] = $4 }
	END {
		for (q = self; q in parent && parent[q] != root && q > 1; q = parent[q])
			;
		debugger = q
		for (p in parent) {
			q = p
			while (q != root && q != debugger && q in parent && q > 1)
				q = parent[q]
			if (q == root && p != root)
				print p, state[p], comm[p]
		}
	}')
echo "$pids" | awk '{ n++; if ($2 ~ /^Z/) z++ } END { print "TREE " n + 0 " " z + 0 }'
echo "$pids" | awk '$2 ~ /^Z/ { print "ZOMBIE " $1 " " $3 }'
for p in $(echo "$pids" | awk '{ print $1 }'); do
	echo "$p $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f20)" >>"$1/seen"
done
SCRIPT
count="shell sh $dir/tree.sh $dir"

args=(-nx -batch -ex 'set pagination off')
args+=(-ex 'break tick if i == 2500' -ex continue -ex 'p i' -ex "$count")
# Back to an earlier hit: checkpoints restored, live processes ended.
args+=(-ex delete -ex 'break tick if i == 2490' -ex reverse-continue -ex 'p i' -ex "$count")
# Forward to the end of the history through every remaining call.
args+=(-ex delete -ex 'break tick if i < 0' -ex continue -ex "$count" -ex continue)
# The pid of the exec'd shell is rewind's: gdb's shell walks down from it.
timeout 300 bash -c 'echo $$ >"$0/rewind.pid"; exec "$@"' "$dir" \
	"$rewind" replay "$dir/t.trace" -- "${args[@]}" >"$dir/out" 2>&1 </dev/null || true

grep -q '^Breakpoint 1, tick (i=2500)' "$dir/out" || fail "the condition i == 2500 did not stop"
[ "$(grep -A2 '^Breakpoint 1, tick' "$dir/out" | grep -E '^\$[0-9]+ = ')" = '$1 = 2500' ] ||
	fail "i is not 2500 where i == 2500 stopped"
grep -q '^Breakpoint 2, tick (i=2490)' "$dir/out" || fail "going back to i == 2490 did not stop"
grep -q '^total 4498500 children 12$' "$dir/out" || fail "the replay did not reach the end"
grep -qE '^rewind: the replay reached the end of the recording .*: process [0-9]+ exits normally there$' \
	"$dir/out" || fail "no end in front of the exit"
[ "$(grep -c '^TREE ' "$dir/out")" = 3 ] || fail "the processes were not counted three times"
while read -r _ n zombies; do
	echo "processes under the replay: $n, zombies: $zombies"
	[ "$n" -lt 60 ] || fail "$n processes under the replay (the bound is 60)"
	[ "$zombies" = 0 ] || fail "$zombies zombies under the replay"
done < <(grep '^TREE ' "$dir/out")
# Nothing of the session is left (a pid taken again since has another start time).
while read -r p start; do
	now=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f20) || true
	[ -z "$start" ] || [ "$now" != "$start" ] ||
		fail "process $p ($(cat "/proc/$p/comm" 2>/dev/null)) outlived the session"
done <"$dir/seen"
echo "PASS: a bounded number of processes, none left as a zombie"
