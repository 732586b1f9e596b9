#!/usr/bin/env bash
# Written-page tracking (src/recorder/written_pages.c): the program writes
# known pages of regions at fixed addresses and ends each phase at an
# execution point; with REWIND_DEBUG_WRITTEN_PAGES=2 the recorder logs the
# ranges written since the previous one. Within each region the program
# names, the pages logged must be exactly those it says it wrote (pages
# elsewhere, its stack and libc's data, are not looked at). The phases:
# user and kernel writes, mprotect, mremap, brk, a forked child, an exec.
# Its descriptors must be the same as natively, and the trace must replay.
# With REWIND_TEST_USER=UID:GID, as that user (see harness/as_user.sh): no
# privilege is needed, whatever vm.unprivileged_userfaultfd says.
# usage: written_pages.sh WRITTEN_PAGES_PROGRAM
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../harness/as_user.sh"
prog=$1
if [ -n "${REWIND_TEST_USER:-}" ]; then
	as_user_init "$dir"
	REWIND=$(as_user_reach "$dir/bin" "$REWIND")
	prog=$(as_user_reach "$dir/bin" "$prog")
	as_user_give "$dir"
	echo "as uid $as_user_uid, gid $as_user_gid"
fi

"${as_user[@]}" "$prog" >"$dir/native.out" 2>"$dir/native.err" ||
	fail "the program fails natively: $(cat "$dir/native.err")"
# The program's stderr and the recorder's log share one file, in the order written.
run_status st "${as_user[@]}" env REWIND_DEBUG_WRITTEN_PAGES=2 "$REWIND" rec -o "$dir/t.trace" \
	"$prog" >"$dir/out" 2>"$dir/log"
[ "$st" = 0 ] || fail "rec exited $st: $(head -c 4000 "$dir/log")"
if grep -q '^rewind: warning: pid [0-9]*: written pages are not tracked' "$dir/log"; then
	echo "SKIP: $(grep -m1 'written pages are not tracked' "$dir/log")"
	exit 77
fi
cmp -s "$dir/native.out" "$dir/out" ||
	fail "stdout (the descriptors) differs from the native run: $(diff "$dir/native.out" "$dir/out")"
run_status st "${as_user[@]}" "$REWIND" replay -a "$dir/t.trace" >"$dir/rout" 2>"$dir/rerr"
[ "$st" = 0 ] || fail "replay exited $st: $(cat "$dir/rerr")"

# Per pid: the expectations of each phase, and the ranges logged at each execution point.
declare -A region_start region_pages phases points
checked=0
while IFS= read -r line; do
	if [[ $line =~ ^written-pages-test:\ pid\ ([0-9]+)\ region\ ([A-Z0-9]+)\ (0x[0-9a-f]+)\ ([0-9]+)$ ]]; then
		region_start[${BASH_REMATCH[2]}]=$((BASH_REMATCH[3]))
		region_pages[${BASH_REMATCH[2]}]=${BASH_REMATCH[4]}
	elif [[ $line =~ ^written-pages-test:\ pid\ ([0-9]+)\ expect\ ([A-Z])\ ([A-Z0-9]+)(.*)$ ]]; then
		pid=${BASH_REMATCH[1]} phase=${BASH_REMATCH[2]} name=${BASH_REMATCH[3]}
		pages=${BASH_REMATCH[4]}
		# A phase's first expect line opens it; the pid's next execution point closes it.
		[[ " ${phases[$pid]:-} " == *" $phase:"* ]] || phases[$pid]+=" $phase:"
		phases[$pid]+="$name=${region_start[$name]}+${region_pages[$name]}=${pages// /,};"
	elif [[ $line =~ ^rewind:\ pid\ ([0-9]+),\ thread\ [0-9]+,\ event\ [0-9]+:\ ([0-9]+)\ pages ]]; then
		points[${BASH_REMATCH[1]}]+=" |"
	elif [[ $line =~ ^rewind:\ pid\ ([0-9]+):\ written\ (0x[0-9a-f]+)-(0x[0-9a-f]+)$ ]]; then
		points[${BASH_REMATCH[1]}]+="$((BASH_REMATCH[2]))-$((BASH_REMATCH[3]));"
	fi
done <"$dir/log"

# pages_in RANGES START NPAGES: the pages of the region the ranges cover, as ",a,b,".
pages_in() {
	local ranges=$1 start=$2 npages=$3 out="," p a b
	for ((p = 0; p < npages; p++)); do
		local addr=$((start + p * 4096)) range
		IFS=';' read -ra list <<<"$ranges"
		for range in "${list[@]}"; do
			[ -n "$range" ] || continue
			a=${range%-*} b=${range#*-}
			if ((addr >= a && addr < b)); then
				out+="$p,"
				break
			fi
		done
	done
	printf '%s' "$out"
}

for pid in "${!phases[@]}"; do
	IFS=' ' read -ra plist <<<"${phases[$pid]}"
	IFS='|' read -ra elist <<<"${points[$pid]:-}"
	# elist[0] is what comes before the first execution point: nothing.
	[ "${#elist[@]}" -ge $((${#plist[@]} + 1)) ] ||
		fail "pid $pid: ${#plist[@]} phases but $((${#elist[@]} - 1)) execution points logged"
	for i in "${!plist[@]}"; do
		phase=${plist[$i]%%:*} ranges=${elist[$((i + 1))]}
		IFS=';' read -ra expects <<<"${plist[$i]#*:}"
		for e in "${expects[@]}"; do
			[ -n "$e" ] || continue
			IFS='=' read -r name where want <<<"$e"
			got=$(pages_in "$ranges" "${where%+*}" "${where#*+}")
			want=",${want#,}"
			[ "$want" = "," ] || want+=","
			want=${want//,,/,}
			[ "$got" = "$want" ] ||
				fail "pid $pid, phase $phase: pages written in $name: logged ${got:-none}, wanted $want"
			checked=$((checked + 1))
		done
	done
done
[ "$checked" -ge 9 ] || fail "only $checked regions checked: $(grep written-pages-test "$dir/log")"
echo "PASS: $checked regions checked"
