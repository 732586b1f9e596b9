/*
 * Low-level control of one stopped ptrace tracee on x86_64: registers, the
 * XSAVE area, memory, resuming to the next stop, and running a syscall of
 * the tracer's choosing inside the tracee. Both the recorder and the
 * replayer drive tracees through this; it keeps no session state beyond
 * the kind of stop the tracee is in.
 */
#ifndef REWIND_ARCH_X86_64_TRACEE_H
#define REWIND_ARCH_X86_64_TRACEE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch/x86_64/regs.h"

/*
 * rewind's page, mapped at this address in every recorded and replayed
 * address space: a syscall instruction to run injected syscalls with
 * (tracee_inject), and room the replayer writes their strings into.
 */
#define REWIND_INJECT_PAGE 0x70000000ull
/*
 * The code at the start of the page: `syscall; int3` at 0 for injected
 * calls, and at REWIND_UNTRACED_SYSCALL (arch/x86_64/sysbuf.h) the `syscall;
 * ret` the syscall buffer's library calls, which the recorder's filter lets
 * run without a stop.
 */
#define REWIND_PAGE_CODE_LEN 0x43
void rewind_page_code(uint8_t code[REWIND_PAGE_CODE_LEN]);
/*
 * The replay's page (sysbuf_feed.c): that code, the buffered syscalls' feed
 * stub and its words, in code (room bytes). Returns its length, 0 if it
 * does not fit.
 */
size_t rewind_replay_page_code(uint8_t *code, size_t room);

enum tracee_stop {
	TRACEE_STOP_OTHER = 0,	   /* signal-delivery, group or event stop */
	TRACEE_STOP_SYSCALL_ENTRY, /* PTRACE_SYSCALL entry: resuming runs the syscall */
	TRACEE_STOP_SYSEMU_ENTRY,  /* PTRACE_SYSEMU entry: resuming skips the syscall */
	TRACEE_STOP_SYSCALL_EXIT,
	TRACEE_STOP_EXITED, /* gone: status in wait_status */
};

struct tracee {
	pid_t tid;
	int mem_fd; /* /proc/TID/mem, opened lazily */
	enum tracee_stop stop;
	/*
	 * With a seccomp filter that traces every syscall (the recorder's), a
	 * syscall entry is reported by a PTRACE_EVENT_SECCOMP stop when the task
	 * was resumed with PTRACE_CONT. seccomp_entry says the entry stop is
	 * such a one (resuming it with PTRACE_CONT runs the syscall with no exit
	 * stop). seccomp_repeat says the stop is the seccomp stop that follows
	 * a PTRACE_SYSCALL entry stop of the same syscall: it is no new entry,
	 * and the task is to be resumed with PTRACE_SYSCALL again
	 * (tracee_resume does so itself).
	 */
	bool seccomp_entry, seccomp_repeat;
	int wait_status; /* last status from waitpid */
	/*
	 * A SIGSTOP the tracer sent to interrupt the tracee (a kick) is on its
	 * way. tracee_resume takes it out of the way by resuming again, unless
	 * report_kick is set: then it returns at that stop with kicked set.
	 */
	bool kick_pending, report_kick, kicked;
	/* Called when a wait is interrupted by a signal to the tracer (a time limit, say). */
	void (*on_wait_interrupted)(void *arg);
	void *on_wait_arg;
};

void tracee_init(struct tracee *t, pid_t tid);
void tracee_release(struct tracee *t);

int tracee_get_regs(struct tracee *t, uint64_t regs[X86_NREGS]);
int tracee_set_regs(struct tracee *t, const uint64_t regs[X86_NREGS]);
/* Reads the NT_X86_XSTATE area; returns its size or a negative errno. */
int tracee_get_xsave(struct tracee *t, void *buf, size_t len);
int tracee_set_xsave(struct tracee *t, const void *buf, size_t len);

/* Reads exactly len bytes; returns 0 or a negative errno (-EFAULT for unmapped memory). */
int tracee_read_mem(struct tracee *t, uint64_t addr, void *buf, size_t len);
/* Reads up to len bytes, stopping at the first unreadable page; returns the count read. */
size_t tracee_read_mem_partial(struct tracee *t, uint64_t addr, void *buf, size_t len);
/* Writes through /proc/TID/mem, so read-only pages can be written too. */
int tracee_write_mem(struct tracee *t, uint64_t addr, const void *buf, size_t len);
/* Reads a NUL-terminated string of at most max-1 bytes; returns its length or negative errno. */
int tracee_read_string(struct tracee *t, uint64_t addr, char *buf, size_t max);

/*
 * Resumes with a ptrace request (PTRACE_SYSCALL, PTRACE_SYSEMU, PTRACE_CONT,
 * PTRACE_SINGLESTEP) delivering signal sig, and waits for the next stop,
 * which is classified into t->stop. Returns the wait status or negative errno.
 */
int tracee_resume(struct tracee *t, int request, int sig);
/*
 * Resumes like tracee_resume without waiting: for a tracer that waits for
 * any of its tracees (waitpid(-1)) and hands the status to tracee_note_status.
 */
int tracee_resume_nowait(struct tracee *t, int request, int sig);
/* Classifies a wait status of t that the caller got, as tracee_resume would (request: the last
 * resume's). */
void tracee_note_status(struct tracee *t, int status, int request);
/* Waits for the next stop of t without resuming it. */
int tracee_wait(struct tracee *t);

/*
 * Runs one syscall in the tracee: the registers are set to `in` (rax = the
 * syscall number, arguments in rdi..r9), the syscall instruction at
 * insn_addr is executed, and the registers after it are returned in `out`
 * (rax = the result). Works from any stop; leaves the tracee at a syscall
 * exit stop. The caller restores whatever registers it wants afterwards.
 */
int tracee_syscall_at(struct tracee *t, uint64_t insn_addr, const uint64_t in[X86_NREGS],
		      uint64_t out[X86_NREGS]);
/*
 * Forks the tracee by running clone(CLONE_PARENT) at insn_addr with `base`
 * as the other registers: the copy is the tracee's sibling, so a tracer
 * that is the tracee's parent reaps it with its own wait. The tracee must
 * have PTRACE_O_TRACECLONE set, so the copy is traced too; it is left in
 * its first stop (a SIGSTOP delivery stop) and its pid stored in *child.
 * The tracee is left at the syscall's exit stop.
 */
int tracee_fork_at(struct tracee *t, uint64_t insn_addr, const uint64_t base[X86_NREGS],
		   pid_t *child);
/*
 * Runs a clone-family syscall (registers `in`, as for tracee_syscall_at)
 * with PTRACE_O_TRACECLONE/FORK set for what it makes: the new task is left
 * in its first stop and its tid stored in *child; `out` gets the registers
 * after the syscall. Returns the syscall's error if it failed.
 */
int tracee_clone_at(struct tracee *t, uint64_t insn_addr, const uint64_t in[X86_NREGS],
		    pid_t *child, uint64_t out[X86_NREGS]);
/*
 * As tracee_syscall_at, but from any stop but a syscall entry the syscall
 * runs under PTRACE_SINGLESTEP: one stop (the step's SIGTRAP, which the
 * next resume discards) instead of an entry and an exit stop. Not for a
 * tracee under a seccomp filter that traces syscalls (the recorder's),
 * whose filter would stop it in between.
 */
int tracee_syscall_step(struct tracee *t, uint64_t insn_addr, const uint64_t in[X86_NREGS],
			uint64_t out[X86_NREGS]);
/* Convenience form: saved registers as a base, syscall nr with args; returns the result in *ret. */
int tracee_inject(struct tracee *t, uint64_t insn_addr, const uint64_t base[X86_NREGS], long nr,
		  uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		  int64_t *ret);
/*
 * tracee_inject for a tracee that a signal may stop before the syscall runs
 * (blocking its signals cannot hold back a SIGSTOP): from any stop but a
 * syscall entry, with arguments args[0..3] (r8 and r9 zero). Each such
 * stop is passed over, the signal not delivered, and its wait status given
 * to passed(arg, status) so the caller can send it again; at most 16.
 * -ESRCH when the tracee ended meanwhile (t->stop is TRACEE_STOP_EXITED).
 */
int tracee_inject_past_signals(struct tracee *t, uint64_t insn_addr,
			       const uint64_t base[X86_NREGS], long nr, const uint64_t args[4],
			       int64_t *ret, void (*passed)(void *arg, int status), void *arg);
/* The same through tracee_syscall_step. */
int tracee_inject_step(struct tracee *t, uint64_t insn_addr, const uint64_t base[X86_NREGS],
		       long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5, int64_t *ret);

#endif
