#!/usr/bin/env bash
# The commands rr users type, in the init file `rewind replay` gives gdb:
# checkpoint, restart N, info checkpoints, delete checkpoint N and when,
# rewind's and not gdb's own (fork-based) ones. After a restart, gdb shows
# the checkpoint's place (pc, variables, frames, threads, the event) and
# the next stepi steps from there, as after a plain `monitor restart`. A
# bad N is one line.
# usage: session_commands.sh REWIND HISTORY
set -euo pipefail
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-session.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- gdb output:"; cat "$dir/out"; echo "FAIL: $*"; exit 1; }
# The lines printed after a marker, up to the next one.
lines() { awk -v m="$1" '$0 == m { on = 1; next } /^[A-Z0-9]+$/ { on = 0 } on' "$dir/out"; }
value() { lines "$1" | head -1 | sed -E 's/^\$[0-9]+ = //'; }

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out")
a=(-nx -batch -ex 'break step_value' -ex continue -ex continue)
a+=(-ex 'echo CP\n' -ex checkpoint -ex 'echo PC\n' -ex 'p/x $pc' -ex 'echo I\n' -ex 'p i')
a+=(-ex 'echo WHEN\n' -ex when -ex stepi -ex 'echo S1\n' -ex 'p/x $pc')
a+=(-ex delete -ex 'break history.c:29' -ex continue -ex 'echo THERE\n' -ex 'p/x $pc' -ex when)
a+=(-ex 'restart 1' -ex 'echo RPC\n' -ex 'p/x $pc' -ex 'echo RI\n' -ex 'p i')
a+=(-ex 'echo RWHEN\n' -ex when -ex 'echo BT\n' -ex 'bt 1' -ex 'echo TH\n' -ex 'info threads')
a+=(-ex stepi -ex 'echo RS1\n' -ex 'p/x $pc')
a+=(-ex 'echo INFO\n' -ex 'info checkpoints' -ex 'delete checkpoint 1' -ex 'echo GONE\n')
a+=(-ex 'info checkpoints' -ex 'echo BAD1\n' -ex 'restart 1' -ex 'echo BAD7\n' -ex 'restart 7')
a+=(-ex 'echo BADX\n' -ex 'restart x' -ex 'echo BADD\n' -ex 'delete checkpoint 3')
a+=(-ex 'echo START\n' -ex 'monitor restart 0' -ex 'echo SPC\n' -ex 'p $pc' -ex 'echo END\n')
timeout 300 "$rewind" replay "$dir/t.trace" -- "${a[@]}" >"$dir/out" 2>&1 </dev/null || true

cp=$(lines CP)
echo "$cp" | grep -qx 'Checkpoint 1 at event [0-9]*' || fail "checkpoint said '$cp'"
event=$(echo "$cp" | awk '{ print $5 }')
[ "$(lines WHEN | head -1)" = "Current event: $event" ] || fail "when at the checkpoint: $(lines WHEN)"
[ "$(value I)" = 1 ] || fail "i at the checkpoint: $(value I)"
[ "$(value THERE)" != "$(value PC)" ] || fail "continue did not move from the checkpoint"
[ "$(value RPC)" = "$(value PC)" ] || fail "pc after restart 1: $(value RPC), the checkpoint's $(value PC)"
[ "$(value RI)" = 1 ] || fail "i after restart 1: $(value RI)"
[ "$(lines RWHEN)" = "Current event: $event" ] || fail "when after restart 1: $(lines RWHEN)"
lines BT | grep -q '^#0  .*step_value (i=1) at .*history.c' || fail "frame after restart 1: $(lines BT)"
lines TH | grep -q '^\* 1 .* step_value (i=1) at' || fail "threads after restart 1: $(lines TH)"
[ "$(value RS1)" = "$(value S1)" ] || fail "stepi after restart 1: $(value RS1), from the checkpoint $(value S1)"
lines INFO | grep -q "^ *1: event $event, rip $(value PC)\$" || fail "info checkpoints: $(lines INFO)"
lines INFO | grep -q '^ *0: event .*(the start)$' || fail "info checkpoints has no start: $(lines INFO)"
lines GONE | grep -q '^ *1: ' && fail "checkpoint 1 still listed after delete: $(lines GONE)"
for bad in BAD1:1 BAD7:7 BADX:x BADD:3; do
	[ "$(lines "${bad%%:*}")" = "No checkpoint ${bad#*:}." ] ||
		fail "a bad checkpoint number ${bad#*:} said: $(lines "${bad%%:*}")"
done
lines SPC | grep -q "<_start>" ||
	fail "monitor restart 0: gdb shows pc $(value SPC)"
grep -q 'Remote failure\|fork' "$dir/out" && fail "an error, or gdb's own checkpoint ran"
echo "PASS: checkpoint $event, restart, info, delete, when"
