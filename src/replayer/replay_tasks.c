/*
 * The replay's tasks: one per recorded thread or process, made when the
 * trace says a clone made it (EV_CLONE) and mapped from its recorded tid to
 * the live one. Events are applied in the recorded order, each to its own
 * task, so the tasks run one at a time exactly as they were scheduled while
 * recording. The current task's state is kept in the replayer's own fields,
 * so the single-task code (syscalls, signals, address space) works on
 * whichever task is current.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "replayer/replayer.h"

int replay_tasks_init(struct replayer *r)
{
	r->tasks = calloc(1, sizeof(*r->tasks));
	if (!r->tasks)
		return -ENOMEM;
	r->ntasks = 1;
	r->cur_task = 0;
	r->tasks[0].rec_tid = r->tasks[0].rec_tgid = r->ev.tid;
	return 0;
}

void replay_tasks_free(struct replayer *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (i != r->cur_task)
			free(r->tasks[i].rec_xsave);
	free(r->tasks);
	r->tasks = NULL;
	r->ntasks = 0;
}

static struct replay_task *find(struct replayer *r, uint32_t tid, size_t *index)
{
	/* The latest first: a recorded tid may be reused after its task died. */
	for (size_t i = r->ntasks; i-- > 0;) {
		if (r->tasks[i].rec_tid == tid) {
			*index = i;
			return &r->tasks[i];
		}
	}
	return NULL;
}

static void save_current(struct replayer *r)
{
	struct replay_task *c = &r->tasks[r->cur_task];

	c->t = r->t;
	c->brk = r->brk;
	c->exec_sp = r->exec_sp;
	c->rseq = r->rseq;
	c->rec_xsave = r->rec_xsave;
	c->pass_sig = r->pass_sig;
}

static void load_current(struct replayer *r, size_t index)
{
	struct replay_task *c = &r->tasks[index];

	r->cur_task = index;
	r->t = c->t;
	r->brk = c->brk;
	r->exec_sp = c->exec_sp;
	r->rseq = c->rseq;
	r->rec_xsave = c->rec_xsave;
	r->pass_sig = c->pass_sig;
}

int replay_task_switch(struct replayer *r, uint32_t tid)
{
	size_t index;

	if (!r->ntasks || r->tasks[r->cur_task].rec_tid == tid)
		return 0;
	if (!find(r, tid, &index)) {
		rw_error("%s: event %llu belongs to tid %u, which no clone event made",
			 r->trace_path, (unsigned long long)r->ev.seq, tid);
		return -EBADMSG;
	}
	save_current(r);
	load_current(r, index);
	return 0;
}

uint8_t *replay_task_rec_xsave(struct replayer *r, uint32_t tid)
{
	size_t index;

	if (r->ntasks <= 1 || r->tasks[r->cur_task].rec_tid == tid || !find(r, tid, &index))
		return r->rec_xsave;
	return r->tasks[index].rec_xsave;
}

int replay_task_add(struct replayer *r, uint32_t rec_tid, uint32_t rec_tgid, pid_t live)
{
	struct replay_task *n = realloc(r->tasks, (r->ntasks + 1) * sizeof(*r->tasks)), *c;

	if (!n)
		return -ENOMEM;
	r->tasks = n;
	c = &r->tasks[r->ntasks];
	memset(c, 0, sizeof(*c));
	c->rec_tid = rec_tid;
	c->rec_tgid = rec_tgid;
	tracee_init(&c->t, live);
	c->dr_gen = r->watch_gen - 1; /* a new thread's debug registers are clear */
	c->brk = r->brk;
	c->exec_sp = r->exec_sp;
	c->rec_xsave = malloc(r->xsave_len);
	if (!c->rec_xsave)
		return -ENOMEM;
	memcpy(c->rec_xsave, r->rec_xsave, r->xsave_len);
	return (int)r->ntasks++;
}

void replay_tasks_exiting(struct replayer *r, uint32_t rec_tgid)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i].rec_tgid == rec_tgid && !r->tasks[i].dead)
			r->tasks[i].exiting = true;
}

void replay_tasks_set_brk(struct replayer *r, uint64_t brk)
{
	uint32_t tgid = r->ntasks ? r->tasks[r->cur_task].rec_tgid : 0;

	r->brk = brk;
	for (size_t i = 0; i < r->ntasks; i++)
		if (i != r->cur_task && r->tasks[i].rec_tgid == tgid)
			r->tasks[i].brk = brk;
}

size_t replay_tasks_alive(const struct replayer *r, uint32_t tgid)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ntasks; i++)
		n += !r->tasks[i].dead && (!tgid || r->tasks[i].rec_tgid == tgid);
	return n;
}

bool replay_task_running(const struct replay_task *task)
{
	return !task->dead && !task->exiting && !task->reaped;
}

struct replay_task *replay_tasks_dup(const struct replay_task *tasks, size_t n, size_t xsave_len)
{
	struct replay_task *c = calloc(n ? n : 1, sizeof(*c));

	if (!c)
		return NULL;
	memcpy(c, tasks, n * sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c[i].rec_xsave = malloc(xsave_len);
		if (!c[i].rec_xsave)
			abort();
		memcpy(c[i].rec_xsave, tasks[i].rec_xsave, xsave_len);
	}
	return c;
}

struct replay_task *replay_tasks_copy(struct replayer *r)
{
	save_current(r);
	return replay_tasks_dup(r->tasks, r->ntasks, r->xsave_len);
}

void replay_tasks_adopt(struct replayer *r, struct replay_task *tasks, size_t n, size_t cur)
{
	/* The current task's rec_xsave is r->rec_xsave: freed as the task's own. */
	for (size_t i = 0; i < r->ntasks; i++)
		if (i != r->cur_task)
			free(r->tasks[i].rec_xsave);
	free(r->rec_xsave);
	free(r->tasks);
	r->tasks = tasks;
	r->ntasks = n;
	load_current(r, cur);
}

size_t replay_tasks_running(const struct replayer *r, uint32_t tgid)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ntasks; i++)
		n += replay_task_running(&r->tasks[i]) && (!tgid || r->tasks[i].rec_tgid == tgid);
	return n;
}

bool replay_task_debugged(const struct replayer *r)
{
	return !r->debug_tgid || !r->ntasks || r->tasks[r->cur_task].rec_tgid == r->debug_tgid;
}

struct tracee *replay_debugged_tracee(struct replayer *r)
{
	uint32_t tgid = r->debug_tgid;

	if (!r->ntasks)
		return &r->t;
	if (!tgid)
		tgid = r->tasks[r->cur_task].rec_tgid;
	if (r->tasks[r->cur_task].rec_tgid == tgid && replay_task_running(&r->tasks[r->cur_task]))
		return &r->t;
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i].rec_tgid == tgid && replay_task_running(&r->tasks[i]))
			return replay_task_tracee(r, &r->tasks[i]);
	return NULL;
}

int replay_task_switch_debugged(struct replayer *r)
{
	if (replay_task_debugged(r))
		return 0;
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i].rec_tgid == r->debug_tgid && replay_task_running(&r->tasks[i]))
			return replay_task_switch(r, r->tasks[i].rec_tid);
	return -ESRCH;
}

struct replay_task *replay_task_find_live(struct replayer *r, uint32_t tid)
{
	size_t index;
	struct replay_task *task = r->ntasks ? find(r, tid, &index) : NULL;

	return task && !task->dead && !task->reaped ? task : NULL;
}

struct tracee *replay_task_tracee(struct replayer *r, struct replay_task *task)
{
	return task == &r->tasks[r->cur_task] ? &r->t : &task->t;
}
