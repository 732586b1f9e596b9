/*
 * Checkpoints of a replay: the replayed process is forked by injecting a
 * clone into it (the copy stays stopped, its memory shared copy-on-write),
 * and the replayer's own state is copied beside it, each part whole: where
 * the trace is read and the register history the events are decoded
 * against (replay_input_pos), the task table (each task's recorded XSAVE
 * area, program break, rseq registration...), and struct replay_progress.
 * Restoring forks the checkpoint's copy again, so a checkpoint can be
 * restored any number of times, and puts the replayer's state back. A fork
 * shares MAP_SHARED memory rather than copying it, so the contents of
 * writable shared mappings are copied out at the checkpoint and written
 * back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/procmaps.h"
#include "common/xalloc.h"
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

/* Copies the contents of the writable shared mappings of process proc (thread t) into cp. */
static int copy_shared(struct tracee *t, size_t proc, struct replay_checkpoint *cp)
{
	struct procmap *maps;
	int n = procmaps_read(t->tid, &maps), err = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && !err; i++) {
		struct replay_shared_copy *s;

		if (!maps[i].shared || !(maps[i].prot & PROT_WRITE))
			continue;
		cp->shared = xrealloc(cp->shared, (cp->nshared + 1) * sizeof(*s));
		s = &cp->shared[cp->nshared];
		s->start = maps[i].start;
		s->len = maps[i].end - maps[i].start;
		s->proc = proc;
		/* As large as the program made the mapping: running out is reported, not fatal. */
		s->data = malloc(s->len);
		if (!s->data) {
			rw_error("checkpoint: no memory for a copy of the shared mapping at 0x%llx "
				 "(%zu bytes)",
				 (unsigned long long)s->start, (size_t)s->len);
			err = -ENOMEM;
			break;
		}
		cp->nshared++;
		/* Past the end of a shared file the pages cannot be read: they hold nothing. */
		s->len = tracee_read_mem_partial(t, s->start, s->data, s->len);
	}
	free(maps);
	return err;
}

/*
 * The tasks whose threads a checkpoint forks: each live process's first
 * thread (the leader), so that each copy's leader is the recorded one.
 * Threads that have ended are not made again; one on its way out, or a
 * process whose leader ended before its other threads, is not supported.
 */
static int checkpoint_processes(struct replayer *r, struct replay_checkpoint *cp)
{
	cp->proc_leader = xcalloc(r->tasks.n + 1, sizeof(*cp->proc_leader));
	if (r->tasks.n <= 1) {
		cp->proc_leader[cp->nprocs++] = 0; /* the one task */
		return 0;
	}
	for (size_t i = 0; i < r->tasks.n; i++) {
		const struct replay_task *k = r->tasks.all[i];

		if (k->dead || k->reaped)
			continue;
		if (k->exiting)
			return -EBUSY;
		if (k->rec_tid == k->rec_tgid)
			cp->proc_leader[cp->nprocs++] = i;
	}
	for (size_t i = 0; i < r->tasks.n; i++) {
		bool found = false;

		if (!replay_task_running(r->tasks.all[i]))
			continue;
		for (size_t p = 0; p < cp->nprocs && !found; p++)
			found =
			    r->tasks.all[cp->proc_leader[p]]->rec_tgid == r->tasks.all[i]->rec_tgid;
		if (!found)
			return -ENOTSUP;
	}
	return cp->nprocs ? 0 : -ESRCH;
}

static void free_threads(struct replay_checkpoint *cp)
{
	for (size_t i = 0; cp->threads && i < cp->tasks.n; i++)
		free(cp->threads[i].xsave);
	free(cp->threads);
	cp->threads = NULL;
	replay_tasks_free(&cp->tasks);
	for (size_t p = 0; cp->procs && p < cp->nprocs; p++)
		if (cp->procs[p] > 0)
			reap(cp->procs[p]);
	free(cp->procs);
	free(cp->proc_leader);
	free(cp->proc_stop);
	cp->procs = NULL;
	cp->proc_leader = NULL;
	cp->proc_stop = NULL;
	cp->nprocs = 0;
	cp->pid = -1;
}

/* What a live thread's re-creation needs: registers, XSAVE area, mask, robust list. */
static int save_thread(struct replayer *r, struct tracee *t, struct replay_thread_state *th)
{
	int err;

	if ((err = tracee_get_regs(t, th->regs)) < 0)
		return err;
	th->xsave = xmalloc(r->xsave_len);
	if ((err = tracee_get_xsave(t, th->xsave, r->xsave_len)) < 0)
		return err;
	if (ptrace(PTRACE_GETSIGMASK, t->tid, sizeof(th->sigmask), &th->sigmask) < 0)
		return -errno;
	{
		struct robust_list_head *head = NULL;
		size_t len = 0;

		if (syscall(SYS_get_robust_list, t->tid, &head, &len) == 0) {
			th->robust_head = (uint64_t)(uintptr_t)head;
			th->robust_len = len;
		}
	}
	return 0;
}

int replay_checkpoint_take(struct replay_checkpoint *cp, struct replayer *r)
{
	bool inserted = false;
	int err;

	memset(cp, 0, sizeof(*cp));
	cp->pid = -1;
	if (!r->in.keep_before)
		return -EINVAL;
	if (r->progress.finished || r->tasks.cur->t.stop == TRACEE_STOP_EXITED)
		return -ESRCH; /* nothing to fork: the end is found by replaying to it */
	/* A signal on its way to the process would be lost (or delivered) by forking it. */
	if (r->progress.pending_prepared || r->progress.pending_at_stop)
		return -EBUSY;
	if ((err = checkpoint_processes(r, cp)) < 0) {
		replay_checkpoint_free(cp);
		return err;
	}
	cp->threads = xcalloc(r->tasks.n, sizeof(*cp->threads));
	replay_tasks_dup(&cp->tasks, &r->tasks, r->xsave_len);
	/* With an event read ahead, its XSAVE blocks are applied again at restore. */
	for (size_t i = cp->tasks.n; r->progress.have_pending && i-- > 0;)
		if (cp->tasks.all[i]->rec_tid == r->in.rec_xsave_before_tid) {
			memcpy(cp->tasks.all[i]->rec_xsave, r->in.rec_xsave_before, r->xsave_len);
			break;
		}
	for (size_t i = 0; i < r->tasks.n; i++) {
		if (!replay_task_running(r->tasks.all[i]))
			continue;
		if ((err = save_thread(r, &r->tasks.all[i]->t, &cp->threads[i])) < 0) {
			replay_checkpoint_free(cp);
			return err;
		}
	}
	cp->procs = xcalloc(cp->nprocs, sizeof(*cp->procs));
	cp->proc_stop = xcalloc(cp->nprocs, sizeof(*cp->proc_stop));
	/* The copies must hold the program's own code, not our breakpoints. */
	for (int i = 0; i < r->debug.nbps; i++)
		inserted |= r->debug.bps[i].inserted;
	replayer_breakpoints_remove(r);
	err = 0;
	for (size_t p = 0; p < cp->nprocs; p++)
		cp->procs[p] = -1;
	for (size_t p = 0; p < cp->nprocs && !err; p++) {
		size_t l = cp->proc_leader[p];
		struct tracee *lt = &r->tasks.all[l]->t;

		err = tracee_fork_at(lt, REWIND_INJECT_PAGE, cp->threads[l].regs, &cp->procs[p]);
		if (!err)
			err = tracee_set_regs(lt, cp->threads[l].regs);
		cp->proc_stop[p] = TRACEE_STOP_OTHER;
		if (!err)
			err = copy_shared(lt, p, cp);
	}
	cp->pid = cp->procs[0];
	if (inserted)
		replayer_breakpoints_insert(r);
	if (err) {
		replay_checkpoint_free(cp);
		return err;
	}
	if (replay_input_save(&r->in, r->progress.have_pending, &r->ev, &cp->pos) < 0) {
		replay_checkpoint_free(cp);
		return -ENOMEM;
	}
	cp->progress = r->progress;
	return 0;
}

int replayer_fork_thread(struct replayer *r, struct replay_task *task, uint64_t regs[X86_NREGS],
			 pid_t *child)
{
	bool inserted = false;
	int err;

	*child = -1;
	/* A pending signal would be lost in the injected fork (see replay_checkpoint_take). */
	if (r->progress.pending_prepared || r->progress.pending_at_stop)
		return -EBUSY;
	if ((err = tracee_get_regs(&task->t, regs)) < 0)
		return err;
	for (int i = 0; i < r->debug.nbps; i++)
		inserted |= r->debug.bps[i].inserted;
	replayer_breakpoints_remove(r);
	err = tracee_fork_at(&task->t, REWIND_INJECT_PAGE, regs, child);
	if (!err)
		err = tracee_set_regs(&task->t, regs);
	if (inserted)
		replayer_breakpoints_insert(r);
	if (err && *child > 0)
		reap(*child);
	return err;
}

/*
 * Ends every live thread of the replay (of every process) and waits for
 * them. A leader's end is reported only after its other threads' are
 * reaped, so the waits go round until all are done.
 */
static void end_replay_threads(struct replayer *r)
{
	pid_t *tids = xcalloc(r->tasks.n + 1, sizeof(*tids));
	size_t n = 0, left;

	for (size_t i = 0; i < r->tasks.n; i++) {
		struct tracee *t = &r->tasks.all[i]->t;

		if (t->tid > 0 && t->stop != TRACEE_STOP_EXITED && !r->tasks.all[i]->reaped)
			tids[n++] = t->tid;
		tracee_release(t);
	}
	for (size_t i = 0; i < n; i++)
		kill(tids[i], SIGKILL);
	for (left = n; left;) {
		bool progress = false;

		for (size_t i = 0; i < n; i++) {
			int st;
			pid_t got;

			if (!tids[i])
				continue;
			got = waitpid(tids[i], &st, __WALL | WNOHANG);
			if ((got == tids[i] && (WIFEXITED(st) || WIFSIGNALED(st))) ||
			    (got < 0 && errno == ECHILD)) {
				tids[i] = 0;
				left--;
				progress = true;
			}
		}
		if (!progress)
			usleep(200);
	}
	free(tids);
}

/*
 * Gives t the registers regs in a signal-delivery stop, like the fork's
 * first stop: a thread left at the syscall-exit stop of an injected call
 * would turn a signal passed at its next resume (a task's pass_sig) into
 * a new one sent to it, where the recording delivered it. A SIGSTOP makes
 * the stop before any instruction runs (no restart on the way: orig_rax
 * is -1 until then).
 */
static int back_to_signal_stop(struct tracee *t, const uint64_t regs[X86_NREGS])
{
	uint64_t tmp[X86_NREGS];
	int st, err;

	memcpy(tmp, regs, sizeof(tmp));
	tmp[X86_ORIG_RAX] = (uint64_t)-1;
	if ((err = tracee_set_regs(t, tmp)) < 0)
		return err;
	if (t->stop != TRACEE_STOP_OTHER) {
		if (syscall(SYS_tkill, t->tid, SIGSTOP) < 0)
			return -errno;
		if ((st = tracee_resume(t, PTRACE_SYSCALL, 0)) < 0)
			return st;
		if (t->stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
			return -EPROTO;
	}
	return tracee_set_regs(t, regs);
}

/*
 * Kernel state of a re-made thread that a clone does not carry over: its
 * robust futex list, and for a thread of a clone its alternate stack (a
 * fork copies the leader's) and clear-tid word (given to the clone).
 */
static int thread_kernel_state(struct tracee *t, const struct replay_task *task,
			       const struct replay_thread_state *th, size_t xsave_len, bool leader)
{
	int64_t ret;
	int err;

	if (th->robust_head &&
	    (err = tracee_inject(t, REWIND_INJECT_PAGE, th->regs, SYS_set_robust_list,
				 th->robust_head, th->robust_len, 0, 0, 0, 0, &ret)) < 0)
		return err;
	if (leader && task->ctid &&
	    (err = tracee_inject(t, REWIND_INJECT_PAGE, th->regs, SYS_set_tid_address, task->ctid,
				 0, 0, 0, 0, 0, &ret)) < 0)
		return err;
	if (!leader && task->has_altstack) {
		if ((err = tracee_write_mem(t, REWIND_INJECT_SCRATCH, task->altstack,
					    sizeof(task->altstack))) < 0 ||
		    (err = tracee_inject(t, REWIND_INJECT_PAGE, th->regs, SYS_sigaltstack,
					 REWIND_INJECT_SCRATCH, 0, 0, 0, 0, 0, &ret)) < 0)
			return err;
	}
	if (!leader && ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(th->sigmask), &th->sigmask) < 0)
		return -errno;
	if (!leader && (err = tracee_set_xsave(t, th->xsave, xsave_len)) < 0)
		return err;
	return back_to_signal_stop(t, th->regs);
}

/* The checkpoint's other live threads, made again in the new process by clones of its leader. */
static int remake_threads(struct replayer *r, struct replay_checkpoint *cp,
			  struct replay_tasks *tasks, size_t leader)
{
	struct replay_task *l = tasks->all[leader];
	int err;

	for (size_t i = 0; i < cp->tasks.n; i++) {
		const uint64_t flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				       CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID;
		struct replay_task *task = tasks->all[i];
		uint64_t in[X86_NREGS], out[X86_NREGS];
		pid_t live;

		if (i == leader || !replay_task_running(task) || task->rec_tgid != l->rec_tgid)
			continue;
		memcpy(in, cp->threads[leader].regs, sizeof(in));
		in[X86_RAX] = SYS_clone;
		in[X86_RDI] = task->ctid ? flags : flags & ~(uint64_t)CLONE_CHILD_CLEARTID;
		in[X86_RSI] = in[X86_RDX] = in[X86_R8] = 0;
		in[X86_R10] = task->ctid;
		if ((err = tracee_clone_at(&l->t, REWIND_INJECT_PAGE, in, &live, out)) < 0)
			return err;
		tracee_init(&task->t, live);
		task->t.stop = TRACEE_STOP_OTHER;
		if ((err = thread_kernel_state(&task->t, task, &cp->threads[i], r->xsave_len,
					       false)) < 0)
			return err;
	}
	return thread_kernel_state(&l->t, l, &cp->threads[leader], r->xsave_len, true);
}

/* Each process's copy, forked again from its checkpoint (which stays usable), into pids. */
static int fork_processes(struct replay_checkpoint *cp, pid_t *pids)
{
	int err = 0;

	for (size_t p = 0; p < cp->nprocs && !err; p++) {
		struct tracee copy;

		tracee_init(&copy, cp->procs[p]);
		copy.stop = cp->proc_stop[p];
		err = tracee_fork_at(&copy, REWIND_INJECT_PAGE,
				     cp->threads[cp->proc_leader[p]].regs, &pids[p]);
		cp->proc_stop[p] = copy.stop;
		tracee_release(&copy);
		if (err)
			rw_error("cannot restore the checkpoint in process %d: %s", cp->procs[p],
				 strerror(-err));
	}
	if (err)
		for (size_t p = 0; p < cp->nprocs; p++)
			if (pids[p] > 0)
				reap(pids[p]);
	return err;
}

/*
 * The replay's task table becomes a copy of the checkpoint's (which stays
 * usable), its leaders the new forks pids, its other live threads made
 * again, and the writable shared mappings written back.
 */
static int remake_tasks(struct replay_checkpoint *cp, struct replayer *r, const pid_t *pids)
{
	struct replay_tasks tasks;
	int err = 0;

	replay_tasks_dup(&tasks, &cp->tasks, r->xsave_len);
	for (size_t i = 0; i < tasks.n; i++) {
		/* A new thread's debug registers are clear. */
		tasks.all[i]->dr_gen = r->debug.watch_gen - 1;
		if (replay_task_running(tasks.all[i]))
			tracee_init(&tasks.all[i]->t, -1);
	}
	for (size_t p = 0; p < cp->nprocs; p++) {
		tracee_init(&tasks.all[cp->proc_leader[p]]->t, pids[p]);
		tasks.all[cp->proc_leader[p]]->t.stop = TRACEE_STOP_OTHER;
	}
	r->debug.dr_tid = 0;
	for (size_t p = 0; p < cp->nprocs && !err; p++)
		err = remake_threads(r, cp, &tasks, cp->proc_leader[p]);
	replay_tasks_free(&r->tasks);
	r->tasks = tasks;
	if (err) {
		rw_error("cannot make the threads of the checkpoint again: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < cp->nshared; i++) {
		struct replay_shared_copy *sc = &cp->shared[i];
		struct tracee *t = &r->tasks.all[cp->proc_leader[sc->proc]]->t;

		if ((err = tracee_write_mem(t, sc->start, sc->data, sc->len)) < 0)
			return err;
	}
	return 0;
}

int replay_checkpoint_restore(struct replay_checkpoint *cp, struct replayer *r)
{
	pid_t *pids = xcalloc(cp->nprocs, sizeof(*pids));
	int err = fork_processes(cp, pids);

	if (err) {
		free(pids);
		return err;
	}
	end_replay_threads(r);
	err = remake_tasks(cp, r, pids);
	free(pids);
	if (err)
		return err;
	for (int i = 0; i < r->debug.nbps; i++)
		r->debug.bps[i].inserted = false; /* the copy has none of them */
	if ((err = replay_input_restore(&r->in, &cp->pos)) < 0)
		return err;
	/*
	 * A checkpoint is never taken with a signal sent or its delivery stop
	 * reached (the fork would lose it): its progress has neither, and the
	 * signal is sent again.
	 */
	r->progress = cp->progress;
	r->debug.last_stop = (struct replay_last_stop){0};
	if (!cp->progress.have_pending) {
		r->ev.seq = cp->pos.seq;
		return 0;
	}
	err = replayer_next_event(r);
	if (err <= 0)
		return err < 0 ? err : -ENODATA;
	if (r->ev.seq != cp->pos.seq) {
		rw_error("%s: going back to event %llu read event %llu", r->in.path,
			 (unsigned long long)cp->pos.seq, (unsigned long long)r->ev.seq);
		return -EPROTO;
	}
	return 0;
}

void replay_checkpoint_free(struct replay_checkpoint *cp)
{
	free_threads(cp);
	replay_input_pos_free(&cp->pos);
	free_shared(cp);
}
