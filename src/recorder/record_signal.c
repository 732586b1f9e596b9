/*
 * Signals while recording. A synchronous fault (SIGSEGV, SIGFPE, ... raised
 * by the instruction at rip) is recorded where it happens: replay runs the
 * same instruction and faults again. Any other signal is recorded only at a
 * syscall boundary, where replay can make it arrive at the same point: one
 * that arrives while user code runs is held back (POSIX allows the delay)
 * and sent again, with its original siginfo, at the thread's next syscall
 * exit. A signal with a handler is delivered with PTRACE_SINGLESTEP so the
 * thread stops at the handler's first instruction, and the frame the kernel
 * wrote is recorded (EV_SIGNAL_HANDLER).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libunwind-ptrace.h>

#include "arch/x86_64/tsc.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "recorder/recorder.h"

#define SIGINFO_SIZE 128

static bool is_sync_fault(const siginfo_t *si)
{
	switch (si->si_signo) {
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
		return si->si_code > 0; /* raised by the kernel for this instruction */
	case SIGSYS:
		/*
		 * A seccomp filter's SECCOMP_RET_TRAP (or KILL): raised at the
		 * syscall's exit, so it is delivered at that boundary. Replay runs
		 * no filter (the syscall is emulated): it sends the signal there
		 * and gives it the recorded siginfo.
		 */
		return false;
	default:
		return false;
	}
}

static bool sig_in(uint64_t mask, int sig)
{
	return sig >= 1 && sig <= 64 && (mask >> (sig - 1)) & 1;
}

bool recorder_signal_kills_by_default(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return false;
	default:
		return true;
	}
}

/* Prints where a thread is about to die: the signal and a backtrace through libunwind. */
static void print_death(struct recorder *r, struct recorder_task *t, const siginfo_t *si,
			const uint64_t regs[X86_NREGS])
{
	unw_addr_space_t as = unw_create_addr_space(&_UPT_accessors, 0);
	void *upt = _UPT_create(t->t.tid);
	unw_cursor_t cursor;

	rw_error("pid %d was killed by %s (signal %d, code %d) at rip 0x%llx, address 0x%llx",
		 t->t.tid, strsignal(si->si_signo), si->si_signo, si->si_code,
		 (unsigned long long)regs[X86_RIP], (unsigned long long)(uintptr_t)si->si_addr);
	if (as && upt && unw_init_remote(&cursor, as, upt) == 0) {
		for (int depth = 0; depth < 64; depth++) {
			unw_word_t ip, off;
			char name[256];

			if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0)
				break;
			if (unw_get_proc_name(&cursor, name, sizeof(name), &off) == 0)
				fprintf(stderr, "rewind:   #%d 0x%016llx in %s+0x%llx\n", depth,
					(unsigned long long)ip, name, (unsigned long long)off);
			else
				fprintf(stderr, "rewind:   #%d 0x%016llx in ??\n", depth,
					(unsigned long long)ip);
			if (unw_step(&cursor) <= 0)
				break;
		}
	}
	if (upt)
		_UPT_destroy(upt);
	if (as)
		unw_destroy_addr_space(as);
}

/*
 * The frame the kernel wrote for a handler: from the new rsp up to the end
 * of the saved FPU/XSAVE state (whose pointer is in the ucontext, with its
 * size in the software bytes at 464 of the area).
 */
static void add_frame(struct recorder *r, struct recorder_task *t, const uint64_t regs[X86_NREGS])
{
	uint64_t rsp = regs[X86_RSP], fpstate = 0, end = rsp + 8 + 936 + SIGINFO_SIZE;
	uint32_t sw[2];

	/* rt_sigframe: pretcode, then ucontext (uc_mcontext at 40, fpstate at 40+184). */
	if (tracee_read_mem(&t->t, rsp + 8 + 40 + 184, &fpstate, sizeof(fpstate)) == 0 &&
	    fpstate > rsp && fpstate - rsp < (1u << 20) &&
	    tracee_read_mem(&t->t, fpstate + 464, sw, sizeof(sw)) == 0 &&
	    sw[0] == 0x46505853u /* FP_XSTATE_MAGIC1 */ && sw[1] < (1u << 20))
		end = fpstate + sw[1];
	else if (fpstate > rsp && fpstate - rsp < (1u << 20))
		end = fpstate + 512;
	rw_buf_reset(&r->scratch);
	rw_buf_reserve(&r->scratch, end - rsp);
	r->scratch.len = tracee_read_mem_partial(&t->t, rsp, r->scratch.data, end - rsp);
	trace_event_add_mem(&r->eb, rsp, r->scratch.data, r->scratch.len);
}

/*
 * The flags the frame saved, with the trap flag as the program had it
 * (was_tf): delivered by a single step from a popf or iret, the kernel
 * takes the step's trap flag for the program's (is_setting_trap_flag) and
 * saves it, and the handler's return would set it.
 */
static int frame_flags(struct recorder_task *t, uint64_t rsp, bool was_tf)
{
	/* rt_sigframe: pretcode, the ucontext; uc_mcontext at 40 of it, eflags at 136 of that. */
	uint64_t addr = rsp + 8 + 40 + 136, flags;
	int err;

	if ((err = tracee_read_mem(&t->t, addr, &flags, sizeof(flags))) < 0 ||
	    !(flags & X86_EFLAGS_TF) || was_tf)
		return err;
	flags &= ~X86_EFLAGS_TF;
	if ((err = tracee_write_mem(&t->t, addr, &flags, sizeof(flags))) < 0)
		rw_error("pid %d: cannot clear the trap flag in its signal frame at 0x%llx",
			 t->t.tid, (unsigned long long)addr);
	return err;
}

/* Records the delivery of a signal at this stop and delivers it. Returns the signal to pass on
 * resume. */
static int deliver(struct recorder *r, struct recorder_task *t, const siginfo_t *si, bool sync,
		   int exec_point, int *pass_sig)
{
	uint64_t regs[X86_NREGS];
	bool handled, ignored, was_tf;
	int err, st;

	*pass_sig = 0;
	recorder_unblock_held(t); /* the handler's frame saves the program's own mask */
	/* A tracer inside the recording sees it first (or an interrupted wait takes it back). */
	if (exec_point && t->ptrace.tracer) {
		/*
		 * Its stop for the tracer is recorded with no way there of its own:
		 * an EV_SCHED brings replay to the point first (a thread computing
		 * is stopped there by its tracer's PTRACE_INTERRUPT, say).
		 */
		if ((err = recorder_exec_point_event(r, t, exec_point)) < 0)
			return err;
		exec_point = 0;
	}
	if ((err = recorder_ptrace_signal_stop(r, t, si, sync)) != 0)
		return err < 0 ? err : 0;
	handled = sig_in(procstatus_mask(t->t.tid, "SigCgt:"), si->si_signo);
	ignored = sig_in(procstatus_mask(t->t.tid, "SigIgn:"), si->si_signo);

	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SIGNAL, regs);
	r->eb.flags |= (sync ? EVF_SIGNAL_SYNC : 0) | (handled ? EVF_SIGNAL_HANDLED : 0) |
		       (exec_point ? EVF_EXEC_POINT : 0) |
		       (exec_point == EXEC_POINT_RUN_TO ? EVF_RUN_TO : 0);
	if (exec_point == EXEC_POINT_RUN_TO)
		recorder_shared_marked(r, t); /* written before replay runs to the point */
	if (exec_point == EXEC_POINT_RUN_TO && (err = recorder_add_fingerprint(r, t, regs)) < 0)
		return err;
	if (exec_point == EXEC_POINT_RESTORE && (err = recorder_add_exec_point_pages(r, t)) < 0)
		return err;
	/* What the kernel does to an rseq critical section at signal delivery (regs as before it).
	 */
	err = x86_rseq_interrupt(&t->t, &t->rseq, regs);
	if (err == 1) {
		r->eb.flags |= EVF_RSEQ_CS;
		if ((err = tracee_set_regs(&t->t, regs)) < 0)
			return err;
	} else if (err == -EPERM) {
		rw_warn("pid %d: rseq abort handler without the registered signature", t->t.tid);
	}
	trace_event_add_signal(&r->eb, si->si_signo);
	trace_event_add_siginfo(&r->eb, si, SIGINFO_SIZE);
	if ((err = recorder_add_xsave(r, t, true)) < 0 || (err = recorder_emit(r)) < 0)
		return err;
	t->at_boundary = t->at_boundary && !handled;
	if (!handled) {
		/* The program's own end is reported; its children's are its business (a shell's
		 * pipeline ends with SIGPIPE as a matter of course). */
		if (!ignored && recorder_signal_kills_by_default(si->si_signo) &&
		    t->t.tid == r->first_pid)
			print_death(r, t, si, regs);
		*pass_sig = si->si_signo;
		return 0;
	}
	/* Stop at the handler's first instruction, the frame written. */
	was_tf = (regs[X86_EFLAGS] & X86_EFLAGS_TF) != 0;
	st = tracee_resume(&t->t, PTRACE_SINGLESTEP, si->si_signo);
	if (st < 0)
		return st;
	if (t->t.stop == TRACEE_STOP_EXITED)
		return 1; /* the frame could not be written: the kernel killed it */
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP) {
		rw_error("pid %d: unexpected stop 0x%x delivering %s", t->t.tid, st,
			 strsignal(si->si_signo));
		return -EPROTO;
	}
	if ((err = tracee_get_regs(&t->t, regs)) < 0 ||
	    (err = frame_flags(t, regs[X86_RSP], was_tf)) < 0)
		return err;
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SIGNAL_HANDLER, regs);
	add_frame(r, t, regs);
	if ((err = recorder_add_xsave(r, t, false)) < 0 || (err = recorder_emit(r)) < 0)
		return err;
	t->handlers++;
	*pass_sig = 0;
	return 0;
}

/* The oldest held-back signal of t, taken off the list. */
static siginfo_t take_held(struct recorder_task *t)
{
	siginfo_t si = t->held[0].info;

	memmove(&t->held[0], &t->held[1], (t->nheld - 1) * sizeof(t->held[0]));
	t->nheld--;
	return si;
}

/* Whether the oldest held signal is blocked in t now: 1 if so, 0 if not, or a negative errno. */
static int held_blocked(struct recorder_task *t)
{
	uint64_t mask;

	if (ptrace(PTRACE_GETSIGMASK, t->t.tid, sizeof(mask), &mask) < 0)
		return -errno;
	return sig_in(mask & ~t->sigmask_added, t->held[0].info.si_signo) ? 1 : 0;
}

/* Our own kick (a SIGSTOP): a held-back signal waited too long. It is delivered here. */
static int kicked(struct recorder *r, struct recorder_task *t, int *pass_sig)
{
	uint64_t regs[X86_NREGS];
	int err, exec_point = EXEC_POINT_RUN_TO;
	siginfo_t si;

	t->kick_sent = false;
	if (!t->nheld || t->resend_pending)
		return 0;
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	err = recorder_in_vforked_mm(r, t) ? RECORDER_NO_SITE : recorder_step_to_site(r, t, regs);
	if (err == RECORDER_TASK_ENDED)
		return 1;
	if (err == RECORDER_NO_SITE) {
		exec_point = EXEC_POINT_RESTORE;
	} else if (err <= 0) {
		/* Its next event comes first, and delivers it; or try again later. */
		if (!err && t->nheld)
			recorder_time_limit(r, true);
		return err;
	}
	/* A held signal delivered at a stop met while stepping: none may be left. */
	if (!t->nheld)
		return 0;
	if ((err = held_blocked(t)) != 0) {
		/*
		 * Blocked now (by the handler of a signal delivered since it
		 * came): the kernel would only queue it again, and no handler
		 * would run. It waits for the syscall exit that unblocks it.
		 */
		t->held_blocked = err > 0;
		return err < 0 ? err : 0;
	}
	si = take_held(t);
	if (ptrace(PTRACE_SETSIGINFO, t->t.tid, 0, &si) < 0)
		return -errno;
	if (t->nheld)
		recorder_time_limit(r, true);
	return deliver(r, t, &si, false, exec_point, pass_sig);
}

/* Ours, after an emulated rdtsc: the single-step trap the CPU would raise. */
static int step_trap(struct recorder *r, struct recorder_task *t, int *pass_sig)
{
	uint64_t regs[X86_NREGS];
	siginfo_t si;
	int err;

	t->step_trap_sent = false;
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGTRAP;
	si.si_code = TRAP_TRACE;
	si.si_addr = (void *)(uintptr_t)regs[X86_RIP];
	if (ptrace(PTRACE_SETSIGINFO, t->t.tid, 0, &si) < 0)
		return -errno;
	return deliver(r, t, &si, true, 0, pass_sig);
}

/*
 * Whether a held signal may wait blocked in the kernel: a standard one that
 * no instruction, seccomp filter or terminal check raises (the kernel would
 * force those through a block, resetting their handler) and that a block
 * does not turn into an error (SIGTTIN, SIGTTOU).
 */
static bool blockable_while_held(int sig)
{
	switch (sig) {
	case SIGKILL:
	case SIGSTOP:
	case SIGCONT:
	case SIGTTIN:
	case SIGTTOU:
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
	case SIGSYS:
		return false;
	default:
		return sig > 0 && sig < SIGRTMIN;
	}
}

/*
 * A held standard signal is blocked in t's kernel mask until rewind sends
 * it again or delivers another: more of it (a timer faster than a ptrace
 * stop) stay pending and merge in the kernel, as natively while a signal
 * waits, instead of stopping t before each of its instructions. Not for a
 * thread traced inside the recording, whose tracer may read its mask.
 */
static void block_while_held(struct recorder_task *t, int sig)
{
	uint64_t mask, bit = 1ull << (sig - 1);

	if (!blockable_while_held(sig) || t->ptrace.tracer || (t->sigmask_added & bit))
		return;
	if (ptrace(PTRACE_GETSIGMASK, t->t.tid, sizeof(mask), &mask) < 0 || (mask & bit))
		return;
	mask |= bit;
	if (ptrace(PTRACE_SETSIGMASK, t->t.tid, sizeof(mask), &mask) == 0)
		t->sigmask_added |= bit;
}

void recorder_unblock_held(struct recorder_task *t)
{
	uint64_t mask;

	if (!t->sigmask_added)
		return;
	if (ptrace(PTRACE_GETSIGMASK, t->t.tid, sizeof(mask), &mask) == 0) {
		mask &= ~t->sigmask_added;
		ptrace(PTRACE_SETSIGMASK, t->t.tid, sizeof(mask), &mask);
	}
	t->sigmask_added = 0;
}

/* A signal that arrived while user code ran: held back until the next syscall exit. */
static int hold(struct recorder *r, struct recorder_task *t, int sig, const siginfo_t *si)
{
	block_while_held(t, sig);
	for (size_t i = 0; sig < SIGRTMIN && i < t->nheld; i++)
		if (t->held[i].info.si_signo == sig)
			return 0; /* a standard signal already pending: the kernel merges them too
				   */
	if (t->nheld == sizeof(t->held) / sizeof(t->held[0])) {
		if (!t->warned_held_full)
			rw_warn("pid %d: too many signals held back; %s is dropped, and so will be "
				"others while it computes faster than they are delivered",
				t->t.tid, strsignal(sig));
		t->warned_held_full = true;
		return 0;
	}
	t->held[t->nheld++].info = *si;
	if (t->nheld == 1) {
		t->held_blocked = false;
		recorder_time_limit(r, true);
	}
	rw_debug("pid %d: %s held back until the next syscall", t->t.tid, strsignal(sig));
	return 0;
}

static bool sent_by_rewind(const siginfo_t *si)
{
	return si->si_code == SI_TKILL && si->si_pid == getpid();
}

int recorder_signal_stop(struct recorder *r, struct recorder_task *t, int sig, int *pass_sig)
{
	siginfo_t si;

	*pass_sig = 0;
	if (ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si) < 0)
		return -errno;
	/*
	 * The descheduling event's, met here (a stop while the thread is
	 * stepped in user code, not in the buffered call it was armed for):
	 * never the program's, whatever it does with that signal.
	 */
	if (recorder_desched_is_signal(t, sig)) {
		rw_debug("pid %d: a descheduling event's signal outside a buffered call, dropped",
			 t->t.tid);
		return recorder_desched_drop(t);
	}
	if (sig == SIGSTOP && t->kick_sent)
		return kicked(r, t, pass_sig);
	if (sig == SIGTRAP && t->step_trap_sent)
		return step_trap(r, t, pass_sig);
	if (t->resend_pending && t->resend_signo == sig) {
		/* Our own tgkill of a held-back signal: give it back its original siginfo. */
		t->resend_pending = false;
		si = take_held(t);
		ptrace(PTRACE_SETSIGINFO, t->t.tid, 0, &si);
		return deliver(r, t, &si, false, 0, pass_sig);
	}
	if (recorder_stale_sigstop(t, &si)) {
		rw_debug("pid %d: a SIGSTOP of rewind's that nothing waits for, dropped", t->t.tid);
		return 0;
	}
	if (sig == SIGSTOP && t->sigstops_resent && sent_by_rewind(&si))
		t->sigstops_resent--; /* the program's, sent again: on as any signal */
	if (is_sync_fault(&si))
		return deliver(r, t, &si, true, 0, pass_sig);
	/*
	 * Pending at the exit, it is delivered before any user instruction
	 * runs; but for an rt_sigreturn's, where it is held back as if it came
	 * a little later: the code the handler interrupted goes on first.
	 */
	if (t->at_boundary && !t->after_sigreturn) {
		uint64_t regs[X86_NREGS];

		if (tracee_get_regs(&t->t, regs) == 0 &&
		    !memcmp(regs, t->boundary_regs, sizeof(regs)))
			return deliver(r, t, &si, false, 0, pass_sig);
	}
	return hold(r, t, sig, &si);
}

bool recorder_stale_sigstop(const struct recorder_task *t, const siginfo_t *si)
{
	return si->si_signo == SIGSTOP && sent_by_rewind(si) && !t->kick_sent && !t->kick_preempt &&
	       !t->ptrace.wait_kick && !t->ptrace.stop_sent &&
	       !(t->resend_pending && t->resend_signo == SIGSTOP) && !t->sigstops_resent &&
	       t->ptrace.inject_sig != SIGSTOP;
}

void recorder_send_again(struct recorder_task *t, int sig)
{
	if (syscall(SYS_tgkill, t->tgid, t->t.tid, sig) == 0 && sig == SIGSTOP)
		t->sigstops_resent++;
}

int recorder_signal_deliver(struct recorder *r, struct recorder_task *t, const siginfo_t *si,
			    bool sync, int *pass_sig)
{
	if (ptrace(PTRACE_SETSIGINFO, t->t.tid, 0, si) < 0)
		return -errno;
	t->ptrace.inject_sig = si->si_signo; /* past its tracer: it passed it on */
	return deliver(r, t, si, sync, 0, pass_sig);
}

void recorder_resend_held(struct recorder *r, struct recorder_task *t)
{
	recorder_unblock_held(t);
	if (!t->nheld || t->resend_pending)
		return;
	/*
	 * Pending again at this exit (delivered before the thread runs another
	 * instruction), or at this entry (it ends the call, delivered at its exit).
	 */
	if (syscall(SYS_tkill, t->t.tid, t->held[0].info.si_signo) == 0) {
		t->resend_pending = true;
		t->resend_signo = t->held[0].info.si_signo;
	}
}

/* Whether tid is the init of a pid namespace: the last of its NSpid ids is 1. */
static bool namespace_init(pid_t tid)
{
	char path[64], line[256];
	bool init = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (!(f = fopen(path, "re")))
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *last;

		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		last = strrchr(line, '\t');
		init = last && last != line + 6 && atoi(last + 1) == 1;
		break;
	}
	fclose(f);
	return init;
}

bool recorder_signal_unkillable_fault(pid_t tid, int sig)
{
	siginfo_t si;

	if (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL && sig != SIGFPE)
		return false;
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) < 0 || si.si_signo != sig || si.si_code <= 0)
		return false;
	return namespace_init(tid);
}

/*
 * A SIGSEGV from rdtsc/rdtscp under PR_TSC_SIGSEGV: run the instruction
 * here (same machine, same CPU) and log what it gave. Returns 1 when the
 * fault was such a trap, 0 for a real SIGSEGV.
 */
int recorder_handle_tsc_trap(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	uint8_t code[3] = {0};
	int len, rdtscp, err;

	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	tracee_read_mem_partial(&t->t, regs[X86_RIP], code, sizeof(code));
	len = x86_tsc_insn_len(code, &rdtscp);
	if (!len)
		return 0;
	x86_tsc_emulate(regs, len, rdtscp);
	if ((err = tracee_set_regs(&t->t, regs)) < 0)
		return err;
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_RDTSC, regs);
	if ((err = recorder_emit(r)) < 0)
		return err;
	/* The trap the CPU would have raised after it: pending, so due before the next insn. */
	if (x86_tsc_single_step_trap(regs) && syscall(SYS_tkill, t->t.tid, SIGTRAP) == 0)
		t->step_trap_sent = true;
	return 1;
}
