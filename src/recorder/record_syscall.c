/*
 * Syscall entry and exit stops: what the recorder writes for each (the
 * registers, saved path strings, the memory the kernel wrote, from the
 * syscall table in arch/x86_64), the syscalls it answers itself at the exit
 * stop, the mappings it must know of and the bytes written to rewind's own
 * terminal. record_sched.c hands each stop here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/syscall_table.h"
#include "arch/x86_64/sysbuf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"
#include "recorder/written_pages.h"

/* What the syscall table's callbacks work on: the recorder's event, and the task's memory. */
struct out_regions {
	struct recorder *r;
	struct recorder_task *t;
};

static int read_mem_cb(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return tracee_read_mem(&((struct out_regions *)opaque)->t->t, addr, buf, len);
}

/*
 * The size of a program's semaphore set, asked of the kernel by rewind
 * itself: the program's IPC namespace must be rewind's.
 */
static int sem_count_cb(void *opaque, int semid)
{
	struct out_regions *o = opaque;
	struct semid_ds ds;
	struct stat own, its;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", o->t->t.tid);
	if (stat("/proc/self/ns/ipc", &own) < 0 || stat(path, &its) < 0)
		return -errno;
	if (own.st_ino != its.st_ino || own.st_dev != its.st_dev)
		return -EXDEV;
	if (semctl(semid, 0, IPC_STAT, &ds) < 0)
		return -errno;
	return (int)ds.sem_nsems;
}

/* Adds [addr, addr + len) of t's memory to the event: what the kernel wrote there. */
static int add_region(struct recorder *r, struct recorder_task *t, uint64_t addr, uint64_t len)
{
	size_t got;

	if (!len)
		return 0;
	if (len > (1ull << 31))
		return -E2BIG;
	rw_buf_reset(&r->scratch);
	rw_buf_reserve(&r->scratch, (size_t)len);
	/* Only the readable prefix can have been written by the kernel. */
	got = tracee_read_mem_partial(&t->t, addr, r->scratch.data, (size_t)len);
	if (got)
		trace_event_add_mem(&r->eb, addr, r->scratch.data, got);
	return 0;
}

static int emit_region_cb(void *opaque, uint64_t addr, uint64_t len)
{
	struct out_regions *o = opaque;

	return add_region(o->r, o->t, addr, len);
}

/* Which of rewind's own stdout/stderr the tracee's fd is, or 0. */
static int output_target(struct recorder *r, struct recorder_task *t, int fd)
{
	char path[64];
	struct stat st;
	bool is1, is2;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", t->t.tid, fd);
	if (stat(path, &st) < 0)
		return 0;
	is1 = r->out_id[1].valid && r->out_id[1].dev == st.st_dev && r->out_id[1].ino == st.st_ino;
	is2 = r->out_id[2].valid && r->out_id[2].dev == st.st_dev && r->out_id[2].ino == st.st_ino;
	if (is1 && is2)
		return fd == 2 ? 2 : 1;
	return is1 ? 1 : is2 ? 2 : 0;
}

long long recorder_fd_position(struct recorder *r, struct recorder_task *t, int fd)
{
	char path[64], line[128];
	long long pos = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", t->t.tid, fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "pos: %lld", &pos) == 1)
			break;
	fclose(f);
	return pos;
}

/*
 * sendfile and copy_file_range to the terminal: the bytes came from a file,
 * so they are read back from it where the syscall left its offset.
 */
static void add_copied_output(struct recorder *r, struct recorder_task *t, int target, int in_fd,
			      uint64_t off_ptr, int64_t ret)
{
	char path[64];
	long long end;
	int fd;

	if (off_ptr) {
		uint64_t off;

		if (tracee_read_mem(&t->t, off_ptr, &off, sizeof(off)) < 0)
			return;
		end = (long long)off;
	} else {
		end = recorder_fd_position(r, t, in_fd);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", t->t.tid, in_fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || end < ret) {
		rw_warn("pid %d, event %llu: cannot read back what was copied to the terminal",
			t->t.tid, (unsigned long long)r->seq);
		if (fd >= 0)
			close(fd);
		return;
	}
	rw_buf_reset(&r->scratch);
	rw_buf_reserve(&r->scratch, (size_t)ret);
	ssize_t n = pread(fd, r->scratch.data, (size_t)ret, (off_t)(end - ret));
	close(fd);
	if (n > 0)
		trace_event_add_output(&r->eb, target, r->scratch.data, (size_t)n);
}

/* The bytes a write-family syscall sent, as an output section. */
static void add_output(struct recorder *r, struct recorder_task *t, long nr, const uint64_t args[6],
		       int64_t ret)
{
	int out_fd = nr == SYS_copy_file_range ? (int)args[2] : (int)args[0];
	int target = output_target(r, t, out_fd);

	if (target && nr == SYS_sendfile) {
		add_copied_output(r, t, target, (int)args[1], args[2], ret);
		return;
	}
	if (target && nr == SYS_copy_file_range) {
		add_copied_output(r, t, target, (int)args[0], args[1], ret);
		return;
	}
	struct iovec iov[64];
	size_t left = (size_t)ret;

	if (!target)
		return;
	rw_buf_reset(&r->scratch);
	if (nr == SYS_write || nr == SYS_pwrite64) {
		rw_buf_reserve(&r->scratch, left);
		r->scratch.len = tracee_read_mem_partial(&t->t, args[1], r->scratch.data, left);
	} else {
		size_t n = args[2] < 64 ? (size_t)args[2] : 64;

		if (tracee_read_mem(&t->t, args[1], iov, n * sizeof(iov[0])) < 0)
			return;
		for (size_t i = 0; i < n && left; i++) {
			size_t take = iov[i].iov_len < left ? iov[i].iov_len : left;

			rw_buf_reserve(&r->scratch, take);
			r->scratch.len +=
			    tracee_read_mem_partial(&t->t, (uint64_t)iov[i].iov_base,
						    r->scratch.data + r->scratch.len, take);
			left -= take;
		}
	}
	trace_event_add_output(&r->eb, target, r->scratch.data, r->scratch.len);
}

static int refuse(struct recorder *r, struct recorder_task *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct recorder *r, struct recorder_task *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rw_error("pid %d, event %llu: %s", t->t.tid, (unsigned long long)r->seq, msg);
	return -ENOTSUP;
}

/*
 * The program sets a seccomp filter of its own: its verdicts come before
 * the recorder's stop, so this process's syscalls are seen by
 * PTRACE_SYSCALL entry stops from now on (its children inherit that).
 */
static void own_filter(struct recorder *r, struct recorder_task *t)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->tgid == t->tgid)
			r->tasks[i]->syscall_stops = true;
}

/*
 * Whether the recorder answers the syscall itself at its exit stop, the
 * kernel skipping it: rseq (emulated), sched_setaffinity and PR_SET_DUMPABLE
 * (record_emulate.c), ptrace and a tracer's waits (record_ptrace.c), and
 * calls that fail with ENOSYS under rewind (the table's NOSYS class, and
 * numbers it does not know: a number this kernel knows but rewind does not
 * would have effects nobody records).
 */
static bool answered_here(struct recorder *r, struct recorder_task *t,
			  const struct x86_syscall_desc *d, long nr, const uint64_t args[6])
{
	return !d || d->replay == SYS_REPLAY_RSEQ || d->replay == SYS_REPLAY_NOSYS ||
	       recorder_affinity_answered(r, t, nr, args) ||
	       recorder_dumpable_answered(t, nr, args) || recorder_ptrace_answered(r, t, nr, args);
}

static int64_t emulate_rseq(struct recorder *r, struct recorder_task *t, const uint64_t args[6]);

/* The result of a syscall answered here (answered_here), at its exit stop. */
static int64_t answer(struct recorder *r, struct recorder_task *t, long nr, const uint64_t args[6])
{
	switch (nr) {
	case SYS_rseq:
		return emulate_rseq(r, t, args);
	case SYS_sched_setaffinity:
		return recorder_affinity_set(r, t, args);
	case SYS_prctl:
		return recorder_dumpable_answer(t, args);
	case SYS_ptrace:
	case SYS_wait4:
	case SYS_waitid:
		return recorder_ptrace_answer(r, t, nr, args);
	case REWIND_SYSCALL_SYSBUF:
		return recorder_sysbuf_answer(r, t, args);
	default:
		return -ENOSYS;
	}
}

int recorder_handle_entry(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS], args[6];
	const struct x86_syscall_desc *d;
	const char *reason;
	long nr;
	int err;

	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	nr = x86_regs_sysno(regs);
	x86_regs_args(regs, args);
	d = x86_syscall_lookup(nr);
	r->traced_syscalls++;
	if (d && d->replay == SYS_REPLAY_UNKNOWN) {
		reason = x86_syscall_unsupported_reason(nr, args);
		if (reason)
			return refuse(r, t, "%s is not supported by rewind", reason);
		return refuse(r, t, "syscall %s (number %ld) is not supported by rewind",
			      d->name ? d->name : "?", nr);
	}
	/*
	 * An unknown command (ioctl, fcntl, prctl, ...) usually just fails with
	 * EINVAL and writes nothing: only refuse it if it succeeds.
	 */
	/* restart_syscall continues an interrupted call: it writes what that one writes. */
	reason = nr == SYS_restart_syscall || answered_here(r, t, d, nr, args)
		     ? NULL
		     : x86_syscall_unsupported_reason(nr, args);
	t->cur_unsupported = reason ? xstrdup(reason) : NULL;
	t->shared_snapped = recorder_shared_syscall_may_change(r, t, nr, args);
	if (t->shared_snapped)
		recorder_shared_snapshot(r);

	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SYSCALL_ENTRY, regs);
	trace_event_add_sysno(&r->eb, nr);
	if (d && (d->flags & SYSF_PATH_ARGS)) {
		char s[4096];

		for (int i = 0; i < d->nargs && i < 6; i++)
			if (d->argfmt[i] == ARG_PATH && args[i] &&
			    tracee_read_string(&t->t, args[i], s, sizeof(s)) >= 0)
				trace_event_add_string(&r->eb, i, s);
	}
	if ((err = recorder_add_xsave(r, t, false)) < 0)
		return err;
	if (nr == SYS_seccomp || (nr == SYS_prctl && args[0] == PR_SET_SECCOMP))
		own_filter(r, t);
	if (x86_syscall_fds_change(nr, args))
		recorder_forget_fds(r);
	t->cur_sysno = nr;
	memcpy(t->entry_regs, regs, sizeof(regs));
	t->cur_emulated = answered_here(r, t, d, nr, args);
	if (t->cur_emulated) {
		/* Never given to the kernel: skip it and answer at the exit stop. */
		r->eb.flags |= EVF_EMULATED_AT_RECORD;
		regs[X86_ORIG_RAX] = (uint64_t)-1;
		if ((err = tracee_set_regs(&t->t, regs)) < 0)
			return err;
	}
	return recorder_emit_syscall(r, t);
}

/*
 * rseq as the kernel would answer it, without registering anything: the
 * area gets the CPU the thread is pinned to in cpu_id_start and cpu_id, and
 * node_id and mm_cid (0 on a single-thread, single-node run).
 */
static int64_t emulate_rseq(struct recorder *r, struct recorder_task *t, const uint64_t args[6])
{
	uint32_t ids[2] = {(uint32_t)r->cpu, (uint32_t)r->cpu};
	uint32_t node_cid[2] = {0, 0};
	uint64_t addr = args[0];
	uint32_t len = (uint32_t)args[1];
	int flags = (int)args[2];

	if (flags & 1) { /* RSEQ_FLAG_UNREGISTER */
		if (!t->rseq.addr || addr != t->rseq.addr)
			return -EINVAL;
		t->rseq.addr = 0;
		return 0;
	}
	if (flags || len < 32 || (addr & 31))
		return -EINVAL;
	if (t->rseq.addr)
		return addr == t->rseq.addr ? -EBUSY : -EINVAL;
	if (tracee_write_mem(&t->t, addr, ids, sizeof(ids)) < 0 ||
	    tracee_write_mem(&t->t, addr + 20, node_cid, sizeof(node_cid)) < 0)
		return -EFAULT;
	t->rseq.addr = addr;
	t->rseq.len = len;
	t->rseq.sig = (uint32_t)args[3];
	add_region(r, t, addr, 8);
	add_region(r, t, addr + 20, 8);
	return 0;
}

static int add_mmap_file(struct recorder *r, struct recorder_task *t, const uint64_t args[6],
			 int64_t ret)
{
	struct trace_map m = {
	    .start = (uint64_t)ret,
	    .end = ((uint64_t)ret + args[1] + 4095) & ~4095ull,
	    .offset = args[5],
	    .prot = (uint32_t)args[2],
	    .flags = (uint32_t)args[3],
	    .kind = MAPK_FILE,
	};
	char fdpath[64], target[512];
	struct stat st;
	unsigned flags;
	ssize_t n;
	int err, fd;

	snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/%d", t->t.tid, (int)args[4]);
	n = readlink(fdpath, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	m.path = target;
	/* A file read-only and borrowed (the loader's libraries are): no /proc lookups. */
	if ((fd = recorder_borrow_fd(r, t, (int)args[4], &flags)) >= 0 &&
	    (flags & O_ACCMODE) == O_RDONLY && fstat(fd, &st) == 0) {
		if (!(args[3] & MAP_SHARED) && recorder_shared_open_may_change(r, flags, &st))
			m.flags |= TRACE_MAP_WORKING_COPY;
		err = recorder_store_open_file(r, fd, fdpath, &m);
	} else {
		if (!(args[3] & MAP_SHARED) &&
		    recorder_shared_file_may_change(r, t, fdpath, (int)args[4]))
			m.flags |= TRACE_MAP_WORKING_COPY;
		err = recorder_store_file(r, t, fdpath, &m);
	}
	if (err)
		return err;
	trace_event_add_map(&r->eb, &m);
	if (args[3] & MAP_SHARED)
		recorder_shared_add(r, t, &m, fdpath);
	return 0;
}

/* Library code the site patcher knows, dropped where mappings changed (none for a new one). */
static void forget_code(struct recorder_task *t, const struct x86_syscall_desc *d,
			const uint64_t args[6], int64_t ret)
{
	switch (d->replay) {
	case SYS_REPLAY_MMAP:
		if (args[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE))
			recorder_sites_forget_code(t, (uint64_t)ret, args[1]);
		return;
	case SYS_REPLAY_MREMAP:
		recorder_sites_forget_code(t, (uint64_t)ret, args[2]);
		recorder_sites_forget_code(t, args[0], args[1]);
		return;
	case SYS_REPLAY_MUNMAP:
	case SYS_REPLAY_MPROTECT:
		recorder_sites_forget_code(t, args[0], args[1]);
		return;
	default:
		if (d == x86_syscall_lookup(SYS_shmat) || d == x86_syscall_lookup(SYS_shmdt))
			recorder_sites_forget_code(t, 0, UINT64_MAX);
		return;
	}
}

/* Mappings the recorder must know about: stored files, watched shared mappings. */
static int track_mappings(struct recorder *r, struct recorder_task *t,
			  const struct x86_syscall_desc *d, const uint64_t args[6], int64_t ret)
{
	int err;

	if (!d || ret < 0)
		return 0;
	forget_code(t, d, args, ret);
	if (d == x86_syscall_lookup(SYS_shmat))
		return recorder_shm_attached(r, t, (uint64_t)ret);
	if (d == x86_syscall_lookup(SYS_shmdt))
		return 0; /* a segment: nothing watched */
	written_pages_syscall_exit(r, t, d->replay, args, ret);
	switch (d->replay) {
	case SYS_REPLAY_MMAP:
		if (args[3] & MAP_FIXED)
			recorder_shared_remove(r, t, (uint64_t)ret, (uint64_t)ret + args[1]);
		if (args[3] & MAP_ANONYMOUS)
			return 0;
		err = add_mmap_file(r, t, args, ret);
		if (err == -ENODEV)
			return 0; /* a device: replayed as anonymous memory */
		return err;
	case SYS_REPLAY_MUNMAP:
		recorder_shared_remove(r, t, args[0], args[0] + args[1]);
		return 0;
	case SYS_REPLAY_MREMAP:
		recorder_shared_remapped(r, t, args[0], args[1], (uint64_t)ret, args[2]);
		return 0;
	default:
		return 0;
	}
}

/*
 * What a syscall's exit changed in the address space, taken in (traced or
 * buffered): the mappings tracked, and the library's table of shared
 * files written again after a mapping came or went.
 */
static int take_mappings(struct recorder *r, struct recorder_task *t,
			 const struct x86_syscall_desc *d, const uint64_t args[6], int64_t ret)
{
	int err = track_mappings(r, t, d, args, ret);

	if (err < 0)
		return err;
	if (d && (d->replay == SYS_REPLAY_MMAP || d->replay == SYS_REPLAY_MUNMAP ||
		  d->replay == SYS_REPLAY_MREMAP))
		return recorder_sysbuf_mappings_changed(r, t);
	return 0;
}

/*
 * Appends t's syscall entry or exit event, then what other processes
 * wrote into t while it ran user code (record_remote_mem.c).
 */
int recorder_emit_syscall(struct recorder *r, struct recorder_task *t)
{
	int err = recorder_emit(r);

	return err < 0 ? err : recorder_remote_mem_flush(r, t);
}

/* The exit of a syscall answered here (answered_here): the kernel skipped it. */
static int exit_answered(struct recorder *r, struct recorder_task *t, long nr,
			 const uint64_t args[6], uint64_t regs[X86_NREGS])
{
	int err;

	r->eb.flags |= EVF_EMULATED_AT_RECORD;
	regs[X86_RAX] = (uint64_t)answer(r, t, nr, args);
	regs[X86_ORIG_RAX] = (uint64_t)nr;
	memcpy(r->eb.regs, regs, X86_NREGS * sizeof(regs[0]));
	if ((err = tracee_set_regs(&t->t, regs)) < 0)
		return err;
	/*
	 * What other processes' writes changed in t's shared mappings while it
	 * was in the call comes with this exit too, as with any other: t may
	 * read it next (an execution point of its expects it).
	 */
	if (recorder_shared_any(r))
		recorder_shared_diff(r, t);
	return recorder_emit_syscall(r, t);
}

/* The exit of a call rewind cannot record if it succeeded (cur_unsupported): a failure is kept. */
static int exit_unsupported(struct recorder *r, struct recorder_task *t, int64_t ret)
{
	char *reason = (char *)t->cur_unsupported;
	int err;

	t->cur_unsupported = NULL;
	if (ret >= 0 || ret <= -4096) {
		err = refuse(r, t, "%s is not supported by rewind", reason);
		free(reason);
		return err;
	}
	free(reason);
	if (recorder_shared_any(r))
		recorder_shared_diff(r, t);
	return recorder_emit_syscall(r, t);
}

/* Adds the regions the syscall table says the kernel wrote, or refuses a call it cannot tell. */
static int add_out_regions(struct recorder *r, struct recorder_task *t,
			   const struct x86_syscall_desc *d, long nr, const uint64_t args[6],
			   int64_t ret)
{
	struct out_regions out = {r, t};
	struct x86_sys_out_ctx ctx;
	char what[64];

	/* ERESTART_RESTARTBLOCK: continued by restart_syscall (a restart_syscall interrupted in its
	 * turn still continues the first call). */
	if (ret == -ERESTART_RESTARTBLOCK && nr != SYS_restart_syscall)
		t->restart_nr = nr;
	ctx = (struct x86_sys_out_ctx){.nr = nr == SYS_restart_syscall ? t->restart_nr : nr,
				       .ret = ret,
				       .read_mem = read_mem_cb,
				       .emit = emit_region_cb,
				       .sem_count = sem_count_cb,
				       .opaque = &out};
	memcpy(ctx.args, args, sizeof(ctx.args));
	if (x86_syscall_output_regions(&ctx) >= 0)
		return 0;
	snprintf(what, sizeof(what), "%s", d && d->name ? d->name : "?");
	return refuse(r, t, "cannot tell what syscall %s wrote", what);
}

int recorder_handle_exit(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS], args[6];
	long nr = t->cur_sysno;
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	struct rw_buf other = {0};
	int64_t ret;
	int err;

	if (t->exec_pending) {
		t->exec_pending = false;
		return recorder_record_exec(r, t);
	}
	/* Back where its frame says (record_sites.c: not inside a site being patched meanwhile). */
	if (nr == SYS_rt_sigreturn && t->handlers)
		t->handlers--;
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	x86_regs_args(regs, args);
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SYSCALL_EXIT, regs);
	trace_event_add_sysno(&r->eb, nr);
	if (t->cur_emulated)
		return exit_answered(r, t, nr, args, regs);
	ret = x86_regs_result(regs);
	if (t->cur_unsupported)
		return exit_unsupported(r, t, ret);
	if (nr == SYS_sched_getaffinity)
		recorder_affinity_get(r, t, args, ret);
	if ((err = recorder_sites_patch(r, t, regs)) < 0 ||
	    (err > 0 && (err = tracee_set_regs(&t->t, regs)) < 0))
		return err;
	if ((err = add_out_regions(r, t, d, nr, args, ret)) < 0)
		return err;
	if (recorder_shared_any(r))
		recorder_shared_diff(r, t);
	if (t->vforked && (err = recorder_add_vfork_pages(r, t)) < 0)
		return err;
	if ((err = take_mappings(r, t, d, args, ret)) < 0)
		return err;
	if (d && (d->flags & (SYSF_WRITES_FD | SYSF_COPIES_TO_FD)) && ret > 0)
		add_output(r, t, nr, args, ret);
	if ((err = recorder_sysbuf_fds_closed(r, t, nr, args)) < 0 ||
	    (err = recorder_sysbuf_cloned(r, t, nr, args, ret)) < 0)
		return err;
	recorder_remote_mem_written(r, t, nr, args, ret, &other);
	if ((err = recorder_emit_syscall(r, t)) == 0)
		err = recorder_remote_mem_emit(r, &other);
	rw_buf_free(&other);
	return err;
}

int recorder_buffered_mapping(struct recorder *r, struct recorder_task *t, long nr,
			      const uint64_t args[6], int64_t ret)
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);

	if (!d || (d->replay != SYS_REPLAY_MMAP && d->replay != SYS_REPLAY_MUNMAP &&
		   d->replay != SYS_REPLAY_MPROTECT && d->replay != SYS_REPLAY_BRK))
		return 0;
	return take_mappings(r, t, d, args, ret);
}
