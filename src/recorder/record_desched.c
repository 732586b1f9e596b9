/*
 * Buffered calls that may block: the recorder's side of the descheduling
 * event (the library's is src/preload/blocking.c). Each thread of the
 * program opens a software perf event counting its context switches
 * (sample period 1), which sends it SYSBUF_DESCHED_SIGNAL when it
 * overflows, and registers it here (SYSBUF_OP_DESCHED): rewind takes a copy
 * of the descriptor and limits the event to one overflow (PERF_EVENT_IOC_
 * REFRESH), after which the kernel disables it. The library enables it
 * just before a buffered call that may block (a read of a pipe, poll,
 * epoll_wait, ...) and disables it after; both ioctls are buffered calls.
 *
 * A call that does not block costs no stop. One that blocks is switched
 * out, the event overflows, and its signal interrupts the call (the kernel
 * returns a restart code, or EINTR) and stops the thread before delivery.
 * That signal is never delivered: the call is moved back to its syscall
 * instruction (as the kernel restarts one) and the thread is resumed with
 * PTRACE_SYSCALL, so the call runs again as a traced syscall, its entry
 * and exit recorded as any other, which gives up the slot while it waits.
 * Until the call's final exit (not a restart) every run of it is traced,
 * and the record the library commits after it is left out of the trace by
 * the next flush: its events are there already. When another signal would
 * interrupt the call natively (one held back or pending, caught or fatal),
 * the interrupted call is recorded here as a traced syscall ended by that
 * signal, which is then delivered at its exit.
 *
 * rewind's own SIGSTOP (a slice's end, a held signal's kick) may find a
 * buffered call blocked when the event could not fire (the program blocks
 * the signal): the call is moved back to its syscall instruction likewise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/sysbuf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"

#define SIG_BIT(sig) (1ull << ((sig)-1))

/* The event fires once more only when the library enables it again. */
static int relimit(const struct recorder_task *t)
{
	if (ioctl(t->desched.copy, PERF_EVENT_IOC_REFRESH, 1) < 0 ||
	    ioctl(t->desched.copy, PERF_EVENT_IOC_DISABLE, 0) < 0) {
		rw_error("pid %d: descheduling event %d: %s", t->t.tid, t->desched.fd,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static bool is_perf_event(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[perf_event]") == 0;
}

int64_t recorder_desched_register(struct recorder *r, struct recorder_task *t, int64_t fd)
{
	int pidfd, copy;

	if (fd < 0) {
		if (!r->desched_said)
			rw_debug("pid %d: syscall buffer without calls that may block "
				 "(perf_event_open: %s): they stop",
				 t->t.tid, strerror((int)-fd));
		r->desched_said = true;
		return 0;
	}
	if (!t->sysbuf.addr || t->syscall_stops || t->desched.on || fd > INT32_MAX)
		return -ENOSYS;
	if ((pidfd = (int)syscall(SYS_pidfd_open, t->tgid, 0)) < 0)
		return -ENOSYS;
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	close(pidfd);
	if (copy < 0)
		return -ENOSYS;
	if (!is_perf_event(copy)) {
		close(copy);
		return -EINVAL;
	}
	t->desched = (struct recorder_desched){.on = true, .copy = copy, .fd = (int)fd};
	if (relimit(t) < 0) {
		recorder_desched_release(t);
		return -EINVAL;
	}
	if (!r->desched_said)
		rw_debug("pid %d: syscall buffer with calls that may block (descheduling event)",
			 t->t.tid);
	r->desched_said = true;
	return 0;
}

int64_t recorder_desched_stream(struct recorder *r, struct recorder_task *t, int64_t fd)
{
	char path[64];
	struct stat st;

	if (fd < 0 || fd > INT32_MAX)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", t->t.tid, (int)fd);
	if (stat(path, &st) < 0)
		return -errno;
	for (int i = 1; i <= 2; i++)
		if (r->out_id[i].valid && r->out_id[i].dev == st.st_dev &&
		    r->out_id[i].ino == st.st_ino)
			return 1;
	return 0;
}

void recorder_desched_release(struct recorder_task *t)
{
	if (t->desched.on)
		close(t->desched.copy);
	memset(&t->desched, 0, sizeof(t->desched));
}

bool recorder_desched_traced(const struct recorder_task *t)
{
	return t->desched.traced;
}

bool recorder_desched_skip(struct recorder_task *t, uint64_t addr)
{
	if (!t->desched.skip || t->desched.skip != addr)
		return false;
	t->desched.skip = 0;
	return true;
}

/* What a buffered call returns when a signal interrupted it before it was done. */
static bool interrupted_code(int64_t ret)
{
	return x86_restart_code(ret) || ret == -EINTR;
}

/* Whether rbx is a record of t's buffer for syscall nr, as the library has it at its call. */
static bool record_of(struct recorder_task *t, uint64_t rbx, uint64_t nr)
{
	int64_t rec_nr;
	uint64_t lo = t->sysbuf.addr + sizeof(struct sysbuf_header);

	if (!t->sysbuf.addr || rbx < lo ||
	    rbx > t->sysbuf.addr + t->sysbuf.size - sizeof(struct sysbuf_record) ||
	    tracee_read_mem(&t->t, rbx + SYSBUF_REC_NR, &rec_nr, sizeof(rec_nr)) < 0)
		return false;
	return (uint64_t)rec_nr == nr;
}

/*
 * t stopped as a buffered call returned, before its commit: the record at
 * rbx is the one after those committed, its syscall is the one the kernel
 * just ran, and no exit event of it is recorded.
 */
static bool after_buffered_call(struct recorder_task *t, const uint64_t regs[X86_NREGS])
{
	uint64_t pos;

	/* At the exit of a call recorded as traced (the slot's end found it there): not this. */
	if (t->at_boundary && !memcmp(regs, t->boundary_regs, sizeof(t->boundary_regs)))
		return false;
	if (regs[X86_RIP] != REWIND_UNTRACED_SYSCALL + X86_SYSCALL_INSN_LEN ||
	    (int64_t)regs[X86_ORIG_RAX] < 0 || !t->sysbuf.addr ||
	    tracee_read_mem(&t->t, t->sysbuf.addr + SYSBUF_HDR_POS, &pos, sizeof(pos)) < 0)
		return false;
	return regs[X86_RBX] == t->sysbuf.addr + sizeof(struct sysbuf_header) + pos &&
	       record_of(t, regs[X86_RBX], regs[X86_ORIG_RAX]);
}

/* The same, and a signal interrupted the call before it was done. */
static bool in_buffered_call(struct recorder_task *t, const uint64_t regs[X86_NREGS])
{
	return after_buffered_call(t, regs) && interrupted_code(x86_regs_result(regs));
}

/* Back at the call's syscall instruction, as the kernel restarts a call (and at its first try). */
static int restart(struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	t->desched.traced = !t->syscall_stops;
	t->desched.in_call = false;
	t->desched.rec = regs[X86_RBX];
	regs[X86_RAX] = regs[X86_ORIG_RAX];
	regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
	regs[X86_ORIG_RAX] = (uint64_t)-1;
	return tracee_set_regs(&t->t, regs);
}

/* One "Key:\t<hex>" line of /proc/TID/status. */
static uint64_t status_mask(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

/*
 * Whether a signal other than the descheduling one would interrupt t's call
 * natively: one rewind holds back, or one pending, not blocked, that has a
 * handler or kills by default (one ignored, or ignored by default, does not
 * wake a sleeping call).
 */
static bool other_signal_due(const struct recorder_task *t)
{
	char path[64], status[4096];
	uint64_t pending, blocked, caught, ignored, fatal = 0;
	ssize_t n;
	int fd;

	if (t->nheld)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", t->t.tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, status, sizeof(status) - 1);
	close(fd);
	if (n <= 0)
		return false;
	status[n] = '\0';
	pending = status_mask(status, "SigPnd:") | status_mask(status, "ShdPnd:");
	blocked = status_mask(status, "SigBlk:");
	caught = status_mask(status, "SigCgt:");
	ignored = status_mask(status, "SigIgn:");
	for (int sig = 1; sig < 64; sig++)
		if (recorder_signal_kills_by_default(sig))
			fatal |= SIG_BIT(sig);
	pending &= ~blocked & ~SIG_BIT(SYSBUF_DESCHED_SIGNAL);
	return (pending & (caught | (fatal & ~ignored))) != 0;
}

/*
 * The buffered call t just returned from is recorded here as a traced
 * syscall would be: its entry and exit events (the bytes it wrote from the
 * program's memory), so that the signal of this stop is delivered at its
 * exit, as it would be natively. A restart code leaves the call traced
 * until its final exit; otherwise its record is left out of the trace.
 */
static int record_here(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	uint64_t entry[X86_NREGS], out[2];
	int64_t nr = (int64_t)regs[X86_ORIG_RAX], ret = x86_regs_result(regs);
	uint64_t len;
	uint8_t *bytes = NULL;
	int err;

	if ((err = tracee_read_mem(&t->t, regs[X86_RBX] + SYSBUF_REC_OUT, out, sizeof(out))) < 0)
		return err;
	len = sysbuf_out_len(nr, ret, out[1] > SYSBUF_OUT_MAX ? SYSBUF_OUT_MAX : out[1]);
	memcpy(entry, regs, sizeof(entry));
	entry[X86_RAX] = (uint64_t)-ENOSYS;
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SYSCALL_ENTRY, entry);
	trace_event_add_sysno(&r->eb, nr);
	if ((err = recorder_emit_syscall(r, t)) < 0)
		return err;
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SYSCALL_EXIT, regs);
	trace_event_add_sysno(&r->eb, nr);
	if (len) {
		bytes = xmalloc(len);
		if ((err = tracee_read_mem(&t->t, out[0], bytes, len)) < 0) {
			rw_error("pid %d: cannot read what buffered syscall %lld wrote at 0x%llx",
				 t->t.tid, (long long)nr, (unsigned long long)out[0]);
			free(bytes);
			return err;
		}
		trace_event_add_mem(&r->eb, out[0], bytes, len);
	}
	err = recorder_emit_syscall(r, t);
	free(bytes);
	if (err < 0)
		return err;
	t->desched.in_call = false;
	t->desched.rec = regs[X86_RBX];
	t->desched.traced = x86_restart_code(ret) && !t->syscall_stops;
	if (!t->desched.traced)
		t->desched.skip = regs[X86_RBX];
	memcpy(t->boundary_regs, regs, sizeof(t->boundary_regs));
	t->at_boundary = true;
	t->after_sigreturn = false;
	return 0;
}

/* The descheduling signal: never delivered; what it interrupted runs traced. */
static int desched_signal(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	int err;

	if ((err = relimit(t)) < 0 || (err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (t->at_boundary && (int64_t)regs[X86_ORIG_RAX] >= 0 &&
	    x86_restart_code(x86_regs_result(regs)) &&
	    (regs[X86_RIP] != REWIND_UNTRACED_SYSCALL + X86_SYSCALL_INSN_LEN ||
	     (t->desched.traced && regs[X86_RBX] == t->desched.rec))) {
		/*
		 * A traced syscall, its exit recorded, that the signal interrupted:
		 * the kernel restarts it once the signal is dropped; done here, as
		 * for rewind's SIGSTOP (recorder_preempt_point).
		 */
		regs[X86_RAX] = x86_regs_result(regs) == -ERESTART_RESTARTBLOCK
				    ? (uint64_t)SYS_restart_syscall
				    : regs[X86_ORIG_RAX];
		regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
		regs[X86_ORIG_RAX] = (uint64_t)-1;
		return (err = tracee_set_regs(&t->t, regs)) < 0 ? err : 1;
	}
	if (!in_buffered_call(t, regs))
		return 1; /* the call was done already: nothing to do */
	rw_debug("pid %d: buffered syscall %lld blocked; traced from here on", t->t.tid,
		 (long long)regs[X86_ORIG_RAX]);
	if (other_signal_due(t)) {
		/* The other signal ends the call, as natively: delivered at its exit. */
		if ((err = record_here(r, t, regs)) < 0)
			return err;
		if (t->nheld)
			recorder_resend_held(r, t);
		return 1;
	}
	return (err = restart(t, regs)) < 0 ? err : 1;
}

/* rewind's SIGSTOP found t blocked in a buffered call: back at its instruction, traced. */
static int kicked(struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	int err;

	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (!in_buffered_call(t, regs))
		return 0;
	rw_debug("pid %d: buffered syscall %lld stopped by rewind; traced from here on", t->t.tid,
		 (long long)regs[X86_ORIG_RAX]);
	return (err = restart(t, regs)) < 0 ? err : 0;
}

/* A syscall stop of t while its blocked call runs traced. */
static int syscall_stop(struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	int err;

	if (t->t.stop == TRACEE_STOP_SYSCALL_EXIT) {
		if (t->desched.pass_exit) {
			t->desched.pass_exit = false;
			return 1;
		}
		if (!t->desched.in_call)
			return 0; /* another syscall's (an rt_sigreturn's lands at the call) */
		if ((err = tracee_get_regs(&t->t, regs)) < 0)
			return err;
		t->desched.in_call = false;
		if (x86_regs_result(regs) == -EINTR && !other_signal_due(t)) {
			/*
			 * Ended by rewind's own signal (a stop, or the event that
			 * the call armed firing again), where the call, as
			 * epoll_wait does, does not ask for a restart: nothing
			 * ended it natively. -ERESTARTNOINTR has the kernel run it
			 * again once that signal is dropped, as for a restart code.
			 */
			regs[X86_RAX] = (uint64_t)-ERESTARTNOINTR;
			if ((err = tracee_set_regs(&t->t, regs)) < 0)
				return err;
		}
		if (!x86_restart_code(x86_regs_result(regs))) {
			/* Done: the record the library commits now is this syscall's. */
			t->desched.traced = false;
			t->desched.skip = t->desched.rec;
		}
		return 2;
	}
	if (!t->desched.traced || t->t.seccomp_entry)
		return 0;
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (regs[X86_RIP] != REWIND_UNTRACED_SYSCALL + X86_SYSCALL_INSN_LEN)
		return 0; /* a traced syscall (a signal handler's): its seccomp stop follows */
	if (regs[X86_RBX] == t->desched.rec) {
		t->desched.in_call = true;
		return 2;
	}
	/* The call returned to the library (EINTR), which made its next untraced one. */
	t->desched.traced = false;
	t->desched.skip = t->desched.rec;
	t->desched.pass_exit = true;
	return 1;
}

int recorder_desched_stop(struct recorder *r, struct recorder_task *t, int st)
{
	(void)r;
	if (t->t.stop == TRACEE_STOP_SYSCALL_ENTRY || t->t.stop == TRACEE_STOP_SYSCALL_EXIT)
		return syscall_stop(t);
	if ((st >> 16) || !WIFSTOPPED(st) || t->t.stop != TRACEE_STOP_OTHER)
		return 0;
	if (WSTOPSIG(st) == SIGSTOP && (t->kick_preempt || t->kick_sent))
		return kicked(t);
	return 0;
}

int recorder_desched_drop(struct recorder_task *t)
{
	return relimit(t);
}

/* Whether the signal of this stop is the descheduling event's (its siginfo names the event). */
bool recorder_desched_is_signal(struct recorder_task *t, int sig)
{
	siginfo_t si;

	if (sig != SYSBUF_DESCHED_SIGNAL || !t->desched.on ||
	    ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si) < 0)
		return false;
	return si.si_code >= POLL_IN && si.si_code <= POLL_HUP && si.si_fd == t->desched.fd;
}

int recorder_desched_signal(struct recorder *r, struct recorder_task *t, int st)
{
	uint64_t regs[X86_NREGS];
	int sig = WSTOPSIG(st), err;

	if ((st >> 16) || !WIFSTOPPED(st) || t->t.stop != TRACEE_STOP_OTHER || sig == SIGSTOP ||
	    sig == SIGTRAP)
		return 0;
	if (recorder_desched_is_signal(t, sig))
		return desched_signal(r, t);
	/* Another signal, sent as a buffered call returned: delivered at that call's exit. */
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if (!after_buffered_call(t, regs))
		return 0;
	return record_here(r, t, regs);
}
