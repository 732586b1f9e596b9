/*
 * Which pages a recorded process wrote since the last look (see
 * written_pages.h), through userfaultfd's asynchronous write protection and
 * the PAGEMAP_SCAN ioctl.
 *
 * How the scan is asked (each choice measured on Linux 6.18):
 *  - PM_SCAN_WP_MATCHING without PM_SCAN_CHECK_WPASYNC: one scan covers
 *    the whole user address range, and the kernel passes over the mappings
 *    that are not registered (text, shared, rewind's own) instead of
 *    failing with EPERM at the first of them.
 *  - Only pages in memory (PAGE_IS_PRESENT or PAGE_IS_SWAPPED) that are
 *    neither page-cache pages (PAGE_IS_FILE: a private file page nobody
 *    wrote) nor the zero page (PAGE_IS_PFNZERO: read, never written) match.
 *    Asked for PAGE_IS_WRITTEN alone, the kernel reports every unpopulated
 *    page of a registered mapping as written and arms it, allocating page
 *    tables for all of it: 10 ms and 2 MB of page tables per GB of an
 *    untouched mapping at the first scan, 1-5 ms per GB at every later one.
 *    Here a scan costs what the populated page tables do: about 50 ns per
 *    resident page (250 ns per written one, protected again), 25 ns per
 *    unpopulated 2 MB. A page not in memory stays unprotected, which comes
 *    to the same: the write that brings it in makes a page without the
 *    protection bit, and that one is reported.
 *  - A mapping is registered, never write-protected with
 *    UFFDIO_WRITEPROTECT (which populates page tables just the same); the
 *    first scan protects what is in memory.
 *
 * The userfaultfd is made by the process itself (userfaultfd(2) binds it to
 * the caller's mm) in a syscall injected at rewind's page, with
 * UFFD_USER_MODE_ONLY so that no privilege is needed; asynchronous
 * protection never raises a fault to userfaultfd, so writes the kernel
 * makes on the program's behalf (read(2) into a protected page) clear the
 * bit all the same. The recorder takes the descriptor with pidfd_getfd and
 * closes the process's own at once.
 */
#define _GNU_SOURCE
#include "recorder/written_pages.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/syscall_table.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"

/* What the system headers may be too old to know (Linux 6.7's UAPI). */
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1 << 12)
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED (1 << 0)
#define PAGE_IS_WRITTEN	  (1 << 1)
#define PAGE_IS_FILE	  (1 << 2)
#define PAGE_IS_PRESENT	  (1 << 3)
#define PAGE_IS_SWAPPED	  (1 << 4)
#define PAGE_IS_PFNZERO	  (1 << 5)
#define PAGE_IS_HUGE	  (1 << 6)

struct page_region {
	__u64 start, end, categories;
};

struct pm_scan_arg {
	__u64 size, flags, start, end, walk_end, vec, vec_len, max_pages;
	__u64 category_inverted, category_mask, category_anyof_mask, return_mask;
};

#define PAGEMAP_SCAN	      _IOWR('f', 16, struct pm_scan_arg)
#define PM_SCAN_WP_MATCHING   (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
#endif

#define PAGE 4096ull
/* The end of user space on x86_64 with 4-level page tables (TASK_SIZE_MAX). */
#define USER_END 0x7ffffffff000ull
/* Regions one scan ioctl returns at most; a longer answer takes more calls. */
#define SCAN_VEC 512

enum {
	MODE_UNSET = 0,
	MODE_OFF,
	MODE_ON,
	MODE_LOG,	 /* a line per execution point */
	MODE_LOG_RANGES, /* and one per written range */
};

/* One address space's tracking (struct recorder_mm's `written`). */
struct written_pages {
	int uffd;    /* the recorder's copy of the process's userfaultfd; -1: not attached */
	int pagemap; /* its /proc/PID/pagemap */
	uint64_t start_brk;
	bool pending; /* a forked child's: attach once it is stopped and known */
	struct page_region *vec;
	/* Calls to written_pages_track since the last collect, and the time they took (the log). */
	unsigned tracks;
	long track_us;
};

static int mode(struct recorder *r)
{
	if (r->written_pages.mode == MODE_UNSET) {
		const char *v = getenv("REWIND_DEBUG_WRITTEN_PAGES");
		const char *off = getenv("REWIND_NO_WRITTEN_PAGES");
		int level = v ? atoi(v) : 0;

		r->written_pages.mode = level <= 0 ? MODE_ON : MODE_LOG;
		if (level >= 2)
			r->written_pages.mode = MODE_LOG_RANGES;
		if (off && *off && strcmp(off, "0"))
			r->written_pages.mode = MODE_OFF;
	}
	return r->written_pages.mode;
}

static long elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* Says once per recording why written pages are not tracked; `all`: for no process. */
static int refuse(struct recorder *r, pid_t pid, const char *why, int err, bool all)
{
	if (!r->written_pages.warned)
		rw_warn("pid %d: written pages are not tracked (%s: %s); execution points hash "
			"memory instead",
			pid, why, strerror(-err));
	r->written_pages.warned = true;
	if (all)
		r->written_pages.refused = true;
	return err;
}

static struct written_pages *state_new(void)
{
	struct written_pages *w = xcalloc(1, sizeof(*w));

	w->uffd = w->pagemap = -1;
	return w;
}

void written_pages_free(struct recorder_mm *mm)
{
	struct written_pages *w = mm->written;

	if (!w)
		return;
	if (w->uffd >= 0)
		close(w->uffd);
	if (w->pagemap >= 0)
		close(w->pagemap);
	free(w->vec);
	free(w);
	mm->written = NULL;
}

/* UFFDIO_API with asynchronous write protection (on shmem/hugetlbfs too when the kernel can). */
static int enable_wp_async(int uffd)
{
	struct uffdio_api api = {
	    .api = UFFD_API,
	    .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED |
			UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
	};

	if (ioctl(uffd, UFFDIO_API, &api) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* A failed UFFDIO_API leaves the descriptor uninitialised: ask for less. */
	api = (struct uffdio_api){
	    .api = UFFD_API,
	    .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED,
	};
	return ioctl(uffd, UFFDIO_API, &api) == 0 ? 0 : -errno;
}

/* Seccomp filters on pid (the status file's Seccomp_filters), or -1. */
static int seccomp_filters(pid_t pid)
{
	char path[64], line[128];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp_filters: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * Whether a filter rewind runs under (a container's) lets a process make a
 * userfaultfd without killing it: tried in a child of the recorder.
 */
static int outer_filter_allows(void)
{
	int status, err;
	pid_t pid = vfork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		long fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

		_exit(fd < 0 ? (errno & 0x7f) : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(status))
		return -EPERM;
	err = WEXITSTATUS(status);
	return err ? -err : 0;
}

/*
 * Once per recording: whether this kernel has what tracking needs,
 * tried on the recorder itself (userfaultfd, UFFDIO_API, PAGEMAP_SCAN), so
 * that no process is touched when it does not.
 */
static int probe(struct recorder *r, pid_t pid)
{
	struct pm_scan_arg a = {.size = sizeof(a)};
	int err = 0, uffd = -1, pagemap = -1;
	const char *what = "userfaultfd";

	if (r->written_pages.refused)
		return -ENOTSUP;
	if (r->written_pages.probed)
		return 0;
	if (seccomp_filters(getpid()) > 0)
		err = outer_filter_allows();
	if (!err && (uffd = (int)syscall(SYS_userfaultfd,
					 O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY)) < 0)
		err = -errno;
	if (!err && (err = enable_wp_async(uffd)) < 0)
		what = "UFFDIO_API with UFFD_FEATURE_WP_ASYNC";
	if (!err && (pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) < 0)
		err = -errno, what = "/proc/self/pagemap";
	if (!err && ioctl(pagemap, PAGEMAP_SCAN, &a) < 0)
		err = -errno, what = "PAGEMAP_SCAN";
	if (uffd >= 0)
		close(uffd);
	if (pagemap >= 0)
		close(pagemap);
	if (err)
		return refuse(r, pid, what, err, true);
	r->written_pages.probed = true;
	return 0;
}

/* The program's descriptor fd in process tgid, as a descriptor of the recorder's. */
static int take_fd(pid_t tgid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tgid, 0), copy;

	if (pidfd < 0)
		return -errno;
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (copy < 0)
		copy = -errno;
	close(pidfd);
	return copy;
}

/* A signal stop met on the way into an injected call: its signal, to be sent again after. */
static void note_stop_sig(void *arg, int st)
{
	if (WIFSTOPPED(st) && !(st >> 16))
		*(int *)arg = WSTOPSIG(st);
}

/*
 * Runs syscall nr(arg) in t at rewind's page, from a syscall-exit or
 * signal stop, with `regs` as the other registers; *ret gets its result.
 * A SIGSTOP that stops t on the way (blocking cannot hold it back) is
 * noted in *stop_sig, to be sent again once t's state is its own again.
 */
static int inject(struct recorder_task *t, const uint64_t regs[X86_NREGS], long nr, uint64_t arg,
		  int64_t *ret, int *stop_sig)
{
	const uint64_t args[4] = {arg, 0, 0, 0};

	return tracee_inject_past_signals(&t->t, REWIND_INJECT_PAGE, regs, nr, args, ret,
					  note_stop_sig, stop_sig);
}

/*
 * Makes a userfaultfd inside t's process; *uffd gets the recorder's copy.
 * The process's own descriptor is closed again at once, so its table, and
 * the number its next open gets, are as before. Signals stay blocked
 * meanwhile, so none is delivered into the injected calls. Returns 0, the
 * kernel's refusal as a negative errno with *why set, or a failure to
 * drive t (why NULL).
 */
static int make_uffd(struct recorder_task *t, int *uffd, const char **why)
{
	uint64_t regs[X86_NREGS], mask, all = ~0ull;
	int64_t fd = -1, closed = 0;
	pid_t tid = t->t.tid;
	int err, err2, stop_sig = 0;

	*uffd = -1;
	*why = NULL;
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (ptrace(PTRACE_GETSIGMASK, tid, sizeof(mask), &mask) < 0 ||
	    ptrace(PTRACE_SETSIGMASK, tid, sizeof(all), &all) < 0)
		return -errno;
	err = inject(t, regs, SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY, &fd,
		     &stop_sig);
	if (!err && fd >= 0) {
		*uffd = take_fd(t->tgid, (int)fd);
		err = inject(t, regs, SYS_close, (uint64_t)fd, &closed, &stop_sig);
	}
	err2 = tracee_set_regs(&t->t, regs);
	if (!err2 && ptrace(PTRACE_SETSIGMASK, tid, sizeof(mask), &mask) < 0)
		err2 = -errno;
	if (stop_sig)
		recorder_send_again(t, stop_sig);
	if (!err)
		err = err2;
	if (!err && closed < 0)
		err = (int)closed;
	if (!err && fd < 0) {
		err = (int)fd;
		*why = "userfaultfd";
	} else if (!err && *uffd < 0) {
		err = *uffd;
		*why = "pidfd_getfd";
	}
	if (err && *uffd >= 0) {
		close(*uffd);
		*uffd = -1;
	}
	return err;
}

static int register_range(int uffd, uint64_t start, uint64_t end)
{
	struct uffdio_register reg = {
	    .range = {.start = start, .len = end - start},
	    .mode = UFFDIO_REGISTER_MODE_WP,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) < 0 ? -errno : 0;
}

/* Registers [start, end) but rewind's page and scratch range, which the program never sees. */
static int register_clipped(int uffd, uint64_t start, uint64_t end)
{
	static const uint64_t own[2][2] = {
	    {REWIND_INJECT_PAGE, REWIND_INJECT_PAGE + PAGE},
	    {SCRATCH_BASE, SCRATCH_BASE + SCRATCH_SIZE * SCRATCH_SLOTS},
	};
	uint64_t at = start;
	int err = 0;

	for (int i = 0; i < 2 && !err; i++) {
		if (own[i][1] <= at || own[i][0] >= end)
			continue;
		if (own[i][0] > at)
			err = register_range(uffd, at, own[i][0]);
		at = own[i][1];
	}
	if (!err && at < end)
		err = register_range(uffd, at, end);
	return err;
}

/* Writable private memory of the program: anonymous, heap, stack, private file mappings. */
static bool trackable(const struct procmap *m)
{
	if (!(m->prot & PROT_WRITE) || m->shared)
		return false;
	if (m->path[0] != '[')
		return true;
	return !strcmp(m->path, "[heap]") || !strcmp(m->path, "[stack]") ||
	       !strncmp(m->path, "[anon:", 6);
}

/*
 * Registers every trackable mapping of pid that meets [start, end), one by
 * one: a mapping the kernel will not register (MAP_DROPPABLE, ...) is left
 * out. Returns how many were registered, or a negative errno.
 */
static int register_mappings(int uffd, pid_t pid, uint64_t start, uint64_t end)
{
	struct procmap *maps = NULL;
	int n = procmaps_read(pid, &maps), count = 0;

	if (n < 0) {
		rw_error("pid %d: cannot read its maps: %s", pid, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		uint64_t from = maps[i].start > start ? maps[i].start : start;
		uint64_t to = maps[i].end < end ? maps[i].end : end;
		int err;

		if (from >= to || !trackable(&maps[i]))
			continue;
		if ((err = register_clipped(uffd, from, to)) < 0)
			rw_debug("pid %d: 0x%llx-0x%llx %s: not tracked for writes: %s", pid,
				 (unsigned long long)from, (unsigned long long)to, maps[i].path,
				 strerror(-err));
		else
			count++;
	}
	free(maps);
	return count;
}

/* Where the program's break starts (start_brk, the 47th field of /proc/PID/stat), or 0. */
static uint64_t start_brk(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	/* The name in parentheses may hold spaces; the fields after it are numbers. */
	if (!(p = strrchr(buf, ')')))
		return 0;
	for (int field = 2; field < 47 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &v);
	return v;
}

static void add_range(struct written_range **ranges, size_t *n, size_t *cap, uint64_t start,
		      uint64_t end)
{
	if (*n && (*ranges)[*n - 1].end == start) {
		(*ranges)[*n - 1].end = end; /* one region cut in two by a full vector */
		return;
	}
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*ranges = xrealloc(*ranges, *cap * sizeof(**ranges));
	}
	(*ranges)[(*n)++] = (struct written_range){start, end};
}

/*
 * Scans the whole address space: the pages written since the last scan go
 * to *ranges (NULL: dropped) and are protected again.
 */
static int scan(struct written_pages *w, pid_t pid, struct written_range **ranges, size_t *n)
{
	struct pm_scan_arg a = {
	    .size = sizeof(a),
	    .flags = PM_SCAN_WP_MATCHING,
	    .start = 0,
	    .end = USER_END,
	    .category_inverted = PAGE_IS_FILE | PAGE_IS_PFNZERO,
	    .category_mask = PAGE_IS_WRITTEN | PAGE_IS_FILE | PAGE_IS_PFNZERO,
	    .category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	    .return_mask = PAGE_IS_WRITTEN,
	};
	size_t count = 0, cap = 0;
	struct written_range *out = NULL;

	if (!w->vec)
		w->vec = xmalloc(SCAN_VEC * sizeof(*w->vec));
	a.vec = (uintptr_t)w->vec;
	a.vec_len = SCAN_VEC;
	for (;;) {
		long got = ioctl(w->pagemap, PAGEMAP_SCAN, &a);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = -errno;

			rw_error("pid %d: PAGEMAP_SCAN of its written pages: %s", pid,
				 strerror(errno));
			free(out);
			return err;
		}
		for (long i = 0; ranges && i < got; i++)
			add_range(&out, &count, &cap, w->vec[i].start, w->vec[i].end);
		/* A full vector ends the walk early, at walk_end: on from there. */
		if (a.walk_end >= a.end || a.walk_end <= a.start)
			break;
		a.start = a.walk_end;
	}
	if (ranges) {
		*ranges = out;
		*n = count;
	}
	return 0;
}

/* Registers t's mappings and protects what is in memory; 0, or a negative errno. */
static int start_tracking(struct recorder *r, struct recorder_task *t, struct written_pages *w)
{
	char path[64];
	int err, count;

	if ((err = enable_wp_async(w->uffd)) < 0)
		return refuse(r, t->tgid, "UFFDIO_API", err, true);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)t->tgid);
	if ((w->pagemap = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return refuse(r, t->tgid, "its pagemap", -errno, false);
	if ((count = register_mappings(w->uffd, t->tgid, 0, USER_END)) < 0)
		return count;
	if ((err = scan(w, t->tgid, NULL, NULL)) < 0)
		return err;
	w->start_brk = start_brk(t->tgid);
	if (mode(r) >= MODE_LOG)
		rw_info("pid %d: tracking written pages in %d mappings", t->tgid, count);
	return 0;
}

int written_pages_attach(struct recorder *r, struct recorder_task *t)
{
	struct recorder_mm *mm = t->mm;
	const char *why;
	struct timespec t0;
	int err, filters;

	if (mode(r) == MODE_OFF || !mm)
		return -ENODATA;
	if (mm->written && mm->written->uffd >= 0)
		return 0;
	if ((err = probe(r, t->tgid)) < 0)
		return err;
	/* A filter of the program's own could kill it for the injected call. */
	filters = seccomp_filters(t->t.tid);
	if (filters < 0 || filters > seccomp_filters(getpid()) + (r->use_seccomp ? 1 : 0))
		return refuse(r, t->tgid, "a seccomp filter of the program's own", -EPERM, false);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!mm->written)
		mm->written = state_new();
	mm->written->pending = false;
	err = make_uffd(t, &mm->written->uffd, &why);
	if (err && why)
		err = refuse(r, t->tgid, why, err,
			     err != -EMFILE && err != -ENFILE && err != -ENOMEM);
	if (!err)
		err = start_tracking(r, t, mm->written);
	if (err) {
		written_pages_free(mm);
		return err;
	}
	if (mode(r) >= MODE_LOG)
		rw_info("pid %d: written-page tracking attached in %ld us", t->tgid,
			elapsed_us(&t0));
	return 0;
}

int written_pages_track(struct recorder *r, struct recorder_task *t, uint64_t start, uint64_t len)
{
	struct written_pages *w = t->mm ? t->mm->written : NULL;
	uint64_t end = (start + len + PAGE - 1) & ~(PAGE - 1);
	struct timespec t0;
	int err;

	if (!w || w->uffd < 0 || !len || start >= USER_END)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (end > USER_END || end < start)
		end = USER_END;
	start &= ~(PAGE - 1);
	err = register_clipped(w->uffd, start, end);
	if (err == -EINVAL || err == -EPERM) /* a mapping there the kernel will not take */
		err = register_mappings(w->uffd, t->tgid, start, end);
	w->tracks++;
	w->track_us += elapsed_us(&t0);
	return err < 0 ? err : 0;
}

/* Logs, at the log levels, what a collect found and what tracking cost since the last. */
static void log_collect(struct recorder *r, struct recorder_task *t, struct written_pages *w,
			const struct written_range *ranges, size_t n, long scan_us)
{
	size_t pages = 0;

	if (mode(r) < MODE_LOG)
		return;
	for (size_t i = 0; i < n; i++)
		pages += (ranges[i].end - ranges[i].start) / PAGE;
	rw_info("pid %d, thread %d, event %llu: %zu pages in %zu ranges written since the last "
		"execution point (scan %ld us; %u mappings tracked since in %ld us)",
		t->tgid, t->t.tid, (unsigned long long)r->seq, pages, n, scan_us, w->tracks,
		w->track_us);
	w->tracks = w->track_us = 0;
	for (size_t i = 0; i < n && mode(r) >= MODE_LOG_RANGES; i++)
		rw_info("pid %d: written 0x%llx-0x%llx", t->tgid,
			(unsigned long long)ranges[i].start, (unsigned long long)ranges[i].end);
}

int written_pages_collect(struct recorder *r, struct recorder_task *t,
			  struct written_range **ranges, size_t *n)
{
	struct written_pages *w = t->mm ? t->mm->written : NULL;
	struct timespec t0;
	int err;

	*ranges = NULL;
	*n = 0;
	if (!w || w->uffd < 0) {
		if (mode(r) >= MODE_LOG)
			rw_info("pid %d, event %llu: written pages unknown", t->tgid,
				(unsigned long long)r->seq);
		return -ENODATA;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = scan(w, t->tgid, ranges, n)) < 0) {
		/* Not to be trusted from here on: the caller hashes pages again. */
		close(w->uffd);
		w->uffd = -1;
		return -ENODATA;
	}
	log_collect(r, t, w, *ranges, *n, elapsed_us(&t0));
	return 0;
}

void written_pages_exec(struct recorder *r, struct recorder_task *t)
{
	written_pages_attach(r, t);
}

void written_pages_clone(struct recorder *r, struct recorder_task *child, uint64_t clone_flags)
{
	/* A thread shares the tracking; a vfork child writes into its parent's memory. */
	if (mode(r) == MODE_OFF || (clone_flags & CLONE_VM) || !child->mm)
		return;
	if (!child->mm->written)
		child->mm->written = state_new();
	child->mm->written->pending = true;
}

void written_pages_attach_pending(struct recorder *r, struct recorder_task *t)
{
	if (t->tgid && t->state == TASK_READY && t->mm && t->mm->written && t->mm->written->pending)
		written_pages_attach(r, t);
}

void written_pages_syscall_exit(struct recorder *r, struct recorder_task *t, int replay_class,
				const uint64_t args[6], int64_t ret)
{
	struct written_pages *w = t->mm ? t->mm->written : NULL;

	if (!w || w->uffd < 0 || (ret < 0 && ret > -4096))
		return;
	switch (replay_class) {
	case SYS_REPLAY_MMAP:
		if ((args[2] & PROT_WRITE) && (args[3] & MAP_TYPE) == MAP_PRIVATE)
			written_pages_track(r, t, (uint64_t)ret, args[1]);
		break;
	case SYS_REPLAY_MREMAP:
		/* A moved mapping loses its registration (no UFFD_FEATURE_EVENT_REMAP). */
		written_pages_track(r, t, (uint64_t)ret, args[2]);
		break;
	case SYS_REPLAY_BRK:
		if (w->start_brk && (uint64_t)ret > w->start_brk)
			written_pages_track(r, t, w->start_brk, (uint64_t)ret - w->start_brk);
		break;
	case SYS_REPLAY_MPROTECT:
		if (args[2] & PROT_WRITE)
			written_pages_track(r, t, args[0], args[1]);
		break;
	default:
		break;
	}
}

void written_ranges_merge(struct written_range **a, size_t *n, const struct written_range *b,
			  size_t nb)
{
	struct written_range *out;
	size_t i = 0, j = 0, k = 0;

	if (!nb)
		return;
	out = xmalloc((*n + nb) * sizeof(*out));
	while (i < *n || j < nb) {
		const struct written_range *next =
		    j == nb || (i < *n && (*a)[i].start <= b[j].start) ? &(*a)[i++] : &b[j++];

		if (k && next->start <= out[k - 1].end) {
			if (next->end > out[k - 1].end)
				out[k - 1].end = next->end;
		} else {
			out[k++] = *next;
		}
	}
	free(*a);
	*a = out;
	*n = k;
}
