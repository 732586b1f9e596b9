/*
 * The recorder's schedule. Every thread and process of the recorded program
 * is a task; all are traced (PTRACE_O_TRACECLONE/FORK/VFORK) and pinned to
 * one CPU, and at most one of them runs user code at a time, so the order
 * of the events in the trace is the whole schedule: replay runs the tasks
 * in that order and gets the same interleaving.
 *
 * A task stopped at a syscall entry is resumed into the kernel at once. If
 * the syscall may block (a read on an empty pipe, wait4, futex, ...) or
 * takes longer than a tick, the slot for running user code goes to another
 * ready task, and the blocked one's exit stop is recorded whenever it comes
 * (the task then waits for its turn). The recorder waits for any task with
 * waitpid(-1, __WALL). A task that runs user code for SLICE_TICKS ticks
 * while others are ready is stopped with SIGSTOP and preempted at an
 * execution point (EV_SCHED): its registers, XSAVE area and changed pages,
 * which replay restores instead of running up to the same instruction.
 *
 * Each clone, fork or vfork is an EV_CLONE event of the parent (at the
 * ptrace event stop, before the syscall returns) naming the child's tid and
 * its clone flags; the child's own events follow.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86_64/syscall_table.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"
#include "recorder/written_pages.h"

/*
 * Ticks of user code before a task is preempted in favour of a ready one:
 * 20 ms. Each preemption reads every present page of the process (and
 * stores them all in a threaded one), so short slices cost computing
 * threads much (with 10 ms, four of them recorded about 15% slower than
 * with 30 ms, with a trace 1.7 times as large); long ones cost threads that
 * spin waiting for each other a slice per hand-over.
 */
#define SLICE_TICKS 4
/*
 * A process alone in its memory (one thread, no shared writable mapping:
 * the others can only wait for it in syscalls, never by spinning on its
 * stores) gets 200 ms: the compilers of a parallel build then hand over
 * where one blocks or ends, not every 20 ms with a point that stores every
 * page written since its exec.
 */
#define LONE_SLICE_TICKS 40

struct recorder_task *recorder_task_add(struct recorder *r, pid_t tid, pid_t tgid)
{
	struct recorder_task *t = xcalloc(1, sizeof(*t));

	tracee_init(&t->t, tid);
	t->tgid = tgid;
	t->state = TASK_NEW;
	t->syscall_stops = !r->use_seccomp;
	t->pidfd = -1;
	t->mm = recorder_mm_new();
	t->xsave_prev = xcalloc(1, r->xsave_len);
	t->xsave_cur = xcalloc(1, r->xsave_len);
	recorder_exec_point_attach(r, t);
	if (r->ntasks == r->tasks_cap) {
		r->tasks_cap = r->tasks_cap ? 2 * r->tasks_cap : 8;
		r->tasks = xrealloc(r->tasks, r->tasks_cap * sizeof(*r->tasks));
	}
	r->tasks[r->ntasks++] = t;
	if (r->ntasks == 2)
		recorder_sched_tick(r, true);
	return t;
}

static void task_free(struct recorder *r, struct recorder_task *t)
{
	recorder_scratch_release(t);
	recorder_desched_release(t);
	free((char *)t->cur_unsupported);
	recorder_mm_put(t->mm);
	free(t->vfork_hashes);
	free(t->xsave_prev);
	free(t->xsave_cur);
	if (t->pidfd >= 0)
		close(t->pidfd);
	recorder_task_forget_fds(t);
	recorder_ptrace_free(t);
	rw_buf_free(&t->remote_pending);
	tracee_release(&t->t);
	if (r->chaos_yielded == t)
		r->chaos_yielded = NULL;
	free(t);
}

static void task_remove(struct recorder *r, struct recorder_task *t)
{
	for (size_t i = 0; i < r->ntasks; i++) {
		if (r->tasks[i] != t)
			continue;
		memmove(&r->tasks[i], &r->tasks[i + 1], (r->ntasks - i - 1) * sizeof(r->tasks[0]));
		r->ntasks--;
		break;
	}
	if (r->running == t)
		r->running = NULL;
	task_free(r, t);
	if (r->ntasks == 1)
		recorder_sched_tick(r, false);
}

void recorder_tasks_free(struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		task_free(r, r->tasks[i]);
	free(r->tasks);
	r->tasks = NULL;
	r->ntasks = r->tasks_cap = 0;
	r->running = NULL;
}

void recorder_kill_all(struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->t.stop != TRACEE_STOP_EXITED)
			kill(r->tasks[i]->t.tid, SIGKILL);
	/* The latest first: a thread group's first thread is reported after its others. */
	for (size_t i = r->ntasks; i-- > 0;)
		if (r->tasks[i]->t.stop != TRACEE_STOP_EXITED)
			while (waitpid(r->tasks[i]->t.tid, NULL, __WALL) < 0 && errno == EINTR)
				;
}

static struct recorder_task *task_find(struct recorder *r, pid_t tid)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->t.tid == tid)
			return r->tasks[i];
	return NULL;
}

/*
 * Resumes t into `state` with the signal it has to get. Into a syscall,
 * PTRACE_SYSCALL stops it at the exit; into user code, PTRACE_CONT lets the
 * seccomp filter stop it at the next syscall entry (no syscall-entry stop
 * comes before that one), unless it has no such filter.
 */
static int resume(struct recorder_task *t, enum task_state state)
{
	int sig = t->pass_sig, err, user;
	int request = state == TASK_IN_SYSCALL || t->syscall_stops || recorder_desched_traced(t)
			  ? PTRACE_SYSCALL
			  : PTRACE_CONT;

	if (state == TASK_RUNNING && (user = recorder_ptrace_user_request(t)))
		request = user; /* its tracer steps it */

	t->pass_sig = 0;
	t->ticks = 0;
	t->lone_slice = t->lone_checked = false;
	t->state = state;
	err = tracee_resume_nowait(&t->t, request, sig);
	/* Killed meanwhile (another thread's exit_group): its end is reported by waitpid. */
	return err == -ESRCH ? 0 : err;
}

/*
 * Whether t may be given the slot: ready, and not a child whose parent's
 * clone event, or clone exit event, is not recorded yet. Its first
 * syscall could otherwise come before the parent's clone returns in the
 * trace, and replay writes the parent's recorded CLONE_PARENT_SETTID word
 * (the thread's tid in its struct pthread) only at that exit.
 */
static bool may_run(const struct recorder_task *t)
{
	return t->state == TASK_READY && t->tgid && !t->clone_parent && !recorder_ptrace_held(t);
}

/* The chaos schedule's next random number (xorshift64*). */
uint64_t recorder_chaos_random(struct recorder *r)
{
	uint64_t x = r->chaos_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->chaos_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/*
 * A chaos slice: mostly short (20-200 us: a thread stopped in the middle
 * of what it does), sometimes 0.2-2 ms, now and then 2-10 ms (a thread
 * starved while another runs on).
 */
static long chaos_slice_ns(struct recorder *r)
{
	uint64_t x = recorder_chaos_random(r);
	unsigned kind = (unsigned)(x % 100);

	x >>= 8;
	if (kind < 50)
		return 20000 + (long)(x % 180000);
	if (kind < 85)
		return 200000 + (long)(x % 1800000);
	return 2000000 + (long)(x % 8000000);
}

/* Whether chaos may give t the slot now: ready, and not the task that just gave it up. */
static bool chaos_may_run(const struct recorder *r, const struct recorder_task *t, bool others)
{
	return may_run(t) && (!others || t != r->chaos_yielded);
}

/*
 * Chaos mode: the slot goes to a ready task picked at random, for a random
 * slice; to another than the one that just gave it up when one is ready
 * (a preemption that let the same thread on would race nothing).
 */
static int run_random(struct recorder *r)
{
	size_t n = 0, pick;
	bool others = true;

	for (size_t i = 0; i < r->ntasks; i++)
		n += chaos_may_run(r, r->tasks[i], true);
	if (!n) {
		others = false;
		for (size_t i = 0; i < r->ntasks; i++)
			n += may_run(r->tasks[i]);
	}
	if (!n)
		return 0;
	pick = (size_t)(recorder_chaos_random(r) % n);
	for (size_t i = 0; i < r->ntasks; i++) {
		if (!chaos_may_run(r, r->tasks[i], others) || pick--)
			continue;
		r->running = r->tasks[i];
		recorder_sched_tick_after(r, chaos_slice_ns(r));
		return resume(r->tasks[i], TASK_RUNNING);
	}
	return 0;
}

/* Gives the slot for user code to the next ready task, round robin. */
static int run_next(struct recorder *r)
{
	if (r->chaos)
		return run_random(r);
	for (size_t k = 0; k < r->ntasks; k++) {
		size_t i = (r->rr_next + k) % r->ntasks;
		struct recorder_task *t = r->tasks[i];

		if (!may_run(t))
			continue;
		r->rr_next = i + 1;
		r->running = t;
		if (t->spinning)
			recorder_sched_tick_after(r, RECORDER_SPIN_SLICE_NS);
		return resume(t, TASK_RUNNING);
	}
	return 0;
}

/* Whether another task waits to go on: ready for user code, or its syscall's exit deferred. */
static bool any_ready(const struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (may_run(r->tasks[i]) || r->tasks[i]->exit_deferred)
			return true;
	return false;
}

/* t is at a stop after which it runs user code: on at once if it has the slot, else it waits. */
static int continue_user(struct recorder *r, struct recorder_task *t)
{
	if (!r->running || r->running == t) {
		r->running = t;
		if (r->chaos) /* a new random slice from each stop on */
			recorder_sched_tick_after(r, chaos_slice_ns(r));
		return resume(t, TASK_RUNNING);
	}
	t->state = TASK_READY;
	return 0;
}

/* t stays stopped and gives the slot up. */
static void yield(struct recorder *r, struct recorder_task *t)
{
	t->state = TASK_READY;
	r->chaos_yielded = t;
	if (r->running == t)
		r->running = NULL;
}

/*
 * A handler said t stopped for its tracer (record_ptrace_stop.c): it gives
 * up the slot and waits, off the round robin, until its tracer resumes it
 * (flush_ptrace).
 */
static int hold(struct recorder *r, struct recorder_task *t)
{
	yield(r, t);
	return 0;
}

/*
 * A thread other than its process's first that ends keeps the slot until
 * its end is reported: the kernel clears its CLONE_CHILD_CLEARTID word on
 * the way out, and pthread_join or the stack cache of another thread must
 * not see that at a moment the replay cannot reproduce. (A first thread's
 * end is reported only after all the others', so it cannot wait for it.)
 */
static bool holds_slot_to_death(const struct recorder_task *t)
{
	return t->cur_sysno == SYS_exit && t->t.tid != t->tgid;
}

/*
 * The kernel is ending t's process (its exit_group, or a fatal signal) and
 * kills every other thread wherever it is. A stop of theirs that is still
 * on its way to the recorder (a syscall entry or exit, a signal) happened
 * before that, but the thread never returns to user code: recorded after
 * the event that ends the process, it would be an event replay cannot
 * reach. Only their deaths are recorded.
 */
static void process_dying(struct recorder *r, const struct recorder_task *t)
{
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *u = r->tasks[i];

		if (u == t || u->tgid != t->tgid)
			continue;
		u->state = TASK_DYING;
		u->exit_deferred = false;
		if (r->running == u)
			r->running = NULL;
	}
}

/* After the entry event: into the kernel; a syscall that may block gives the slot up. */
static int enter_syscall(struct recorder *r, struct recorder_task *t)
{
	if (t->cur_sysno == SYS_exit_group)
		process_dying(r, t);
	const struct x86_syscall_desc *d = x86_syscall_lookup(t->cur_sysno);
	bool blocks = !t->cur_emulated && d &&
		      ((d->flags & SYSF_MAY_BLOCK) || d->replay == SYS_REPLAY_EXIT);
	int err = resume(t, TASK_IN_SYSCALL);

	if (holds_slot_to_death(t))
		blocks = false;
	if (blocks && r->running == t)
		r->running = NULL;
	return err;
}

/* The clone flags of t's syscall in progress, as clone(2) takes them. */
static uint64_t clone_flags(struct recorder_task *t, const uint64_t args[6])
{
	uint64_t ca[5];

	switch (t->cur_sysno) {
	case SYS_fork:
		return SIGCHLD;
	case SYS_vfork:
		return CLONE_VM | CLONE_VFORK | SIGCHLD;
	case SYS_clone3:
		/* struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, ... */
		if (tracee_read_mem(&t->t, args[0], ca, sizeof(ca)) < 0)
			return 0;
		return ca[0] | (ca[4] & 0xff);
	default:
		return args[0];
	}
}

static int task_died(struct recorder *r, struct recorder_task *t, int status);

/*
 * CLONE_UNTRACED keeps a tracer from following the child, which would run
 * unrecorded, and whose syscalls the recorder's filter would fail with
 * ENOSYS (SECCOMP_RET_TRACE with no tracer). The kernel gets the flags
 * without it; the entry event has the program's own, which the registers
 * (or clone3's struct clone_args) get back at the clone event.
 */
static int untraced_strip(struct recorder_task *t)
{
	uint64_t regs[X86_NREGS], flags;
	int err;

	if (t->cur_sysno != SYS_clone && t->cur_sysno != SYS_clone3)
		return 0;
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (t->cur_sysno == SYS_clone) {
		if (!(regs[X86_RDI] & CLONE_UNTRACED))
			return 0;
		regs[X86_RDI] &= ~(uint64_t)CLONE_UNTRACED;
		t->untraced_at = 1;
		return tracee_set_regs(&t->t, regs);
	}
	if (tracee_read_mem(&t->t, regs[X86_RDI], &flags, sizeof(flags)) < 0 ||
	    !(flags & CLONE_UNTRACED))
		return 0; /* the kernel says EFAULT */
	flags &= ~(uint64_t)CLONE_UNTRACED;
	t->untraced_at = regs[X86_RDI];
	return tracee_write_mem(&t->t, regs[X86_RDI], &flags, sizeof(flags));
}

/* The program's CLONE_UNTRACED back in t (a clone's parent or child), where it was taken. */
static int untraced_restore(struct recorder_task *t)
{
	uint64_t regs[X86_NREGS], flags, at = t->untraced_at;
	int err;

	t->untraced_at = 0;
	if (at == 1) {
		if ((err = tracee_get_regs(&t->t, regs)) < 0)
			return err;
		regs[X86_RDI] |= CLONE_UNTRACED;
		return tracee_set_regs(&t->t, regs);
	}
	if ((err = tracee_read_mem(&t->t, at, &flags, sizeof(flags))) < 0)
		return err;
	flags |= CLONE_UNTRACED;
	return tracee_write_mem(&t->t, at, &flags, sizeof(flags));
}

/*
 * Starts tracking the pages a forked child writes, if it is ready for it
 * (written_pages.c). It may be killed meanwhile, its death then waited for
 * by the syscalls injected into it: that death is recorded here, and 1
 * says the task is gone.
 */
static int track_child(struct recorder *r, struct recorder_task *t)
{
	int err;

	written_pages_attach_pending(r, t);
	if (t->t.stop != TRACEE_STOP_EXITED)
		return 0;
	err = task_died(r, t, t->t.wait_status);
	return err < 0 ? err : 1;
}

/* At a fork/vfork/clone event stop of parent: the child becomes a task; EV_CLONE records it. */
static int record_clone(struct recorder *r, struct recorder_task *parent, int event)
{
	struct recorder_task *child;
	uint64_t regs[X86_NREGS], args[6], flags;
	unsigned long msg = 0;
	int err;

	if (ptrace(PTRACE_GETEVENTMSG, parent->t.tid, 0, &msg) < 0)
		return -errno;
	child = task_find(r, (pid_t)msg);
	if (!child)
		child = recorder_task_add(r, (pid_t)msg, 0);
	if (parent->untraced_at) {
		/* The child's copy of the registers (and of memory, without CLONE_VM) too. */
		child->untraced_at = parent->untraced_at;
		if (child->state != TASK_NEW && (err = untraced_restore(child)) < 0)
			return err;
		if ((err = untraced_restore(parent)) < 0)
			return err;
	}
	if ((err = tracee_get_regs(&parent->t, regs)) < 0)
		return err;
	x86_regs_args(regs, args);
	flags = clone_flags(parent, args);
	child->tgid = (flags & CLONE_THREAD) ? parent->tgid : (pid_t)msg;
	child->syscall_stops = parent->syscall_stops; /* seccomp filters are inherited */
	child->parent_tgid = (flags & (CLONE_PARENT | CLONE_THREAD)) ? parent->parent_tgid
								      : parent->tgid;
	recorder_mm_put(child->mm);
	child->mm = (flags & CLONE_VM) && !(flags & CLONE_VFORK) ? recorder_mm_get(parent->mm)
								 : recorder_mm_new();
	if (child->mm != parent->mm) {
		child->mm->dumpable_set = parent->mm->dumpable_set;
		recorder_shared_inherit(child->mm, parent->mm);
		recorder_scratch_inherit(child->mm, parent->mm);
		child->mm->sites = parent->mm->sites;
	}
	/* An rseq registration is kept by a fork and dropped by a clone that shares memory. */
	if (!(flags & CLONE_VM))
		child->rseq = parent->rseq;
	memcpy(child->cpus, parent->cpus, sizeof(child->cpus));
	child->handlers = (flags & CLONE_VM) ? 0 : parent->handlers;
	recorder_sysbuf_clone(parent, child, flags);
	written_pages_clone(r, child, flags);
	child->vfork_child = (flags & CLONE_VM) && (flags & CLONE_VFORK);
	if ((flags & CLONE_VM) && (flags & CLONE_VFORK) &&
	    (err = recorder_vfork_snapshot(r, parent)) < 0)
		return err;
	/* A vfork parent's exit comes only once the child has exec'd or ended. */
	if (!(flags & CLONE_VFORK)) {
		child->clone_parent = parent->t.tid;
		parent->clone_children++;
	}
	trace_event_begin(&r->eb, r->seq, (uint32_t)parent->t.tid, EV_CLONE, regs);
	trace_event_add_child(&r->eb, (uint32_t)msg, flags);
	if ((err = recorder_emit(r)) < 0)
		return err;
	if ((err = recorder_ptrace_clone(r, parent, child, flags, event)) < 0)
		return err;
	/* Stopped for its tracer, as the parent's tracer asked. */
	if (child->state != TASK_NEW && recorder_ptrace_held(child))
		yield(r, child);
	err = track_child(r, child); /* when its first stop came first */
	return err < 0 ? err : 0;
}

/* t's clone returned (or t is gone): the tasks it made may run. */
static void release_clone_children(struct recorder *r, struct recorder_task *t)
{
	for (size_t i = 0; t->clone_children && i < r->ntasks; i++)
		if (r->tasks[i]->clone_parent == t->t.tid) {
			r->tasks[i]->clone_parent = 0;
			t->clone_children--;
		}
	t->clone_children = 0;
}

/* The task died (status from waitpid): its EV_EXIT, and it is gone. */
static int task_died(struct recorder *r, struct recorder_task *t, int status)
{
	int err;

	if (t->t.tid == r->first_pid)
		r->first_status = status;
	release_clone_children(r, t);
	recorder_ptrace_task_died(r, t, status);
	/* A task whose clone event never came (its parent died in the clone) was never seen. */
	err = t->tgid ? recorder_record_death(r, t, status) : 0;
	task_remove(r, t);
	return err;
}

/*
 * A group stop (every tracee is seized): a stop signal was delivered (and
 * recorded), or another thread's stopped the process. The task stays
 * stopped, as it would natively, and gives up the slot; PTRACE_LISTEN lets
 * the kernel tell when a SIGCONT ends the stop (another PTRACE_EVENT_STOP,
 * with SIGTRAP), and the task runs on from there. Its parent's waits see
 * the stop and the continuation as they happened; the order of the events
 * in the trace is what replay follows, so replay need not stop it.
 */
static int group_stop(struct recorder *r, struct recorder_task *t, int sig)
{
	if (t->t.tid == r->first_pid && t->state != TASK_STOPPED)
		recorder_job_stopped(r, sig);
	if (r->running == t)
		r->running = NULL;
	t->state = TASK_STOPPED;
	rw_debug("pid %d: group stop by %s", t->t.tid, strsignal(sig));
	if (ptrace(PTRACE_LISTEN, t->t.tid, 0, 0) < 0 && errno != ESRCH) {
		rw_error("pid %d: PTRACE_LISTEN in a group stop: %s", t->t.tid, strerror(errno));
		return -errno;
	}
	return 0;
}

/* A PTRACE_EVENT_STOP: a group stop, or the end of one (or an interrupt: nothing to do). */
static int event_stop(struct recorder *r, struct recorder_task *t, int sig)
{
	if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
		return group_stop(r, t, sig);
	if (t->state == TASK_STOPPED) {
		rw_debug("pid %d: continued", t->t.tid);
		return continue_user(r, t);
	}
	return resume(t, t->state);
}

/*
 * Whether passing sig to t on resume ends its process. A signal is passed
 * only when it has no handler (recorder_signal_stop steps into handlers
 * itself), so what is left is: not ignored, and death by default.
 */
static bool signal_ends_process(const struct recorder_task *t, int sig)
{
	if (sig == SIGKILL)
		return true;
	return recorder_signal_kills_by_default(sig) &&
	       !(procstatus_mask(t->t.tid, "SigIgn:") & (1ull << (sig - 1)));
}

/*
 * A pid namespace's init faulted, with no handler: passed by its tracer,
 * the signal would be dropped and the instruction fault again for ever.
 * Let go (detached with the signal), it faults once more untraced and dies
 * of it, as natively; its parent, not rewind, gets its end, so the death
 * is recorded here (without a core-dump bit, which replay does not check).
 */
static int let_init_die(struct recorder *r, struct recorder_task *t)
{
	int sig = t->pass_sig;

	process_dying(r, t);
	t->pass_sig = 0;
	if (ptrace(PTRACE_DETACH, t->t.tid, 0, (void *)(long)sig) < 0 && errno != ESRCH)
		return -errno;
	return task_died(r, t, sig);
}

/*
 * Our SIGSTOP ended t's slice in user code: it gives the slot up at an
 * execution point, or at its next event when that is near. Never without
 * an event: the user code it ran since its last one (a record of the
 * syscall buffer half written, say) would be in the memory another
 * thread's next execution point expects, and replay, where t is still at
 * that last event, would never find that point.
 */
static int preempted(struct recorder *r, struct recorder_task *t)
{
	int err = recorder_preempt_point(r, t);

	if (err == RECORDER_TASK_ENDED)
		return task_died(r, t, t->t.wait_status);
	if (err < 0)
		return err;
	if (err == 0) {
		/* Its next event is near: it gives the slot up there. */
		t->yield_at_event = true;
		return continue_user(r, t);
	}
	yield(r, t);
	return 0;
}

/* A signal-delivery stop of t (or our SIGSTOP ending its slice). */
static int signal_stop(struct recorder *r, struct recorder_task *t, int sig)
{
	bool preempt = sig == SIGSTOP && t->kick_preempt;
	uint64_t seq = r->seq;
	int err;

	if (preempt) {
		t->kick_preempt = false;
		if (!t->kick_sent)
			return preempted(r, t);
	}
	err = recorder_signal_stop(r, t, sig, &t->pass_sig);
	if (err == 1) /* killed while the kernel set up the handler's frame */
		return task_died(r, t, t->t.wait_status);
	if (err < 0)
		return err;
	if (recorder_ptrace_held(t))
		return hold(r, t); /* stopped for its tracer before the delivery */
	if (t->pass_sig && recorder_signal_unkillable_fault(t->t.tid, t->pass_sig))
		return let_init_die(r, t);
	if (t->pass_sig && signal_ends_process(t, t->pass_sig))
		process_dying(r, t);
	if (preempt && r->seq == seq && !t->pass_sig) {
		/* The kick it merged with recorded nothing. */
		rw_debug("pid %d: preempted at a kick that recorded nothing", t->t.tid);
		return preempted(r, t);
	}
	if (preempt) {
		yield(r, t);
		return 0;
	}
	return continue_user(r, t);
}

/*
 * An exec by a thread other than the leader: the kernel ended every other
 * thread and gave the exec'ing one the leader's tid, which the exec event
 * is reported under (its former tid in the event message). The leader's
 * end is never reported: its task goes, and the exec'ing task goes on
 * under the leader's tid. Replay does the same from the EV_EXEC of a tid
 * whose task is not the one in the execve.
 */
static struct recorder_task *exec_takeover(struct recorder *r, struct recorder_task *leader)
{
	unsigned long former = 0;
	struct recorder_task *t;
	pid_t tid = leader->t.tid;

	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &former) < 0 || (pid_t)former == tid ||
	    !(t = task_find(r, (pid_t)former)))
		return leader;
	if (r->running == leader)
		r->running = t;
	task_remove(r, leader);
	tracee_release(&t->t);
	tracee_init(&t->t, tid);
	t->t.stop = TRACEE_STOP_SYSCALL_ENTRY; /* in the execve, as the leader's stop said */
	t->tgid = tid;
	return t;
}

/* t's exit event is recorded: user code when its turn comes. */
static int after_exit(struct recorder *r, struct recorder_task *t)
{
	int err;

	if (t->clone_children)
		release_clone_children(r, t);

	memcpy(t->boundary_regs, r->eb.regs, sizeof(t->boundary_regs));
	t->at_boundary = true;
	t->held_blocked = false;
	t->after_sigreturn = r->eb.kind == EV_SYSCALL_EXIT && t->cur_sysno == SYS_rt_sigreturn;
	if (t->nheld && !t->after_sigreturn)
		recorder_resend_held(r, t);
	if ((err = recorder_ptrace_after_exit(r, t, r->eb.kind == EV_EXEC)) != 0)
		return err < 0 ? err : hold(r, t);
	if (t->yield_at_event) {
		t->yield_at_event = false;
		if (any_ready(r)) {
			yield(r, t);
			return 0;
		}
	}
	return continue_user(r, t);
}

/* t is at a syscall-exit stop: its exit event, then user code when its turn comes. */
static int syscall_exit(struct recorder *r, struct recorder_task *t)
{
	int err;

	t->exit_deferred = false;
	if ((err = recorder_ptrace_vfork_done(r, t)) != 0)
		return err < 0 ? err : 0;
	if (t->ptrace.skip) {
		/* Its tracer made the syscall -1: nothing ran, nothing is recorded. */
		t->ptrace.skip = false;
		if ((err = recorder_ptrace_after_exit(r, t, false)) != 0)
			return err < 0 ? err : hold(r, t);
		return continue_user(r, t);
	}
	/* A clone that failed made no clone event: the flag goes back here. */
	if (t->untraced_at && (err = untraced_restore(t)) < 0)
		return err;
	if ((err = recorder_scratch_exit(r, t)) < 0 || (err = recorder_handle_exit(r, t)) < 0)
		return err;
	/* Killed while the recorder ran a syscall in it (written_pages_exec at an exec). */
	if (t->t.stop == TRACEE_STOP_EXITED)
		return task_died(r, t, t->t.wait_status);
	return after_exit(r, t);
}

/*
 * Whether t's syscall exit must wait for the task running user code to
 * stop, so that what the exit records is not caught half-way through that
 * code: a thread of its process while t's outputs are in scratch buffers;
 * any task while shared file mappings are watched, for the exit stores
 * what changed in them since the last syscall entry, and replay runs that
 * task's code (and its writes there) only after this exit; another thread
 * of a vfork's parent, whose exit stores the pages that changed since the
 * vfork (the child's writes, and those of that code half-way through).
 */
static bool exit_must_wait(struct recorder *r, struct recorder_task *t)
{
	const struct recorder_task *u = r->running;

	if (t->scratch_active && recorder_scratch_others_run(r, t))
		return true;
	if (t->vforked && u && u != t && u->state == TASK_RUNNING && u->mm == t->mm)
		return true;
	return u && u != t && u->state == TASK_RUNNING && u->mm && u->mm->nshared && t->mm &&
	       t->mm->nshared;
}

/* Deferred syscall exits that need not wait any more (exit_must_wait). */
static int flush_deferred(struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *t = r->tasks[i];
		int err;

		if (!t->exit_deferred || exit_must_wait(r, t))
			continue;
		if ((err = syscall_exit(r, t)) < 0)
			return err;
	}
	return 0;
}

/* t is at a syscall entry stop: its tracer's stop first, then its entry event. */
static int syscall_entry(struct recorder *r, struct recorder_task *t)
{
	int err;

	recorder_unblock_held(t); /* the call sees, and a child or new image gets, the program's mask */
	err = recorder_ptrace_entry_stop(r, t);

	if (err < 0 || err == 1)
		return err < 0 ? err : hold(r, t);
	if (err == 2) /* its tracer made it -1: skipped, with no event */
		return resume(t, TASK_IN_SYSCALL);
	t->at_boundary = false;
	if ((err = recorder_handle_entry(r, t)) < 0 || (err = recorder_answer(r, t)) < 0)
		return err;
	if (err) /* answered: its exit event is recorded */
		return after_exit(r, t);
	if ((err = recorder_ptrace_wait_holds(r, t)) != 0)
		return err < 0 ? err : hold(r, t); /* a tracer's wait, held until a tracee stops */
	if ((err = recorder_scratch_enter(r, t)) < 0 || (err = untraced_strip(t)) < 0)
		return err;
	/*
	 * A signal held since it came in user code goes back to the kernel
	 * now: natively it came before this call, and a call that blocks
	 * (a read on a pipe the handler feeds) would otherwise wait for it
	 * for ever. It ends such a call, and is delivered at the exit. Not
	 * across an exec, which would reset its handler: that one waits. Nor
	 * at a handler's rt_sigreturn (it never blocks): the interrupted code
	 * goes on first, or signals faster than a handler's recording would
	 * run one handler after the other for ever.
	 */
	if (t->nheld && t->cur_sysno != SYS_execve && t->cur_sysno != SYS_execveat &&
	    t->cur_sysno != SYS_rt_sigreturn)
		recorder_resend_held(r, t);
	return enter_syscall(r, t);
}

/*
 * A tracer's wait held at its entry was woken: answered at its exit stop
 * (the kernel skips it) when a tracee's stop is there, else run by the
 * kernel (a child ended).
 */
static int ptrace_woken(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	int err;

	t->ptrace.waiting = false;
	if (t->ptrace.wake == 1) {
		if ((err = tracee_get_regs(&t->t, regs)) < 0)
			return err;
		regs[X86_ORIG_RAX] = (uint64_t)-1;
		if ((err = tracee_set_regs(&t->t, regs)) < 0)
			return err;
		t->cur_emulated = true;
	}
	t->ptrace.wake = 0;
	return resume(t, TASK_IN_SYSCALL);
}

/* t was resumed by its tracer from a stop of `kind`: on as the kernel would go. */
static int ptrace_carry_on(struct recorder *r, struct recorder_task *t, enum ptrace_stop_kind kind)
{
	siginfo_t si = t->ptrace.si;
	int err;

	switch (kind) {
	case PTRACE_STOP_ENTRY:
		return syscall_entry(r, t);
	case PTRACE_STOP_KERNEL:
		return resume(t, TASK_IN_SYSCALL);
	case PTRACE_STOP_EXIT:
		if (exit_must_wait(r, t)) {
			t->exit_deferred = true;
			return 0;
		}
		return syscall_exit(r, t);
	case PTRACE_STOP_SIGNAL:
		if (t->ptrace.resume_sig) {
			bool sync = t->ptrace.sync && si.si_signo == t->ptrace.resume_sig;

			if (si.si_signo != t->ptrace.resume_sig) {
				/* Another signal than the stop's: the kernel makes it SI_USER. */
				memset(&si, 0, sizeof(si));
				si.si_signo = t->ptrace.resume_sig;
				si.si_code = SI_USER;
				si.si_pid = t->ptrace.tracer_tgid;
				si.si_uid = getuid();
			}
			t->ptrace.resume_sig = 0;
			err = recorder_signal_deliver(r, t, &si, sync, &t->pass_sig);
			if (err == 1)
				return task_died(r, t, t->t.wait_status);
			if (err < 0)
				return err;
			if (t->pass_sig && signal_ends_process(t, t->pass_sig))
				process_dying(r, t);
		}
		return continue_user(r, t);
	default:
		return continue_user(r, t);
	}
}

/* Tracers' waits woken, and tracees their tracers resumed. */
static int flush_ptrace(struct recorder *r)
{
	struct recorder_task *t;
	enum ptrace_stop_kind kind;
	int err;

	while ((t = recorder_ptrace_next_woken(r))) {
		if ((err = ptrace_woken(r, t)) < 0)
			return err;
	}
	while ((t = recorder_ptrace_next_resumed(r))) {
		err = recorder_ptrace_resume_event(r, t, &kind);
		if (err < 0)
			return err;
		if (err == 1 && recorder_ptrace_held(t))
			hold(r, t); /* a stop that follows at once */
		if (err == 0 && (err = ptrace_carry_on(r, t, kind)) < 0)
			return err;
	}
	return 0;
}

static int handle_stop(struct recorder *r, struct recorder_task *t, int st)
{
	int event = st >> 16, err;

	tracee_note_status(&t->t, st, PTRACE_SYSCALL);
	if (t->t.seccomp_repeat) {
		/* The entry was seen already; a filter of the program's may ask for its tracer. */
		if ((err = recorder_ptrace_seccomp_stop(r, t)) != 0)
			return err < 0 ? err : 0;
		return resume(t, TASK_IN_SYSCALL);
	}
	if (t->t.stop == TRACEE_STOP_EXITED)
		return task_died(r, t, st);
	if (t->state == TASK_DYING)
		return 0; /* killed: its death is reported next */
	if (t->state == TASK_NEW) {
		/* Its first stop: the SIGSTOP every task attached by a clone event starts with. */
		t->t.stop = TRACEE_STOP_OTHER;
		t->state = TASK_READY;
		if (t->untraced_at && (err = untraced_restore(t)) < 0)
			return err;
		if ((err = track_child(r, t)) != 0)
			return err < 0 ? err : 0;
		err = recorder_ptrace_child_ready(r, t);
		return err < 0 ? err : err ? hold(r, t) : 0;
	}
	if (event == PTRACE_EVENT_EXEC) {
		t = exec_takeover(r, t);
		recorder_sysbuf_forget(t); /* the new image registers its own */
		t->exec_pending = true;
		return resume(t, TASK_IN_SYSCALL);
	}
	if ((err = recorder_sysbuf_stop(r, t, st)) != 0) {
		if (err == RECORDER_TASK_ENDED)
			return task_died(r, t, t->t.wait_status);
		if (err < 0)
			return err;
		/* The untraced instruction under PTRACE_SYSCALL stops: on, unrecorded. */
		return t->t.stop == TRACEE_STOP_SYSCALL_ENTRY ? resume(t, TASK_IN_SYSCALL)
							      : continue_user(r, t);
	}
	if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
	    event == PTRACE_EVENT_VFORK) {
		if ((err = record_clone(r, t, event)) < 0)
			return err;
		if (recorder_ptrace_held(t))
			return hold(r, t); /* stopped for its tracer at the fork event */
		return resume(t, TASK_IN_SYSCALL);
	}
	if (event == PTRACE_EVENT_STOP)
		return event_stop(r, t, WSTOPSIG(st));
	if (event && event != PTRACE_EVENT_SECCOMP)
		return resume(t, t->state);
	switch (t->t.stop) {
	case TRACEE_STOP_SYSCALL_ENTRY:
		return syscall_entry(r, t);
	case TRACEE_STOP_SYSCALL_EXIT:
		if (exit_must_wait(r, t)) {
			/* Recorded once the task running user code has stopped. */
			t->exit_deferred = true;
			return 0;
		}
		return syscall_exit(r, t);
	default:
		break;
	}
	if (WSTOPSIG(st) == SIGSEGV && (err = recorder_handle_tsc_trap(r, t)) != 0) {
		if (err < 0)
			return err;
		t->at_boundary = false;
		return continue_user(r, t);
	}
	return signal_stop(r, t, WSTOPSIG(st));
}

/*
 * Every task is stopped and none may run: only a child whose parent's clone
 * event never came (the parent killed in the middle of the fork) can be
 * left so. Waiting would never end.
 */
static int check_progress(const struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->state != TASK_READY || r->tasks[i]->tgid)
			return 0;
	rw_error("pid %d: its parent's clone event never came; cannot go on recording",
		 r->tasks[0]->t.tid);
	return -EPROTO;
}

/*
 * ptrace says ESRCH for a task that just reported a stop only when it is
 * no longer in that stop: a SIGKILL (another process's, or its process's
 * exit_group) woke it to die. Whatever its stop began is dropped (an event
 * half-built is begun anew by the next one); its death comes next.
 */
static void task_vanished(struct recorder *r, struct recorder_task *t)
{
	rw_debug("pid %d: killed at a stop; waiting for its death", t->t.tid);
	t->state = TASK_DYING;
	t->exit_deferred = false;
	if (r->running == t)
		r->running = NULL;
}

/* Whether t's process is one thread with no writable shared mapping (LONE_SLICE_TICKS). */
static bool alone_in_memory(const struct recorder *r, const struct recorder_task *t)
{
	struct procmap *maps;
	int n;
	bool alone = true;

	for (size_t i = 0; alone && i < r->ntasks; i++)
		alone = r->tasks[i] == t || r->tasks[i]->mm != t->mm;
	if (!alone || (n = procmaps_read(t->t.tid, &maps)) < 0)
		return false;
	for (int i = 0; alone && i < n; i++)
		alone = !maps[i].shared || !(maps[i].prot & PROT_WRITE);
	free(maps);
	return alone;
}

/* The ticks t runs user code for before a ready task takes over. */
static unsigned slice_ticks(const struct recorder *r, struct recorder_task *t)
{
	if (t->spinning || r->chaos)
		return 1;
	if (t->ticks >= SLICE_TICKS && !t->lone_checked) { /* looked at once a slice */
		t->lone_checked = true;
		t->lone_slice = alone_in_memory(r, t);
	}
	return t->lone_slice ? LONE_SLICE_TICKS : SLICE_TICKS;
}

/* The wait was interrupted by a timer: held-back signals, slices, long syscalls. */
static void on_tick(struct recorder *r)
{
	struct recorder_task *t = r->running;

	if (recorder_stop_requested())
		return; /* no SIGSTOP may be sent now: the loop ends the recording next */
	recorder_exec_point_kick(r);
	if (!r->sched_fired)
		return;
	r->sched_fired = false;
	if (r->chaos) /* the next tick after another random slice */
		recorder_sched_tick_after(r, chaos_slice_ns(r));
	if (!t)
		return;
	t->ticks++;
	if (t->state == TASK_IN_SYSCALL && !holds_slot_to_death(t)) {
		/* Long in the kernel (blocked, most likely): the others may run meanwhile. */
		r->running = NULL;
		return;
	}
	/* The slice is looked at only when another task waits for it. */
	if (t->state == TASK_RUNNING && !t->kick_preempt && any_ready(r) &&
	    t->ticks >= slice_ticks(r, t) && syscall(SYS_tkill, t->t.tid, SIGSTOP) == 0)
		t->kick_preempt = true;
}

/* t is on its way out by an exit or exit_group syscall whose entry is recorded. */
static bool in_exit_syscall(const struct recorder_task *t)
{
	return t->state == TASK_IN_SYSCALL &&
	       (t->cur_sysno == SYS_exit || t->cur_sysno == SYS_exit_group);
}

/*
 * The end of a process that an exit syscall already ends is left to it:
 * replay runs that syscall, and its status must be the one it gives, not
 * SIGKILL's. A thread's own exit is waited for first, since a SIGKILL to
 * its process before it is reaped would change its reported status; a
 * process with a thread in exit_group is not killed at all.
 */
static int let_exits_end(struct recorder *r, bool *kill_tgid_ok)
{
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *t = r->tasks[i];
		int st, err;

		kill_tgid_ok[i] = true;
		for (size_t j = 0; j < r->ntasks; j++)
			if (r->tasks[j]->tgid == t->tgid && in_exit_syscall(r->tasks[j]) &&
			    r->tasks[j]->cur_sysno == SYS_exit_group)
				kill_tgid_ok[i] = false;
		if (!in_exit_syscall(t) || t->cur_sysno != SYS_exit || t->t.tid == t->tgid)
			continue;
		while (waitpid(t->t.tid, &st, __WALL) < 0)
			if (errno != EINTR)
				return -errno;
		if (!WIFEXITED(st) && !WIFSIGNALED(st))
			continue; /* a stop that came first: killed with the rest */
		if ((err = task_died(r, t, st)) < 0)
			return err;
		i = (size_t)-1; /* the table changed: from the start again */
	}
	return 0;
}

/*
 * rewind was told to stop: every task is killed and its death recorded as
 * the kernel reports it, as when a SIGKILL comes from outside (replay kills
 * each task at its EV_EXIT), and everything is reaped. A task whose clone
 * event is not in the trace (its parent was killed in the middle of the
 * clone) is killed unrecorded: replay never makes it.
 */
static int end_all(struct recorder *r)
{
	bool *kill_ok = xcalloc(r->ntasks + 1, sizeof(*kill_ok));
	int err;

	recorder_sched_tick(r, false);
	err = let_exits_end(r, kill_ok);
	for (size_t i = 0; i < r->ntasks; i++)
		if (kill_ok[i] || err)
			kill(r->tasks[i]->t.tid, SIGKILL);
	free(kill_ok);
	for (;;) {
		struct recorder_task *t;
		int st;
		pid_t pid = waitpid(-1, &st, __WALL);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break; /* ECHILD: every task is gone */
		t = task_find(r, pid);
		if (!WIFEXITED(st) && !WIFSIGNALED(st)) {
			/* A stop reported before the kill, or a new task's first stop. */
			if (!t)
				kill(pid, SIGKILL);
			continue;
		}
		if (!t)
			continue;
		if (!err)
			err = task_died(r, t, st); /* no event for a task whose clone never came */
		else
			task_remove(r, t);
	}
	return err;
}

/* err, said (with what failed) unless an error was said since `said` errors. */
static int said_or(int err, unsigned long said, const char *what)
{
	if (err < 0 && rw_errors_said() == said)
		rw_error("rec: %s: %s", what, strerror(-err));
	return err;
}

int recorder_schedule(struct recorder *r)
{
	unsigned long said = rw_errors_said();
	int err;

	while (r->ntasks) {
		struct recorder_task *t;
		int st;
		pid_t pid;

		if ((r->stop.signo = recorder_stop_requested()))
			return said_or(r->attached ? recorder_detach_all(r) : end_all(r), said,
				       "ending the recording");
		if ((err = said_or(recorder_cut_if_due(r), said, "writing the trace")) < 0 ||
		    (err = said_or(flush_deferred(r), said, "recording a deferred syscall exit")) <
			0 ||
		    (err = said_or(flush_ptrace(r), said, "resuming tasks for their tracers")) < 0)
			return err;
		if (!r->running && (err = said_or(run_next(r), said, "resuming the next task")) < 0)
			return err;
		if ((err = check_progress(r)) < 0)
			return err;
		/*
		 * A timer's tick, whether it interrupted the wait below or fired
		 * while a stop was handled (then it interrupted nothing, and the
		 * held signal it was for would wait for the next timer of any kind).
		 */
		if (r->timer_fired || r->sched_fired) {
			on_tick(r);
			continue;
		}
		pid = waitpid(-1, &st, __WALL);
		if (pid < 0 && errno == EINTR)
			continue; /* a timer's flag is set: its tick is taken above */
		if (pid < 0) {
			rw_error("waiting for the recorded tasks: %s", strerror(errno));
			return -errno;
		}
		t = task_find(r, pid);
		if (!t) /* a new task's first stop, reported before its parent's clone event */
			t = recorder_task_add(r, pid, 0);
		said = rw_errors_said();
		err = handle_stop(r, t, st);
		if (err == -ESRCH && (t = task_find(r, pid))) {
			/* Killed at the stop before it was handled: only its death is left. */
			task_vanished(r, t);
			continue;
		}
		if (err < 0) {
			/* Whatever failed without a word is named here, by its task and stop. */
			if (rw_errors_said() == said)
				rw_error("pid %d: cannot record its stop (status 0x%x): %s", pid,
					 st, strerror(-err));
			return err;
		}
	}
	return 0;
}
