# Shared helpers for the command-line tests: sourced, not run.
# Every test gets REWIND (the binary), a private temp dir in $dir with
# REWIND_DIR and REWIND_CACHE_DIR inside it, and fail/pass helpers.
set -euo pipefail

REWIND=${REWIND:?set REWIND to the rewind binary}
dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-cli.XXXXXX")
export REWIND_DIR="$dir/traces"
export REWIND_CACHE_DIR="$dir/cache"
# Background processes of the test (bg_pids+=($!); emptied once they are waited for):
# killed and reaped if the test ends early.
bg_pids=()
cleanup() {
	local p
	for p in "${bg_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || continue
		wait "$p" 2>/dev/null || true
	done
	[ "${REWIND_KEEP_TEST_DIR:-0}" = 1 ] && echo "kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

# run_status VAR CMD...: runs CMD with a time limit, stores its exit status in VAR.
run_status() {
	local __var=$1
	shift
	local __st=0
	timeout 120 "$@" || __st=$?
	[ "$__st" -ne 124 ] || fail "timed out: $*"
	[ "$__st" -lt 128 ] || fail "crashed with signal $((__st - 128)): $*"
	printf -v "$__var" '%s' "$__st"
}

expect_grep() {
	local pattern=$1 file=$2
	grep -qE -- "$pattern" "$file" || { echo "---- $file:"; head -c 4000 "$file"; fail "no line matches /$pattern/ in $(basename "$file")"; }
}

# wait_lines FILE N: waits (up to a minute) until FILE holds at least N lines.
wait_lines() {
	local file=$1 n=$2 i
	for ((i = 0; i < 600; i++)); do
		[ "$(wc -l <"$file" 2>/dev/null || echo 0)" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "$(basename "$file") never reached $n lines"
}

# expect_prefix SHORT LONG: SHORT's bytes are the start of LONG's.
expect_prefix() {
	local n
	n=$(stat -c %s "$1")
	head -c "$n" "$2" | cmp -s - "$1" || fail "$(basename "$1") is not a prefix of $(basename "$2")"
}

# rec_attach TRACE PID [PREFIX...]: starts `rewind rec -o TRACE -p PID` in the
# background (run under PREFIX, as_user's say), its output in $dir/rec.out
# and $dir/rec.err, its pid in $rec (and bg_pids); returns once PID is
# traced, rec has said something or ended, or ten seconds have gone by.
rec_attach() {
	local trace=$1 pid=$2 i
	shift 2
	timeout 120 "$@" "$REWIND" rec -o "$trace" -p "$pid" >"$dir/rec.out" 2>"$dir/rec.err" &
	rec=$!
	bg_pids+=("$rec")
	for ((i = 0; i < 200; i++)); do
		grep -qE "^TracerPid:[[:space:]]*[1-9]" "/proc/$pid/status" 2>/dev/null && return 0
		[ -s "$dir/rec.err" ] && return 0
		kill -0 "$rec" 2>/dev/null || return 0
		sleep 0.05
	done
}
