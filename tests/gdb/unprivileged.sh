#!/usr/bin/env bash
# gdb on a replay recorded and replayed by an unprivileged user (uid:gid
# from REWIND_TEST_USER when run as root, else the user running it): a
# breakpoint is hit as often as on a native run under gdb by the same user,
# with the same values, and reverse-continue walks those values back to the
# start of the history.
# usage: unprivileged.sh REWIND HISTORY (tests/gdb/programs/history.c)
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/../harness/as_user.sh"
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb-user.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
as_user_init "$dir"
rewind=$(as_user_reach "$dir/bin" "$(realpath "$1")")
prog=$(as_user_reach "$dir/bin" "$(realpath "$2")")
export REWIND_DIR=$dir/traces
mkdir "$dir/traces"
as_user_give "$dir"
echo "as uid $as_user_uid, gid $as_user_gid"
fail() { echo "---- $1:"; cat "$2"; echo "FAIL: $3"; exit 1; }

(cd "$dir" && timeout 120 "${as_user[@]}" "$rewind" rec -o "$dir/t.trace" "$prog" \
	>"$dir/rec.out" 2>"$dir/rec.err") || fail "rewind rec's stderr" "$dir/rec.err" "rec failed"

# Every hit of the breakpoint, to the end.
commands=(-ex 'break history.c:25' -ex 'RUN' -ex 'p counter')
for i in 1 2 3 4 5; do commands+=(-ex 'continue' -ex 'p counter'); done
gdb_both "$dir/native.out" "$dir/replay.out" "${commands[@]}"
hits() { grep -c '^Breakpoint 1, main' "$1" || true; }
values() { grep -E '^\$[0-9]+ = ' "$1" | sed -E 's/^\$[0-9]+ = //' | head -n "$(hits "$1")"; }
[ "$(hits "$dir/native.out")" = 5 ] || fail "native gdb" "$dir/native.out" \
	"the native run hit the breakpoint $(hits "$dir/native.out") times, not 5"
[ "$(hits "$dir/replay.out")" = "$(hits "$dir/native.out")" ] || fail "gdb on the replay" \
	"$dir/replay.out" "$(hits "$dir/replay.out") hits in the replay, $(hits "$dir/native.out") natively"
forward=$(values "$dir/native.out" | tr '\n' ' ')
[ "$(values "$dir/replay.out" | tr '\n' ' ')" = "$forward" ] || fail "gdb on the replay" \
	"$dir/replay.out" "values at the hits differ from the native run's: $forward"

# Forward to the last hit, then back through the others to the start.
commands=(-nx -batch -ex 'break history.c:25')
for i in 1 2 3 4 5; do commands+=(-ex 'continue'); done
for i in 1 2 3 4; do commands+=(-ex 'reverse-continue' -ex 'echo BACK\n' -ex 'p counter'); done
commands+=(-ex 'reverse-continue' -ex 'echo START\n')
timeout 120 "${as_user[@]}" "$rewind" replay "$dir/t.trace" -- "${commands[@]}" \
	>"$dir/reverse.out" 2>&1 </dev/null || true
back=$(awk '$0 == "BACK" { getline; sub(/^\$[0-9]+ = /, ""); print }' "$dir/reverse.out" |
	tr '\n' ' ')
want=$(values "$dir/native.out" | head -4 | tac | tr '\n' ' ')
[ "$back" = "$want" ] || fail "gdb going backwards" "$dir/reverse.out" \
	"reverse-continue gave '$back', the forward values backwards are '$want'"
grep -q 'No more reverse-execution history' "$dir/reverse.out" ||
	fail "gdb going backwards" "$dir/reverse.out" "reverse-continue did not reach the start"
echo "PASS: $(hits "$dir/native.out") hits with values ${forward% } natively and in the" \
	"replay; reverse-continue gave them back"
