/*
 * rec -p: recording processes that are already running. Every thread is
 * seized and interrupted, its state read (by ptrace, /proc and syscalls
 * injected into it) and normalised as replay needs it: a syscall it was
 * blocked in is rewound to its syscall instruction, a thread inside an rseq
 * critical section is moved to the abort handler, the rseq registration is
 * taken over. The process then gets what a program rewind starts has
 * (rewind's page, the patched vDSO, rdtsc faulting, the one CPU) and its
 * image goes into the trace as an EV_EXEC flagged EVF_ATTACH, each other
 * thread as an EV_THREAD. Syscalls are seen through PTRACE_SYSCALL stops: a
 * seccomp filter cannot be taken out of a process again. When rewind is
 * told to stop, every task is let go with what rewind changed put back.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/syscall_table.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "common/xalloc.h"
#include "recorder/record.h"
#include "recorder/recorder.h"
#include "recorder/written_pages.h"

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

/* A page rewind maps beside its own while reading state: room for what injected calls write. */
#define ATTACH_SCRATCH (REWIND_INJECT_PAGE + 0x1000)

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_FILE	   (1ull << 61)

/* What one thread had when it was taken over, for its event. */
struct attach_thread {
	struct trace_attach st;
	uint64_t regs[X86_NREGS];
	uint32_t flags; /* EVF_RSEQ_CS when moved to an abort handler */
	bool taken;	/* regs read: what rewind changed in it is to be put back if the attach fails */
};

/*
 * A SIGSTOP met on the way into an injected call (blocking cannot hold it
 * back): one of rewind's (a preemption or an execution point's kick sent
 * before the stop was asked for) is dropped, another is kept for t to get
 * again once it is its own again.
 */
void recorder_attach_note_stop(void *arg, int st)
{
	struct recorder_task *t = arg;
	siginfo_t si;

	if (!WIFSTOPPED(st) || (st >> 16) || WSTOPSIG(st) == (SIGTRAP | 0x80))
		return; /* an event or group stop, not a signal to deliver */
	if (ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si) == 0 && si.si_signo == SIGSTOP &&
	    si.si_code == SI_TKILL && si.si_pid == getpid())
		return;
	t->attach_stop_sig = WSTOPSIG(st);
}

/*
 * Runs syscall nr in t at rewind's page with regs as the other registers,
 * from any stop but a syscall entry; *ret gets its result. t's signals are
 * blocked meanwhile (block_signals), so a signal stop on the way can only
 * be a SIGSTOP's.
 */
int recorder_attach_inject(struct recorder_task *t, const uint64_t regs[X86_NREGS], long nr,
			   uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, int64_t *ret)
{
	const uint64_t args[4] = {a0, a1, a2, a3};
	int err;

	t->t.stop = TRACEE_STOP_OTHER;
	err = tracee_inject_past_signals(&t->t, REWIND_INJECT_PAGE, regs, nr, args, ret,
					 recorder_attach_note_stop, t);
	if (err == -ESRCH && t->t.stop == TRACEE_STOP_EXITED)
		rw_error("thread %d: ended during an injected %s", t->t.tid, x86_syscall_name(nr));
	else if (!err)
		t->t.stop = TRACEE_STOP_OTHER; /* its registers are set anew from here */
	return err;
}

/*
 * Blocks every signal of the threads [first, first + n) (their masks kept in
 * masks), or, with block false, gives them those masks back: signals that
 * come meanwhile wait for the thread's own code rather than stop injected
 * calls, and keep their siginfo.
 */
int recorder_attach_block_signals(struct recorder *r, size_t first, size_t n, uint64_t *masks,
				  bool block)
{
	uint64_t all = ~0ull;

	/* Every mask is read before any is changed: a failure leaves them all as they were. */
	for (size_t i = 0; block && i < n; i++) {
		struct recorder_task *t = r->tasks[first + i];

		if (t->state != TASK_DYING &&
		    ptrace(PTRACE_GETSIGMASK, t->t.tid, sizeof(masks[i]), &masks[i]) < 0)
			return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		struct recorder_task *t = r->tasks[first + i];

		if (t->state != TASK_DYING &&
		    ptrace(PTRACE_SETSIGMASK, t->t.tid, sizeof(all), block ? &all : &masks[i]) < 0)
			return -errno;
	}
	return 0;
}

/* A line of /proc/PID/status, or NULL. */
static char *status_field(pid_t pid, const char *key, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	char *found = NULL;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "re")))
		return NULL;
	while (!found && fgets(buf, (int)len, f))
		if (!strncmp(buf, key, strlen(key)))
			found = buf + strlen(key) + strspn(buf + strlen(key), " \t");
	fclose(f);
	return found;
}

static void say_denied(pid_t pid, int err)
{
	char buf[256];
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;

	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = 0;
		fclose(f);
	}
	if (err == EPERM && scope > 0)
		rw_error("rec: cannot attach to process %d: %s (/proc/sys/kernel/yama/ptrace_scope is "
			 "%d: only a parent, a process it named with PR_SET_PTRACER or "
			 "CAP_SYS_PTRACE may attach)",
			 pid, strerror(err), scope);
	else if (err == EPERM && status_field(pid, "Uid:", buf, sizeof(buf)) &&
		 (uid_t)atol(buf + strcspn(buf, ":") + 1) != getuid())
		rw_error("rec: cannot attach to process %d: it is another user's", pid);
	else
		rw_error("rec: cannot attach to process %d: %s", pid, strerror(err));
}

int record_attach_check(pid_t pid)
{
	return recorder_attach_check(pid);
}

int recorder_attach_check(pid_t pid)
{
	char buf[256], *v;

	if (pid <= 0) {
		rw_error("rec: %d is not a process id", pid);
		return -EINVAL;
	}
	if (!(v = status_field(pid, "Tgid:", buf, sizeof(buf)))) {
		rw_error("rec: no process %d", pid);
		return -ESRCH;
	}
	if (atoi(v) == getpid()) {
		rw_error("rec: process %d is rewind itself", pid);
		return -EINVAL;
	}
	if (atoi(v) != pid) {
		rw_error("rec: %d is a thread of process %s; name the process", pid, strtok(v, "\n"));
		return -EINVAL;
	}
	if ((v = status_field(pid, "State:", buf, sizeof(buf))) && (*v == 'Z' || *v == 'X')) {
		rw_error("rec: process %d has ended (a zombie): nothing to record", pid);
		return -ESRCH;
	}
	if ((v = status_field(pid, "TracerPid:", buf, sizeof(buf))) && atoi(v) != 0) {
		rw_error("rec: process %d is already traced by process %d", pid, atoi(v));
		return -EBUSY;
	}
	return 0;
}

struct recorder_task *recorder_attach_find_task(struct recorder *r, pid_t tid)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->t.tid == tid)
			return r->tasks[i];
	return NULL;
}

/* Timer interruptions of the wait for one thread's stop: a minute of the scheduler's tick. */
#define ATTACH_MAX_INTERRUPTIONS 12000

/*
 * Waits for tid's stop after PTRACE_INTERRUPT. A signal that comes first
 * is kept back and sent again once recording runs (*sig); other events
 * (a clone made meanwhile, whose thread is seized as the others) are let
 * through.
 */
static int wait_interrupted(pid_t tid, int *sig)
{
	for (int tries = 0, interrupted = 0; tries < 64; tries++) {
		int st;

		/*
		 * Not a try: the scheduler's tick runs from the second thread on,
		 * and a thread that gets no CPU for 64 ticks (a loaded machine)
		 * is not one that does not stop.
		 */
		while (waitpid(tid, &st, __WALL) < 0)
			if (errno != EINTR || ++interrupted > ATTACH_MAX_INTERRUPTIONS)
				return -errno;
		if (!WIFSTOPPED(st))
			return -ESRCH;
		if ((st >> 16) == PTRACE_EVENT_STOP)
			return 0;
		if ((st >> 16) == 0 && WSTOPSIG(st) != SIGTRAP)
			*sig = WSTOPSIG(st);
		/* That stop took the place of the interrupt's (ptrace_stop clears it): asked again. */
		if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 || ptrace(PTRACE_CONT, tid, 0, 0) < 0)
			return -errno;
	}
	return -EPROTO;
}

/* Seizes and interrupts every thread of tgid, again until no new one shows up. */
static int seize_process(struct recorder *r, pid_t tgid, int *held)
{
	const long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL |
			  PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
	char path[64];
	bool added = true;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	while (added) {
		DIR *d = opendir(path);
		struct dirent *e;

		if (!d)
			return -errno;
		added = false;
		while ((e = readdir(d))) {
			pid_t tid = atoi(e->d_name);
			struct recorder_task *t;
			int err, sig = 0;

			if (tid <= 0 || recorder_attach_find_task(r, tid))
				continue;
			err = ptrace(PTRACE_SEIZE, tid, 0, opts) < 0 ? errno : 0;
			if (err == ESRCH)
				continue; /* ended meanwhile */
			if (err && (err != EPERM || tid == tgid)) {
				closedir(d);
				say_denied(tgid, err);
				return -err;
			}
			/* EPERM for a thread made meanwhile: traced already, by the clone. */
			if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 && errno != ESRCH)
				continue;
			err = wait_interrupted(tid, &sig);
			if (err == -ESRCH && tid != tgid)
				continue; /* it ended before it stopped */
			if (err < 0) {
				closedir(d);
				rw_error("rec: thread %d of process %d: no stop after PTRACE_INTERRUPT: %s",
					 tid, tgid, strerror(-err));
				return err;
			}
			t = recorder_task_add(r, tid, tgid);
			t->syscall_stops = true;
			held[r->ntasks - 1] = sig;
			t->t.stop = TRACEE_STOP_OTHER;
			added = true;
		}
		closedir(d);
	}
	return 0;
}

/*
 * A thread interrupted in a syscall is left where the kernel restarts it
 * (rax a restart code, rip after the syscall instruction): moves it to the
 * syscall instruction with the number it restarts with, as the kernel would
 * on resuming it, so its first event is that syscall's entry.
 */
void recorder_attach_rewind_restart(struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	long nr = (long)regs[X86_ORIG_RAX];
	int64_t ret = (int64_t)regs[X86_RAX];

	if (nr < 0)
		return;
	if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND)
		regs[X86_RAX] = (uint64_t)nr;
	else if (ret == -ERESTART_RESTARTBLOCK) {
		regs[X86_RAX] = SYS_restart_syscall;
		t->restart_nr = nr;
	} else
		return;
	regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
	regs[X86_ORIG_RAX] = (uint64_t)-1;
}

struct rseq_config {
	uint64_t ptr;
	uint32_t size, sig, flags, pad;
};

/*
 * A thread inside its rseq critical section goes to the abort handler, as
 * on a preemption, unless the section says not to restart then; the
 * area's critical section pointer is cleared. Done before anything is
 * injected: the kernel would abort the section on the way to the injected
 * call, which would then never run.
 */
static int leave_rseq_cs(struct recorder_task *t, struct attach_thread *a)
{
	struct rseq_config rc;
	struct {
		uint32_t version, flags;
		uint64_t start_ip, post_commit_offset, abort_ip;
	} cs;
	uint64_t regs[X86_NREGS], cs_ptr = 0, zero = 0;
	uint32_t area_flags = 0;
	int err;

	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, t->t.tid, sizeof(rc), &rc) != sizeof(rc) ||
	    !rc.ptr || tracee_read_mem(&t->t, rc.ptr + 8, &cs_ptr, sizeof(cs_ptr)) < 0 || !cs_ptr)
		return 0;
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (tracee_read_mem(&t->t, cs_ptr, &cs, sizeof(cs)) == 0 && regs[X86_RIP] >= cs.start_ip &&
	    regs[X86_RIP] - cs.start_ip < cs.post_commit_offset) {
		tracee_read_mem(&t->t, rc.ptr + 16, &area_flags, sizeof(area_flags));
		if (!((cs.flags | area_flags) & X86_RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT)) {
			regs[X86_RIP] = cs.abort_ip;
			a->flags |= EVF_RSEQ_CS;
			if ((err = tracee_set_regs(&t->t, regs)) < 0)
				return err;
		}
	}
	return tracee_write_mem(&t->t, rc.ptr + 8, &zero, sizeof(zero));
}

/*
 * Takes over the thread's rseq registration as rewind does for a program it
 * starts (emulated, unregistered from the kernel; cpu_id the pinned CPU).
 */
static int take_rseq(struct recorder *r, struct recorder_task *t, struct attach_thread *a)
{
	struct rseq_config rc;
	uint32_t ids[2] = {(uint32_t)r->cpu, (uint32_t)r->cpu};
	int64_t ret;
	int err;

	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, t->t.tid, sizeof(rc), &rc) != sizeof(rc) ||
	    !rc.ptr)
		return 0;
	if ((err = recorder_attach_inject(t, a->regs, SYS_rseq, rc.ptr, rc.size, 1, rc.sig, &ret)) <
	    0)
		return err;
	if (ret < 0) {
		rw_error("thread %d: cannot take over its rseq registration: %s", t->t.tid,
			 strerror((int)-ret));
		return (int)ret;
	}
	/* Unregistering left cpu_id "uninitialised": the program sees the one CPU, as recorded. */
	tracee_write_mem(&t->t, rc.ptr, ids, sizeof(ids));
	t->rseq = (struct x86_rseq_area){rc.ptr, rc.size, rc.sig};
	a->st.rseq_addr = rc.ptr;
	a->st.rseq_len = rc.size;
	a->st.rseq_sig = rc.sig;
	return 0;
}

static void pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(tid, sizeof(set), &set) < 0)
		rw_warn("thread %d: cannot pin it to cpu %d: %s", tid, cpu, strerror(errno));
}

/*
 * The clear-child-tid word cannot be read back from the kernel. glibc
 * points it at the tid field of the thread's struct pthread, which
 * begins at fs_base: the word there that holds the thread's tid.
 */
static uint64_t find_ctid(struct recorder_task *t, uint64_t fs_base)
{
	uint32_t tcb[512];

	if (!fs_base || tracee_read_mem(&t->t, fs_base, tcb, sizeof(tcb)) < 0)
		return 0;
	for (size_t i = 4; i < 512; i++)
		if (tcb[i] == (uint32_t)t->t.tid)
			return fs_base + i * 4;
	return 0;
}

/* The thread's own state, and rdtsc faulting and the one CPU from now on. */
static int take_thread(struct recorder *r, struct recorder_task *t, struct attach_thread *a)
{
	uint64_t stack[3];
	size_t robust_len = 0;
	void *robust = NULL;
	int64_t ret;
	int err, tsc = 0;

	if ((err = tracee_get_regs(&t->t, a->regs)) < 0)
		return err;
	a->taken = true;
	recorder_attach_rewind_restart(t, a->regs);
	a->st.tgid = (uint32_t)t->tgid;
	if (syscall(SYS_get_robust_list, t->t.tid, &robust, &robust_len) == 0) {
		a->st.robust_head = (uint64_t)robust;
		a->st.robust_len = robust_len;
	}
	if ((err = recorder_attach_inject(t, a->regs, SYS_sigaltstack, 0, ATTACH_SCRATCH, 0, 0,
					  &ret)) < 0 ||
	    (err = tracee_read_mem(&t->t, ATTACH_SCRATCH, stack, sizeof(stack))) < 0)
		return err;
	a->st.altstack_sp = stack[0];
	a->st.altstack_flags = stack[1] & 0xffffffff;
	a->st.altstack_size = stack[2];
	if ((err = recorder_attach_inject(t, a->regs, SYS_prctl, PR_GET_TSC, ATTACH_SCRATCH, 0, 0,
					  &ret)) < 0 ||
	    (err = tracee_read_mem(&t->t, ATTACH_SCRATCH, &tsc, sizeof(tsc))) < 0)
		return err;
	t->attach_tsc = ret == 0 && tsc ? tsc : PR_TSC_ENABLE;
	if ((err = recorder_attach_inject(t, a->regs, SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0,
					  &ret)) < 0)
		return err;
	if (sched_getaffinity(t->t.tid, sizeof(t->cpus), (cpu_set_t *)t->cpus) < 0)
		memcpy(t->cpus, r->cpus, sizeof(t->cpus));
	pin(t->t.tid, r->cpu);
	a->st.ctid = find_ctid(t, a->regs[X86_FS_BASE]);
	if ((err = take_rseq(r, t, a)) < 0)
		return err;
	return tracee_set_regs(&t->t, a->regs);
}

/* The process's signal actions, program break, umask, personality and stack limit. */
static int take_process(struct recorder_task *t, struct attach_thread *a)
{
	char buf[256], path[64], *v;
	struct rlimit lim;
	int64_t ret;
	FILE *f;
	int err;

	for (int sig = 1; sig <= 64; sig++) {
		uint64_t act[4];

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if ((err = recorder_attach_inject(t, a->regs, SYS_rt_sigaction, (uint64_t)sig, 0,
						  ATTACH_SCRATCH, 8, &ret)) < 0)
			return err;
		if (ret < 0 || tracee_read_mem(&t->t, ATTACH_SCRATCH, act, sizeof(act)) < 0 ||
		    act[0] == (uint64_t)SIG_DFL)
			continue;
		a->st.actions[a->st.nactions++] =
		    (struct trace_sigaction){(uint32_t)sig, act[0], act[1], act[2], act[3]};
	}
	if ((err = recorder_attach_inject(t, a->regs, SYS_brk, 0, 0, 0, 0, &ret)) < 0)
		return err;
	a->st.brk = (uint64_t)ret;
	if ((v = status_field(t->tgid, "Umask:", buf, sizeof(buf))))
		a->st.umask = (uint32_t)strtoul(v, NULL, 8);
	snprintf(path, sizeof(path), "/proc/%d/personality", t->tgid);
	if ((f = fopen(path, "re"))) {
		if (fscanf(f, "%x", &a->st.personality) != 1)
			a->st.personality = 0;
		fclose(f);
	}
	if (prlimit(t->tgid, RLIMIT_STACK, NULL, &lim) == 0) {
		a->st.stack_cur = lim.rlim_cur;
		a->st.stack_max = lim.rlim_max;
	}
	return 0;
}

/* Keeps the vDSO's bytes from before rewind patches it, to put back at detach. */
static void keep_vdso(struct recorder *r, struct recorder_task *t)
{
	struct recorder_attached *p;
	struct procmap *maps = NULL;
	int n = procmaps_read(t->t.tid, &maps);

	r->attach_procs = xrealloc(r->attach_procs, (r->nattach_procs + 1) * sizeof(*p));
	p = &r->attach_procs[r->nattach_procs++];
	memset(p, 0, sizeof(*p));
	p->tgid = t->tgid;
	for (int i = 0; i < n; i++) {
		if (strcmp(maps[i].path, "[vdso]"))
			continue;
		p->vdso_len = maps[i].end - maps[i].start;
		p->vdso_was = xmalloc(p->vdso_len);
		if (p->vdso_was && tracee_read_mem(&t->t, maps[i].start, p->vdso_was, p->vdso_len) == 0)
			p->vdso = maps[i].start;
	}
	free(maps);
}

static int emit_thread(struct recorder *r, struct recorder_task *t, struct attach_thread *a)
{
	int err;

	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_THREAD, a->regs);
	r->eb.flags = a->flags;
	if ((err = recorder_add_xsave(r, t, true)) < 0)
		return err;
	trace_event_add_attach(&r->eb, &a->st);
	return recorder_emit(r);
}

/* The process's vDSO, [*start, *end), or both 0. */
static void find_vdso(pid_t tid, uint64_t *start, uint64_t *end)
{
	struct procmap *maps = NULL;
	int n = procmaps_read(tid, &maps);

	*start = *end = 0;
	for (int i = 0; i < n; i++)
		if (!strcmp(maps[i].path, "[vdso]")) {
			*start = maps[i].start;
			*end = maps[i].end;
		}
	free(maps);
}

/*
 * A thread stopped inside a vDSO function is stepped out of it before
 * rewind patches the vDSO: the patch would put other instructions under
 * it. Its signals are blocked; a SIGSTOP met is noted as in injected calls.
 */
static int step_out_of_vdso(struct recorder_task *t, uint64_t start, uint64_t end)
{
	uint64_t regs[X86_NREGS];
	int err, st;

	for (int steps = 0; steps < 100000; steps++) {
		if ((err = tracee_get_regs(&t->t, regs)) < 0)
			return err;
		if (regs[X86_RIP] < start || regs[X86_RIP] >= end)
			return 0;
		if (ptrace(PTRACE_SINGLESTEP, t->t.tid, 0, 0) < 0)
			return -errno;
		while (waitpid(t->t.tid, &st, __WALL) < 0)
			if (errno != EINTR)
				return -errno;
		if (!WIFSTOPPED(st))
			return -ESRCH;
		if (WSTOPSIG(st) != SIGTRAP)
			recorder_attach_note_stop(t, st);
	}
	rw_error("thread %d: still in the vDSO after 100000 steps", t->t.tid);
	return -EBUSY;
}

/*
 * An attach that failed half-way: what rewind changed in the threads
 * [first, first + n) and in their process (rdtsc, CPUs, rseq, registers,
 * the vDSO, its pages; `mapped` as in take_over) is put back, so that,
 * let go, the program runs on as if nobody had attached.
 */
static void undo_take_over(struct recorder *r, size_t first, size_t n, struct attach_thread *a,
			   int mapped)
{
	struct recorder_task *lead = r->tasks[first];
	int64_t ret;

	for (size_t i = 0; i < n; i++) {
		struct recorder_task *t = r->tasks[first + i];

		if (!a[i].taken)
			continue;
		if (CPU_COUNT((cpu_set_t *)t->cpus))
			sched_setaffinity(t->t.tid, sizeof(t->cpus), (cpu_set_t *)t->cpus);
		if (mapped && t->attach_tsc)
			recorder_attach_inject(t, a[i].regs, SYS_prctl, PR_SET_TSC,
					       (uint64_t)t->attach_tsc, 0, 0, &ret);
		if (mapped && t->rseq.addr)
			recorder_attach_inject(t, a[i].regs, SYS_rseq, t->rseq.addr, t->rseq.len, 0,
					       t->rseq.sig, &ret);
		t->rseq.addr = 0;
		tracee_set_regs(&t->t, a[i].regs);
	}
	for (size_t i = 0; i < r->nattach_procs; i++)
		if (r->attach_procs[i].tgid == lead->tgid && r->attach_procs[i].vdso)
			tracee_write_mem(&lead->t, r->attach_procs[i].vdso,
					 r->attach_procs[i].vdso_was, r->attach_procs[i].vdso_len);
	if (mapped == 2)
		recorder_attach_inject(lead, a[0].regs, SYS_munmap, ATTACH_SCRATCH, 4096, 0, 0,
				       &ret);
	if (mapped)
		recorder_attach_inject(lead, a[0].regs, SYS_munmap, REWIND_INJECT_PAGE, 4096, 0, 0,
				       &ret);
	if (a[0].taken)
		tracee_set_regs(&lead->t, a[0].regs);
}

/* Takes over the threads [first, r->ntasks) of one process, first its leader. */
static int take_over(struct recorder *r, size_t first)
{
	struct recorder_task *lead = r->tasks[first];
	size_t n = r->ntasks - first;
	struct attach_thread *a = xcalloc(n, sizeof(*a));
	uint64_t *masks = xcalloc(n, sizeof(*masks));
	int64_t ret;
	int err, err2, mapped = 0; /* 1: rewind's page is mapped, 2: and the scratch page */
	uint64_t vdso, vdso_end;

	if ((err = recorder_attach_block_signals(r, first, n, masks, true)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		a[i].st.sigmask = masks[i];
	find_vdso(lead->t.tid, &vdso, &vdso_end);
	for (size_t i = 0; i < n && !err; i++)
		if (!(err = leave_rseq_cs(r->tasks[first + i], &a[i])) && vdso)
			err = step_out_of_vdso(r->tasks[first + i], vdso, vdso_end);
	if (err || (err = tracee_get_regs(&lead->t, a[0].regs)) < 0)
		goto out;
	a[0].taken = true;
	if ((err = recorder_map_inject_page(r, lead, a[0].regs)) < 0)
		goto out;
	mapped = 1;
	if ((err = recorder_attach_inject(
		 lead, a[0].regs, SYS_mmap, ATTACH_SCRATCH, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, &ret)) < 0 ||
	    (err = tracee_set_regs(&lead->t, a[0].regs)) < 0)
		goto out;
	if (ret != (int64_t)ATTACH_SCRATCH) {
		err = ret < 0 ? (int)ret : -EEXIST;
		goto out;
	}
	mapped = 2;
	for (size_t i = 0; i < n && !err; i++) {
		if (i) {
			recorder_mm_put(r->tasks[first + i]->mm);
			r->tasks[first + i]->mm = recorder_mm_get(lead->mm);
		}
		err = take_thread(r, r->tasks[first + i], &a[i]);
	}
	if (!err)
		err = take_process(lead, &a[0]);
	if (!err && (err = recorder_attach_inject(lead, a[0].regs, SYS_munmap, ATTACH_SCRATCH, 4096,
						  0, 0, &ret)) == 0)
		mapped = 1;
	if (!err)
		err = tracee_set_regs(&lead->t, a[0].regs);
	if (err)
		goto out;
	keep_vdso(r, lead);
	r->attaching = true;
	err = recorder_record_image(r, lead, a[0].regs, EVF_ATTACH | a[0].flags, &a[0].st);
	r->attaching = false;
	for (size_t i = 1; i < n && !err; i++)
		err = emit_thread(r, r->tasks[first + i], &a[i]);
	if (!err)
		written_pages_exec(r, lead);
	for (size_t i = 0; i < n; i++)
		r->tasks[first + i]->state = TASK_READY;
out:
	if (err)
		undo_take_over(r, first, n, a, mapped);
	if ((err2 = recorder_attach_block_signals(r, first, n, masks, false)) < 0 && !err)
		err = err2;
	if (err)
		rw_error("rec: process %d: cannot take it over: %s", lead->tgid, strerror(-err));
	free(masks);
	free(a);
	return err;
}

int recorder_attach_contents(struct recorder *r, struct recorder_task *t, uint64_t start,
			     uint64_t end)
{
	char path[64];
	uint64_t pm[512];
	uint8_t *page = xmalloc(4096 * 64);
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->t.tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(page);
		return -errno;
	}
	for (uint64_t a = start; a < end && !err;) {
		size_t k = (size_t)((end - a) / 4096 < 512 ? (end - a) / 4096 : 512), got;

		if (pread(fd, pm, k * 8, (off_t)(a / 4096 * 8)) != (ssize_t)(k * 8)) {
			err = -EIO;
			break;
		}
		for (size_t i = 0; i < k;) {
			size_t run = 0;

			while (i + run < k && run < 64 &&
			       (((pm[i + run] & PM_PRESENT) && !(pm[i + run] & PM_FILE)) ||
				(pm[i + run] & PM_SWAPPED)))
				run++;
			if (!run) {
				i++;
				continue;
			}
			got = tracee_read_mem_partial(&t->t, a + i * 4096, page, run * 4096);
			if (got)
				trace_event_add_mem(&r->eb, a + i * 4096, page, got);
			i += run;
		}
		a += k * 4096;
	}
	if (err)
		rw_error("pid %d: cannot read %s: %s", t->t.tid, path, strerror(-err));
	close(fd);
	free(page);
	return err;
}

int recorder_attach(struct recorder *r, const pid_t *pids, size_t npids)
{
	int held[4096] = {0};
	int err = 0;

	for (size_t i = 0; i < npids; i++)
		if ((err = recorder_attach_check(pids[i])) < 0)
			return err;
	r->use_seccomp = false;
	r->attached = true;
	/* Its own stdout and stderr are the output replay reproduces, not rewind's. */
	for (int fd = 1; fd <= 2; fd++) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pids[0], fd);
		r->out_id[fd].valid = stat(path, &st) == 0;
		r->out_id[fd].dev = st.st_dev;
		r->out_id[fd].ino = st.st_ino;
	}
	for (size_t i = 0; i < npids && !err; i++) {
		size_t first = r->ntasks;

		if (r->ntasks >= sizeof(held) / sizeof(held[0]) - 256)
			err = -E2BIG;
		if (!err && !(err = seize_process(r, pids[i], held)))
			err = take_over(r, first);
	}
	if (err) {
		for (size_t i = 0; i < r->ntasks; i++) {
			struct recorder_task *t = r->tasks[i];

			ptrace(PTRACE_DETACH, t->t.tid, 0, held[i]);
			if (t->attach_stop_sig)
				syscall(SYS_tgkill, t->tgid, t->t.tid, t->attach_stop_sig);
		}
		return err;
	}
	r->first_pid = pids[0];
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *t = r->tasks[i];

		if (held[i])
			syscall(SYS_tgkill, t->tgid, t->t.tid, held[i]);
		if (t->attach_stop_sig)
			syscall(SYS_tgkill, t->tgid, t->t.tid, t->attach_stop_sig);
		t->attach_stop_sig = 0;
	}
	return 0;
}
