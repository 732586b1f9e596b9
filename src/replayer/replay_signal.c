/*
 * Events met inside the program's own code: a recorded signal (sent again
 * at the same boundary, or at the execution point the recording delivered
 * it at, then compared at its delivery stop and stepped into its handler),
 * an rdtsc that trapped, and a preemption point (EV_SCHED).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/syscall_table.h"
#include "arch/x86_64/tsc.h"
#include "common/log.h"
#include "replayer/replayer.h"

/* The recorded rdtsc/rdtscp in r->ev: the tracee must fault on one with the same registers. */
int replayer_apply_rdtsc(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t live[X86_NREGS];
	uint8_t code[3] = {0};
	int st, len, rdtscp, err;

	err = replayer_reach(r, PTRACE_SYSEMU, &st);
	if (err != REPLAY_REACHED)
		return err < 0 ? err : 2;
	if ((err = replayer_sysbuf_settle(r)) < 0)
		return err;
	if (t->stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSEGV)
		return replayer_unexpected_stop(r, "an rdtsc trap");
	if ((err = tracee_get_regs(t, live)) < 0)
		return err;
	tracee_read_mem_partial(t, live[X86_RIP], code, sizeof(code));
	len = x86_tsc_insn_len(code, &rdtscp);
	if (!len || !x86_tsc_regs_match(r->ev.regs, live, len, rdtscp)) {
		uint64_t expect[X86_NREGS];

		memcpy(expect, r->ev.regs, sizeof(expect));
		expect[X86_RIP] -= (uint64_t)(len ? len : 2);
		expect[X86_RAX] = live[X86_RAX];
		expect[X86_RDX] = live[X86_RDX];
		if (rdtscp)
			expect[X86_RCX] = live[X86_RCX];
		return replayer_diverged(r, expect, live,
					 len ? "rdtsc" : "rdtsc (no rdtsc at rip)");
	}
	/* The SIGSEGV is not delivered: the next resume passes signal 0. */
	if ((err = tracee_set_regs(t, r->ev.regs)) < 0)
		return err;
	/* Run with the trap flag: the recording's SIGTRAP after it, due at the next resume. */
	if (x86_tsc_single_step_trap(r->ev.regs) && syscall(SYS_tkill, t->tid, SIGTRAP) < 0)
		return -errno;
	return 0;
}

/*
 * Compares the live XSAVE area with the recorded one component by
 * component (the header and the software bytes aside: the kernel fills
 * components not in use with their init values, so contents compare).
 */
static int check_xsave(struct replayer *r, const char *what)
{
	struct tracee *t = &r->tasks.cur->t;
	int n = tracee_get_xsave(t, r->xsave, r->xsave_len);

	if (n < 0)
		return n;
	for (int b = x86_xsave_next_block(&r->layout, -1); b >= 0;
	     b = x86_xsave_next_block(&r->layout, b)) {
		uint32_t off, len, first;

		if (b == X86_XBLOCK_HEADER || b == X86_XBLOCK_LEGACY_REST)
			continue;
		x86_xsave_block_range(&r->layout, b, &off, &len);
		if (off + len > (uint32_t)n ||
		    !memcmp(r->xsave + off, r->tasks.cur->rec_xsave + off, len))
			continue;
		for (first = 0; r->xsave[off + first] == r->tasks.cur->rec_xsave[off + first];
		     first++)
			;
		rw_error("divergence at event %llu (%s): XSAVE component %s differs at byte %u of "
			 "it: recorded 0x%02x, replay 0x%02x",
			 (unsigned long long)r->ev.seq, what, x86_xsave_component_name(b), first,
			 r->tasks.cur->rec_xsave[off + first], r->xsave[off + first]);
		return -EPROTO;
	}
	return 0;
}

int replayer_check_xsave(struct replayer *r, const char *what)
{
	int err = check_xsave(r, what);

	return err < 0 ? err : 1;
}

static int read_tracee_cb(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return tracee_read_mem(opaque, addr, buf, len);
}

/*
 * A signal that interrupted a syscall that installs a signal mask for its
 * duration (SYSF_SIGMASK: rt_sigsuspend, pselect6, ppoll, epoll_pwait) was
 * let through by that mask; the kernel keeps it until the delivery. Replay
 * emulated the syscall, so the mask is set here (the handler's frame then
 * gets the recorded one, saved mask included, from the trace).
 */
static int apply_syscall_sigmask(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	struct replay_task *task = r->tasks.cur;
	uint64_t args[6], mask, ptr;
	int64_t ret = task->last_result;

	if (!task->last_valid || (ret != -EINTR && ret != -ERESTARTSYS && ret != -ERESTARTNOHAND))
		return 0;
	task->last_valid = false;
	x86_regs_args(task->last_entry, args);
	ptr =
	    x86_syscall_temp_sigmask((long)task->last_entry[X86_ORIG_RAX], args, read_tracee_cb, t);
	if (!ptr || tracee_read_mem(t, ptr, &mask, sizeof(mask)) < 0)
		return 0;
	if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(mask), &mask) < 0)
		return -errno;
	return 0;
}

/*
 * Brings the thread to where the recording delivered the signal in r->ev
 * and sends it: run to its execution point or restore its state there,
 * the mask of the syscall it interrupted put in place. 0, 2 at a debugger
 * stop on the way, or negative errno.
 */
static int prepare_signal(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	int flags = (int)r->ev.flags, err;

	if (flags & EVF_RUN_TO) {
		/* Delivered where the recording stopped the thread: run it there. */
		if ((err = replayer_write_mem(r)) < 0 || (err = replayer_run_to_point(r)) != 0)
			return err;
	} else if (flags & EVF_EXEC_POINT) {
		/*
		 * The recording delivered it at an arbitrary instruction: restore
		 * the thread there (pages changed since the last execution point,
		 * registers, XSAVE area) rather than hunt for the point.
		 */
		if ((err = replayer_write_mem(r)) < 0 ||
		    (err = tracee_set_regs(t, r->ev.regs)) < 0 ||
		    (err = tracee_set_xsave(t, r->tasks.cur->rec_xsave, r->xsave_len)) < 0)
			return err;
	}
	if ((err = apply_syscall_sigmask(r)) < 0)
		return err;
	/* A fault happens again by itself; any other signal is sent now, as it was recorded. */
	if (!(flags & EVF_SIGNAL_SYNC) && syscall(SYS_tkill, t->tid, r->ev.signo) < 0)
		return -errno;
	return 0;
}

/* The handled signal in r->ev: stepped into its handler, whose entry is the next event. */
static int enter_handler(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t live[X86_NREGS];
	int st = tracee_resume(t, PTRACE_SINGLESTEP, r->ev.signo), err;

	if (st < 0)
		return st;
	if ((err = replayer_next_event(r)) <= 0)
		return err < 0 ? err : -ENODATA;
	if (r->ev.kind == EV_EXIT)
		return replayer_check_exit(r, st);
	if (r->ev.kind != EV_SIGNAL_HANDLER) {
		rw_error("%s: event %llu: expected a signal handler's entry, found %s", r->in.path,
			 (unsigned long long)r->ev.seq, trace_event_kind_name(r->ev.kind));
		return -EBADMSG;
	}
	if (t->stop != TRACEE_STOP_OTHER || WSTOPSIG(st) != SIGTRAP)
		return replayer_unexpected_stop(r, "the entry of a signal handler");
	if ((err = tracee_get_regs(t, live)) < 0)
		return err;
	if (memcmp(live, r->ev.regs, sizeof(live)))
		return replayer_diverged(r, r->ev.regs, live, "signal handler entry");
	return replayer_write_mem(r);
}

/*
 * At the delivery stop of the signal in r->ev, the thread's registers
 * live: an rseq critical section aborted as recorded, the recorded siginfo
 * set, and the signal delivered.
 */
static int deliver_signal(struct replayer *r, uint64_t live[X86_NREGS], const char *what)
{
	struct replay_task *task = r->tasks.cur;
	uint8_t siginfo[128] = {0};
	int signo = r->ev.signo, err;

	memcpy(siginfo, r->ev.siginfo, r->ev.siginfo_len < 128 ? r->ev.siginfo_len : 128);
	if (r->ev.flags & EVF_RSEQ_CS) {
		if (x86_rseq_interrupt(&task->t, &task->rseq, live) != 1) {
			rw_error("divergence at event %llu (%s): the recording aborted an rseq "
				 "critical section here, the replay is not in one",
				 (unsigned long long)r->ev.seq, what);
			return -EPROTO;
		}
		if ((err = tracee_set_regs(&task->t, live)) < 0)
			return err;
	} else {
		/* Clears a stale rseq_cs, as recorded. */
		x86_rseq_interrupt(&task->t, &task->rseq, live);
	}
	if (ptrace(PTRACE_SETSIGINFO, task->t.tid, 0, siginfo) < 0)
		return -errno;
	if (!(r->ev.flags & EVF_SIGNAL_HANDLED)) {
		/*
		 * A stop signal's default action stopped the recorded process, which
		 * the recorder let run on (its parent's wait is emulated here).
		 */
		bool stops =
		    signo == SIGSTOP || signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU;

		task->pass_sig = stops ? 0 : signo;
		return 0;
	}
	return enter_handler(r);
}

/* The signal the trace says arrives now (r->ev is its EV_SIGNAL). */
int replayer_apply_signal(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t live[X86_NREGS];
	int signo = r->ev.signo, st, err;
	bool fatal;
	char what[64];

	snprintf(what, sizeof(what), "%s", strsignal(signo));
	if (r->progress.pending_at_stop) {
		/* Reported to the debugger at its delivery stop: deliver it now. */
		r->progress.pending_at_stop = false;
		if ((err = tracee_get_regs(t, live)) < 0)
			return err;
		return deliver_signal(r, live, what);
	}
	if (!r->progress.pending_prepared && (err = prepare_signal(r)) != 0)
		return err;
	r->progress.pending_prepared = true;
	err = replayer_reach(r, PTRACE_SYSEMU, &st);
	if (err != REPLAY_REACHED)
		return err < 0 ? err : 2;
	if ((err = replayer_sysbuf_settle(r)) < 0)
		return err;
	if (t->stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != signo)
		return replayer_unexpected_stop(r, what);
	if ((err = tracee_get_regs(t, live)) < 0)
		return err;
	if (memcmp(live, r->ev.regs, sizeof(live)))
		return replayer_diverged(r, r->ev.regs, live, what);
	if ((err = check_xsave(r, what)) < 0)
		return err;
	/*
	 * A fault without a handler kills the process (the kernel does not
	 * let it be blocked or ignored): its history ends here, where the
	 * debugger can still look, as in front of an exit, even when the
	 * debugger lets that signal pass.
	 */
	fatal = r->debug.stop_before_exit && (r->ev.flags & EVF_SIGNAL_SYNC) &&
		!(r->ev.flags & EVF_SIGNAL_HANDLED);
	if (replayer_reports_signal(r, signo, fatal)) {
		r->progress.pending_at_stop = true;
		r->debug.stop.kind = REPLAY_STOP_SIGNAL;
		r->debug.stop.signo = signo;
		if (fatal)
			r->progress.at_end = true;
		return 2;
	}
	return deliver_signal(r, live, what);
}

/*
 * The current task was preempted here while recording: run it to the point
 * (EV_SCHED), or, in traces before 2.2, restore its state there.
 */
int replayer_apply_sched(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	int err;

	/* Memory at a point replay runs to: other processes' changes to shared files, written
	 * first. */
	if (r->ev.flags & EVF_RUN_TO)
		return (err = replayer_write_mem(r)) < 0 ? err : replayer_run_to_point(r);
	if ((err = replayer_write_mem(r)) < 0 || (err = tracee_set_regs(t, r->ev.regs)) < 0 ||
	    (err = tracee_set_xsave(t, r->tasks.cur->rec_xsave, r->xsave_len)) < 0)
		return err;
	return 0;
}
