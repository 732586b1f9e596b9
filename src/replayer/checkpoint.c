/*
 * Checkpoints of a replay: the replayed process is forked by injecting a
 * clone into it (the copy stays stopped, its memory shared copy-on-write),
 * and the replayer's own state is copied beside it: where the trace is
 * read, the register history the events are decoded against, the recorded
 * XSAVE area, the emulated program break and rseq registration. Restoring
 * forks the checkpoint's copy again, so a checkpoint can be restored any
 * number of times, and puts the replayer's state back. A fork shares
 * MAP_SHARED memory rather than copying it, so the contents of writable
 * shared mappings are copied out at the checkpoint and written back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "common/log.h"
#include "common/procmaps.h"
#include "replayer/replayer.h"

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

static void free_shared(struct replay_checkpoint *cp)
{
	for (size_t i = 0; i < cp->nshared; i++)
		free(cp->shared[i].data);
	free(cp->shared);
	cp->shared = NULL;
	cp->nshared = 0;
}

/* Copies the contents of the tracee's writable shared mappings into cp. */
static int copy_shared(struct replayer *r, struct replay_checkpoint *cp)
{
	struct procmap *maps;
	int n = procmaps_read(r->t.tid, &maps), err = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && !err; i++) {
		struct replay_shared_copy *s;

		if (!maps[i].shared || !(maps[i].prot & PROT_WRITE))
			continue;
		s = realloc(cp->shared, (cp->nshared + 1) * sizeof(*s));
		if (!s) {
			err = -ENOMEM;
			break;
		}
		cp->shared = s;
		s = &cp->shared[cp->nshared];
		s->start = maps[i].start;
		s->len = maps[i].end - maps[i].start;
		s->data = malloc(s->len);
		if (!s->data) {
			err = -ENOMEM;
			break;
		}
		cp->nshared++;
		/* Past the end of a shared file the pages cannot be read: they hold nothing. */
		s->len = tracee_read_mem_partial(&r->t, s->start, s->data, s->len);
	}
	free(maps);
	return err;
}

int replay_checkpoint_take(struct replayer *r, struct replay_checkpoint *cp)
{
	const uint8_t *xs = r->have_pending ? r->rec_xsave_before : r->rec_xsave;
	const struct trace_regs_history *h = r->have_pending ? &r->hist_before : &r->history;
	bool inserted = false;
	int err;

	memset(cp, 0, sizeof(*cp));
	cp->pid = -1;
	if (!r->keep_before)
		return -EINVAL;
	if (r->finished || r->t.stop == TRACEE_STOP_EXITED)
		return -ESRCH; /* nothing to fork: the end is found by replaying to it */
	/* A signal on its way to the process would be lost (or delivered) by forking it. */
	if (r->pending_prepared || r->pending_at_stop)
		return -EBUSY;
	if ((err = tracee_get_regs(&r->t, cp->regs)) < 0)
		return err;
	/* The copy must hold the program's own code, not our breakpoints. */
	for (int i = 0; i < r->nbps; i++)
		inserted |= r->bps[i].inserted;
	replayer_breakpoints_remove(r);
	err = tracee_fork_at(&r->t, REWIND_INJECT_PAGE, cp->regs, &cp->pid);
	if (!err)
		err = tracee_set_regs(&r->t, cp->regs);
	if (inserted)
		replayer_breakpoints_insert(r);
	if (err) {
		if (cp->pid > 0)
			reap(cp->pid);
		cp->pid = -1;
		return err;
	}
	cp->stop = TRACEE_STOP_OTHER;
	cp->rec_xsave = malloc(r->xsave_len);
	if (!cp->rec_xsave || trace_regs_history_copy(&cp->history, h) < 0) {
		replay_checkpoint_free(cp);
		return -ENOMEM;
	}
	if ((err = copy_shared(r, cp)) < 0) {
		replay_checkpoint_free(cp);
		return err;
	}
	memcpy(cp->rec_xsave, xs, r->xsave_len);
	cp->record = r->have_pending ? r->ev_record : r->ev_record + 1;
	cp->brk = r->brk;
	cp->exec_sp = r->exec_sp;
	cp->seq = r->ev.seq;
	cp->rseq = r->rseq;
	cp->have_pending = r->have_pending;
	cp->finished = r->finished;
	cp->ran = r->ran;
	cp->exit_reported = r->exit_reported;
	cp->exit_status = r->exit_status;
	cp->pass_sig = r->pass_sig;
	return 0;
}

int replay_checkpoint_restore(struct replayer *r, struct replay_checkpoint *cp)
{
	struct tracee copy;
	pid_t pid;
	int err;

	tracee_init(&copy, cp->pid);
	copy.stop = cp->stop;
	err = tracee_fork_at(&copy, REWIND_INJECT_PAGE, cp->regs, &pid);
	cp->stop = copy.stop;
	tracee_release(&copy);
	if (err) {
		rw_error("cannot restore the checkpoint in process %d: %s", cp->pid,
			 strerror(-err));
		return err;
	}
	if (r->t.tid > 0 && r->t.stop != TRACEE_STOP_EXITED)
		reap(r->t.tid);
	tracee_release(&r->t);
	tracee_init(&r->t, pid);
	r->t.stop = TRACEE_STOP_OTHER;
	if ((err = tracee_set_regs(&r->t, cp->regs)) < 0)
		return err;
	for (size_t i = 0; i < cp->nshared; i++)
		if ((err = tracee_write_mem(&r->t, cp->shared[i].start, cp->shared[i].data,
					    cp->shared[i].len)) < 0)
			return err;
	for (int i = 0; i < r->nbps; i++)
		r->bps[i].inserted = false; /* the copy has none of them */

	if ((err = prefetch_seek(r->prefetch, cp->record)) < 0)
		return err;
	if ((err = trace_regs_history_copy(&r->history, &cp->history)) < 0)
		return err;
	memcpy(r->rec_xsave, cp->rec_xsave, r->xsave_len);
	r->brk = cp->brk;
	r->exec_sp = cp->exec_sp;
	r->rseq = cp->rseq;
	r->finished = cp->finished;
	r->exit_status = cp->exit_status;
	r->pass_sig = cp->pass_sig;
	r->ran = cp->ran;
	r->exit_reported = cp->exit_reported;
	r->at_history_end = false;
	r->entry_reported = 0;
	r->catch_return = 0;
	r->have_pending = cp->have_pending;
	/* A signal sent or a delivery stop reached is not in the copy: it is sent again. */
	r->pending_prepared = false;
	r->pending_at_stop = false;
	if (!cp->have_pending) {
		r->ev.seq = cp->seq;
		return 0;
	}
	err = replayer_next_event(r);
	if (err <= 0)
		return err < 0 ? err : -ENODATA;
	if (r->ev.seq != cp->seq) {
		rw_error("%s: going back to event %llu read event %llu", r->trace_path,
			 (unsigned long long)cp->seq, (unsigned long long)r->ev.seq);
		return -EPROTO;
	}
	return 0;
}

void replay_checkpoint_free(struct replay_checkpoint *cp)
{
	if (cp->pid > 0)
		reap(cp->pid);
	cp->pid = -1;
	free(cp->rec_xsave);
	cp->rec_xsave = NULL;
	trace_regs_history_free(&cp->history);
	free_shared(cp);
}
