#!/usr/bin/env bash
# __thread variables in gdb on a replay print what they print natively:
# the program's own (initialized and .tbss), a linked library's and libc's
# errno (static TLS), and a dlopened library's (dynamic TLS) before its
# first access (an error on both sides) and after it, values and
# addresses. The replay runs twice: with the link_map layout that glibc
# describes in libc's _thread_db_* symbols (gdb looks them up through
# qSymbol), and with qSymbol turned off, where the server finds the
# layout by matching link_maps against the thread's dtv.
# usage: replay_tls.sh REWIND TLS-PROGRAM DLOPENED-LIBRARY
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rewind=$1
prog=$2
dynlib=$3
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-gdb.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export REWIND_DIR=$dir/traces
fail() { echo "FAIL: $*"; exit 1; }

commands=(
	-ex 'break checkpoint'
	-ex 'RUN'
	-ex 'p main_tls'
	-ex 'p main_tls_bss'
	-ex 'p lib_tls'
	-ex 'p (int)errno'
	-ex 'p &main_tls'
	-ex 'p &main_tls_bss'
	-ex 'p &lib_tls'
	-ex 'p &errno'
	-ex 'continue'
	-ex 'p dyn_tls'
	-ex 'continue'
	-ex 'p dyn_tls'
	-ex 'p &dyn_tls'
	-ex 'p main_tls + lib_tls'
	-ex 'continue'
)
native=("${commands[@]/RUN/run}")
# The replay stops at the end of its history, in front of the exit.
replay=("${commands[@]/RUN/continue}")

(cd "$dir" && "$rewind" rec -o "$dir/t.trace" "$prog" "$dynlib" >"$dir/rec.out") ||
	{ cat "$dir/rec.out"; fail "recording failed"; }
grep -q "^main_tls 12 main_tls_bss 0x1234567890 lib_tls 26 errno 9$" "$dir/rec.out" &&
	grep -q "^dyn_tls 34$" "$dir/rec.out" && grep -q "^EXIT-SUCCESS$" "$dir/rec.out" ||
	{ cat "$dir/rec.out"; fail "the recorded run printed other values"; }
native_preload
gdb -nx -batch ${preload[@]+"${preload[@]}"} "${native[@]}" --args "$prog" "$dynlib" \
	>"$dir/native.raw" 2>&1 </dev/null || true
timeout 120 "$rewind" replay "$dir/t.trace" -- -nx -batch -ex 'set debug remote 1' \
	"${replay[@]}" >"$dir/replay.raw" 2>"$dir/replay.log" </dev/null || true
timeout 120 "$rewind" replay "$dir/t.trace" -- -nx -batch -ex 'set debug remote 1' \
	-ex 'set remote symbol-lookup-packet off' "${replay[@]}" >"$dir/matched.raw" \
	2>"$dir/matched.log" </dev/null || true

# Values, stops and the exit; pids and paths differ. (The replays' remote
# protocol logs are on their stderr, apart from what gdb prints.)
filter() {
	grep -E '^(\$[0-9]+ = |Breakpoint [0-9]+, |\[Inferior 1 \(process [0-9]+\) exited)' "$1" |
		sed -E 's/process [0-9]+/process PID/; s/ at [^ ]*tls.c/ at tls.c/'
}
filter "$dir/native.raw" >"$dir/native.txt"
lines=$(wc -l <"$dir/native.txt")
[ "$lines" -ge 14 ] || { cat "$dir/native.raw"; fail "only $lines lines of native gdb output"; }
grep -q '^\$1 = 12$' "$dir/native.txt" && grep -q '^\$4 = 9$' "$dir/native.txt" &&
	grep -q '^\$9 = 34$' "$dir/native.txt" ||
	{ cat "$dir/native.raw"; fail "native gdb printed unexpected values"; }
for run in replay matched; do
	# rewind's line at the end is on gdb's stderr, with the protocol log: the exit natively.
	grep '^rewind: the replay reached the end' "$dir/$run.log" | end_as_exit |
		cat "$dir/$run.raw" - >"$dir/$run.end"
	filter "$dir/$run.end" >"$dir/$run.txt"
	if ! diff -u "$dir/native.txt" "$dir/$run.txt"; then
		echo "---- $run gdb output:"
		cat "$dir/$run.raw"
		fail "__thread variables in the replay ($run) differ from a native run"
	fi
done
# The first replay did get glibc's descriptions through qSymbol.
grep -qE 'Sending packet: \$qSymbol:[0-9a-f]+:5f7468726561645f6462' "$dir/replay.log" ||
	fail "gdb never answered the server's qSymbol requests"
grep -q 'Sending packet: \$qSymbol' "$dir/matched.log" && fail "qSymbol was used with the packet off"
grep -q 'Sending packet: \$qGetTLSAddr' "$dir/matched.log" || fail "no qGetTLSAddr with qSymbol off"
echo "PASS: $lines lines of gdb output on __thread variables identical natively and in both replays"
