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
 * Cost: reading and hashing the writable memory (about 30 ms per 100 MB),
 * paid only when a signal would otherwise wait past the limit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/procmaps.h"
#include "recorder/recorder.h"

#define EXEC_POINT_LIMIT_MS 10
#define PAGE		    4096u
#define BATCH_PAGES	    64u

static void on_timer(int sig)
{
	(void)sig; /* only interrupts the recorder's waitpid */
}

static void kick(void *arg)
{
	struct recorder *r = arg;

	if (r->nheld && !r->kick_sent && r->timer_fired) {
		syscall(SYS_tgkill, r->t.tid, r->t.tid, SIGSTOP);
		r->kick_sent = true;
	}
	r->timer_fired = false;
}

static void timer_handler_fired(int sig, siginfo_t *si, void *uc);

static struct recorder *timer_owner;

static void timer_handler_fired(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	on_timer(sig);
	if (timer_owner)
		timer_owner->timer_fired = true;
}

int recorder_exec_point_init(struct recorder *r)
{
	struct sigaction sa;
	struct sigevent ev;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = timer_handler_fired;
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: waitpid must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -errno;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID; /* this thread, not the trace writer's */
	ev.sigev_signo = SIGALRM;
	ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &ev, &r->limit_timer) < 0)
		return -errno;
	r->have_timer = true;
	timer_owner = r;
	return 0;
}

void recorder_exec_point_attach(struct recorder *r)
{
	r->t.on_wait_interrupted = kick;
	r->t.on_wait_arg = r;
}

void recorder_exec_point_fini(struct recorder *r)
{
	if (r->have_timer)
		timer_delete(r->limit_timer);
	r->have_timer = false;
	timer_owner = NULL;
	free(r->page_hashes);
	r->page_hashes = NULL;
	r->npage_hashes = 0;
}

void recorder_time_limit(struct recorder *r, bool arm)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (!r->have_timer)
		return;
	if (arm)
		its.it_value.tv_nsec = EXEC_POINT_LIMIT_MS * 1000000L;
	timer_settime(r->limit_timer, 0, &its, NULL);
	if (!arm)
		r->timer_fired = false;
}

static int compare_hash(const void *a, const void *b)
{
	const struct page_hash *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static uint64_t old_hash(const struct recorder *r, uint64_t addr, bool *found)
{
	struct page_hash key = {addr, 0};
	const struct page_hash *h = r->npage_hashes ? bsearch(&key, r->page_hashes, r->npage_hashes,
							      sizeof(key), compare_hash)
						    : NULL;

	*found = h != NULL;
	return h ? h->hash : 0;
}

/* Writable private memory the program may have changed in user code. */
static bool watched(const struct procmap *m)
{
	if (!(m->prot & PROT_WRITE) || m->shared)
		return false;
	return m->path[0] != '[' || !strcmp(m->path, "[heap]") || !strcmp(m->path, "[stack]");
}

/* Adds every writable private page that changed since the last execution point to the event. */
int recorder_add_exec_point_pages(struct recorder *r)
{
	struct procmap *maps = NULL;
	struct page_hash *now = NULL;
	size_t nnow = 0, cap = 0;
	uint8_t *buf = malloc(BATCH_PAGES * PAGE);
	int n = procmaps_read(r->t.tid, &maps);

	if (!buf)
		abort();
	if (n < 0) {
		free(buf);
		return n;
	}
	for (int i = 0; i < n; i++) {
		const struct procmap *m = &maps[i];

		if (!watched(m) || m->start == REWIND_INJECT_PAGE)
			continue;
		for (uint64_t a = m->start; a < m->end; a += BATCH_PAGES * PAGE) {
			size_t want =
			    m->end - a < BATCH_PAGES * PAGE ? m->end - a : BATCH_PAGES * PAGE;
			size_t got = tracee_read_mem_partial(&r->t, a, buf, want);

			for (size_t off = 0; off + PAGE <= got; off += PAGE) {
				uint64_t h = rw_hash_bytes(buf + off, PAGE).lo;
				bool found;

				if (nnow == cap) {
					cap = cap ? 2 * cap : 1024;
					now = realloc(now, cap * sizeof(*now));
					if (!now)
						abort();
				}
				now[nnow++] = (struct page_hash){a + off, h};
				if (old_hash(r, a + off, &found) != h || !found)
					trace_event_add_mem(&r->eb, a + off, buf + off, PAGE);
			}
		}
	}
	free(maps);
	free(buf);
	free(r->page_hashes);
	r->page_hashes = now; /* /proc/PID/maps is sorted, so this is too */
	r->npage_hashes = nnow;
	return 0;
}
