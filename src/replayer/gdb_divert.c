/*
 * Diversions: gdb calling a function of the program (`call f(3)`, `print
 * strlen(buf)`) on a replay. The first register or memory write gdb makes
 * forks the thread it writes to (as a checkpoint forks a process); the
 * call's writes, its run and its reads go to that copy, and the replay is
 * not touched: what the call changed shows until the replay is resumed
 * (gdb has put the registers back by then), which kills the copy. A
 * value `set var` wrote is dropped the same way, with a message. The copy's
 * syscalls are refused with a message, except the few that change
 * nothing outside it (the time, ids, private anonymous memory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/syscall_table.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "replayer/gdb_target.h"

/* Syscalls a call may make: they change nothing outside the copy. */
static bool harmless(const uint64_t regs[X86_NREGS])
{
	static const long ok[] = {SYS_getpid,	     SYS_gettid,	 SYS_getppid,  SYS_getuid,
				  SYS_geteuid,	     SYS_getgid,	 SYS_getegid,  SYS_clock_gettime,
				  SYS_clock_getres,  SYS_gettimeofday,	 SYS_time,     SYS_munmap,
				  SYS_mprotect,	     SYS_madvise,	 SYS_mremap,   SYS_rt_sigprocmask,
				  SYS_sched_yield,   SYS_getrandom,	 SYS_uname};
	long nr = (long)regs[X86_ORIG_RAX];

	if (nr == SYS_mmap) /* private anonymous memory only */
		return (regs[X86_R10] & MAP_TYPE) == MAP_PRIVATE && (regs[X86_R10] & MAP_ANONYMOUS);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ok[i] == nr)
			return true;
	return false;
}

struct tracee *gdb_divert_tracee(struct gdb_replay *g, int tid)
{
	struct gdb_diversion *d = &g->div;

	return d->on && (tid <= 0 || tid == d->tid) ? &d->t : NULL;
}

void gdb_divert_end(struct gdb_replay *g, const char *why)
{
	struct gdb_diversion *d = &g->div;

	if (!d->on)
		return;
	kill(d->t.tid, SIGKILL);
	while (waitpid(d->t.tid, NULL, __WALL) < 0 && errno == EINTR)
		;
	tracee_release(&d->t);
	if (why && d->wrote_memory && !d->ran)
		rw_warn("%s: what gdb wrote into the program's memory is dropped", why);
	memset(d, 0, sizeof(*d));
}

/* A copy of thread tid to divert into, its registers those of the thread. */
static int divert_start(struct gdb_replay *g, int tid)
{
	struct gdb_diversion *d = &g->div;
	struct replay_task *task = replayer_debuggee_thread(&g->r, (uint32_t)tid);
	uint64_t addrs[GDB_DIVERT_MAX_BPS];
	pid_t child = -1;
	size_t n;
	int err;

	if (!task)
		return -ESRCH;
	err = replayer_fork_thread(&g->r, task, d->regs0, &child);
	if (err == -EBUSY)
		rw_error("no function call at a signal's stop: step or continue first");
	if (err < 0)
		return err;
	tracee_init(&d->t, child);
	d->t.stop = TRACEE_STOP_OTHER;
	d->on = true;
	d->tid = tid;
	if ((err = tracee_set_regs(&d->t, d->regs0)) < 0) {
		gdb_divert_end(g, NULL);
		return err;
	}
	/* The breakpoints gdb has in the replay (inserted before it writes, say) are the copy's too. */
	n = replayer_user_breakpoints(&g->r, addrs, GDB_DIVERT_MAX_BPS);
	for (size_t i = 0; i < n; i++)
		gdb_divert_breakpoint(g, addrs[i], true);
	return 0;
}

/* Whether thread tid of the replay holds these registers already (a debugger saving them back). */
static bool same_regs(struct gdb_replay *g, int tid, const uint64_t regs[X86_NREGS])
{
	struct tracee *t = gdb_replay_thread(g, tid);
	uint64_t now[X86_NREGS];

	return t && tracee_get_regs(t, now) == 0 && !memcmp(now, regs, sizeof(now));
}

int gdb_divert_set_regs(struct gdb_replay *g, int tid, const uint64_t regs[X86_NREGS])
{
	struct gdb_diversion *d = &g->div;
	int err;

	if (d->on && tid != d->tid)
		return -EBUSY; /* one thread's call at a time */
	if (!d->on && same_regs(g, tid, regs))
		return 0; /* no change: no copy */
	if (!d->on && (err = divert_start(g, tid)) < 0)
		return err;
	return tracee_set_regs(&d->t, regs);
}

static bool same_xsave(struct gdb_replay *g, int tid, const uint8_t *buf, size_t len)
{
	struct tracee *t = gdb_replay_thread(g, tid);
	uint8_t *now = malloc(len);
	bool same = now && t && tracee_get_xsave(t, now, len) == (int)len && !memcmp(now, buf, len);

	free(now);
	return same;
}

int gdb_divert_set_xsave(struct gdb_replay *g, int tid, const uint8_t *buf, size_t len)
{
	struct gdb_diversion *d = &g->div;
	int err;

	if (d->on && tid != d->tid)
		return -EBUSY;
	if (!d->on && same_xsave(g, tid, buf, len))
		return 0;
	if (!d->on && (err = divert_start(g, tid)) < 0)
		return err;
	return tracee_set_xsave(&d->t, buf, len);
}

/* Whether [addr, addr + len) lies in shared memory, which the copy shares with the replay. */
static bool in_shared(pid_t pid, uint64_t addr, size_t len)
{
	struct procmap *maps;
	int n = procmaps_read(pid, &maps);
	bool shared = n < 0;

	for (int i = 0; i < n; i++)
		if (maps[i].shared && addr < maps[i].end && maps[i].start < addr + len)
			shared = true;
	free(maps);
	return shared;
}

static bool same_memory(struct gdb_replay *g, uint64_t addr, const void *buf, size_t len)
{
	struct tracee *t = replayer_debuggee_tracee(&g->r);
	uint8_t *now = malloc(len);
	bool same = now && t && tracee_read_mem(t, addr, now, len) == 0 && !memcmp(now, buf, len);

	free(now);
	return same;
}

int gdb_divert_write_mem(struct gdb_replay *g, int tid, uint64_t addr, const void *buf,
			 size_t len)
{
	struct gdb_diversion *d = &g->div;
	int err;

	if (!d->on && same_memory(g, addr, buf, len))
		return 0;
	if (!d->on && (err = divert_start(g, tid)) < 0)
		return err;
	if (in_shared(d->t.tid, addr, len)) {
		rw_error("no write to 0x%llx: shared memory, which the replay would see",
			 (unsigned long long)addr);
		return -EFAULT;
	}
	d->wrote_memory = true;
	return tracee_write_mem(&d->t, addr, buf, len);
}

int gdb_divert_breakpoint(struct gdb_replay *g, uint64_t addr, bool insert)
{
	static const uint8_t int3 = 0xcc;
	struct gdb_diversion *d = &g->div;
	int i;

	for (i = 0; i < d->nbps && d->bps[i].addr != addr; i++)
		;
	if (!insert) {
		if (i == d->nbps)
			return 0;
		tracee_write_mem(&d->t, addr, &d->bps[i].orig, 1);
		d->bps[i] = d->bps[--d->nbps];
		return 0;
	}
	if (i < d->nbps)
		return 0;
	if (d->nbps == GDB_DIVERT_MAX_BPS)
		return -ENOSPC;
	if (tracee_read_mem(&d->t, addr, &d->bps[i].orig, 1) < 0 ||
	    tracee_write_mem(&d->t, addr, &int3, 1) < 0)
		return -EFAULT;
	d->bps[d->nbps++].addr = addr;
	return 0;
}

/* A syscall of the call, at its entry (not run): run if harmless, else refused. */
static int divert_syscall(struct gdb_diversion *d)
{
	uint64_t regs[X86_NREGS], in[X86_NREGS], out[X86_NREGS];
	const char *name;
	int err;

	if ((err = tracee_get_regs(&d->t, regs)) < 0)
		return err;
	if (harmless(regs)) {
		memcpy(in, regs, sizeof(in));
		in[X86_RAX] = regs[X86_ORIG_RAX];
		if ((err = tracee_syscall_at(&d->t, REWIND_INJECT_PAGE, in, out)) < 0)
			return err;
		regs[X86_RAX] = out[X86_RAX];
	} else if (regs[X86_ORIG_RAX] == SYS_brk) {
		/* brk fails by leaving the break where it is (0 is none): malloc maps instead. */
		regs[X86_RAX] = 0;
	} else {
		name = x86_syscall_name((long)regs[X86_ORIG_RAX]);
		rw_warn("the call's syscall %s is refused: a call on a replay changes nothing "
			"outside it",
			name ? name : "?");
		regs[X86_RAX] = (uint64_t)-EPERM;
	}
	regs[X86_ORIG_RAX] = d->regs0[X86_ORIG_RAX]; /* as if in no syscall: as where the call began */
	return tracee_set_regs(&d->t, regs);
}

/* Resumes the copy and waits for its next stop, stopping it if gdb asks (*interrupted). */
static int divert_run(struct gdb_diversion *d, int request, bool (*poll_interrupt)(void *arg),
		      void *poll_arg, bool *interrupted)
{
	struct timespec ms = {0, 1000000};
	int st, err;

	if ((err = tracee_resume_nowait(&d->t, request, 0)) < 0)
		return err;
	for (;;) {
		pid_t w = waitpid(d->t.tid, &st, __WALL | WNOHANG);

		if (w < 0 && errno != EINTR)
			return -errno;
		if (w == d->t.tid)
			break;
		if (!*interrupted && poll_interrupt && poll_interrupt(poll_arg)) {
			*interrupted = true;
			syscall(SYS_tgkill, d->t.tid, d->t.tid, SIGSTOP);
		}
		nanosleep(&ms, NULL);
	}
	tracee_note_status(&d->t, st, request);
	return st;
}

int gdb_divert_resume(struct gdb_replay *g, bool step, struct gdb_stop *stop,
		      bool (*poll_interrupt)(void *arg), void *poll_arg)
{
	struct gdb_diversion *d = &g->div;
	int request = step ? PTRACE_SYSEMU_SINGLESTEP : PTRACE_SYSEMU, st, err;
	bool interrupted = false;
	uint64_t regs[X86_NREGS];

	*stop = (struct gdb_stop){.kind = GDB_STOP_SIGNAL, .signo = SIGTRAP, .pid = g->pid,
				  .tid = d->tid};
	d->ran = true;
	for (;;) {
		if ((st = divert_run(d, request, poll_interrupt, poll_arg, &interrupted)) < 0)
			return st;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			rw_error("the copy of the program the call ran in has ended");
			gdb_divert_end(g, NULL);
			stop->signo = SIGKILL;
			return 0;
		}
		if (d->t.stop == TRACEE_STOP_SYSEMU_ENTRY) {
			if ((err = divert_syscall(d)) < 0)
				return err;
			if (step)
				return 0;
			continue;
		}
		if (WSTOPSIG(st) == SIGSTOP && interrupted) {
			stop->signo = SIGINT;
			return 0;
		}
		if (WSTOPSIG(st) != SIGTRAP) {
			stop->signo = WSTOPSIG(st);
			return 0;
		}
		if ((err = tracee_get_regs(&d->t, regs)) < 0)
			return err;
		for (int i = 0; i < d->nbps && !step; i++) {
			if (d->bps[i].addr != regs[X86_RIP] - 1)
				continue;
			regs[X86_RIP]--;
			stop->kind = GDB_STOP_SWBREAK;
			return tracee_set_regs(&d->t, regs);
		}
		return 0;
	}
}
