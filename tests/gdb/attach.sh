#!/usr/bin/env bash
# gdb on the trace of rec -p: a two-thread program with __thread counters,
# attached while it runs (tests/gdb/programs/attach_tls.c). A breakpoint on
# the function it calls after the attach is hit as often as the program
# says it called it, bt there shows the caller, the __thread counter shows
# what the program printed at that call, and reverse-continue from the end
# of the history stops at the last call.
# usage: attach.sh REWIND ATTACH_TLS
set -euo pipefail
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb-attach.XXXXXX")
pid=
trap '[ -z "$pid" ] || { kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- $1:"; cat "$2"; echo "FAIL: $3"; exit 1; }

. "$(dirname "$0")/lib.sh"
attach_record
grep -q '^EXIT-SUCCESS$' "$dir/out" || fail "the program's output" "$dir/out" "no EXIT-SUCCESS"
calls=$(sed -nE 's/^calls after the attach: ([0-9]+)$/\1/p' "$dir/out")
[ "$calls" = 11 ] || fail "the program's output" "$dir/out" "$calls calls after the attach, not 11"

commands=(-nx -batch -ex 'break tick' -ex 'continue' -ex 'bt 2'
	-ex 'printf "HIT who=%d counter=%d\n", who, counter'
	-ex 'ignore 1 1000' -ex 'continue' -ex 'info breakpoints' -ex 'ignore 1 0'
	-ex 'reverse-continue' -ex 'printf "LAST who=%d counter=%d\n", who, counter')
timeout 120 "$rewind" replay "$dir/t.trace" -- "${commands[@]}" >"$dir/gdb.out" 2>&1 </dev/null ||
	true
hits=$(sed -nE 's/^[[:space:]]*breakpoint already hit ([0-9]+) times?$/\1/p' "$dir/gdb.out")
[ "$hits" = "$calls" ] || fail "gdb" "$dir/gdb.out" "tick hit ${hits:-no} times, the program called it $calls times"
first=$(sed -nE 's/^HIT (who=[01] counter=[0-9]+)$/\1/p' "$dir/gdb.out")
[ -n "$first" ] || fail "gdb" "$dir/gdb.out" "no value at the first hit"
grep -qx "tick $first" "$dir/out" || fail "the program's output" "$dir/out" \
	"gdb's first hit shows $first, a call the program did not print"
caller=main
[ "$first" = "${first#who=1}" ] || caller=worker
grep -qE "^#1 +0x[0-9a-f]+ in $caller \(" "$dir/gdb.out" || fail "gdb" "$dir/gdb.out" \
	"bt at the first hit ($first) does not show $caller as the caller"
last=$(sed -nE 's/^LAST (who=[01] counter=[0-9]+)$/\1/p' "$dir/gdb.out")
want=$(grep '^tick ' "$dir/out" | tail -1)
[ "tick $last" = "$want" ] || fail "gdb" "$dir/gdb.out" \
	"reverse-continue from the end shows '$last', the last call was '$want'"
echo "PASS: $hits hits of tick after the attach, $first at the first, $last at the last"
