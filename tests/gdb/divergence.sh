#!/usr/bin/env bash
# A divergence while debugging is reported on gdb's console, with the event
# number and the differing register, and the session goes on: the replay
# can still be looked at and taken backwards.
# usage: divergence.sh REWIND DEBUGGEE TRACE_EDIT
set -euo pipefail
rewind=$1
prog=$2
edit=$3
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdbdiv.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- gdb output:"; cat "$dir/out"; echo "FAIL: $*"; exit 1; }

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out")
# The entry of the last write: the buffered output, written at the exit.
read -r event rdi < <("$rewind" dump --json "$dir/t.trace" | python3 -c 'import json,sys
ev=[json.loads(l) for l in sys.stdin]
w=[e for e in ev if e["kind"]=="syscall-entry" and e.get("syscall")=="write"][-1]
print(w["event"], w["regs"]["rdi"])')
"$edit" "$dir/t.trace" "$dir/bad.trace" reg "$event" rdi $((rdi + 7))

args=(-nx -batch -ex 'break history.c:25' -ex continue -ex continue -ex continue -ex delete)
args+=(-ex 'echo F\n' -ex 'p counter' -ex continue -ex 'echo AFTER\n' -ex 'monitor when')
args+=(-ex 'echo V\n' -ex 'p counter' -ex 'break history.c:25' -ex reverse-continue)
args+=(-ex 'echo BACK\n' -ex 'p counter' -ex 'monitor when')
# rewind hands its messages to gdb while the program runs: one stream shows both.
timeout 120 "$rewind" replay "$dir/bad.trace" -- "${args[@]}" >"$dir/out" 2>&1 </dev/null || true

after() { awk -v m="$1" '$0 == m { getline; sub(/^\$[0-9]+ = /, ""); print }' "$dir/out"; }
grep -q "^rewind: divergence at event $event (syscall-entry write)" "$dir/out" ||
	fail "gdb's console does not show the divergence at event $event"
grep -Eq "^  rdi +recorded 0x0*$(printf '%x' $((rdi + 7))) +replay 0x0*$(printf '%x' "$rdi")$" "$dir/out" ||
	fail "gdb's console does not show the rdi difference"
after AFTER | grep -q "^Current event: $event$" || fail "monitor when after the divergence: $(after AFTER)"
final=$(grep '^final' "$dir/rec.out" | cut -d' ' -f2)
[ "$(after V)" = "$final" ] || fail "counter after the divergence: $(after V), want $final"
[ "$(after BACK)" = "$(awk '/^counter/ { v = $2 } END { print v - 17 }' "$dir/rec.out")" ] ||
	fail "reverse-continue after the divergence: counter $(after BACK)"
echo "PASS: divergence at event $event shown in gdb; the session went on (counter $(after BACK) going back)"
