/*
 * ptrace by the recorded program. rewind is the real tracer of every task,
 * so the kernel would refuse a tracer inside the recording: its requests
 * are answered here instead, at the syscall's exit stop (the kernel skips
 * the call), from and on the real thread, which rewind holds at the stop
 * where the kernel would have stopped it (record_ptrace_stop.c). What a
 * request writes into the tracer is its exit event's memory, so replay
 * emulates ptrace like any syscall; what it changes in the tracee is
 * recorded with the tracee's resume event. wait4 and waitid of a tracer are
 * answered here too while a tracee's stop (or the end of a tracee that is
 * not its child) is there to report; one that would block for a stop holds
 * the tracer at its entry until there is one. A request not emulated fails
 * with EIO, said once in verbose output.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "recorder/recorder.h"

#define REGS_SIZE   (X86_NREGS * 8)
#define DEBUGREG_AT offsetof(struct user, u_debugreg)
#define REGSET_MAX  (64u << 10)
#define KNOWN_OPTIONS                                                                              \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | \
	 PTRACE_O_TRACEEXEC | PTRACE_O_TRACEVFORKDONE | PTRACE_O_TRACEEXIT |                      \
	 PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL | PTRACE_O_SUSPEND_SECCOMP)

static struct recorder_task *find_task(struct recorder *r, pid_t tid)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->t.tid == tid)
			return r->tasks[i];
	return NULL;
}

/* Writes into the tracer as the kernel's copy_to_user, and into its exit event. */
static int put(struct recorder *r, struct recorder_task *tracer, uint64_t addr, const void *p,
	       size_t len)
{
	if (!addr)
		return -EFAULT;
	if (tracee_write_mem(&tracer->t, addr, p, len) < 0)
		return -EFAULT;
	trace_event_add_mem(&r->eb, addr, p, len);
	return 0;
}

static void warn_once(struct recorder *r, struct recorder_task *tracer, long request)
{
	for (size_t i = 0; i < r->nptrace_warned; i++)
		if (r->ptrace_warned[i] == request)
			return;
	if (r->nptrace_warned < sizeof(r->ptrace_warned) / sizeof(r->ptrace_warned[0]))
		r->ptrace_warned[r->nptrace_warned++] = request;
	rw_debug("pid %d: ptrace request 0x%lx is not emulated: it fails with EIO", tracer->t.tid,
		 request);
}

/* A tracee of the caller's stopped for it, as ptrace_check_attach demands, or NULL. */
static struct recorder_task *stopped_tracee(struct recorder *r, struct recorder_task *tracer,
					    pid_t pid, bool need_stop)
{
	struct recorder_task *t = find_task(r, pid);

	if (!t || t->ptrace.tracer != tracer->t.tid)
		return NULL;
	if (need_stop && t->ptrace.stop == PTRACE_STOP_NONE)
		return NULL;
	return t;
}

static int64_t attach(struct recorder *r, struct recorder_task *tracer, long request, pid_t pid,
		      uint64_t data)
{
	struct recorder_task *t = find_task(r, pid);

	if (!t)
		return -ESRCH;
	if (t->tgid == tracer->tgid || t->ptrace.tracer)
		return -EPERM;
	if (request == PTRACE_SEIZE && (data & ~(uint64_t)KNOWN_OPTIONS))
		return -EINVAL;
	memset(&t->ptrace.dr, 0, sizeof(t->ptrace.dr));
	t->ptrace.tracer = tracer->t.tid;
	t->ptrace.tracer_tgid = tracer->tgid;
	t->ptrace.seized = request == PTRACE_SEIZE;
	t->ptrace.auto_attached = false;
	t->ptrace.options = request == PTRACE_SEIZE ? (unsigned)data : 0;
	t->ptrace.request = PTRACE_CONT;
	if (request == PTRACE_ATTACH && syscall(SYS_tkill, pid, SIGSTOP) == 0)
		t->ptrace.stop_sent = true;
	return 0;
}

/* PTRACE_TRACEME by t: its parent becomes its tracer. */
static int64_t traceme(struct recorder *r, struct recorder_task *t)
{
	struct recorder_task *parent = find_task(r, t->parent_tgid);

	/* A parent outside the recording (rewind) cannot be emulated: it is traced already. */
	if (!parent || t->ptrace.tracer)
		return -EPERM;
	t->ptrace.tracer = parent->t.tid;
	t->ptrace.tracer_tgid = parent->tgid;
	t->ptrace.seized = false;
	t->ptrace.options = 0;
	t->ptrace.request = PTRACE_CONT;
	return 0;
}

static int64_t resume_request(struct recorder_task *t, long request, uint64_t data)
{
	if (data >= 65)
		return -EIO;
	t->ptrace.request = request == PTRACE_DETACH ? PTRACE_CONT : (int)request;
	t->ptrace.resume_sig = (int)data;
	/* A group or interrupt stop takes no signal (ptrace(2), "Group-stop"). */
	if (t->ptrace.status >> 16 == PTRACE_EVENT_STOP)
		t->ptrace.resume_sig = 0;
	if (request == PTRACE_DETACH)
		t->ptrace.tracer = 0;
	t->ptrace.resumed = true;
	return 0;
}

void recorder_ptrace_remember_poke(struct recorder_task *t, uint64_t addr, const void *p,
				   size_t len)
{
	rw_buf_put_u64(&t->ptrace.pokes, addr);
	rw_buf_put_u64(&t->ptrace.pokes, len);
	rw_buf_put(&t->ptrace.pokes, p, len);
}

/* The word at offset `off` of the tracee's struct user: registers, debug registers, else 0. */
static int peek_user(struct recorder_task *t, uint64_t off, uint64_t *word)
{
	uint64_t regs[X86_NREGS];
	int err;

	if ((off & 7) || off >= sizeof(struct user))
		return -EIO;
	*word = 0;
	if (off < REGS_SIZE) {
		if ((err = tracee_get_regs(&t->t, regs)) < 0)
			return err;
		*word = regs[off / 8];
	} else if (off >= DEBUGREG_AT && off < DEBUGREG_AT + sizeof(t->ptrace.dr)) {
		*word = t->ptrace.dr[(off - DEBUGREG_AT) / 8];
	}
	return 0;
}

/*
 * The debug registers are kept here, not given to the thread: the tracer
 * reads back what it wrote, but no watchpoint fires.
 */
static int poke_user(struct recorder_task *t, uint64_t off, uint64_t word)
{
	uint64_t regs[X86_NREGS];
	int err;

	if ((off & 7) || off >= sizeof(struct user))
		return -EIO;
	if (off < REGS_SIZE) {
		if ((err = tracee_get_regs(&t->t, regs)) < 0)
			return err;
		regs[off / 8] = word;
		return tracee_set_regs(&t->t, regs);
	}
	if (off >= DEBUGREG_AT && off < DEBUGREG_AT + sizeof(t->ptrace.dr)) {
		t->ptrace.dr[(off - DEBUGREG_AT) / 8] = word;
		return 0;
	}
	return -EIO;
}

static int64_t peek(struct recorder *r, struct recorder_task *tracer, struct recorder_task *t,
		    long request, uint64_t addr, uint64_t data)
{
	uint64_t word;
	int err;

	if (request == PTRACE_PEEKUSER)
		err = peek_user(t, addr, &word);
	else
		err = tracee_read_mem(&t->t, addr, &word, sizeof(word)) < 0 ? -EIO : 0;
	if (err < 0)
		return err;
	return put(r, tracer, data, &word, sizeof(word));
}

static int64_t poke(struct recorder_task *t, long request, uint64_t addr, uint64_t data)
{
	if (request == PTRACE_POKEUSER)
		return poke_user(t, addr, data);
	if (tracee_write_mem(&t->t, addr, &data, sizeof(data)) < 0)
		return -EIO;
	recorder_ptrace_remember_poke(t, addr, &data, sizeof(data));
	return 0;
}

static int64_t get_regs(struct recorder *r, struct recorder_task *tracer, struct recorder_task *t,
			long request, uint64_t data)
{
	uint8_t buf[512];
	uint64_t regs[X86_NREGS];
	int err;

	if (request == PTRACE_GETREGS) {
		if ((err = tracee_get_regs(&t->t, regs)) < 0)
			return err;
		return put(r, tracer, data, regs, sizeof(regs));
	}
	if (ptrace(PTRACE_GETFPREGS, t->t.tid, 0, buf) < 0)
		return -errno;
	return put(r, tracer, data, buf, sizeof(buf));
}

static int64_t set_regs(struct recorder *r, struct recorder_task *tracer, struct recorder_task *t,
			long request, uint64_t data)
{
	uint8_t buf[512];
	uint64_t regs[X86_NREGS];

	if (request == PTRACE_SETREGS) {
		if (tracee_read_mem(&tracer->t, data, regs, sizeof(regs)) < 0)
			return -EFAULT;
		return tracee_set_regs(&t->t, regs);
	}
	if (tracee_read_mem(&tracer->t, data, buf, sizeof(buf)) < 0)
		return -EFAULT;
	return ptrace(PTRACE_SETFPREGS, t->t.tid, 0, buf) < 0 ? -errno : 0;
}

/* GETREGSET and SETREGSET through the real thread: NT_PRSTATUS, NT_PRFPREG, NT_X86_XSTATE. */
static int64_t regset(struct recorder *r, struct recorder_task *tracer, struct recorder_task *t,
		      long request, uint64_t type, uint64_t data)
{
	static uint8_t buf[REGSET_MAX];
	uint64_t iov[2];
	struct iovec local;
	int err;

	if (type != NT_PRSTATUS && type != NT_PRFPREG && type != NT_X86_XSTATE) {
		warn_once(r, tracer, request);
		return -EIO;
	}
	if (tracee_read_mem(&tracer->t, data, iov, sizeof(iov)) < 0)
		return -EFAULT;
	local.iov_base = buf;
	local.iov_len = iov[1] < REGSET_MAX ? (size_t)iov[1] : REGSET_MAX;
	if (request == PTRACE_SETREGSET) {
		if (tracee_read_mem(&tracer->t, iov[0], buf, local.iov_len) < 0)
			return -EFAULT;
		return ptrace(PTRACE_SETREGSET, t->t.tid, type, &local) < 0 ? -errno : 0;
	}
	if (ptrace(PTRACE_GETREGSET, t->t.tid, type, &local) < 0)
		return -errno;
	if ((err = put(r, tracer, iov[0], buf, local.iov_len)) < 0)
		return err;
	iov[1] = local.iov_len;
	return put(r, tracer, data, iov, sizeof(iov));
}

/* Requests on a tracee stopped for the caller. */
static int64_t on_stopped(struct recorder *r, struct recorder_task *tracer, struct recorder_task *t,
			  long request, uint64_t addr, uint64_t data)
{
	switch (request) {
	case PTRACE_PEEKTEXT:
	case PTRACE_PEEKDATA:
	case PTRACE_PEEKUSER:
		return peek(r, tracer, t, request, addr, data);
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
	case PTRACE_POKEUSER:
		return poke(t, request, addr, data);
	case PTRACE_GETREGS:
	case PTRACE_GETFPREGS:
		return get_regs(r, tracer, t, request, data);
	case PTRACE_SETREGS:
	case PTRACE_SETFPREGS:
		return set_regs(r, tracer, t, request, data);
	case PTRACE_GETREGSET:
	case PTRACE_SETREGSET:
		return regset(r, tracer, t, request, addr, data);
	case PTRACE_GETSIGINFO:
		return put(r, tracer, data, &t->ptrace.si, sizeof(t->ptrace.si));
	case PTRACE_SETSIGINFO:
		return tracee_read_mem(&tracer->t, data, &t->ptrace.si, sizeof(t->ptrace.si)) < 0
			   ? -EFAULT
			   : 0;
	case PTRACE_SETOPTIONS:
		if (data & ~(uint64_t)KNOWN_OPTIONS)
			return -EINVAL;
		t->ptrace.options = (unsigned)data;
		return 0;
	case PTRACE_GETEVENTMSG:
		return put(r, tracer, data, &t->ptrace.eventmsg, sizeof(t->ptrace.eventmsg));
	case PTRACE_CONT:
	case PTRACE_SYSCALL:
	case PTRACE_SINGLESTEP:
	case PTRACE_DETACH:
		return resume_request(t, request, data);
	default:
		warn_once(r, tracer, request);
		return -EIO;
	}
}

static int64_t ptrace_request(struct recorder *r, struct recorder_task *tracer,
			      const uint64_t args[6])
{
	long request = (long)args[0];
	pid_t pid = (pid_t)args[1];
	struct recorder_task *t;

	switch (request) {
	case PTRACE_TRACEME:
		return traceme(r, tracer);
	case PTRACE_ATTACH:
	case PTRACE_SEIZE:
		return attach(r, tracer, request, pid, args[3]);
	case PTRACE_KILL:
		if (!(t = stopped_tracee(r, tracer, pid, false)))
			return -ESRCH;
		syscall(SYS_tkill, pid, SIGKILL);
		return 0;
	case PTRACE_INTERRUPT:
		if (!(t = stopped_tracee(r, tracer, pid, false)) || !t->ptrace.seized)
			return t ? -EIO : -ESRCH;
		if (t->ptrace.stop == PTRACE_STOP_NONE && !t->ptrace.interrupt) {
			t->ptrace.interrupt = true;
			if (syscall(SYS_tkill, pid, SIGSTOP) == 0)
				t->ptrace.stop_sent = true;
		}
		return 0;
	default:
		if (!(t = stopped_tracee(r, tracer, pid, true)))
			return -ESRCH;
		return on_stopped(r, tracer, t, request, args[2], args[3]);
	}
}

/* A report for the caller's wait(nr, args): a tracee's stop, or a tracee's end, or none. */
static bool find_report(struct recorder *r, struct recorder_task *tracer, long nr,
			const uint64_t args[6], struct recorder_task **stopped, size_t *dead)
{
	pid_t tgid = tracer->tgid;

	*stopped = NULL;
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *t = r->tasks[i];
		bool match = nr == SYS_wait4 ? ((pid_t)args[0] <= 0 || (pid_t)args[0] == t->t.tid)
					     : (args[0] != P_PID || (pid_t)args[1] == t->t.tid);

		if (t->ptrace.tracer && t->ptrace.tracer_tgid == tgid &&
		    t->ptrace.stop != PTRACE_STOP_NONE && !t->ptrace.reported && match) {
			*stopped = t;
			return true;
		}
	}
	for (size_t i = 0; i < r->nptrace_dead; i++) {
		pid_t tid = r->ptrace_dead[i].tid;
		bool match = nr == SYS_wait4 ? ((pid_t)args[0] <= 0 || (pid_t)args[0] == tid)
					     : (args[0] != P_PID || (pid_t)args[1] == tid);

		if (r->ptrace_dead[i].tracer_tgid == tgid && match) {
			*dead = i;
			return true;
		}
	}
	return false;
}

static bool is_wait_call(long nr, const uint64_t args[6])
{
	return (nr == SYS_wait4 || nr == SYS_waitid) && !(nr == SYS_waitid && args[0] == 3);
}

bool recorder_ptrace_answered(struct recorder *r, struct recorder_task *tracer, long nr,
			      const uint64_t args[6])
{
	struct recorder_task *t;
	size_t dead;

	if (nr == SYS_ptrace)
		return true;
	return is_wait_call(nr, args) && find_report(r, tracer, nr, args, &t, &dead);
}

static int64_t wait_answer(struct recorder *r, struct recorder_task *tracer, long nr,
			   const uint64_t args[6], pid_t tid, int status, bool stop)
{
	int options = (int)(nr == SYS_wait4 ? args[2] : args[3]);
	uint64_t rusage_at = nr == SYS_wait4 ? args[3] : args[4];
	struct rusage ru;
	int err;

	memset(&ru, 0, sizeof(ru));
	if (nr == SYS_wait4 && args[1] &&
	    (err = put(r, tracer, args[1], &status, sizeof(status))) < 0)
		return err;
	if (nr == SYS_waitid && args[2]) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		si.si_signo = SIGCHLD;
		si.si_pid = tid;
		si.si_uid = getuid();
		if (stop) {
			si.si_code = CLD_TRAPPED;
			si.si_status = status >> 8;
		} else if (WIFEXITED(status)) {
			si.si_code = CLD_EXITED;
			si.si_status = WEXITSTATUS(status);
		} else {
			si.si_code = WCOREDUMP(status) ? CLD_DUMPED : CLD_KILLED;
			si.si_status = WTERMSIG(status);
		}
		if ((err = put(r, tracer, args[2], &si, sizeof(si))) < 0)
			return err;
	}
	if (rusage_at && (err = put(r, tracer, rusage_at, &ru, sizeof(ru))) < 0)
		return err;
	(void)options;
	return nr == SYS_wait4 ? tid : 0;
}

static int64_t wait_request(struct recorder *r, struct recorder_task *tracer, long nr,
			    const uint64_t args[6])
{
	int options = (int)(nr == SYS_wait4 ? args[2] : args[3]);
	bool consume = !(options & WNOWAIT);
	struct recorder_task *t;
	size_t dead = 0;
	int64_t ret;

	if (!find_report(r, tracer, nr, args, &t, &dead))
		return -ECHILD;
	if (t) {
		ret = wait_answer(r, tracer, nr, args, t->t.tid, t->ptrace.status, true);
		if (ret >= 0 && consume)
			t->ptrace.reported = true;
		return ret;
	}
	ret = wait_answer(r, tracer, nr, args, r->ptrace_dead[dead].tid,
			  r->ptrace_dead[dead].status, false);
	if (ret >= 0 && consume) {
		memmove(&r->ptrace_dead[dead], &r->ptrace_dead[dead + 1],
			(r->nptrace_dead - dead - 1) * sizeof(*r->ptrace_dead));
		r->nptrace_dead--;
	}
	return ret;
}

int64_t recorder_ptrace_answer(struct recorder *r, struct recorder_task *tracer, long nr,
			       const uint64_t args[6])
{
	return nr == SYS_ptrace ? ptrace_request(r, tracer, args)
				: wait_request(r, tracer, nr, args);
}

int recorder_ptrace_wait_holds(struct recorder *r, struct recorder_task *t)
{
	uint64_t args[6];
	int options;

	x86_regs_args(t->entry_regs, args);
	if (t->cur_emulated || !is_wait_call(t->cur_sysno, args))
		return 0;
	options = (int)(t->cur_sysno == SYS_wait4 ? args[2] : args[3]);
	if (options & WNOHANG)
		return 0;
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *u = r->tasks[i];
		bool match = t->cur_sysno == SYS_wait4
				 ? ((pid_t)args[0] <= 0 || (pid_t)args[0] == u->t.tid)
				 : (args[0] != P_PID || (pid_t)args[1] == u->t.tid);

		if (u->ptrace.tracer && u->ptrace.tracer_tgid == t->tgid && match) {
			t->ptrace.waiting = true;
			t->ptrace.wake = 0;
			return 1;
		}
	}
	return 0;
}
