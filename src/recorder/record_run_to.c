/*
 * Execution points that replay reaches by running the thread to them
 * (arch/x86_64/run_to.h): where the recorder stops a thread in user code
 * (a preemption, or a held-back signal that waited too long), it first
 * moves the thread a few single steps to an instruction a jump can replace
 * (a "site"), outside any rseq critical section, and records the registers
 * there. If a syscall or an instruction that traps comes first, there is
 * no execution point: the thread's next event is a moment as good and
 * exact. The event's fingerprint tells replay which visit of the site is
 * the recorded one when several have the same registers: the bytes of the
 * stack around rsp (which hold a -O0 loop's counters: replay learns from
 * them which words to compare in the thread), and every page that
 * changed since the address space's previous execution point.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/run_to.h"
#include "arch/x86_64/syscall_table.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "recorder/recorder.h"

/* Single steps to look for a site: a few are the rule; a rep-prefixed copy may need more. */
#define SITE_MAX_STEPS 256
/* The stack window hashed: the red zone below rsp and the frames above it. */
#define STACK_BELOW 128
#define STACK_ABOVE 1024
/*
 * Single steps that look for the thread's way back to its site, with
 * every register as it was there (a loop that only waits): a spin loop is
 * a few instructions; a longer one is not taken for one.
 */
#define SPIN_PROBE_STEPS 24

/* Whether the thread may stop at rip: a site, and not inside its rseq critical section. */
static enum x86_site_class site_at(struct recorder_task *t, uint64_t rip)
{
	uint8_t code[16];
	size_t got = tracee_read_mem_partial(&t->t, rip, code, sizeof(code)), len;
	enum x86_site_class cls = x86_site_class(code, got, rip, &len);

	if (cls == X86_SITE_OK && t->rseq.addr &&
	    x86_rseq_in_critical_section(&t->t, &t->rseq, rip))
		return X86_SITE_SHORT; /* step out of it: no abort is needed then */
	return cls;
}

/*
 * A signal that arrived while the thread was stepped: one sent to it is
 * held back as it would be in user code; a fault of the stepped
 * instruction means no execution point here (it faults again when the
 * thread runs on, and is recorded then). 0 to step on, 1 to stop looking.
 */
static int stepped_into_signal(struct recorder *r, struct recorder_task *t, int sig)
{
	siginfo_t si;
	int pass = 0, err;

	if (ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si) < 0)
		return -errno;
	if ((sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGSYS) &&
	    si.si_code > 0 && si.si_code != SI_KERNEL)
		return 1;
	if ((err = recorder_signal_stop(r, t, sig, &pass)) < 0)
		return err;
	t->pass_sig = pass;
	return pass ? 1 : 0;
}

/*
 * One single step of t, regs updated: 0 done, 1 when a signal means no
 * execution point here (see stepped_into_signal), RECORDER_TASK_ENDED,
 * or a negative errno.
 */
static int step_once(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	int st = tracee_resume(&t->t, PTRACE_SINGLESTEP, 0), err;

	if (st < 0)
		return st;
	if (t->t.stop == TRACEE_STOP_EXITED)
		return RECORDER_TASK_ENDED;
	if (WIFSTOPPED(st) && WSTOPSIG(st) != SIGTRAP &&
	    (err = stepped_into_signal(r, t, WSTOPSIG(st))) != 0)
		return err;
	return tracee_get_regs(&t->t, regs);
}

int recorder_chaos_steps(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	int n = (int)(recorder_chaos_random(r) % 8), err;

	if (recorder_restarts_syscall(regs))
		return 0;
	for (int steps = 0; steps < n; steps++) {
		enum x86_site_class cls = site_at(t, regs[X86_RIP]);

		if (cls == X86_SITE_SYSCALL || cls == X86_SITE_SPECIAL)
			return 0; /* its next event comes at once */
		if ((err = step_once(r, t, regs)) != 0)
			return err == 1 ? 0 : err;
	}
	return 1;
}

/*
 * Whether resuming the thread restarts the syscall a signal interrupted (its
 * result a restart code, the signal dropped): a single step would run that
 * syscall with the trap flag set, which the flags it saves (r11) would show.
 */
bool recorder_restarts_syscall(const uint64_t regs[X86_NREGS])
{
	return (int64_t)regs[X86_ORIG_RAX] >= 0 && x86_restart_code(x86_regs_result(regs));
}

int recorder_step_to_site(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	int err;

	if (!r->run_to)
		return RECORDER_NO_SITE;
	if (recorder_restarts_syscall(regs))
		return 0; /* its next event comes at once, or it waits in the call */
	for (int steps = 0; steps < SITE_MAX_STEPS; steps++) {
		switch (site_at(t, regs[X86_RIP])) {
		case X86_SITE_OK:
			return 1;
		case X86_SITE_SYSCALL:
		case X86_SITE_SPECIAL:
			return 0; /* its next event comes at once */
		default:
			break;
		}
		if ((err = step_once(r, t, regs)) != 0)
			return err == 1 ? 0 : err;
	}
	rw_debug("pid %d: no site within %d steps of %#llx", t->t.tid, SITE_MAX_STEPS,
		 (unsigned long long)regs[X86_RIP]);
	return RECORDER_NO_SITE;
}

/*
 * Whether a loop's iteration left every general register as it was: the
 * flags aside, since a counter in memory that the loop adds to sets them
 * anew at each round (a loop holds no state in the flags alone).
 */
static bool same_regs(const uint64_t a[X86_NREGS], const uint64_t b[X86_NREGS])
{
	for (int i = 0; i < X86_NREGS; i++)
		if (i != X86_ORIG_RAX && i != X86_EFLAGS && a[i] != b[i])
			return false;
	return true;
}

int recorder_step_to_site_probing(struct recorder *r, struct recorder_task *t,
				  uint64_t regs[X86_NREGS], bool *spins)
{
	uint64_t at_site[X86_NREGS];
	int err = recorder_step_to_site(r, t, regs);

	*spins = false;
	if (err != 1)
		return err;
	memcpy(at_site, regs, sizeof(at_site));
	for (int steps = 0; steps < SPIN_PROBE_STEPS; steps++) {
		if (steps) {
			if (regs[X86_RIP] == at_site[X86_RIP]) {
				*spins = same_regs(regs, at_site);
				return 1;
			}
			enum x86_site_class cls = site_at(t, regs[X86_RIP]);

			if (cls == X86_SITE_SYSCALL || cls == X86_SITE_SPECIAL)
				return 0; /* its next event comes at once */
		}
		if ((err = step_once(r, t, regs)) != 0)
			return err == 1 ? 0 : err;
	}
	/* No loop this short through the site: a site from here on instead. */
	return recorder_step_to_site(r, t, regs);
}

static void add_hole(struct recorder *r, uint64_t addr, uint64_t len)
{
	if (addr && len &&
	    r->nexpect_holes < (int)(sizeof(r->expect_holes) / sizeof(r->expect_holes[0])))
		r->expect_holes[r->nexpect_holes++] = (struct expect_hole){addr, len};
}

/*
 * The words the kernel wrote for a clone of u's still in progress: the
 * new thread's tid (CLONE_PARENT_SETTID, CLONE_CHILD_SETTID) and a pidfd.
 * Replay's kernel writes its own there, and replay puts the recorded ones
 * back only at the clone's exit: until then they differ, rightly.
 */
static void clone_holes(struct recorder *r, struct recorder_task *u)
{
	const uint64_t *a = u->entry_regs;
	uint64_t flags = a[X86_RDI], args[4] = {0};

	if (u->cur_sysno == SYS_clone) {
		if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD))
			add_hole(r, a[X86_RDX], 4);
		if (flags & CLONE_CHILD_SETTID)
			add_hole(r, a[X86_R10], 4);
		return;
	}
	/* struct clone_args: flags, pidfd, child_tid, parent_tid */
	if (tracee_read_mem(&u->t, a[X86_RDI], args, sizeof(args)) < 0)
		return;
	if (args[0] & CLONE_PIDFD)
		add_hole(r, args[1], 4);
	if (args[0] & CLONE_CHILD_SETTID)
		add_hole(r, args[2], 4);
	if (args[0] & CLONE_PARENT_SETTID)
		add_hole(r, args[3], 4);
}

struct syscall_holes {
	struct recorder *r;
	struct recorder_task *u;
	const uint64_t *args;
};

static int hole_read_mem(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return tracee_read_mem(&((struct syscall_holes *)opaque)->u->t, addr, buf, len);
}

static int hole_region(void *opaque, const struct x86_entry_region *reg)
{
	struct syscall_holes *sh = opaque;

	if (reg->kind == X86_ENTRY_BYTES && !reg->in && reg->arg < 6)
		add_hole(sh->r, sh->args[reg->arg], reg->len);
	return 0;
}

/*
 * Where a syscall of u's in progress may have written already: the kernel
 * ran it (a clock_gettime, a stat) while the recorder had let other
 * threads go on, and its exit event, where replay writes the same bytes,
 * comes after this point. Blocking syscalls write to scratch buffers.
 */
static void syscall_holes(struct recorder *r, struct recorder_task *u)
{
	struct x86_sys_entry_ctx ctx = {
	    .nr = u->cur_sysno, .read_mem = hole_read_mem, .region = hole_region, .any = true};
	struct syscall_holes sh = {r, u, ctx.args};
	const struct x86_syscall_desc *d = x86_syscall_lookup(u->cur_sysno);

	if (!d || (d->flags & SYSF_MAY_BLOCK) || u->cur_emulated)
		return;
	ctx.opaque = &sh;
	x86_regs_args(u->entry_regs, ctx.args);
	x86_syscall_entry_regions(&ctx);
}

static void find_expect_holes(struct recorder *r, struct recorder_task *t)
{
	r->nexpect_holes = 0;
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *u = r->tasks[i];

		if (u == t || u->mm != t->mm || (u->state != TASK_IN_SYSCALL && !u->exit_deferred))
			continue;
		if (u->cur_sysno == SYS_clone || u->cur_sysno == SYS_clone3)
			clone_holes(r, u);
		else
			syscall_holes(r, u);
	}
}

void recorder_add_expect(struct recorder *r, uint64_t addr, const uint8_t *data, size_t len)
{
	for (int i = 0; i < r->nexpect_holes; i++) {
		uint64_t h = r->expect_holes[i].addr, hend = h + r->expect_holes[i].len;

		if (hend <= addr || h >= addr + len)
			continue;
		if (h > addr)
			recorder_add_expect(r, addr, data, h - addr);
		if (hend < addr + len)
			recorder_add_expect(r, hend, data + (hend - addr), addr + len - hend);
		return;
	}
	trace_event_add_expect(&r->eb, addr, data, len);
}

int recorder_add_fingerprint(struct recorder *r, struct recorder_task *t,
			     const uint64_t regs[X86_NREGS])
{
	uint8_t window[STACK_BELOW + STACK_ABOVE];
	uint64_t start = regs[X86_RSP] - STACK_BELOW;
	size_t got = tracee_read_mem_partial(&t->t, start, window, sizeof(window));
	uint64_t ran = proc_runtime_ns(t->t.tid);

	/* How long replay may run the thread to the point before it calls that a divergence. */
	trace_event_add_runtime(&r->eb, ran > t->point_runtime_ns
						? (ran - t->point_runtime_ns) / 1000 + 1
						: 1);
	t->point_runtime_ns = ran;
	find_expect_holes(r, t);
	if (got)
		recorder_add_expect(r, start, window, got);
	r->fingerprint_rsp = regs[X86_RSP];
	return recorder_add_exec_point_hashes(r, t);
}
