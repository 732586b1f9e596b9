/*
 * Autopilot replay: re-executes the recorded program natively, stopping it
 * at every syscall with PTRACE_SYSEMU (so the kernel never runs a syscall
 * the replayer does not choose to run), checks its registers against the
 * recorded entry event, then either emulates the syscall (recorded memory
 * written, recorded registers set) or runs it for real when it changes the
 * address space or kernel state the program depends on.
 */
#define _GNU_SOURCE
#include "replayer/replay.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <stddef.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/syscall_table.h"
#include "arch/x86_64/tsc.h"
#include "common/cpu_affinity.h"
#include "common/log.h"
#include "replayer/replayer.h"

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

struct rseq_configuration {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

static const char *sys_name(long nr)
{
	const char *n = x86_syscall_name(nr);

	return n ? n : "?";
}

/* "event N", with the recorded tid when the trace has more than one task. */
static const char *event_name(const struct replayer *r, char *buf, size_t len)
{
	if (r->tasks.n > 1)
		snprintf(buf, len, "event %llu, tid %u", (unsigned long long)r->ev.seq, r->ev.tid);
	else
		snprintf(buf, len, "event %llu", (unsigned long long)r->ev.seq);
	return buf;
}

static int diverged(struct replayer *r, const uint64_t recorded[X86_NREGS],
		    const uint64_t live[X86_NREGS], const char *what)
{
	char diff[4096], where[64];
	int n = x86_regs_diff(recorded, live, diff, sizeof(diff));

	rw_error("divergence at %s (%s): %d register%s differ%s:\n%s",
		 event_name(r, where, sizeof(where)), what, n, n == 1 ? "" : "s", n == 1 ? "s" : "",
		 diff);
	return -EPROTO;
}

static int unexpected_stop(struct replayer *r, const char *expected)
{
	struct tracee *t = &r->tasks.cur->t;
	int st = t->wait_status;
	uint64_t regs[X86_NREGS];
	char got[128], where[64];

	if (WIFEXITED(st))
		snprintf(got, sizeof(got), "the process exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(got, sizeof(got), "the process was killed by %s", strsignal(WTERMSIG(st)));
	else if (tracee_get_regs(t, regs) == 0)
		snprintf(got, sizeof(got), "signal %s at rip 0x%llx", strsignal(WSTOPSIG(st)),
			 (unsigned long long)regs[X86_RIP]);
	else
		snprintf(got, sizeof(got), "stop status 0x%x", st);
	rw_error("divergence at %s: expected %s, got %s", event_name(r, where, sizeof(where)),
		 expected, got);
	return -EPROTO;
}

static int check_xsave(struct replayer *r, const char *what);

int replayer_check_xsave(struct replayer *r, const char *what)
{
	int err = check_xsave(r, what);

	return err < 0 ? err : 1;
}

int replayer_unexpected_stop(struct replayer *r, const char *expected)
{
	return unexpected_stop(r, expected);
}

static void watch_event_writes(struct replayer *r);

static int emulate(struct replayer *r)
{
	int err = replayer_write_mem(r);

	if (!err && r->debug.nwatches)
		watch_event_writes(r);
	if (!err)
		err = tracee_set_regs(&r->tasks.cur->t, r->ev.regs);
	if (!err && r->ev.output_fd && r->ev.output_len && !r->debug.quiet) {
		int fd = r->ev.output_fd == 2 ? 2 : 1;
		size_t done = 0;

		while (done < r->ev.output_len) {
			ssize_t n = write(fd, r->ev.output + done, r->ev.output_len - done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break; /* our own stdout closed: the replay goes on */
			done += (size_t)n;
		}
	}
	return err;
}

/* Runs the program's own syscall (with possibly changed arguments) for real. */
static int run_real(struct replayer *r, const uint64_t entry[X86_NREGS], const uint64_t args[6],
		    int64_t *ret)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t in[X86_NREGS], out[X86_NREGS];
	int err;

	memcpy(in, entry, sizeof(in));
	in[X86_RAX] = entry[X86_ORIG_RAX];
	in[X86_RDI] = args[0];
	in[X86_RSI] = args[1];
	in[X86_RDX] = args[2];
	in[X86_R10] = args[3];
	in[X86_R8] = args[4];
	in[X86_R9] = args[5];
	/*
	 * Single-stepped: one stop for the call. Not rt_sigreturn, which
	 * returns to the frame's address rather than after its instruction.
	 */
	if (in[X86_RAX] == SYS_rt_sigreturn)
		err = tracee_syscall_at(t, entry[X86_RIP] - X86_SYSCALL_INSN_LEN, in, out);
	else
		err = tracee_syscall_step(t, entry[X86_RIP] - X86_SYSCALL_INSN_LEN, in, out);
	if (!err)
		*ret = (int64_t)out[X86_RAX];
	return err;
}

static int check_result(struct replayer *r, long nr, int64_t got)
{
	int64_t want = x86_regs_result(r->ev.regs);

	if (got == want)
		return 0;
	rw_error("divergence at event %llu (%s): recorded result %lld, replay %lld",
		 (unsigned long long)r->ev.seq, sys_name(nr), (long long)want, (long long)got);
	return -EPROTO;
}

static int replay_mmap(struct replayer *r, const uint64_t entry[X86_NREGS], uint64_t args[6])
{
	int64_t want = x86_regs_result(r->ev.regs), got, closed;
	int fd = -1, err;

	args[0] = (uint64_t)want;
	args[3] = (args[3] & ~(uint64_t)MAP_FIXED_NOREPLACE) | MAP_FIXED;
	if (!(args[3] & MAP_ANONYMOUS)) {
		if (r->ev.nmaps == 1 && r->ev.maps[0].kind == MAPK_FILE) {
			fd = replayer_open_map_file(r, &r->ev.maps[0], (args[3] & MAP_SHARED) != 0);
			if (fd < 0)
				return fd;
			args[4] = (uint64_t)fd;
		} else {
			/* A device such as /dev/zero: its pages read as zeros. */
			args[3] |= MAP_ANONYMOUS;
			args[4] = (uint64_t)-1;
			args[5] = 0;
		}
	}
	err = run_real(r, entry, args, &got);
	if (!err && fd >= 0)
		err = replayer_inject(r, SYS_close, (uint64_t)fd, 0, 0, 0, 0, 0, &closed);
	if (!err)
		err = check_result(r, SYS_mmap, got);
	return err;
}

static int replay_brk(struct replayer *r)
{
	uint64_t want = (uint64_t)x86_regs_result(r->ev.regs);
	uint64_t old_end = (r->tasks.cur->brk + 4095) & ~4095ull,
		 new_end = (want + 4095) & ~4095ull;
	int64_t ret = 0;
	int err = 0;

	if (r->tasks.cur->brk && new_end > old_end)
		err =
		    replayer_inject(r, SYS_mmap, old_end, new_end - old_end, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, (uint64_t)-1, 0, &ret);
	else if (r->tasks.cur->brk && new_end < old_end)
		err = replayer_inject(r, SYS_munmap, new_end, old_end - new_end, 0, 0, 0, 0, &ret);
	if (!err && ret < 0) {
		rw_error("event %llu: cannot move the program break to 0x%llx: %s",
			 (unsigned long long)r->ev.seq, (unsigned long long)want,
			 strerror((int)-ret));
		return (int)ret;
	}
	replay_tasks_set_brk(&r->tasks, want);
	return err;
}

/* The tracee has ended: its status must be the recorded one (a core dump or not aside). */
static int check_exit(struct replayer *r, int st)
{
	struct tracee *t = &r->tasks.cur->t;
	struct replay_task *task;

	if (t->stop != TRACEE_STOP_EXITED || (st & ~0x80) != (r->ev.exit_status & ~0x80)) {
		if (t->stop != TRACEE_STOP_EXITED)
			return unexpected_stop(r, "the end of the process");
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

#define X86_EFLAGS_TF 0x100ull
#define DR_OFFSET(i)  (offsetof(struct user, u_debugreg) + (size_t)(i) * sizeof(long))

/*
 * The debug register pieces the watchpoints take: each an aligned 1, 2, 4
 * or 8 bytes. Returns their count, or -ENOSPC past the CPU's four.
 */
static int watch_slots(const struct replayer *r, uint64_t addr[4], int len[4], int owner[4])
{
	int n = 0;

	for (int w = 0; w < r->debug.nwatches; w++) {
		uint64_t a = r->debug.watches[w].addr, end = a + r->debug.watches[w].len;

		while (a < end) {
			int l = 8;

			while (l > 1 && ((a & (uint64_t)(l - 1)) || a + (uint64_t)l > end))
				l /= 2;
			if (n == 4)
				return -ENOSPC;
			addr[n] = a;
			len[n] = l;
			owner[n++] = w;
			a += (uint64_t)l;
		}
	}
	return n;
}

/* Notes the values under read watchpoints: a hit that changed one was a write. */
static void watch_remember(struct replayer *r)
{
	for (int w = 0; w < r->debug.nwatches; w++) {
		struct replay_watch *x = &r->debug.watches[w];

		x->have_old =
		    x->type == 3 && tracee_read_mem(&r->tasks.cur->t, x->addr, x->old, x->len) == 0;
	}
}

/* Programs the watchpoints into the tracee's debug registers. */
static int apply_watches(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	static const unsigned len_bits[9] = {[1] = 0, [2] = 1, [4] = 3, [8] = 2};
	uint64_t addr[4], dr7 = 0;
	int len[4], owner[4], n = watch_slots(r, addr, len, owner);

	if (n < 0)
		return n;
	if (ptrace(PTRACE_POKEUSER, t->tid, DR_OFFSET(7), 0) < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		unsigned rw = r->debug.watches[owner[i]].type == 2 ? 1 : 3; /* no read-only kind */

		if (ptrace(PTRACE_POKEUSER, t->tid, DR_OFFSET(i), addr[i]) < 0)
			return -errno;
		dr7 |= (1ull << (2 * i)) | ((uint64_t)rw << (16 + 4 * i)) |
		       ((uint64_t)len_bits[len[i]] << (18 + 4 * i));
	}
	if (n && ptrace(PTRACE_POKEUSER, t->tid, DR_OFFSET(7), dr7) < 0)
		return -errno;
	r->debug.dr_tid = t->tid;
	r->tasks.cur->dr_gen = r->debug.watch_gen;
	watch_remember(r);
	return 0;
}

int replayer_set_watch(struct replayer *r, int type, uint64_t addr, uint64_t len, bool insert)
{
	uint64_t a[4];
	int l[4], o[4];

	if (type < 2 || type > 4 || len == 0 || len > 32 || addr + len < addr)
		return -EINVAL;
	for (int w = 0; w < r->debug.nwatches; w++) {
		struct replay_watch *x = &r->debug.watches[w];

		if (x->addr != addr || x->len != len || x->type != type)
			continue;
		if (!insert) {
			*x = r->debug.watches[--r->debug.nwatches];
			r->debug.dr_tid = 0;
			r->debug.watch_gen++;
		}
		return 0;
	}
	if (!insert)
		return 0;
	if (r->debug.nwatches == REPLAY_MAX_WATCHES)
		return -ENOSPC;
	r->debug.watches[r->debug.nwatches++] =
	    (struct replay_watch){.addr = addr, .len = len, .type = type};
	if (watch_slots(r, a, l, o) < 0) {
		r->debug.nwatches--;
		return -ENOSPC;
	}
	r->debug.dr_tid = 0;
	r->debug.watch_gen++;
	return 0;
}

/*
 * A SIGTRAP from a watchpoint: which one, from DR6 (cleared for the next).
 * Returns 1 for a stop, 0 if no watchpoint fired, 2 for a write that
 * fired a read watchpoint (its value changed), which is no stop.
 */
static int watch_fired(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t addr[4];
	int len[4], owner[4], n, slot;
	struct replay_watch *x;
	uint8_t now[32];
	long dr6;

	errno = 0;
	dr6 = ptrace(PTRACE_PEEKUSER, t->tid, DR_OFFSET(6), 0);
	if ((dr6 == -1 && errno) || !(dr6 & 0xf))
		return 0;
	ptrace(PTRACE_POKEUSER, t->tid, DR_OFFSET(6), 0);
	n = watch_slots(r, addr, len, owner);
	slot = ffs((int)(dr6 & 0xf)) - 1;
	if (slot >= n)
		return 0;
	x = &r->debug.watches[owner[slot]];
	if (x->type == 3 && x->have_old && tracee_read_mem(t, x->addr, now, x->len) == 0 &&
	    memcmp(now, x->old, x->len)) {
		memcpy(x->old, now, x->len);
		return 2;
	}
	r->debug.stop.kind = REPLAY_STOP_WATCH;
	r->debug.stop.addr = r->debug.watches[owner[slot]].addr;
	r->debug.stop.watch_type = r->debug.watches[owner[slot]].type;
	return true;
}

/* After an emulated syscall: the first write or access watchpoint its memory touched. */
static void watch_event_writes(struct replayer *r)
{
	for (size_t i = 0; i < r->ev.nmem; i++) {
		const struct trace_mem *m = &r->ev.mem[i];

		for (int w = 0; w < r->debug.nwatches; w++) {
			const struct replay_watch *x = &r->debug.watches[w];

			if (x->type == 3 || m->addr >= x->addr + x->len ||
			    x->addr >= m->addr + m->len)
				continue;
			r->debug.event_watch = true;
			r->debug.event_watch_addr = x->addr;
			r->debug.event_watch_type = x->type;
			return;
		}
	}
}

/* reach(): the tracee stopped where the pending event says, or a debugger stop came first. */
#define REACHED	   REPLAY_REACHED
#define DEBUG_STOP REPLAY_DEBUG_STOP

static struct replay_breakpoint *breakpoint_at(struct replayer *r, uint64_t addr)
{
	for (int i = 0; i < r->debug.nbps; i++)
		if (r->debug.bps[i].addr == addr && r->debug.bps[i].inserted)
			return &r->debug.bps[i];
	return NULL;
}

/*
 * Resumes toward the pending event's stop. In step mode one instruction at
 * most runs (a syscall instruction stops at its entry without running).
 * A SIGTRAP at one of our breakpoints, or ending a step, is a debugger
 * stop: the event stays pending. Returns REACHED (wait status in *status),
 * DEBUG_STOP, or a negative errno.
 */
static int reach(struct replayer *r, int request, int *status)
{
	struct tracee *t = &r->tasks.cur->t;
	siginfo_t si;
	int st;

	if (r->debug.mode == REPLAY_MODE_STEP && request == PTRACE_SYSEMU)
		request = PTRACE_SYSEMU_SINGLESTEP;
again:
	r->progress.ran = true;
	t->report_kick = r->hooks.kick_ms > 0;
	st = tracee_resume(t, request, r->tasks.cur->pass_sig);
	t->report_kick = false;
	r->tasks.cur->pass_sig = 0;
	if (t->kicked) {
		/* Interrupted by us: nothing of the program's; the signal is not passed. */
		t->kicked = false;
		r->debug.stop.kind = REPLAY_STOP_KICK;
		return DEBUG_STOP;
	}
	if (st < 0)
		return st;
	*status = st;
	if (t->stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP ||
	    (st >> 16) || !replay_task_debugged(r))
		return REACHED;
	switch (r->debug.nwatches ? watch_fired(r) : 0) {
	case 1:
		return DEBUG_STOP;
	case 2:
		if (r->debug.mode != REPLAY_MODE_STEP)
			goto again;
		r->debug.stop.kind = REPLAY_STOP_STEP;
		return DEBUG_STOP;
	}
	if (r->debug.nbps) {
		uint64_t regs[X86_NREGS];

		struct replay_breakpoint *b;

		if (tracee_get_regs(t, regs) == 0 && (b = breakpoint_at(r, regs[X86_RIP] - 1))) {
			regs[X86_RIP] -= 1;
			if ((st = tracee_set_regs(t, regs)) < 0)
				return st;
			r->debug.stop.kind = REPLAY_STOP_BREAKPOINT;
			r->debug.stop.addr = b->addr;
			r->debug.stop.owners = b->owners;
			return DEBUG_STOP;
		}
	}
	if (r->debug.mode == REPLAY_MODE_STEP && ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) == 0 &&
	    si.si_code == TRAP_TRACE) {
		r->debug.stop.kind = REPLAY_STOP_STEP;
		return DEBUG_STOP;
	}
	return REACHED; /* the program's own SIGTRAP, part of the recording */
}

int replayer_reach(struct replayer *r, int request, int *status)
{
	return reach(r, request, status);
}

/* Breakpoints are patched into the memory of the process the debugger looks at. */
static struct tracee *bp_tracee(struct replayer *r)
{
	struct tracee *t = replay_debugged_tracee(r);

	if (!t)
		for (int i = 0; i < r->debug.nbps; i++)
			r->debug.bps[i].inserted = false; /* that process has ended */
	return t;
}

void replayer_breakpoints_insert(struct replayer *r)
{
	static const uint8_t int3 = 0xcc;
	struct tracee *t = bp_tracee(r);

	for (int i = 0; t && i < r->debug.nbps; i++) {
		struct replay_breakpoint *b = &r->debug.bps[i];
		uint8_t now;

		if (r->debug.step_over && b->addr == r->debug.step_over_addr) {
			if (b->inserted)
				tracee_write_mem(t, b->addr, &b->orig, 1);
			b->inserted = false;
			continue;
		}
		if (tracee_read_mem(t, b->addr, &now, 1) < 0) {
			b->inserted = false; /* not mapped (yet) */
			continue;
		}
		if (b->inserted && now == int3)
			continue;
		b->orig = now;
		b->inserted = tracee_write_mem(t, b->addr, &int3, 1) == 0;
	}
}

void replayer_breakpoints_remove(struct replayer *r)
{
	struct tracee *t = bp_tracee(r);

	for (int i = 0; t && i < r->debug.nbps; i++) {
		struct replay_breakpoint *b = &r->debug.bps[i];

		if (b->inserted)
			tracee_write_mem(t, b->addr, &b->orig, 1);
		b->inserted = false;
	}
}

int replayer_set_breakpoint_for(struct replayer *r, uint64_t addr, unsigned owner, bool insert)
{
	for (int i = 0; i < r->debug.nbps; i++) {
		struct replay_breakpoint *b = &r->debug.bps[i];

		if (b->addr != addr)
			continue;
		b->owners = insert ? b->owners | owner : b->owners & ~owner;
		if (b->owners)
			return 0;
		/* Nobody wants it: out of the program's code (it may be inserted now). */
		if (b->inserted && bp_tracee(r))
			tracee_write_mem(bp_tracee(r), b->addr, &b->orig, 1);
		*b = r->debug.bps[--r->debug.nbps];
		return 0;
	}
	if (!insert)
		return 0;
	if (r->debug.nbps == REPLAY_MAX_BREAKPOINTS)
		return -ENOSPC;
	r->debug.bps[r->debug.nbps++] = (struct replay_breakpoint){addr, 0, false, owner};
	return 0;
}

int replayer_set_breakpoint(struct replayer *r, uint64_t addr, bool insert)
{
	return replayer_set_breakpoint_for(r, addr, REPLAY_BP_USER, insert);
}

static int replay_exit(struct replayer *r, const uint64_t entry[X86_NREGS])
{
	int st, err;
	uint64_t regs[X86_NREGS];

	memcpy(regs, entry, sizeof(regs));
	regs[X86_RAX] = entry[X86_ORIG_RAX];
	regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
	if ((err = tracee_set_regs(&r->tasks.cur->t, regs)) < 0)
		return err;
	if (r->tasks.n > 1) {
		/*
		 * Other tasks may have events before this one's end (a thread group
		 * leader's end waits for its other threads): reaped at its EV_EXIT.
		 */
		struct replay_task *task = r->tasks.cur;

		err = tracee_resume_nowait(&r->tasks.cur->t, PTRACE_CONT, r->tasks.cur->pass_sig);
		r->tasks.cur->pass_sig = 0;
		task->exiting = true;
		if (entry[X86_ORIG_RAX] == SYS_exit_group)
			replay_tasks_exiting(&r->tasks, task->rec_tgid);
		else if (!err && task->rec_tid != task->rec_tgid) {
			/*
			 * A thread's end clears its CLONE_CHILD_CLEARTID word: done before
			 * any other task runs, as the recorder made sure it was.
			 */
			if ((st = tracee_wait(&r->tasks.cur->t)) < 0)
				return st;
			task->reaped = true;
			task->end_status = st;
		}
		return err;
	}
	st = tracee_resume(&r->tasks.cur->t, PTRACE_CONT, r->tasks.cur->pass_sig);
	r->tasks.cur->pass_sig = 0;
	if (st < 0)
		return st;
	if ((err = replayer_next_event(r)) <= 0)
		return err < 0 ? err : -ENODATA;
	if (r->ev.kind != EV_EXIT)
		return unexpected_stop(r, trace_event_kind_name(r->ev.kind));
	return check_exit(r, st);
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
static int exec_takeover(struct replayer *r)
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
			return check_exit(r, st);
		pass = WIFSTOPPED(st) && !(st >> 16) && WSTOPSIG(st) == sig ? sig : 0;
	}
	rw_error("divergence at event %llu: tid %u did not die of %s", (unsigned long long)r->ev.seq,
		 r->ev.tid, strsignal(sig));
	return -EPROTO;
}

/* An EV_EXIT not after exit/exit_group: the thread dies of the signal passed to it. */
static int replay_death(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	int st, ret;

	if (r->tasks.n > 1 && !r->tasks.cur->reaped &&
	    r->tasks.cur->rec_tid != r->tasks.cur->rec_tgid && in_exec(r, r->tasks.cur->rec_tgid)) {
		/* Ended by another thread's exec, before its EV_EXEC. */
		if ((st = end_for_exec(r, r->tasks.cur, false)) < 0)
			return st;
	}

	if (r->tasks.n > 1 && r->tasks.cur->reaped)
		return check_exit(r, r->tasks.cur->end_status);
	if (r->tasks.n > 1 && r->tasks.cur->exiting) {
		/* Its exit syscall ran, or another task's end took its process down. */
		if ((st = tracee_wait(t)) < 0)
			return st;
		return check_exit(r, st);
	}
	/*
	 * A SIGKILL from another process (the kill syscall was emulated) or from
	 * the recorder ending the recording: nothing here sends it, so send it.
	 */
	if (WIFSIGNALED(r->ev.exit_status) && WTERMSIG(r->ev.exit_status) == SIGKILL) {
		if (kill(t->tid, SIGKILL) < 0)
			return -errno;
		if ((st = tracee_wait(t)) < 0)
			return st;
		return check_exit(r, st);
	}
	if (WIFSIGNALED(r->ev.exit_status) && WTERMSIG(r->ev.exit_status) == SIGSYS &&
	    !r->tasks.cur->pass_sig)
		return replay_filter_kill(r, SIGSYS);
	if (r->tasks.n > 1 && !r->tasks.cur->pass_sig) {
		/* Nothing here would end it: running it on could block for ever. */
		rw_error("divergence at event %llu: the recording ended tid %u (status 0x%x) with "
			 "nothing that ends it in the replay",
			 (unsigned long long)r->ev.seq, r->ev.tid, r->ev.exit_status);
		return -EPROTO;
	}
	ret = reach(r, PTRACE_CONT, &st);
	if (ret != REACHED)
		return ret < 0 ? ret : 2;
	return check_exit(r, st);
}

/* Whether a debugger catches syscall nr (never while searching the history). */
static bool catches(const struct replayer *r, long nr)
{
	if (!r->debug.catch_syscalls || r->debug.quiet || !replay_task_debugged(r))
		return false;
	return r->debug.catch_all || (nr >= 0 && nr < REPLAY_MAX_SYSNO &&
				      (r->debug.catch_set[nr / 8] & (1u << (nr % 8))));
}

/*
 * From the syscall-entry stop back to the syscall instruction, not run
 * yet, for a debugger stop there: resuming runs it again.
 */
static int before_syscall(struct replayer *r, const uint64_t entry[X86_NREGS])
{
	uint64_t regs[X86_NREGS];
	int err;

	memcpy(regs, entry, sizeof(regs));
	regs[X86_RAX] = entry[X86_ORIG_RAX];
	regs[X86_ORIG_RAX] = (uint64_t)-1;
	regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
	if ((err = tracee_set_regs(&r->tasks.cur->t, regs)) < 0)
		return err;
	r->debug.last_stop.at_history_end = true;
	return 0;
}

int replayer_catch_syscalls(struct replayer *r, bool enable, const long *nums, int n)
{
	r->debug.catch_syscalls = enable;
	r->debug.catch_all = enable && n < 0;
	memset(r->debug.catch_set, 0, sizeof(r->debug.catch_set));
	for (int i = 0; enable && i < n; i++)
		if (nums[i] >= 0 && nums[i] < REPLAY_MAX_SYSNO)
			r->debug.catch_set[nums[i] / 8] |= (uint8_t)(1u << (nums[i] % 8));
	return 0;
}

/* Handles the syscall whose entry event is in r->ev; returns 1 when the program has ended. */
static int replay_syscall_finish(struct replayer *r, const uint64_t entry[X86_NREGS]);

static int replay_syscall(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t entry[X86_NREGS], live[X86_NREGS];
	long nr = r->ev.sysno;
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	int err, st;

	memcpy(entry, r->ev.regs, sizeof(entry));
	err = replayer_ptrace_take_entry(r) ? REACHED : reach(r, PTRACE_SYSEMU, &st);
	if (err != REACHED)
		return err < 0 ? err : 2;
	if (t->stop != TRACEE_STOP_SYSEMU_ENTRY) {
		char what[96];

		snprintf(what, sizeof(what), "syscall %s", sys_name(nr));
		return unexpected_stop(r, what);
	}
	if ((err = tracee_get_regs(t, live)) < 0)
		return err;
	if (r->debug.mode == REPLAY_MODE_STEP &&
	    (live[X86_R11] ^ entry[X86_R11]) == X86_EFLAGS_TF) {
		/* Stepped onto it: the syscall saved the trap flag ptrace set into r11. */
		live[X86_R11] = entry[X86_R11];
		if ((err = tracee_set_regs(t, live)) < 0)
			return err;
	}
	if (memcmp(live, entry, sizeof(live))) {
		char what[96];

		snprintf(what, sizeof(what), "syscall-entry %s", sys_name(nr));
		err = diverged(r, entry, live, what);
		if (!r->debug.stop_before_exit)
			return err;
		/*
		 * Under a debugger the history ends here, in front of the syscall
		 * instruction: what came before can still be looked at.
		 */
		if ((err = before_syscall(r, live)) < 0)
			return err;
		r->debug.stop.kind = REPLAY_STOP_HISTORY_END;
		return 2;
	}
	if (catches(r, nr) && r->debug.last_stop.entry_reported != r->ev.seq + 1) {
		if ((err = before_syscall(r, entry)) < 0)
			return err;
		r->debug.last_stop.entry_reported = r->ev.seq + 1;
		r->debug.stop.kind = REPLAY_STOP_SYSCALL_ENTRY;
		r->debug.stop.sysno = nr;
		return 2;
	}
	if (d && d->replay == SYS_REPLAY_EXIT && r->debug.stop_before_exit &&
	    !r->progress.exit_reported && replay_task_debugged(r) &&
	    (nr == SYS_exit_group || replay_tasks_running(&r->tasks, r->debug.tgid) <= 1)) {
		/*
		 * The debugger sees the end of the history with the program still
		 * there (a thread's exit while others go on is no end).
		 */
		if ((err = before_syscall(r, entry)) < 0)
			return err;
		r->progress.exit_reported = true;
		r->debug.stop.kind = REPLAY_STOP_HISTORY_END;
		return 2;
	}
	if (d && d->replay == SYS_REPLAY_EXIT)
		return replay_exit(r, entry);

	if ((err = replayer_next_event(r)) < 0)
		return err;
	if (err == 0 && r->debug.stop_before_exit) {
		/*
		 * A cut trace that ends inside a syscall: under the debugger this is
		 * the end of the history, with the syscall not run yet.
		 */
		if ((err = before_syscall(r, entry)) < 0)
			return err;
		r->debug.stop.kind = REPLAY_STOP_HISTORY_END;
		return 2;
	}
	if (err == 0)
		return -ENODATA;
	if (r->ev.tid != r->tasks.cur->rec_tid ||
	    (r->ev.kind != EV_SYSCALL_EXIT && r->ev.kind != EV_EXEC)) {
		/* Other events come first (it blocked, or it clones): it waits at the entry. */
		struct replay_task *task = r->tasks.cur;

		task->in_syscall = true;
		task->cloned = false;
		memcpy(task->entry, entry, sizeof(entry));
		return 3;
	}
	return replay_syscall_finish(r, entry);
}

/* Per-thread kernel state a real syscall set that ptrace cannot read back (see replay_task). */
static void note_thread_state(struct replayer *r, long nr, const uint64_t args[6], int64_t got)
{
	struct replay_task *task = r->tasks.cur;

	if (got < 0)
		return;
	if (nr == SYS_set_tid_address)
		task->ctid = args[0];
	else if (nr == SYS_sigaltstack && args[0])
		task->has_altstack =
		    tracee_read_mem(&task->t, args[0], task->altstack, sizeof(task->altstack)) == 0;
}

/* The exit (or EV_EXEC) of the syscall whose entry registers are `entry` is in r->ev. */
static int replay_syscall_finish(struct replayer *r, const uint64_t entry[X86_NREGS])
{
	uint64_t args[6];
	long nr = (long)entry[X86_ORIG_RAX];
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	struct replay_task *task = r->tasks.cur;
	enum x86_sys_replay cls;
	int64_t got;
	int err;

	task->last_valid = true;
	memcpy(task->last_entry, entry, sizeof(task->last_entry));
	task->last_result = x86_regs_result(r->ev.regs);

	if (r->ev.kind == EV_EXEC && d && d->replay == SYS_REPLAY_EXEC) {
		/* An exec drops the clear-tid word and the alternate stack. */
		task->ctid = 0;
		task->has_altstack = false;
		return replayer_apply_exec(r);
	}
	if (r->ev.kind != EV_SYSCALL_EXIT || r->ev.sysno != nr) {
		rw_error("%s: event %llu: expected the exit of %s, found %s", r->in.path,
			 (unsigned long long)r->ev.seq, sys_name(nr),
			 trace_event_kind_name(r->ev.kind));
		return -EPROTO;
	}
	x86_regs_args(entry, args);
	cls = x86_syscall_replay_class(nr, args);
	/*
	 * A failed address-space call changed nothing: its error is replayed like
	 * any result. (Not so for REAL calls: rt_sigreturn "returns" whatever
	 * rax the frame held, an interrupted call's -EINTR say, and must run.)
	 */
	if (cls != SYS_REPLAY_REAL && x86_regs_result(r->ev.regs) < 0 &&
	    x86_regs_result(r->ev.regs) > -4096) {
		err = emulate(r);
		if (!err && catches(r, nr))
			r->debug.last_stop.catch_return = nr + 1;
		return err;
	}
	switch (cls) {
	case SYS_REPLAY_MMAP:
		err = nr == SYS_shmat ? replayer_shmat(r) : replay_mmap(r, entry, args);
		break;
	case SYS_REPLAY_MREMAP:
		if (x86_regs_result(r->ev.regs) != (int64_t)args[0]) {
			args[3] |= MREMAP_MAYMOVE | MREMAP_FIXED;
			args[4] = (uint64_t)x86_regs_result(r->ev.regs);
		}
		err = run_real(r, entry, args, &got);
		if (!err)
			err = check_result(r, nr, got);
		break;
	case SYS_REPLAY_MUNMAP:
		if (nr == SYS_shmdt) {
			err = replayer_shmdt(r, args[0]);
			break;
		}
		/* fall through */
	case SYS_REPLAY_MPROTECT:
	case SYS_REPLAY_MADVISE:
		err = run_real(r, entry, args, &got);
		if (!err)
			err = check_result(r, nr, got);
		break;
	case SYS_REPLAY_REAL:
		err = run_real(r, entry, args, &got);
		if (!err)
			note_thread_state(r, nr, args, got);
		break;
	case SYS_REPLAY_BRK:
		err = replay_brk(r);
		break;
	case SYS_REPLAY_RSEQ:
		/* Registered or not as the recorder answered: remember it for aborts. */
		if (x86_regs_result(r->ev.regs) == 0 && (args[2] & 1))
			r->tasks.cur->rseq.addr = 0;
		else if (x86_regs_result(r->ev.regs) == 0)
			r->tasks.cur->rseq =
			    (struct x86_rseq_area){args[0], (uint32_t)args[1], (uint32_t)args[3]};
		err = 0;
		break;
	case SYS_REPLAY_EXEC:
	case SYS_REPLAY_EMULATE:
		err = 0;
		break;
	case SYS_REPLAY_CLONE:
		/* The child was made at the EV_CLONE event. */
		if (r->tasks.n > 1 && r->tasks.cur->cloned) {
			err = 0;
			break;
		}
		rw_error("%s: event %llu: %s made a task without a clone event", r->in.path,
			 (unsigned long long)r->ev.seq, sys_name(nr));
		return -EBADMSG;
	default:
		rw_error("event %llu: replaying %s is not supported yet",
			 (unsigned long long)r->ev.seq, sys_name(nr));
		return -ENOTSUP;
	}
	if (!err)
		err = emulate(r);
	if (!err && catches(r, nr))
		r->debug.last_stop.catch_return = nr + 1;
	return err;
}

/* The recorded rdtsc/rdtscp in r->ev: the tracee must fault on one with the same registers. */
static int replay_tsc(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t live[X86_NREGS];
	uint8_t code[3] = {0};
	int st, len, rdtscp, err;

	err = reach(r, PTRACE_SYSEMU, &st);
	if (err != REACHED)
		return err < 0 ? err : 2;
	if (t->stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSEGV)
		return unexpected_stop(r, "an rdtsc trap");
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
		return diverged(r, expect, live, len ? "rdtsc" : "rdtsc (no rdtsc at rip)");
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

/* The signal the trace says arrives now (r->ev is its EV_SIGNAL). */
static int replay_signal(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t live[X86_NREGS], rec[X86_NREGS];
	uint8_t siginfo[128] = {0};
	int signo = r->ev.signo, flags = (int)r->ev.flags, st, err;
	char what[64];

	memcpy(rec, r->ev.regs, sizeof(rec));
	memcpy(siginfo, r->ev.siginfo, r->ev.siginfo_len < 128 ? r->ev.siginfo_len : 128);
	snprintf(what, sizeof(what), "%s", strsignal(signo));
	if (r->progress.pending_at_stop) {
		/* Reported to the debugger at its delivery stop: deliver it now. */
		r->progress.pending_at_stop = false;
		if ((err = tracee_get_regs(t, live)) < 0)
			return err;
		goto deliver;
	}
	if (!r->progress.pending_prepared && (flags & EVF_RUN_TO)) {
		/* Delivered where the recording stopped the thread: run it there. */
		if ((err = replayer_run_to_point(r)) != 0)
			return err;
	} else if (!r->progress.pending_prepared && (flags & EVF_EXEC_POINT)) {
		/*
		 * The recording delivered it at an arbitrary instruction: restore
		 * the thread there (pages changed since the last execution point,
		 * registers, XSAVE area) rather than hunt for the point.
		 */
		if ((err = replayer_write_mem(r)) < 0 || (err = tracee_set_regs(t, rec)) < 0 ||
		    (err = tracee_set_xsave(t, r->tasks.cur->rec_xsave, r->xsave_len)) < 0)
			return err;
	}
	if (!r->progress.pending_prepared && (err = apply_syscall_sigmask(r)) < 0)
		return err;
	/* A fault happens again by itself; any other signal is sent now, as it was recorded. */
	if (!r->progress.pending_prepared && !(flags & EVF_SIGNAL_SYNC) &&
	    syscall(SYS_tkill, t->tid, signo) < 0)
		return -errno;
	r->progress.pending_prepared = true;
	err = reach(r, PTRACE_SYSEMU, &st);
	if (err != REACHED)
		return err < 0 ? err : 2;
	if (t->stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != signo)
		return unexpected_stop(r, what);
	if ((err = tracee_get_regs(t, live)) < 0)
		return err;
	if (memcmp(live, rec, sizeof(live)))
		return diverged(r, rec, live, what);
	if ((err = check_xsave(r, what)) < 0)
		return err;
	if (r->debug.report_signals && replay_task_debugged(r)) {
		r->progress.pending_at_stop = true;
		r->debug.stop.kind = REPLAY_STOP_SIGNAL;
		r->debug.stop.signo = signo;
		return 2;
	}
deliver:
	if (flags & EVF_RSEQ_CS) {
		if (x86_rseq_interrupt(t, &r->tasks.cur->rseq, live) != 1) {
			rw_error("divergence at event %llu (%s): the recording aborted an rseq "
				 "critical section here, the replay is not in one",
				 (unsigned long long)r->ev.seq, what);
			return -EPROTO;
		}
		if ((err = tracee_set_regs(t, live)) < 0)
			return err;
	} else {
		/* Clears a stale rseq_cs, as recorded. */
		x86_rseq_interrupt(t, &r->tasks.cur->rseq, live);
	}
	if (ptrace(PTRACE_SETSIGINFO, t->tid, 0, siginfo) < 0)
		return -errno;
	if (!(flags & EVF_SIGNAL_HANDLED)) {
		/*
		 * A stop signal's default action stopped the recorded process, which
		 * the recorder let run on (its parent's wait is emulated here).
		 */
		bool stops =
		    signo == SIGSTOP || signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU;

		r->tasks.cur->pass_sig = stops ? 0 : signo;
		return 0;
	}
	st = tracee_resume(t, PTRACE_SINGLESTEP, signo);
	if (st < 0)
		return st;
	if ((err = replayer_next_event(r)) <= 0)
		return err < 0 ? err : -ENODATA;
	if (r->ev.kind == EV_EXIT)
		return check_exit(r, st);
	if (r->ev.kind != EV_SIGNAL_HANDLER) {
		rw_error("%s: event %llu: expected a signal handler's entry, found %s", r->in.path,
			 (unsigned long long)r->ev.seq, trace_event_kind_name(r->ev.kind));
		return -EBADMSG;
	}
	if (t->stop != TRACEE_STOP_OTHER || WSTOPSIG(st) != SIGTRAP)
		return unexpected_stop(r, "the entry of a signal handler");
	if ((err = tracee_get_regs(t, live)) < 0)
		return err;
	if (memcmp(live, r->ev.regs, sizeof(live)))
		return diverged(r, r->ev.regs, live, "signal handler entry");
	if ((err = replayer_write_mem(r)) < 0)
		return err;
	return 0;
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
static int replay_clone(struct replayer *r)
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
			 (unsigned long long)r->ev.seq, sys_name(nr), strerror(-err));
		return err;
	}
	p->cloned = true;
	c = replay_tasks_add(&r->tasks, rec_child, (flags & CLONE_THREAD) ? p->rec_tgid : rec_child,
			     live, r->xsave_len);
	if (!c)
		return -ENOMEM;
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
		for (int i = 0; !err && i < r->debug.nbps && replay_task_debugged(r); i++)
			if (r->debug.bps[i].inserted)
				err = tracee_write_mem(&c->t, r->debug.bps[i].addr,
						       &r->debug.bps[i].orig, 1);
	}
	/* The kernel wrote the live tid there; the program saw the recorded one. */
	if (!err && (flags & CLONE_CHILD_SETTID) && child_tid_addr)
		err = tracee_write_mem(&c->t, child_tid_addr, &rec_child, sizeof(rec_child));
	return err;
}

/*
 * The current task was preempted here while recording: run it to the point
 * (EV_SCHED), or, in traces before 2.2, restore its state there.
 */
static int replay_sched(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	int err;

	if (r->ev.flags & EVF_RUN_TO)
		return replayer_run_to_point(r);
	if ((err = replayer_write_mem(r)) < 0 || (err = tracee_set_regs(t, r->ev.regs)) < 0 ||
	    (err = tracee_set_xsave(t, r->tasks.cur->rec_xsave, r->xsave_len)) < 0)
		return err;
	return 0;
}

static void child_setup(int cpu) __attribute__((noreturn));
static void child_setup(int cpu)
{
	static const uint8_t page[] = {0x0f, 0x05, 0xcc}; /* syscall; int3 */
	sigset_t all;
	void *p;

	if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
		_exit(126);
	/* Out of the terminal's way: a ^C meant for gdb must not reach the replayed program. */
	setpgid(0, 0);
	rw_cpu_pin(cpu);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
	/* A replayed crash must not leave a core file behind. */
	setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	syscall(SYS_close_range, 3, ~0u, 0);
	p = mmap((void *)REWIND_INJECT_PAGE, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)REWIND_INJECT_PAGE)
		_exit(125);
	memcpy(p, page, sizeof(page));
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
	raise(SIGSTOP);
	_exit(124);
}

/* Forks the process that becomes the replayed program, stopped and ready for injection. */
static int start_child(struct replayer *r, int cpu)
{
	struct rseq_configuration rc;
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_setup(cpu);
	tracee_init(&r->tasks.cur->t, pid);
	st = tracee_wait(&r->tasks.cur->t);
	if (st < 0 || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		rw_error("cannot start the replay process (status 0x%x)", st);
		return -ECHILD;
	}
	/* TRACECLONE: checkpoints are clones of the replayed process, traced too. */
	if (ptrace(PTRACE_SETOPTIONS, pid, 0,
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE) < 0)
		return -errno;
	/* rewind's own rseq registration was inherited; the kernel must not write into it. */
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, pid, sizeof(rc), &rc) == sizeof(rc) &&
	    rc.rseq_abi_pointer) {
		int64_t ret;
		int err = replayer_inject(r, SYS_rseq, rc.rseq_abi_pointer, rc.rseq_abi_size, 1,
					  rc.signature, 0, 0, &ret);

		if (err || ret < 0) {
			rw_error("cannot unregister rseq in the replay process: %s",
				 strerror(err ? -err : (int)-ret));
			return err ? err : (int)ret;
		}
	}
	return 0;
}

static int open_replay(struct replayer *r, const struct replay_options *o)
{
	int cpu, err;

	if ((err = replay_input_open(&r->in, o->trace_path)) < 0)
		return err;
	x86_xsave_layout_probe(&r->layout);
	if ((err = replayer_check_machine(r, o->force)) < 0)
		return err;
	r->xsave_len = r->layout.total_size ? r->layout.total_size : 4096;
	r->xsave = calloc(1, r->xsave_len);
	if (!r->xsave)
		return -ENOMEM;
	if ((err = replay_tasks_init(&r->tasks, r->xsave_len)) < 0 ||
	    (err = replay_input_find_files(&r->in, r->xsave_len)) < 0)
		return err;
	cpu = rw_cpu_pick(r->in.header.cpu);
	rw_cpu_pin(cpu);
	/* The child is forked before the reading thread exists. */
	if ((err = start_child(r, cpu)) < 0)
		return err;
	return replay_input_start(&r->in, cpu);
}

/*
 * Kills every task not ended yet, then reaps them, the latest first: a
 * thread group's first thread is reported only after its other threads.
 */
static void end_tasks(struct replay_tasks *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		struct tracee *t = &ts->all[i]->t;

		if (!ts->all[i]->dead && !ts->all[i]->reaped && t->tid > 0 &&
		    t->stop != TRACEE_STOP_EXITED)
			kill(t->tid, SIGKILL);
	}
	for (size_t i = ts->n; i-- > 0;) {
		struct replay_task *task = ts->all[i];

		if (!task->dead && !task->reaped && task->t.tid > 0 &&
		    task->t.stop != TRACEE_STOP_EXITED)
			while (waitpid(task->t.tid, NULL, __WALL) < 0 && errno == EINTR)
				;
		tracee_release(&task->t);
	}
}

static void close_replay(struct replayer *r)
{
	end_tasks(&r->tasks);
	replay_tasks_free(&r->tasks);
	replay_input_close(&r->in);
	free(r->xsave);
	if (r->hooks.kick_ms)
		timer_delete(r->hooks.kick_timer);
}

/*
 * A syscall whose exit said "restart" (-ERESTARTSYS, -ERESTARTNOINTR,
 * -ERESTARTNOHAND, or -ERESTART_RESTARTBLOCK through restart_syscall) and
 * whose task's next event is the same syscall entered again at the same
 * place: the kernel restarted it on the way back to user mode, with no
 * signal for this thread (another thread of the process took the one that
 * interrupted it). Replay sends no signal there, so it restarts it here:
 * back onto the syscall instruction with the number in rax.
 */
static int restart_without_signal(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	struct replay_task *task = r->tasks.cur;
	int64_t ret = task->last_result;
	uint64_t live[X86_NREGS];
	long nr;
	int err;

	if (!task->last_valid || r->ev.kind != EV_SYSCALL_ENTRY)
		return 0;
	if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND)
		nr = (long)task->last_entry[X86_ORIG_RAX];
	else if (ret == -ERESTART_RESTARTBLOCK)
		nr = SYS_restart_syscall;
	else
		return 0;
	if (r->ev.sysno != nr || r->ev.regs[X86_RIP] != task->last_entry[X86_RIP])
		return 0;
	if ((err = tracee_get_regs(t, live)) < 0)
		return err;
	if (live[X86_RIP] != r->ev.regs[X86_RIP])
		return 0; /* restarted by a signal's delivery in the replay itself */
	live[X86_RIP] -= X86_SYSCALL_INSN_LEN;
	live[X86_RAX] = (uint64_t)nr;
	return tracee_set_regs(t, live);
}

int replayer_switch_task(struct replayer *r, uint32_t tid)
{
	if (replay_tasks_switch(&r->tasks, tid) == 0)
		return 0;
	rw_error("%s: event %llu belongs to tid %u, which no clone event made", r->in.path,
		 (unsigned long long)r->ev.seq, tid);
	return -EBADMSG;
}

/* Reaches and applies the pending event: 0 applied, 1 the program ended, 2 a debugger stop. */
static int replay_pending(struct replayer *r)
{
	int err = r->ev.kind == EV_EXEC && r->tasks.n > 1 ? exec_takeover(r) : 0;

	if (r->ev.kind == EV_THREAD)
		return replayer_attach_thread(r);
	if (err < 0 || (err = replayer_switch_task(r, r->ev.tid)) < 0)
		return err;
	if (r->ev.kind == EV_PTRACE)
		return replayer_ptrace_event(r);
	replayer_ptrace_note(r);
	if ((err = restart_without_signal(r)) < 0)
		return err;
	if (r->ev.kind != EV_SIGNAL)
		r->tasks.cur->last_valid = false;
	/* Debug registers are per thread: the watchpoints follow the current task. */
	if (r->tasks.n > 1 && r->tasks.cur->dr_gen != r->debug.watch_gen &&
	    !r->tasks.cur->exiting && !r->tasks.cur->reaped && replay_task_debugged(r) &&
	    (err = apply_watches(r)) < 0)
		return err;
	switch (r->ev.kind) {
	case EV_SYSCALL_ENTRY:
		return replay_syscall(r);
	case EV_SYSCALL_EXIT:
	case EV_EXEC:
		if (r->tasks.n > 1 && r->tasks.cur->in_syscall) {
			uint64_t entry[X86_NREGS];

			memcpy(entry, r->tasks.cur->entry, sizeof(entry));
			r->tasks.cur->in_syscall = false;
			return replay_syscall_finish(r, entry);
		}
		break;
	case EV_CLONE:
		return replay_clone(r);
	case EV_SCHED:
		return replay_sched(r);
	case EV_RDTSC:
		return replay_tsc(r);
	case EV_SIGNAL:
		return replay_signal(r);
	case EV_EXIT:
		return replay_death(r);
	default:
		break;
	}
	rw_error("%s: event %llu: unexpected %s event", r->in.path, (unsigned long long)r->ev.seq,
		 trace_event_kind_name(r->ev.kind));
	return -EBADMSG;
}

/* Whether an applied event may have changed memory where breakpoints are. */
static bool event_touched_memory(const struct replayer *r)
{
	return r->ev.nmem || r->ev.nmaps || r->ev.kind == EV_EXEC ||
	       (r->ev.sysno >= 0 && x86_syscall_lookup(r->ev.sysno) &&
		x86_syscall_lookup(r->ev.sysno)->replay != SYS_REPLAY_EMULATE);
}

static volatile sig_atomic_t kick_due;

static void kick_timer_fired(int sig)
{
	(void)sig;
	kick_due = 1;
}

/* The tracer's wait was interrupted: on the timer's word, interrupt the program. */
static void kick(void *arg)
{
	struct replayer *r = arg;

	if (!kick_due)
		return;
	kick_due = 0;
	if (!r->tasks.cur->t.kick_pending && syscall(SYS_tkill, r->tasks.cur->t.tid, SIGSTOP) == 0)
		r->tasks.cur->t.kick_pending = true;
}

static void arm_kicks(struct replayer *r, bool arm)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (arm) {
		its.it_value.tv_sec = r->hooks.kick_ms / 1000;
		its.it_value.tv_nsec = (long)(r->hooks.kick_ms % 1000) * 1000000L;
		its.it_interval = its.it_value;
	}
	timer_settime(r->hooks.kick_timer, 0, &its, NULL);
	kick_due = 0;
	r->tasks.cur->t.on_wait_interrupted = arm ? kick : NULL;
	r->tasks.cur->t.on_wait_arg = r;
}

int replayer_enable_kicks(struct replayer *r, unsigned ms)
{
	struct sigaction sa;
	struct sigevent ev;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_timer_fired; /* no SA_RESTART: waitpid must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -errno;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID; /* this thread, not the read-ahead one */
	ev.sigev_signo = SIGALRM;
	ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &ev, &r->hooks.kick_timer) < 0)
		return -errno;
	r->hooks.kick_ms = ms;
	return 0;
}

/*
 * After an exec of the debugger's process: its breakpoints and watchpoints
 * were for the old program (an exec clears them, and gdb sets its own again).
 */
static void exec_forget_debugger_state(struct replayer *r)
{
	int keep = 0;

	for (int i = 0; i < r->debug.nbps; i++) {
		r->debug.bps[i].owners &= ~REPLAY_BP_USER;
		r->debug.bps[i].inserted = false; /* the new image has none */
		if (r->debug.bps[i].owners)
			r->debug.bps[keep++] = r->debug.bps[i];
	}
	r->debug.nbps = keep;
	if (r->debug.nwatches) {
		r->debug.nwatches = 0;
		r->debug.watch_gen++;
		apply_watches(r);
	}
}

int replayer_run(struct replayer *r, enum replay_mode mode, struct replay_stop *stop,
		 bool (*poll_interrupt)(void *arg), void *poll_arg)
{
	unsigned long applied = 0;
	int ret = 0;

	r->debug.mode = mode;
	r->debug.last_stop.at_history_end = false;
	memset(stop, 0, sizeof(*stop));
	replayer_breakpoints_insert(r);
	if (r->hooks.kick_ms && mode == REPLAY_MODE_CONTINUE && !r->debug.quiet)
		arm_kicks(r, true);
	if ((r->debug.nwatches || !r->debug.dr_tid) && r->debug.dr_tid != r->tasks.cur->t.tid &&
	    !r->progress.finished && !r->progress.debug_exited && replay_task_debugged(r) &&
	    (ret = apply_watches(r)) < 0)
		return ret;
	for (;;) {
		if (r->progress.finished || r->progress.debug_exited) {
			stop->kind = REPLAY_STOP_EXITED;
			stop->exit_status = r->progress.debug_exited ? r->progress.debug_exit_status
								     : r->progress.exit_status;
			break;
		}
		if (!r->progress.have_pending) {
			ret = replayer_next_event(r);
			if (ret < 0)
				break;
			if (ret == 0) {
				stop->kind = REPLAY_STOP_END;
				ret = 0;
				break;
			}
			r->progress.have_pending = true;
			r->progress.pending_prepared = false;
		}
		if (r->debug.stop_at_event && r->ev.seq >= r->debug.stop_at_event) {
			stop->kind = REPLAY_STOP_INTERRUPT;
			break;
		}
		/* Stepping one thread: the others' events on the way are run through. */
		r->debug.mode =
		    mode == REPLAY_MODE_STEP && r->debug.step_tid && r->ev.tid != r->debug.step_tid
			? REPLAY_MODE_CONTINUE
			: mode;
		ret = replay_pending(r);
		if (ret == 3) {
			/* Applied, and the next event is already read. */
			r->progress.pending_prepared = false;
			r->progress.ran = false;
			continue;
		}
		if (ret == 2 && r->debug.stop.kind == REPLAY_STOP_KICK) {
			if (poll_interrupt && poll_interrupt(poll_arg)) {
				stop->kind = REPLAY_STOP_INTERRUPT;
				ret = 0;
				break;
			}
			if (r->hooks.on_kick && !r->hooks.kick_in_stretch)
				r->hooks.on_kick(r->hooks.arg);
			r->hooks.kick_in_stretch = false;
			continue;
		}
		if (ret == 2) {
			stop->kind = r->debug.stop.kind;
			stop->signo = r->debug.stop.signo;
			stop->addr = r->debug.stop.addr;
			stop->owners = r->debug.stop.owners;
			stop->watch_type = r->debug.stop.watch_type;
			stop->sysno = r->debug.stop.sysno;
			ret = 0;
			break;
		}
		if (ret < 0)
			break;
		r->progress.have_pending = false;
		r->progress.ran = false;
		if (r->debug.nwatches)
			watch_remember(r);
		if (r->debug.event_watch && ret == 0) {
			/* The event is applied: the stop comes after it, like the CPU's own. */
			r->debug.event_watch = false;
			stop->kind = REPLAY_STOP_WATCH;
			stop->addr = r->debug.event_watch_addr;
			stop->watch_type = r->debug.event_watch_type;
			break;
		}
		r->debug.event_watch = false;
		if (r->debug.last_stop.catch_return && ret == 0) {
			stop->kind = REPLAY_STOP_SYSCALL_RETURN;
			stop->sysno = r->debug.last_stop.catch_return - 1;
			r->debug.last_stop.catch_return = 0;
			break;
		}
		r->debug.last_stop.catch_return = 0;
		if (ret == 1) {
			r->progress.finished = true;
			r->progress.exit_status = r->ev.exit_status;
			continue;
		}
		if (r->progress.debug_exited)
			continue;
		ret = 0;
		if (r->debug.report_execs && r->ev.kind == EV_EXEC && !r->debug.quiet &&
		    replay_task_debugged(r)) {
			exec_forget_debugger_state(r);
			stop->kind = REPLAY_STOP_EXEC;
			break;
		}
		if (r->debug.mode == REPLAY_MODE_STEP) {
			stop->kind = REPLAY_STOP_STEP;
			break;
		}
		if (r->debug.nbps && event_touched_memory(r))
			replayer_breakpoints_insert(r);
		if (r->hooks.after_event && r->hooks.after_event(r->hooks.arg)) {
			stop->kind = REPLAY_STOP_INTERRUPT;
			break;
		}
		if (poll_interrupt && !(++applied & 63) && poll_interrupt(poll_arg)) {
			stop->kind = REPLAY_STOP_INTERRUPT;
			break;
		}
	}
	if (r->hooks.kick_ms)
		arm_kicks(r, false);
	if (!r->progress.finished)
		replayer_breakpoints_remove(r);
	r->debug.step_tid = 0;
	/* A stop is seen in the debugger's process, whichever task ran last. */
	if (r->debug.tgid && !r->progress.finished && !r->progress.debug_exited)
		replay_task_switch_debugged(r);
	return ret;
}

int replayer_open(struct replayer *r, const struct replay_options *o)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if ((ret = open_replay(r, o)) < 0)
		return ret;
	ret = replayer_next_event(r);
	if (ret <= 0)
		return ret < 0 ? ret : -ENODATA;
	if (r->ev.kind != EV_EXEC) {
		rw_error("%s: the trace does not start with a program image", r->in.path);
		return -EBADMSG;
	}
	r->tasks.cur->rec_tid = r->tasks.cur->rec_tgid = r->ev.tid;
	if ((ret = replayer_apply_exec(r)) < 0)
		return ret;
	return r->ev.flags & EVF_ATTACH ? replayer_apply_attach(r) : 0;
}

void replayer_close(struct replayer *r)
{
	close_replay(r);
}

int replay_autopilot(const struct replay_options *o)
{
	struct replayer r;
	struct replay_stop stop;
	int err;

	signal(SIGPIPE, SIG_IGN);
	err = replayer_open(&r, o);
	if (!err)
		err = replayer_run(&r, REPLAY_MODE_CONTINUE, &stop, NULL, NULL);
	if (!err && stop.kind == REPLAY_STOP_END)
		err = -ENODATA;
	if (err == -ENODATA)
		rw_error("%s: the trace ends at event %llu before the program does%s",
			 o->trace_path, (unsigned long long)r.ev.seq,
			 r.in.reader && trace_reader_truncated(r.in.reader) ? " (truncated trace)"
									    : "");
	replayer_close(&r);
	return err;
}
