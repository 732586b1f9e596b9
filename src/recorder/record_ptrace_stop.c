/*
 * Stops of a recorded thread for a tracer inside the recording. rewind is
 * the real tracer, so the thread is held at the real stop where the kernel
 * would have stopped it for its tracer (a syscall entry, the exit after its
 * exit event, a signal's delivery, a fork or exec event, its first stop)
 * until the tracer resumes it. Each such stop is an EV_PTRACE stop event,
 * saying how replay brings the thread there; each resumption an EV_PTRACE
 * resume event with its registers and the memory its tracer wrote, which
 * replay applies at the same point. The tracer's waits see the stops
 * (record_ptrace.c); it is sent SIGCHLD for each, as the kernel does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"

#define STOPPED(sig) ((((sig)&0xffff) << 8) | 0x7f)
#define EVENT_STATUS(ev) STOPPED(SIGTRAP | ((ev) << 8))
/* Stops an exec is followed by, as the kernel reports them (ptrace(2), "execve(2) under ptrace"). */
#define PTRACE_Q_EXIT_IF_SYSCALL 1
#define PTRACE_Q_SIGTRAP 2

static bool is_wait(long nr)
{
	return nr == SYS_wait4 || nr == SYS_waitid;
}

/* Whether the wait whose entry registers are `regs` is for tid (its pid or id argument). */
static bool wait_matches(const uint64_t regs[X86_NREGS], long nr, pid_t tid)
{
	uint64_t args[6];

	x86_regs_args(regs, args);
	if (nr == SYS_wait4)
		return (pid_t)args[0] <= 0 || (pid_t)args[0] == tid;
	if (args[0] == P_PID)
		return (pid_t)args[1] == tid;
	return args[0] == P_ALL || args[0] == P_PGID;
}

/*
 * A tracee of tracer_tgid has something to report, or a child of it ended
 * (kernel: its wait finds it): waiting tracers wake, and one blocked in
 * the kernel's wait is interrupted (SIGSTOP, taken out again at its
 * delivery) so that it enters its wait anew and is answered.
 */
static void wake_waiters(struct recorder *r, pid_t tgid, pid_t tid, int how)
{
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *u = r->tasks[i];

		if (u->tgid != tgid || !is_wait(u->cur_sysno) ||
		    !wait_matches(u->entry_regs, u->cur_sysno, tid))
			continue;
		if (u->ptrace.waiting && !u->ptrace.wake)
			u->ptrace.wake = how;
		else if (how == 1 && u->state == TASK_IN_SYSCALL && !u->ptrace.wait_kick &&
			 syscall(SYS_tkill, u->t.tid, SIGSTOP) == 0)
			u->ptrace.wait_kick = true;
	}
}

static void set_trap_siginfo(struct recorder_task *t, int status)
{
	memset(&t->ptrace.si, 0, sizeof(t->ptrace.si));
	t->ptrace.si.si_signo = SIGTRAP;
	t->ptrace.si.si_code = status >> 8;
	t->ptrace.si.si_pid = t->t.tid;
	t->ptrace.si.si_uid = getuid();
	t->ptrace.sync = false;
}

/*
 * Holds t in a stop for its tracer, recorded as an EV_PTRACE stop event.
 * Returns 1: the scheduler takes t off the slot (record_sched.c, hold()).
 */
static int enter_stop(struct recorder *r, struct recorder_task *t, enum ptrace_stop_kind kind,
		      int status, int reach)
{
	uint64_t regs[X86_NREGS];
	int err;

	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (kind != PTRACE_STOP_SIGNAL)
		set_trap_siginfo(t, status);
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_PTRACE, regs);
	if (kind == PTRACE_STOP_SIGNAL)
		trace_event_add_signal(&r->eb, t->ptrace.si.si_signo);
	trace_event_add_ptrace(&r->eb, PTRACE_OP_STOP, (uint8_t)reach);
	if ((err = recorder_emit(r)) < 0)
		return err;
	t->ptrace.stop = kind;
	t->ptrace.status = status;
	t->ptrace.reported = false;
	rw_buf_reset(&t->ptrace.pokes);
	rw_debug("pid %d: stopped for its tracer %d (status 0x%x)", t->t.tid, t->ptrace.tracer,
		 status);
	kill(t->ptrace.tracer_tgid, SIGCHLD);
	wake_waiters(r, t->ptrace.tracer_tgid, t->t.tid, 1);
	return 1;
}

static int syscall_status(const struct recorder_task *t)
{
	return STOPPED(SIGTRAP | ((t->ptrace.options & PTRACE_O_TRACESYSGOOD) ? 0x80 : 0));
}

bool recorder_ptrace_held(const struct recorder_task *t)
{
	return t->ptrace.stop != PTRACE_STOP_NONE || t->ptrace.waiting;
}

int recorder_ptrace_user_request(struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	uint8_t insn[2] = {0};

	if (!t->ptrace.tracer || t->ptrace.request != PTRACE_SINGLESTEP)
		return 0;
	/*
	 * A step over a syscall instruction runs the syscall, which a step
	 * would hide from rewind where no filter stops it: up to its entry
	 * stop instead, and the step's trap is made after its exit.
	 */
	if (tracee_get_regs(&t->t, regs) == 0 &&
	    tracee_read_mem(&t->t, regs[X86_RIP], insn, sizeof(insn)) == 0 &&
	    insn[0] == 0x0f && insn[1] == 0x05)
		return PTRACE_SYSCALL;
	return PTRACE_SINGLESTEP;
}

/*
 * The syscall-entry stop comes before the entry event: what the tracer
 * changes there (the arguments, the number) is what the entry records and
 * the kernel runs. Returns 2 when the tracer made the number -1: the
 * kernel skips it, and no entry or exit event is recorded.
 */
/*
 * PTRACE_O_TRACEEXIT: at an exit or exit_group entry (after its entry
 * stop), the stop the kernel makes in do_exit, with the wait status to
 * come as the event message. 0 when there is none to make.
 */
static int exit_event_stop(struct recorder *r, struct recorder_task *t,
			   const uint64_t regs[X86_NREGS], int reach)
{
	struct recorder_ptrace *p = &t->ptrace;
	long nr = (long)regs[X86_ORIG_RAX];

	if (!p->tracer || !(p->options & PTRACE_O_TRACEEXIT) || p->exit_event_seen ||
	    (nr != SYS_exit && nr != SYS_exit_group))
		return 0;
	p->exit_event_seen = true;
	p->eventmsg = (unsigned long)(regs[X86_RDI] & 0xff) << 8;
	return enter_stop(r, t, PTRACE_STOP_ENTRY, EVENT_STATUS(PTRACE_EVENT_EXIT), reach);
}

int recorder_ptrace_entry_stop(struct recorder *r, struct recorder_task *t)
{
	struct recorder_ptrace *p = &t->ptrace;
	uint64_t regs[X86_NREGS];
	int err, status;

	if (!p->tracer && !p->entry_seen)
		return 0;
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (p->exit_event_seen)
		return 0; /* on to its end */
	if (p->entry_seen) {
		p->entry_seen = false;
		if ((int64_t)regs[X86_ORIG_RAX] != -1)
			return exit_event_stop(r, t, regs, PTRACE_REACH_NONE);
		p->skip = true;
		return 2;
	}
	if (p->request != PTRACE_SYSCALL)
		return exit_event_stop(r, t, regs, PTRACE_REACH_SYSCALL);
	status = syscall_status(t);
	p->entry_seen = true;
	return enter_stop(r, t, PTRACE_STOP_ENTRY, status, PTRACE_REACH_SYSCALL);
}

static int sigtrap_stop(struct recorder *r, struct recorder_task *t)
{
	int err = enter_stop(r, t, PTRACE_STOP_AFTER, STOPPED(SIGTRAP), PTRACE_REACH_NONE);

	/* The kernel's send_sig(SIGTRAP) after an exec (ptrace_event). */
	t->ptrace.si.si_code = SI_USER;
	t->ptrace.si.si_pid = 0;
	return err;
}

int recorder_ptrace_after_exit(struct recorder *r, struct recorder_task *t, bool exec)
{
	struct recorder_ptrace *p = &t->ptrace;

	if (!p->tracer)
		return 0;
	if (exec && (p->options & PTRACE_O_TRACEEXEC)) {
		p->eventmsg = (unsigned long)t->t.tid;
		p->queued = PTRACE_Q_EXIT_IF_SYSCALL;
		return enter_stop(r, t, PTRACE_STOP_AFTER, EVENT_STATUS(PTRACE_EVENT_EXEC),
				  PTRACE_REACH_NONE);
	}
	if (exec && p->request != PTRACE_SYSCALL)
		return sigtrap_stop(r, t);
	if (exec)
		p->queued = PTRACE_Q_SIGTRAP;
	if (p->request == PTRACE_SYSCALL)
		return enter_stop(r, t, PTRACE_STOP_AFTER, syscall_status(t), PTRACE_REACH_NONE);
	if (p->request == PTRACE_SINGLESTEP) {
		/* A step over a syscall instruction ends after it. */
		int err = enter_stop(r, t, PTRACE_STOP_AFTER, STOPPED(SIGTRAP), PTRACE_REACH_NONE);

		t->ptrace.si.si_code = TRAP_TRACE;
		return err;
	}
	return 0;
}

/* Our own SIGSTOP: an ATTACH's or INTERRUPT's (a stop), or one that interrupted a wait (none). */
static int own_sigstop(struct recorder *r, struct recorder_task *t)
{
	struct recorder_ptrace *p = &t->ptrace;

	if (p->wait_kick && !p->stop_sent) {
		p->wait_kick = false;
		return 2;
	}
	p->stop_sent = false;
	if (!p->tracer)
		return 2;
	if (p->seized) {
		p->interrupt = false;
		set_trap_siginfo(t, EVENT_STATUS(PTRACE_EVENT_STOP));
		return enter_stop(r, t, PTRACE_STOP_SIGNAL, EVENT_STATUS(PTRACE_EVENT_STOP),
				  PTRACE_REACH_NONE);
	}
	return -1;
}

/*
 * At the delivery of si to t (deliver() in record_signal.c): the
 * tracer sees it first. Returns 1 when held for the tracer, 2 when it is
 * not to be delivered at all (our SIGSTOP that interrupted a wait), 0 to
 * deliver it now (no tracer, SIGKILL, or a signal the tracer passed on).
 */
int recorder_ptrace_signal_stop(struct recorder *r, struct recorder_task *t, const siginfo_t *si,
				bool sync)
{
	struct recorder_ptrace *p = &t->ptrace;
	int reach = PTRACE_REACH_NONE, err;

	if (si->si_signo == SIGSTOP && si->si_code == SI_TKILL && si->si_pid == getpid() &&
	    (p->wait_kick || p->stop_sent) && (err = own_sigstop(r, t)) >= 0)
		return err;
	if (!p->tracer || si->si_signo == SIGKILL)
		return 0;
	if (p->inject_sig == si->si_signo) {
		p->inject_sig = 0;
		return 0;
	}
	if (sync)
		reach = p->request == PTRACE_SINGLESTEP && si->si_signo == SIGTRAP &&
				si->si_code == TRAP_TRACE
			    ? PTRACE_REACH_STEP
			    : PTRACE_REACH_SIGNAL;
	p->si = *si;
	p->sync = sync;
	return enter_stop(r, t, PTRACE_STOP_SIGNAL, STOPPED(si->si_signo), reach);
}

int recorder_ptrace_clone(struct recorder *r, struct recorder_task *parent,
			  struct recorder_task *child, uint64_t flags, int event)
{
	struct recorder_ptrace *pp = &parent->ptrace, *cp = &child->ptrace;
	int err;

	if (pp->tracer && (flags & CLONE_VFORK) && (pp->options & PTRACE_O_TRACEVFORKDONE))
		pp->vfork_done = child->t.tid;
	if (!pp->tracer || !(pp->options & (1u << event)))
		return 0;
	cp->tracer = pp->tracer;
	cp->tracer_tgid = pp->tracer_tgid;
	cp->options = pp->options;
	cp->seized = pp->seized;
	cp->auto_attached = true;
	cp->request = PTRACE_CONT;
	pp->eventmsg = (unsigned long)child->t.tid;
	if (child->state != TASK_NEW && (err = recorder_ptrace_child_ready(r, child)) < 0)
		return err;
	return enter_stop(r, parent, PTRACE_STOP_KERNEL, EVENT_STATUS(event), PTRACE_REACH_NONE);
}

/*
 * PTRACE_O_TRACEVFORKDONE: the stop the kernel makes once a vfork child
 * has exec'd or ended, before the vfork returns (kernel_clone), with the
 * child's pid as the event message. rewind holds the parent at its real
 * exit stop there; its exit event comes when the tracer resumes it.
 */
int recorder_ptrace_vfork_done(struct recorder *r, struct recorder_task *t)
{
	struct recorder_ptrace *p = &t->ptrace;

	if (!p->vfork_done)
		return 0;
	p->eventmsg = (unsigned long)p->vfork_done;
	p->vfork_done = 0;
	if (!p->tracer)
		return 0;
	return enter_stop(r, t, PTRACE_STOP_EXIT, EVENT_STATUS(PTRACE_EVENT_VFORK_DONE),
			  PTRACE_REACH_NONE);
}

/*
 * A filter of the program's answered SECCOMP_RET_TRACE (the kernel took the
 * action with the highest precedence and, among equal ones, the newest
 * filter's data: a stop with rewind's data is its own filter's alone).
 * __seccomp_filter stops the task for a tracer that set
 * PTRACE_O_TRACESECCOMP, and otherwise fails the syscall with ENOSYS
 * without running it. The entry event is recorded by then; the tracer's
 * changes at this stop are in its resume event.
 */
int recorder_ptrace_seccomp_stop(struct recorder *r, struct recorder_task *t)
{
	struct recorder_ptrace *p = &t->ptrace;
	uint64_t regs[X86_NREGS];
	unsigned long data = RECORDER_FILTER_DATA;
	int err;

	if (ptrace(PTRACE_GETEVENTMSG, t->t.tid, 0, &data) < 0 || data == RECORDER_FILTER_DATA)
		return 0;
	if (p->tracer && (p->options & PTRACE_O_TRACESECCOMP)) {
		p->eventmsg = data;
		return enter_stop(r, t, PTRACE_STOP_KERNEL, EVENT_STATUS(PTRACE_EVENT_SECCOMP),
				  PTRACE_REACH_NONE);
	}
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	regs[X86_ORIG_RAX] = (uint64_t)-1;
	regs[X86_RAX] = (uint64_t)-ENOSYS;
	return tracee_set_regs(&t->t, regs);
}

int recorder_ptrace_child_ready(struct recorder *r, struct recorder_task *t)
{
	/* Only a child attached by a clone event starts with a stop; one seized later does not. */
	if (!t->ptrace.tracer || !t->ptrace.auto_attached || t->ptrace.stop != PTRACE_STOP_NONE)
		return 0;
	t->ptrace.auto_attached = false;
	/* A child attached by PTRACE_SEIZE stops with PTRACE_EVENT_STOP, others with SIGSTOP. */
	if (t->ptrace.seized)
		return enter_stop(r, t, PTRACE_STOP_AFTER, EVENT_STATUS(PTRACE_EVENT_STOP),
				  PTRACE_REACH_NONE);
	return enter_stop(r, t, PTRACE_STOP_AFTER, STOPPED(SIGSTOP), PTRACE_REACH_NONE);
}

static void report_death(struct recorder *r, struct recorder_task *t, int status)
{
	struct recorder_ptrace *p = &t->ptrace;

	if (t->parent_tgid != p->tracer_tgid) {
		/* Not its child: the kernel tells the tracer nothing, so the wait here does. */
		r->ptrace_dead =
		    xrealloc(r->ptrace_dead, (r->nptrace_dead + 1) * sizeof(*r->ptrace_dead));
		r->ptrace_dead[r->nptrace_dead].tracer_tgid = p->tracer_tgid;
		r->ptrace_dead[r->nptrace_dead].tid = t->t.tid;
		r->ptrace_dead[r->nptrace_dead++].status = status;
		kill(p->tracer_tgid, SIGCHLD);
		wake_waiters(r, p->tracer_tgid, t->t.tid, 1);
	}
}

void recorder_ptrace_task_died(struct recorder *r, struct recorder_task *t, int status)
{
	if (t->ptrace.tracer)
		report_death(r, t, status);
	/* A child of a waiting process: the kernel's wait reports it. */
	if (t->parent_tgid && t->t.tid == t->tgid)
		wake_waiters(r, t->parent_tgid, t->t.tid, 2);
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *u = r->tasks[i];

		if (u == t || u->ptrace.tracer != t->t.tid)
			continue;
		if (u->ptrace.options & PTRACE_O_EXITKILL) {
			syscall(SYS_tkill, u->t.tid, SIGKILL);
			continue;
		}
		/* Detached as the kernel's exit_ptrace does: a stopped tracee goes on. */
		u->ptrace.tracer = 0;
		u->ptrace.request = PTRACE_CONT;
		if (u->ptrace.stop != PTRACE_STOP_NONE) {
			u->ptrace.resumed = true;
			u->ptrace.resume_sig = 0;
		}
	}
}

struct recorder_task *recorder_ptrace_next_resumed(struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->ptrace.resumed)
			return r->tasks[i];
	return NULL;
}

struct recorder_task *recorder_ptrace_next_woken(struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->ptrace.waiting && r->tasks[i]->ptrace.wake)
			return r->tasks[i];
	return NULL;
}

/* Memory the tracer wrote at this stop, as the resume event's memory sections. */
static void add_pokes(struct recorder *r, struct recorder_task *t)
{
	struct rw_cursor c;

	rw_cursor_init(&c, t->ptrace.pokes.data, t->ptrace.pokes.len);
	while (rw_cursor_left(&c)) {
		uint64_t addr = rw_get_u64(&c), len = rw_get_u64(&c);
		const uint8_t *p = rw_get_bytes(&c, (size_t)len);

		if (c.bad)
			break;
		trace_event_add_mem(&r->eb, addr, p, len);
	}
	rw_buf_reset(&t->ptrace.pokes);
}

/* The stop that follows this one without the thread running (an exec's), or 0. */
static int queued_stop(struct recorder *r, struct recorder_task *t)
{
	struct recorder_ptrace *p = &t->ptrace;
	unsigned q = p->queued;

	p->queued = 0;
	if ((q & PTRACE_Q_EXIT_IF_SYSCALL) && p->request == PTRACE_SYSCALL)
		return enter_stop(r, t, PTRACE_STOP_AFTER, syscall_status(t), PTRACE_REACH_NONE);
	if (q & PTRACE_Q_SIGTRAP)
		return sigtrap_stop(r, t);
	return 0;
}

/*
 * t, resumed by its tracer: its EV_PTRACE resume event, with its
 * registers, XSAVE blocks and the memory the tracer wrote. *kind says what
 * stop it leaves. Returns 1 when it stays held (a stop that follows at
 * once, or it died meanwhile), 0 when the scheduler carries on with it.
 */
int recorder_ptrace_resume_event(struct recorder *r, struct recorder_task *t,
				 enum ptrace_stop_kind *kind)
{
	struct recorder_ptrace *p = &t->ptrace;
	uint64_t regs[X86_NREGS];
	int err;

	*kind = p->stop;
	p->stop = PTRACE_STOP_NONE;
	p->resumed = false;
	if (tracee_get_regs(&t->t, regs) < 0)
		return 1; /* killed at its stop: its death comes next */
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_PTRACE, regs);
	add_pokes(r, t);
	if ((err = recorder_add_xsave(r, t, false)) < 0)
		return err;
	/* A syscall that a step runs saves the trap flag in r11: replay is told it was a step. */
	trace_event_add_ptrace(&r->eb, PTRACE_OP_RESUME,
			       p->request == PTRACE_SINGLESTEP ? PTRACE_REACH_STEP : PTRACE_REACH_NONE);
	if ((err = recorder_emit(r)) < 0)
		return err;
	if (p->tracer && (err = queued_stop(r, t)) != 0)
		return err;
	if (*kind != PTRACE_STOP_SIGNAL && p->resume_sig) {
		/* Passed at a stop that is no signal's: sent now, and delivered without a stop. */
		if (syscall(SYS_tkill, t->t.tid, p->resume_sig) == 0)
			p->inject_sig = p->resume_sig;
		p->resume_sig = 0;
	}
	return 0;
}

void recorder_ptrace_free(struct recorder_task *t)
{
	rw_buf_free(&t->ptrace.pokes);
}
