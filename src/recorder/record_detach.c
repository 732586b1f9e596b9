/*
 * rec -p's end: when rewind is told to stop, every task of the attached
 * processes is brought to a stop, what rewind changed in it is put back
 * (CPUs, TSC mode, rseq, the vDSO, rewind's pages, a call it answered) and
 * its detach recorded; then all are let go. Threads made or ended on the
 * way are let go or recorded as they end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "recorder/record.h"
#include "recorder/recorder.h"

/* Timer interruptions of the wait for one thread's stop: minutes of the stop's poll. */
#define MAX_INTERRUPTIONS 10000

/* Whether a SIGSTOP is pending for thread tid (rewind's own, to interrupt it). */
static bool stop_pending(pid_t tid)
{
	char path[64], line[256];
	bool pending = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", tid, tid);
	if (!(f = fopen(path, "re")))
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigPnd:", 7) || !strncmp(line, "ShdPnd:", 7))
			pending |= (strtoull(line + 7, NULL, 16) >> (SIGSTOP - 1)) & 1;
	fclose(f);
	return pending;
}

/*
 * t is at the entry stop of a syscall not recorded (at_entry), or at the
 * exit stop of one rewind answers there, which the kernel skipped: back at
 * its syscall instruction (the kernel skipping it from the entry), it makes
 * that call once let go, to the kernel, instead of one the trace lacks or
 * returning what the kernel left in rax.
 */
static void rerun_syscall(struct recorder_task *t, bool at_entry)
{
	uint64_t regs[X86_NREGS];

	if (tracee_get_regs(&t->t, regs) < 0)
		return;
	regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
	regs[X86_RAX] = at_entry ? regs[X86_ORIG_RAX] : t->entry_regs[X86_ORIG_RAX];
	regs[X86_ORIG_RAX] = (uint64_t)-1;
	tracee_set_regs(&t->t, regs);
}

static void rerun_answered(struct recorder_task *t)
{
	t->cur_emulated = false;
	rerun_syscall(t, false);
}

static void ignore_stop(void *arg, int st)
{
	(void)arg;
	(void)st;
}

/*
 * A thread or process that t made while being brought to a stop, never
 * recorded: at its first stop it gets t's CPUs and TSC mode back (a process
 * also loses rewind's pages) and is let go at once. A vfork's parent stops
 * only once this child has gone on.
 */
static void let_go_child(struct recorder_task *t, pid_t pid, bool process)
{
	uint64_t regs[X86_NREGS];
	struct tracee c;
	int64_t ret;
	int st, err = 0;
	const uint64_t tsc[4] = {PR_SET_TSC,
				 (uint64_t)(t->attach_tsc ? t->attach_tsc : PR_TSC_ENABLE)};
	const uint64_t scratch[4] = {SCRATCH_BASE, SCRATCH_SIZE * SCRATCH_SLOTS};
	const uint64_t page[4] = {REWIND_INJECT_PAGE, 4096};

	while (waitpid(pid, &st, __WALL) < 0)
		if (errno != EINTR)
			return;
	if (!WIFSTOPPED(st))
		return;
	tracee_init(&c, pid);
	c.stop = TRACEE_STOP_OTHER;
	if (sched_setaffinity(pid, sizeof(t->cpus), (const cpu_set_t *)t->cpus) < 0)
		rw_warn("thread %d: cannot give it its CPUs back: %s", pid, strerror(errno));
	if ((err = tracee_get_regs(&c, regs)) == 0)
		err = tracee_inject_past_signals(&c, REWIND_INJECT_PAGE, regs, SYS_prctl, tsc, &ret,
						 ignore_stop, NULL);
	if (!err && process)
		err = tracee_inject_past_signals(&c, REWIND_INJECT_PAGE, regs, SYS_munmap, scratch,
						 &ret, ignore_stop, NULL);
	if (!err && process)
		err = tracee_inject_past_signals(&c, REWIND_INJECT_PAGE, regs, SYS_munmap, page,
						 &ret, ignore_stop, NULL);
	if (!err)
		err = tracee_set_regs(&c, regs);
	if (err)
		rw_warn("rec: %s %d, made while letting process %d go: cannot give back what "
			"rewind changed: %s",
			process ? "process" : "thread", pid, t->tgid, strerror(-err));
	ptrace(PTRACE_DETACH, pid, 0, 0);
}

/*
 * Brings t to the stop of a PTRACE_INTERRUPT: through the stops that come
 * first (the syscall it was let into runs on, a signal is delivered as it
 * would be natively, a thread or process it makes is let go), or to the
 * stop of a SIGSTOP rewind sent to preempt it, which is dropped there.
 * Any stop takes the place of the interrupt's (ptrace_stop clears a pending
 * one), so it is asked again before each resumption.
 * 1 when it is there, 0 when it ended (*status its wait status), or a
 * negative errno.
 */
static int reach_interrupt(struct recorder *r, struct recorder_task *t, int *status)
{
	bool in_syscall = t->state == TASK_IN_SYSCALL;

	for (int tries = 0, interrupted = 0; tries < 1000; tries++) {
		int st, sig = 0, event;
		unsigned long child;

		/* A timer's interruption is no try: the thread may wait long for a CPU. */
		while (waitpid(t->t.tid, &st, __WALL) < 0)
			if (errno != EINTR || ++interrupted > MAX_INTERRUPTIONS)
				return -errno;
		if (!WIFSTOPPED(st)) {
			*status = st;
			return 0;
		}
		event = st >> 16;
		/* rewind's SIGSTOP still to come is taken first, and t let go at its stop. */
		if (event == PTRACE_EVENT_STOP && !stop_pending(t->t.tid))
			return 1;
		/* A SIGSTOP here is one of rewind's (a preemption, a time limit). */
		if (!event && WSTOPSIG(st) == SIGSTOP)
			return 1;
		if (!event && WSTOPSIG(st) != (SIGTRAP | 0x80))
			sig = WSTOPSIG(st);
		if (!event && WSTOPSIG(st) == (SIGTRAP | 0x80) && in_syscall && t->cur_emulated)
			rerun_answered(t); /* its exit stop */
		else if (!event && WSTOPSIG(st) == (SIGTRAP | 0x80) && !in_syscall)
			rerun_syscall(t, true); /* the entry of a syscall made in user code */
		in_syscall = false;
		if ((event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
		     event == PTRACE_EVENT_VFORK) &&
		    ptrace(PTRACE_GETEVENTMSG, t->t.tid, 0, &child) == 0 &&
		    !recorder_attach_find_task(r, (pid_t)child))
			let_go_child(t, (pid_t)child, event != PTRACE_EVENT_CLONE);
		if (event != PTRACE_EVENT_STOP)
			ptrace(PTRACE_INTERRUPT, t->t.tid, 0, 0);
		if (ptrace(PTRACE_CONT, t->t.tid, 0, sig) < 0)
			return errno == ESRCH ? 0 : -errno;
	}
	return -EPROTO;
}

/*
 * The CPUs to give t back: its own, or for a thread whose clone rewind had
 * not handled yet, its process's first thread's (else rewind's own).
 */
static const cpu_set_t *cpus_of(const struct recorder *r, const struct recorder_task *t)
{
	const struct recorder_task *from = t;

	for (size_t i = 0; i < r->ntasks && !CPU_COUNT((const cpu_set_t *)from->cpus); i++)
		if (r->tasks[i]->tgid == t->tgid)
			from = r->tasks[i];
	if (!CPU_COUNT((const cpu_set_t *)from->cpus))
		return (const cpu_set_t *)r->cpus;
	return (const cpu_set_t *)from->cpus;
}

/*
 * A thread inside one of the vDSO's patched functions (mov $nr, %eax;
 * syscall; ret) when the vDSO's own bytes come back would run the middle
 * of other instructions: one before the syscall goes back to the function's
 * start (its arguments are untouched), one after it returns.
 */
static int leave_vdso_stub(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	uint64_t ip = regs[X86_RIP];
	uint8_t code[8];

	for (size_t i = 0; i < r->nattach_procs; i++) {
		const struct recorder_attached *p = &r->attach_procs[i];

		if (p->tgid != t->tgid || !p->vdso || ip < p->vdso + 5 ||
		    ip >= p->vdso + p->vdso_len)
			continue;
		if (tracee_read_mem(&t->t, ip - 5, code, 8) < 0)
			return 0;
		if (code[0] == 0xb8 && code[5] == 0x0f && code[6] == 0x05)
			regs[X86_RIP] = ip - 5;
		else if (code[3] == 0x0f && code[4] == 0x05 && code[5] == 0xc3) {
			if (tracee_read_mem(&t->t, regs[X86_RSP], &regs[X86_RIP], 8) < 0)
				return -EFAULT;
			regs[X86_RSP] += 8;
		}
	}
	return 0;
}

/* Puts back the thread's CPUs, rdtsc and rseq registration; the scratch pointers of its call. */
static int give_back_thread(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	int64_t ret;
	int err;

	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (t->scratch_active) {
		int64_t res = x86_regs_result(regs);

		if (res == -ERESTARTSYS || res == -ERESTARTNOINTR || res == -ERESTARTNOHAND ||
		    res == -ERESTART_RESTARTBLOCK) {
			static const int arg_reg[6] = {X86_RDI, X86_RSI, X86_RDX,
						       X86_R10, X86_R8,	 X86_R9};

			for (int i = 0; i < 6; i++)
				regs[arg_reg[i]] = t->scratch_entry[arg_reg[i]];
			t->scratch_active = false;
		} else if ((err = recorder_scratch_exit(r, t)) < 0 ||
			   (err = tracee_get_regs(&t->t, regs)) < 0)
			return err;
	}
	recorder_attach_rewind_restart(t, regs);
	if ((err = leave_vdso_stub(r, t, regs)) < 0)
		return err;
	if (sched_setaffinity(t->t.tid, sizeof(t->cpus), cpus_of(r, t)) < 0)
		rw_warn("thread %d: cannot give it its CPUs back: %s", t->t.tid, strerror(errno));
	if ((err = recorder_attach_inject(t, regs, SYS_prctl, PR_SET_TSC,
					  (uint64_t)(t->attach_tsc ? t->attach_tsc : PR_TSC_ENABLE),
					  0, 0, &ret)) < 0)
		return err;
	if (t->rseq.addr && (err = recorder_attach_inject(t, regs, SYS_rseq, t->rseq.addr,
							  t->rseq.len, 0, t->rseq.sig, &ret)) < 0)
		return err;
	if (t->rseq.addr && ret < 0)
		rw_warn("thread %d: its rseq area is not registered again: %s", t->t.tid,
			strerror((int)-ret));
	return tracee_set_regs(&t->t, regs);
}

/* Takes rewind's pages out of the process and puts its vDSO back. */
static int give_back_process(struct recorder *r, struct recorder_task *t,
			     const uint64_t regs[X86_NREGS])
{
	int64_t ret;
	int err;

	for (size_t i = 0; i < r->nattach_procs; i++)
		if (r->attach_procs[i].tgid == t->tgid && r->attach_procs[i].vdso)
			tracee_write_mem(&t->t, r->attach_procs[i].vdso,
					 r->attach_procs[i].vdso_was, r->attach_procs[i].vdso_len);
	if ((err = recorder_attach_inject(t, regs, SYS_munmap, SCRATCH_BASE,
					  SCRATCH_SIZE * SCRATCH_SLOTS, 0, 0, &ret)) < 0 ||
	    (err = recorder_attach_inject(t, regs, SYS_munmap, REWIND_INJECT_PAGE, 4096, 0, 0,
					  &ret)) < 0)
		return err;
	return tracee_set_regs(&t->t, regs);
}

static int record_detach(struct recorder *r, struct recorder_task *t)
{
	static const uint64_t none[X86_NREGS];

	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_EXIT, none);
	for (size_t i = 0; i < r->history.n; i++)
		if (r->history.threads[i].tid == (uint32_t)t->t.tid)
			memcpy(r->eb.regs, r->history.threads[i].regs, sizeof(r->eb.regs));
	r->eb.flags = EVF_DETACHED;
	trace_event_add_exit(&r->eb, SIGKILL);
	return recorder_emit(r);
}

/* Brings every task to an interrupt stop; those that ended meanwhile are marked dying. */
static int stop_all(struct recorder *r)
{
	int err, first_err = 0, status = 0;

	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *t = r->tasks[i];

		if (t->state == TASK_DYING || ptrace(PTRACE_INTERRUPT, t->t.tid, 0, 0) < 0)
			continue;
		if (t->exit_deferred && t->cur_emulated)
			rerun_answered(t);
		if (t->state == TASK_READY || t->state == TASK_NEW || t->exit_deferred)
			ptrace(PTRACE_CONT, t->t.tid, 0, t->pass_sig);
	}
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *t = r->tasks[i];

		if (t->state == TASK_DYING)
			continue;
		if ((err = reach_interrupt(r, t, &status)) < 0) {
			rw_error("rec: thread %d: no stop to let it go at: %s", t->t.tid,
				 strerror(-err));
			first_err = first_err ? first_err : err;
		}
		/* Ended on the way (an exit it was in): its death is in the trace as any other. */
		if (!err && t->tgid && (err = recorder_record_death(r, t, status)) < 0)
			first_err = first_err ? first_err : err;
		if (err <= 0)
			t->state = TASK_DYING; /* ended, or nothing more can be done with it */
	}
	return first_err;
}

/* Lets every task go, with its signal mask back and the signals kept for it sent again. */
static int let_go(struct recorder *r, const uint64_t *masks, int err)
{
	/* A process's first thread is reported after its others: so it is recorded. */
	for (int leaders = 0; leaders < 2; leaders++)
		for (size_t i = 0; i < r->ntasks; i++) {
			struct recorder_task *t = r->tasks[i];

			if ((t->t.tid == t->tgid) != leaders || t->state == TASK_DYING)
				continue;
			if (!err && t->tgid)
				err = record_detach(r, t);
			if (masks) {
				uint64_t mask = masks[i] & ~t->sigmask_added;

				ptrace(PTRACE_SETSIGMASK, t->t.tid, sizeof(mask), &mask);
			}
			for (size_t h = 0; h < t->nheld; h++)
				syscall(SYS_tgkill, t->tgid, t->t.tid, t->held[h].info.si_signo);
			if (t->attach_stop_sig)
				syscall(SYS_tgkill, t->tgid, t->t.tid, t->attach_stop_sig);
			ptrace(PTRACE_DETACH, t->t.tid, 0, 0);
		}
	if (err)
		rw_error("rec: letting the attached processes go: %s", strerror(-err));
	return err;
}

/* Whether a task before the i-th of its process gave the process back already. */
static bool process_given_back(const struct recorder *r, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (r->tasks[j]->tgid == r->tasks[i]->tgid && r->tasks[j]->gave_back_process)
			return true;
	return false;
}

int recorder_detach_all(struct recorder *r)
{
	uint64_t regs[X86_NREGS], *masks;
	int err = 0, err2;

	/* No time limit or slice may send a task another SIGSTOP now. */
	recorder_sched_tick(r, false);
	recorder_time_limit(r, false);
	r->running = NULL;
	for (size_t i = 0; i < r->ntasks; i++)
		r->tasks[i]->t.on_wait_interrupted = NULL;
	/* What fails for one task is said and the others still let go: none is left traced. */
	err = stop_all(r);
	masks = xcalloc(r->ntasks, sizeof(*masks));
	if ((err2 = recorder_attach_block_signals(r, 0, r->ntasks, masks, true)) < 0) {
		rw_error("rec: cannot block the signals of the attached threads: %s",
			 strerror(-err2));
		free(masks);
		masks = NULL; /* none was changed */
		err = err ? err : err2;
	}
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->state != TASK_DYING &&
		    (err2 = give_back_thread(r, r->tasks[i], regs)) < 0) {
			rw_error("rec: thread %d: cannot give back what rewind changed: %s",
				 r->tasks[i]->t.tid, strerror(-err2));
			err = err ? err : err2;
		}
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *t = r->tasks[i];

		/* A thread whose clone rewind had not seen yet (tgid 0) is its process's too. */
		if (t->state == TASK_DYING || !t->tgid || process_given_back(r, i))
			continue;
		if ((err2 = tracee_get_regs(&t->t, regs)) == 0 &&
		    (err2 = give_back_process(r, t, regs)) == 0)
			t->gave_back_process = true;
		else
			rw_error("rec: process %d: cannot take rewind's pages out through thread "
				 "%d: %s",
				 t->tgid, t->t.tid, strerror(-err2));
	}
	err = let_go(r, masks, err);
	free(masks);
	return err;
}
