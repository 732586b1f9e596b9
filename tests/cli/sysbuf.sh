#!/usr/bin/env bash
# The in-process syscall buffer: with the library beside rewind, a recorded
# program's reads, clocks and ids are made from rewind's untraced
# instruction (their events are at its address, 0x70000042) and replay;
# rec -v says once that it is on, and REWIND_NO_SYSCALL_BUFFER=1 turns it
# off. A user's LD_PRELOAD is kept (the library goes after it). Outside
# rewind the library does nothing. Under --chaos, threads are preempted
# in the library's code (some between a syscall and its commit), and the
# recording still replays. libc's own queries of the kernel's state
# (sigaction with no new action, getrlimit, getcwd) and handlers set go
# through the buffer, other changes (a limit lowered) stop as before; opens
# of files that are not there go through it too. So do libc's changes of
# the address space (brk, anonymous private mmap, mprotect, munmap, madvise), which
# replay makes at their events; mappings of files and shared ones stop.
# usage: sysbuf.sh SYSBUF_CALLS_PROGRAM SYSBUF_SIGNALS_PROGRAM SYSBUF_SITE_QUERIES_PROGRAM
#        SYSBUF_SHARED_WRITE_PROGRAM SYSBUF_BLOCK_PROCS_PROGRAM SYSBUF_SITE_MEMORY_PROGRAM
. "$(dirname "$0")/lib.sh"
calls=$1
signals=$2
queries=$3
shared_write=$4
block_procs=$5
memory=$6
lib=$(dirname "$REWIND")/librewind_preload.so
[ -r "$lib" ] || fail "no $lib beside rewind"

untraced_events() {
	"$REWIND" dump "$1" | grep -c 'syscall-exit .*rip 0x70000042$' || true
}

run_status st "$REWIND" rec -v -o "$dir/on.trace" "$calls" >"$dir/on.out" 2>"$dir/on.err"
[ "$st" = 0 ] || { cat "$dir/on.err"; fail "recording with the buffer exited $st"; }
[ "$(grep -c 'syscall buffer: on' "$dir/on.err")" = 1 ] || { cat "$dir/on.err"; fail "rec -v did not say once that the buffer is on"; }
n=$(untraced_events "$dir/on.trace")
[ "$n" -gt 20000 ] || fail "only $n syscalls made through the buffer"
run_status st "$REWIND" replay -a "$dir/on.trace" >"$dir/on.replay" 2>"$dir/on.replay.err"
[ "$st" = 0 ] || { cat "$dir/on.replay.err"; fail "replay exited $st"; }
cmp "$dir/on.out" "$dir/on.replay" || fail "the replay printed other things"

REWIND_NO_SYSCALL_BUFFER=1 run_status st "$REWIND" rec -v -o "$dir/off.trace" "$calls" \
	>"$dir/off.out" 2>"$dir/off.err"
[ "$st" = 0 ] || fail "recording without the buffer exited $st"
expect_grep 'syscall buffer: off \(REWIND_NO_SYSCALL_BUFFER\)' "$dir/off.err"
n=$(untraced_events "$dir/off.trace")
[ "$n" = 0 ] || fail "$n syscalls made through the buffer it was turned off"

# Queries and handlers set buffered, other changes traced: entries of each call at the buffer's
# syscall (buffered) and elsewhere (traced), as "NAME buffered|traced".
run_status st "$REWIND" rec -o "$dir/q.trace" "$queries" >"$dir/q.out" 2>"$dir/q.err"
[ "$st" = 0 ] || { cat "$dir/q.err"; fail "recording the queries exited $st"; }
"$REWIND" dump "$dir/q.trace" | awk '$4 == "syscall-entry" {
	split($5, call, "("); how = $NF == "0x70000042" ? "buffered" : "traced"
	if (call[1] == "rt_sigaction") how = how ($6 == "NULL," ? "-query" : "-set")
	n[call[1] " " how]++ } END { for (k in n) print k, n[k] }' >"$dir/q.counts"
count() { awk -v k="$1" '$1 " " $2 == k { print $3 }' "$dir/q.counts"; }
[ "$(count 'rt_sigaction buffered-query')" -ge 4000 ] || { cat "$dir/q.counts"; fail "sigaction queries were not buffered"; }
[ "$(count 'rt_sigaction buffered-set')" -ge 30 ] || { cat "$dir/q.counts"; fail "the handlers set were not buffered"; }
[ "$(count 'getcwd buffered')" -ge 80 ] && [ "$(count 'prlimit64 buffered')" -ge 80 ] ||
	{ cat "$dir/q.counts"; fail "getcwd or getrlimit were not buffered"; }
[ "$(count 'openat buffered')" -ge 120 ] || { cat "$dir/q.counts"; fail "opens of missing files were not buffered"; }
run_status st "$REWIND" replay -a "$dir/q.trace" >"$dir/q.replay" 2>&1
[ "$st" = 0 ] || { cat "$dir/q.replay"; fail "the queries' replay exited $st"; }
cmp "$dir/q.out" "$dir/q.replay" || fail "the queries' replay printed other things"

# Changes of the address space: buffered, but for mappings of files and shared ones.
run_status st "$REWIND" rec -o "$dir/m.trace" "$memory" >"$dir/m.out" 2>"$dir/m.err"
[ "$st" = 0 ] || { cat "$dir/m.out" "$dir/m.err"; fail "recording the address space changes exited $st"; }
"$REWIND" dump "$dir/m.trace" | awk '$4 == "syscall-entry" {
	split($5, call, "("); how = $NF == "0x70000042" ? "buffered" : "traced"
	if (call[1] == "mmap") how = how ($0 ~ /MAP_SHARED|MAP_PRIVATE\|MAP_DENYWRITE|MAP_PRIVATE, [0-9]/ ? "-file-or-shared" : "-anon")
	n[call[1] " " how]++ } END { for (k in n) print k, n[k] }' >"$dir/m.counts"
mcount() { awk -v k="$1" '$1 " " $2 == k { print $3 }' "$dir/m.counts"; }
for k in 'brk buffered' 'mmap buffered-anon' 'mprotect buffered' 'munmap buffered' 'madvise buffered'; do
	[ "$(mcount "$k")" -ge 55 ] || { cat "$dir/m.counts"; fail "$k: only $(mcount "$k") calls"; }
done
[ -z "$(mcount 'mmap buffered-file-or-shared')" ] || { cat "$dir/m.counts"; fail "a file or shared mapping was buffered"; }
[ "$(mcount 'mmap traced-file-or-shared')" -ge 120 ] || { cat "$dir/m.counts"; fail "file and shared mappings were not traced"; }
run_status st "$REWIND" replay -a "$dir/m.trace" >"$dir/m.replay" 2>&1
[ "$st" = 0 ] || { cat "$dir/m.replay"; fail "the address space changes' replay exited $st"; }
cmp "$dir/m.out" "$dir/m.replay" || fail "the address space changes' replay printed other things"

# A user's LD_PRELOAD stays first; the library is appended. (It is rewind's
# too: a sanitizer build's runtime must not insist on coming first.)
LD_PRELOAD=libm.so.6 ASAN_OPTIONS=verify_asan_link_order=0 \
	run_status st "$REWIND" rec -o "$dir/env.trace" /usr/bin/env >"$dir/env.out"
expect_grep "^LD_PRELOAD=libm.so.6:$lib\$" "$dir/env.out"

# Outside rewind: harmless.
LD_PRELOAD=$lib run_status st "$calls" >"$dir/native.out" 2>&1
[ "$st" = 0 ] && grep -qx EXIT-SUCCESS "$dir/native.out" || { cat "$dir/native.out"; fail "the program fails with the library outside rewind"; }

for seed in 1 2; do
	run_status st "$REWIND" rec --chaos --seed $seed -o "$dir/chaos$seed.trace" "$signals" \
		>"$dir/chaos$seed.out" 2>"$dir/chaos$seed.err"
	[ "$st" = 0 ] || { cat "$dir/chaos$seed.err"; fail "chaos recording $seed exited $st"; }
	run_status st "$REWIND" replay -a "$dir/chaos$seed.trace" >"$dir/chaos$seed.replay" 2>&1
	[ "$st" = 0 ] || { cat "$dir/chaos$seed.replay"; fail "chaos replay $seed exited $st"; }
	cmp "$dir/chaos$seed.out" "$dir/chaos$seed.replay" || fail "chaos replay $seed printed other things"
done
# Another process's write to a file that this one maps shared, made through
# the buffer, shows in the mapping before this process reads it, whatever
# the preemptions; the descheduling event's signal, met while a thread is
# stepped to its commit, never reaches the program (its default action
# would kill it).
# Processes that wait for each other in buffered calls that block (pipes,
# sockets, poll, epoll_wait), preempted anywhere: an epoll_wait that a stop
# of rewind's ended is run again (natively nothing ended it), a call the
# stop interrupted is never single-stepped (the flags it saves would show
# the trap flag), and the descheduling event's signal met while stepping
# does not come again at every step.
chaos_runs() { # chaos_runs NAME PROGRAM SEEDS
	local seed
	for seed in $(seq 1 "$3"); do
		run_status st "$REWIND" rec --chaos --seed $seed -o "$dir/$1.trace" "$2" \
			>"$dir/$1.out" 2>"$dir/$1.err"
		[ "$st" = 0 ] || { cat "$dir/$1.out" "$dir/$1.err"; fail "$1: chaos recording $seed exited $st"; }
		run_status st "$REWIND" replay -a "$dir/$1.trace" >"$dir/$1.replay" 2>"$dir/$1.replay.err"
		[ "$st" = 0 ] || { cat "$dir/$1.replay.err"; fail "$1: chaos replay $seed exited $st"; }
		cmp -s "$dir/$1.out" "$dir/$1.replay" || fail "$1: chaos replay $seed printed other things"
	done
}
chaos_runs shared-write "$shared_write" 30
chaos_runs block-procs "$block_procs" 8
chaos_runs memory "$memory" 8
echo "PASS: buffered syscalls recorded and replayed, off when asked, harmless outside rewind"
