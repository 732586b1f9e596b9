#!/usr/bin/env bash
# rec --chaos: random slices and a random next thread make a race show up
# that plain recording hides. A racy counter must lose updates in at least
# one of ten chaos recordings; each recording replays with the same count,
# and info shows the seed. Bad --seed values are refused. A thread that
# counts while another spawns and execs again and again, preempted at
# random: the calls rewind injects at an exec pass over the SIGSTOP it
# sent to end the child's slice (they failed there, and the recording
# hung), and every recording replays. Processes that share a file's
# mappings and write it, preempted at random: every recording replays (a
# fork's child has none of its parent's shared file pages mapped, and a
# point that took them for zeros was missed in a third of these replays).
# usage: chaos.sh RACY_COUNTER_PROGRAM THREAD_VFORK_COUNTER_PROGRAM SHARED_FILE_PROGRAM
. "$(dirname "$0")/lib.sh"
lost_runs=0
for i in $(seq 10); do
	run_status st "$REWIND" rec --chaos -o "$dir/t$i.trace" "$1" >"$dir/rec$i.out"
	[ "$st" = 0 ] || fail "chaos recording $i exited $st"
	run_status st "$REWIND" replay -a "$dir/t$i.trace" >"$dir/replay$i.out"
	[ "$st" = 0 ] || fail "replay of chaos recording $i exited $st"
	cmp -s "$dir/rec$i.out" "$dir/replay$i.out" ||
		fail "replay $i printed '$(cat "$dir/replay$i.out")', the recording '$(cat "$dir/rec$i.out")'"
	grep -q "lost 0$" "$dir/rec$i.out" || lost_runs=$((lost_runs + 1))
done
[ "$lost_runs" -gt 0 ] || fail "no chaos recording lost an update: $(cat "$dir"/rec*.out | tr '\n' ' ')"
run_status st "$REWIND" rec --chaos --seed 12345 -o "$dir/s.trace" "$1" >/dev/null
[ "$st" = 0 ] || fail "rec --chaos --seed 12345 exited $st"
"$REWIND" info "$dir/s.trace" >"$dir/info"
expect_grep "^chaos mode: *seed 12345$" "$dir/info"
"$REWIND" info "$dir/t1.trace" | grep -q "^chaos mode:" || fail "info does not show chaos mode"
"$REWIND" info "$dir/s.trace" >/dev/null
for bad in "" x -1 12ab 99999999999999999999999; do
	run_status st "$REWIND" rec --chaos --seed "$bad" -o "$dir/bad.trace" "$1" 2>"$dir/err" >/dev/null
	[ "$st" = 2 ] || fail "--seed '$bad' exited $st, wanted 2"
	grep -q "seed wants a number" "$dir/err" || fail "--seed '$bad': $(cat "$dir/err")"
done
run_status st "$REWIND" rec --seed 1 -o "$dir/bad.trace" "$1" 2>"$dir/err" >/dev/null
[ "$st" = 2 ] && grep -q "give --chaos too" "$dir/err" || fail "--seed without --chaos: $st $(cat "$dir/err")"
[ ! -e "$dir/bad.trace" ] || fail "a refused command line left a trace"
# chaos_seeds WHAT PROGRAM SEED...: each seed's chaos recording replays as it ran.
chaos_seeds() {
	local what=$1 prog=$2 seed
	shift 2
	for seed in "$@"; do
		run_status st "$REWIND" rec --chaos --seed "$seed" -o "$dir/v.trace" "$prog" >"$dir/v.out" 2>"$dir/v.err"
		[ "$st" = 0 ] || { cat "$dir/v.err"; fail "$what, seed $seed: rec exited $st"; }
		run_status st "$REWIND" replay -a "$dir/v.trace" >"$dir/v.replay" 2>"$dir/v.replay.err"
		[ "$st" = 0 ] || { cat "$dir/v.replay.err"; fail "$what, seed $seed: replay exited $st"; }
		cmp -s "$dir/v.out" "$dir/v.replay" || fail "$what, seed $seed: the replay printed other things"
	done
}
chaos_seeds "spawning under chaos" "$2" 1 2 3 4
chaos_seeds "shared file under chaos" "$3" $(seq 12)
echo "PASS: $lost_runs of 10 chaos recordings lost updates, all replayed; spawns and a shared file under chaos replayed"
