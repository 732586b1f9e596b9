#!/usr/bin/env bash
# Going back restores MAP_SHARED memory too: a value kept in a shared
# anonymous mapping shows, after each reverse-continue, what it showed at
# the same point going forwards.
# usage: reverse_shared.sh REWIND DEBUGGEE
set -euo pipefail
rewind=$1
prog=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-rshared.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- gdb output:"; cat "$dir/out"; echo "FAIL: $*"; exit 1; }

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" >"$dir/rec.out")
args=(-nx -batch -ex 'break shared.c:15')
for i in 1 2 3 4 5; do args+=(-ex continue -ex 'echo FWD\n' -ex 'p shared[0]'); done
for i in 1 2 3 4; do args+=(-ex reverse-continue -ex 'echo BACK\n' -ex 'p shared[0]'); done
args+=(-ex delete -ex continue -ex continue)
timeout 120 "$rewind" replay "$dir/t.trace" -- "${args[@]}" >"$dir/out" 2>&1 </dev/null || true

after() { awk -v m="$1" '$0 == m { getline; sub(/^\$[0-9]+ = /, ""); print }' "$dir/out"; }
fwd=$(after FWD | tr '\n' ' ')
back=$(after BACK | tr '\n' ' ')
want=$(after FWD | head -4 | tac | tr '\n' ' ')
[ "$fwd" = "0 1 3 8 18 " ] || fail "forward values '$fwd'"
[ "$back" = "$want" ] || fail "reverse-continue values '$back', forward values reversed '$want'"
grep -q 'shared 35' "$dir/out" || fail "the program's last line after going forward again"
echo "PASS: shared memory forward $fwd; back $back"
