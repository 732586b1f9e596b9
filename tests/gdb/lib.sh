# Shared by the gdb scripts that compare gdb on a replay with gdb on a
# native run. Needs $rewind, $prog and $dir (holding the recording t.trace).

# gdb_both NATIVE_OUT REPLAY_OUT COMMANDS...: runs the gdb batch COMMANDS
# natively on $prog and on the replay of $dir/t.trace, output to the two
# files. RUN in the commands stands for `run` natively and `continue` on
# the replay, which stops once more at the end of its history: one more
# `continue` there runs the exit. Both run under the prefix in the array
# as_user when the script set it (../harness/as_user.sh).
gdb_both() {
	local native_out=$1 replay_out=$2
	shift 2
	${as_user[@]+"${as_user[@]}"} gdb -nx -batch "${@/RUN/run}" "$prog" >"$native_out" 2>&1 \
		</dev/null || true
	timeout 120 ${as_user[@]+"${as_user[@]}"} "$rewind" replay "$dir/t.trace" -- -nx -batch \
		"${@/RUN/continue}" -ex 'continue' >"$replay_out" 2>&1 </dev/null || true
}
