# Running a test's commands as an unprivileged user: sourced, not run.
#
# REWIND_TEST_USER=UID:GID asks for it. Run as root, the commands drop to
# that user with setpriv (no supplementary groups); run as anyone else,
# they run as that user already, unprivileged, and nothing changes hands.
# Either way they get a home of their own, so the replay's cache of files
# is made where the user's home says (~/.cache/rewind).
#
#   as_user_init DIR       sets as_user, the prefix that runs a command as
#                          the user with DIR/home as home, and makes DIR,
#                          the test's own directory, the user's
#   as_user_give PATH...   makes what the test made the user's (skips the
#                          test when the user cannot reach it even so)
#   as_user_reach DIR FILE prints a path of FILE that the user can read and
#                          run: FILE itself, or a copy in DIR (a build tree
#                          under a directory only root may enter)

as_user=()
as_user_drop=()
as_user_uid=$(id -u)
as_user_gid=$(id -g)

as_user_init() {
	local spec=${REWIND_TEST_USER:?REWIND_TEST_USER must be UID:GID}

	case $spec in
	[0-9]*:[0-9]*) ;;
	*)
		echo "REWIND_TEST_USER=$spec: expected UID:GID" >&2
		exit 2
		;;
	esac
	if [ "$(id -u)" = 0 ]; then
		as_user_uid=${spec%%:*}
		as_user_gid=${spec#*:}
		if ! command -v setpriv >/dev/null; then
			echo "SKIP: setpriv (util-linux) is not installed: cannot drop root's privileges"
			exit 77
		fi
		as_user_drop=(setpriv "--reuid=$as_user_uid" "--regid=$as_user_gid" --clear-groups)
	fi
	mkdir -p "$1/home"
	as_user_give "$1"
	as_user=("${as_user_drop[@]}" env -u XDG_CACHE_HOME -u XDG_DATA_HOME -u XDG_CONFIG_HOME
	    -u XDG_STATE_HOME -u XDG_RUNTIME_DIR -u REWIND_CACHE_DIR "HOME=$1/home")
}

as_user_give() {
	local path

	[ ${#as_user_drop[@]} -gt 0 ] || return 0
	chown -R "$as_user_uid:$as_user_gid" "$@"
	for path in "$@"; do
		if ! "${as_user_drop[@]}" test -w "$path"; then
			echo "SKIP: uid $as_user_uid cannot reach $path: give TMPDIR a directory it can enter"
			exit 77
		fi
	done
}

as_user_reach() {
	local dir=$1 file=$2 copy

	if [ ${#as_user_drop[@]} -eq 0 ] || "${as_user_drop[@]}" test -r "$file" -a -x "$file"; then
		printf '%s\n' "$file"
		return 0
	fi
	mkdir -p "$dir"
	chmod 0755 "$dir"
	copy=$dir/$(basename "$file")
	cp "$file" "$copy"
	chmod 0755 "$copy"
	# rewind finds the syscall buffer's library beside itself.
	if [ -e "$(dirname "$file")/librewind_preload.so" ]; then
		cp "$(dirname "$file")/librewind_preload.so" "$dir/"
		chmod 0755 "$dir/librewind_preload.so"
	fi
	printf '%s\n' "$copy"
}
