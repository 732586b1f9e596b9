/*
 * Syscalls, from the entry event to the exit event: at the entry stop the
 * registers must be the recorded ones (or the debugger stops there: a
 * caught syscall, the end of the history); at the exit event the syscall
 * is emulated (the recorded memory written, the recorded registers set)
 * or, when it changes the address space or kernel state the program
 * depends on, run for real (the syscall table's replay class says which).
 * exit and exit_group, and the child of a clone, are replay_lifecycle.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/syscall_table.h"
#include "common/log.h"
#include "replayer/replayer.h"


static int emulate(struct replayer *r)
{
	int err = replayer_write_mem(r);

	if (!err && r->debug.nwatches)
		replayer_watch_event_writes(r);
	if (!err)
		err = tracee_set_regs(&r->tasks.cur->t, r->ev.regs);
	if (!err && r->ev.output_fd && r->ev.output_len && !r->debug.quiet) {
		int fd = r->ev.output_fd == 2 ? 2 : 1;
		size_t done = 0;

		rw_progress_interrupt();
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
		err = tracee_syscall_step(
		    t, replayer_sysbuf_syscall_at(entry[X86_RIP] - X86_SYSCALL_INSN_LEN), in, out);
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
		 (unsigned long long)r->ev.seq, replay_sys_name(nr), (long long)want,
		 (long long)got);
	return -EPROTO;
}

static int mmap_for_real(struct replayer *r, const uint64_t entry[X86_NREGS], uint64_t args[6])
{
	int64_t want = x86_regs_result(r->ev.regs), got, closed;
	int fd = -1, err;

	args[0] = (uint64_t)want;
	args[3] = (args[3] & ~(uint64_t)MAP_FIXED_NOREPLACE) | MAP_FIXED;
	/*
	 * Huge pages are what the recording machine had reserved; this one may
	 * have none. Ordinary pages at the same place hold the same bytes.
	 */
	args[3] &= ~((uint64_t)MAP_HUGETLB | ((uint64_t)MAP_HUGE_MASK << MAP_HUGE_SHIFT));
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

static int emulate_brk(struct replayer *r)
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

/*
 * Runs the thread to the entry stop of the syscall in r->ev, whose
 * registers there must be the recorded ones: 0, 2 at a debugger stop first
 * (or, under a debugger, at a divergence: the end of the history), or
 * negative errno.
 */
static int reach_entry(struct replayer *r, const uint64_t entry[X86_NREGS])
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t live[X86_NREGS];
	char what[96];
	int err, st;

	err =
	    replayer_ptrace_take_entry(r) ? REPLAY_REACHED : replayer_reach(r, PTRACE_SYSEMU, &st);
	if (err != REPLAY_REACHED)
		return err < 0 ? err : 2;
	if (t->stop != TRACEE_STOP_SYSEMU_ENTRY) {
		snprintf(what, sizeof(what), "syscall %s", replay_sys_name(r->ev.sysno));
		return replayer_unexpected_stop(r, what);
	}
	if ((err = tracee_get_regs(t, live)) < 0 || (err = replayer_sysbuf_settle(r)) < 0 ||
	    (err = replayer_sysbuf_entry_regs(r, live)) < 0)
		return err;
	if ((r->debug.mode == REPLAY_MODE_STEP || replayer_ptrace_stepped(r)) &&
	    (live[X86_R11] ^ entry[X86_R11]) == X86_EFLAGS_TF) {
		/*
		 * Stepped onto it (by the debugger here, or by a tracer while
		 * recording): the syscall saved the trap flag ptrace set into r11.
		 */
		live[X86_R11] = entry[X86_R11];
		if ((err = tracee_set_regs(t, live)) < 0)
			return err;
	}
	if (!memcmp(live, entry, sizeof(live)))
		return 0;
	snprintf(what, sizeof(what), "syscall-entry %s", replay_sys_name(r->ev.sysno));
	err = replayer_diverged(r, entry, live, what);
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

/*
 * At the entry of syscall nr: a stop for the debugger in front of it when
 * it catches the syscall, or when it is the program's end. 2 for a stop, 0
 * for none, or negative errno.
 */
static int stop_at_entry(struct replayer *r, const uint64_t entry[X86_NREGS], long nr)
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	int err;

	if (replayer_catches(r, nr) && r->debug.last_stop.entry_reported != r->ev.seq + 1) {
		if ((err = before_syscall(r, entry)) < 0)
			return err;
		r->debug.last_stop.entry_reported = r->ev.seq + 1;
		r->debug.stop.kind = REPLAY_STOP_SYSCALL_ENTRY;
		r->debug.stop.sysno = nr;
		return 2;
	}
	if (d && d->replay == SYS_REPLAY_EXIT && r->debug.stop_before_exit &&
	    !r->progress.exit_reported && replayer_in_debuggee(r) &&
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
	return 0;
}

int replayer_apply_syscall_entry(struct replayer *r)
{
	uint64_t entry[X86_NREGS];
	long nr = r->ev.sysno;
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	struct replay_task *task = r->tasks.cur;
	int err;

	if ((err = replayer_sysbuf_feed(r)) != 0)
		return err;
	memcpy(entry, r->ev.regs, sizeof(entry));
	if ((err = reach_entry(r, entry)) != 0 || (err = stop_at_entry(r, entry, nr)) != 0)
		return err;
	if (d && d->replay == SYS_REPLAY_EXIT)
		return replayer_exit_syscall(r, entry);
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
	if (r->ev.tid != task->rec_tid ||
	    (r->ev.kind != EV_SYSCALL_EXIT && r->ev.kind != EV_EXEC)) {
		/* Other events come first (it blocked, or it clones): it waits at the entry. */
		task->in_syscall = true;
		task->cloned = false;
		memcpy(task->entry, entry, sizeof(entry));
		return 3;
	}
	return replayer_apply_syscall_exit(r, entry);
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
/*
 * What the syscall's replay class says to do besides setting the recorded
 * memory and registers: run it for real (address space, kernel state),
 * emulate the break, note the rseq registration. 0 or negative errno.
 */
static int apply_class(struct replayer *r, enum x86_sys_replay cls, const uint64_t entry[X86_NREGS],
		       uint64_t args[6])
{
	long nr = (long)entry[X86_ORIG_RAX];
	int64_t result = x86_regs_result(r->ev.regs), got;
	struct replay_task *task = r->tasks.cur;
	int err;

	switch (cls) {
	case SYS_REPLAY_MMAP:
		return nr == SYS_shmat ? replayer_shmat(r) : mmap_for_real(r, entry, args);
	case SYS_REPLAY_MREMAP:
		if (result != (int64_t)args[0]) {
			args[3] |= MREMAP_MAYMOVE | MREMAP_FIXED;
			args[4] = (uint64_t)result;
		}
		/* fall through */
	case SYS_REPLAY_MUNMAP:
		if (nr == SYS_shmdt)
			return replayer_shmdt(r, args[0]);
		/* fall through */
	case SYS_REPLAY_MPROTECT:
	case SYS_REPLAY_MADVISE:
		err = run_real(r, entry, args, &got);
		return err ? err : check_result(r, nr, got);
	case SYS_REPLAY_REAL:
		err = run_real(r, entry, args, &got);
		if (!err)
			note_thread_state(r, nr, args, got);
		return err;
	case SYS_REPLAY_BRK:
		return emulate_brk(r);
	case SYS_REPLAY_RSEQ:
		/* Registered or not as the recorder answered: remember it for aborts. */
		if (result == 0 && (args[2] & 1))
			task->rseq.addr = 0;
		else if (result == 0)
			task->rseq =
			    (struct x86_rseq_area){args[0], (uint32_t)args[1], (uint32_t)args[3]};
		return 0;
	case SYS_REPLAY_EXEC:
	case SYS_REPLAY_EMULATE:
		return 0;
	case SYS_REPLAY_CLONE:
		/* The child was made at the EV_CLONE event. */
		if (r->tasks.n > 1 && task->cloned)
			return 0;
		rw_error("%s: event %llu: %s made a task without a clone event", r->in.path,
			 (unsigned long long)r->ev.seq, replay_sys_name(nr));
		return -EBADMSG;
	default:
		rw_error("event %llu: replaying %s is not supported yet",
			 (unsigned long long)r->ev.seq, replay_sys_name(nr));
		return -ENOTSUP;
	}
}

int replayer_apply_syscall_exit(struct replayer *r, const uint64_t entry[X86_NREGS])
{
	uint64_t args[6];
	long nr = (long)entry[X86_ORIG_RAX];
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	struct replay_task *task = r->tasks.cur;
	int64_t result = x86_regs_result(r->ev.regs);
	enum x86_sys_replay cls;
	int err;

	task->last_valid = true;
	memcpy(task->last_entry, entry, sizeof(task->last_entry));
	task->last_result = result;
	if (r->ev.kind == EV_EXEC && d && d->replay == SYS_REPLAY_EXEC) {
		/* An exec drops the clear-tid word and the alternate stack. */
		task->ctid = 0;
		task->has_altstack = false;
		return replayer_apply_exec(r);
	}
	if (r->ev.kind != EV_SYSCALL_EXIT || r->ev.sysno != nr) {
		rw_error("%s: event %llu: expected the exit of %s, found %s", r->in.path,
			 (unsigned long long)r->ev.seq, replay_sys_name(nr),
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
	err = 0;
	if (cls == SYS_REPLAY_REAL || result >= 0 || result <= -4096)
		err = apply_class(r, cls, entry, args);
	if (!err)
		err = emulate(r);
	if (!err && replayer_catches(r, nr))
		r->debug.last_stop.catch_return = nr + 1;
	return err;
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
int replayer_restart_without_signal(struct replayer *r)
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
