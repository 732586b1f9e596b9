/*
 * Written-page tracking (src/recorder/written_pages.c) on a child under
 * ptrace, without the rest of the recorder: the child maps rewind's page
 * and a region, then goes through steps, each ending with a SIGSTOP; at each
 * stop the test collects the written pages and compares those of the region
 * with what the step wrote. Checks user writes, the kernel writing a
 * protected page (read(2) from a pipe), nothing written, a mapping tracked
 * after attach, a write after mprotect, and that the child's descriptors
 * are as before the attach (it checks that itself: its exit status).
 *
 * With --bench SIZE_GB, measures instead: attach, track and collect on a
 * child with SIZE_GB of anonymous memory, mostly untouched (prints times;
 * nothing is checked).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "recorder/recorder.h"
#include "recorder/written_pages.h"

#define PAGE	 4096ul
#define R_ADDR	 0x500000000000ul /* 32 pages, mapped and touched before the attach */
#define M_ADDR	 0x500000100000ul /* 16 pages, mapped after it */
#define BIG_ADDR 0x510000000000ul

static int failures;

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			printf("FAIL line %d: %s\n", __LINE__, #c);                                \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* ---- the child ---- */

static void child_stop(void)
{
	raise(SIGSTOP);
}

static void *child_map(uint64_t addr, size_t len)
{
	void *p = mmap((void *)addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);

	if (p != (void *)addr)
		_exit(20);
	return p;
}

/* rewind's page: a syscall instruction the tracer injects its syscalls with. */
static void child_inject_page(void)
{
	static const unsigned char code[] = {0x0f, 0x05, 0xcc}; /* syscall; int3 */
	unsigned char *p = child_map(REWIND_INJECT_PAGE, PAGE);

	memcpy(p, code, sizeof(code));
	if (mprotect(p, PAGE, PROT_READ | PROT_EXEC) < 0)
		_exit(21);
}

static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	close(fd);
	return fd;
}

static bool has_userfaultfd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool found = false;

	while (d && (e = readdir(d))) {
		char path[300], target[64];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		found |= strstr(target, "userfaultfd") != NULL;
	}
	if (d)
		closedir(d);
	return found;
}

static void child_steps(void)
{
	char *r = child_map(R_ADDR, 32 * PAGE), *m;
	int fd_before = lowest_free_fd(), p[2];

	memset(r, 1, 32 * PAGE);
	child_stop(); /* attach */
	if (lowest_free_fd() != fd_before || has_userfaultfd())
		_exit(22);
	/* 1: user writes, and the kernel writing into a protected page. */
	r[1 * PAGE] = r[2 * PAGE + 5] = r[5 * PAGE + 4095] = 2;
	if (pipe(p) < 0 || write(p[1], "kernel", 6) != 6 || read(p[0], r + 9 * PAGE, 6) != 6)
		_exit(23);
	close(p[0]);
	close(p[1]);
	child_stop();
	/* 2: nothing. */
	child_stop();
	/* 3: a mapping made after the attach (the tracer tracks it at this stop). */
	m = child_map(M_ADDR, 16 * PAGE);
	child_stop();
	m[0] = m[3 * PAGE] = 3;
	r[1 * PAGE] = 3;
	child_stop();
	/* 4: write permission taken away and given back. */
	if (mprotect(r + 10 * PAGE, 4 * PAGE, PROT_READ) < 0 ||
	    mprotect(r + 10 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE) < 0)
		_exit(24);
	r[11 * PAGE] = 4;
	child_stop();
	_exit(0);
}

static void child_bench(size_t gb)
{
	char *big = child_map(BIG_ADDR, gb << 30);

	for (size_t i = 0; i < gb << 30; i += 64 << 20)
		big[i] = 1;
	child_stop(); /* attach */
	child_stop(); /* collect: nothing written */
	big[3 * PAGE] = 2;
	child_stop(); /* collect: one page */
	memset(big, 3, 200 << 20);
	child_stop(); /* collect: 200 MB */
	child_stop(); /* collect: nothing, 200 MB resident */
	child_map(BIG_ADDR + (gb << 30), 1ul << 30);
	child_stop(); /* track another GB */
	_exit(0);
}

static pid_t start_child(size_t bench_gb)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
			_exit(19);
		child_inject_page();
		if (bench_gb)
			child_bench(bench_gb);
		child_steps();
	}
	return pid;
}

/* ---- the tracer ---- */

/* Resumes the child to its next SIGSTOP; false if it ended or stopped otherwise. */
static bool next_stop(struct recorder_task *t)
{
	int st = tracee_resume(&t->t, PTRACE_CONT, 0);

	while (st >= 0 && t->t.stop != TRACEE_STOP_EXITED && WSTOPSIG(st) != SIGSTOP)
		st = tracee_resume(&t->t, PTRACE_CONT, WSTOPSIG(st));
	return st >= 0 && t->t.stop != TRACEE_STOP_EXITED;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct written_range *collected;
static size_t ncollected;

/* The pages written since the last collect, in ranges/nranges. */
static void collect(struct recorder *r, struct recorder_task *t)
{
	struct written_range *w;

	free(collected);
	CHECK(written_pages_collect(r, t, &collected, &ncollected) == 0);
	for (size_t i = 0; i < ncollected; i++) {
		w = &collected[i];
		CHECK(w->start < w->end && !(w->start % PAGE) && !(w->end % PAGE) &&
		      (!i || w[-1].end < w->start));
	}
}

/* The pages of [base, base + npages) the collected ranges cover, as a bit mask. */
static uint64_t written_in(uint64_t base, size_t npages)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < ncollected; i++)
		for (size_t p = 0; p < npages; p++)
			if (base + p * PAGE >= collected[i].start &&
			    base + p * PAGE < collected[i].end)
				mask |= 1ull << p;
	return mask;
}

#define BIT(n) (1ull << (n))

static void run_steps(struct recorder *r, struct recorder_task *t)
{
	CHECK(next_stop(t));
	collect(r, t);
	printf("step 1: R pages written 0x%llx\n", (unsigned long long)written_in(R_ADDR, 32));
	CHECK(written_in(R_ADDR, 32) == (BIT(1) | BIT(2) | BIT(5) | BIT(9)));
	CHECK(next_stop(t));
	collect(r, t);
	CHECK(written_in(R_ADDR, 32) == 0);
	CHECK(next_stop(t));
	CHECK(written_pages_track(r, t, M_ADDR, 16 * PAGE) == 0);
	CHECK(next_stop(t));
	collect(r, t);
	CHECK(written_in(M_ADDR, 16) == (BIT(0) | BIT(3)));
	CHECK(written_in(R_ADDR, 32) == BIT(1));
	collect(r, t); /* at the same stop: all protected again */
	CHECK(written_in(M_ADDR, 16) == 0 && written_in(R_ADDR, 32) == 0);
	CHECK(next_stop(t));
	collect(r, t);
	/* mprotect keeps the registration: no track needed for R. */
	CHECK(written_in(R_ADDR, 32) == BIT(11));
	free(collected);
	collected = NULL;
}

static void run_bench(struct recorder *r, struct recorder_task *t, size_t gb)
{
	struct written_range *ranges;
	double t0;
	size_t n;

	printf("%zu GB of anonymous memory, 16 pages of it written before the attach\n", gb);
	const char *what[] = {"nothing written", "one page written", "200 MB written",
			      "nothing written, 200 MB resident"};
	for (int i = 0; i < 4; i++) {
		CHECK(next_stop(t));
		t0 = now_us();
		CHECK(written_pages_collect(r, t, &ranges, &n) == 0);
		printf("collect, %s: %.0f us, %zu ranges\n", what[i], now_us() - t0, n);
		free(ranges);
	}
	CHECK(next_stop(t));
	t0 = now_us();
	CHECK(written_pages_track(r, t, BIG_ADDR + (gb << 30), 1ul << 30) == 0);
	printf("track a new 1 GB mapping: %.0f us\n", now_us() - t0);
}

int main(int argc, char **argv)
{
	size_t bench_gb = argc > 2 && !strcmp(argv[1], "--bench") ? (size_t)atol(argv[2]) : 0;
	struct recorder r;
	struct recorder_task t;
	int st, err;
	double t0;
	pid_t pid;

	setenv("REWIND_DEBUG_WRITTEN_PAGES", "1", 1);
	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	if ((pid = start_child(bench_gb)) < 0)
		return 1;
	tracee_init(&t.t, pid);
	t.tgid = pid;
	t.state = TASK_READY;
	t.mm = recorder_mm_new();
	st = tracee_wait(&t.t); /* its first SIGSTOP, before the attach */
	if (st >= 0 && WIFSTOPPED(st) &&
	    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) == 0) {
		t0 = now_us();
		err = written_pages_attach(&r, &t);
		printf("attach: %s, %.0f us\n", err ? strerror(-err) : "ok", now_us() - t0);
		if (err == -ENOSYS || err == -EPERM || err == -ENOTTY || err == -EINVAL) {
			printf("SKIP: this kernel does not let rewind track written pages\n");
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return 77;
		}
		CHECK(err == 0);
		if (!err && bench_gb)
			run_bench(&r, &t, bench_gb);
		else if (!err)
			run_steps(&r, &t);
	} else {
		CHECK(!"the child stopped before the attach");
	}
	if (t.t.stop != TRACEE_STOP_EXITED) {
		tracee_resume(&t.t, PTRACE_CONT, 0);
		if (t.t.stop != TRACEE_STOP_EXITED) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, __WALL);
			CHECK(!"the child ended");
		}
	}
	st = t.t.wait_status;
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* 22: its descriptors changed */
	recorder_mm_put(t.mm);
	tracee_release(&t.t);
	printf(failures ? "%d failures\n" : "EXIT-SUCCESS\n", failures);
	return failures ? 1 : 0;
}
