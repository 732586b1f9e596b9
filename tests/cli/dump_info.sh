#!/usr/bin/env bash
# rewind dump / info / ps on a real recording, in text and JSON, and the
# default trace location (latest-trace, private permissions).
# usage: dump_info.sh PROGRAM
. "$(dirname "$0")/lib.sh"
prog=$1

run_status st "$REWIND" rec "$prog" named >"$dir/rec.out"
[ "$st" = 0 ] || fail "rec exited $st"
[ -L "$REWIND_DIR/latest-trace" ] || fail "no latest-trace link"
trace=$(readlink -f "$REWIND_DIR/latest-trace")
[ "$(stat -c %a "$REWIND_DIR")" = 700 ] || fail "trace directory is not 0700"
[ "$(stat -c %a "$trace")" = 600 ] || fail "trace file is not 0600"
case $(basename "$trace") in "$(basename "$prog")"-0) ;; *) fail "trace named $(basename "$trace")" ;; esac

# Replay with no trace named uses the latest one.
run_status st "$REWIND" replay -a >"$dir/replay.out"
[ "$st" = 0 ] || fail "replay of the latest trace exited $st"
cmp "$dir/rec.out" "$dir/replay.out" || fail "replayed output differs"

"$REWIND" dump >"$dir/dump.txt"
expect_grep '^#0 tid [0-9]+ exec [0-9]+ mappings' "$dir/dump.txt"
expect_grep 'syscall-exit openat\(AT_FDCWD, "/etc/hostname", O_RDONLY\) = [0-9]+' "$dir/dump.txt"
expect_grep 'syscall-exit read\([0-9]+, 0x[0-9a-f]+, 63\) = [0-9]+ +wrote [0-9]+ bytes in 1 regions' "$dir/dump.txt"
expect_grep 'syscall-exit write\(1, .*output [0-9]+ bytes to fd 1' "$dir/dump.txt"
expect_grep 'exit exit status 0x0' "$dir/dump.txt"
"$REWIND" dump --disasm >"$dir/disasm.txt"
expect_grep 'syscall-entry write.*\[[a-z]+' "$dir/disasm.txt"

"$REWIND" dump --json | python3 -c '
import json, sys
events = [json.loads(l) for l in sys.stdin]
assert events[0]["kind"] == "exec", events[0]
assert all(e["event"] == i for i, e in enumerate(events)), "event numbers"
assert events[-1]["kind"] == "exit" and events[-1]["exit_status"] == 0
exits = [e for e in events if e["kind"] == "syscall-exit"]
assert all(set(e["regs"]) >= {"rip", "fs_base", "gs_base", "orig_rax", "fs", "gs"} for e in exits)
assert any(e["syscall"] == "write" and e["output_bytes"] > 0 for e in exits)
print("json ok:", len(events), "events")'

"$REWIND" info >"$dir/info.txt"
expect_grep '^xcr0: +0x[0-9a-f]+ \(x87 SSE' "$dir/info.txt"
expect_grep '^kernel: +'"$(uname -r)" "$dir/info.txt"
expect_grep '^  AVX +offset +576 size +256' "$dir/info.txt"
expect_grep "^command line: +$prog named" "$dir/info.txt"
"$REWIND" info --json | python3 -c '
import json, sys
h = json.load(sys.stdin)
leaves = {(l[0], l[1]): l[2:] for l in h["cpuid"]}
assert (0, 0) in leaves and (0xd, 0) in leaves, "cpuid leaves 0 and 0xd"
assert h["xcr0"] & 3 == 3, "x87 and SSE in xcr0"
assert h["xsave_size"] == leaves[(0xd, 0)][1], "xsave size from leaf 0xd"
assert h["exit_status"] == 0
print("info json ok")'
"$REWIND" ps | tee "$dir/ps.txt"
expect_grep "^[0-9]+	-	0	$prog named$" "$dir/ps.txt"
echo "PASS: dump, info, ps"
