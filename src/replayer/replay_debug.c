/*
 * The debugger's side of a replay: running into a stop (replayer_reach:
 * a breakpoint, a watchpoint, a step, an interruption), software
 * breakpoints kept in the memory of the process the debugger looks at,
 * watchpoints in the debug registers of its threads, caught syscalls, and
 * which task belongs to that process. The state is struct replay_debug.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "arch/x86_64/syscall_table.h"
#include "replayer/replayer.h"

#define DR_OFFSET(i) (offsetof(struct user, u_debugreg) + (size_t)(i) * sizeof(long))

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
void replayer_watch_remember(struct replayer *r)
{
	for (int w = 0; w < r->debug.nwatches; w++) {
		struct replay_watch *x = &r->debug.watches[w];

		x->have_old =
		    x->type == 3 && tracee_read_mem(&r->tasks.cur->t, x->addr, x->old, x->len) == 0;
	}
}

/* Programs the watchpoints into the tracee's debug registers. */
int replayer_apply_watches(struct replayer *r)
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
	replayer_watch_remember(r);
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
void replayer_watch_event_writes(struct replayer *r)
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
 * stop: the event stays pending. Returns REPLAY_REACHED (wait status in *status),
 * REPLAY_DEBUG_STOP, or a negative errno.
 */
int replayer_reach(struct replayer *r, int request, int *status)
{
	struct tracee *t = &r->tasks.cur->t;
	siginfo_t si;
	int st;

	if (r->debug.mode == REPLAY_MODE_STEP && request == PTRACE_SYSEMU)
		request = PTRACE_SYSEMU_SINGLESTEP;
again:
	r->progress.ran = true;
	r->stats.resumes++;
	t->report_kick = r->hooks.kick_ms > 0;
	st = tracee_resume(t, request, r->tasks.cur->pass_sig);
	t->report_kick = false;
	r->tasks.cur->pass_sig = 0;
	if (t->kicked) {
		/* Interrupted by us: nothing of the program's; the signal is not passed. */
		t->kicked = false;
		r->debug.stop.kind = REPLAY_STOP_KICK;
		return REPLAY_DEBUG_STOP;
	}
	if (st < 0)
		return st;
	*status = st;
	if (t->stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP ||
	    (st >> 16) || !replayer_in_debuggee(r))
		return REPLAY_REACHED;
	switch (r->debug.nwatches ? watch_fired(r) : 0) {
	case 1:
		return REPLAY_DEBUG_STOP;
	case 2:
		if (r->debug.mode != REPLAY_MODE_STEP)
			goto again;
		r->debug.stop.kind = REPLAY_STOP_STEP;
		return REPLAY_DEBUG_STOP;
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
			return REPLAY_DEBUG_STOP;
		}
	}
	if (r->debug.mode == REPLAY_MODE_STEP && ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) == 0 &&
	    si.si_code == TRAP_TRACE) {
		r->debug.stop.kind = REPLAY_STOP_STEP;
		return REPLAY_DEBUG_STOP;
	}
	return REPLAY_REACHED; /* the program's own SIGTRAP, part of the recording */
}

/* Breakpoints are patched into the memory of the process the debugger looks at. */
static struct tracee *bp_tracee(struct replayer *r)
{
	struct tracee *t = replayer_debuggee_tracee(r);

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

size_t replayer_user_breakpoints(const struct replayer *r, uint64_t *addrs, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < r->debug.nbps && n < max; i++)
		if (r->debug.bps[i].owners & REPLAY_BP_USER)
			addrs[n++] = r->debug.bps[i].addr;
	return n;
}

int replayer_set_breakpoint(struct replayer *r, uint64_t addr, bool insert)
{
	return replayer_set_breakpoint_for(r, addr, REPLAY_BP_USER, insert);
}

/* Whether a debugger catches syscall nr (never while searching the history). */
bool replayer_catches(const struct replayer *r, long nr)
{
	if (!r->debug.catch_syscalls || r->debug.quiet || !replayer_in_debuggee(r))
		return false;
	return r->debug.catch_all || (nr >= 0 && nr < REPLAY_MAX_SYSNO &&
				      (r->debug.catch_set[nr / 8] & (1u << (nr % 8))));
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

void replayer_pass_signals(struct replayer *r, const int *signos, int n)
{
	r->debug.pass_signals = 0;
	for (int i = 0; i < n; i++)
		if (signos[i] >= 1 && signos[i] <= 64)
			r->debug.pass_signals |= 1ull << (signos[i] - 1);
}

/*
 * A search of the history sees every signal: a point it looks for may be
 * a signal's stop shown before the debugger let that signal pass.
 */
bool replayer_reports_signal(const struct replayer *r, int signo, bool always)
{
	if (!r->debug.report_signals || !replayer_in_debuggee(r))
		return false;
	return always || r->debug.quiet || signo < 1 || signo > 64 ||
	       !(r->debug.pass_signals & (1ull << (signo - 1)));
}

/*
 * After an exec of the debugger's process: its breakpoints and watchpoints
 * were for the old program (an exec clears them, and gdb sets its own again).
 */
void replayer_forget_debugger_state(struct replayer *r)
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
		replayer_apply_watches(r);
	}
}

bool replayer_in_debuggee(const struct replayer *r)
{
	return !r->debug.tgid || r->tasks.cur->rec_tgid == r->debug.tgid;
}

struct tracee *replayer_debuggee_tracee(struct replayer *r)
{
	const struct replay_tasks *ts = &r->tasks;
	uint32_t tgid = r->debug.tgid ? r->debug.tgid : ts->cur->rec_tgid;

	if (ts->cur->rec_tgid == tgid && replay_task_running(ts->cur))
		return &ts->cur->t;
	for (size_t i = 0; i < ts->n; i++)
		if (ts->all[i]->rec_tgid == tgid && replay_task_running(ts->all[i]))
			return &ts->all[i]->t;
	return NULL;
}

int replayer_switch_to_debuggee(struct replayer *r)
{
	struct replay_tasks *ts = &r->tasks;

	if (replayer_in_debuggee(r))
		return 0;
	for (size_t i = 0; i < ts->n; i++)
		if (ts->all[i]->rec_tgid == r->debug.tgid && replay_task_running(ts->all[i])) {
			ts->cur = ts->all[i];
			return 0;
		}
	return -ESRCH;
}

void replayer_debug_process(struct replayer *r, uint32_t tgid)
{
	r->debug.tgid = tgid;
	r->debug.report_signals = true;
	r->debug.report_execs = true;
	r->debug.stop_before_exit = true;
	r->debug.debugger = true;
}

void replayer_step_thread(struct replayer *r, uint32_t tid)
{
	r->debug.step_tid = tid;
}

void replayer_stop_before(struct replayer *r, uint64_t seq)
{
	r->debug.stop_at_event = seq;
}

const struct replay_input *replayer_input(const struct replayer *r)
{
	return &r->in;
}

const struct trace_event *replayer_event(const struct replayer *r)
{
	return &r->ev;
}

uint64_t replayer_next_seq(const struct replayer *r)
{
	uint64_t seq;

	/* Inside a run of buffered syscalls handed to the thread: its next call's. */
	if (replayer_sysbuf_next_seq(r, &seq))
		return seq;
	return r->progress.have_pending ? r->ev.seq : r->ev.seq + 1;
}

const struct x86_xsave_layout *replayer_xsave_layout(const struct replayer *r)
{
	return &r->layout;
}

bool replayer_finished(const struct replayer *r)
{
	return r->progress.finished;
}

bool replayer_debuggee_ended(const struct replayer *r)
{
	return r->progress.finished || r->progress.debug_exited;
}

void replayer_set_progress(struct replayer *r, struct rw_progress *p)
{
	r->hooks.progress = p;
}

void replayer_note_progress(const struct replayer *r)
{
	if (r->hooks.progress)
		rw_progress_note(r->hooks.progress, r->ev.seq);
}

bool replayer_end_ahead(const struct replayer *r, int *wstatus)
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(r->ev.sysno);

	if (!r->progress.at_end || !r->progress.have_pending)
		return false;
	if (r->ev.kind == EV_SIGNAL && r->progress.pending_at_stop) {
		*wstatus = r->ev.signo & 0x7f;
		return true;
	}
	if (r->ev.kind != EV_SYSCALL_ENTRY || !d || d->replay != SYS_REPLAY_EXIT)
		return false;
	*wstatus = (int)(r->ev.regs[X86_RDI] & 0xff) << 8;
	return true;
}

struct replay_task *replayer_current_task(struct replayer *r)
{
	return r->tasks.cur;
}

/* Whether the task is a thread the debugger sees: of its process, not ended and not ending. */
static bool shown(const struct replayer *r, const struct replay_task *task)
{
	return task->rec_tgid == r->debug.tgid && replay_task_running(task);
}

struct replay_task *replayer_debuggee_thread(struct replayer *r, uint32_t tid)
{
	struct replay_task *task;

	if (replayer_debuggee_ended(r))
		return NULL;
	task = replay_tasks_find_live(&r->tasks, tid);
	return task && shown(r, task) ? task : NULL;
}

size_t replayer_debuggee_threads(const struct replayer *r, uint32_t *tids, size_t max)
{
	size_t n = 0;

	if (replayer_debuggee_ended(r))
		return 0;
	for (size_t i = 0; i < r->tasks.n && n < max; i++)
		if (shown(r, r->tasks.all[i]))
			tids[n++] = r->tasks.all[i]->rec_tid;
	return n;
}
