/*
 * What the timeline (timeline.c, going back) reads and sets in the engine:
 * where the replay stands, its hooks, the debugger's breakpoints and
 * watchpoints and how a step is made. timeline.c goes through these, not
 * through struct replayer's fields, as gdb_target.c goes through
 * replay_debug.c.
 */
#include <string.h>

#include "replayer/replayer.h"

void replayer_where(struct replayer *r, struct replay_where *w)
{
	memset(w, 0, sizeof(*w));
	w->finished = r->progress.finished;
	if (w->finished)
		return;
	w->seq = replayer_next_seq(r);
	w->boundary = !r->progress.ran;
	w->at_signal = r->progress.pending_at_stop;
	w->task = r->tasks.cur;
	w->tid = w->task->rec_tid;
	if (r->progress.have_pending && r->tasks.n > 1 && r->ev.tid != w->tid) {
		/* Between events: the point is the next event's thread, about to run. */
		struct replay_task *next = replay_tasks_find_live(&r->tasks, r->ev.tid);

		if (next) {
			w->tid = r->ev.tid;
			w->task = next;
		}
	}
}

bool replayer_threaded(const struct replayer *r)
{
	return r->tasks.n > 1;
}

void replayer_note_ran(struct replayer *r)
{
	r->progress.ran = true;
}

void replayer_set_history_hooks(struct replayer *r, int (*after_event)(void *arg),
				void (*on_kick)(void *arg), void *arg)
{
	r->in.keep_before = after_event != NULL;
	r->hooks.after_event = after_event;
	r->hooks.on_kick = on_kick;
	if (after_event)
		r->hooks.arg = arg;
}

void replayer_set_quiet(struct replayer *r, bool quiet)
{
	r->debug.quiet = quiet;
}

bool replayer_stopped_at_history_end(const struct replayer *r)
{
	return r->debug.last_stop.at_history_end;
}

bool replayer_breakpoint_at(const struct replayer *r, uint64_t addr, unsigned owners)
{
	for (int i = 0; i < r->debug.nbps; i++)
		if (r->debug.bps[i].addr == addr && (!owners || (r->debug.bps[i].owners & owners)))
			return true;
	return false;
}

bool replayer_watch_at(const struct replayer *r, uint64_t addr)
{
	for (int i = 0; i < r->debug.nwatches; i++)
		if (r->debug.watches[i].addr == addr)
			return true;
	return false;
}

int replayer_take_breakpoints(struct replayer *r, struct replay_breakpoint *bps)
{
	int n = r->debug.nbps;

	replayer_breakpoints_remove(r);
	memcpy(bps, r->debug.bps, (size_t)n * sizeof(r->debug.bps[0]));
	r->debug.nbps = 0;
	return n;
}

void replayer_give_breakpoints(struct replayer *r, const struct replay_breakpoint *bps, int n)
{
	memcpy(r->debug.bps, bps, (size_t)n * sizeof(r->debug.bps[0]));
	r->debug.nbps = n;
}

void replayer_set_step(struct replayer *r, uint32_t tid, bool over, uint64_t over_addr)
{
	r->debug.step_over = over;
	r->debug.step_over_addr = over_addr;
	r->debug.step_tid = r->tasks.n > 1 ? tid : 0;
}
