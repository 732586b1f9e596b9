/*
 * Tasks coming and going: the child of a clone, fork or vfork made for
 * real at its EV_CLONE, exit and exit_group run, a thread's or process's
 * end (EV_EXIT) checked against the recorded status, and the other threads
 * of a process that execs ended before its new image is built.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "arch/x86_64/syscall_table.h"
#include "common/log.h"
#include "replayer/replayer.h"

/* The tracee has ended: its status must be the recorded one (a core dump or not aside). */
int replayer_check_exit(struct replayer *r, int st)
{
	struct tracee *t = &r->tasks.cur->t;
	struct replay_task *task;

	if (t->stop != TRACEE_STOP_EXITED || (st & ~0x80) != (r->ev.exit_status & ~0x80)) {
		if (t->stop != TRACEE_STOP_EXITED)
			return replayer_unexpected_stop(r, "the end of the process");
		rw_error("divergence at event %llu: recorded exit status 0x%x, replay 0x%x",
			 (unsigned long long)r->ev.seq, r->ev.exit_status, st);
		return -EPROTO;
	}
	if (r->tasks.n <= 1)
		return 1;
	/* The program has ended when its last task has. */
	task = r->tasks.cur;
	task->dead = true;
	task->exiting = false;
	if (WIFSIGNALED(st))
		replay_tasks_exiting(&r->tasks, task->rec_tgid);
	if (task->rec_tgid == r->debug.tgid) {
		/* The debugger's process: its end is its leader's, once all of it has gone. */
		if (task->rec_tid == task->rec_tgid || !r->progress.debug_exit_status)
			r->progress.debug_exit_status = st;
		r->progress.debug_exited = !replay_tasks_alive(&r->tasks, r->debug.tgid);
	}
	return replay_tasks_alive(&r->tasks, 0) ? 0 : 1;
}

int replayer_exit_syscall(struct replayer *r, const uint64_t entry[X86_NREGS])
{
	struct replay_task *task = r->tasks.cur;
	uint64_t regs[X86_NREGS];
	int st, err, sig = task->pass_sig;

	memcpy(regs, entry, sizeof(regs));
	regs[X86_RAX] = entry[X86_ORIG_RAX];
	regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
	if ((err = tracee_set_regs(&task->t, regs)) < 0)
		return err;
	task->pass_sig = 0;
	if (r->tasks.n > 1) {
		/*
		 * Other tasks may have events before this one's end (a thread group
		 * leader's end waits for its other threads): reaped at its EV_EXIT.
		 */
		err = tracee_resume_nowait(&task->t, PTRACE_CONT, sig);
		task->exiting = true;
		if (entry[X86_ORIG_RAX] == SYS_exit_group)
			replay_tasks_exiting(&r->tasks, task->rec_tgid);
		else if (!err && task->rec_tid != task->rec_tgid) {
			/*
			 * A thread's end clears its CLONE_CHILD_CLEARTID word: done before
			 * any other task runs, as the recorder made sure it was.
			 */
			if ((st = tracee_wait(&task->t)) < 0)
				return st;
			task->reaped = true;
			task->end_status = st;
		}
		return err;
	}
	if ((st = tracee_resume(&task->t, PTRACE_CONT, sig)) < 0)
		return st;
	if ((err = replayer_next_event(r)) <= 0)
		return err < 0 ? err : -ENODATA;
	if (r->ev.kind != EV_EXIT)
		return replayer_unexpected_stop(r, trace_event_kind_name(r->ev.kind));
	return replayer_check_exit(r, st);
}

/* The task of process tgid stopped in an execve whose exit has not come yet, or NULL. */
static struct replay_task *in_exec(struct replayer *r, uint32_t tgid)
{
	for (size_t i = 0; i < r->tasks.n; i++) {
		struct replay_task *k = r->tasks.all[i];
		const struct x86_syscall_desc *d = x86_syscall_lookup((long)k->entry[X86_ORIG_RAX]);

		if (k->rec_tgid == tgid && k->in_syscall && !k->dead && !k->reaped && d &&
		    d->replay == SYS_REPLAY_EXEC)
			return k;
	}
	return NULL;
}

/*
 * Ends a thread the way an exec by another thread of its process ends it:
 * replay rebuilds the image in place rather than exec, so the thread is made
 * to run exit(0) from rewind's page. Done before the new image is built, so
 * what the kernel writes at its end (its clear-tid word) lands in the old
 * one. A leader ends as a zombie that is never waited for.
 */
static int end_for_exec(struct replayer *r, struct replay_task *task, bool leader)
{
	struct tracee *t = &task->t;
	uint64_t regs[X86_NREGS];
	int st;

	if ((st = tracee_get_regs(t, regs)) < 0)
		return st;
	regs[X86_RIP] = REWIND_INJECT_PAGE;
	regs[X86_RAX] = SYS_exit;
	regs[X86_ORIG_RAX] = (uint64_t)-1; /* no syscall restart on the way out */
	regs[X86_RDI] = 0;
	if ((st = tracee_set_regs(t, regs)) < 0)
		return st;
	task->in_syscall = false;
	if (leader) {
		task->dead = true;
		return tracee_resume_nowait(t, PTRACE_CONT, 0);
	}
	if ((st = tracee_resume(t, PTRACE_CONT, 0)) < 0)
		return st;
	task->reaped = true;
	task->end_status = st;
	return 0;
}

/*
 * EV_EXEC of tid: every other thread of its process has ended. When a
 * thread other than the leader made the exec, it took over the leader's
 * tid (the event is under that tid) and the leader ended unreported: its
 * task is left dead and the exec'ing one takes its recorded tid.
 */
int replayer_exec_takeover(struct replayer *r)
{
	uint32_t tgid = r->ev.tid;
	struct replay_task *x = in_exec(r, tgid);
	int err;

	if (!x)
		return 0;
	for (size_t i = 0; i < r->tasks.n; i++) {
		struct replay_task *k = r->tasks.all[i];

		if (k == x || k->rec_tgid != tgid || k->dead || k->reaped)
			continue;
		if ((err = end_for_exec(r, k, k->rec_tid == tgid)) < 0)
			return err;
		if (k->rec_tid == tgid)
			k->rec_tid = 0; /* gone: the tid is the exec'ing task's now */
	}
	x->rec_tid = tgid;
	return 0;
}

/*
 * A seccomp filter's SECCOMP_RET_KILL_PROCESS: the kernel kills with SIGSYS
 * past the tracer (the signal is SA_IMMUTABLE, so no delivery stop), and the
 * recording has the death only. Replay runs no filter: the signal is sent
 * and passed at its delivery stop (a handler of the program's would run).
 */
static int replay_filter_kill(struct replayer *r, int sig)
{
	struct tracee *t = &r->tasks.cur->t;
	int st = 0, pass = 0;

	if (syscall(SYS_tkill, t->tid, sig) < 0)
		return -errno;
	for (int stops = 0; stops < 8; stops++) {
		if ((st = tracee_resume(t, PTRACE_CONT, pass)) < 0)
			return st;
		if (t->stop == TRACEE_STOP_EXITED)
			return replayer_check_exit(r, st);
		pass = WIFSTOPPED(st) && !(st >> 16) && WSTOPSIG(st) == sig ? sig : 0;
	}
	rw_error("divergence at event %llu: tid %u did not die of %s",
		 (unsigned long long)r->ev.seq, r->ev.tid, strsignal(sig));
	return -EPROTO;
}

/* Whether a thread of task's process other than task is still there. */
static bool others_alive(const struct replayer *r, const struct replay_task *task)
{
	for (size_t i = 0; i < r->tasks.n; i++) {
		const struct replay_task *k = r->tasks.all[i];

		if (k != task && k->rec_tgid == task->rec_tgid && !k->dead && !k->reaped &&
		    !k->exiting)
			return true;
	}
	return false;
}

/*
 * SECCOMP_RET_KILL_THREAD in a process that has other threads: the kernel
 * ends that thread alone (do_exit(SIGSYS)) and the others go on, where a
 * SIGSYS sent here would end them all. The thread makes exit(0) at its
 * syscall instead (its CLONE_CHILD_CLEARTID word is cleared as at the
 * kernel's end); no thread's own status is seen by the program.
 */
static int replay_filter_kill_thread(struct replayer *r)
{
	struct replay_task *task = r->tasks.cur;
	uint64_t regs[X86_NREGS];
	int st, err;

	memcpy(regs, task->entry, sizeof(regs));
	regs[X86_RAX] = SYS_exit;
	regs[X86_RDI] = 0;
	regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
	if ((err = tracee_set_regs(&task->t, regs)) < 0)
		return err;
	if ((st = tracee_resume(&task->t, PTRACE_CONT, 0)) < 0)
		return st;
	if (task->t.stop == TRACEE_STOP_EXITED)
		r->ev.exit_status = st; /* exit(0) stands for the kernel's end */
	return replayer_check_exit(r, st);
}

/* An EV_EXIT not after exit/exit_group: the thread dies of the signal passed to it. */
int replayer_apply_exit(struct replayer *r)
{
	struct replay_task *task = r->tasks.cur;
	bool several = r->tasks.n > 1;
	int st, ret;

	if (several && !task->reaped && task->rec_tid != task->rec_tgid &&
	    in_exec(r, task->rec_tgid)) {
		/* Ended by another thread's exec, before its EV_EXEC. */
		if ((st = end_for_exec(r, task, false)) < 0)
			return st;
	}
	if (several && task->reaped)
		return replayer_check_exit(r, task->end_status);
	if (several && task->exiting) {
		/* Its exit syscall ran, or another task's end took its process down. */
		if ((st = tracee_wait(&task->t)) < 0)
			return st;
		return replayer_check_exit(r, st);
	}
	/*
	 * A SIGKILL from another process (the kill syscall was emulated) or from
	 * the recorder ending the recording: nothing here sends it, so send it.
	 */
	if (WIFSIGNALED(r->ev.exit_status) && WTERMSIG(r->ev.exit_status) == SIGKILL) {
		if (kill(task->t.tid, SIGKILL) < 0)
			return -errno;
		if ((st = tracee_wait(&task->t)) < 0)
			return st;
		return replayer_check_exit(r, st);
	}
	if (WIFSIGNALED(r->ev.exit_status) && WTERMSIG(r->ev.exit_status) == SIGSYS &&
	    !task->pass_sig && task->in_syscall && others_alive(r, task))
		return replay_filter_kill_thread(r);
	if (WIFSIGNALED(r->ev.exit_status) && WTERMSIG(r->ev.exit_status) == SIGSYS &&
	    !task->pass_sig)
		return replay_filter_kill(r, SIGSYS);
	if (several && !task->pass_sig) {
		/* Nothing here would end it: running it on could block for ever. */
		rw_error("divergence at event %llu: the recording ended tid %u (status 0x%x) with "
			 "nothing that ends it in the replay",
			 (unsigned long long)r->ev.seq, r->ev.tid, r->ev.exit_status);
		return -EPROTO;
	}
	ret = replayer_reach(r, PTRACE_CONT, &st);
	if (ret != REPLAY_REACHED)
		return ret < 0 ? ret : 2;
	return replayer_check_exit(r, st);
}

/*
 * The clone, fork or vfork in progress in the current task made a child
 * (r->ev is its EV_CLONE): make it now, for real. A thread (CLONE_VM
 * without CLONE_VFORK) is cloned with the recorded arguments; any other
 * child is a copy of the process made by tracee_fork_at, a child of the
 * replayer (so its end is never signalled to the program, whose wait4 is
 * emulated, and the replayer's wait reaps it) and then given the
 * registers the recorded one started with: a vfork becomes a fork, since
 * the child builds its own address space when it execs.
 */
int replayer_apply_clone(struct replayer *r)
{
	struct replay_task *p = r->tasks.cur;
	uint64_t flags = r->ev.clone_flags, in[X86_NREGS], out[X86_NREGS], regs[X86_NREGS];
	uint64_t stack = 0, tls = 0, child_tid_addr = 0;
	uint32_t rec_child = r->ev.child_tid;
	bool thread = (flags & CLONE_VM) && !(flags & CLONE_VFORK);
	struct replay_task *c;
	long nr;
	pid_t live;
	int err;

	if (!p->in_syscall) {
		rw_error("%s: event %llu: a clone event outside a clone syscall", r->in.path,
			 (unsigned long long)r->ev.seq);
		return -EBADMSG;
	}
	memcpy(in, p->entry, sizeof(in));
	nr = (long)in[X86_ORIG_RAX];
	in[X86_RAX] = (uint64_t)nr;
	if (nr == SYS_clone) {
		in[X86_RDI] &= ~(uint64_t)CLONE_UNTRACED; /* followed, as in the recording */
		stack = in[X86_RSI];
		child_tid_addr = in[X86_R10];
		tls = in[X86_R8];
	} else if (nr == SYS_clone3) {
		uint64_t ca[8];

		if ((err = tracee_read_mem(&p->t, in[X86_RDI], ca, sizeof(ca))) < 0)
			return err;
		child_tid_addr = ca[2];
		stack = ca[5] ? ca[5] + ca[6] : 0;
		tls = ca[7];
	}
	if (thread)
		err = tracee_clone_at(&p->t, p->entry[X86_RIP] - X86_SYSCALL_INSN_LEN, in, &live,
				      out);
	else
		err = tracee_fork_at(&p->t, p->entry[X86_RIP] - X86_SYSCALL_INSN_LEN, in, &live);
	if (err < 0) {
		rw_error("event %llu: cannot make the child of the recorded %s: %s",
			 (unsigned long long)r->ev.seq, replay_sys_name(nr), strerror(-err));
		return err;
	}
	p->cloned = true;
	c = replay_tasks_add(&r->tasks, rec_child, (flags & CLONE_THREAD) ? p->rec_tgid : rec_child,
			     live, r->xsave_len);
	c->dr_gen = r->debug.watch_gen - 1; /* a new thread's debug registers are clear */
	c->rseq = (flags & CLONE_VM) ? (struct x86_rseq_area){0} : p->rseq;
	c->ctid = (flags & CLONE_CHILD_CLEARTID) ? child_tid_addr : 0;
	/* A thread starts without the alternate stack; a fork keeps it. */
	c->has_altstack = !(flags & CLONE_VM) && p->has_altstack;
	memcpy(c->altstack, p->altstack, sizeof(p->altstack));
	if (!thread) {
		memcpy(regs, p->entry, sizeof(regs));
		regs[X86_RAX] = 0;
		if (stack)
			regs[X86_RSP] = stack;
		if (flags & CLONE_SETTLS)
			regs[X86_FS_BASE] = tls;
		err = tracee_set_regs(&c->t, regs);
		/* The copy of the debugger's process is not the one it looks at. */
		for (int i = 0; !err && i < r->debug.nbps && replayer_in_debuggee(r); i++)
			if (r->debug.bps[i].inserted)
				err = tracee_write_mem(&c->t, r->debug.bps[i].addr,
						       &r->debug.bps[i].orig, 1);
	}
	/* The kernel wrote the live tid there; the program saw the recorded one. */
	if (!err && (flags & CLONE_CHILD_SETTID) && child_tid_addr)
		err = tracee_write_mem(&c->t, child_tid_addr, &rec_child, sizeof(rec_child));
	return err;
}
