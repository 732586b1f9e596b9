#!/usr/bin/env bash
# gdb on the replay of code that the recorder preempted, or that took
# signals at execution points, sees every instruction of it: a breakpoint
# on rare() is hit as often as the program says it called it, a watchpoint
# on the variable rare() writes triggers as often, and reverse-continue from
# the end stops at the last call, with its value. Each mode is recorded
# several times, since where the preemptions fall differs between runs.
# usage: preempted.sh REWIND PREEMPTED MODE RUNS
set -euo pipefail
rewind=$1
prog=$2
mode=$3
runs=$4
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- $1:"; tail -40 "$1"; echo "FAIL: $2"; exit 1; }

for run in $(seq "$runs"); do
	"$rewind" rec -o "$dir/t.trace" "$prog" "$mode" >"$dir/rec.out" 2>"$dir/rec.err" ||
		fail "$dir/rec.err" "recording failed"
	read -r _ _ calls _ last <"$dir/rec.out"
	points=$("$rewind" dump "$dir/t.trace" | grep -cE ' (sched|signal) ' || true)
	[ "$calls" -gt 0 ] || fail "$dir/rec.out" "the program made no rare() call"

	cat >"$dir/hits.gdb" <<'GDB'
set $hits = 0
break rare
commands 1
silent
set $hits = $hits + 1
continue
end
continue
printf "HITS %d\n", $hits
delete
break rare
reverse-continue
p id * 100000000 + i
GDB
	timeout 300 "$rewind" replay "$dir/t.trace" -- -nx -batch -x "$dir/hits.gdb" \
		>"$dir/gdb.out" 2>&1 </dev/null || true
	hits=$(sed -n 's/^HITS \([0-9]*\)$/\1/p' "$dir/gdb.out")
	[ "$hits" = "$calls" ] ||
		fail "$dir/gdb.out" "run $run: break rare hit ${hits:-?} times, the program called it $calls times ($points execution points and signals)"
	grep -q "^\\\$1 = $last\$" "$dir/gdb.out" ||
		fail "$dir/gdb.out" "run $run: reverse-continue from the end does not show the last value $last"

	cat >"$dir/watch.gdb" <<'GDB'
set $writes = 0
break main
continue
watch last
commands 2
silent
set $writes = $writes + 1
continue
end
continue
printf "WRITES %d\n", $writes
GDB
	timeout 300 "$rewind" replay "$dir/t.trace" -- -nx -batch -x "$dir/watch.gdb" \
		>"$dir/watch.out" 2>&1 </dev/null || true
	writes=$(sed -n 's/^WRITES \([0-9]*\)$/\1/p' "$dir/watch.out")
	[ "$writes" = "$calls" ] ||
		fail "$dir/watch.out" "run $run: watch last triggered ${writes:-?} times for $calls writes"
	echo "run $run: $calls calls, $points execution points and signals: all seen"
done
