# Shared by the gdb scripts that compare gdb on a replay with gdb on a
# native run. Needs $rewind, $prog and $dir (holding the recording t.trace).

# gdb_both NATIVE_OUT REPLAY_OUT COMMANDS...: runs the gdb batch COMMANDS
# natively on $prog and on the replay of $dir/t.trace, output to the two
# files. RUN in the commands stands for `run` natively and `continue` on
# the replay. The replay stops at the end of its history, in front of the
# exit, and stays there: the line rewind prints on gdb's console there is
# written in REPLAY_OUT as gdb's line for the exit natively. Both run under
# the prefix in the array as_user when the script set it
# (../harness/as_user.sh).
gdb_both() {
	local native_out=$1 replay_out=$2
	shift 2
	native_preload
	${as_user[@]+"${as_user[@]}"} gdb -nx -batch ${preload[@]+"${preload[@]}"} "${@/RUN/run}" \
		"$prog" >"$native_out" 2>&1 </dev/null || true
	timeout 120 ${as_user[@]+"${as_user[@]}"} "$rewind" replay "$dir/t.trace" -- -nx -batch \
		"${@/RUN/continue}" >"$replay_out.end" 2>&1 </dev/null || true
	end_as_exit <"$replay_out.end" >"$replay_out"
}

# end_as_exit: stdin to stdout, rewind's line at the end of the history
# where the process exits made gdb's line for that exit.
end_as_exit() {
	sed -E 's/^rewind: the replay reached the end of the recording \(event [0-9]+\): process ([0-9]+) exits (normally|with code [0-7]+) there$/[Inferior 1 (process \1) exited \2]/'
}

# native_preload: sets the array preload to the gdb commands that give the
# native run the syscall buffer's library in LD_PRELOAD, as rewind gives it
# to the recorded program (when rewind has it beside itself and it is not
# turned off), so that both have the same mappings, TLS layout and wrappers.
native_preload() {
	local lib
	lib=$(dirname "$rewind")/librewind_preload.so
	preload=()
	if [ -r "$lib" ] && [ -z "${REWIND_NO_SYSCALL_BUFFER:-}" ]; then
		preload=(-ex "set environment LD_PRELOAD=$lib")
	fi
}

# attach_record: starts $prog (its output in $dir/out), waits for its first
# line, records it with `rec -p` into $dir/t.trace until it ends and fails
# unless rec and the program both exit 0. $pid is the program's while it
# runs, for the caller's EXIT trap; needs the caller's fail().
attach_record() {
	local i st=0
	"$prog" >"$dir/out" &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		[ -s "$dir/out" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	timeout 120 "$rewind" rec -o "$dir/t.trace" -p "$pid" >"$dir/rec.out" 2>"$dir/rec.err" || st=$?
	[ "$st" = 0 ] || fail "rec's stderr" "$dir/rec.err" "rec -p exited $st"
	st=0
	wait "$pid" || st=$?
	pid=
	[ "$st" = 0 ] || fail "the program's output" "$dir/out" "the program exited $st"
}

# sysbuf_gdb_start NAME: for a script about the syscall buffer under gdb,
# skips (77) without gdb or without the buffer's library beside $rewind,
# then sets $dir to a new directory (removed at exit unless KEEP is set)
# and REWIND_DIR to its traces.
sysbuf_gdb_start() {
	command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }
	[ -r "$(dirname "$rewind")/librewind_preload.so" ] ||
		{ echo "SKIP: no syscall buffer library"; exit 77; }
	dir=$(mktemp -d "${TMPDIR:-/tmp}/rewind-$1.XXXXXX")
	trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
	export REWIND_DIR=$dir/traces
}
