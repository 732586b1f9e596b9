/* A line of progress on a terminal; see progress.h. */
#define _GNU_SOURCE
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define SHOW_AFTER_MS 1000
#define REWRITE_NS    (100 * 1000 * 1000ull)

static struct rw_progress *active; /* the work under way */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void rw_progress_begin(struct rw_progress *p, const char *what, uint64_t end)
{
	const char *env = getenv("REWIND_PROGRESS_AFTER_MS");
	uint64_t after_ms = env && *env ? strtoull(env, NULL, 10) : SHOW_AFTER_MS;

	p->what = what;
	p->end = end;
	p->on = isatty(STDERR_FILENO);
	p->shown = false;
	p->next_ns = now_ns() + after_ms * 1000000ull;
	active = p;
}

void rw_progress_note(struct rw_progress *p, uint64_t event)
{
	uint64_t now;

	if (!p->on || (now = now_ns()) < p->next_ns)
		return;
	if (p->end)
		fprintf(stderr, "\rrewind: %s: event %llu of %llu\033[K", p->what,
			(unsigned long long)event, (unsigned long long)p->end);
	else
		fprintf(stderr, "\rrewind: %s: event %llu\033[K", p->what,
			(unsigned long long)event);
	fflush(stderr);
	p->shown = true;
	p->next_ns = now + REWRITE_NS;
}

void rw_progress_end(struct rw_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->on = p->shown = false;
	if (active == p)
		active = NULL;
}

void rw_progress_interrupt(void)
{
	if (!active || !active->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	active->shown = false;
	active->next_ns = now_ns();
}
