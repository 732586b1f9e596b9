#!/usr/bin/env bash
# Signals gdb lets pass (QPassSignals): a replayed SIGPROF timer, which gdb
# neither stops at nor prints by default, reaches gdb as no stop at all,
# while `handle SIGPROF stop print` shows every one of them; in both the
# program runs to its end and reverse-continue finds the last call of a
# function. A fault that ends the process stops the replay (the end of its
# history) even when gdb lets SIGSEGV pass.
# usage: pass_signals.sh REWIND PREEMPTED CRASH
set -euo pipefail
rewind=$1
prog=$2
crash=$3
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-pass.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "---- $1:"; tail -40 "$1"; echo "FAIL: $2"; exit 1; }

"$rewind" rec -o "$dir/t.trace" "$prog" prof >"$dir/rec.out" 2>"$dir/rec.err" ||
	fail "$dir/rec.err" "recording failed"
read -r _ _ calls _ last <"$dir/rec.out"
[ "$calls" -gt 0 ] || fail "$dir/rec.out" "the program made no rare() call"
signals=$("$rewind" dump "$dir/t.trace" | awk '$4 == "signal" && $6 == "27"' | wc -l)
[ "$signals" -gt 0 ] || fail "$dir/rec.out" "no SIGPROF was recorded"

# replay OUT GDB-ARGS...: continue to the end, then back to the last rare().
replay() {
	local out=$1
	shift
	timeout 300 "$rewind" replay "$dir/t.trace" -- -nx -batch "$@" \
		-ex 'set debug remote 1' -ex continue -ex 'set debug remote 0' \
		-ex 'break rare' -ex reverse-continue -ex 'p id * 100000000 + i' >"$out" 2>&1 </dev/null || true
	grep -qE '^rewind: the replay reached the end of the recording .* exits normally there$' \
		"$out" || fail "$out" "no end in front of the exit"
	grep -q "^rare calls $calls last $last\$" "$out" || fail "$out" "the program's output differs"
	grep -q "^\\\$1 = $last\$" "$out" || fail "$out" "reverse-continue did not find the last call"
}

replay "$dir/pass.out"
grep -q 'QPassSignals:[0-9a-f;]*\b1b;' "$dir/pass.out" ||
	fail "$dir/pass.out" "gdb did not let SIGPROF pass"
stops=$(grep -c 'Packet received: T1b' "$dir/pass.out" || true)
[ "$stops" = 0 ] || fail "$dir/pass.out" "$stops SIGPROF stops reported to gdb, which lets it pass"

# Printed (not passed silently), each is reported: as many as were recorded.
replay "$dir/print.out" -ex 'handle SIGPROF nostop print'
shown=$(grep -c '^Program received signal SIGPROF' "$dir/print.out" || true)
[ "$shown" = "$signals" ] ||
	fail "$dir/print.out" "gdb printed $shown SIGPROF deliveries, the trace has $signals"

# The end of a history that a fault ends, with SIGSEGV let pass.
"$rewind" rec -o "$dir/crash.trace" "$crash" >/dev/null 2>&1 || true
timeout 120 "$rewind" replay "$dir/crash.trace" -- -nx -batch \
	-ex 'handle SIGSEGV nostop noprint pass' -ex continue -ex 'p counter' \
	>"$dir/crash.out" 2>&1 </dev/null || true
grep -q '^rewind: the replay reached the end of the recording (event [0-9]*): process [0-9]* is killed by signal 11 (Segmentation fault) there$' \
	"$dir/crash.out" || fail "$dir/crash.out" "no end of the history at the fault"
grep -q '^\$1 = 3$' "$dir/crash.out" || fail "$dir/crash.out" "the process is not there to look at"
echo "PASS: $signals SIGPROF let pass without a stop, or each shown; a fault's end stays"
