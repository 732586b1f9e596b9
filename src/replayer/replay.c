/*
 * The replay engine's loop: opens a trace and starts the replay process,
 * then reads event after event and applies each to its task, in the
 * recorded order (apply_pending dispatches on the event's kind to the
 * files that handle it), until the program ends, the trace ends or the
 * debugger wants a stop (replayer_run). The program runs natively between
 * events, stopped at every syscall with PTRACE_SYSEMU, so the kernel never
 * runs a syscall the replayer does not choose to run.
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
#include "common/procmaps.h"
#include "arch/x86_64/syscall_table.h"
#include "arch/x86_64/tsc.h"
#include "common/cpu_affinity.h"
#include "common/log.h"
#include "common/xalloc.h"
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

const char *replay_sys_name(long nr)
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

int replayer_diverged(struct replayer *r, const uint64_t recorded[X86_NREGS],
		      const uint64_t live[X86_NREGS], const char *what)
{
	char diff[4096], where[64];
	int n = x86_regs_diff(recorded, live, diff, sizeof(diff));

	rw_error("divergence at %s (%s): %d register%s differ%s:\n%s",
		 event_name(r, where, sizeof(where)), what, n, n == 1 ? "" : "s", n == 1 ? "s" : "",
		 diff);
	return -EPROTO;
}

/*
 * Where rip is (" in FILE+OFFSET") and, for a fault, the address it
 * touched (", address 0x..."): what a divergence at a crash needs.
 */
static void describe_fault(pid_t tid, uint64_t rip, int sig, char *out, size_t len)
{
	struct procmap *maps = NULL;
	int n = procmaps_read(tid, &maps);
	siginfo_t si;
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++)
		if (rip >= maps[i].start && rip < maps[i].end && maps[i].path[0]) {
			const char *base = strrchr(maps[i].path, '/');

			used = (size_t)snprintf(
			    out, len, " in %s+0x%llx", base ? base + 1 : maps[i].path,
			    (unsigned long long)(rip - maps[i].start + maps[i].offset));
			break;
		}
	free(maps);
	if (used < len && (sig == SIGSEGV || sig == SIGBUS) &&
	    ptrace(PTRACE_GETSIGINFO, tid, 0, &si) == 0)
		snprintf(out + used, len - used, ", address 0x%llx",
			 (unsigned long long)(uintptr_t)si.si_addr);
}

int replayer_unexpected_stop(struct replayer *r, const char *expected)
{
	struct tracee *t = &r->tasks.cur->t;
	int st = t->wait_status;
	uint64_t regs[X86_NREGS];
	char got[700], where[64], fault[560];

	if (WIFEXITED(st))
		snprintf(got, sizeof(got), "the process exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(got, sizeof(got), "the process was killed by %s", strsignal(WTERMSIG(st)));
	else if (tracee_get_regs(t, regs) == 0) {
		describe_fault(t->tid, regs[X86_RIP], WSTOPSIG(st), fault, sizeof(fault));
		snprintf(got, sizeof(got), "signal %s at rip 0x%llx%s", strsignal(WSTOPSIG(st)),
			 (unsigned long long)regs[X86_RIP], fault);
	} else
		snprintf(got, sizeof(got), "stop status 0x%x", st);
	rw_error("divergence at %s: expected %s, got %s", event_name(r, where, sizeof(where)),
		 expected, got);
	return -EPROTO;
}

static void child_setup(int cpu) __attribute__((noreturn));
static void child_setup(int cpu)
{
	uint8_t page[REWIND_INJECT_SCRATCH - REWIND_INJECT_PAGE];
	size_t len = rewind_replay_page_code(page, sizeof(page));
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
	if (p != (void *)REWIND_INJECT_PAGE || !len)
		_exit(125);
	memcpy(p, page, len);
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
	r->xsave = xcalloc(1, r->xsave_len);
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
	rw_debug("replay: %llu runs of the program to an event, %llu buffered syscalls answered "
		 "in the thread",
		 (unsigned long long)r->stats.resumes, (unsigned long long)r->stats.fed);
	free(r->feed_buf);
	end_tasks(&r->tasks);
	replay_tasks_free(&r->tasks);
	replay_input_close(&r->in);
	free(r->xsave);
	if (r->hooks.kick_ms)
		timer_delete(r->hooks.kick_timer);
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
static int apply_pending(struct replayer *r)
{
	int err = r->ev.kind == EV_EXEC && r->tasks.n > 1 ? replayer_exec_takeover(r) : 0;

	if (r->ev.kind == EV_THREAD)
		return replayer_apply_thread(r);
	if (r->ev.kind == EV_EXEC && (r->ev.flags & EVF_ATTACH))
		return replayer_apply_attached_process(r);
	if (err < 0 || (err = replayer_switch_task(r, r->ev.tid)) < 0)
		return err;
	if (r->ev.kind == EV_PTRACE)
		return replayer_apply_ptrace(r);
	replayer_ptrace_note(r);
	if ((err = replayer_restart_without_signal(r)) < 0)
		return err;
	if (r->ev.kind != EV_SIGNAL)
		r->tasks.cur->last_valid = false;
	/* Debug registers are per thread: the watchpoints follow the current task. */
	if (r->tasks.n > 1 && r->tasks.cur->dr_gen != r->debug.watch_gen &&
	    !r->tasks.cur->exiting && !r->tasks.cur->reaped && replayer_in_debuggee(r) &&
	    (err = replayer_apply_watches(r)) < 0)
		return err;
	switch (r->ev.kind) {
	case EV_SYSCALL_ENTRY:
		return replayer_apply_syscall_entry(r);
	case EV_SYSCALL_EXIT:
	case EV_EXEC:
		if (r->tasks.n > 1 && r->tasks.cur->in_syscall) {
			uint64_t entry[X86_NREGS];

			memcpy(entry, r->tasks.cur->entry, sizeof(entry));
			r->tasks.cur->in_syscall = false;
			return replayer_apply_syscall_exit(r, entry);
		}
		break;
	case EV_CLONE:
		return replayer_apply_clone(r);
	case EV_SCHED:
		return replayer_apply_sched(r);
	case EV_RDTSC:
		return replayer_apply_rdtsc(r);
	case EV_SIGNAL:
		return replayer_apply_signal(r);
	case EV_EXIT:
		return replayer_apply_exit(r);
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

/*
 * The tracer's wait was interrupted: on the timer's word, interrupt the
 * program. Not on the way to an execution point, where the interruption
 * would take no checkpoint and only make the thread's run to the point
 * start again, unless the debugger sent ^C.
 */
static void kick(void *arg)
{
	struct replayer *r = arg;

	if (!kick_due)
		return;
	kick_due = 0;
	if (r->hooks.in_stretch &&
	    !(r->hooks.poll_interrupt && r->hooks.poll_interrupt(r->hooks.poll_arg)) &&
	    !(r->hooks.stretch_overdue = replayer_stretch_overdue(r)))
		return;
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

/* Sets a run going: breakpoints in, the kick timer armed, watchpoints in the current task. */
static int begin_run(struct replayer *r, enum replay_mode mode, struct replay_stop *stop)
{
	r->debug.mode = mode;
	r->debug.last_stop.at_history_end = false;
	memset(stop, 0, sizeof(*stop));
	replayer_breakpoints_insert(r);
	if (r->hooks.kick_ms && mode == REPLAY_MODE_CONTINUE && !r->debug.quiet)
		arm_kicks(r, true);
	if ((r->debug.nwatches || !r->debug.dr_tid) && r->debug.dr_tid != r->tasks.cur->t.tid &&
	    !r->progress.finished && !r->progress.debug_exited && replayer_in_debuggee(r))
		return replayer_apply_watches(r);
	return 0;
}

static void end_run(struct replayer *r)
{
	if (r->hooks.kick_ms)
		arm_kicks(r, false);
	if (!r->progress.finished)
		replayer_breakpoints_remove(r);
	r->debug.step_tid = 0;
	/* A stop is seen in the debugger's process, whichever task ran last. */
	if (r->debug.tgid && !r->progress.finished && !r->progress.debug_exited)
		replayer_switch_to_debuggee(r);
}

/* What one turn of a run ended with. */
#define RUN_APPLIED 0 /* an event was applied: on, after a look at poll_interrupt */
#define RUN_STOP    1 /* stopped: the stop is filled */
#define RUN_ON	    2 /* on at once */

/*
 * The stops that come after an applied event (apply_pending gave ret 0, or
 * 1 when the program ended): a watchpoint an emulated syscall hit, a caught
 * syscall's return, an exec of the debugger's process, a completed step,
 * or the after-event hook's word.
 */
static int after_event(struct replayer *r, int ret, struct replay_stop *stop)
{
	struct replay_debug *d = &r->debug;

	r->progress.have_pending = false;
	r->progress.ran = false;
	if (d->nwatches)
		replayer_watch_remember(r);
	if (d->event_watch && ret == 0) {
		/* The event is applied: the stop comes after it, like the CPU's own. */
		d->event_watch = false;
		stop->kind = REPLAY_STOP_WATCH;
		stop->addr = d->event_watch_addr;
		stop->watch_type = d->event_watch_type;
		return RUN_STOP;
	}
	d->event_watch = false;
	if (d->last_stop.catch_return && ret == 0) {
		stop->kind = REPLAY_STOP_SYSCALL_RETURN;
		stop->sysno = d->last_stop.catch_return - 1;
		d->last_stop.catch_return = 0;
		return RUN_STOP;
	}
	d->last_stop.catch_return = 0;
	if (ret == 1) {
		r->progress.finished = true;
		r->progress.exit_status = r->ev.exit_status;
		return RUN_ON;
	}
	if (r->progress.debug_exited)
		return RUN_ON;
	if (d->report_execs && r->ev.kind == EV_EXEC && !d->quiet && replayer_in_debuggee(r)) {
		replayer_forget_debugger_state(r);
		stop->kind = REPLAY_STOP_EXEC;
		return RUN_STOP;
	}
	if (d->mode == REPLAY_MODE_STEP && !(r->ev.kind == EV_SCHED && d->point_in_place)) {
		stop->kind = REPLAY_STOP_STEP;
		return RUN_STOP;
	}
	if (d->nbps && event_touched_memory(r))
		replayer_breakpoints_insert(r);
	if (r->hooks.after_event && r->hooks.after_event(r->hooks.arg)) {
		stop->kind = REPLAY_STOP_INTERRUPT;
		return RUN_STOP;
	}
	return RUN_APPLIED;
}

/* At a periodic interruption: a stop if the debugger asks for one, else the on_kick hook. */
static int at_kick(struct replayer *r, struct replay_stop *stop, bool (*poll_interrupt)(void *arg),
		   void *poll_arg)
{
	if (poll_interrupt && poll_interrupt(poll_arg)) {
		stop->kind = REPLAY_STOP_INTERRUPT;
		return RUN_STOP;
	}
	if (r->hooks.on_kick && !r->hooks.kick_in_stretch)
		r->hooks.on_kick(r->hooks.arg);
	r->hooks.kick_in_stretch = false;
	return RUN_ON;
}

/* One turn of a run: the next event read if none is pending, then reached and applied. */
static int run_turn(struct replayer *r, enum replay_mode mode, struct replay_stop *stop,
		    bool (*poll_interrupt)(void *arg), void *poll_arg)
{
	int ret;

	if (r->progress.finished || r->progress.debug_exited) {
		stop->kind = REPLAY_STOP_EXITED;
		stop->exit_status = r->progress.debug_exited ? r->progress.debug_exit_status
							     : r->progress.exit_status;
		return RUN_STOP;
	}
	if (!r->progress.have_pending) {
		if ((ret = replayer_next_event(r)) < 0)
			return ret;
		if (ret == 0) {
			stop->kind = REPLAY_STOP_END;
			return RUN_STOP;
		}
		r->progress.have_pending = true;
		r->progress.pending_prepared = false;
	}
	if (r->debug.stop_at_event && r->ev.seq >= r->debug.stop_at_event) {
		stop->kind = REPLAY_STOP_INTERRUPT;
		return RUN_STOP;
	}
	/* Stepping one thread: the others' events on the way are run through. */
	r->debug.mode =
	    mode == REPLAY_MODE_STEP && r->debug.step_tid && r->ev.tid != r->debug.step_tid
		? REPLAY_MODE_CONTINUE
		: mode;
	ret = apply_pending(r);
	if (ret == 3) {
		/* Applied, and the next event is already read. */
		r->progress.pending_prepared = false;
		r->progress.ran = false;
		return RUN_ON;
	}
	if (ret == 2 && r->debug.stop.kind == REPLAY_STOP_KICK)
		return at_kick(r, stop, poll_interrupt, poll_arg);
	if (ret == 2) {
		*stop = r->debug.stop;
		return RUN_STOP;
	}
	return ret < 0 ? ret : after_event(r, ret, stop);
}

int replayer_run(struct replayer *r, enum replay_mode mode, struct replay_stop *stop,
		 bool (*poll_interrupt)(void *arg), void *poll_arg)
{
	unsigned long applied = 0;
	int ret;

	if (r->progress.at_end && r->debug.stop_before_exit) {
		/* Nothing recorded lies ahead: the replay stays where the debugger can look. */
		memset(stop, 0, sizeof(*stop));
		stop->kind = REPLAY_STOP_HISTORY_END;
		return 0;
	}
	if ((ret = begin_run(r, mode, stop)) < 0)
		return ret;
	r->hooks.poll_interrupt = poll_interrupt;
	r->hooks.poll_arg = poll_arg;
	while ((ret = run_turn(r, mode, stop, poll_interrupt, poll_arg)) != RUN_STOP && ret >= 0) {
		if (r->hooks.progress)
			rw_progress_note(r->hooks.progress, r->ev.seq);
		if (ret == RUN_APPLIED && poll_interrupt && !(++applied & 63) &&
		    poll_interrupt(poll_arg)) {
			stop->kind = REPLAY_STOP_INTERRUPT;
			break;
		}
	}
	end_run(r);
	r->hooks.poll_interrupt = NULL;
	if (ret >= 0 && r->debug.stop_before_exit &&
	    (stop->kind == REPLAY_STOP_HISTORY_END || stop->kind == REPLAY_STOP_END))
		r->progress.at_end = true;
	return ret < 0 ? ret : 0;
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
	struct rw_progress meter;
	int err;

	signal(SIGPIPE, SIG_IGN);
	err = replayer_open(&r, o);
	rw_progress_begin(&meter, "replaying", o->last_event);
	r.hooks.progress = &meter;
	/* Once a second: a thread that never reaches its execution point is found out. */
	if (!err && (err = replayer_enable_kicks(&r, 1000)) < 0)
		rw_error("cannot arm the replay's timer: %s", strerror(-err));
	if (!err)
		err = replayer_run(&r, REPLAY_MODE_CONTINUE, &stop, NULL, NULL);
	rw_progress_end(&meter);
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
