/*
 * Writes into the memory of another recorded process, or of the writer's
 * own through a descriptor: process_vm_writev, and write, pwrite64, writev,
 * pwritev and pwritev2 to /proc/PID/mem (or /proc/PID/task/TID/mem).
 * The kernel copies the bytes while the target runs no user code (only the
 * writer holds the slot), so they are read from the target after the call:
 *  - the writer's own process: into the writer's exit event;
 *  - a process stopped for a tracer inside the recording: kept with the
 *    tracer's pokes, written at its resume event (record_ptrace_stop.c);
 *  - any other: an EV_PTRACE resume event of one of its threads right
 *    after the writer's exit event, with the registers replay has it at
 *    (a thread in a syscall: that syscall's entry registers), so replay
 *    writes the bytes there and changes nothing else. A process whose
 *    threads all run user code (one took the slot while the writer was
 *    in the kernel: a race in the program) gets them after its thread's
 *    next syscall event instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"

/* Most bytes taken from one write: past this the rest is not recorded (said once). */
#define REMOTE_MEM_MAX (16u << 20)
#define REMOTE_IOV_MAX 1024

static struct recorder_task *task_of(struct recorder *r, pid_t pid)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->t.tid == pid)
			return r->tasks[i];
	return NULL;
}

/* The task whose /proc/PID/mem the writer's descriptor fd is, or NULL. */
static struct recorder_task *mem_file_task(struct recorder *r, struct recorder_task *t, int fd)
{
	char path[64], target[128];
	int pid, tid, len = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", t->t.tid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	if (sscanf(target, "/proc/%d/task/%d/mem%n", &pid, &tid, &len) == 2 && len == n)
		pid = tid;
	else if (!(sscanf(target, "/proc/%d/mem%n", &pid, &len) == 1 && len == n))
		return NULL;
	return task_of(r, pid);
}

/* One range of the target written: its bytes, read from it now, are kept. */
static void take(struct recorder *r, struct recorder_task *t, uint64_t addr, uint64_t len,
		 struct rw_buf *out)
{
	uint8_t *buf;

	if (!len || len > REMOTE_MEM_MAX)
		return;
	buf = xmalloc(len);
	if (tracee_read_mem(&t->t, addr, buf, len) == 0) {
		rw_buf_put_u64(out, (uint64_t)t->t.tid);
		rw_buf_put_u64(out, addr);
		rw_buf_put_u64(out, len);
		rw_buf_put(out, buf, len);
	}
	free(buf);
}

/* process_vm_writev(pid, local, n, remote, m, 0) = ret: the first ret bytes of the remote iovs. */
static void vm_writev(struct recorder *r, struct recorder_task *t, const uint64_t args[6],
		      int64_t ret, struct rw_buf *out)
{
	struct recorder_task *target = task_of(r, (pid_t)args[0]);
	uint64_t left = (uint64_t)ret, n = args[4];
	struct iovec *iov;

	if (!target || !n || n > REMOTE_IOV_MAX)
		return;
	iov = xcalloc(n, sizeof(*iov));
	if (tracee_read_mem(&t->t, args[3], iov, n * sizeof(*iov)) == 0)
		for (uint64_t i = 0; i < n && left; i++) {
			uint64_t len = iov[i].iov_len < left ? iov[i].iov_len : left;

			take(r, target, (uint64_t)(uintptr_t)iov[i].iov_base, len, out);
			left -= len;
		}
	free(iov);
}

/* A write of ret bytes to fd: the range of /proc/PID/mem it covered, if fd is one. */
static void mem_file_write(struct recorder *r, struct recorder_task *t, long nr,
			   const uint64_t args[6], int64_t ret, struct rw_buf *out)
{
	struct recorder_task *target = mem_file_task(r, t, (int)args[0]);
	int64_t at;

	if (!target)
		return;
	if (nr == SYS_pwrite64 || nr == SYS_pwritev)
		at = (int64_t)args[3];
	else if (nr == SYS_pwritev2 && (int64_t)args[3] != -1)
		at = (int64_t)args[3];
	else if ((at = recorder_fd_position(r, t, (int)args[0])) >= 0)
		at -= ret; /* write, writev, pwritev2 at the file offset: it moved past them */
	else
		return;
	take(r, target, (uint64_t)at, (uint64_t)ret, out);
}

void recorder_remote_mem_written(struct recorder *r, struct recorder_task *t, long nr,
				 const uint64_t args[6], int64_t ret, struct rw_buf *other)
{
	struct rw_buf all = {0};
	struct rw_cursor c;

	if (ret <= 0)
		return;
	if (nr == SYS_process_vm_writev)
		vm_writev(r, t, args, ret, &all);
	else if (nr == SYS_write || nr == SYS_pwrite64 || nr == SYS_writev || nr == SYS_pwritev ||
		 nr == SYS_pwritev2)
		mem_file_write(r, t, nr, args, ret, &all);
	rw_cursor_init(&c, all.data, all.len);
	while (rw_cursor_left(&c)) {
		struct recorder_task *target = task_of(r, (pid_t)rw_get_u64(&c));
		uint64_t addr = rw_get_u64(&c), len = rw_get_u64(&c);
		const uint8_t *p = rw_get_bytes(&c, (size_t)len);

		if (c.bad || !target)
			break;
		if (target->tgid == t->tgid)
			trace_event_add_mem(&r->eb, addr, p, len);
		else if (recorder_ptrace_held(target))
			recorder_ptrace_remember_poke(target, addr, p, len);
		else {
			rw_buf_put_u64(other, (uint64_t)target->t.tid);
			rw_buf_put_u64(other, addr);
			rw_buf_put_u64(other, len);
			rw_buf_put(other, p, (size_t)len);
		}
	}
	rw_buf_free(&all);
}

/*
 * A thread of t's process whose registers replay has right now, and
 * those registers: one in a syscall (its entry's), or one stopped and
 * waiting for its turn (as they are).
 */
static struct recorder_task *quiet_thread(struct recorder *r, pid_t tgid, uint64_t regs[X86_NREGS])
{
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *k = r->tasks[i];

		if (k->tgid != tgid)
			continue;
		if (k->state == TASK_IN_SYSCALL && !k->exit_deferred) {
			memcpy(regs, k->entry_regs, sizeof(k->entry_regs));
			return k;
		}
		if (k->state == TASK_READY && tracee_get_regs(&k->t, regs) == 0)
			return k;
	}
	return NULL;
}

/* An EV_PTRACE resume event of k that changes nothing but the bytes at addr. */
static int resume_event(struct recorder *r, struct recorder_task *k, const uint64_t regs[X86_NREGS],
			uint64_t addr, const uint8_t *p, uint64_t len)
{
	trace_event_begin(&r->eb, r->seq, (uint32_t)k->t.tid, EV_PTRACE, regs);
	trace_event_add_mem(&r->eb, addr, p, len);
	trace_event_add_ptrace(&r->eb, PTRACE_OP_RESUME, PTRACE_REACH_NONE);
	return recorder_emit(r);
}

int recorder_remote_mem_emit(struct recorder *r, const struct rw_buf *other)
{
	struct rw_cursor c;
	int err;

	rw_cursor_init(&c, other->data, other->len);
	while (rw_cursor_left(&c)) {
		struct recorder_task *t = task_of(r, (pid_t)rw_get_u64(&c)), *k;
		uint64_t addr = rw_get_u64(&c), len = rw_get_u64(&c), regs[X86_NREGS];
		const uint8_t *p = rw_get_bytes(&c, (size_t)len);

		if (c.bad)
			return -EINVAL;
		if (!t)
			continue; /* ended meanwhile */
		if (!(k = quiet_thread(r, t->tgid, regs))) {
			/* Running user code (it took the slot while the writer was in the kernel). */
			rw_buf_put_u64(&t->remote_pending, addr);
			rw_buf_put_u64(&t->remote_pending, len);
			rw_buf_put(&t->remote_pending, p, (size_t)len);
			continue;
		}
		if ((err = resume_event(r, k, regs, addr, p, len)) < 0)
			return err;
	}
	return 0;
}

int recorder_remote_mem_flush(struct recorder *r, struct recorder_task *t)
{
	struct rw_buf pending;
	struct rw_cursor c;
	uint64_t regs[X86_NREGS];
	int err = 0;

	if (!t || !t->remote_pending.len || t->t.tid != (pid_t)r->eb.tid ||
	    (r->eb.kind != EV_SYSCALL_ENTRY && r->eb.kind != EV_SYSCALL_EXIT))
		return 0;
	/* Replay has the thread where this event left it, with these registers. */
	memcpy(regs, r->eb.regs, sizeof(regs));
	pending = t->remote_pending;
	memset(&t->remote_pending, 0, sizeof(t->remote_pending));
	rw_cursor_init(&c, pending.data, pending.len);
	while (!err && rw_cursor_left(&c)) {
		uint64_t addr = rw_get_u64(&c), len = rw_get_u64(&c);
		const uint8_t *p = rw_get_bytes(&c, (size_t)len);

		if (c.bad)
			break;
		err = resume_event(r, t, regs, addr, p, len);
	}
	rw_buf_free(&pending);
	return err;
}
