#!/usr/bin/env bash
# A shared file mapping that a process outside the recording also maps is
# warned about at record time, naming the mapping, the file and that
# process; the recording goes on. Without the outside process, no warning.
# usage: shared_outside.sh MAP_SHARED_PROGRAM
. "$(dirname "$0")/lib.sh"
prog=$1

run_status st "$REWIND" rec -o "$dir/alone.trace" "$prog" "$dir/file" >"$dir/out" 2>"$dir/err"
[ "$st" = 0 ] || fail "rec exited $st: $(cat "$dir/err")"
grep -q 'also mapped' "$dir/err" && fail "a warning with no outside process: $(cat "$dir/err")"

"$prog" "$dir/file" hold "$dir/ready" &
holder=$!
trap 'kill $holder 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do [ -e "$dir/ready" ] && break; sleep 0.05; done
[ -e "$dir/ready" ] || fail "the outside process did not map the file"
run_status st "$REWIND" rec -o "$dir/shared.trace" "$prog" "$dir/file" >"$dir/out" 2>"$dir/err"
[ "$st" = 0 ] || fail "rec exited $st: $(cat "$dir/err")"
expect_grep "^page: held$" "$dir/out"
expect_grep "^rewind: warning: pid [0-9]+: shared mapping 0x[0-9a-f]+-0x[0-9a-f]+ of $dir/file is also mapped by process $holder \(map_shared\), which is not recorded: what it writes there will not replay$" "$dir/err"
[ "$(grep -c 'also mapped' "$dir/err")" = 1 ] || fail "warned more than once: $(cat "$dir/err")"
run_status st "$REWIND" replay -a "$dir/shared.trace" >"$dir/rout" 2>"$dir/rerr"
[ "$st" = 0 ] || fail "replay exited $st: $(cat "$dir/rerr")"
cmp -s "$dir/out" "$dir/rout" || fail "replayed output differs"
echo "PASS: a mapping shared with process $holder outside the recording is warned about"
