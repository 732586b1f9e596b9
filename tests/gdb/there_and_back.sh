#!/usr/bin/env bash
# gdb on the replay of programs with processes and threads: forward to the
# end of the history, back to its start, forward to the end again and out.
# Each way must replay without a divergence or an error reply, the program
# must print its last line on each way forward, and exit once.
# usage: there_and_back.sh REWIND PROGRAM...
set -euo pipefail
rewind=$1
shift
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-back.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
for prog in "$@"; do
	name=$(basename "$prog")
	(cd "$dir" && "$rewind" rec -o "$dir/$name.trace" "$prog" >"$dir/$name.rec" 2>&1)
	grep -q '^EXIT-SUCCESS$' "$dir/$name.rec" || { cat "$dir/$name.rec"; echo "FAIL: $name: rec"; exit 1; }
	out=$dir/$name.gdb
	timeout 300 "$rewind" replay "$dir/$name.trace" -- -nx -batch \
		-ex 'handle all nostop noprint pass' -ex continue -ex reverse-continue -ex continue \
		-ex continue >"$out" 2>&1 </dev/null || true
	bad=$(grep -cE 'divergence|Remote failure|^rewind:' "$out" || true)
	ends=$(grep -c 'No more reverse-execution history' "$out" || true)
	succ=$(grep -c '^EXIT-SUCCESS$' "$out" || true)
	exits=$(grep -cE '^\[Inferior 1 \(process [0-9]+\) exited (normally|with code)' "$out" || true)
	if [ "$bad" != 0 ] || [ "$ends" != 3 ] || [ "$succ" != 2 ] || [ "$exits" != 1 ]; then
		cat "$out"
		echo "FAIL: $name: $bad errors, $ends history ends (3 wanted), $succ runs to the end (2), $exits exits (1)"
		exit 1
	fi
	echo "ok $name"
done
echo "PASS: $# programs forward, back to the start, forward again"
