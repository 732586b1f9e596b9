#!/usr/bin/env bash
# gdb on the replay of programs with processes and threads: forward to the
# end of the history, back to its start, and forward to the end again.
# Each way must replay without a divergence or an error reply, the program
# must print its last line on each way forward, and stop in front of its
# exit each time (the end of the history, where the process stays).
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
		>"$out" 2>&1 </dev/null || true
	bad=$(grep -E 'divergence|Remote failure|^rewind:' "$out" | grep -cv 'reached the end' || true)
	ends=$(grep -c 'No more reverse-execution history' "$out" || true)
	succ=$(grep -c '^EXIT-SUCCESS$' "$out" || true)
	exits=$(grep -cE '^rewind: the replay reached the end .* exits (normally|with code [0-7]+) there$' \
		"$out" || true)
	if [ "$bad" != 0 ] || [ "$ends" != 3 ] || [ "$succ" != 2 ] || [ "$exits" != 2 ]; then
		cat "$out"
		echo "FAIL: $name: $bad errors, $ends history ends (3 wanted), $succ runs to the end (2), $exits ends in front of the exit (2)"
		exit 1
	fi
	echo "ok $name"
done
echo "PASS: $# programs forward, back to the start, forward again"
