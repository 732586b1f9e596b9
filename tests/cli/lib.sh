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

# What run_status saw go wrong (a command timed out or crashed), one file
# per command: run_status is called with its command's output redirected,
# so it says nothing itself; fail says it, and a test that ends well
# despite it fails at its end.
problems() {
	cat "$dir"/.problem.* 2>/dev/null || true
}

cleanup() {
	local st=$? p
	for p in "${bg_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || continue
		wait "$p" 2>/dev/null || true
	done
	if [ "$st" = 0 ] && [ -n "$(problems)" ]; then
		problems
		echo "FAIL: a command timed out or crashed (above)"
		st=1
	fi
	[ "${REWIND_KEEP_TEST_DIR:-0}" = 1 ] && echo "kept $dir" || rm -rf "$dir"
	exit "$st"
}
trap cleanup EXIT

fail() {
	problems
	echo "FAIL: $*"
	exit 1
}

# Seconds a command of run_status may take.
RUN_LIMIT=${RUN_LIMIT:-120}

# show_stuck PID: what PID and the processes under it are doing (each
# thread's state, wait channel and syscall), and the end of PID's stderr.
show_stuck() {
	local pid=$1 p task todo=("$1") all=() err
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		all+=("$p")
		todo+=($(ps -o pid= --ppid "$p" 2>/dev/null || true))
	done
	for p in "${all[@]}"; do
		ps -o pid=,ppid=,stat=,args= -p "$p" 2>/dev/null || continue
		for task in /proc/"$p"/task/*; do
			printf '    tid %s: %s, in %s, syscall %s\n' "${task##*/}" \
				"$(sed -n 's/^State:[[:space:]]*//p' "$task/status" 2>/dev/null)" \
				"$(cat "$task/wchan" 2>/dev/null)" "$(cut -d' ' -f1-2 "$task/syscall" 2>/dev/null)"
		done
	done
	err=$(readlink "/proc/$pid/fd/2" 2>/dev/null || true)
	if [ -f "$err" ]; then
		echo "---- the end of its stderr ($err):"
		tail -n 30 "$err"
	fi
}

# watch_over: in the background of run_status, a little before its time
# limit, notes what the test's processes are doing (all but itself), for
# run_status to tell if the command times out.
watch_over() {
	local shell=$$ me=$BASHPID fifo=$dir/.watch.$BASHPID hold c wait=$((RUN_LIMIT - 2))
	trap - EXIT # the test's cleanup is not this subshell's
	[ "$wait" -ge 1 ] || wait=1
	# Waits in bash's own read of a pipe nobody writes: no sleep process
	# outlives the watch when run_status ends it.
	mkfifo "$fifo"
	exec {hold}<>"$fifo"
	rm -f "$fifo"
	read -r -t "$wait" -u "$hold" || true
	for c in $(ps -o pid= --ppid "$shell"); do
		[ "$c" = "$me" ] || show_stuck "$c"
	done >"$dir/.stuck.$me" 2>&1
}

# run_status VAR CMD...: runs CMD with a time limit (RUN_LIMIT seconds, then
# SIGTERM: rewind finishes its trace), stores its exit status in VAR (124
# when it timed out). A timeout (with what the processes were doing) or a
# crash (a status of 128 or more) is a problem, which fails the test.
run_status() {
	local __var=$1 __st=0 __dog
	shift
	watch_over </dev/null >/dev/null 2>&1 &
	__dog=$!
	timeout "$RUN_LIMIT" "$@" || __st=$?
	# SIGKILL: a SIGTERM would run the EXIT trap bash copied into it (cleanup).
	kill -KILL "$__dog" 2>/dev/null || true
	wait "$__dog" 2>/dev/null || true
	if [ "$__st" = 124 ]; then
		{
			echo "---- timed out after $RUN_LIMIT s: $*"
			cat "$dir/.stuck.$__dog" 2>/dev/null || true
		} >"$dir/.problem.$__dog"
	elif [ "$__st" -ge 128 ]; then
		echo "---- crashed with signal $((__st - 128)): $*" >"$dir/.problem.$__dog"
	fi
	rm -f "$dir/.stuck.$__dog"
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
# and $dir/rec.err, its pid in $rec (and bg_pids); returns once every thread
# of PID is traced (the attach about done, even on a loaded machine), rec
# has said something or ended, or thirty seconds have gone by.
rec_attach() {
	local trace=$1 pid=$2 i
	shift 2
	# Emptied here: the background shell may empty them only after the first look.
	: >"$dir/rec.out"
	: >"$dir/rec.err"
	timeout 120 "$@" "$REWIND" rec -o "$trace" -p "$pid" >"$dir/rec.out" 2>"$dir/rec.err" &
	rec=$!
	bg_pids+=("$rec")
	for ((i = 0; i < 600; i++)); do
		[ -z "$(grep -LE "^TracerPid:[[:space:]]*[1-9]" /proc/"$pid"/task/*/status \
			2>/dev/null || true)" ] && return 0
		[ -s "$dir/rec.err" ] && return 0
		kill -0 "$rec" 2>/dev/null || return 0
		sleep 0.05
	done
}
