#!/usr/bin/env bash
# Record-and-replay checks of real programs on inputs made here.
#
#   real_program.sh HARNESS REWIND_BIN CASE
#
# Makes the input files CASE needs in a temporary directory, then runs one
# command through HARNESS (record_replay.sh), which runs it natively, records
# it and replays it. Inputs are generated deterministically so that a failure
# can be reproduced; the commands themselves may still print run-dependent
# things (times, random numbers), which the harness allows.
#
# CASE is one of: ls cat sort wc cp gzip grep find tar python sqlite_memory
# sqlite_file sqlite_wal_sequence sh_pipeline python_threads python_multiprocessing make_gcc
# git_commit postgres_initdb go_goroutines go_build cargo_build runuser node java redis. Exit status: the harness's (77 when the program is missing).
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 HARNESS REWIND_BIN CASE" >&2
	exit 2
fi
harness=$1
rewind_bin=$2
case_name=$3

data=$(mktemp -d "${TMPDIR:-/tmp}/rewind-real-$case_name.XXXXXX")
trap 'rm -rf "$data"' EXIT
# With REWIND_TEST_USER (see as_user.sh) the runs read the inputs as that user.
[ -z "${REWIND_TEST_USER:-}" ] || chmod 0755 "$data"

# gen_text FILE LINES: lines of words and numbers from a fixed-seed generator
# (a 32-bit LCG, exact in awk's doubles), in no particular order.
gen_text() {
	awk -v lines="$2" 'BEGIN {
		split("alpha bravo charlie delta echo foxtrot golf hotel india juliett " \
		      "kilo lima mike november oscar papa quebec romeo sierra tango", w, " ")
		x = 12345
		for (i = 0; i < lines; i++) {
			x = (x * 69069 + 1) % 4294967296; a = int(x / 65536) % 20 + 1
			x = (x * 69069 + 1) % 4294967296; b = int(x / 65536) % 20 + 1
			x = (x * 69069 + 1) % 4294967296; n = int(x / 256) % 1000000
			printf "%s %s %06d line-%d\n", w[a], w[b], n, i
		}
	}' >"$1"
}

# run [--expect-success] [--expect-event KIND] PROG ARGS...
run() {
	local opts=()
	if [ "$1" = --expect-success ]; then
		opts+=(--expect-success)
		shift
	fi
	if [ "$1" = --expect-event ]; then
		opts+=(--expect-event "$2")
		shift 2
	fi
	"$harness" "$rewind_bin" "real_$case_name" "${opts[@]}" -- "$@"
}

python_code='
import hashlib, json, os, random, time

start = time.time()
mono = time.monotonic()
rng = random.Random()  # seeded from os.urandom
data = {
    "numbers": [rng.randint(0, 10**6) for _ in range(2000)],
    "floats": [rng.random() for _ in range(100)],
    "nested": {"k%03d" % i: [i, str(i), i * 0.5, None, True] for i in range(300)},
    "started": start,
}
text = json.dumps(data, sort_keys=True)
assert json.loads(text) == data
with open("data.json", "w") as f:
    f.write(text)
with open("data.json") as f:
    assert json.load(f) == data
os.mkdir("files")
for i in range(20):
    with open(os.path.join("files", "f%02d" % i), "w") as f:
        f.write("x" * i)
names = sorted(os.listdir("files"))
sizes = [os.stat(os.path.join("files", n)).st_size for n in names]
print("listdir:", names[:3], "...", len(names), "entries, sizes sum", sum(sizes))
print("json bytes:", len(text), "sha256:", hashlib.sha256(text.encode()).hexdigest())
print("sum of a range:", sum(range(10**6)))
print("time:", start, "elapsed ok:", time.monotonic() >= mono)
print("pid:", os.getpid(), "urandom:", os.urandom(8).hex())
print("EXIT-SUCCESS")
'

python_threads_code='
import subprocess, sys, threading
results = [0] * 4
lock = threading.Lock()
done = threading.Condition(lock)
finished = 0
def work(i):
    global finished
    total = 0
    for k in range(20000 * (i + 1)):
        total += k * k % 7
    with lock:
        results[i] = total
        finished += 1
        done.notify_all()
threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
with lock:
    while finished < 4:
        done.wait()
for t in threads:
    t.join()
print("results:", results)
out = subprocess.run(["/bin/echo", "from", "a", "subprocess"], capture_output=True, text=True)
print("subprocess:", out.returncode, out.stdout.strip())
out = subprocess.run([sys.executable, "-I", "-c", "print(6 * 7)"], capture_output=True, text=True)
print("python child:", out.returncode, out.stdout.strip())
print("EXIT-SUCCESS")
'
# Worker processes of a Pool, and a counter in shared memory under a
# lock: POSIX semaphores in /dev/shm that the processes change in user
# code while others are blocked in syscalls.
python_multiprocessing_code='
from multiprocessing import Lock, Pool, Process, Value
def bump(v, lock):
    for _ in range(200):
        with lock:
            v.value += 1
if __name__ == "__main__":
    with Pool(2) as p:
        print("pool:", sum(p.map(abs, range(-2000, 2000), chunksize=25)))
    v, lock = Value("i", 0), Lock()
    ps = [Process(target=bump, args=(v, lock)) for _ in range(3)]
    for q in ps:
        q.start()
    for q in ps:
        q.join()
    print("counter:", v.value)
    print("EXIT-SUCCESS")
'
sqlite_setup=$(
	cat <<'SQL'
create table t(id integer primary key, name text, value real);
insert into t(name, value) values ('alpha', 1.5), ('beta', 2.25), ('gamma', 3.0);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000)
  insert into t(name, value) select 'n' || x, x * 0.5 from c;
create index t_name on t(name);
select count(*), sum(value) from t;
select id, name, value from t where id <= 5 order by id;
select name from t where name like 'n199%' order by name;
update t set value = value * 2 where id % 100 = 0;
delete from t where id % 7 = 0;
select count(*), total(value) from t;
select random() != 0 as random_ok, datetime('now') is not null as time_ok;
SQL
)

status=0
case $case_name in
ls)
	run ls -la /usr/bin || status=$?
	;;
cat)
	gen_text "$data/input.txt" 20000
	run cat "$data/input.txt" || status=$?
	;;
sort)
	gen_text "$data/input.txt" 20000
	run sort "$data/input.txt" || status=$?
	;;
wc)
	gen_text "$data/input.txt" 20000
	run wc "$data/input.txt" || status=$?
	;;
cp)
	# The copy lands in the harness's working directory, a fresh one per run.
	run cp -a -v /usr/include/linux linux-copy || status=$?
	;;
gzip)
	gen_text "$data/input.txt" 60000
	run gzip -9 -c "$data/input.txt" || status=$?
	;;
grep)
	run grep -r -n 'define.*_IO[RW]*(' /usr/include/linux || status=$?
	;;
find)
	run find /usr/share -name '*.txt' || status=$?
	;;
tar)
	run tar cf - -C /usr/include linux || status=$?
	;;
python)
	# Not plain "python3": a version manager's shim may come first in PATH.
	run --expect-success /usr/bin/python3 -I -B -c "$python_code" || status=$?
	;;
sqlite_memory)
	run sqlite3 :memory: "$sqlite_setup" || status=$?
	;;
sqlite_file)
	# WAL mode maps the shared-memory index file with MAP_SHARED.
	run sqlite3 test.db "pragma journal_mode = wal; $sqlite_setup pragma integrity_check;" ||
		status=$?
	;;
sqlite_wal_sequence)
	# Three sqlite3 processes, one after another, on one WAL database: each
	# maps the shared-memory index file the one before left behind, after
	# cutting and growing it with ftruncate and pwrite.
	if ! type -P sqlite3 >/dev/null; then
		echo "SKIP real_$case_name: sqlite3 is not installed"
		exit 77
	fi
	run /bin/sh -c 'sqlite3 wal.db "pragma journal_mode = wal; create table t(a); insert into t values (1);" &&
		sqlite3 wal.db "insert into t values (2);" &&
		sqlite3 wal.db "insert into t values (3); select sum(a), count(*) from t; pragma integrity_check;"' ||
		status=$?
	;;
sh_pipeline)
	run /bin/sh -c 'ls /usr/bin | sort | head -5' || status=$?
	;;
python_threads)
	run --expect-success /usr/bin/python3 -I -B -c "$python_threads_code" || status=$?
	;;
python_multiprocessing)
	run --expect-success /usr/bin/python3 -I -B -c "$python_multiprocessing_code" || status=$?
	;;
make_gcc)
	# A small C project: make -j2 runs two compilers at a time, each gcc its
	# cc1, as and ld. The project is copied into each run's own directory.
	mkdir "$data/proj"
	for n in 1 2 3 4; do
		printf 'int f%d(int x) { return x * %d + 1; }\n' "$n" "$n" >"$data/proj/f$n.c"
	done
	printf '#include <stdio.h>\nint f1(int), f2(int), f3(int), f4(int);\nint main(void) { printf("%%d\\n", f1(1) + f2(2) + f3(3) + f4(4)); return 0; }\n' >"$data/proj/main.c"
	printf 'OBJS = main.o f1.o f2.o f3.o f4.o\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n%%.o: %%.c\n\t$(CC) -O1 -c -o $@ $<\n' >"$data/proj/Makefile"
	run /bin/sh -c "cp -r '$data/proj' proj && make -s -j2 -C proj CC=gcc && ./proj/prog" ||
		status=$?
	;;
make_preempted)
	# make -j2 of the benchmark's C project with gcc -O2, two of its units
	# grown by 60 functions each: their compilers run long enough (a few
	# hundred ms) to be preempted even in a lone process's longer slice, so
	# replay runs cc1 to execution points.
	cp -r "$(dirname "$0")/../bench/cproject" "$data/proj"
	for u in 1 2; do
		awk -v u=$u 'BEGIN {
			for (i = 0; i < 60; i++)
				printf "int gen%d_%d(int *a, int n)\n{\n\tint s = %d;\n" \
				       "\tfor (int i = 0; i < n; i++)\n\t\ts += a[i] * %d %% (i + %d) + (s >> 3);\n" \
				       "\tfor (int i = n - 1; i > 0; i--)\n\t\ta[i] ^= a[i - 1] + s;\n" \
				       "\treturn s;\n}\n", u, i, i, i + 3, i + 1
		}' >>"$data/proj/unit$u.c"
	done
	run --expect-event sched /bin/sh -c "cp -r '$data/proj' proj && make -s -j2 -C proj CC=gcc && ls proj/project" ||
		status=$?
	;;
sort_parallel)
	# Two sorting threads and a small buffer: temporary files, threads preempted.
	gen_text "$data/input.txt" 300000
	run sort --parallel=2 -S 1M "$data/input.txt" || status=$?
	;;
git_commit)
	run /bin/sh -c 'export HOME=$PWD GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_DATE=2020-01-01T00:00:00Z GIT_COMMITTER_DATE=2020-01-01T00:00:00Z
		git init -q repo && cd repo && git config user.name Test && git config user.email t@example.com &&
		echo hello >a.txt && mkdir d && echo world >d/b.txt && git add . &&
		git commit -q -m first && git log --format="%H %s" && git status --short | wc -l' ||
		status=$?
	;;
postgres_initdb)
	# PostgreSQL's initdb: it starts postgres in bootstrap and single-user
	# mode, which attach a System V shared memory segment, map POSIX shared
	# memory and wait on semaphores in it. It refuses to run as root, so the
	# test runs it as REWIND_TEST_USER.
	initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$initdb" ]; then
		echo "SKIP real_$case_name: no /usr/lib/postgresql/*/bin/initdb (package postgresql, see scripts/setup)"
		exit 77
	fi
	if [ "$(id -u)" = 0 ] && [ -z "${REWIND_TEST_USER:-}" ]; then
		echo "real_program.sh: $case_name needs REWIND_TEST_USER when run as root" >&2
		exit 2
	fi
	run --expect-success /bin/sh -c "\"$initdb\" -D pgdata -A trust -U rewind --no-sync &&
		ls pgdata/base | wc -l && echo EXIT-SUCCESS" || status=$?
	;;
go_goroutines | go_build)
	# A Go program with goroutines (built here, natively), or go build of
	# it under rewind: the toolchain's compile and link processes, the
	# runtime's threads and signals.
	go=/usr/bin/go
	if [ ! -x "$go" ]; then
		echo "SKIP real_$case_name: no $go (package golang-go, see scripts/setup)"
		exit 77
	fi
	cp -r "$(dirname "$0")/../real/goroutines" "$data/src"
	export HOME=$data GOPATH=$data/gopath GOFLAGS=-mod=mod GOTOOLCHAIN=local
	if [ "$case_name" = go_goroutines ]; then
		(cd "$data/src" && GOCACHE=$data/cache "$go" build -o "$data/goroutines" .)
		run "$data/goroutines" || status=$?
	else
		# Each run builds from an empty cache of its own.
		run /bin/sh -c "cp -r '$data/src' src && export GOCACHE=\$PWD/cache && cd src &&
			'$go' build -o ../g . && ../g" || status=$?
	fi
	;;
cargo_build)
	# cargo build --release of a crate with a build script: cargo, rustc
	# (threads), the build script and the linker.
	cargo=/usr/bin/cargo
	if [ ! -x "$cargo" ] || [ ! -x /usr/bin/rustc ]; then
		echo "SKIP real_$case_name: no $cargo or /usr/bin/rustc (package cargo, see scripts/setup)"
		exit 77
	fi
	cp -r "$(dirname "$0")/../real/crate" "$data/crate"
	export HOME=$data CARGO_HOME=$data/cargo RUSTC=/usr/bin/rustc PATH=/usr/bin:/bin
	run /bin/sh -c "cp -r '$data/crate' crate && cd crate &&
		'$cargo' build --release --offline -q && ./target/release/small" || status=$?
	;;
node)
	# node: JIT-compiled loops, a worker thread, libuv's thread pool, timers.
	if ! command -v node >/dev/null; then
		echo "SKIP real_$case_name: no node (package nodejs, see scripts/setup)"
		exit 77
	fi
	cp "$(dirname "$0")/../real/node/app.js" "$data/app.js"
	run --expect-success node "$data/app.js" || status=$?
	;;
java)
	# The JVM: its JIT compilers and GC threads, a pool of two computing
	# threads, a file written and read back. Compiled here with javac.
	if ! command -v javac >/dev/null || ! command -v java >/dev/null; then
		echo "SKIP real_$case_name: no java/javac (package default-jdk-headless, see scripts/setup)"
		exit 77
	fi
	javac -d "$data/classes" "$(dirname "$0")/../real/java/Main.java"
	[ -z "${REWIND_TEST_USER:-}" ] || chmod -R a+rX "$data/classes"
	run --expect-success java -Xshare:auto -cp "$data/classes" Main || status=$?
	;;
redis)
	# redis-server and its clients recorded together: the server's event
	# loop (epoll, sockets, its background threads), redis-cli commands and
	# a short redis-benchmark, then a shutdown.
	if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
		echo "SKIP real_$case_name: no redis-server/redis-cli (packages redis-server, redis-tools)"
		exit 77
	fi
	port=$((30000 + RANDOM % 20000))
	run --expect-success /bin/sh -c "redis-server --port $port --save '' --appendonly no \
		--loglevel warning --logfile '' >/dev/null &
		for i in \$(seq 100); do redis-cli -p $port ping >/dev/null 2>&1 && break; sleep 0.1; done
		redis-cli -p $port set greeting hello && redis-cli -p $port get greeting &&
		redis-cli -p $port rpush list a b c && redis-cli -p $port lrange list 0 -1 &&
		redis-benchmark -p $port -n 2000 -q -t set,get >/dev/null &&
		redis-cli -p $port dbsize && redis-cli -p $port shutdown nosave; wait; echo EXIT-SUCCESS" ||
		status=$?
	;;
runuser)
	# runuser and su as root to another user: PAM (pam_keyinit's keyctl),
	# setuid and setgroups, then a shell as that user.
	if [ "$(id -u)" != 0 ] || [ -n "${REWIND_TEST_USER:-}" ]; then
		echo "SKIP real_$case_name: runuser and su need root"
		exit 77
	fi
	run /bin/sh -c 'runuser -u nobody -- /bin/sh -c "id -un; echo hi" &&
		su -s /bin/sh -c "id -u" nobody' || status=$?
	;;
*)
	echo "real_program.sh: unknown case '$case_name'" >&2
	exit 2
	;;
esac
exit "$status"
