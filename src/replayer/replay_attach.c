/*
 * Replaying a trace of `rec -p`: it starts with the image of a process that
 * was running (EV_EXEC with EVF_ATTACH), its other threads as EV_THREAD
 * events. The image is built as for an exec; then the kernel state the
 * recorder found (SEC_ATTACH) is given to the replay: signal actions, mask,
 * alternate stack, robust list, the clear-child-tid word, the program
 * break, rseq and the stack limit. Each EV_THREAD is a clone of the
 * process's first thread given the recorded registers, XSAVE area and state.
 * The debugger's auxv is the one the kernel left on the process's stack at
 * its exec, found again in the recorded stack. A trace of several -p has a
 * further EV_EXEC with EVF_ATTACH for each other process: a copy of one of
 * the replay's processes, made as for a fork, on which its image is built.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "common/log.h"
#include "replayer/replayer.h"

static int inject(struct tracee *t, const uint64_t regs[X86_NREGS], long nr, uint64_t a0,
		  uint64_t a1, uint64_t a2, uint64_t a3, int64_t *ret)
{
	return tracee_inject(t, REWIND_INJECT_PAGE, regs, nr, a0, a1, a2, a3, 0, 0, ret);
}

/* The thread's signal mask, alternate stack, robust list and clear-child-tid word. */
static int thread_state(struct tracee *t, struct replay_task *task, const struct trace_attach *a,
			const uint64_t regs[X86_NREGS])
{
	uint64_t stack[3] = {a->altstack_sp, a->altstack_flags, a->altstack_size};
	int64_t ret;
	int err;

	if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(a->sigmask), &a->sigmask) < 0)
		return -errno;
	if (!(a->altstack_flags & SS_DISABLE)) {
		if ((err = tracee_write_mem(t, REWIND_INJECT_SCRATCH, stack, sizeof(stack))) < 0 ||
		    (err = inject(t, regs, SYS_sigaltstack, REWIND_INJECT_SCRATCH, 0, 0, 0, &ret)) <
			0)
			return err;
		memcpy(task->altstack, stack, sizeof(stack));
		task->has_altstack = true;
	}
	if (a->robust_head &&
	    (err = inject(t, regs, SYS_set_robust_list, a->robust_head, a->robust_len, 0, 0, &ret)) <
		0)
		return err;
	if (a->ctid &&
	    (err = inject(t, regs, SYS_set_tid_address, a->ctid, 0, 0, 0, &ret)) < 0)
		return err;
	task->ctid = a->ctid;
	task->rseq = (struct x86_rseq_area){a->rseq_addr, a->rseq_len, a->rseq_sig};
	return tracee_set_regs(t, regs);
}

/* Whether w[0] (the end words further on) starts argc, argv[], envp[] and an auxv with AT_ENTRY. */
static bool is_start_frame(const uint64_t *w, size_t n, uint64_t lo, uint64_t hi)
{
	uint64_t argc = w[0];
	size_t i = 1;
	bool entry = false;

	if (argc == 0 || argc > 4096 || argc + 2 > n)
		return false;
	for (; i <= argc; i++)
		if (w[i] < lo || w[i] >= hi)
			return false;
	if (w[i++])
		return false;
	while (i < n && w[i])
		if (w[i] < lo || w[i++] >= hi)
			return false;
	for (i++; i + 1 < n && w[i]; i += 2) {
		if (w[i] > 64)
			return false;
		entry |= w[i] == AT_ENTRY;
	}
	return i + 1 < n && entry;
}

/*
 * The stack pointer the process's exec started with, above which the kernel
 * put argc, argv, envp and the auxv: searched for from the top of the
 * recorded stack down (the frame of the exec is the highest), 0 if absent.
 */
static uint64_t find_exec_sp(struct replayer *r, struct tracee *t)
{
	const size_t max = 256 * 1024;
	uint64_t found = 0, lo, hi, *w;
	size_t len, n;

	for (size_t i = 0; i < r->ev.nmaps; i++) {
		const struct trace_map *m = &r->ev.maps[i];

		if (m->kind != MAPK_STACK)
			continue;
		lo = m->start;
		hi = m->end;
		len = hi - lo < max ? (size_t)(hi - lo) : max;
		if (!(w = malloc(len)))
			return 0;
		n = len / 8;
		if (tracee_read_mem(t, hi - len, w, len) == 0)
			for (size_t k = n; k-- > 0 && !found;)
				if (is_start_frame(w + k, n - k, lo, hi))
					found = hi - len + k * 8;
		free(w);
		if (found)
			return found;
	}
	return 0;
}

/* After the image of EV_EXEC with EVF_ATTACH is built: the state it was found in. */
int replayer_apply_attach(struct replayer *r)
{
	const struct trace_attach *a = r->ev.attach;
	struct replay_task *task = r->tasks.cur;
	uint64_t sp;
	int64_t ret;
	int err;

	if (!a) {
		rw_error("%s: event %llu: an attach without its state", r->in.path,
			 (unsigned long long)r->ev.seq);
		return -EBADMSG;
	}
	for (uint32_t i = 0; i < a->nactions; i++) {
		const uint64_t act[4] = {a->actions[i].handler, a->actions[i].flags,
					 a->actions[i].restorer, a->actions[i].mask};

		if ((err = tracee_write_mem(&task->t, REWIND_INJECT_SCRATCH, act, sizeof(act))) <
			0 ||
		    (err = inject(&task->t, r->ev.regs, SYS_rt_sigaction, a->actions[i].signo,
				  REWIND_INJECT_SCRATCH, 0, 8, &ret)) < 0)
			return err;
	}
	if (a->stack_cur && prlimit(task->t.tid, RLIMIT_STACK,
				    &(struct rlimit){a->stack_cur, a->stack_max}, NULL) < 0)
		rw_warn("the recorded stack limit is not set in the replay: %s", strerror(errno));
	replay_tasks_set_brk(&r->tasks, a->brk);
	if ((sp = find_exec_sp(r, &task->t)))
		task->exec_sp = sp;
	return thread_state(&task->t, task, a, r->ev.regs);
}

/* The recorded XSAVE area of the thread: the current task's, with this event's blocks. */
static int thread_xsave(struct replayer *r, struct tracee *t, uint8_t *rec_xsave)
{
	for (size_t i = 0; i < r->ev.nxblocks; i++) {
		const struct trace_xblock *x = &r->ev.xblocks[i];
		uint32_t off, len;

		if (x86_xsave_block_range(&r->layout, x->block, &off, &len) < 0 || len != x->len ||
		    off + len > r->xsave_len)
			return -EINVAL;
		memcpy(rec_xsave + off, x->data, len);
	}
	return tracee_set_xsave(t, rec_xsave, r->xsave_len);
}

/* EV_THREAD: a thread of an attached process, made by a clone of its first thread. */
int replayer_apply_thread(struct replayer *r)
{
	const uint64_t flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			       CLONE_SYSVSEM;
	const struct trace_attach *a = r->ev.attach;
	struct replay_task *lead = a ? replay_tasks_find_live(&r->tasks, a->tgid) : NULL;
	uint64_t saved[X86_NREGS], in[X86_NREGS], out[X86_NREGS];
	struct replay_task *c;
	struct tracee *lt;
	pid_t live;
	int err;

	if (!lead) {
		rw_error("%s: event %llu: a thread of a process the replay does not have",
			 r->in.path, (unsigned long long)r->ev.seq);
		return -EBADMSG;
	}
	lt = &lead->t;
	if ((err = tracee_get_regs(lt, saved)) < 0)
		return err;
	memcpy(in, saved, sizeof(in));
	in[X86_RAX] = SYS_clone;
	in[X86_RDI] = flags;
	in[X86_RSI] = in[X86_RDX] = in[X86_R8] = in[X86_R10] = 0;
	if ((err = tracee_clone_at(lt, REWIND_INJECT_PAGE, in, &live, out)) < 0 ||
	    (err = tracee_set_regs(lt, saved)) < 0) {
		rw_error("event %llu: cannot make thread %u: %s", (unsigned long long)r->ev.seq,
			 r->ev.tid, strerror(-err));
		return err;
	}
	c = replay_tasks_add(&r->tasks, r->ev.tid, a->tgid, live, r->xsave_len);
	c->exec_sp = lead->exec_sp;
	c->dr_gen = r->debug.watch_gen - 1; /* a new thread's debug registers are clear */
	c->t.stop = TRACEE_STOP_OTHER;
	err = thread_xsave(r, &c->t, c->rec_xsave);
	if (!err)
		err = thread_state(&c->t, c, a, r->ev.regs);
	return err;
}

/*
 * EV_EXEC with EVF_ATTACH under a tid the replay has not made: another
 * process of the same rec -p. Its process is a copy of a live one of the
 * replay (a sibling, as for any fork the replay makes), whose address space
 * and state are then replaced as for the first.
 */
int replayer_apply_attached_process(struct replayer *r)
{
	struct replay_task *from = NULL, *c;
	uint64_t saved[X86_NREGS];
	pid_t live;
	int err;

	for (size_t i = 0; i < r->tasks.n && !from; i++)
		if (replay_task_running(r->tasks.all[i]))
			from = r->tasks.all[i];
	if (!from || replay_tasks_find(&r->tasks, r->ev.tid)) {
		rw_error("%s: event %llu: an attached process %u the replay cannot make", r->in.path,
			 (unsigned long long)r->ev.seq, r->ev.tid);
		return -EBADMSG;
	}
	if ((err = tracee_get_regs(&from->t, saved)) < 0 ||
	    (err = tracee_fork_at(&from->t, REWIND_INJECT_PAGE, saved, &live)) < 0 ||
	    (err = tracee_set_regs(&from->t, saved)) < 0) {
		rw_error("event %llu: cannot make attached process %u: %s",
			 (unsigned long long)r->ev.seq, r->ev.tid, strerror(-err));
		return err;
	}
	if (!(c = replay_tasks_add(&r->tasks, r->ev.tid, r->ev.tid, live, r->xsave_len)))
		return -ENOMEM;
	c->dr_gen = r->debug.watch_gen - 1;
	c->t.stop = TRACEE_STOP_OTHER;
	c->has_altstack = false;
	c->rseq = (struct x86_rseq_area){0};
	if ((err = replayer_switch_task(r, r->ev.tid)) < 0 || (err = replayer_apply_exec(r)) < 0)
		return err;
	return replayer_apply_attach(r);
}
