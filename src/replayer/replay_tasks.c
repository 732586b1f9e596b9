/*
 * The replay's tasks: one per recorded thread or process, made when the
 * trace says a clone made it (EV_CLONE) and mapped from its recorded tid to
 * the live one. Events are applied in the recorded order, each to its own
 * task, so the tasks run one at a time exactly as they were scheduled while
 * recording. The table's `cur` points at the task whose event is replayed;
 * every piece of the replayer works on that task's own fields, and
 * switching tasks only moves the pointer. Each task is allocated on its
 * own, so a pointer to it stays valid while the table grows.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "replayer/replayer.h"

static struct replay_task *task_new(size_t xsave_len)
{
	struct replay_task *task = xcalloc(1, sizeof(*task));

	task->rec_xsave = xcalloc(1, xsave_len);
	tracee_init(&task->t, -1);
	return task;
}

static void task_free(struct replay_task *task)
{
	if (task)
		free(task->rec_xsave);
	free(task);
}

/* Appends a task to the table. */
static void append(struct replay_tasks *ts, struct replay_task *task)
{
	ts->all = xrealloc(ts->all, (ts->n + 1) * sizeof(*ts->all));
	ts->all[ts->n++] = task;
}

int replay_tasks_init(struct replay_tasks *ts, size_t xsave_len)
{
	struct replay_task *first = task_new(xsave_len);

	memset(ts, 0, sizeof(*ts));
	append(ts, first);
	ts->cur = first;
	return 0;
}

void replay_tasks_free(struct replay_tasks *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		task_free(ts->all[i]);
	free(ts->all);
	memset(ts, 0, sizeof(*ts));
}

struct replay_task *replay_tasks_find(const struct replay_tasks *ts, uint32_t tid)
{
	/* The latest first: a recorded tid may be reused after its task died. */
	for (size_t i = ts->n; i-- > 0;)
		if (ts->all[i]->rec_tid == tid)
			return ts->all[i];
	return NULL;
}

int replay_tasks_switch(struct replay_tasks *ts, uint32_t tid)
{
	struct replay_task *task;

	if (ts->cur->rec_tid == tid)
		return 0;
	if (!(task = replay_tasks_find(ts, tid)))
		return -ESRCH;
	ts->cur = task;
	return 0;
}

uint8_t *replay_tasks_rec_xsave(const struct replay_tasks *ts, uint32_t tid)
{
	struct replay_task *task;

	if (ts->n <= 1 || ts->cur->rec_tid == tid || !(task = replay_tasks_find(ts, tid)))
		return ts->cur->rec_xsave;
	return task->rec_xsave;
}

struct replay_task *replay_tasks_add(struct replay_tasks *ts, uint32_t rec_tid, uint32_t rec_tgid,
				     pid_t live, size_t xsave_len)
{
	struct replay_task *c = task_new(xsave_len);

	c->rec_tid = rec_tid;
	c->rec_tgid = rec_tgid;
	tracee_init(&c->t, live);
	c->brk = ts->cur->brk;
	c->exec_sp = ts->cur->exec_sp;
	memcpy(c->rec_xsave, ts->cur->rec_xsave, xsave_len);
	append(ts, c);
	return c;
}

void replay_tasks_exiting(struct replay_tasks *ts, uint32_t rec_tgid)
{
	for (size_t i = 0; i < ts->n; i++)
		if (ts->all[i]->rec_tgid == rec_tgid && !ts->all[i]->dead)
			ts->all[i]->exiting = true;
}

void replay_tasks_set_brk(struct replay_tasks *ts, uint64_t brk)
{
	for (size_t i = 0; i < ts->n; i++)
		if (ts->all[i]->rec_tgid == ts->cur->rec_tgid)
			ts->all[i]->brk = brk;
	ts->cur->brk = brk;
}

size_t replay_tasks_alive(const struct replay_tasks *ts, uint32_t tgid)
{
	size_t n = 0;

	for (size_t i = 0; i < ts->n; i++)
		n += !ts->all[i]->dead && (!tgid || ts->all[i]->rec_tgid == tgid);
	return n;
}

bool replay_task_running(const struct replay_task *task)
{
	return !task->dead && !task->exiting && !task->reaped;
}

size_t replay_tasks_running(const struct replay_tasks *ts, uint32_t tgid)
{
	size_t n = 0;

	for (size_t i = 0; i < ts->n; i++)
		n += replay_task_running(ts->all[i]) && (!tgid || ts->all[i]->rec_tgid == tgid);
	return n;
}

void replay_tasks_dup(struct replay_tasks *dst, const struct replay_tasks *src, size_t xsave_len)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n; i++) {
		struct replay_task *c = task_new(xsave_len);
		uint8_t *rec_xsave;

		append(dst, c);
		rec_xsave = c->rec_xsave;
		*c = *src->all[i];
		c->rec_xsave = rec_xsave;
		c->t.mem_fd = -1; /* the original's: a copy opens its own when it needs one */
		memcpy(c->rec_xsave, src->all[i]->rec_xsave, xsave_len);
		if (src->all[i] == src->cur)
			dst->cur = c;
	}
}

struct replay_task *replay_tasks_find_live(const struct replay_tasks *ts, uint32_t tid)
{
	struct replay_task *task = replay_tasks_find(ts, tid);

	return task && !task->dead && !task->reaped ? task : NULL;
}
