/*
 * Execution points: a signal held back from a thread that keeps computing
 * without a syscall cannot wait for the next syscall boundary for ever (a
 * program spinning on a flag its handler sets would never finish). After
 * EXEC_POINT_LIMIT_MS the recorder stops the thread with SIGSTOP wherever
 * it is and delivers the held signal there, recording an execution point:
 * the registers, the XSAVE area and every writable private page that
 * changed since the previous execution point (all of them the first time).
 * Replay restores that state and delivers the signal at the same point, so
 * the thread's memory and registers after it are those of the recording.
 *
 * Which pages changed comes from written-page tracking (written_pages.c),
 * or, in an address space it does not cover, from reading and hashing the
 * writable memory (about 30 ms per 100 MB).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"
#include "recorder/written_pages.h"

#define EXEC_POINT_LIMIT_MS 10
#define PAGE		    4096u
#define BATCH_PAGES	    64u

static void on_timer(int sig)
{
	(void)sig; /* only interrupts the recorder's waitpid */
}

static bool any_held(const struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->nheld)
			return true;
	return false;
}

/* The recorder's wait was interrupted: a held-back signal of the running task waited too long. */
void recorder_exec_point_kick(struct recorder *r)
{
	struct recorder_task *t = r->running;

	/* Once a stop is asked for, no SIGSTOP is sent: detaching must not meet one. */
	if (t && t->state == TASK_RUNNING && t->nheld && !t->kick_sent && !t->held_blocked &&
	    r->timer_fired &&
	    !recorder_stop_requested()) {
		syscall(SYS_tkill, t->t.tid, SIGSTOP);
		t->kick_sent = true;
	}
	if (r->timer_fired && !any_held(r))
		recorder_time_limit(r, false); /* none waits: no more ticks */
	r->timer_fired = false;
}

static void kick(void *arg)
{
	recorder_exec_point_kick(arg);
}

static void timer_handler_fired(int sig, siginfo_t *si, void *uc);

static struct recorder *timer_owner;

static void timer_handler_fired(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	on_timer(sig);
	if (!timer_owner)
		return;
	if (si->si_code != SI_TIMER) {
		timer_owner->timer_fired = true;
		return;
	}
	switch (si->si_value.sival_int) {
	case RECORDER_TIMER_SCHED:
		timer_owner->sched_fired = true;
		break;
	case RECORDER_TIMER_CUT:
		timer_owner->stop.cut_fired = true;
		break;
	case RECORDER_TIMER_STOP:
		break;
	default:
		timer_owner->timer_fired = true;
		break;
	}
}

int recorder_timer_create(timer_t *timer, enum recorder_timer which)
{
	struct sigevent ev;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID; /* this thread, not the trace writer's */
	ev.sigev_signo = SIGALRM;
	ev.sigev_value.sival_int = (int)which;
	ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	return timer_create(CLOCK_MONOTONIC, &ev, timer) < 0 ? -errno : 0;
}

int recorder_exec_point_init(struct recorder *r)
{
	struct sigaction sa;
	int err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = timer_handler_fired;
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: waitpid must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -errno;
	if ((err = recorder_timer_create(&r->limit_timer, RECORDER_TIMER_LIMIT)) < 0)
		return err;
	r->have_timer = true;
	if ((err = recorder_timer_create(&r->sched_timer, RECORDER_TIMER_SCHED)) < 0)
		return err;
	r->have_sched_timer = true;
	timer_owner = r;
	return 0;
}

void recorder_exec_point_attach(struct recorder *r, struct recorder_task *t)
{
	t->t.on_wait_interrupted = kick;
	t->t.on_wait_arg = r;
}

void recorder_exec_point_fini(struct recorder *r)
{
	if (r->have_timer)
		timer_delete(r->limit_timer);
	if (r->have_sched_timer)
		timer_delete(r->sched_timer);
	r->have_timer = r->have_sched_timer = false;
	timer_owner = NULL;
}

void recorder_sched_tick(struct recorder *r, bool arm)
{
	recorder_sched_tick_after(r, arm ? RECORDER_TICK_MS * 1000000L : 0);
}

void recorder_sched_tick_after(struct recorder *r, long first_ns)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (!r->have_sched_timer)
		return;
	if (first_ns) {
		its.it_value.tv_nsec = first_ns;
		its.it_interval.tv_nsec = RECORDER_TICK_MS * 1000000L;
	}
	timer_settime(r->sched_timer, 0, &its, NULL);
	r->sched_fired = false;
}

void recorder_time_limit(struct recorder *r, bool arm)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (!r->have_timer)
		return;
	/* Again every limit after the first while armed: a tick lost to a race costs one more. */
	if (arm)
		its.it_value.tv_nsec = its.it_interval.tv_nsec = EXEC_POINT_LIMIT_MS * 1000000L;
	timer_settime(r->limit_timer, 0, &its, NULL);
	if (!arm)
		r->timer_fired = false;
}

static int compare_hash(const void *a, const void *b)
{
	const struct page_hash *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static uint64_t old_hash(const struct page_hash *old, size_t nold, uint64_t addr, bool *found)
{
	struct page_hash key = {addr, 0};
	const struct page_hash *h =
	    nold ? bsearch(&key, old, nold, sizeof(key), compare_hash) : NULL;

	*found = h != NULL;
	return h ? h->hash : 0;
}

/* rewind's own pages: never in the replay's address space. */
static bool rewinds_own(uint64_t addr)
{
	return addr == REWIND_INJECT_PAGE ||
	       (addr >= SCRATCH_BASE && addr < SCRATCH_BASE + SCRATCH_SIZE * SCRATCH_SLOTS);
}

/*
 * Writable memory the program may have changed in user code: private
 * memory, and shared memory (anonymous, memfd, files), which a process
 * can write while another reads it; device mappings aside.
 */
static bool watched(const struct procmap *m)
{
	if (!(m->prot & PROT_WRITE))
		return false;
	if (m->shared)
		return strncmp(m->path, "/dev/", 5) || !strncmp(m->path, "/dev/zero", 9) ||
		       !strncmp(m->path, "/dev/shm/", 9);
	return m->path[0] != '[' || !strcmp(m->path, "[heap]") || !strcmp(m->path, "[stack]");
}

/*
 * Private anonymous memory (no file behind it): a page the process never
 * touched, or gave back, is not present in its page table and reads as
 * zeros. Such pages are hashed as zeros without reading them: most of a
 * thread's 8 MB stack, for one.
 */
static bool anonymous_private(const struct procmap *m)
{
	return !m->shared &&
	       (!m->path[0] || !strcmp(m->path, "[heap]") || !strcmp(m->path, "[stack]"));
}

/* Which of the n pages from addr are present (or swapped): bit i of *present. */
static void pages_present(int pagemap, uint64_t addr, size_t n, uint64_t *present)
{
	uint64_t entries[BATCH_PAGES];
	ssize_t got = pagemap < 0 ? -1
				  : pread(pagemap, entries, n * sizeof(entries[0]),
					  (off_t)(addr / PAGE * sizeof(entries[0])));

	*present = ~0ull;
	if (got != (ssize_t)(n * sizeof(entries[0])))
		return; /* cannot tell: read them all */
	*present = 0;
	for (size_t i = 0; i < n; i++)
		if (entries[i] >> 62) /* bit 63 present, bit 62 swapped */
			*present |= 1ull << i;
}

static void add_hash(struct page_hash **now, size_t *nnow, size_t *cap, uint64_t addr, uint64_t h)
{
	if (*nnow == *cap) {
		*cap = *cap ? 2 * *cap : 1024;
		*now = xrealloc(*now, *cap * sizeof(**now));
	}
	(*now)[(*nnow)++] = (struct page_hash){addr, h};
}

/*
 * A changed page's bytes for a fingerprint. Below the red zone of each
 * thread's stack is dead memory (signal frames, and replay's trampoline,
 * write there at will, and so does a thread that has ended): that part
 * of a stack mapping is left out. Each thread's rsp is the one of its last
 * event (the register history keeps the threads that ended too), t's
 * the execution point's. Below a handler's entry nothing is live: the
 * kernel put the frame below the interrupted code's red zone, and what
 * lies under it is garbage the handler's own pushes overwrite (replay's
 * trampolines may have left other garbage there).
 */
static void add_page_hash(struct recorder *r, struct recorder_task *t, const struct procmap *m,
			  uint64_t addr, const uint8_t *page)
{
	uint64_t skip = 0;

	for (size_t i = 0; i <= r->history.n; i++) {
		uint64_t rsp = i == r->history.n ? r->fingerprint_rsp
						 : r->history.threads[i].regs[X86_RSP];
		uint64_t live = rsp - 128, dead;

		if (i < r->history.n && r->history.threads[i].tid == (uint32_t)t->t.tid)
			continue;
		if (i < r->history.n && recorder_at_handler_entry(r, r->history.threads[i].tid))
			live = rsp; /* at a handler's first instruction: no red zone */
		if (!rsp || rsp <= m->start || rsp > m->end || addr >= live)
			continue;
		dead = addr + PAGE <= live ? PAGE : live - addr;
		skip = dead > skip ? dead : skip;
	}
	if (skip < PAGE)
		recorder_add_expect(r, addr + skip, page + skip, PAGE - skip);
}

/* What scan_pages adds to the event for the pages it finds changed. */
#define EMIT_NONE   0
#define EMIT_PAGES  1
#define EMIT_EXPECT 2
/* Or'ed in: only the shared mappings. */
#define SCAN_SHARED_ONLY 4

/*
 * Hashes every watched page of t; with emit, adds those that
 * differ from the hashes in old (or are not there) to the event being
 * built, and with all_present every page present in memory that another
 * task may have written (see recorder_add_exec_point_pages). The new
 * hashes, sorted, go to *out.
 */
static int scan_maps(struct recorder *r, struct recorder_task *t, const struct procmap *maps,
		     int n, const struct page_hash *old, size_t nold, int flags, bool all_present,
		     struct page_hash **out, size_t *nout)
{
	int emit = flags & ~SCAN_SHARED_ONLY;
	static uint8_t zeros[PAGE];
	uint64_t zero_hash = rw_hash_bytes(zeros, PAGE).lo;
	struct page_hash *now = NULL;
	size_t nnow = 0, cap = 0;
	uint8_t *buf = xmalloc(BATCH_PAGES * PAGE);
	int pagemap;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->t.tid);
	pagemap = open(path, O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < n; i++) {
		const struct procmap *m = &maps[i];

		if (!watched(m) || rewinds_own(m->start) ||
		    ((flags & SCAN_SHARED_ONLY) && !m->shared))
			continue;
		for (uint64_t a = m->start; a < m->end; a += BATCH_PAGES * PAGE) {
			size_t want =
			    m->end - a < BATCH_PAGES * PAGE ? m->end - a : BATCH_PAGES * PAGE;
			uint64_t present = ~0ull;
			size_t got;

			/* A shared page this process never touched is not emitted: not read. */
			if (anonymous_private(m) || m->shared)
				pages_present(pagemap, a, want / PAGE, &present);
			got = present ? tracee_read_mem_partial(&t->t, a, buf, want) : want;
			for (size_t off = 0; off + PAGE <= got; off += PAGE) {
				bool absent = !(present >> (off / PAGE) & 1);
				const uint8_t *page = absent ? zeros : buf + off;
				uint64_t h = absent ? zero_hash : rw_hash_bytes(page, PAGE).lo;
				bool found;

				add_hash(&now, &nnow, &cap, a + off, h);
				/*
				 * Not zeros, but what the file holds there (a fork's
				 * child sees its parent's stores, its own mapping does
				 * not have the page yet): left out, not read.
				 */
				if (absent && m->shared)
					continue;
				if (!emit || !(((m->shared || all_present) && !absent) ||
					       old_hash(old, nold, a + off, &found) != h || !found))
					continue;
				if (emit == EMIT_EXPECT)
					add_page_hash(r, t, m, a + off, page);
				else
					trace_event_add_mem(&r->eb, a + off, page, PAGE);
			}
		}
	}
	if (pagemap >= 0)
		close(pagemap);
	free(buf);
	*out = now; /* /proc/PID/maps is sorted, so this is too */
	*nout = nnow;
	return 0;
}

/* scan_maps over t's mappings as they are now. */
static int scan_pages(struct recorder *r, struct recorder_task *t, const struct page_hash *old,
		      size_t nold, int flags, bool all_present, struct page_hash **out,
		      size_t *nout)
{
	struct procmap *maps = NULL;
	int n = procmaps_read(t->t.tid, &maps), err;

	if (n < 0)
		return n;
	err = scan_maps(r, t, maps, n, old, nold, flags, all_present, out, nout);
	free(maps);
	return err;
}

/* Adds what emit says for the pages of [start, end) in m (a private mapping). */
static void emit_range(struct recorder *r, struct recorder_task *t, const struct procmap *m,
		       uint64_t start, uint64_t end, int emit, uint8_t *buf)
{
	for (uint64_t a = start; a < end; a += BATCH_PAGES * PAGE) {
		size_t want = end - a < BATCH_PAGES * PAGE ? end - a : BATCH_PAGES * PAGE;
		size_t got = tracee_read_mem_partial(&t->t, a, buf, want);

		for (size_t off = 0; off + PAGE <= got; off += PAGE) {
			if (rewinds_own(a + off))
				continue;
			if (emit == EMIT_EXPECT)
				add_page_hash(r, t, m, a + off, buf + off);
			else
				trace_event_add_mem(&r->eb, a + off, buf + off, PAGE);
		}
	}
}

/*
 * Adds what emit says for the pages of ranges w in t's private writable
 * mappings (maps, n of them); whether any such mapping is shared.
 */
static bool emit_written(struct recorder *r, struct recorder_task *t, const struct procmap *maps,
			 int n, const struct written_range *w, size_t nw, int emit)
{
	uint8_t *buf = xmalloc(BATCH_PAGES * PAGE);
	bool any_shared = false;
	size_t k = 0;

	for (int i = 0; i < n; i++) {
		const struct procmap *m = &maps[i];

		any_shared |= watched(m) && m->shared;
		while (k < nw && w[k].end <= m->start)
			k++;
		for (size_t j = k; j < nw && w[j].start < m->end; j++)
			if (watched(m) && !m->shared)
				emit_range(r, t, m, w[j].start > m->start ? w[j].start : m->start,
					   w[j].end < m->end ? w[j].end : m->end, emit, buf);
	}
	free(buf);
	return any_shared;
}

/*
 * The pages written since the address space's previous execution point,
 * as written-page tracking found them: the private ones written (by any
 * thread, or by the kernel for them; those reported at a vfork since are
 * owed), plus every present page of the shared mappings, which tracking
 * does not cover. -ENODATA when the address space is not tracked.
 */
static int add_written_pages(struct recorder *r, struct recorder_task *t, int emit)
{
	struct written_range *w;
	struct procmap *maps = NULL;
	struct page_hash *shared;
	size_t nw, nshared;
	bool any_shared;
	int n, err = written_pages_collect(r, t, &w, &nw);

	if (err < 0)
		return err;
	written_ranges_merge(&w, &nw, t->mm->owed, t->mm->nowed);
	free(t->mm->owed);
	t->mm->owed = NULL;
	t->mm->nowed = 0;
	if ((n = procmaps_read(t->t.tid, &maps)) < 0) {
		free(w);
		free(maps);
		return n;
	}
	any_shared = emit_written(r, t, maps, n, w, nw, emit);
	free(w);
	/* The shared ones among the same mappings, not read again. */
	if (any_shared)
		err = scan_maps(r, t, maps, n, NULL, 0, emit | SCAN_SHARED_ONLY, false, &shared,
				&nshared);
	free(maps);
	if (any_shared)
		free(shared);
	t->mm->hashes_stale = true;
	t->mm->threaded = t->mm->refs > 1;
	return err;
}

/*
 * Adds what emit says for the pages that changed since the address space's
 * last execution point: those written-page tracking saw written, or else
 * those whose hashes differ (with all_present, every page present).
 */
static int add_changed_pages(struct recorder *r, struct recorder_task *t, int emit,
			     bool all_present)
{
	struct page_hash *now;
	size_t nnow;
	struct recorder_mm *mm = t->mm;
	int err;

	if ((err = add_written_pages(r, t, emit)) != -ENODATA)
		return err;
	err =
	    scan_pages(r, t, mm->hashes, mm->n, emit, all_present || mm->hashes_stale, &now, &nnow);
	if (err < 0)
		return err;
	free(mm->hashes);
	mm->hashes = now;
	mm->n = nnow;
	mm->threaded = mm->refs > 1;
	mm->hashes_stale = false;
	return 0;
}

/*
 * Adds the pages replay needs to have this task's memory as it is now,
 * without running its code since it last ran: every page written since
 * the last execution point of its address space (the stretch replay skips
 * began after that point: one task runs user code at a time). Without
 * written-page tracking, every page whose hash changed; that is enough
 * only if nothing but this task wrote the memory since then: another
 * thread may have changed a page and this one changed it back, and replay,
 * which runs the other thread but not this one, would keep the other's
 * value. So where another task may have written (an address space with
 * more than one thread since then, shared memory) every page present in
 * memory is stored; never-touched anonymous pages read as zeros anyway.
 */
int recorder_add_exec_point_pages(struct recorder *r, struct recorder_task *t)
{
	return add_changed_pages(r, t, EMIT_PAGES, t->mm->threaded);
}

/*
 * The fingerprint of an execution point replay runs to: the bytes of every
 * page that changed since the address space's previous execution point.
 * Every page the thread wrote since its last event is among them unless it
 * wrote back the very bytes the page had then; the others hold the same
 * at every visit replay weighs, so checking them costs only time.
 */
int recorder_add_exec_point_hashes(struct recorder *r, struct recorder_task *t)
{
	return add_changed_pages(r, t, EMIT_EXPECT, false);
}

struct recorder_mm *recorder_mm_new(void)
{
	struct recorder_mm *mm = xcalloc(1, sizeof(*mm));

	mm->refs = 1;
	return mm;
}

struct recorder_mm *recorder_mm_get(struct recorder_mm *mm)
{
	mm->refs++;
	mm->threaded = true;
	return mm;
}

void recorder_mm_put(struct recorder_mm *mm)
{
	if (!mm || --mm->refs)
		return;
	recorder_shared_free(mm);
	written_pages_free(mm);
	free(mm->owed);
	free(mm->hashes);
	free(mm);
}

/*
 * At a vfork: where the address space is tracked, what it wrote so far is
 * kept for the next execution point, and the tracking starts over; else
 * the hashes of its memory.
 */
int recorder_vfork_snapshot(struct recorder *r, struct recorder_task *t)
{
	struct written_range *w;
	size_t nw;
	int err = written_pages_collect(r, t, &w, &nw);

	free(t->vfork_hashes);
	t->vfork_hashes = NULL;
	t->nvfork_hashes = 0;
	t->vforked = true;
	t->vfork_tracked = err != -ENODATA;
	if (err == -ENODATA)
		return scan_pages(r, t, NULL, 0, EMIT_NONE, false, &t->vfork_hashes,
				  &t->nvfork_hashes);
	if (err < 0)
		return err;
	written_ranges_merge(&t->mm->owed, &t->mm->nowed, w, nw);
	free(w);
	return 0;
}

/* The private pages written since the vfork, as tracking reports them; owed to the next point. */
static int add_vfork_written(struct recorder *r, struct recorder_task *t)
{
	struct written_range *w;
	struct procmap *maps = NULL;
	size_t nw;
	int n, err = written_pages_collect(r, t, &w, &nw);

	if (err == -ENODATA) /* tracking failed since: every page present */
		return add_changed_pages(r, t, EMIT_PAGES, true);
	if (err < 0)
		return err;
	if ((n = procmaps_read(t->t.tid, &maps)) < 0)
		err = n;
	else
		emit_written(r, t, maps, n, w, nw, EMIT_PAGES);
	written_ranges_merge(&t->mm->owed, &t->mm->nowed, w, nw);
	free(w);
	free(maps);
	return err;
}

int recorder_add_vfork_pages(struct recorder *r, struct recorder_task *t)
{
	struct page_hash *now;
	size_t nnow;
	int err;

	t->vforked = false;
	if (t->vfork_tracked) {
		t->vfork_tracked = false;
		return add_vfork_written(r, t);
	}
	err = scan_pages(r, t, t->vfork_hashes, t->nvfork_hashes, EMIT_PAGES, false, &now, &nnow);
	free(now);
	free(t->vfork_hashes);
	t->vfork_hashes = NULL;
	t->nvfork_hashes = 0;
	return err;
}

/*
 * No site near: an execution point whose state replay restores instead
 * (the pages changed, registers, XSAVE), the stretch before it not run
 * again. A preemption inside an rseq critical section aborts it, as the
 * kernel would.
 */
static int restore_point(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	bool rseq_abort = false;
	int err = x86_rseq_interrupt(&t->t, &t->rseq, regs);

	if (err == 1) {
		rseq_abort = true;
		if ((err = tracee_set_regs(&t->t, regs)) < 0)
			return err;
	}
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SCHED, regs);
	r->eb.flags |= EVF_EXEC_POINT | (rseq_abort ? EVF_RSEQ_CS : 0);
	if ((err = recorder_add_exec_point_pages(r, t)) < 0 ||
	    (err = recorder_add_xsave(r, t, true)) < 0)
		return err;
	t->at_boundary = false;
	return (err = recorder_emit(r)) < 0 ? err : 1;
}

/* An execution point at a site t stands at, which replay runs to. */
static int run_to_point(struct recorder *r, struct recorder_task *t, const uint64_t regs[X86_NREGS])
{
	int err;

	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SCHED, regs);
	r->eb.flags |= EVF_EXEC_POINT | EVF_RUN_TO;
	/*
	 * What other processes' writes to files changed in t's shared mappings
	 * since its last event: replay writes it before it runs t to the point
	 * (which expects it), as a syscall exit would have brought it.
	 */
	recorder_shared_marked(r, t);
	if ((err = recorder_add_fingerprint(r, t, regs)) < 0 ||
	    (err = recorder_add_xsave(r, t, true)) < 0)
		return err;
	t->at_boundary = false;
	return (err = recorder_emit(r)) < 0 ? err : 1;
}

bool recorder_in_vforked_mm(const struct recorder *r, const struct recorder_task *t)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i] != t && r->tasks[i]->mm == t->mm && r->tasks[i]->vforked)
			return true;
	return false;
}

int recorder_preempt_point(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	bool spins;
	int err;

	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (t->at_boundary && (int64_t)regs[X86_ORIG_RAX] >= 0 &&
	    x86_restart_code(x86_regs_result(regs))) {
		/*
		 * Our SIGSTOP interrupted a syscall, which the kernel restarts once
		 * the stop is dropped (arch_do_signal_or_restart). Do it here: the
		 * thread is then at its syscall instruction, its next event.
		 */
		regs[X86_RAX] = x86_regs_result(regs) == -ERESTART_RESTARTBLOCK
				    ? (uint64_t)SYS_restart_syscall
				    : regs[X86_ORIG_RAX];
		regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
		regs[X86_ORIG_RAX] = (uint64_t)-1;
		if ((err = tracee_set_regs(&t->t, regs)) < 0)
			return err;
	}
	/*
	 * A vfork child that has not exec'd runs in its parent's memory, which
	 * the parent's other threads may write meanwhile, where in replay it
	 * has a copy of its own that they do not write: an execution point of
	 * its would expect (or restore) their writes. It gives the slot up at
	 * its next event instead, as near as a vfork child's exec.
	 */
	if (t->vfork_child)
		return 0;
	if (recorder_in_vforked_mm(r, t))
		return restore_point(r, t, regs);
	if (r->chaos && r->run_to && (err = recorder_chaos_steps(r, t, regs)) != 1)
		return err;
	err = recorder_step_to_site_probing(r, t, regs, &spins);
	if (err == RECORDER_NO_SITE)
		return restore_point(r, t, regs);
	if (err != 1)
		return err;
	t->spinning = spins || (t->last_point_ip == regs[X86_RIP] && !t->at_boundary);
	t->last_point_ip = regs[X86_RIP];
	return run_to_point(r, t, regs);
}

int recorder_exec_point_event(struct recorder *r, struct recorder_task *t, int how)
{
	uint64_t regs[X86_NREGS];
	int err;

	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	err = how == EXEC_POINT_RUN_TO ? run_to_point(r, t, regs) : restore_point(r, t, regs);
	return err < 0 ? err : 0;
}
