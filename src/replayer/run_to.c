/*
 * Reaching an execution point by running the thread to it (events with
 * EVF_RUN_TO): the thread's own code runs from its last event up to the
 * recorded visit of the event's site, so breakpoints, watchpoints and
 * steps inside the stretch are seen, and memory is what execution makes it.
 *
 * Which visit of the site is the recorded one is found without a counter
 * (arch/x86_64/run_to.h): the site is replaced by a jump to a trampoline
 * in a page mapped near it, which compares the registers in the thread
 * and traps only when they all equal the recorded ones. At a trap the
 * replayer checks the rest of the state, the XSAVE area and the hashes of
 * the event's fingerprint (the stack around rsp, the pages that changed);
 * equal state means an equal future, so the first visit that passes is the
 * one. Otherwise the thread goes on, the trap skipped.
 *
 * The patch exists only while the thread runs freely: at any debugger
 * stop the thread is moved out of the trampoline, the site gets its bytes
 * back and the page goes, so the debugger, checkpoints and single steps
 * never see them; the next resume starts the hunt again, first checking
 * whether the thread already stands at the point.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "arch/x86_64/run_to.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "replayer/replayer.h"

#define PAGE	     4096ull
#define JUMP_REACH   0x7fff0000ull /* a rel32 jump's reach, with room for the pages */
#define TRAMP_PAGES  2		   /* code, then the registers it keeps */

struct hunt {
	uint64_t site, tramp;
	struct x86_trampoline_ips ips;
	size_t insn_len;
	uint8_t disp_offset;
	uint8_t orig[16];
	bool patched;
	/* Stack words that told visits with the recorded registers apart, compared in the thread. */
	struct x86_site_word words[X86_SITE_MAX_WORDS];
	int nwords;
	/* The registers compared first: those the stretch changed, which a loop's visits differ in. */
	uint32_t likely;
};

/* Whether the XSAVE components equal the recorded ones (header and software bytes aside). */
static int xsave_matches(struct replayer *r)
{
	int n = tracee_get_xsave(&r->tasks.cur->t, r->xsave, r->xsave_len);

	if (n < 0)
		return n;
	for (int b = x86_xsave_next_block(&r->layout, -1); b >= 0;
	     b = x86_xsave_next_block(&r->layout, b)) {
		uint32_t off, len;

		if (b == X86_XBLOCK_HEADER || b == X86_XBLOCK_LEGACY_REST)
			continue;
		x86_xsave_block_range(&r->layout, b, &off, &len);
		if (off + len <= (uint32_t)n &&
		    memcmp(r->xsave + off, r->tasks.cur->rec_xsave + off, len))
			return 0;
	}
	return 1;
}

/*
 * Whether byte a is one the replayer put there rather than the program:
 * the site's jump, a debugger's int3. Its own byte goes to *orig.
 */
static bool replayer_byte(const struct replayer *r, const struct hunt *h, uint64_t a,
			  uint8_t *orig)
{
	if (h && h->patched && a - h->site < h->insn_len) {
		*orig = h->orig[a - h->site];
		return true;
	}
	for (int i = 0; i < r->debug.nbps; i++)
		if (r->debug.bps[i].inserted && r->debug.bps[i].addr == a) {
			*orig = r->debug.bps[i].orig;
			return true;
		}
	return false;
}

/* buf, read at addr, with the program's own bytes where the replayer has put its own. */
static void unpatch(const struct replayer *r, const struct hunt *h, uint64_t addr, uint8_t *buf,
		    size_t len)
{
	for (size_t i = 0; h && h->patched && i < h->insn_len; i++)
		if (h->site + i - addr < len)
			buf[h->site + i - addr] = h->orig[i];
	for (int i = 0; i < r->debug.nbps; i++)
		if (r->debug.bps[i].inserted && r->debug.bps[i].addr - addr < len)
			buf[r->debug.bps[i].addr - addr] = r->debug.bps[i].orig;
}

/* Whether one of the 8 bytes at a is the replayer's (the trampoline would compare it). */
static bool word_patched(const struct replayer *r, const struct hunt *h, uint64_t a)
{
	uint8_t orig;

	for (int i = 0; i < 8; i++)
		if (replayer_byte(r, h, a + (uint64_t)i, &orig))
			return true;
	return false;
}

/*
 * Whether memory holds the event's expected bytes (the stack around rsp,
 * the pages that changed). With h, each word that differs is added to h's
 * words, so that the trampoline tells such visits apart itself from now on
 * (a loop's counter in memory, say). Bytes the replayer patched (h's site
 * in code the program wrote, a JIT's say; the debugger's breakpoints)
 * count as the program's own.
 */
static int expect_matches(struct replayer *r, struct hunt *h, bool learn)
{
	uint8_t buf[4096];
	int ok = 1;

	for (size_t i = 0; i < r->ev.nexpect; i++) {
		const struct trace_mem *m = &r->ev.expect[i];

		if (m->len > sizeof(buf) ||
		    tracee_read_mem_partial(&r->tasks.cur->t, m->addr, buf, m->len) != m->len)
			return 0;
		unpatch(r, h, m->addr, buf, m->len);
		if (!memcmp(buf, m->data, m->len))
			continue;
		if (!learn) {
			size_t d = 0;

			while (buf[d] == m->data[d])
				d++;
			rw_debug("event %llu: memory at 0x%llx differs from the recording (byte "
				 "0x%02x, recorded 0x%02x; expected region 0x%llx, %zu bytes)",
				 (unsigned long long)r->ev.seq, (unsigned long long)(m->addr + d),
				 buf[d], m->data[d], (unsigned long long)m->addr, (size_t)m->len);
		}
		ok = 0;
		for (size_t off = (8 - (m->addr & 7)) & 7; learn && off + 8 <= m->len; off += 8) {
			struct x86_site_word w = {m->addr + off, 0};

			if (!memcmp(buf + off, m->data + off, 8) || h->nwords == X86_SITE_MAX_WORDS ||
			    word_patched(r, h, w.addr))
				continue;
			memcpy(&w.value, m->data + off, 8);
			h->words[h->nwords++] = w;
		}
	}
	return ok;
}

/*
 * The general registers in which the thread now (at its last event)
 * differs from the point: a loop's counters and temporaries, in which its
 * visits of the site differ from each other too, rather than the bases
 * and bounds that stay put.
 */
static uint32_t changed_regs(const uint64_t now[X86_NREGS], const uint64_t point[X86_NREGS])
{
	static const uint8_t gprs[] = {X86_RAX, X86_RBX, X86_RCX, X86_RDX, X86_RSI,
				       X86_RDI, X86_RBP, X86_RSP, X86_R8,  X86_R9,
				       X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15};
	uint32_t mask = 0;

	for (size_t i = 0; i < sizeof(gprs); i++)
		if (now[gprs[i]] != point[gprs[i]])
			mask |= 1u << gprs[i];
	return mask;
}

/* Whether the thread, its registers regs (rip at the site), is at the recorded visit. */
static int is_the_point(struct replayer *r, struct hunt *h, const uint64_t regs[X86_NREGS])
{
	for (int i = 0; i < X86_NREGS; i++) {
		uint64_t mask = i == X86_EFLAGS ? X86_SITE_EFLAGS_MASK : ~0ull;

		if (i != X86_ORIG_RAX && ((regs[i] ^ r->ev.regs[i]) & mask))
			return 0;
	}
	int ok = expect_matches(r, h, false);

	if (ok <= 0)
		return ok;
	if ((ok = xsave_matches(r)) != 0)
		return ok;
	/*
	 * Registers and memory as recorded, vector registers not: taken as a
	 * divergence (a loop whose only changing state at the site is in
	 * vector registers would be misread so; the trampoline cannot compare
	 * those).
	 */
	return replayer_check_xsave(r, "the execution point");
}

/* A free page within a rel32 jump of site, nearest first; 0 if there is none. */
static uint64_t free_page_near(pid_t tid, uint64_t site)
{
	struct procmap *maps = NULL;
	int n = procmaps_read(tid, &maps);
	uint64_t best = 0, best_dist = ~0ull, lo = site > JUMP_REACH ? site - JUMP_REACH : PAGE,
		 hi = site + JUMP_REACH, prev_end = 0x10000;

	for (int i = 0; i <= n; i++) {
		uint64_t gap_lo = prev_end, gap_hi = i < n ? maps[i].start : 0x7ffffffff000ull;
		uint64_t a = 0;

		if (i < n)
			prev_end = maps[i].end;
		if (gap_hi <= gap_lo + TRAMP_PAGES * PAGE || gap_hi <= lo || gap_lo >= hi)
			continue;
		/* The end of the gap nearest the site, the trampoline's pages in. */
		a = gap_hi <= site ? gap_hi - TRAMP_PAGES * PAGE : gap_lo;
		if (a < lo || a + TRAMP_PAGES * PAGE > hi)
			continue;
		if ((a > site ? a - site : site - a) < best_dist)
			best = a, best_dist = a > site ? a - site : site - a;
	}
	free(maps);
	return best;
}

/* Runs syscall nr in the thread, its registers kept. */
static int inject(struct replayer *r, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		  int64_t *ret)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t regs[X86_NREGS];
	int err = tracee_get_regs(t, regs);

	if (!err)
		err = replayer_inject(r, nr, a0, a1, a2, a3, (uint64_t)-1, 0, ret);
	if (!err)
		err = tracee_set_regs(t, regs);
	return err;
}

static int write_trampoline(struct replayer *r, struct hunt *h)
{
	uint8_t tramp[X86_TRAMPOLINE_MAX];
	struct x86_site_move move = {h->site, h->orig, h->insn_len, h->disp_offset};
	size_t n = x86_trampoline_build(tramp, h->tramp, h->tramp + PAGE, &move, r->ev.regs,
					h->likely, h->words, h->nwords, &h->ips);

	if (!n) {
		rw_error("event %llu: the instruction at 0x%llx cannot be moved to 0x%llx",
			 (unsigned long long)r->ev.seq, (unsigned long long)h->site,
			 (unsigned long long)h->tramp);
		return -ERANGE;
	}
	return tracee_write_mem(&r->tasks.cur->t, h->tramp, tramp, n);
}

/* Whether a rel32 from anywhere in a trampoline's pages at tramp reaches addr. */
static bool within_reach(uint64_t tramp, uint64_t addr)
{
	return (tramp > addr ? tramp + TRAMP_PAGES * PAGE - addr : addr - tramp) < JUMP_REACH;
}

/* Maps the trampoline's code page and the page for the registers it keeps, at h->tramp. */
static int map_at(struct replayer *r, struct hunt *h)
{
	int64_t ret;
	int err = inject(r, SYS_mmap, h->tramp, TRAMP_PAGES * PAGE, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, &ret);

	if (!err && (uint64_t)ret != h->tramp)
		err = ret < 0 ? (int)ret : -EEXIST;
	if (!err)
		err = inject(r, SYS_mprotect, h->tramp + PAGE, PAGE, PROT_READ | PROT_WRITE, 0,
			     &ret);
	if (!err && ret)
		err = (int)ret;
	return err;
}

/*
 * The trampoline's pages near the site: where the thread's last ones were
 * when that is free and within reach (a loop's next point, most often),
 * which spares reading the address space's map; else the nearest gap.
 */
static int map_trampoline(struct replayer *r, struct hunt *h)
{
	struct replay_task *task = r->tasks.cur;
	uint64_t hint = task->tramp_hint, target = h->site;
	int32_t disp;
	int err;

	if (h->disp_offset) { /* the moved instruction's operand must stay within its reach too */
		memcpy(&disp, h->orig + h->disp_offset, 4);
		target = h->site + h->insn_len + (uint64_t)(int64_t)disp;
	}
	if (hint && within_reach(hint, h->site) && within_reach(hint, target)) {
		h->tramp = hint;
		if ((err = map_at(r, h)) != -EEXIST)
			return err;
	}
	h->tramp = free_page_near(task->t.tid, h->site);
	if (!h->tramp) {
		rw_error("event %llu: no free page within 2 GiB of 0x%llx for a trampoline",
			 (unsigned long long)r->ev.seq, (unsigned long long)h->site);
		return -ENOMEM;
	}
	if ((err = map_at(r, h)) == 0)
		task->tramp_hint = h->tramp;
	return err;
}

static int hunt_setup(struct replayer *r, struct hunt *h)
{
	struct tracee *t = &r->tasks.cur->t;
	uint8_t patch[16];
	size_t got = tracee_read_mem_partial(t, h->site, h->orig, sizeof(h->orig));
	int err;

	if (x86_site_decode(h->orig, got, h->site, &h->insn_len, &h->disp_offset) != X86_SITE_OK) {
		rw_error("event %llu: the execution point at 0x%llx is not at an instruction a jump "
			 "can replace in the replay",
			 (unsigned long long)r->ev.seq, (unsigned long long)h->site);
		return -EPROTO;
	}
	if ((err = map_trampoline(r, h)) < 0)
		return err;
	x86_site_patch(patch, h->site, h->insn_len, h->tramp);
	if ((err = write_trampoline(r, h)) < 0 ||
	    (err = tracee_write_mem(t, h->site, patch, h->insn_len)) < 0)
		return err;
	h->patched = true;
	rw_debug("event %llu: hunting the visit of 0x%llx with a trampoline at 0x%llx",
		 (unsigned long long)r->ev.seq, (unsigned long long)h->site,
		 (unsigned long long)h->tramp);
	return 0;
}

static int hunt_teardown(struct replayer *r, struct hunt *h)
{
	int64_t ret;
	int err;

	if (!h->patched)
		return 0;
	h->patched = false;
	if ((err = tracee_write_mem(&r->tasks.cur->t, h->site, h->orig, h->insn_len)) < 0)
		return err;
	return inject(r, SYS_munmap, h->tramp, TRAMP_PAGES * PAGE, 0, 0, &ret);
}

/*
 * The words the thread's previous hunt compared, where the event's
 * expected memory holds them, with the values it holds: the visits of a
 * spin differ only in its counter, which the previous point taught. None
 * that the site's patch (up to 16 bytes, in code the program wrote) or a
 * debugger's int3 would cover: the trampoline would read those bytes.
 */
static void seed_words(struct replayer *r, struct hunt *h)
{
	const struct replay_task *task = r->tasks.cur;

	for (int i = 0; i < task->npoint_words; i++) {
		uint64_t addr = task->point_words[i];

		if ((addr < h->site + sizeof(h->orig) && addr + 8 > h->site) ||
		    word_patched(r, h, addr))
			continue;
		for (size_t k = 0; k < r->ev.nexpect; k++) {
			const struct trace_mem *m = &r->ev.expect[k];

			if (addr < m->addr || addr + 8 > m->addr + m->len)
				continue;
			h->words[h->nwords].addr = addr;
			memcpy(&h->words[h->nwords++].value, m->data + (addr - m->addr), 8);
			break;
		}
	}
}

/* The thread stands at the recorded visit: the recorded registers, rip at the site. */
static int arrived(struct replayer *r, struct hunt *h)
{
	struct replay_task *task = r->tasks.cur;
	int err = hunt_teardown(r, h);

	if (h->tramp) { /* it hunted: what it compared is the thread's loop as it is now */
		task->npoint_words = h->nwords;
		for (int i = 0; i < h->nwords; i++)
			task->point_words[i] = h->words[i].addr;
	}

	if (!err)
		err = replayer_sysbuf_settle(r);
	return err < 0 ? err : tracee_set_regs(&r->tasks.cur->t, r->ev.regs);
}

static bool in_trampoline(const struct hunt *h, uint64_t ip)
{
	return h->patched && ip >= h->tramp && ip < h->tramp + PAGE;
}

/*
 * At a debugger stop inside the trampoline (a watchpoint on the moved
 * instruction's write, an interruption): single steps take the thread out
 * to where its own code goes on, weighing the visit if it meets the trap.
 */
static int leave_trampoline(struct replayer *r, struct hunt *h)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t regs[X86_NREGS];
	int err, st;

	while ((err = tracee_get_regs(t, regs)) == 0 && in_trampoline(h, regs[X86_RIP])) {
		if (regs[X86_RIP] == h->ips.trap - 1) {
			regs[X86_RIP] = h->site;
			if ((err = is_the_point(r, h, regs)) != 0)
				return err < 0 ? err : arrived(r, h);
			regs[X86_RIP] = h->ips.trap;
			if ((err = tracee_set_regs(t, regs)) < 0)
				return err;
			continue;
		}
		st = tracee_resume(t, PTRACE_SINGLESTEP, 0);
		if (st < 0)
			return st;
		if (!WIFSTOPPED(st))
			return -ESRCH;
	}
	return err;
}

/* Whether a breakpoint of the debugger lies on the site's bytes: the site is left alone then. */
static bool breakpoint_on_site(const struct replayer *r, const struct hunt *h)
{
	for (int i = 0; i < r->debug.nbps; i++)
		if (r->debug.bps[i].inserted && r->debug.bps[i].addr >= h->site &&
		    r->debug.bps[i].addr < h->site + 16)
			return true;
	return false;
}

/*
 * A stop in the trampoline: its trap (the registers and words equal the
 * recorded ones) is weighed, 1 when it is the point; a word that is not
 * mapped at this visit faulted, and the thread goes on by the miss path.
 * -EAGAIN for any other stop.
 */
static int weigh_trap(struct replayer *r, struct hunt *h, int st)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t regs[X86_NREGS];
	int err, sig = WIFSTOPPED(st) ? WSTOPSIG(st) : 0;

	if (t->stop != TRACEE_STOP_OTHER || (sig != SIGTRAP && sig != SIGSEGV && sig != SIGBUS) ||
	    (err = tracee_get_regs(t, regs)) < 0 || !in_trampoline(h, regs[X86_RIP]))
		return -EAGAIN;
	if (sig != SIGTRAP) {
		regs[X86_RIP] = h->ips.miss;
		return (err = tracee_set_regs(t, regs)) < 0 ? err : 0;
	}
	if (regs[X86_RIP] != h->ips.trap)
		return -EAGAIN;
	regs[X86_RIP] = h->site;
	if ((err = is_the_point(r, h, regs)) != 0)
		return err < 0 ? err : 1;
	/* Another visit: on from the trap to the moved instruction, comparing more if it can. */
	int learned = h->nwords;

	if (expect_matches(r, h, true) || h->nwords == learned)
		return 0;
	/* A new trampoline: the thread, its state that of the site, visits the site anew. */
	if ((err = write_trampoline(r, h)) < 0 || (err = tracee_set_regs(t, regs)) < 0)
		return err;
	return 0;
}

/*
 * A breakpoint stop at the site, at the recorded visit: the thread was
 * preempted about to run the breakpoint's instruction, and runs it only
 * after other threads' events. The hit is reported then, when the thread
 * goes on (its int3 traps again): reported now, the debugger's step over
 * it would have to run those threads with the breakpoint taken out, and
 * their hits of it would be lost. 1 when so (the point is reached), 0 for
 * a stop to report, or a negative errno.
 */
static int breakpoint_at_point(struct replayer *r, struct hunt *h)
{
	uint64_t regs[X86_NREGS];
	int err;

	if (r->debug.stop.kind != REPLAY_STOP_BREAKPOINT || r->debug.stop.addr != h->site ||
	    h->patched)
		return 0;
	if ((err = tracee_get_regs(&r->tasks.cur->t, regs)) < 0)
		return err;
	return regs[X86_RIP] == h->site ? is_the_point(r, h, regs) : 0;
}

bool replayer_stretch_overdue(struct replayer *r)
{
	const struct replay_hooks *k = &r->hooks;
	uint64_t now, limit = 5000000000ull + 20000 * r->ev.runtime_us;

	if (!r->ev.runtime_us || k->stretch_seq != r->ev.seq ||
	    k->stretch_tid != r->tasks.cur->t.tid)
		return false;
	now = proc_runtime_ns(k->stretch_tid);
	return now > k->stretch_start_ns && now - k->stretch_start_ns > limit;
}

/*
 * The thread's CPU time counts from its first run to this point on. Not
 * while the debugger steps: each step traps, and a line's loop stepped
 * through may take seconds of it with no divergence.
 */
static void watch_stretch(struct replayer *r, pid_t tid)
{
	struct replay_hooks *k = &r->hooks;

	if (r->debug.mode == REPLAY_MODE_STEP) {
		k->stretch_tid = 0;
	} else if (k->stretch_seq != r->ev.seq || k->stretch_tid != tid) {
		k->stretch_seq = r->ev.seq;
		k->stretch_tid = tid;
		k->stretch_start_ns = proc_runtime_ns(tid);
	}
	k->stretch_overdue = false;
}

/* Where the thread is now, against the point: the divergence of a run that never gets there. */
static int overdue(struct replayer *r, struct hunt *h)
{
	uint64_t regs[X86_NREGS];
	char what[160];
	int err;

	if ((err = leave_trampoline(r, h)) < 0 || (err = tracee_get_regs(&r->tasks.cur->t, regs)) < 0)
		return err;
	snprintf(what, sizeof(what),
		 "the thread ran %.1f s of CPU time towards its execution point, recorded %.3f s, "
		 "and never reached it",
		 (double)(proc_runtime_ns(r->hooks.stretch_tid) - r->hooks.stretch_start_ns) / 1e9,
		 (double)r->ev.runtime_us / 1e6);
	return replayer_diverged(r, r->ev.regs, regs, what);
}

int replayer_run_to_point(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	struct hunt h = {.site = r->ev.regs[X86_RIP]};
	uint64_t regs[X86_NREGS];
	int err, st, at;

	if ((err = tracee_get_regs(t, regs)) < 0)
		return err;
	r->debug.point_in_place = false;
	if (regs[X86_RIP] == h.site && (err = is_the_point(r, &h, regs)) != 0) {
		r->debug.point_in_place = err > 0;
		return err < 0 ? err : arrived(r, &h);
	}
	h.likely = changed_regs(regs, r->ev.regs);
	seed_words(r, &h);
	watch_stretch(r, t->tid);
	for (;;) {
		bool patch = r->debug.mode != REPLAY_MODE_STEP && !breakpoint_on_site(r, &h);

		if (patch && !h.patched && (err = hunt_setup(r, &h)) < 0)
			break;
		r->hooks.in_stretch = true;
		err = replayer_reach(r, PTRACE_SYSEMU, &st);
		r->hooks.in_stretch = false;
		if (err == REPLAY_DEBUG_STOP && (at = breakpoint_at_point(r, &h)) != 0) {
			if ((err = at) < 0)
				break;
			return arrived(r, &h);
		}
		if (err == REPLAY_DEBUG_STOP && r->hooks.stretch_overdue) {
			err = overdue(r, &h);
			break;
		}
		if (err == REPLAY_DEBUG_STOP) {
			if ((err = leave_trampoline(r, &h)) < 0 || (err = hunt_teardown(r, &h)) < 0)
				break;
			/*
			 * No checkpoint at a periodic interruption in the stretch:
			 * going back to it would need a breakpoint at an arbitrary
			 * instruction, hit at every visit (a spin loop's millions).
			 */
			r->hooks.kick_in_stretch = r->debug.stop.kind == REPLAY_STOP_KICK;
			return 2;
		}
		if (err < 0)
			break;
		if (h.patched && (err = weigh_trap(r, &h, st)) != -EAGAIN) {
			if (err == 1)
				return arrived(r, &h);
			if (err < 0)
				break;
			continue;
		}
		if (!WIFSTOPPED(st)) {
			h.patched = false; /* the process is gone, and its pages with it */
		} else if ((err = hunt_teardown(r, &h)) < 0) {
			break;
		}
		return replayer_unexpected_stop(r, "the thread to reach its execution point");
	}
	/* Under a debugger the thread is shown at the site, not in the trampoline. */
	if (tracee_get_regs(t, regs) == 0 && in_trampoline(&h, regs[X86_RIP]) &&
	    regs[X86_RIP] == h.ips.trap) {
		regs[X86_RIP] = h.site;
		tracee_set_regs(t, regs);
	}
	hunt_teardown(r, &h);
	return err;
}
