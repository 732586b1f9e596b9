/*
 * Replay of a tracer inside the recording (src/recorder/record_ptrace.c).
 * The tracer's ptrace and wait calls are ordinary emulated syscalls; what
 * replay must reproduce is what happened to the tracee. An EV_PTRACE stop
 * event brings the tracee to where it stopped for its tracer (it is there
 * already, or runs to its next syscall entry, to a fault, or one
 * instruction); the resume event that follows sets the registers and
 * writes the memory the tracer changed there. A tracee stopped at a
 * syscall entry enters that syscall from there (its entry event needs no
 * run); one stopped at a fault gets the signal only if an EV_SIGNAL of it
 * follows (the tracer passed it on), otherwise the next resume drops it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/log.h"
#include "replayer/replayer.h"

static int check_regs(struct replayer *r, const char *what)
{
	uint64_t live[X86_NREGS];
	char diff[4096];
	int err, n;

	if ((err = tracee_get_regs(&r->tasks.cur->t, live)) < 0)
		return err;
	if (!memcmp(live, r->ev.regs, sizeof(live)))
		return 0;
	n = x86_regs_diff(r->ev.regs, live, diff, sizeof(diff));
	rw_error("divergence at event %llu (%s): %d registers differ:\n%s",
		 (unsigned long long)r->ev.seq, what, n, diff);
	return -EPROTO;
}

/*
 * Its last syscall returned "restart" and the stop is at the same syscall
 * entered again: the kernel restarted it when the tracer resumed the
 * thread without the signal that interrupted it. Replay sent no signal,
 * so it puts the thread back onto the syscall instruction itself.
 */
static int restart_interrupted(struct replayer *r, struct replay_task *task)
{
	int64_t ret = task->last_result;
	uint64_t live[X86_NREGS];
	long nr = (long)task->last_entry[X86_ORIG_RAX];
	int err;

	if (!task->last_valid || (ret != -512 && ret != -513 && ret != -514 && ret != -516))
		return 0; /* ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK */
	if (ret == -516)
		nr = SYS_restart_syscall;
	if ((long)r->ev.regs[X86_ORIG_RAX] != nr ||
	    r->ev.regs[X86_RIP] != task->last_entry[X86_RIP])
		return 0;
	if ((err = tracee_get_regs(&task->t, live)) < 0)
		return err;
	if (live[X86_RIP] != r->ev.regs[X86_RIP])
		return 0;
	live[X86_RIP] -= X86_SYSCALL_INSN_LEN;
	live[X86_RAX] = (uint64_t)nr;
	task->last_valid = false;
	return tracee_set_regs(&task->t, live);
}

/* Runs the tracee to the stop the event names; 0 there, 2 a debugger stop, or negative errno. */
static int reach_stop(struct replayer *r, struct replay_task *task)
{
	int request = r->ev.ptrace_reach == PTRACE_REACH_STEP ? PTRACE_SINGLESTEP : PTRACE_SYSEMU;
	int st, err;

	if (r->ev.ptrace_reach == PTRACE_REACH_NONE)
		return 0;
	if (r->ev.ptrace_reach == PTRACE_REACH_SYSCALL && (err = restart_interrupted(r, task)) < 0)
		return err;
	err = replayer_reach(r, request, &st);
	if (err != REPLAY_REACHED)
		return err < 0 ? err : 2;
	if (r->ev.ptrace_reach == PTRACE_REACH_SYSCALL) {
		if (task->t.stop != TRACEE_STOP_SYSEMU_ENTRY)
			return replayer_unexpected_stop(r, "a syscall entry, stopped for its tracer");
		if ((err = check_regs(r, "syscall entry stop for a tracer")) < 0)
			return err;
		task->ptrace_at = REPLAY_PTRACE_AT_ENTRY;
		return 0;
	}
	if (task->t.stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != r->ev.signo)
		return replayer_unexpected_stop(r, "a signal, stopped for its tracer");
	if ((err = check_regs(r, "signal stop for a tracer")) < 0)
		return err;
	task->ptrace_at = REPLAY_PTRACE_AT_SIGNAL;
	return 0;
}

/* What the tracer changed, as the thread goes on. */
static int apply_resume(struct replayer *r, struct replay_task *task)
{
	uint64_t live[X86_NREGS];
	int err;

	if ((err = tracee_get_regs(&task->t, live)) < 0)
		return err;
	if (memcmp(live, r->ev.regs, sizeof(live)) &&
	    (err = tracee_set_regs(&task->t, r->ev.regs)) < 0)
		return err;
	if ((err = replayer_write_mem(r)) < 0)
		return err;
	if (r->ev.nxblocks && (err = tracee_set_xsave(&task->t, task->rec_xsave, r->xsave_len)) < 0)
		return err;
	/* A syscall made -1 is skipped: the next resume from the entry stop does that. */
	if (task->ptrace_at == REPLAY_PTRACE_AT_ENTRY && (int64_t)r->ev.regs[X86_ORIG_RAX] == -1)
		task->ptrace_at = REPLAY_PTRACE_AT_NONE;
	task->ptrace_step = r->ev.ptrace_reach == PTRACE_REACH_STEP;
	return 0;
}

int replayer_apply_ptrace(struct replayer *r)
{
	struct replay_task *task = r->tasks.cur;

	/* A thread on its way out (its exit ran already): nothing left to change. */
	if (task->exiting || task->dead || task->reaped)
		return 0;
	if (r->ev.ptrace_op == PTRACE_OP_STOP)
		return reach_stop(r, task);
	return apply_resume(r, task);
}

void replayer_ptrace_note(struct replayer *r)
{
	struct replay_task *task = r->tasks.cur;

	/* Its tracer passed the signal of the stop on. */
	if (task->ptrace_at == REPLAY_PTRACE_AT_SIGNAL && r->ev.kind == EV_SIGNAL)
		r->progress.pending_at_stop = true;
	if (r->ev.kind != EV_SYSCALL_ENTRY)
		task->ptrace_at = REPLAY_PTRACE_AT_NONE;
	if (r->ev.kind != EV_SYSCALL_ENTRY && r->ev.kind != EV_PTRACE)
		task->ptrace_step = false;
}

bool replayer_ptrace_stepped(const struct replayer *r)
{
	return r->tasks.cur->ptrace_step;
}

bool replayer_ptrace_take_entry(struct replayer *r)
{
	struct replay_task *task = r->tasks.cur;

	if (task->ptrace_at != REPLAY_PTRACE_AT_ENTRY)
		return false;
	task->ptrace_at = REPLAY_PTRACE_AT_NONE;
	return true;
}
