/*
 * Unit tests of the x86_64 syscall table (src/arch/x86_64): names and
 * numbers agree with the kernel headers, the rows of syscalls.def agree
 * with themselves (class and output, flags and argument formats, one row
 * per number), every named syscall either says what it writes or why it
 * cannot be recorded, the output rules give the right regions for the calls
 * the recorder sees most (checked against a fake tracee memory), the regions
 * known before a blocking call cover what it writes, ioctl requests are
 * decoded, and `rewind dump` lines read like strace's.
 *
 * Prints each failure and exits non-zero if there was any.
 */
#include "arch/x86_64/syscall_table.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/syscall_rows.h"

static int failures;
static int checks;

static void fail(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL test_syscall_table.c:%d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		checks++;                                                                          \
		if (!(cond))                                                                       \
			fail(__LINE__, __VA_ARGS__);                                               \
	} while (0)

/* ---- a fake tracee: 64 KiB of memory at BASE, and the regions emitted ---------------- */

#define BASE	    0x10000000ull
#define MEM_SIZE    65536
#define MAX_REGIONS 64

static uint8_t mem[MEM_SIZE];

struct region {
	uint64_t addr, len;
};

static struct region regions[MAX_REGIONS];
static int nregions;
static int emit_error; /* returned by fake_emit when non-zero */

static int fake_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	(void)opaque;
	if (addr < BASE || addr - BASE > MEM_SIZE || len > MEM_SIZE - (addr - BASE))
		return -EFAULT;
	memcpy(buf, mem + (addr - BASE), len);
	return 0;
}

static int fake_emit(void *opaque, uint64_t addr, uint64_t len)
{
	(void)opaque;
	if (emit_error)
		return emit_error;
	if (nregions < MAX_REGIONS)
		regions[nregions++] = (struct region){addr, len};
	return 0;
}

static void put32(uint64_t addr, uint32_t v)
{
	memcpy(mem + (addr - BASE), &v, sizeof(v));
}

static void put64(uint64_t addr, uint64_t v)
{
	memcpy(mem + (addr - BASE), &v, sizeof(v));
}

/* A semaphore set of semid semaphores. */
static int fake_sem_count(void *opaque, int semid)
{
	(void)opaque;
	return semid;
}

/* Runs the output rules of nr with these arguments and result; regions land in regions[]. */
static int run(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
	       uint64_t a5, int64_t ret)
{
	struct x86_sys_out_ctx ctx = {
	    .nr = nr,
	    .args = {a0, a1, a2, a3, a4, a5},
	    .ret = ret,
	    .read_mem = fake_read,
	    .emit = fake_emit,
	    .sem_count = fake_sem_count,
	};

	nregions = 0;
	return x86_syscall_output_regions(&ctx);
}

/* Checks rc == 0 and that exactly the n (addr, len) pairs in want were emitted, in order. */
static void expect_regions(int line, const char *what, int rc, int n, const uint64_t *want)
{
	checks++;
	if (rc != 0) {
		fail(line, "%s: returned %d, expected 0", what, rc);
		return;
	}
	if (nregions != n) {
		fail(line, "%s: %d regions, expected %d", what, nregions, n);
		for (int i = 0; i < nregions; i++)
			fprintf(stderr, "    got [%d] %#" PRIx64 " +%" PRIu64 "\n", i,
				regions[i].addr, regions[i].len);
		return;
	}
	for (int i = 0; i < n; i++)
		if (regions[i].addr != want[2 * i] || regions[i].len != want[2 * i + 1])
			fail(line,
			     "%s: region %d is %#" PRIx64 " +%" PRIu64 ", expected %#" PRIx64
			     " +%" PRIu64,
			     what, i, regions[i].addr, regions[i].len, want[2 * i],
			     want[2 * i + 1]);
}

#define EXPECT(what, rc, ...)                                                                      \
	do {                                                                                       \
		const uint64_t want_[] = {__VA_ARGS__};                                            \
		expect_regions(__LINE__, what, rc, (int)(sizeof(want_) / sizeof(want_[0]) / 2),    \
			       want_);                                                             \
	} while (0)
#define EXPECT_NONE(what, rc) expect_regions(__LINE__, what, rc, 0, NULL)

/* ---- names and numbers ------------------------------------------------------------- */

/* clang-format off */
#define NR(name) {__NR_##name, #name}

static const struct {
	long nr;
	const char *name;
} header_numbers[] = {
	NR(read), NR(write), NR(open), NR(close), NR(stat), NR(fstat), NR(lstat), NR(poll),
	NR(lseek), NR(mmap), NR(mprotect), NR(munmap), NR(brk), NR(rt_sigaction),
	NR(rt_sigprocmask), NR(rt_sigreturn), NR(ioctl), NR(pread64), NR(readv), NR(writev),
	NR(access), NR(pipe), NR(select), NR(mremap), NR(madvise), NR(nanosleep), NR(getpid),
	NR(socket), NR(accept), NR(recvfrom), NR(recvmsg), NR(getsockname), NR(clone), NR(fork),
	NR(vfork), NR(execve), NR(exit), NR(wait4), NR(kill), NR(uname), NR(fcntl), NR(getdents),
	NR(getcwd), NR(readlink), NR(umask), NR(gettimeofday), NR(getrlimit), NR(sysinfo),
	NR(ptrace), NR(getuid), NR(capget), NR(sigaltstack), NR(statfs), NR(prctl), NR(arch_prctl),
	NR(_sysctl), NR(gettid), NR(getxattr), NR(time), NR(futex), NR(sched_getaffinity),
	NR(set_thread_area), NR(io_setup), NR(getdents64), NR(set_tid_address),
	NR(restart_syscall), NR(clock_gettime), NR(clock_nanosleep), NR(exit_group),
	NR(epoll_wait), NR(tgkill), NR(waitid), NR(keyctl), NR(openat), NR(newfstatat),
	NR(readlinkat), NR(pselect6), NR(ppoll), NR(set_robust_list), NR(splice), NR(epoll_pwait),
	NR(accept4), NR(pipe2), NR(preadv), NR(recvmmsg), NR(prlimit64), NR(sendmmsg), NR(getcpu),
	NR(process_vm_readv), NR(getrandom), NR(memfd_create), NR(bpf), NR(execveat),
	NR(copy_file_range), NR(preadv2), NR(pwritev2), NR(pkey_mprotect), NR(statx), NR(rseq),
	NR(pidfd_send_signal), NR(io_uring_setup), NR(clone3), NR(close_range), NR(openat2),
	NR(faccessat2), NR(epoll_pwait2), NR(landlock_create_ruleset), NR(memfd_secret),
	NR(futex_waitv), NR(set_mempolicy_home_node),
};
/* clang-format on */

static void test_names_and_numbers(void)
{
	int named = 0;

	for (size_t i = 0; i < sizeof(header_numbers) / sizeof(header_numbers[0]); i++) {
		long nr = header_numbers[i].nr;
		const char *name = x86_syscall_name(nr);

		CHECK(name && !strcmp(name, header_numbers[i].name),
		      "syscall %ld is named %s, the kernel header says %s", nr,
		      name ? name : "NULL", header_numbers[i].name);
		CHECK(x86_syscall_number(header_numbers[i].name) == nr,
		      "number of %s is %ld, not %ld", header_numbers[i].name,
		      x86_syscall_number(header_numbers[i].name), nr);
	}
	/* Newer than the headers this may build against. */
	CHECK(x86_syscall_number("cachestat") == 451, "cachestat is not 451");
	CHECK(x86_syscall_number("mseal") == 462, "mseal is not 462");
	CHECK(x86_syscall_number("file_setattr") == 469, "file_setattr is not 469");
	CHECK(x86_syscall_number("uretprobe") == 335, "uretprobe is not 335");

	for (long nr = -2; nr < 1024; nr++) {
		const char *name = x86_syscall_name(nr);

		if (!name)
			continue;
		named++;
		CHECK(x86_syscall_number(name) == nr, "%s (%ld) does not round-trip: %ld", name, nr,
		      x86_syscall_number(name));
		CHECK(x86_syscall_lookup(nr) && x86_syscall_lookup(nr)->name == name,
		      "lookup(%ld) disagrees with name()", nr);
	}
	/* 0..336 and 424..470 are all in use on x86_64. */
	CHECK(named == 337 + 47, "%d named syscalls, expected %d", named, 337 + 47);
	CHECK(!x86_syscall_lookup(-1), "lookup(-1) is not NULL");
	CHECK(!x86_syscall_lookup(400), "lookup(400) (unused) is not NULL");
	CHECK(!x86_syscall_lookup(100000), "lookup(100000) is not NULL");
	CHECK(!x86_syscall_name(387), "387 has a name");
	CHECK(x86_syscall_number("no_such_syscall") == -1, "unknown name has a number");
	CHECK(x86_syscall_number(NULL) == -1, "NULL name has a number");
}

/* Every entry is self-consistent and either has an output rule or a reason to refuse it. */
static void test_every_entry(void)
{
	const uint64_t zero[6] = {0};

	for (long nr = 0; nr < 1024; nr++) {
		const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
		int has_path = 0, rc;

		if (!d)
			continue;
		CHECK(d->nargs <= 6, "%s has %d arguments", d->name, d->nargs);
		for (int i = 0; i < 6; i++) {
			if (i < d->nargs)
				has_path |= d->argfmt[i] == ARG_PATH;
			else
				CHECK(d->argfmt[i] == ARG_INT,
				      "%s: format of unused argument %d set", d->name, i);
			CHECK(d->argfmt[i] <= ARG_AT_FLAGS, "%s: bad format %d", d->name,
			      d->argfmt[i]);
		}
		CHECK(!!(d->flags & SYSF_PATH_ARGS) == has_path,
		      "%s: SYSF_PATH_ARGS is %s but it %s ARG_PATH arguments", d->name,
		      (d->flags & SYSF_PATH_ARGS) ? "set" : "clear", has_path ? "has" : "has no");
		CHECK(d->replay <= SYS_REPLAY_NOSYS, "%s: bad replay class %d", d->name, d->replay);

		rc = run(nr, 0, 0, 0, 0, 0, 0, -EPERM);
		CHECK(rc == 0 || rc == -ENOSYS, "%s: failed call gives %d", d->name, rc);
		if (rc == -ENOSYS)
			CHECK(x86_syscall_unsupported_reason(nr, zero) != NULL,
			      "%s has no output rule and no reason", d->name);
		if (d->replay == SYS_REPLAY_UNKNOWN) {
			const char *why = x86_syscall_unsupported_reason(nr, zero);

			CHECK(why && !strncmp(why, d->name, strlen(d->name)),
			      "%s is refused, but its reason (%s) does not name it", d->name,
			      why ? why : "NULL");
			CHECK(rc == -ENOSYS, "%s is refused but has an output rule", d->name);
		}
	}
	CHECK(x86_syscall_unsupported_reason(400, zero) != NULL, "unused number 400 has no reason");
	CHECK(run(400, 0, 0, 0, 0, 0, 0, 0) == -ENOSYS, "unused number 400 has output rules");
}

static void test_classes_and_flags(void)
{
	/* clang-format off */
	static const struct {
		long nr;
		int replay;
	} classes[] = {
		{__NR_read, SYS_REPLAY_EMULATE},
		{__NR_mmap, SYS_REPLAY_MMAP},
		{__NR_munmap, SYS_REPLAY_MUNMAP},
		{__NR_mprotect, SYS_REPLAY_MPROTECT},
		{__NR_pkey_mprotect, SYS_REPLAY_MPROTECT},
		{__NR_mremap, SYS_REPLAY_MREMAP},
		{__NR_madvise, SYS_REPLAY_MADVISE},
		{__NR_brk, SYS_REPLAY_BRK},
		{__NR_rt_sigaction, SYS_REPLAY_REAL},
		{__NR_rt_sigprocmask, SYS_REPLAY_REAL},
		{__NR_sigaltstack, SYS_REPLAY_REAL},
		{__NR_arch_prctl, SYS_REPLAY_REAL},
		{__NR_set_tid_address, SYS_REPLAY_REAL},
		{__NR_exit, SYS_REPLAY_EXIT},
		{__NR_exit_group, SYS_REPLAY_EXIT},
		{__NR_execve, SYS_REPLAY_EXEC},
		{__NR_execveat, SYS_REPLAY_EXEC},
		{__NR_clone, SYS_REPLAY_CLONE},
		{__NR_clone3, SYS_REPLAY_CLONE},
		{__NR_fork, SYS_REPLAY_CLONE},
		{__NR_vfork, SYS_REPLAY_CLONE},
		{__NR_rseq, SYS_REPLAY_RSEQ},
		{__NR_ptrace, SYS_REPLAY_EMULATE},
		{__NR_io_uring_setup, SYS_REPLAY_NOSYS},
		{__NR_bpf, SYS_REPLAY_NOSYS},
	};
	/* clang-format on */
	const uint64_t get_name[6] = {16}, set_name[6] = {15}, get_fs[6] = {0x1003},
		       set_fs[6] = {0x1002};

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		CHECK(x86_syscall_lookup(classes[i].nr)->replay == classes[i].replay,
		      "%s: class %d, expected %d", x86_syscall_name(classes[i].nr),
		      x86_syscall_lookup(classes[i].nr)->replay, classes[i].replay);
	const uint64_t set_stack[6] = {0, 3, 0x1000}, get_stack[6] = {0, 3, 0, 0x1000},
		       other_stack[6] = {1234, 3, 0x1000}, set_nofile[6] = {0, 7, 0x1000};

	CHECK(x86_syscall_replay_class(__NR_prlimit64, set_stack) == SYS_REPLAY_REAL,
	      "prlimit64 setting RLIMIT_STACK does not run for real");
	CHECK(x86_syscall_replay_class(__NR_prlimit64, get_stack) == SYS_REPLAY_EMULATE &&
		  x86_syscall_replay_class(__NR_prlimit64, other_stack) == SYS_REPLAY_EMULATE &&
		  x86_syscall_replay_class(__NR_prlimit64, set_nofile) == SYS_REPLAY_EMULATE,
	      "prlimit64 reading a limit, or of another process or limit, is not emulated");
	CHECK(x86_syscall_replay_class(__NR_setrlimit, (const uint64_t[6]){3}) == SYS_REPLAY_REAL &&
		  x86_syscall_replay_class(__NR_setrlimit, (const uint64_t[6]){7}) ==
		      SYS_REPLAY_EMULATE,
	      "setrlimit: only RLIMIT_STACK runs for real");
	CHECK(x86_syscall_replay_class(__NR_prctl, get_name) == SYS_REPLAY_EMULATE,
	      "prctl(PR_GET_NAME) is not emulated");
	CHECK(x86_syscall_replay_class(__NR_prctl, set_name) == SYS_REPLAY_REAL,
	      "prctl(PR_SET_NAME) does not run for real");
	CHECK(x86_syscall_replay_class(__NR_arch_prctl, get_fs) == SYS_REPLAY_EMULATE,
	      "arch_prctl(ARCH_GET_FS) is not emulated");
	CHECK(x86_syscall_replay_class(__NR_arch_prctl, set_fs) == SYS_REPLAY_REAL,
	      "arch_prctl(ARCH_SET_FS) does not run for real");
	CHECK(x86_syscall_replay_class(__NR_mmap, get_fs) == SYS_REPLAY_MMAP,
	      "mmap's class changed with its arguments");

	CHECK(x86_syscall_lookup(__NR_write)->flags & SYSF_WRITES_FD, "write lacks SYSF_WRITES_FD");
	CHECK(x86_syscall_lookup(__NR_pwritev2)->flags & SYSF_WRITES_FD,
	      "pwritev2 lacks SYSF_WRITES_FD");
	CHECK(!(x86_syscall_lookup(__NR_sendto)->flags & SYSF_WRITES_FD),
	      "sendto has SYSF_WRITES_FD");
	CHECK(x86_syscall_lookup(__NR_read)->flags & SYSF_MAY_BLOCK, "read lacks SYSF_MAY_BLOCK");
	CHECK(x86_syscall_may_change_files(x86_syscall_lookup(__NR_ftruncate)) &&
		  x86_syscall_may_change_files(x86_syscall_lookup(__NR_pwrite64)) &&
		  x86_syscall_may_change_files(NULL) &&
		  !x86_syscall_may_change_files(x86_syscall_lookup(__NR_futex)) &&
		  !x86_syscall_may_change_files(x86_syscall_lookup(__NR_read)),
	      "which syscalls may change files");
	CHECK(x86_syscall_lookup(__NR_futex)->flags & SYSF_MAY_BLOCK, "futex lacks SYSF_MAY_BLOCK");
	CHECK(x86_syscall_lookup(__NR_wait4)->flags & SYSF_MAY_BLOCK, "wait4 lacks SYSF_MAY_BLOCK");
	CHECK(!(x86_syscall_lookup(__NR_getpid)->flags & SYSF_MAY_BLOCK),
	      "getpid has SYSF_MAY_BLOCK");
	CHECK(x86_syscall_lookup(__NR_openat)->flags & SYSF_PATH_ARGS,
	      "openat lacks SYSF_PATH_ARGS");
	CHECK(x86_syscall_lookup(__NR_openat)->argfmt[1] == ARG_PATH,
	      "openat's path is not ARG_PATH");
}

/* ---- output regions ---------------------------------------------------------------- */

static void test_read_family(void)
{
	const uint64_t buf = BASE + 0x1000, iov = BASE + 0x100;
	const uint64_t a = BASE + 0x2000, b = BASE + 0x3000, c = BASE + 0x4000;

	EXPECT("read 100 of 4096", run(__NR_read, 3, buf, 4096, 0, 0, 0, 100), buf, 100);
	EXPECT_NONE("read at end of file", run(__NR_read, 3, buf, 4096, 0, 0, 0, 0));
	EXPECT_NONE("read failing with EAGAIN", run(__NR_read, 3, buf, 4096, 0, 0, 0, -EAGAIN));
	EXPECT("pread64", run(__NR_pread64, 3, buf, 4096, 77, 0, 0, 4096), buf, 4096);
	EXPECT("getrandom", run(__NR_getrandom, buf, 32, 0, 0, 0, 0, 32), buf, 32);

	put64(iov, a);
	put64(iov + 8, 10);
	put64(iov + 16, b);
	put64(iov + 24, 20);
	put64(iov + 32, c);
	put64(iov + 40, 30);
	EXPECT("readv 25 bytes into 10+20+30", run(__NR_readv, 3, iov, 3, 0, 0, 0, 25), a, 10, b,
	       15);
	EXPECT("readv all 60 bytes", run(__NR_readv, 3, iov, 3, 0, 0, 0, 60), a, 10, b, 20, c, 30);
	EXPECT("readv 5 bytes", run(__NR_readv, 3, iov, 3, 0, 0, 0, 5), a, 5);
	EXPECT_NONE("readv at end of file", run(__NR_readv, 3, iov, 3, 0, 0, 0, 0));
	EXPECT_NONE("readv failing", run(__NR_readv, 3, iov, 3, 0, 0, 0, -EFAULT));
	EXPECT("preadv2 30 bytes", run(__NR_preadv2, 3, iov, 3, 0, 0, 0, 30), a, 10, b, 20);
	EXPECT("process_vm_readv", run(__NR_process_vm_readv, 99, iov, 3, 0, 0, 0, 12), a, 10, b,
	       2);
	CHECK(run(__NR_readv, 3, BASE + MEM_SIZE, 3, 0, 0, 0, 10) == -EFAULT,
	      "readv with unreadable iovecs does not report the read error");
	emit_error = -EIO;
	CHECK(run(__NR_read, 3, buf, 10, 0, 0, 0, 10) == -EIO,
	      "an error from emit is not returned");
	emit_error = 0;

	EXPECT("getdents64", run(__NR_getdents64, 3, buf, 32768, 0, 0, 0, 480), buf, 480);
	EXPECT("readlinkat", run(__NR_readlinkat, -100, BASE, buf, 4096, 0, 0, 11), buf, 11);
	EXPECT("getcwd", run(__NR_getcwd, buf, 4096, 0, 0, 0, 0, 6), buf, 6);
	EXPECT("getxattr", run(__NR_getxattr, BASE, BASE, buf, 64, 0, 0, 9), buf, 9);
	EXPECT("msgrcv: mtype and text", run(__NR_msgrcv, 1, buf, 100, 0, 0, 0, 20), buf, 28);
}

static void test_fixed_sizes(void)
{
	const uint64_t p = BASE + 0x1000, q = BASE + 0x2000, r = BASE + 0x3000;

	EXPECT("stat", run(__NR_stat, BASE, p, 0, 0, 0, 0, 0), p, 144);
	EXPECT("fstat", run(__NR_fstat, 3, p, 0, 0, 0, 0, 0), p, 144);
	EXPECT("newfstatat", run(__NR_newfstatat, -100, BASE, p, 0, 0, 0, 0), p, 144);
	EXPECT("statx", run(__NR_statx, -100, BASE, 0, 0x7ff, p, 0, 0), p, 256);
	EXPECT("statfs", run(__NR_statfs, BASE, p, 0, 0, 0, 0, 0), p, 120);
	EXPECT("uname", run(__NR_uname, p, 0, 0, 0, 0, 0, 0), p, 390);
	EXPECT("sysinfo", run(__NR_sysinfo, p, 0, 0, 0, 0, 0, 0), p, 112);
	EXPECT("clock_gettime", run(__NR_clock_gettime, 1, p, 0, 0, 0, 0, 0), p, 16);
	EXPECT("gettimeofday with timezone", run(__NR_gettimeofday, p, q, 0, 0, 0, 0, 0), p, 16, q,
	       8);
	EXPECT("gettimeofday without timezone", run(__NR_gettimeofday, p, 0, 0, 0, 0, 0, 0), p, 16);
	EXPECT("pipe2", run(__NR_pipe2, p, O_CLOEXEC, 0, 0, 0, 0, 0), p, 8);
	EXPECT("socketpair", run(__NR_socketpair, 1, 1, 0, p, 0, 0, 0), p, 8);
	EXPECT("getresuid", run(__NR_getresuid, p, q, r, 0, 0, 0, 0), p, 4, q, 4, r, 4);
	EXPECT("prlimit64 with old limit", run(__NR_prlimit64, 0, 7, 0, p, 0, 0, 0), p, 16);
	EXPECT("rt_sigaction old action", run(__NR_rt_sigaction, 2, q, p, 8, 0, 0, 0), p, 32);
	EXPECT_NONE("rt_sigaction without old action", run(__NR_rt_sigaction, 2, q, 0, 8, 0, 0, 0));
	EXPECT("rt_sigprocmask old set", run(__NR_rt_sigprocmask, 0, q, p, 8, 0, 0, 0), p, 8);
	EXPECT("sigaltstack old", run(__NR_sigaltstack, q, p, 0, 0, 0, 0, 0), p, 24);
	EXPECT("getgroups", run(__NR_getgroups, 32, p, 0, 0, 0, 0, 5), p, 20);
	EXPECT("sched_getaffinity", run(__NR_sched_getaffinity, 0, 128, p, 0, 0, 0, 8), p, 8);
	EXPECT("epoll_wait: 12-byte events", run(__NR_epoll_wait, 4, p, 16, -1, 0, 0, 3), p, 36);
	EXPECT("poll: revents of every pollfd", run(__NR_poll, p, 5, 0, 0, 0, 0, 1), p, 40);
	EXPECT("mincore: a byte per page", run(__NR_mincore, q, 3 * 4096 + 1, p, 0, 0, 0, 0), p, 4);
	EXPECT("splice offsets", run(__NR_splice, 3, p, 4, q, 100, 0, 100), p, 8, q, 8);
	EXPECT("copy_file_range, out offset only",
	       run(__NR_copy_file_range, 3, 0, 4, q, 100, 0, 100), q, 8);
	EXPECT("timer_create id", run(__NR_timer_create, 1, 0, p, 0, 0, 0, 0), p, 4);
	EXPECT("get_mempolicy, 64-node mask", run(__NR_get_mempolicy, p, q, 65, 0, 0, 0, 0), p, 4,
	       q, 8);
	EXPECT("get_mempolicy, 65-node mask", run(__NR_get_mempolicy, p, q, 66, 0, 0, 0, 0), p, 4,
	       q, 16);

	EXPECT_NONE("stat failing", run(__NR_stat, BASE, p, 0, 0, 0, 0, -ENOENT));
	EXPECT_NONE("write", run(__NR_write, 1, p, 10, 0, 0, 0, 10));
	EXPECT_NONE("openat", run(__NR_openat, -100, BASE, 0, 0, 0, 0, 3));
	EXPECT_NONE("time with NULL", run(__NR_time, 0, 0, 0, 0, 0, 0, 1700000000));
	EXPECT("time", run(__NR_time, p, 0, 0, 0, 0, 0, 1700000000), p, 8);
}

static void test_conditional_writes(void)
{
	const uint64_t p = BASE + 0x1000, q = BASE + 0x2000;

	EXPECT("wait4 reaped a child", run(__NR_wait4, -1, p, 0, q, 0, 0, 1234), p, 4, q, 144);
	EXPECT_NONE("wait4 WNOHANG with nothing to reap", run(__NR_wait4, -1, p, 1, q, 0, 0, 0));
	EXPECT("nanosleep interrupted", run(__NR_nanosleep, q, p, 0, 0, 0, 0, -EINTR), p, 16);
	EXPECT("nanosleep before a restart",
	       run(__NR_nanosleep, q, p, 0, 0, 0, 0, -ERESTART_RESTARTBLOCK), p, 16);
	EXPECT_NONE("nanosleep completed", run(__NR_nanosleep, q, p, 0, 0, 0, 0, 0));
	EXPECT("clock_nanosleep relative, interrupted",
	       run(__NR_clock_nanosleep, 1, 0, q, p, 0, 0, -EINTR), p, 16);
	EXPECT_NONE("clock_nanosleep TIMER_ABSTIME, interrupted",
		    run(__NR_clock_nanosleep, 1, 1, q, p, 0, 0, -EINTR));
	EXPECT("waitid fills siginfo even on ECHILD", run(__NR_waitid, 0, 0, p, 4, 0, 0, -ECHILD),
	       p, 128);
	EXPECT("rt_sigtimedwait", run(__NR_rt_sigtimedwait, q, p, 0, 8, 0, 0, 10), p, 128);
	EXPECT_NONE("rt_sigtimedwait timed out",
		    run(__NR_rt_sigtimedwait, q, p, 0, 8, 0, 0, -EAGAIN));

	/* select(5, r, NULL, e, timeout): 5 fds fit in one long. */
	EXPECT("select", run(__NR_select, 5, p, 0, q, BASE, 0, 1), p, 8, q, 8, BASE, 16);
	EXPECT("select over 65 fds", run(__NR_select, 65, p, 0, 0, 0, 0, 1), p, 16);
	EXPECT("select interrupted: only the time left",
	       run(__NR_select, 5, p, 0, q, BASE, 0, -EINTR), BASE, 16);
	EXPECT("ppoll", run(__NR_ppoll, p, 2, q, 0, 8, 0, 0), p, 16, q, 16);

	put32(q, 0);
	EXPECT("futex FUTEX_WAKE_OP changes *uaddr2", run(__NR_futex, p, 5 | 128, 1, 1, q, 0, 1), q,
	       4);
	EXPECT_NONE("futex FUTEX_WAIT", run(__NR_futex, p, 0 | 128, 1, 0, 0, 0, 0));
	EXPECT("futex FUTEX_LOCK_PI timed out still wrote the word",
	       run(__NR_futex, p, 6, 0, q, 0, 0, -ETIMEDOUT), p, 4);

	/* clone(CLONE_PARENT_SETTID|CLONE_CHILD_SETTID, stack, parent_tid, child_tid, tls) */
	EXPECT("clone in the parent", run(__NR_clone, 0x01100000, 0, p, q, 0, 0, 4242), p, 4);
	EXPECT("clone in the child", run(__NR_clone, 0x01100000, 0, p, q, 0, 0, 0), p, 4, q, 4);
	put64(BASE, 0x1000); /* clone_args.flags = CLONE_PIDFD */
	put64(BASE + 8, p);  /* .pidfd */
	put64(BASE + 16, 0);
	put64(BASE + 24, 0);
	EXPECT("clone3 with a pidfd", run(__NR_clone3, BASE, 88, 0, 0, 0, 0, 4243), p, 4);
}

static void test_sockets(void)
{
	const uint64_t addr = BASE + 0x1000, lenp = BASE + 0x2000, buf = BASE + 0x3000;
	const uint64_t msg = BASE + 0x4000, iov = BASE + 0x5000, name = BASE + 0x6000,
		       control = BASE + 0x7000;

	put32(lenp, 16);
	EXPECT("getsockname", run(__NR_getsockname, 3, addr, lenp, 0, 0, 0, 0), lenp, 4, addr, 16);
	put32(lenp, 200);
	EXPECT("getsockname clamps to sockaddr_storage",
	       run(__NR_getsockname, 3, addr, lenp, 0, 0, 0, 0), lenp, 4, addr, 128);
	EXPECT_NONE("getsockname failing", run(__NR_getsockname, 3, addr, lenp, 0, 0, 0, -EBADF));
	put32(lenp, 110);
	EXPECT("accept4", run(__NR_accept4, 3, addr, lenp, 0, 0, 0, 5), lenp, 4, addr, 110);
	EXPECT_NONE("accept without address", run(__NR_accept, 3, 0, 0, 0, 0, 0, 5));
	put32(lenp, 16);
	EXPECT("recvfrom with address", run(__NR_recvfrom, 3, buf, 512, 0, addr, lenp, 100), buf,
	       100, lenp, 4, addr, 16);
	EXPECT("recvfrom MSG_TRUNC reporting more than the buffer",
	       run(__NR_recvfrom, 3, buf, 512, 0x20, 0, 0, 9000), buf, 512);
	put32(lenp, 4);
	EXPECT("getsockopt", run(__NR_getsockopt, 3, 1, 7, buf, lenp, 0, 0), lenp, 4, buf, 4);

	/* msghdr: name, namelen, iov, iovlen, control, controllen, flags */
	memset(mem + (msg - BASE), 0, 56);
	put64(msg + 0, name);
	put32(msg + 8, 16);
	put64(msg + 16, iov);
	put64(msg + 24, 2);
	put64(msg + 32, control);
	put64(msg + 40, 24);
	put64(iov, buf);
	put64(iov + 8, 8);
	put64(iov + 16, buf + 100);
	put64(iov + 24, 100);
	EXPECT("recvmsg", run(__NR_recvmsg, 3, msg, 0, 0, 0, 0, 20), msg, 56, name, 16, control, 24,
	       buf, 8, buf + 100, 12);
	EXPECT_NONE("sendmsg", run(__NR_sendmsg, 3, msg, 0, 0, 0, 0, 20));
	EXPECT("sendmmsg: msg_len of each sent message", run(__NR_sendmmsg, 3, msg, 4, 0, 0, 0, 2),
	       msg + 56, 4, msg + 64 + 56, 4);
}

static void test_commands(void)
{
	const uint64_t p = BASE + 0x1000;
	uint64_t args[6] = {0};

	EXPECT("fcntl F_GETLK", run(__NR_fcntl, 3, 5, p, 0, 0, 0, 0), p, 32);
	EXPECT("fcntl F_OFD_GETLK", run(__NR_fcntl, 3, 36, p, 0, 0, 0, 0), p, 32);
	EXPECT("fcntl F_GETOWN_EX", run(__NR_fcntl, 3, 16, p, 0, 0, 0, 0), p, 8);
	EXPECT_NONE("fcntl F_SETFL", run(__NR_fcntl, 3, 4, 0x800, 0, 0, 0, 0));
	/* An unknown command is a probe that fails; had it succeeded, what it wrote is unknown. */
	args[1] = 9999;
	CHECK(!x86_syscall_unsupported_reason(__NR_fcntl, args), "fcntl probe 9999 refused");
	EXPECT_NONE("fcntl 9999 failing", run(__NR_fcntl, 3, 9999, p, 0, 0, 0, -EINVAL));
	CHECK(run(__NR_fcntl, 3, 9999, p, 0, 0, 0, 0) == -ENOSYS,
	      "fcntl 9999 succeeding has a rule");

	EXPECT("prctl PR_GET_NAME", run(__NR_prctl, 16, p, 0, 0, 0, 0, 0), p, 16);
	EXPECT("prctl PR_GET_TID_ADDRESS", run(__NR_prctl, 40, p, 0, 0, 0, 0, 0), p, 8);
	EXPECT_NONE("prctl PR_SET_NAME", run(__NR_prctl, 15, p, 0, 0, 0, 0, 0));
	memset(args, 0, sizeof(args));
	args[0] = 26;
	CHECK(x86_syscall_unsupported_reason(__NR_prctl, args) != NULL, "prctl PR_SET_TSC allowed");
	args[0] = 0x12345;
	CHECK(!x86_syscall_unsupported_reason(__NR_prctl, args), "prctl probe 0x12345 refused");
	EXPECT_NONE("prctl 0x12345 failing", run(__NR_prctl, 0x12345, p, 0, 0, 0, 0, -EINVAL));
	CHECK(run(__NR_prctl, 0x12345, p, 0, 0, 0, 0, 0) == -ENOSYS,
	      "prctl 0x12345 succeeding has a rule");
	args[0] = 59; /* PR_SET_SYSCALL_USER_DISPATCH */
	args[1] = 1;  /* PR_SYS_DISPATCH_ON */
	CHECK(x86_syscall_unsupported_reason(__NR_prctl, args) != NULL,
	      "prctl PR_SET_SYSCALL_USER_DISPATCH on allowed");
	args[1] = 0;
	CHECK(!x86_syscall_unsupported_reason(__NR_prctl, args),
	      "prctl PR_SET_SYSCALL_USER_DISPATCH off refused");

	EXPECT("arch_prctl ARCH_GET_FS", run(__NR_arch_prctl, 0x1003, p, 0, 0, 0, 0, 0), p, 8);
	EXPECT_NONE("arch_prctl ARCH_SET_FS", run(__NR_arch_prctl, 0x1002, p, 0, 0, 0, 0, 0));

	EXPECT("shmctl IPC_STAT", run(__NR_shmctl, 1, 2, p, 0, 0, 0, 0), p, 112);
	EXPECT("msgctl IPC_STAT|IPC_64", run(__NR_msgctl, 1, 2 | 0x100, p, 0, 0, 0, 0), p, 120);
	memset(args, 0, sizeof(args));
	args[2] = 13; /* GETALL */
	CHECK(!x86_syscall_unsupported_reason(__NR_semctl, args), "semctl GETALL refused");
	EXPECT("semctl GETALL", run(__NR_semctl, 7, 0, 13, p, 0, 0, 0), p, 2 * 7);
	EXPECT_NONE("semctl GETALL failed", run(__NR_semctl, 7, 0, 13, p, 0, 0, -EINVAL));
	EXPECT_NONE("semctl GETVAL", run(__NR_semctl, 7, 0, 12, p, 0, 0, 3));

	memset(args, 0, sizeof(args));
	/* ptrace is answered by the recorder; what a request wrote into the tracer is replayed. */
	CHECK(x86_syscall_unsupported_reason(__NR_ptrace, args) == NULL, "ptrace refused");
	EXPECT("ptrace PEEKDATA", run(__NR_ptrace, 2, 1, 0x1000, p, 0, 0, 0), p, 8);
	EXPECT("ptrace GETREGS", run(__NR_ptrace, 12, 1, 0, p, 0, 0, 0), p, 216);
	EXPECT_NONE("ptrace POKEDATA", run(__NR_ptrace, 5, 1, p, 7, 0, 0, 0));
	EXPECT_NONE("ptrace PEEKDATA failed", run(__NR_ptrace, 2, 1, 0x1000, p, 0, 0, -EIO));
	CHECK(x86_syscall_lookup(__NR_io_setup)->replay == SYS_REPLAY_NOSYS &&
		  run(__NR_io_setup, 8, p, 0, 0, 0, 0, -ENOSYS) == 0,
	      "io_setup is not answered with ENOSYS");
	CHECK(x86_syscall_unsupported_reason(__NR_read, args) == NULL, "read refused");
}

static void test_ioctl(void)
{
	const uint64_t p = BASE + 0x1000, buf = BASE + 0x2000;
	uint64_t args[6] = {3, 0, p};
	const char *why;

	EXPECT("TCGETS: kernel struct termios", run(__NR_ioctl, 0, TCGETS, p, 0, 0, 0, 0), p, 36);
	EXPECT("FIONREAD", run(__NR_ioctl, 3, FIONREAD, p, 0, 0, 0, 0), p, 4);
	EXPECT("TIOCGWINSZ", run(__NR_ioctl, 1, TIOCGWINSZ, p, 0, 0, 0, 0), p, 8);
	EXPECT("TCGETA", run(__NR_ioctl, 0, TCGETA, p, 0, 0, 0, 0), p, 18);
	EXPECT("TIOCGPTN (_IOR)", run(__NR_ioctl, 3, TIOCGPTN, p, 0, 0, 0, 0), p, 4);
	EXPECT("TCGETS2 (_IOR)", run(__NR_ioctl, 3, 0x802c542a, p, 0, 0, 0, 0), p, 44);
	EXPECT("FS_IOC_GETFLAGS (_IOR)", run(__NR_ioctl, 3, 0x80086601, p, 0, 0, 0, 0), p, 8);
	EXPECT("BLKGETSIZE64 (_IOR)", run(__NR_ioctl, 3, 0x80081272, p, 0, 0, 0, 0), p, 8);
	EXPECT("made-up _IOWR('z', 1, 100 bytes)",
	       run(__NR_ioctl, 3, (3u << 30) | (100u << 16) | ('z' << 8) | 1, p, 0, 0, 0, 0), p,
	       100);
	EXPECT_NONE("made-up _IOW('z', 2, 100 bytes)",
		    run(__NR_ioctl, 3, (1u << 30) | (100u << 16) | ('z' << 8) | 2, p, 0, 0, 0, 0));
	EXPECT_NONE("TCSETS", run(__NR_ioctl, 0, TCSETS, p, 0, 0, 0, 0));
	EXPECT_NONE("FIONBIO", run(__NR_ioctl, 3, FIONBIO, p, 0, 0, 0, 0));
	EXPECT_NONE("TCGETS on a non-tty", run(__NR_ioctl, 3, TCGETS, p, 0, 0, 0, -ENOTTY));
	EXPECT("TUNGETIFF writes a whole ifreq", run(__NR_ioctl, 3, 0x800454d2, p, 0, 0, 0, 0), p,
	       40);
	EXPECT("SIOCGIFINDEX", run(__NR_ioctl, 3, 0x8933, p, 0, 0, 0, 0), p, 40);

	put32(p, 80); /* ifc_len after the call */
	put64(p + 8, buf);
	EXPECT("SIOCGIFCONF: ifconf and the buffer", run(__NR_ioctl, 3, 0x8912, p, 0, 0, 0, 0), p,
	       16, buf, 80);

	CHECK(run(__NR_ioctl, 3, 0x5490, p, 0, 0, 0, 0) == -ENOSYS,
	      "unknown legacy ioctl 0x5490 has a rule");
	args[1] = 0x5490;
	why = x86_syscall_unsupported_reason(__NR_ioctl, args);
	CHECK(why && strstr(why, "0x5490") && strstr(why, "fd 3") && strstr(why, "legacy"),
	      "unknown legacy ioctl reason: %s", why ? why : "NULL");
	args[1] = TCGETS;
	CHECK(!x86_syscall_unsupported_reason(__NR_ioctl, args), "TCGETS refused");
	args[1] = (3u << 30) | (16u << 16) | (0x64 << 8) | 0x00; /* DRM_IOCTL_VERSION-like */
	CHECK(x86_syscall_unsupported_reason(__NR_ioctl, args) != NULL,
	      "unlisted DRM ioctl allowed");
	CHECK(run(__NR_ioctl, 3, args[1], p, 0, 0, 0, 0) == -ENOSYS,
	      "unlisted DRM ioctl has a rule");

	CHECK(x86_ioctl_name(TCGETS) && !strcmp(x86_ioctl_name(TCGETS), "TCGETS"),
	      "TCGETS is named %s", x86_ioctl_name(TCGETS) ? x86_ioctl_name(TCGETS) : "NULL");
	CHECK(!x86_ioctl_name(0x5490), "0x5490 has a name");
}

/* ---- the rows of syscalls.def ------------------------------------------------------- */

/* What a row's last column is, read here without the rules and handlers it names. */
enum writes { W_NONE, W_RULES, W_SPECIAL, W_CHECKED, W_REFUSE, W_RESTARTED };

struct row {
	long nr;
	const char *name;
	int nargs, replay, flags;
	int argfmt[6];
	int writes; /* enum writes */
	int nrules; /* RULES, or the rules a SPECIAL handler gives for entry */
	const char *refuse, *in_place;
};

/* clang-format off */
#define COUNT(...)                     COUNT_(__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define COUNT_(a, b, c, d, e, f, n, ...) n
#define NONE                           .writes = W_NONE
#define RULES(...)                     .writes = W_RULES, .nrules = COUNT(__VA_ARGS__)
#define SPECIAL(...)                   .writes = W_SPECIAL, .nrules = COUNT(__VA_ARGS__) - 1
#define CHECKED(fn, check)             .writes = W_CHECKED
#define REFUSE(why)                    .writes = W_REFUSE, .refuse = (why)
#define RESTARTED                      .writes = W_RESTARTED
#define IN_PLACE(why, ...)             __VA_ARGS__, .in_place = (why)
#define SYSCALL(name, nargs, replay, flags, args, writes)                                          \
	{__NR_##name, #name, nargs, replay, flags, {SYSCALL_ARGS args}, writes},

static const struct row rows[] = {
#include "arch/x86_64/syscalls.def"
};
/* clang-format on */

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* One row per number, under the kernel's name for it, as the table answers. */
static void test_rows_numbers(void)
{
	static unsigned char seen[1024];

	CHECK(NROWS == 337 + 47, "%zu rows, expected %d", NROWS, 337 + 47);
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *w = &rows[i];
		const char *name = x86_syscall_name(w->nr);

		CHECK(w->nr >= 0 && w->nr < 1024, "%s has number %ld", w->name, w->nr);
		if (w->nr < 0 || w->nr >= 1024)
			continue;
		CHECK(!seen[w->nr]++, "two rows for number %ld (%s)", w->nr, w->name);
		CHECK(name && !strcmp(name, w->name), "row %s: number %ld is named %s", w->name,
		      w->nr, name ? name : "NULL");
		CHECK(x86_syscall_number(w->name) == w->nr, "row %s: its number is %ld, not %ld",
		      w->name, x86_syscall_number(w->name), w->nr);
		CHECK(i == 0 || rows[i - 1].nr < w->nr, "row %s is out of number order", w->name);
	}
}

/* The class and what the row says it writes agree. */
static void test_rows_classes(void)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *w = &rows[i];
		size_t len = strlen(w->name);

		CHECK((w->replay == SYS_REPLAY_UNKNOWN) == (w->writes == W_REFUSE),
		      "%s: class REFUSED and REFUSE(...) go together", w->name);
		if (w->writes == W_REFUSE)
			CHECK(w->refuse && !strncmp(w->refuse, w->name, len) &&
				  w->refuse[len] == ' ',
			      "%s: its reason \"%s\" does not start with its name", w->name,
			      w->refuse ? w->refuse : "NULL");
		if (w->replay == SYS_REPLAY_NOSYS)
			CHECK(w->writes == W_NONE && !w->in_place,
			      "%s: answered ENOSYS, so it writes nothing", w->name);
		if (w->replay == SYS_REPLAY_RSEQ || w->replay == SYS_REPLAY_EXIT ||
		    w->replay == SYS_REPLAY_EXEC || w->replay == SYS_REPLAY_MMAP ||
		    w->replay == SYS_REPLAY_MUNMAP || w->replay == SYS_REPLAY_MPROTECT ||
		    w->replay == SYS_REPLAY_MREMAP || w->replay == SYS_REPLAY_BRK)
			CHECK(w->writes == W_NONE, "%s: its class handles it, but it has rules",
			      w->name);
		CHECK((w->writes == W_RESTARTED) == (w->nr == __NR_restart_syscall),
		      "%s: only restart_syscall writes what the call it restarts writes", w->name);
		CHECK(w->writes != W_RULES || (w->nrules >= 1 && w->nrules <= 4),
		      "%s: %d rules (1 to 4)", w->name, w->nrules);
	}
}

/* Flags and argument formats agree. */
static void test_rows_flags(void)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *w = &rows[i];
		int fds = 0, sig = SYSF_SIGMASK_ARG(w->flags);

		for (int a = 0; a < w->nargs; a++)
			fds += w->argfmt[a] == ARG_FD;
		if (w->flags & SYSF_WRITES_FD)
			CHECK(w->nargs >= 1 && w->argfmt[0] == ARG_FD,
			      "%s: WFD without an fd first", w->name);
		if (w->flags & SYSF_COPIES_TO_FD)
			CHECK(fds == 2, "%s: CFD without two fd arguments", w->name);
		if (w->flags & SYSF_SIGMASK)
			CHECK(sig < w->nargs && w->argfmt[sig] == ARG_PTR,
			      "%s: its signal mask argument %d is not a pointer", w->name, sig);
		else
			CHECK(!(w->flags & (SYSF_SIGMASK_PAIR | 7 << SYSF_SIGMASK_SHIFT)),
			      "%s: a signal mask argument without MSK", w->name);
		if (w->flags & SYSF_RETURNS_ADDR)
			CHECK(w->writes == W_NONE || w->writes == W_REFUSE,
			      "%s: returns an address and writes memory", w->name);
		if (w->flags & SYSF_CHANGES_FILE)
			CHECK(!(w->flags & (SYSF_WRITES_FD | SYSF_COPIES_TO_FD)),
			      "%s: FCH with WFD or CFD, which imply it", w->name);
		CHECK(!(w->flags & ~0xfff), "%s: unknown flags %#x", w->name, w->flags);
	}
}

/* ---- regions known before a blocking call (scratch buffers) -------------------------- */

#define MAX_ENTRY 8

static struct x86_entry_region entry[MAX_ENTRY];
static int nentry;

static int fake_region(void *opaque, const struct x86_entry_region *r)
{
	(void)opaque;
	if (nentry == MAX_ENTRY)
		return -E2BIG;
	entry[nentry++] = *r;
	return 0;
}

static int run_entry(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	struct x86_sys_entry_ctx ctx = {
	    .nr = nr,
	    .args = {a0, a1, a2, a3, a4, a5},
	    .read_mem = fake_read,
	    .region = fake_region,
	};

	nentry = 0;
	return x86_syscall_entry_regions(&ctx);
}

/* Checks rc == 0 and the n regions (arg, kind, in, len) in want, in order. */
static void expect_entry(int line, const char *what, int rc, int n, const uint64_t *want)
{
	checks++;
	if (rc != 0 || nentry != n) {
		fail(line, "%s: returned %d with %d regions, expected 0 with %d", what, rc, nentry,
		     n);
		return;
	}
	for (int i = 0; i < n; i++)
		if (entry[i].arg != want[4 * i] || entry[i].kind != want[4 * i + 1] ||
		    entry[i].in != want[4 * i + 2] || entry[i].len != want[4 * i + 3])
			fail(line,
			     "%s: region %d is arg %d kind %d in %d len %" PRIu64
			     ", expected arg %" PRIu64 " kind %" PRIu64 " in %" PRIu64
			     " len %" PRIu64,
			     what, i, entry[i].arg, entry[i].kind, entry[i].in, entry[i].len,
			     want[4 * i], want[4 * i + 1], want[4 * i + 2], want[4 * i + 3]);
}

#define ENTRY(what, rc, ...)                                                                       \
	do {                                                                                       \
		const uint64_t want_[] = {__VA_ARGS__};                                            \
		expect_entry(__LINE__, what, rc, (int)(sizeof(want_) / sizeof(want_[0]) / 4),      \
			     want_);                                                               \
	} while (0)
#define ENTRY_NONE(what, rc) expect_entry(__LINE__, what, rc, 0, NULL)

#define OUT   0
#define IN    1
#define BYTES X86_ENTRY_BYTES

/* The sizes the recorder's scratch buffers get for the blocking calls of threaded programs. */
static void test_entry_regions(void)
{
	const uint64_t p = BASE + 0x1000, q = BASE + 0x2000, r = BASE + 0x3000,
		       lenp = BASE + 0x4000, s = BASE + 0x5000;

	ENTRY("read: the whole count", run_entry(__NR_read, 3, p, 4096, 0, 0, 0), 1, BYTES, OUT,
	      4096);
	put32(lenp, 16);
	ENTRY("recvfrom with an address", run_entry(__NR_recvfrom, 3, p, 512, 0, q, lenp), 1, BYTES,
	      OUT, 512, 4, BYTES, OUT, 16, 5, BYTES, IN, 4);
	ENTRY("recvfrom without one", run_entry(__NR_recvfrom, 3, p, 512, 0, 0, 0), 1, BYTES, OUT,
	      512);
	put32(lenp, 110);
	ENTRY("accept", run_entry(__NR_accept, 3, q, lenp, 0, 0, 0), 1, BYTES, OUT, 110, 2, BYTES,
	      IN, 4);
	put32(lenp, 200);
	ENTRY("accept4 clamps to sockaddr_storage", run_entry(__NR_accept4, 3, q, lenp, 0, 0, 0), 1,
	      BYTES, OUT, 128, 2, BYTES, IN, 4);
	ENTRY_NONE("accept without an address", run_entry(__NR_accept, 3, 0, 0, 0, 0, 0));
	CHECK(run_entry(__NR_accept, 3, q, BASE + MEM_SIZE, 0, 0, 0) == -EFAULT,
	      "accept with an unreadable addrlen does not say so");
	ENTRY("wait4: status and rusage", run_entry(__NR_wait4, -1, p, 0, q, 0, 0), 1, BYTES, OUT,
	      4, 3, BYTES, OUT, 144);
	ENTRY("waitid: siginfo and rusage", run_entry(__NR_waitid, 0, 0, p, 4, q, 0), 2, BYTES, OUT,
	      128, 4, BYTES, OUT, 144);
	ENTRY("epoll_wait: maxevents packed events", run_entry(__NR_epoll_wait, 4, p, 16, -1, 0, 0),
	      1, BYTES, OUT, 192);
	ENTRY("epoll_pwait2", run_entry(__NR_epoll_pwait2, 4, p, 3, 0, 0, 8), 1, BYTES, OUT, 36);
	ENTRY("epoll_wait with a negative maxevents: too big to move",
	      run_entry(__NR_epoll_wait, 4, p, (uint64_t)-1, -1, 0, 0), 1, BYTES, OUT, UINT64_MAX);
	ENTRY("poll: in and out", run_entry(__NR_poll, p, 5, 0, 0, 0, 0), 0, BYTES, IN, 40);
	ENTRY("ppoll: fds and timeout", run_entry(__NR_ppoll, p, 2, q, r, 8, 0), 0, BYTES, IN, 16,
	      2, BYTES, IN, 16);
	ENTRY("select", run_entry(__NR_select, 5, p, q, r, s, 0), 1, BYTES, IN, 8, 2, BYTES, IN, 8,
	      3, BYTES, IN, 8, 4, BYTES, IN, 16);
	ENTRY("pselect6 over 65 fds", run_entry(__NR_pselect6, 65, p, 0, 0, 0, 0), 1, BYTES, IN,
	      16);
	ENTRY("nanosleep", run_entry(__NR_nanosleep, q, p, 0, 0, 0, 0), 1, BYTES, OUT, 16);
	ENTRY("clock_nanosleep: from its handler's row",
	      run_entry(__NR_clock_nanosleep, 1, 0, q, p, 0, 0), 3, BYTES, OUT, 16);
	ENTRY("rt_sigtimedwait", run_entry(__NR_rt_sigtimedwait, q, p, 0, 8, 0, 0), 1, BYTES, OUT,
	      128);
	ENTRY("msgrcv: mtype and msgsz bytes", run_entry(__NR_msgrcv, 1, p, 100, 0, 0, 0), 1, BYTES,
	      OUT, 108);
	ENTRY("mq_timedreceive", run_entry(__NR_mq_timedreceive, 3, p, 64, q, 0, 0), 1, BYTES, OUT,
	      64, 3, BYTES, OUT, 4);
	ENTRY("readv", run_entry(__NR_readv, 3, p, 3, 0, 0, 0), 1, X86_ENTRY_IOVECS, OUT, 3);
	ENTRY("recvmsg", run_entry(__NR_recvmsg, 3, p, 0, 0, 0, 0), 1, X86_ENTRY_MSGHDR, OUT, 1);
	ENTRY("recvmmsg with a timeout", run_entry(__NR_recvmmsg, 3, p, 2, 0, q, 0), 1,
	      X86_ENTRY_MMSGHDRS, OUT, 2, 4, BYTES, IN, 16);

	ENTRY_NONE("pread64 does not block", run_entry(__NR_pread64, 3, p, 4096, 0, 0, 0));
	ENTRY_NONE("write writes no memory", run_entry(__NR_write, 1, p, 10, 0, 0, 0));
	ENTRY_NONE("futex words stay in place", run_entry(__NR_futex, p, 6, 0, q, 0, 0));
	ENTRY_NONE("sendfile's offset stays in place", run_entry(__NR_sendfile, 1, 3, p, 9, 0, 0));
	ENTRY_NONE("ioctl stays in place", run_entry(__NR_ioctl, 0, TCGETS, p, 0, 0, 0));
	ENTRY_NONE("restart_syscall", run_entry(__NR_restart_syscall, 0, 0, 0, 0, 0, 0));
	ENTRY_NONE("unknown number", run_entry(400, 0, 0, 0, 0, 0, 0));
	emit_error = 0;
}

static int inside_entry(uint64_t addr, uint64_t len, const uint64_t args[6])
{
	for (int i = 0; i < nentry; i++)
		if (entry[i].kind == X86_ENTRY_BYTES && addr >= args[entry[i].arg] &&
		    len <= entry[i].len && addr - args[entry[i].arg] <= entry[i].len - len)
			return 1;
	return 0;
}

/*
 * Every blocking row that writes memory gives regions before the call or
 * says why not, points them at pointer arguments, and covers with them
 * what it writes after the call (checked for plain buffers, with every
 * pointer argument at its own page and small sizes).
 */
static void test_rows_blocking(void)
{
	static const int64_t results[] = {5, 1, 0, -EINTR, -ERESTART_RESTARTBLOCK, -E2BIG};

	for (size_t i = 0; i < NROWS; i++) {
		const struct row *w = &rows[i];
		int writes =
		    w->writes == W_RULES || w->writes == W_SPECIAL || w->writes == W_CHECKED;
		uint64_t args[6] = {0};
		int vectors = 0, rc;

		if (!(w->flags & SYSF_MAY_BLOCK)) {
			CHECK(!w->in_place && (w->writes != W_SPECIAL || !w->nrules),
			      "%s does not block: no regions before the call", w->name);
			continue;
		}
		if (!writes || w->replay == SYS_REPLAY_NOSYS)
			continue;
		CHECK(w->in_place || w->writes == W_RULES || (w->writes == W_SPECIAL && w->nrules),
		      "%s blocks and writes memory, but gives no regions before the call and no "
		      "reason why not",
		      w->name);
		CHECK(!w->in_place || strlen(w->in_place) > 10, "%s: no reason to write in place",
		      w->name);
		for (int a = 0; a < w->nargs; a++) {
			args[a] = w->argfmt[a] == ARG_PTR ? BASE + 0x1000 * (uint64_t)(a + 1) : 4;
			if (w->argfmt[a] == ARG_PTR)
				put32(args[a], 16);
		}
		rc = run_entry(w->nr, args[0], args[1], args[2], args[3], args[4], args[5]);
		CHECK(rc == 0, "%s: regions before the call give %d", w->name, rc);
		CHECK(w->in_place ? nentry == 0 : nentry > 0, "%s: %d regions before the call",
		      w->name, nentry);
		for (int e = 0; e < nentry; e++) {
			CHECK(entry[e].arg < w->nargs && w->argfmt[entry[e].arg] == ARG_PTR,
			      "%s: region before the call at argument %d, not a pointer", w->name,
			      entry[e].arg);
			vectors |= entry[e].kind != X86_ENTRY_BYTES;
		}
		if (vectors || w->in_place)
			continue;
		for (size_t k = 0; k < sizeof(results) / sizeof(results[0]); k++) {
			int n = nentry;

			rc = run(w->nr, args[0], args[1], args[2], args[3], args[4], args[5],
				 results[k]);
			nentry = n;
			for (int o = 0; rc == 0 && o < nregions; o++)
				CHECK(inside_entry(regions[o].addr, regions[o].len, args),
				      "%s = %" PRId64 " writes %#" PRIx64 " +%" PRIu64
				      ", outside its regions before the call",
				      w->name, results[k], regions[o].addr, regions[o].len);
		}
	}
}

/* The flags the recorder and replayer ask about. */
static void test_row_queries(void)
{
	uint64_t args[6] = {3, 4 /* F_SETFL */, 0x800};
	const uint64_t p = BASE + 0x1000, pair = BASE + 0x2000;

	CHECK(x86_syscall_fds_change(__NR_close, args), "close keeps fds");
	CHECK(x86_syscall_fds_change(__NR_dup2, args), "dup2 keeps fds");
	CHECK(x86_syscall_fds_change(__NR_execve, args), "execve keeps fds");
	CHECK(x86_syscall_fds_change(__NR_fcntl, args), "fcntl F_SETFL keeps fds");
	args[1] = 3; /* F_GETFL */
	CHECK(!x86_syscall_fds_change(__NR_fcntl, args), "fcntl F_GETFL changes fds");
	CHECK(!x86_syscall_fds_change(__NR_read, args), "read changes fds");
	CHECK(!x86_syscall_fds_change(__NR_dup, args), "dup changes fds");
	CHECK(!x86_syscall_fds_change(-1, args), "number -1 changes fds");

	memset(args, 0, sizeof(args));
	args[0] = p;
	args[3] = p + 8;
	args[4] = p + 16;
	args[5] = pair;
	put64(pair, p + 24);
	put64(pair + 8, 8);
	CHECK(x86_syscall_temp_sigmask(__NR_rt_sigsuspend, args, fake_read, NULL) == p,
	      "rt_sigsuspend's mask");
	CHECK(x86_syscall_temp_sigmask(__NR_ppoll, args, fake_read, NULL) == p + 8, "ppoll's mask");
	CHECK(x86_syscall_temp_sigmask(__NR_epoll_pwait, args, fake_read, NULL) == p + 16,
	      "epoll_pwait's mask");
	CHECK(x86_syscall_temp_sigmask(__NR_epoll_pwait2, args, fake_read, NULL) == p + 16,
	      "epoll_pwait2's mask");
	CHECK(x86_syscall_temp_sigmask(__NR_pselect6, args, fake_read, NULL) == p + 24,
	      "pselect6's mask, through its pair");
	CHECK(x86_syscall_temp_sigmask(__NR_rt_sigprocmask, args, fake_read, NULL) == 0,
	      "rt_sigprocmask's mask is no temporary one");
	CHECK(x86_syscall_temp_sigmask(__NR_read, args, fake_read, NULL) == 0, "read has a mask");
	args[5] = 0;
	CHECK(x86_syscall_temp_sigmask(__NR_pselect6, args, fake_read, NULL) == 0,
	      "pselect6 without a pair has a mask");
	args[5] = BASE + MEM_SIZE;
	CHECK(x86_syscall_temp_sigmask(__NR_pselect6, args, fake_read, NULL) == 0,
	      "pselect6 with an unreadable pair has a mask");

	CHECK(x86_syscall_lookup(__NR_mmap)->flags & SYSF_RETURNS_ADDR, "mmap lacks ADR");
	CHECK(!(x86_syscall_lookup(__NR_read)->flags & SYSF_RETURNS_ADDR), "read has ADR");
	CHECK(x86_syscall_lookup(__NR_sendfile)->flags & SYSF_COPIES_TO_FD, "sendfile lacks CFD");
	CHECK(!(x86_syscall_lookup(__NR_splice)->flags & SYSF_COPIES_TO_FD), "splice has CFD");
}

/* ---- rewind dump lines ------------------------------------------------------------- */

static void expect_format(int line, long nr, const uint64_t args[6], const char *const strings[6],
			  int64_t ret, int ret_known, const char *want)
{
	char out[512];

	x86_syscall_format(out, sizeof(out), nr, args, strings, ret, ret_known);
	checks++;
	if (strcmp(out, want))
		fail(line, "format: got   %s\n                              expected %s", out,
		     want);
}

#define FORMAT(nr, ret, known, want, s0, s1, ...)                                                  \
	do {                                                                                       \
		const uint64_t a_[6] = {__VA_ARGS__};                                              \
		const char *const s_[6] = {s0, s1};                                                \
		expect_format(__LINE__, nr, a_, s_, ret, known, want);                             \
	} while (0)

static void test_format(void)
{
	char small[16];
	const uint64_t none[6] = {0}, open_args[6] = {(uint64_t)-100, BASE};
	const char *const open_strings[6] = {NULL, "/etc/passwd"};

	FORMAT(__NR_openat, 3, 1, "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3", NULL,
	       "/etc/passwd", (uint64_t)-100, BASE, O_RDONLY | O_CLOEXEC, 0);
	FORMAT(__NR_openat, -ENOENT, 1, "openat(AT_FDCWD, \"/nonexistent\", O_RDONLY) = -2 ENOENT",
	       NULL, "/nonexistent", (uint64_t)-100, BASE, 0, 0);
	FORMAT(__NR_openat, 4, 1, "openat(AT_FDCWD, \"out\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4",
	       NULL, "out", (uint64_t)-100, BASE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FORMAT(__NR_mmap, 0x7f0000001000, 1,
	       "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
	       "0x7f0000001000",
	       NULL, NULL, 0, 4096, 3, 0x22, (uint64_t)-1, 0);
	FORMAT(__NR_mprotect, 0, 1, "mprotect(0x7f0000001000, 4096, PROT_NONE) = 0", NULL, NULL,
	       0x7f0000001000, 4096, 0);
	FORMAT(__NR_ioctl, 0, 0, "ioctl(1, TCGETS, 0x10001000) = ?", NULL, NULL, 1, TCGETS,
	       BASE + 0x1000);
	FORMAT(__NR_ioctl, -ENOTTY, 1,
	       "ioctl(3, _IOC(_IOC_READ|_IOC_WRITE, 0x7a, 0x1, 0x64), 0) = -25 ENOTTY", NULL, NULL,
	       3, (3u << 30) | (100u << 16) | ('z' << 8) | 1, 0);
	FORMAT(__NR_ioctl, -ENOTTY, 1, "ioctl(3, 0x5490, 0) = -25 ENOTTY", NULL, NULL, 3, 0x5490,
	       0);
	FORMAT(__NR_kill, 0, 1, "kill(123, SIGTERM) = 0", NULL, NULL, 123, 15);
	FORMAT(__NR_tgkill, 0, 1, "tgkill(10, 11, SIGRTMIN+2) = 0", NULL, NULL, 10, 11, 34);
	FORMAT(__NR_read, -EAGAIN, 1, "read(0, 0x10000000, 4096) = -11 EAGAIN", NULL, NULL, 0, BASE,
	       4096);
	FORMAT(__NR_read, -ERESTARTSYS, 1, "read(0, 0x10000000, 4096) = -512 ERESTARTSYS", NULL,
	       NULL, 0, BASE, 4096);
	FORMAT(__NR_newfstatat, 0, 1, "newfstatat(3, \"\", 0x10000000, AT_EMPTY_PATH) = 0", NULL,
	       "", 3, BASE, BASE, 0x1000);
	FORMAT(__NR_exit_group, 0, 0, "exit_group(0) = ?", NULL, NULL, 0);
	FORMAT(__NR_getpid, 77, 1, "getpid() = 77", NULL, NULL, 0);
	FORMAT(__NR_mkdir, 0, 1, "mkdir(\"a\\\"b\\n\", 0755) = 0", "a\"b\n", NULL, BASE, 0755);
	FORMAT(999, 0, 0, "syscall_999(0x1, 0x2, 0, 0, 0, 0) = ?", NULL, NULL, 1, 2);

	x86_syscall_format(small, sizeof(small), __NR_openat, open_args, open_strings, 3, 1);
	CHECK(!strcmp(small, "openat(AT_FDCWD"), "truncated output is \"%s\"", small);
	x86_syscall_format(small, sizeof(small), __NR_openat, none, NULL, 3, 1);
	CHECK(!strncmp(small, "openat(0, NULL", 14), "NULL strings array: \"%s\"", small);
}

int main(void)
{
	test_names_and_numbers();
	test_rows_numbers();
	test_rows_classes();
	test_rows_flags();
	test_every_entry();
	test_classes_and_flags();
	test_read_family();
	test_fixed_sizes();
	test_conditional_writes();
	test_sockets();
	test_commands();
	test_ioctl();
	test_entry_regions();
	test_rows_blocking();
	test_row_queries();
	test_format();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
