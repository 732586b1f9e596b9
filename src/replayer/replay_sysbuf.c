/*
 * The syscall buffer in replay: a run of a thread's buffered syscalls
 * (entry events made from rewind's untraced instruction, each followed by
 * its exit) is answered inside the thread, without a ptrace stop per call.
 * Before the thread runs to the event after the run, the replayer writes
 * each call's number, arguments, result and the bytes the kernel wrote into
 * the feed area (SYSBUF_FEED_BASE, mapped by the replayer, in the replay
 * only) and points the page's feed control at it; the library's call of
 * REWIND_UNTRACED_SYSCALL lands in the feed stub (arch/x86_64/sysbuf_feed.c),
 * which takes the next entry when number and arguments match, and else
 * makes the syscall from REWIND_REPLAY_SYSCALL, which stops as any other.
 * The library writes its own records as it did while recording, so the
 * program's memory ends as it did. When the thread reaches the event after
 * the run, the feed must be used up: an entry left is a divergence named
 * by its event. Until then the run's events count as replayed, and a stop
 * inside the run (a breakpoint, an interruption) is at the event of the
 * next entry the thread has not taken (replayer_sysbuf_next_seq).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/sysbuf.h"
#include "arch/x86_64/syscall_table.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "replayer/replayer.h"

/* At the start of the feed area, after `next`: says the mapping is the replayer's. */
static const char feed_magic[16] = "rewind sysbuf fd";

#define BUFFERED_RIP (REWIND_UNTRACED_SYSCALL + X86_SYSCALL_INSN_LEN)
#define REPLAY_RIP   (REWIND_REPLAY_SYSCALL + X86_SYSCALL_INSN_LEN)

/* A buffered syscall's entry of thread tid that replay emulates (the others must stop). */
static bool buffered_entry(const struct trace_event *ev, uint32_t tid)
{
	uint64_t args[6];

	if (ev->kind != EV_SYSCALL_ENTRY || ev->tid != tid || ev->regs[X86_RIP] != BUFFERED_RIP ||
	    ev->nmem || ev->nmaps || ev->output_len || ev->sysno < 0)
		return false;
	x86_regs_args(ev->regs, args);
	return x86_syscall_replay_class(ev->sysno, args) == SYS_REPLAY_EMULATE;
}

/*
 * The exit of the entry with registers entry: only its result and what the
 * kernel wrote. Not one whose result says "restart": a buffered call that
 * blocked runs on as a traced syscall from the same instruction
 * (record_desched.c), and a signal (a stop and continue, say) may end such
 * a run that the kernel then restarts; the stub would hand the library
 * that code, while replay restarts the call only at a stop
 * (replayer_restart_without_signal).
 */
static bool plain_exit(const struct trace_event *ev, uint32_t tid, long nr,
		       const uint64_t entry[X86_NREGS])
{
	if (ev->kind != EV_SYSCALL_EXIT || ev->tid != tid || ev->sysno != nr || ev->nmaps ||
	    ev->output_len || ev->nmem > 1 || (ev->nmem && ev->mem[0].len > SYSBUF_OUT_MAX) ||
	    x86_restart_code((int64_t)ev->regs[X86_RAX]))
		return false;
	for (int i = 0; i < X86_NREGS; i++)
		if (i != X86_RAX && ev->regs[i] != entry[i])
			return false;
	return true;
}

/*
 * The event the thread's run ends at: one the thread is run to, so that it
 * takes the feed on its way (a syscall, an rdtsc, a fault). Not an
 * execution point: its site is patched when the hunt starts, and code the
 * thread writes between its buffered calls (a JIT's) is not there yet then;
 * such a run leaves its last call to stop, and the hunt starts after it.
 */
static bool run_end(const struct trace_event *ev, uint32_t tid)
{
	if (ev->tid != tid)
		return false;
	if (ev->kind == EV_SIGNAL)
		return (ev->flags & EVF_SIGNAL_SYNC) && !(ev->flags & EVF_EXEC_POINT) &&
		       !(ev->flags & EVF_RUN_TO);
	return ev->kind == EV_SYSCALL_ENTRY || ev->kind == EV_RDTSC;
}

/*
 * Whether the pending entry may start a feed. Not under a debugger: a
 * reverse step that ends inside a fed run leaves the feed behind, and the
 * run diverges when it goes on from there.
 */
static bool may_feed(const struct replayer *r, const struct replay_task *task)
{
	const struct replay_debug *d = &r->debug;

	return d->mode == REPLAY_MODE_CONTINUE && !d->debugger && !d->catch_syscalls && !d->nwatches &&
	       !task->feed_active && !task->feed_off && !task->in_syscall && !task->exiting &&
	       !task->pass_sig && !task->ptrace_at && r->ev.seq >= task->feed_skip &&
	       buffered_entry(&r->ev, task->rec_tid) &&
	       (!d->stop_at_event || r->ev.seq + 2 < d->stop_at_event);
}

/* Maps the feed area in the task's address space if it is not there: 0, or -1 when it cannot. */
static int feed_area(struct replayer *r, struct replay_task *task)
{
	char magic[sizeof(feed_magic)];
	uint64_t regs[X86_NREGS];
	int64_t ret = -1;
	int err;

	if (tracee_read_mem(&task->t, SYSBUF_FEED_BASE + 8, magic, sizeof(magic)) == 0 &&
	    !memcmp(magic, feed_magic, sizeof(magic)))
		return 0;
	if ((err = tracee_get_regs(&task->t, regs)) < 0)
		return err;
	err = replayer_inject(r, SYS_mmap, SYSBUF_FEED_BASE, SYSBUF_FEED_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
			      (uint64_t)-1, 0, &ret);
	if (!err)
		err = tracee_set_regs(&task->t, regs);
	if (!err && (uint64_t)ret == SYSBUF_FEED_BASE)
		err = tracee_write_mem(&task->t, SYSBUF_FEED_BASE + 8, feed_magic,
				       sizeof(feed_magic));
	if (err || (uint64_t)ret != SYSBUF_FEED_BASE) {
		/* The program has memory there: its buffered syscalls stop as others do. */
		rw_debug("pid %d: no syscall buffer feed at 0x%llx (%lld)", task->t.tid,
			 SYSBUF_FEED_BASE, (long long)(err ? err : ret));
		task->feed_off = true;
		return -1;
	}
	return 0;
}

/* Appends the call of entry event entry (with registers regs) and its exit r->ev at *len. */
static void add_entry(struct replayer *r, uint8_t *feed, size_t *len, uint64_t seq,
		      const uint64_t regs[X86_NREGS])
{
	struct sysbuf_feed_entry e;
	uint64_t out = r->ev.nmem ? r->ev.mem[0].len : 0;

	memset(&e, 0, sizeof(e));
	e.size = sizeof(e) + ((out + 7) & ~7ull);
	e.nr = r->ev.sysno;
	x86_regs_args(regs, e.args);
	e.ret = (int64_t)r->ev.regs[X86_RAX];
	e.out_addr = out ? r->ev.mem[0].addr : 0;
	e.out_len = out;
	e.rcx = r->ev.regs[X86_RCX];
	e.r11 = r->ev.regs[X86_R11];
	e.seq = seq;
	memcpy(feed + *len, &e, sizeof(e));
	if (out)
		memcpy(feed + *len + sizeof(e), r->ev.mem[0].data, out);
	*len += e.size;
}

/* The end entry (nr -1), naming the event the thread is run to. */
static void add_end(uint8_t *feed, size_t *len, uint64_t seq)
{
	struct sysbuf_feed_entry e;

	memset(&e, 0, sizeof(e));
	e.nr = -1;
	e.seq = seq;
	memcpy(feed + *len, &e, sizeof(e));
	*len += sizeof(e);
}

/*
 * Where the pending entry was read from, to read it again when its run
 * cannot be fed: the position before it when the input keeps one (a
 * checkpoint may then save the entry as pending), else the one after it
 * and a copy of the entry (nothing of a buffered entry points into the
 * decoder's storage).
 */
static int save_first(struct replayer *r, struct replay_input_pos *pos, struct trace_event *saved)
{
	*saved = r->ev;
	saved->nmem = saved->nmaps = saved->nxblocks = saved->nexpect = 0;
	memset(saved->strings, 0, sizeof(saved->strings));
	return replay_input_save(&r->in, r->in.keep_before, &r->ev, pos);
}

/* Reads again the entry from before which pos was saved (saved: the first's copy, or NULL). */
static int read_entry_again(struct replayer *r, const struct replay_input_pos *pos,
			    const struct trace_event *saved, uint64_t seq)
{
	int err = replay_input_restore(&r->in, pos);

	if (err < 0)
		return err;
	if (saved && !r->in.keep_before) {
		r->ev = *saved;
		return 0;
	}
	err = replayer_next_event(r);
	if (err >= 0 && (r->ev.seq != seq || r->ev.kind != EV_SYSCALL_ENTRY)) {
		rw_error("%s: event %llu: read again as event %llu", r->in.path,
			 (unsigned long long)seq, (unsigned long long)r->ev.seq);
		return -EIO;
	}
	return err < 0 ? err : 0;
}

/* A run being read into the feed. */
struct run {
	uint8_t *feed;
	size_t len;	 /* of the feed so far */
	size_t len_last; /* before the last call read */
	int calls, calls_last;
	uint64_t last_seq; /* the last call's entry event */
	/* Where the last call's entry is read from (before is the first's until a second). */
	struct replay_input_pos before, after;
	bool past_first;
};

/*
 * Reads the pending entry's run into the feed: 1 with r->ev the event after
 * it, 0 when the last call read must stop as any other (its entry or exit
 * is not a plain buffered call's, or the event after it is not one the
 * thread is run to), or negative errno.
 */
static int read_run(struct replayer *r, struct replay_task *task, struct run *run)
{
	size_t room = SYSBUF_FEED_SIZE - sizeof(struct sysbuf_feed_entry);
	uint64_t regs[X86_NREGS];
	int ret;

	for (;;) {
		memcpy(regs, r->ev.regs, sizeof(regs));
		run->last_seq = r->ev.seq;
		run->len_last = run->len;
		run->calls_last = run->calls;
		if ((ret = replayer_next_event(r)) <= 0)
			return ret < 0 ? ret : -ENODATA;
		if (!plain_exit(&r->ev, task->rec_tid, (long)regs[X86_ORIG_RAX], regs))
			return 0;
		add_entry(r, run->feed, &run->len, run->last_seq, regs);
		run->calls++;
		task->last_valid = true;
		memcpy(task->last_entry, regs, sizeof(regs));
		task->last_result = (int64_t)r->ev.regs[X86_RAX];
		if ((ret = replay_input_save(&r->in, false, &r->ev, &run->after)) < 0 ||
		    (ret = replayer_next_event(r)) <= 0)
			return ret < 0 ? ret : -ENODATA;
		/* The next call's entry ends the run when its exit would reach a stop_at_event. */
		if (!buffered_entry(&r->ev, task->rec_tid) || run->len + SYSBUF_OUT_MAX + 8 > room ||
		    (r->debug.stop_at_event && r->ev.seq + 2 >= r->debug.stop_at_event))
			return run_end(&r->ev, task->rec_tid);
		trace_regs_history_copy(&run->before.history, &run->after.history);
		run->before.record = run->after.record;
		run->before.seq = run->after.seq;
		run->past_first = true;
	}
}

/* Writes the feed into the task and points its page at it: 3 (the run is replayed), or negative. */
static int hand_over(struct replayer *r, struct replay_task *task, const struct run *run)
{
	uint64_t next = SYSBUF_FEED_BASE + SYSBUF_FEED_ENTRIES, control = SYSBUF_FEED_BASE;
	int err;

	memcpy(run->feed, &next, sizeof(next));
	memcpy(run->feed + 8, feed_magic, sizeof(feed_magic));
	if ((err = tracee_write_mem(&task->t, SYSBUF_FEED_BASE, run->feed, run->len)) < 0 ||
	    (err = tracee_write_mem(&task->t, SYSBUF_FEED_CONTROL, &control, sizeof(control))) < 0) {
		rw_error("pid %d: cannot write the syscall buffer's feed at 0x%llx", task->t.tid,
			 SYSBUF_FEED_BASE);
		return err;
	}
	task->feed_active = true;
	task->feed_end = SYSBUF_FEED_BASE + run->len - sizeof(struct sysbuf_feed_entry);
	r->stats.fed += (uint64_t)run->calls;
	return 3;
}

/*
 * The last call read stops as any other: its entry is read again and is
 * the event the thread is run to, after the calls before it (if any) are
 * fed. 3 with a feed, 0 without, or negative errno.
 */
static int cut_last(struct replayer *r, struct replay_task *task, struct run *run,
		    const struct trace_event *first)
{
	int err = read_entry_again(r, &run->before, run->past_first ? NULL : first, run->last_seq);

	if (err < 0)
		return err;
	if (!run->past_first) {
		rw_debug("event %llu: buffered syscall not fed (its run ends at event %llu)",
			 (unsigned long long)first->seq, (unsigned long long)task->feed_skip);
		task->last_valid = false;
		return 0;
	}
	run->len = run->len_last;
	run->calls = run->calls_last;
	add_end(run->feed, &run->len, run->last_seq);
	return hand_over(r, task, run);
}

int replayer_sysbuf_feed(struct replayer *r)
{
	struct replay_task *task = r->tasks.cur;
	struct trace_event first;
	struct run run;
	int ret;

	if (!may_feed(r, task) || feed_area(r, task) < 0)
		return 0;
	if (!r->feed_buf)
		r->feed_buf = xmalloc(SYSBUF_FEED_SIZE);
	memset(&run, 0, sizeof(run));
	run.feed = r->feed_buf;
	run.len = SYSBUF_FEED_ENTRIES;
	if ((ret = save_first(r, &run.before, &first)) < 0)
		goto out;
	ret = read_run(r, task, &run);
	if (ret == 1) {
		add_end(run.feed, &run.len, r->ev.seq);
		ret = hand_over(r, task, &run);
	} else if (ret == 0) {
		/* Not tried again before that event (it is read once more at each try). */
		task->feed_skip = r->ev.seq;
		ret = cut_last(r, task, &run, &first);
	}
out:
	replay_input_pos_free(&run.before);
	replay_input_pos_free(&run.after);
	return ret;
}

/* The feed's next entry the thread has not taken, its address in *at. */
static int next_entry(struct replay_task *task, struct sysbuf_feed_entry *e, uint64_t *at)
{
	int err = tracee_read_mem(&task->t, SYSBUF_FEED_BASE, at, sizeof(*at));

	if (!err)
		err = tracee_read_mem(&task->t, *at, e, sizeof(*e));
	return err;
}

/* A feed entry left when the thread reached its event: which call, and what it did instead. */
static int not_taken(struct replayer *r, struct replay_task *task,
		     const struct sysbuf_feed_entry *e)
{
	uint64_t live[X86_NREGS];

	if (tracee_get_regs(&task->t, live) == 0 && task->t.stop == TRACEE_STOP_SYSEMU_ENTRY &&
	    live[X86_RIP] == REPLAY_RIP) {
		rw_error("divergence at event %llu (buffered %s(0x%llx, 0x%llx, 0x%llx)): the program "
			 "made %s(0x%llx, 0x%llx, 0x%llx) there",
			 (unsigned long long)e->seq, replay_sys_name(e->nr),
			 (unsigned long long)e->args[0], (unsigned long long)e->args[1],
			 (unsigned long long)e->args[2], replay_sys_name((long)live[X86_ORIG_RAX]),
			 (unsigned long long)live[X86_RDI], (unsigned long long)live[X86_RSI],
			 (unsigned long long)live[X86_RDX]);
		return -EPROTO;
	}
	rw_error("divergence at event %llu (buffered %s): the thread reached event %llu (%s) "
		 "without making it",
		 (unsigned long long)e->seq, replay_sys_name(e->nr), (unsigned long long)r->ev.seq,
		 trace_event_kind_name(r->ev.kind));
	return -EPROTO;
}

int replayer_sysbuf_settle(struct replayer *r)
{
	struct replay_task *task = r->tasks.cur;
	uint64_t none = SYSBUF_FEED_NONE, at;
	struct sysbuf_feed_entry e;
	int err;

	if (!task->feed_active)
		return 0;
	if ((err = next_entry(task, &e, &at)) < 0) {
		rw_error("pid %d: cannot read the syscall buffer's feed at 0x%llx", task->t.tid,
			 SYSBUF_FEED_BASE);
		return err;
	}
	if (at != task->feed_end)
		return not_taken(r, task, &e);
	task->feed_active = false;
	return tracee_write_mem(&task->t, SYSBUF_FEED_CONTROL, &none, sizeof(none));
}

int replayer_sysbuf_entry_regs(struct replayer *r, uint64_t live[X86_NREGS])
{
	if (live[X86_RIP] != REPLAY_RIP)
		return 0;
	/* The recording made it from rewind's untraced instruction, replay from the one beside. */
	live[X86_RIP] = BUFFERED_RIP;
	if (live[X86_RCX] == REPLAY_RIP)
		live[X86_RCX] = BUFFERED_RIP;
	return tracee_set_regs(&r->tasks.cur->t, live);
}

bool replayer_sysbuf_next_seq(const struct replayer *r, uint64_t *seq)
{
	struct replay_task *task;
	struct sysbuf_feed_entry e;
	uint64_t at;

	if (!r->progress.have_pending || !(task = replay_tasks_find(&r->tasks, r->ev.tid)) ||
	    !task->feed_active || next_entry(task, &e, &at) < 0)
		return false;
	*seq = e.seq;
	return true;
}

uint64_t replayer_sysbuf_syscall_at(uint64_t insn)
{
	return insn == REWIND_UNTRACED_SYSCALL ? REWIND_REPLAY_SYSCALL : insn;
}
