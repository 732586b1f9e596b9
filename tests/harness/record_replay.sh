#!/usr/bin/env bash
# Record-and-replay check for one program run.
#
#   record_replay.sh REWIND_BIN NAME [--stdin FILE] [--expect-success]
#                    [--expect-event KIND] -- PROG [ARGS...]
#
# Runs PROG natively, then under `rewind rec`, then replays the trace with
# `rewind replay -a`, each in its own fresh directory under one temporary
# directory (so parallel tests never share files). Fails when
#   - the recorded run's exit status differs from the native run's,
#   - the replay exits non-zero (a divergence, or any other replay error),
#   - the replay's stdout differs from the recorded stdout, byte for byte,
#   - the replay's stderr differs from the recorded stderr once rewind's own
#     lines (those starting with "rewind: ") are dropped from both,
#   - with --expect-success: the native or the recorded stdout lacks a line
#     that is exactly EXIT-SUCCESS,
#   - with --expect-event KIND: the trace holds no event of that kind (as
#     `rewind dump` names it: sched, signal, ...).
# Exits 0 on success, 1 on failure, 2 on bad usage, and 77 (skipped) only when
# PROG does not exist on this machine.
#
# Environment:
#   REWIND_TEST_TIMEOUT   seconds for all three runs together (default 110)
#   REWIND_KEEP_TEST_DIR  if 1, keep the temporary directory and print its path
#   REWIND_TEST_USER      UID:GID: the three runs are made as that user, with a
#                         home in the temporary directory (see as_user.sh); the
#                         program and rewind are copied there if that user
#                         cannot reach them where they are
set -euo pipefail
. "$(dirname "$0")/as_user.sh"

usage() {
	echo "usage: $0 REWIND_BIN NAME [--stdin FILE] [--expect-success] [--expect-event KIND] -- PROG [ARGS...]" >&2
	exit 2
}

[ $# -ge 2 ] || usage
rewind_bin=$1
name=$2
shift 2
stdin_file=/dev/null
expect_success=0
expect_event=
while [ $# -gt 0 ]; do
	case $1 in
	--stdin)
		[ $# -ge 2 ] || usage
		stdin_file=$2
		shift 2
		;;
	--expect-success)
		expect_success=1
		shift
		;;
	--expect-event)
		[ $# -ge 2 ] || usage
		expect_event=$2
		shift 2
		;;
	--)
		shift
		break
		;;
	*)
		usage
		;;
	esac
done
[ $# -ge 1 ] || usage
prog=$1
shift

fail() {
	echo "FAIL $name: $*"
	exit 1
}

# Absolute paths, since every run happens in a directory of its own.
absolute() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}

case $prog in
*/*)
	prog=$(absolute "$prog")
	if [ ! -x "$prog" ] || [ -d "$prog" ]; then
		echo "SKIP $name: $prog is not installed (no executable file there)"
		exit 77
	fi
	;;
*)
	if ! resolved=$(type -P -- "$prog"); then
		echo "SKIP $name: $prog is not installed (not found in PATH)"
		exit 77
	fi
	prog=$resolved
	;;
esac
rewind_bin=$(absolute "$rewind_bin")
[ -x "$rewind_bin" ] || fail "rewind binary $rewind_bin is missing or not executable"
[ -r "$stdin_file" ] || fail "stdin file $stdin_file is not readable"
stdin_file=$(absolute "$stdin_file")

safe_name=$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.-' '_')
work=$(mktemp -d "${TMPDIR:-/tmp}/rewind-test-$safe_name.XXXXXX")
cleanup() {
	if [ "${REWIND_KEEP_TEST_DIR:-0}" = 1 ]; then
		echo "kept $work"
	else
		# Programs may leave read-only directories behind.
		chmod -R u+rwx "$work" 2>/dev/null || true
		rm -rf "$work"
	fi
}
trap cleanup EXIT
mkdir "$work/native" "$work/rec" "$work/replay" "$work/traces"
trace=$work/t.trace
deadline=$((SECONDS + ${REWIND_TEST_TIMEOUT:-110}))

# run_step DIR OUT ERR STDIN CMD...: runs CMD in DIR within what is left of the
# time budget, and sets step_status to its exit status (124 on timeout).
run_step() {
	local dir=$1 out=$2 err=$3 input=$4
	shift 4
	local left=$((deadline - SECONDS))
	[ "$left" -ge 1 ] || left=1
	step_status=0
	(cd "$dir" && exec timeout -k 5 "$left" "${as_user[@]}" "$@" <"$input" >"$out" 2>"$err") ||
		step_status=$?
}

# show FILE TITLE: prints the start of a file for the failure report.
show() {
	if [ -s "$1" ]; then
		echo "---- $2 (first 40 lines) ----"
		head -n 40 -- "$1" || true
	else
		echo "---- $2: empty ----"
	fi
}

report_logs() {
	show "$work/rec.err" "stderr of rewind rec"
	show "$work/replay.err" "stderr of rewind replay -a"
}

printf '== %s:' "$name"
printf ' %q' "$prog" "$@"
printf '\n'
if [ -n "${REWIND_TEST_USER:-}" ]; then
	as_user_init "$work"
	rewind_bin=$(as_user_reach "$work/bin" "$rewind_bin")
	prog=$(as_user_reach "$work/bin" "$prog")
	as_user_give "$work"
	echo "the runs are made as uid $as_user_uid, gid $as_user_gid"
fi

run_step "$work/native" "$work/native.out" "$work/native.err" "$stdin_file" "$prog" "$@"
native_status=$step_status
[ "$native_status" -ne 124 ] || fail "the native run timed out"
echo "native run: exit status $native_status, $(wc -c <"$work/native.out") bytes of stdout"
if [ "$expect_success" = 1 ] && ! grep -qx 'EXIT-SUCCESS' "$work/native.out"; then
	show "$work/native.out" "native stdout"
	show "$work/native.err" "native stderr"
	fail "the program fails natively (no EXIT-SUCCESS line), so rewind is not to blame"
fi

run_step "$work/rec" "$work/rec.out" "$work/rec.err" "$stdin_file" \
	env REWIND_DIR="$work/traces" "$rewind_bin" rec -o "$trace" -- "$prog" "$@"
rec_status=$step_status
echo "rewind rec: exit status $rec_status, $(wc -c <"$work/rec.out") bytes of stdout"
if [ "$rec_status" -eq 124 ]; then
	report_logs
	fail "rewind rec timed out"
fi
if [ "$rec_status" -ne "$native_status" ]; then
	show "$work/rec.out" "recorded stdout"
	report_logs
	fail "exit status under rewind rec is $rec_status, natively $native_status"
fi
if [ ! -e "$trace" ]; then
	report_logs
	fail "rewind rec wrote no trace at $trace"
fi
echo "trace: $(du -sb -- "$trace" | cut -f1) bytes"
if [ -n "$expect_event" ]; then
	events=$("$rewind_bin" dump "$trace" | awk -v k="$expect_event" '/^#/ && $4 == k' | wc -l)
	echo "$expect_event events in the trace: $events"
	[ "$events" -gt 0 ] || fail "the trace holds no $expect_event event"
fi

run_step "$work/replay" "$work/replay.out" "$work/replay.err" /dev/null \
	env REWIND_DIR="$work/traces" "$rewind_bin" replay -a "$trace"
replay_status=$step_status
echo "rewind replay -a: exit status $replay_status, $(wc -c <"$work/replay.out") bytes of stdout"
if [ "$replay_status" -ne 0 ]; then
	report_logs
	if [ "$replay_status" -eq 124 ]; then
		fail "rewind replay -a timed out"
	fi
	fail "rewind replay -a exited with status $replay_status"
fi

if ! cmp -s "$work/rec.out" "$work/replay.out"; then
	echo "---- stdout: recorded vs replayed ----"
	cmp "$work/rec.out" "$work/replay.out" || true
	{ diff -a -u --label recorded --label replayed "$work/rec.out" "$work/replay.out" |
		head -n 60; } || true
	report_logs
	fail "replayed stdout differs from the recorded stdout"
fi

grep -v '^rewind: ' "$work/rec.err" >"$work/rec.err.program" || true
grep -v '^rewind: ' "$work/replay.err" >"$work/replay.err.program" || true
if ! cmp -s "$work/rec.err.program" "$work/replay.err.program"; then
	echo "---- stderr without rewind's lines: recorded vs replayed ----"
	{ diff -a -u --label recorded --label replayed "$work/rec.err.program" \
		"$work/replay.err.program" | head -n 60; } || true
	fail "replayed stderr differs from the recorded stderr"
fi

if [ "$expect_success" = 1 ] && ! grep -qx 'EXIT-SUCCESS' "$work/rec.out"; then
	show "$work/rec.out" "recorded stdout"
	report_logs
	fail "the recorded run did not print EXIT-SUCCESS (it succeeds natively)"
fi

echo "PASS $name: exit status $rec_status as natively; replay reproduced" \
	"$(wc -c <"$work/rec.out") bytes of stdout and $(wc -c <"$work/rec.err.program") of stderr"
