/*
 * Syscalls the recorder answers itself at their seccomp entry stop, so they
 * cost one stop instead of two: read, pread64, lseek and fstat (newfstatat
 * with an empty path too) of a regular file on a local disk or memory
 * filesystem. The tracer takes a copy of the program's
 * file descriptor (pidfd_getfd: the same open file, so the same offset),
 * reads through it, writes the bytes into the program's buffer as the
 * kernel would (process_vm_writev respects page protections), and lets the
 * kernel skip the syscall with the result in rax. The trace gets the same
 * exit event as a syscall the kernel ran; replay does not tell them apart.
 *
 * Anything else goes to the kernel: other files (pipes, sockets, ttys,
 * /proc and the like, whose reads may block or depend on who reads), O_DIRECT
 * files (alignment is the program's buffer's), reads over 1 MiB, a buffer
 * the bytes cannot all be written to (the offset is put back first), and
 * tasks whose entries are PTRACE_SYSCALL stops.
 *
 * Answered at the exit stop instead (record_syscall.c's answered_here, the kernel
 * skipping the call): sched_setaffinity, and PR_SET_DUMPABLE, since a
 * non-dumpable process shuts out a tracer without CAP_SYS_PTRACE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/local_fs.h"
#include "recorder/record.h"
#include "recorder/recorder.h"

#define ANSWER_MAX (1u << 20)

/* Whether the device's filesystem is local (cached: one statfs per device). */
static bool local_dev(struct recorder *r, int fd, dev_t dev)
{
	struct statfs sf;

	for (size_t i = 0; i < r->nfs_seen; i++)
		if (r->fs_seen[i].dev == dev)
			return r->fs_seen[i].local;
	if (fstatfs(fd, &sf) < 0)
		return false;
	if (r->nfs_seen < sizeof(r->fs_seen) / sizeof(r->fs_seen[0])) {
		r->fs_seen[r->nfs_seen].dev = dev;
		r->fs_seen[r->nfs_seen].local = rw_local_fs(sf.f_type);
		r->nfs_seen++;
	}
	return rw_local_fs(sf.f_type);
}

void recorder_task_forget_fds(struct recorder_task *t)
{
	for (int i = 0; i < t->nborrowed; i++)
		if (t->borrowed[i].fd >= 0)
			close(t->borrowed[i].fd);
	t->nborrowed = 0;
}

void recorder_forget_fds(struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		recorder_task_forget_fds(r->tasks[i]);
}

/* Remembers the recorder's copy of prog_fd (-1: its calls go to the kernel). */
static void remember(struct recorder_task *t, int prog_fd, int fd, unsigned flags)
{
	int slot = t->nborrowed;

	if (slot == (int)(sizeof(t->borrowed) / sizeof(t->borrowed[0]))) {
		if (t->borrowed[0].fd >= 0)
			close(t->borrowed[0].fd); /* the oldest goes */
		memmove(&t->borrowed[0], &t->borrowed[1],
			(size_t)(slot - 1) * sizeof(t->borrowed[0]));
		slot--;
	}
	t->borrowed[slot].prog_fd = prog_fd;
	t->borrowed[slot].fd = fd;
	t->borrowed[slot].flags = flags;
	t->nborrowed = slot + 1;
}

/*
 * The program's fd, as a descriptor of the recorder's own, if its calls may
 * be answered, else -1. Both answers are kept (a pipe read in a loop costs
 * no lookups after the first): every syscall that could make the number
 * another file's (close, dup2, exec, ...) drops them all first.
 */
int recorder_borrow_fd(struct recorder *r, struct recorder_task *t, int prog_fd, unsigned *flags)
{
	struct stat st;
	int fd, fl = 0;

	for (int i = 0; i < t->nborrowed; i++)
		if (t->borrowed[i].prog_fd == prog_fd) {
			*flags = t->borrowed[i].flags;
			return t->borrowed[i].fd;
		}
	if (t->pidfd < 0) {
		t->pidfd = (int)syscall(SYS_pidfd_open, t->tgid, 0);
		if (t->pidfd < 0) {
			t->pidfd = -2; /* not for this process: never again */
			return -1;
		}
	}
	if (t->pidfd == -2 || prog_fd < 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_getfd, t->pidfd, prog_fd, 0);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* A kernel before 5.6, or not allowed here: the kernel runs them all. */
		close(t->pidfd);
		t->pidfd = -2;
	}
	if (fd < 0)
		return -1; /* EBADF and the like: the kernel says so */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (fl = fcntl(fd, F_GETFL)) < 0 ||
	    (fl & O_DIRECT) || (fl & O_ACCMODE) == O_WRONLY || !local_dev(r, fd, st.st_dev)) {
		close(fd);
		fd = -1;
	}
	remember(t, prog_fd, fd, (unsigned)fl);
	*flags = (unsigned)fl;
	return fd;
}

/* Bytes of `len` from `data` into the program at addr, all or none (as far as it can tell). */
static bool put_all(pid_t tid, uint64_t addr, const void *data, size_t len)
{
	struct iovec local = {(void *)data, len};
	struct iovec remote = {(void *)addr, len};

	return !len || process_vm_writev(tid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* The file descriptor argument of a syscall that may be answered, or -1. */
static int answerable_fd(struct recorder_task *t, long nr, const uint64_t args[6])
{
	char path[2];

	switch (nr) {
	case SYS_read:
	case SYS_pread64:
		return args[2] <= ANSWER_MAX ? (int)args[0] : -1;
	case SYS_lseek:
	case SYS_fstat:
		return (int)args[0];
	case SYS_newfstatat:
		/* fstat as glibc makes it: an empty path relative to the descriptor. */
		if (!(args[3] & AT_EMPTY_PATH) ||
		    tracee_read_string(&t->t, args[1], path, sizeof(path)) != 0)
			return -1;
		return (int)args[0];
	default:
		return -1;
	}
}

/*
 * Runs the syscall here through fd. Returns 1 with its result in *ret and
 * what it wrote into the program recorded in r->eb's sections, or 0 when
 * the kernel is to run it after all (nothing happened).
 */
static int run_here(struct recorder *r, struct recorder_task *t, long nr, int fd,
		    const uint64_t args[6], int64_t *ret)
{
	pid_t tid = t->t.tid;
	struct stat st;
	ssize_t n;

	switch (nr) {
	case SYS_read:
	case SYS_pread64:
		rw_buf_reset(&r->scratch);
		rw_buf_reserve(&r->scratch, args[2] ? (size_t)args[2] : 1);
		if (nr == SYS_read)
			n = read(fd, r->scratch.data, (size_t)args[2]);
		else
			n = pread(fd, r->scratch.data, (size_t)args[2], (off_t)args[3]);
		if (n < 0)
			return 0;
		if (!put_all(tid, args[1], r->scratch.data, (size_t)n)) {
			/* The kernel does it (and says EFAULT, or how much fit): put the offset
			 * back. */
			if (nr == SYS_read)
				lseek(fd, -n, SEEK_CUR);
			return 0;
		}
		if (n > 0)
			trace_event_add_mem(&r->eb, args[1], r->scratch.data, (size_t)n);
		*ret = n;
		return 1;
	case SYS_lseek:
		n = lseek(fd, (off_t)args[1], (int)args[2]);
		*ret = n < 0 ? -errno : n;
		return 1;
	case SYS_fstat:
	case SYS_newfstatat: {
		uint64_t buf = nr == SYS_fstat ? args[1] : args[2];

		if (fstat(fd, &st) < 0 || !put_all(tid, buf, &st, sizeof(st)))
			return 0;
		trace_event_add_mem(&r->eb, buf, &st, sizeof(st));
		*ret = 0;
		return 1;
	}
	default:
		return 0;
	}
}

int recorder_answer(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS], args[6];
	long nr = t->cur_sysno;
	int64_t ret = 0;
	int prog_fd, fd, err;
	unsigned flags;

	if (!t->t.seccomp_entry || t->syscall_stops || t->cur_emulated || t->cur_unsupported ||
	    t->vforked)
		return 0;
	memcpy(regs, t->entry_regs, sizeof(regs));
	x86_regs_args(regs, args);
	if ((prog_fd = answerable_fd(t, nr, args)) < 0 ||
	    (fd = recorder_borrow_fd(r, t, prog_fd, &flags)) < 0)
		return 0;
	/* The event's memory sections are added as the syscall runs here. */
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SYSCALL_EXIT, regs);
	trace_event_add_sysno(&r->eb, nr);
	if (!run_here(r, t, nr, fd, args, &ret))
		return 0;
	/* The kernel skips a syscall whose number is -1 and leaves rax as it is. */
	regs[X86_RAX] = (uint64_t)ret;
	regs[X86_ORIG_RAX] = (uint64_t)-1;
	if ((err = recorder_sites_patch(r, t, regs)) < 0 ||
	    (err = tracee_set_regs(&t->t, regs)) < 0)
		return err;
	memcpy(r->eb.regs, regs, sizeof(regs));
	r->eb.flags |= EVF_EMULATED_AT_RECORD;
	if (recorder_shared_any(r))
		recorder_shared_diff(r, t);
	if ((err = recorder_emit_syscall(r, t)) < 0)
		return err;
	return 1;
}

/* The recorded task a sched_{get,set}affinity of t names by pid (0: t), or NULL. */
static struct recorder_task *affinity_task(struct recorder *r, struct recorder_task *t,
					   uint64_t pid)
{
	if ((pid_t)pid == 0)
		return t;
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->t.tid == (pid_t)pid)
			return r->tasks[i];
	return NULL;
}

bool recorder_affinity_answered(struct recorder *r, struct recorder_task *t, long nr,
				const uint64_t args[6])
{
	return nr == SYS_sched_setaffinity && affinity_task(r, t, args[0]);
}

/* sched_setaffinity as the kernel answers it, the mask kept instead of applied. */
int64_t recorder_affinity_set(struct recorder *r, struct recorder_task *t, const uint64_t args[6])
{
	struct recorder_task *target = affinity_task(r, t, args[0]);
	uint64_t mask[16] = {0}, any = 0;
	size_t len = args[1] < sizeof(mask) ? (size_t)args[1] : sizeof(mask);

	if (!target)
		return -ESRCH;
	if (len && tracee_read_mem(&t->t, args[2], mask, len) < 0)
		return -EFAULT;
	for (size_t i = 0; i < 16; i++)
		any |= (mask[i] &= r->cpus[i]);
	if (!any)
		return -EINVAL; /* no CPU of the mask is allowed: the kernel says so too */
	memcpy(target->cpus, mask, sizeof(mask));
	return 0;
}

void recorder_affinity_get(struct recorder *r, struct recorder_task *t, const uint64_t args[6],
			   int64_t ret)
{
	struct recorder_task *target = affinity_task(r, t, args[0]);

	/* The kernel checked the size and the buffer and wrote ret bytes of its own mask. */
	if (target && ret > 0 && (size_t)ret <= sizeof(target->cpus))
		tracee_write_mem(&t->t, args[2], target->cpus, (size_t)ret);
}

/*
 * Without CAP_SYS_PTRACE, a tracer may not read a non-dumpable process's
 * /proc files (maps, fd) nor its memory, nor borrow its descriptors
 * (ptrace_may_access in the kernel): prctl(PR_SET_DUMPABLE, 0) would stop
 * an unprivileged recording, as rr also found. So the kernel never sees
 * it: the recorder keeps the program's value for its address space (where
 * the kernel keeps it; an exec makes a new one) and answers
 * PR_GET_DUMPABLE with it. Until the program sets it, PR_GET_DUMPABLE is
 * the kernel's (a setuid program's is not 1).
 */
bool recorder_dumpable_answered(const struct recorder_task *t, long nr, const uint64_t args[6])
{
	return nr == SYS_prctl &&
	       (args[0] == PR_SET_DUMPABLE || (args[0] == PR_GET_DUMPABLE && t->mm->dumpable_set));
}

int64_t recorder_dumpable_answer(struct recorder_task *t, const uint64_t args[6])
{
	if (args[0] == PR_GET_DUMPABLE)
		return t->mm->dumpable_set - 1;
	if (args[1] > 1)
		return -EINVAL; /* neither SUID_DUMP_DISABLE nor SUID_DUMP_USER */
	t->mm->dumpable_set = (uint8_t)(1 + args[1]);
	return 0;
}
