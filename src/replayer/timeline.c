/*
 * Going backwards in a replay. The history is a line of checkpoints
 * (checkpoint.c): one at the start, one wherever the debugger stopped, one
 * every so many events while replaying forward, thinned so that at most
 * TIMELINE_MAX_AUTO are kept. A point of the history is a replay_mark.
 *
 * reverse-continue: from the latest checkpoint before now, replay forward
 * to now with the user's breakpoints in, counting their hits; go back to
 * that checkpoint and replay to the last hit. With no hit, search the
 * stretch before it the same way, down to the start of the history.
 *
 * reverse-stepi: from the latest checkpoint before now, count how often
 * the current instruction ran before now, replay to its previous run (or
 * stay at the checkpoint), count the instructions from there to now, and
 * replay once more to one instruction short of it.
 *
 * Points between the same two events cannot be ordered by their marks:
 * they are ordered by the forward run that found them, and a checkpoint
 * whose place against a new one is unknown is dropped.
 */
#define _GNU_SOURCE
#include "replayer/timeline.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#include "arch/x86_64/decode.h"
#include "common/log.h"
#include "common/xalloc.h"

#define TIMELINE_MAX_AUTO 24
#define KEEP_NEWEST	  10
/* Periodic checkpoints while replaying forward: after this many events or this long. */
#define PERIOD_EVENTS 20000
#define PERIOD_NS     (200 * 1000 * 1000ull)
/* A debugger stop gets a checkpoint if the last one is this many events or this long ago. */
#define STOP_EVENTS 64
#define STOP_NS	    (20 * 1000 * 1000ull)
/* Instructions a reverse step replays one by one at most before giving up. */
#define STEP_LIMIT 5000000ul
/* How far before its end a long reverse step leaves a checkpoint. */
#define NEAR_STEPS 32ul
/* Checkpoints every so many instructions of a reverse step's first pass. */
#define MID_STEPS 2048ul

#define EFLAGS_RF 0x10000ull /* the resume flag */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void timeline_mark_now(const struct timeline *tl, struct timeline_mark *m)
{
	struct replay_where w;

	memset(m, 0, sizeof(*m));
	replayer_where(tl->r, &w);
	m->finished = w.finished;
	if (m->finished)
		return;
	m->seq = w.seq;
	m->boundary = w.boundary;
	m->at_signal = w.at_signal;
	/* Between events of another thread, the point is the next event's thread. */
	m->tid = w.tid;
	tracee_get_regs(&w.task->t, m->regs);
	/* A fault sets the resume flag in the flags it saves: the same point before it came. */
	m->regs[X86_EFLAGS] &= ~EFLAGS_RF;
}

static bool mark_equal(const struct timeline_mark *a, const struct timeline_mark *b)
{
	if (a->finished || b->finished)
		return a->finished == b->finished;
	/*
	 * A boundary is one state whatever thread it is seen from: every event
	 * before seq applied, no code run since. (Whether the next event was
	 * read yet decides the thread a mark names, so that may differ.)
	 */
	if (a->boundary && b->boundary)
		return a->seq == b->seq && a->at_signal == b->at_signal;
	return a->seq == b->seq && a->boundary == b->boundary && a->at_signal == b->at_signal &&
	       a->tid == b->tid && !memcmp(a->regs, b->regs, sizeof(a->regs));
}

/*
 * Whether the replay is at the target point. At the end of the history the
 * replay stands at a syscall instruction with rcx and r11 as the syscall
 * left them: there, the instruction reached (its first run in the stretch,
 * the syscall being the next event) is the target.
 */
static bool at_target(const struct timeline *tl, const struct timeline_mark *now,
		      const struct timeline_mark *target)
{
	if (!tl->loose_end || now->finished || target->finished)
		return mark_equal(now, target);
	return now->seq == target->seq && now->boundary == target->boundary &&
	       now->at_signal == target->at_signal && now->tid == target->tid &&
	       now->regs[X86_RIP] == target->regs[X86_RIP];
}

/* a certainly comes before b. */
static bool mark_before(const struct timeline_mark *a, const struct timeline_mark *b)
{
	if (a->finished || b->finished)
		return !a->finished && b->finished;
	if (a->seq != b->seq)
		return a->seq < b->seq;
	return a->boundary && !b->boundary;
}

static void remove_entry(struct timeline *tl, int i)
{
	replay_checkpoint_free(&tl->e[i].cp);
	memmove(&tl->e[i], &tl->e[i + 1], (size_t)(tl->n - i - 1) * sizeof(tl->e[0]));
	tl->n--;
	if (i < tl->cur) {
		tl->cur--;
	} else if (i == tl->cur) {
		tl->cur--;
		tl->cur_exact = false;
	}
}

/* Keeps at most TIMELINE_MAX_AUTO automatic checkpoints, dropping where they are densest. */
static void thin(struct timeline *tl)
{
	for (;;) {
		int autos = 0, victim = -1;
		uint64_t best = UINT64_MAX;

		for (int i = 1; i < tl->n; i++)
			autos += !tl->e[i].user;
		if (autos <= TIMELINE_MAX_AUTO)
			return;
		for (int i = 1; i < tl->n; i++) {
			uint64_t span;

			/* The newest are where the debugging goes on: kept. */
			if (tl->e[i].user || i == tl->cur ||
			    tl->e[i].id >= tl->next_id - KEEP_NEWEST)
				continue;
			span = i + 1 < tl->n ? tl->e[i + 1].mark.seq - tl->e[i - 1].mark.seq
					     : 2 * (tl->e[i].mark.seq - tl->e[i - 1].mark.seq);
			if (span < best ||
			    (victim >= 0 && span == best && tl->e[i].id < tl->e[victim].id)) {
				best = span;
				victim = i;
			}
		}
		if (victim < 0)
			return;
		remove_entry(tl, victim);
	}
}

/*
 * The replay is at `m`, reached by running forward from entry cur: moves
 * cur past the entries it went by and drops those it cannot be placed
 * against. Returns the index a new entry for m goes to, or -1 - i when
 * entry i is m itself.
 */
static int place(struct timeline *tl, const struct timeline_mark *m)
{
	int i = tl->cur + 1;

	if (tl->cur_exact && tl->cur >= 0 && mark_equal(&tl->e[tl->cur].mark, m))
		return -1 - tl->cur;
	while (i < tl->n && mark_before(&tl->e[i].mark, m))
		i++;
	while (i < tl->n && !mark_before(m, &tl->e[i].mark)) {
		if (mark_equal(&tl->e[i].mark, m))
			return -1 - i;
		remove_entry(tl, i);
	}
	return i;
}

bool timeline_empty(const struct timeline *tl)
{
	return tl->n == 0;
}

static int add_here(struct timeline *tl, bool user, const struct replay_stop *why);

int timeline_reset(struct timeline *tl)
{
	int i;

	while (tl->n)
		remove_entry(tl, tl->n - 1);
	tl->cur = -1;
	tl->cur_exact = false;
	i = add_here(tl, true, NULL);
	if (i < 0)
		return i;
	tl->e[i].number = 0;
	return 0;
}

/* Takes a checkpoint where the replay is now and puts it in its place; returns its index. */
static int add_here(struct timeline *tl, bool user, const struct replay_stop *why)
{
	struct timeline_entry ne = {0};
	int i, err;

	if (why)
		ne.why = *why;
	timeline_mark_now(tl, &ne.mark);
	i = place(tl, &ne.mark);
	if (i < 0) {
		tl->cur = -1 - i;
		tl->cur_exact = true;
		tl->e[tl->cur].user |= user;
		return tl->cur;
	}
	tl->cur = i - 1;
	tl->cur_exact = false;
	rw_debug("checkpoint at event %llu%s, tid %u, rip 0x%llx",
		 (unsigned long long)ne.mark.seq, ne.mark.boundary ? " (boundary)" : "",
		 ne.mark.tid, (unsigned long long)ne.mark.regs[X86_RIP]);
	if ((err = replay_checkpoint_take(&ne.cp, tl->r)) < 0)
		return err;
	if (tl->n == tl->cap) {
		int cap = tl->cap ? 2 * tl->cap : 32;
		tl->e = xrealloc(tl->e, (size_t)cap * sizeof(*tl->e));
		tl->cap = cap;
	}
	memmove(&tl->e[i + 1], &tl->e[i], (size_t)(tl->n - i) * sizeof(tl->e[0]));
	ne.id = tl->next_id++;
	ne.number = -1;
	tl->last_ns = now_ns();
	tl->events_since = 0;
	ne.user = user;
	tl->e[i] = ne;
	tl->n++;
	tl->cur = i;
	tl->cur_exact = true;
	thin(tl);
	return tl->cur;
}

static int periodic(void *arg)
{
	struct timeline *tl = arg;
	uint64_t t;

	if (tl->internal || (++tl->events_since & 63))
		return 0;
	t = now_ns();
	if (tl->events_since < PERIOD_EVENTS && t - tl->last_ns < PERIOD_NS)
		return 0;
	add_here(tl, false, NULL);
	return 0;
}

static void on_kick(void *arg)
{
	struct timeline *tl = arg;

	if (!tl->internal)
		add_here(tl, false, NULL);
}

int timeline_init(struct timeline *tl, struct replayer *r)
{
	int err;

	memset(tl, 0, sizeof(*tl));
	tl->r = r;
	tl->cur = -1;
	tl->next_id = 0;
	replayer_set_history_hooks(r, periodic, on_kick, tl);
	tl->last_ns = now_ns();
	tl->next_number = 1;
	err = add_here(tl, true, NULL);
	if (err < 0)
		rw_error("cannot take a checkpoint of the replay: %s", strerror(-err));
	else
		tl->e[err].number = 0; /* the start of the history */
	return err < 0 ? err : 0;
}

void timeline_free(struct timeline *tl)
{
	while (tl->n)
		remove_entry(tl, tl->n - 1);
	free(tl->e);
	tl->e = NULL;
	if (tl->r)
		replayer_set_history_hooks(tl->r, NULL, NULL, NULL);
}

void timeline_note_stop(struct timeline *tl, const struct replay_stop *why)
{
	struct timeline_mark m;
	int i;

	/*
	 * A checkpoint (a fork) at every single step would make stepping slow:
	 * there only when the last one is some way back. Other stops always get
	 * one: two points of one stretch of user code with the same registers
	 * (a loop whose variables are in memory) cannot be told apart by their
	 * marks, so a later search must not have to find such a point again.
	 */
	if ((why->kind != REPLAY_STOP_STEP || tl->events_since >= STOP_EVENTS ||
	     now_ns() - tl->last_ns >= STOP_NS) &&
	    add_here(tl, false, why) >= 0)
		return;
	/* No checkpoint here (close to one, the end, or a signal on its way): only the place. */
	timeline_mark_now(tl, &m);
	i = place(tl, &m);
	tl->cur = i < 0 ? -1 - i : i - 1;
	tl->cur_exact = i < 0;
}

static int restore(struct timeline *tl, int i)
{
	int err = replay_checkpoint_restore(&tl->e[i].cp, tl->r);

	tl->cur = i;
	tl->cur_exact = err == 0;
	return err;
}

/* Whether a breakpoint of ours sits at the current instruction (run would hit it at once). */
static bool at_breakpoint(struct replayer *r, uint64_t *rip)
{
	uint64_t regs[X86_NREGS];

	*rip = 0;
	if (replayer_finished(r) || tracee_get_regs(&replayer_current_task(r)->t, regs) < 0)
		return false;
	*rip = regs[X86_RIP];
	return replayer_breakpoint_at(r, *rip, 0);
}

static bool at_user_breakpoint(const struct replayer *r, const struct timeline_entry *e)
{
	const struct timeline_mark *m = &e->mark;

	if (e->why.kind == REPLAY_STOP_WATCH)
		return replayer_watch_at(r, e->why.addr);
	if (m->boundary || m->finished || m->at_signal)
		return false;
	return replayer_breakpoint_at(r, m->regs[X86_RIP], REPLAY_BP_USER);
}

/* Breakpoints taken out of the replayer while stepping one instruction at a time. */
struct hidden_bps {
	struct replay_breakpoint bps[REPLAY_MAX_BREAKPOINTS];
	int n;
	bool hidden;
};

static void hide_breakpoints(struct replayer *r, struct hidden_bps *h)
{
	if (h->hidden)
		return;
	h->n = replayer_take_breakpoints(r, h->bps);
	h->hidden = true;
}

static void show_breakpoints(struct replayer *r, struct hidden_bps *h)
{
	if (!h->hidden)
		return;
	replayer_give_breakpoints(r, h->bps, h->n);
	h->hidden = false;
}

/*
 * One instruction forward (or one event) of thread tid (0: the current
 * one), stepping over a breakpoint at it; other threads' events on the way
 * are replayed through.
 */
static int step_once(struct replayer *r, uint32_t tid, struct replay_stop *rs)
{
	uint64_t rip = 0;
	bool over = at_breakpoint(r, &rip);
	int err;

	replayer_set_step(r, tid, over, rip);
	err = replayer_run(r, REPLAY_MODE_STEP, rs, NULL, NULL);
	replayer_set_step(r, tid, false, rip);
	return err;
}

static int lost(struct timeline *tl, const struct timeline_mark *target, const char *why)
{
	rw_error("going back: the replay did not come to the point at event %llu again (%s)",
		 (unsigned long long)target->seq, why);
	return -EPROTO;
}

/*
 * Whether a stop of a forward run short of the target (the replay at now)
 * is a hit that run_until counts: 1, 0, or negative errno when the target
 * cannot come any more.
 */
static int counts(struct timeline *tl, const struct timeline_mark *target, uint64_t count_addr,
		  const struct replay_stop *rs, const struct timeline_mark *now)
{
	if (rs->kind == REPLAY_STOP_INTERRUPT)
		return lost(tl, target, "went past it");
	if (rs->kind == REPLAY_STOP_EXITED || rs->kind == REPLAY_STOP_END)
		return lost(tl, target, "the program ended first");
	/* Past the exit syscall only to the program's end; a divergence stays. */
	if (rs->kind == REPLAY_STOP_HISTORY_END && !target->finished)
		return lost(tl, target, "the history ended first");
	if (rs->kind == REPLAY_STOP_WATCH && !count_addr)
		return 1;
	if (rs->kind != REPLAY_STOP_BREAKPOINT)
		return 0;
	/* An instruction's runs are counted in the target's thread only. */
	if (count_addr)
		return rs->addr == count_addr && now->tid == target->tid;
	return (rs->owners & REPLAY_BP_USER) != 0;
}

/*
 * Replays forward from now to `target`, a point known to come later,
 * counting hits of the user's breakpoints (count_addr 0) or of the
 * instruction at count_addr, strictly between now and target. With
 * stop_at > 0, stops at that hit instead. Returns 0 at the target, 1 at
 * hit stop_at, or a negative errno.
 */
static int run_until(struct timeline *tl, const struct timeline_mark *target, uint64_t count_addr,
		     long stop_at, long *hits, struct replay_stop *hit)
{
	struct replayer *r = tl->r;
	bool tmp = !target->boundary && !target->finished;
	uint64_t bp = target->regs[X86_RIP];
	int ret;

	*hits = 0;
	if (tmp && (ret = replayer_set_breakpoint_for(r, bp, REPLAY_BP_INTERNAL, true)) < 0)
		return ret;
	if (count_addr &&
	    (ret = replayer_set_breakpoint_for(r, count_addr, REPLAY_BP_COUNT, true)) < 0)
		goto out;
	replayer_stop_before(r, target->finished   ? 0
				: target->boundary ? target->seq
						   : target->seq + 1);
	for (;;) {
		struct timeline_mark now;
		struct replay_stop rs;
		uint64_t rip;

		timeline_mark_now(tl, &now);
		if (at_target(tl, &now, target)) {
			ret = 0;
			break;
		}
		if (at_breakpoint(r, &rip)) {
			ret = step_once(r, 0, &rs);
		} else {
			ret = replayer_run(r, REPLAY_MODE_CONTINUE, &rs, NULL, NULL);
		}
		if (ret < 0)
			break;
		timeline_mark_now(tl, &now);
		if (at_target(tl, &now, target)) {
			/* A watchpoint firing at the target: the access came before it. */
			if (rs.kind == REPLAY_STOP_WATCH && !count_addr) {
				if (hit)
					*hit = rs;
				if (++*hits == stop_at) {
					ret = 1;
					break;
				}
			}
			continue;
		}
		if ((ret = counts(tl, target, count_addr, &rs, &now)) < 0)
			break;
		if (!ret)
			continue;
		if (hit)
			*hit = rs;
		if (++*hits == stop_at) {
			ret = 1;
			break;
		}
	}
out:
	replayer_stop_before(r, 0);
	if (count_addr)
		replayer_set_breakpoint_for(r, count_addr, REPLAY_BP_COUNT, false);
	if (tmp)
		replayer_set_breakpoint_for(r, bp, REPLAY_BP_INTERNAL, false);
	return ret;
}

static int reverse_step(struct timeline *tl, enum timeline_stop *stop);

/*
 * A watchpoint fires after the access; going backwards the debugger wants
 * the point before it, where the value is still the older one.
 */
static int before_access(struct timeline *tl, const struct replay_stop *hit)
{
	enum timeline_stop ts;

	return hit->kind == REPLAY_STOP_WATCH ? reverse_step(tl, &ts) : 0;
}

int timeline_reverse_continue(struct timeline *tl, enum timeline_stop *stop,
			      struct replay_stop *hit)
{
	struct timeline_mark target;
	int k = tl->cur_exact ? tl->cur - 1 : tl->cur, err = 0;
	long hits, h;

	if (timeline_empty(tl))
		return -ENOTSUP;
	timeline_mark_now(tl, &target);
	tl->internal = true;
	replayer_set_quiet(tl->r, true);
	tl->loose_end = replayer_stopped_at_history_end(tl->r);
	for (; k >= 0; k--) {
		if ((err = restore(tl, k)) < 0 ||
		    (err = run_until(tl, &target, 0, 0, &hits, hit)) < 0)
			goto out;
		if (hits > 0) {
			if ((err = restore(tl, k)) < 0 ||
			    (err = run_until(tl, &target, 0, hits, &h, hit)) < 0)
				goto out;
			if (err != 1) {
				err = lost(tl, &target, "the breakpoint hit went missing");
				goto out;
			}
			tl->cur = k;
			tl->cur_exact = false;
			add_here(tl, false, hit);
			*stop = TIMELINE_STOP_BREAKPOINT;
			err = before_access(tl, hit);
			goto out;
		}
		/* The checkpoint itself may sit at a breakpoint: then it is the latest hit. */
		if (at_user_breakpoint(tl->r, &tl->e[k])) {
			*hit = tl->e[k].why;
			if (hit->kind != REPLAY_STOP_WATCH)
				hit->kind = REPLAY_STOP_BREAKPOINT;
			if ((err = restore(tl, k)) == 0)
				*stop = TIMELINE_STOP_BREAKPOINT;
			if (!err)
				err = before_access(tl, hit);
			goto out;
		}
		target = tl->e[k].mark;
		tl->loose_end = false; /* a checkpoint's point, known exactly */
	}
	if ((err = restore(tl, 0)) == 0)
		*stop = TIMELINE_STOP_BEGIN;
out:
	tl->internal = tl->loose_end = false;
	replayer_set_quiet(tl->r, false);
	return err;
}

/*
 * Whether the replay stands in front of a syscall instruction with rcx and
 * r11 as the syscall left them (a caught syscall's stop, or where a step
 * back from its return came): like the end of the history, its point is
 * the instruction's visit in the stretch, whatever rcx and r11 held then.
 */
static bool at_syscall_entry(struct timeline *tl)
{
	struct timeline_mark m;
	uint8_t insn[2];

	timeline_mark_now(tl, &m);
	return !m.finished && !m.boundary && m.regs[X86_RCX] == m.regs[X86_RIP] + 2 &&
	       tracee_read_mem(&replayer_current_task(tl->r)->t, m.regs[X86_RIP], insn,
			       sizeof(insn)) == 0 &&
	       insn[0] == 0x0f && insn[1] == 0x05;
}

int timeline_reverse_step(struct timeline *tl, enum timeline_stop *stop)
{
	int err;

	if (timeline_empty(tl))
		return -ENOTSUP;
	tl->internal = true;
	replayer_set_quiet(tl->r, true);
	tl->loose_end = replayer_stopped_at_history_end(tl->r) || at_syscall_entry(tl);
	err = reverse_step(tl, stop);
	tl->internal = tl->loose_end = false;
	replayer_set_quiet(tl->r, false);
	return err;
}

static int find_id(const struct timeline *tl, int id)
{
	for (int i = 0; i < tl->n; i++)
		if (tl->e[i].id == id)
			return i;
	return -1;
}

/*
 * One instruction by ptrace alone, where no event can come (SYSEMU keeps a
 * syscall instruction from running if one came anyway); *rip is where it
 * went.
 */
static int raw_step(struct timeline *tl, const struct timeline_mark *target, uint64_t *rip,
		    uint64_t *rsp)
{
	struct replayer *r = tl->r;
	struct replay_task *task = replayer_current_task(r);
	int st;
	long v, w;

	replayer_note_ran(r);
	/* A signal left to pass (one without a handler, applied last) goes with it. */
	st = tracee_resume(&task->t, PTRACE_SYSEMU_SINGLESTEP, task->pass_sig);
	task->pass_sig = 0;
	if (st < 0)
		return st;
	if (task->t.stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP)
		return lost(tl, target, "a single step met an event");
	errno = 0;
	v = ptrace(PTRACE_PEEKUSER, task->t.tid, offsetof(struct user_regs_struct, rip), 0);
	w = ptrace(PTRACE_PEEKUSER, task->t.tid, offsetof(struct user_regs_struct, rsp), 0);
	if ((v == -1 || w == -1) && errno)
		return -errno;
	*rip = (uint64_t)v;
	*rsp = (uint64_t)w;
	return 0;
}

#define MAX_RETURNS 256
#define CODE_SCAN   16384

/*
 * Runs the thread at full speed with an int3 at each of the n addresses
 * until one is reached with the stack pointer want[i] (in the frame it is
 * meant for); the thread then stands in front of that instruction and
 * *hit is i. A hit in a deeper frame (recursion) is passed by one step, a
 * watchpoint's trap is passed; an event cannot come (the target lies
 * after the frame's return, in the same stretch of user code).
 */
static int run_to_frame(struct timeline *tl, const struct timeline_mark *target,
			const uint64_t *addrs, const uint64_t *want, int n, int *hit)
{
	static const uint8_t int3 = 0xcc;
	struct replayer *r = tl->r;
	struct replay_task *task = replayer_current_task(r);
	uint64_t regs[X86_NREGS];
	uint8_t orig[MAX_RETURNS + 1];
	int placed = 0, st, err = 0;

	for (; placed < n && placed <= MAX_RETURNS; placed++)
		if (tracee_read_mem(&task->t, addrs[placed], &orig[placed], 1) < 0 ||
		    tracee_write_mem(&task->t, addrs[placed], &int3, 1) < 0)
			break;
	for (;;) {
		int h = -1;

		replayer_note_ran(r);
		st = tracee_resume(&task->t, PTRACE_SYSEMU, task->pass_sig);
		task->pass_sig = 0;
		if (st < 0) {
			err = st;
			break;
		}
		if (task->t.stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) ||
		    WSTOPSIG(st) != SIGTRAP) {
			err = lost(tl, target, "a call went on to an event");
			break;
		}
		if ((err = tracee_get_regs(&task->t, regs)) < 0)
			break;
		for (int i = 0; i < placed; i++)
			if (regs[X86_RIP] == addrs[i] + 1)
				h = i;
		if (h < 0)
			continue; /* a watchpoint's trap */
		regs[X86_RIP] = addrs[h];
		if ((err = tracee_set_regs(&task->t, regs)) < 0)
			break;
		if (regs[X86_RSP] == want[h]) {
			*hit = h;
			break;
		}
		/* A deeper frame's: past it by one step, and on. */
		if ((err = tracee_write_mem(&task->t, addrs[h], &orig[h], 1)) < 0)
			break;
		st = tracee_resume(&task->t, PTRACE_SYSEMU_SINGLESTEP, 0);
		if (st < 0 || task->t.stop != TRACEE_STOP_OTHER) {
			err = st < 0 ? st : lost(tl, target, "a call went on to an event");
			break;
		}
		if ((err = tracee_write_mem(&task->t, addrs[h], &int3, 1)) < 0)
			break;
	}
	for (int i = 0; i < placed; i++)
		if (tracee_write_mem(&task->t, addrs[i], &orig[i], 1) < 0 && err == 0)
			err = -EIO;
	return err;
}

/*
 * The thread has just entered a call (return address ret at callee_rsp):
 * runs the callee to its return, an int3 there counting in this frame only.
 */
static int skip_callee(struct timeline *tl, const struct timeline_mark *target, uint64_t ret,
		       uint64_t callee_rsp, uint64_t *rip, uint64_t *rsp)
{
	uint64_t want = callee_rsp + 8;
	int hit;

	*rip = ret;
	*rsp = want;
	return run_to_frame(tl, target, &ret, &want, 1, &hit);
}

/*
 * One unit of stepping by ptrace alone: an instruction, or, when it was a
 * call whose callee cannot hold the target (the target's frame is above
 * the callee's), the call and the whole callee up to its return. Both
 * passes of a reverse step make the same units, so counting units is
 * counting points. *to_target says the unit was a call returning to the
 * target's place: if it is the last one, the instruction before the target
 * is that callee's return (see into_final_call).
 */
static int raw_unit(struct timeline *tl, const struct timeline_mark *target, uint64_t *rip,
		    uint64_t *rsp, bool *to_target)
{
	uint64_t old_rip = *rip, old_rsp = *rsp, ret;
	int err = raw_step(tl, target, rip, rsp);

	*to_target = false;
	if (err || *rsp != old_rsp - 8 || target->regs[X86_RSP] <= *rsp)
		return err;
	/* A call pushes the address of the instruction after it and jumps elsewhere. */
	if (tracee_read_mem(&replayer_current_task(tl->r)->t, *rsp, &ret, sizeof(ret)) < 0 ||
	    ret <= old_rip || ret > old_rip + 15 || *rip == ret)
		return 0;
	*to_target = ret == target->regs[X86_RIP] && *rsp + 8 == target->regs[X86_RSP];
	return skip_callee(tl, target, ret, *rsp, rip, rsp);
}

static void checkpoint_on_the_way(struct timeline *tl, int *k);

/*
 * In a callee just entered (its frame's return address at callee_rsp), runs
 * to its last instruction: the return that leaves this frame, found with an
 * int3 on every return instruction decoded from the callee's code on (a
 * tail call's target included when it is near). Returns 0 stopped in front
 * of it, 1 when the frame was left by a return not found that way (the
 * thread is then at the target), or a negative errno.
 */
static int final_return(struct timeline *tl, const struct timeline_mark *target, uint64_t entry,
			uint64_t callee_rsp)
{
	uint64_t rets[MAX_RETURNS + 1], want[MAX_RETURNS + 1];
	uint8_t *code = xmalloc(CODE_SCAN);
	int n, hit = -1, err;

	n = x86_find_returns(
	    code, tracee_read_mem_partial(&replayer_current_task(tl->r)->t, entry, code, CODE_SCAN),
	    entry, rets, MAX_RETURNS);
	free(code);
	if (n < 0)
		n = 0;
	for (int i = 0; i < n; i++)
		want[i] = callee_rsp;	 /* this frame's return, about to run */
	rets[n] = target->regs[X86_RIP]; /* back in the caller: not found */
	want[n] = callee_rsp + 8;
	err = run_to_frame(tl, target, rets, want, n + 1, &hit);
	return err < 0 ? err : hit == n;
}

/*
 * The last unit before the target was a call returning to it: from in
 * front of the call, into the callee and up to its final return. When that
 * return is not found by its address, from a checkpoint at the callee's
 * entry: count the units to the target, and replay one short of it.
 */
static int into_final_call(struct timeline *tl, const struct timeline_mark *target, int *k)
{
	uint64_t rip, rsp, callee_rsp, regs[X86_NREGS];
	unsigned long m = 0;
	bool ignored;
	int err;

	if ((err = raw_step(tl, target, &rip, &rsp)) < 0)
		return err;
	callee_rsp = rsp;
	checkpoint_on_the_way(tl, k);
	if (!tl->cur_exact)
		return final_return(tl, target, rip, callee_rsp) == 0
			   ? 0
			   : lost(tl, target, "the return of the call before it");
	if ((err = final_return(tl, target, rip, callee_rsp)) <= 0)
		return err;
	if ((err = restore(tl, *k)) < 0 ||
	    (err = tracee_get_regs(&replayer_current_task(tl->r)->t, regs)) < 0)
		return err;
	rip = regs[X86_RIP];
	rsp = regs[X86_RSP];
	for (;;) {
		struct timeline_mark now;

		if (rip == target->regs[X86_RIP]) {
			timeline_mark_now(tl, &now);
			if (at_target(tl, &now, target))
				break;
		}
		if (m >= STEP_LIMIT)
			return lost(tl, target, "too many instructions");
		if ((err = raw_unit(tl, target, &rip, &rsp, &ignored)) < 0)
			return err;
		m++;
	}
	if ((err = restore(tl, *k)) < 0)
		return err;
	rip = regs[X86_RIP];
	rsp = regs[X86_RSP];
	for (unsigned long i = 0; i + 1 < m; i++)
		if ((err = raw_unit(tl, target, &rip, &rsp, &ignored)) < 0)
			return err;
	return 0;
}

/* Puts a checkpoint where the replay is now, known to be after entry *k; *k becomes it. */
static void checkpoint_on_the_way(struct timeline *tl, int *k)
{
	tl->cur = *k;
	tl->cur_exact = false;
	if (add_here(tl, false, NULL) >= 0)
		*k = tl->cur;
}

/*
 * Replays forward from now to the first boundary (all events before it
 * applied, the program not run since) at or after the one before event
 * `seq`, and before target, hiding breakpoints.
 */
static int run_to_boundary(struct timeline *tl, uint64_t seq, const struct timeline_mark *target)
{
	struct replayer *r = tl->r;
	struct hidden_bps hidden = {0};
	struct timeline_mark now;
	struct replay_stop rs;
	int err = 0;

	hide_breakpoints(r, &hidden);
	replayer_stop_before(r, seq);
	for (;;) {
		timeline_mark_now(tl, &now);
		if (now.finished || !mark_before(&now, target)) {
			err = lost(tl, target, "went past it");
			break;
		}
		/* No boundary between a syscall's entry and exit: the next one may be later. */
		if (now.seq >= seq && now.boundary)
			break;
		if ((err = replayer_run(r, REPLAY_MODE_CONTINUE, &rs, NULL, NULL)) < 0)
			break;
		if (rs.kind == REPLAY_STOP_EXITED || rs.kind == REPLAY_STOP_END ||
		    rs.kind == REPLAY_STOP_HISTORY_END) {
			err = lost(tl, target, "the history ended first");
			break;
		}
	}
	replayer_stop_before(r, 0);
	show_breakpoints(r, &hidden);
	return err;
}

/* A reverse step under way. */
struct back_step {
	struct timeline_mark target; /* where it started: the point one instruction after */
	int k;			     /* the checkpoint both passes start from */
	long n;			     /* runs of the target's instruction between k and the target */
	bool raw;		     /* stepping by ptrace alone, inside the target's stretch */
	unsigned long steps;	     /* units from the previous run of that instruction on */
	int mid_id;		     /* a checkpoint the first pass left on the way, or -1 */
	unsigned long mid_steps;     /* the units before it */
	bool last_to_target;	     /* the last unit was a call that returns to the target */
	struct hidden_bps hidden;
};

/* From checkpoint b->k (restored) on to the b->n-th run of the target's instruction. */
static int to_nth_run(struct timeline *tl, struct back_step *b)
{
	long h;
	int err;

	if (b->n <= 0)
		return 0;
	err = run_until(tl, &b->target, b->target.regs[X86_RIP], b->n, &h, NULL);
	if (err == 1)
		return 0;
	return err < 0 ? err : lost(tl, &b->target, "the previous run of its instruction");
}

/*
 * The first pass's start: the previous instruction lies in the stretch of
 * user code that ends here (or in the one before, at a boundary, which a
 * syscall's entry and exit end together): replay to its start at full
 * speed and leave a checkpoint there (b->k), so that only the stretch is
 * counted and stepped; count the runs of the current instruction since
 * (b->n) and go to the last of them.
 */
static int to_previous_run(struct timeline *tl, struct back_step *b)
{
	struct timeline_mark start;
	int err;

	memset(&start, 0, sizeof(start));
	start.seq = !b->target.boundary ? b->target.seq : b->target.seq > 2 ? b->target.seq - 2 : 0;
	start.boundary = true;
	/* With threads, the events before a boundary may be another thread's: no narrowing. */
	if (b->target.boundary && replayer_threaded(tl->r))
		start.seq = 0;
	if (mark_before(&tl->e[b->k].mark, &start)) {
		if ((err = restore(tl, b->k)) < 0 ||
		    (err = run_to_boundary(tl, start.seq, &b->target)) < 0)
			return err;
		checkpoint_on_the_way(tl, &b->k);
	}
	/* How often the current instruction ran between the checkpoint and now. */
	if ((err = restore(tl, b->k)) < 0 ||
	    (err = run_until(tl, &b->target, b->target.regs[X86_RIP], 0, &b->n, NULL)) < 0 ||
	    (err = restore(tl, b->k)) < 0)
		return err;
	return to_nth_run(tl, b);
}

/* Where the stepping starts; stepping by ptrace alone steps the current thread: the target's. */
static int step_start(struct timeline *tl, struct back_step *b, uint64_t *rip, uint64_t *rsp)
{
	uint64_t regs[X86_NREGS];
	int err;

	if (b->raw && (err = replayer_switch_task(tl->r, b->target.tid)) < 0)
		return err;
	if ((err = tracee_get_regs(&replayer_current_task(tl->r)->t, regs)) < 0)
		return err;
	*rip = regs[X86_RIP];
	*rsp = regs[X86_RSP];
	return 0;
}

/* One unit forward: by ptrace alone inside the target's stretch, else one step of the replay. */
static int unit(struct timeline *tl, struct back_step *b, uint64_t *rip, uint64_t *rsp,
		bool *to_target, struct replay_stop *rs)
{
	if (b->raw)
		return raw_unit(tl, &b->target, rip, rsp, to_target);
	return step_once(tl->r, b->target.tid, rs);
}

/*
 * From the previous run of the instruction, one unit at a time with no
 * breakpoint in the way, counting the units to the target (b->steps) and
 * leaving checkpoints now and then for the second pass. Inside the
 * target's own stretch no event can come: ptrace's single step alone
 * does, and the whole mark is looked at only where the rip matches.
 */
static int first_pass(struct timeline *tl, struct back_step *b)
{
	uint64_t rip, rsp;
	struct replay_stop rs;
	int j = b->k, err;

	b->raw = !b->target.boundary && tl->e[b->k].mark.seq == b->target.seq &&
		 !tl->e[b->k].mark.at_signal;
	if ((err = step_start(tl, b, &rip, &rsp)) < 0)
		return err;
	hide_breakpoints(tl->r, &b->hidden);
	for (b->steps = 0;; b->steps++) {
		struct timeline_mark now;

		if (!b->raw || rip == b->target.regs[X86_RIP]) {
			timeline_mark_now(tl, &now);
			if (at_target(tl, &now, &b->target))
				break;
			if (now.finished)
				return lost(tl, &b->target, "the program ended first");
		}
		if (b->steps >= STEP_LIMIT)
			return lost(tl, &b->target, "too many instructions");
		/*
		 * Also at the previous run of the instruction, when that is away from
		 * the checkpoint: the next steps back start from there.
		 */
		if (!(b->steps % MID_STEPS) && (b->steps || b->n > 0)) {
			checkpoint_on_the_way(tl, &j);
			if (j != b->k && tl->cur_exact) {
				b->mid_id = tl->e[j].id;
				b->mid_steps = b->steps;
			}
		}
		replayer_note_progress(tl->r);
		if ((err = unit(tl, b, &rip, &rsp, &b->last_to_target, &rs)) < 0)
			return err;
		/* The end stays where it is: if it is not the target, the target is gone. */
		if (!b->raw && rs.kind == REPLAY_STOP_HISTORY_END) {
			timeline_mark_now(tl, &now);
			if (!at_target(tl, &now, &b->target))
				return lost(tl, &b->target, "the history ended first");
		}
	}
	tl->steps = b->steps;
	show_breakpoints(tl->r, &b->hidden);
	return 0;
}

/* Second pass: to one unit short of the target, from the nearest point the first one left. */
static int second_pass(struct timeline *tl, struct back_step *b)
{
	uint64_t rip = 0, rsp = 0;
	unsigned long done = 0;
	bool moved = false, to_target;
	struct replay_stop rs;
	int j, err;

	if (b->mid_id >= 0 && (j = find_id(tl, b->mid_id)) >= 0) {
		b->k = j;
		done = b->mid_steps;
		if ((err = restore(tl, b->k)) < 0)
			return err;
	} else {
		if ((err = restore(tl, b->k)) < 0 || (err = to_nth_run(tl, b)) < 0)
			return err;
		moved = b->n > 0;
	}
	if (b->raw && (err = step_start(tl, b, &rip, &rsp)) < 0)
		return err;
	hide_breakpoints(tl->r, &b->hidden);
	for (unsigned long i = done; i + 1 < b->steps; i++) {
		/* Near the end: the next reverse steps start from here. */
		if (b->steps - done > 2 * NEAR_STEPS && i + 1 + NEAR_STEPS == b->steps && moved) {
			checkpoint_on_the_way(tl, &b->k);
			moved = !tl->cur_exact;
		}
		replayer_note_progress(tl->r);
		if ((err = unit(tl, b, &rip, &rsp, &to_target, &rs)) < 0)
			return err;
		moved = true;
	}
	if (b->raw && b->last_to_target) {
		/* The instruction before the target is the return of the last call. */
		if ((err = into_final_call(tl, &b->target, &b->k)) < 0)
			return err;
		moved = true;
	}
	show_breakpoints(tl->r, &b->hidden);
	tl->cur = b->k;
	tl->cur_exact = !moved;
	if (moved)
		add_here(tl, false, NULL);
	return 0;
}

static int reverse_step(struct timeline *tl, enum timeline_stop *stop)
{
	struct back_step b = {.mid_id = -1};
	int err;

	timeline_mark_now(tl, &b.target);
	/*
	 * At a signal's delivery stop in user code (a fault, or a signal sent at
	 * an execution point) the instruction there has not run: the point in
	 * front of it, before the signal came, stands for the target, and one
	 * back is the instruction before.
	 */
	if (b.target.at_signal && !b.target.boundary)
		b.target.at_signal = false;
	b.k = tl->cur_exact ? tl->cur - 1 : tl->cur;
	if (b.k < 0 || b.target.finished) {
		*stop = TIMELINE_STOP_BEGIN;
		return b.k < 0 ? 0 : -ENOTSUP;
	}
	if ((err = to_previous_run(tl, &b)) < 0 || (err = first_pass(tl, &b)) < 0 ||
	    (err = second_pass(tl, &b)) < 0) {
		show_breakpoints(tl->r, &b.hidden);
		return err;
	}
	*stop = TIMELINE_STOP_STEP;
	return 0;
}

int timeline_user_checkpoint(struct timeline *tl)
{
	int i = add_here(tl, true, NULL);

	if (i < 0)
		return i;
	if (tl->e[i].number < 0)
		tl->e[i].number = tl->next_number++;
	return tl->e[i].number;
}

/* The entry the user calls `number`, or -1. */
static int find_number(const struct timeline *tl, int number)
{
	for (int i = 0; number >= 0 && i < tl->n; i++)
		if (tl->e[i].number == number)
			return i;
	return -1;
}

int timeline_restart(struct timeline *tl, int number)
{
	int i = find_number(tl, number);

	if (timeline_empty(tl))
		return -ENOTSUP;
	return i < 0 ? -ENOENT : restore(tl, i);
}

int timeline_delete(struct timeline *tl, int number)
{
	int i = number > 0 ? find_number(tl, number) : -1;

	if (i < 0)
		return -ENOENT;
	/* An automatic checkpoint now, kept or thinned like the others. */
	tl->e[i].user = false;
	tl->e[i].number = -1;
	thin(tl);
	return 0;
}
