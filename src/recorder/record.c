/*
 * The recorder: starts the program under ptrace pinned to one CPU with its
 * tracer, stops it at every syscall entry and exit, and writes one event per
 * stop with the registers, the memory the kernel wrote (from the syscall
 * table in arch/x86_64), changed XSAVE blocks and mappings. The handlers
 * here work on one task, r->cur; record_sched.c decides which task runs
 * and hands each stop to them.
 */
#define _GNU_SOURCE
#include "recorder/record.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/syscall_table.h"
#include "arch/x86_64/tsc.h"
#include "common/cpu_affinity.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "recorder/recorder.h"
#include "recorder/written_pages.h"
#include "trace_format/header.h"

extern char **environ;

_Static_assert(TRACE_NREGS == X86_NREGS, "trace and arch register counts");

int recorder_emit(struct recorder *r)
{
	int err;

	rw_buf_reset(&r->enc);
	trace_event_encode(&r->eb, &r->history, &r->enc);
	r->seq++;
	err = trace_writer_add(r->writer, TRACE_REC_EVENT, r->enc.data, r->enc.len);
	return err < 0 ? err : recorder_remote_mem_flush(r);
}

int recorder_add_xsave(struct recorder *r, bool force)
{
	int n = tracee_get_xsave(&r->cur->t, r->cur->xsave_cur, r->xsave_len);
	uint8_t *tmp;

	if (n < 0)
		return n;
	/*
	 * Most syscalls find the area as the previous one left it: one
	 * comparison of the whole area (every block lies inside it) says so.
	 */
	if (!force && r->cur->have_xsave_prev && (size_t)n == r->cur->xsave_prev_len &&
	    !memcmp(r->cur->xsave_cur, r->cur->xsave_prev, (size_t)n))
		return 0;
	for (int b = x86_xsave_next_block(&r->layout, -1); b >= 0;
	     b = x86_xsave_next_block(&r->layout, b)) {
		uint32_t off, len;

		x86_xsave_block_range(&r->layout, b, &off, &len);
		if (off + len > (uint32_t)n)
			continue;
		if (force || !r->cur->have_xsave_prev ||
		    memcmp(r->cur->xsave_cur + off, r->cur->xsave_prev + off, len))
			trace_event_add_xblock(&r->eb, (uint8_t)b, r->cur->xsave_cur + off, len);
	}
	tmp = r->cur->xsave_prev;
	r->cur->xsave_prev = r->cur->xsave_cur;
	r->cur->xsave_cur = tmp;
	r->cur->xsave_prev_len = (size_t)n;
	r->cur->have_xsave_prev = true;
	return 0;
}

static int read_mem_cb(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return tracee_read_mem(&((struct recorder *)opaque)->cur->t, addr, buf, len);
}

/*
 * The size of a program's semaphore set, asked of the kernel by rewind
 * itself: the program's IPC namespace must be rewind's.
 */
static int sem_count_cb(void *opaque, int semid)
{
	struct recorder *r = opaque;
	struct semid_ds ds;
	struct stat own, its;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", r->cur->t.tid);
	if (stat("/proc/self/ns/ipc", &own) < 0 || stat(path, &its) < 0)
		return -errno;
	if (own.st_ino != its.st_ino || own.st_dev != its.st_dev)
		return -EXDEV;
	if (semctl(semid, 0, IPC_STAT, &ds) < 0)
		return -errno;
	return (int)ds.sem_nsems;
}

static int emit_region_cb(void *opaque, uint64_t addr, uint64_t len)
{
	struct recorder *r = opaque;
	size_t got;

	if (!len)
		return 0;
	if (len > (1ull << 31))
		return -E2BIG;
	rw_buf_reset(&r->scratch);
	rw_buf_reserve(&r->scratch, (size_t)len);
	/* Only the readable prefix can have been written by the kernel. */
	got = tracee_read_mem_partial(&r->cur->t, addr, r->scratch.data, (size_t)len);
	if (got)
		trace_event_add_mem(&r->eb, addr, r->scratch.data, got);
	return 0;
}

static void stdio_identity(struct stdio_identity *id, int fd)
{
	struct stat st;

	id->valid = fstat(fd, &st) == 0;
	if (id->valid) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
	}
}

/* Which of rewind's own stdout/stderr the tracee's fd is, or 0. */
static int output_target(struct recorder *r, int fd)
{
	char path[64];
	struct stat st;
	bool is1, is2;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", r->cur->t.tid, fd);
	if (stat(path, &st) < 0)
		return 0;
	is1 = r->out_id[1].valid && r->out_id[1].dev == st.st_dev && r->out_id[1].ino == st.st_ino;
	is2 = r->out_id[2].valid && r->out_id[2].dev == st.st_dev && r->out_id[2].ino == st.st_ino;
	if (is1 && is2)
		return fd == 2 ? 2 : 1;
	return is1 ? 1 : is2 ? 2 : 0;
}

long long recorder_fd_position(struct recorder *r, int fd)
{
	char path[64], line[128];
	long long pos = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", r->cur->t.tid, fd);
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
static void add_copied_output(struct recorder *r, int target, int in_fd, uint64_t off_ptr,
			      int64_t ret)
{
	char path[64];
	long long end;
	int fd;

	if (off_ptr) {
		uint64_t off;

		if (tracee_read_mem(&r->cur->t, off_ptr, &off, sizeof(off)) < 0)
			return;
		end = (long long)off;
	} else {
		end = recorder_fd_position(r, in_fd);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", r->cur->t.tid, in_fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || end < ret) {
		rw_warn("pid %d, event %llu: cannot read back what was copied to the terminal",
			r->cur->t.tid, (unsigned long long)r->seq);
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
static void add_output(struct recorder *r, long nr, const uint64_t args[6], int64_t ret)
{
	int out_fd = nr == SYS_copy_file_range ? (int)args[2] : (int)args[0];
	int target = output_target(r, out_fd);

	if (target && nr == SYS_sendfile) {
		add_copied_output(r, target, (int)args[1], args[2], ret);
		return;
	}
	if (target && nr == SYS_copy_file_range) {
		add_copied_output(r, target, (int)args[0], args[1], ret);
		return;
	}
	struct iovec iov[64];
	size_t left = (size_t)ret;

	if (!target)
		return;
	rw_buf_reset(&r->scratch);
	if (nr == SYS_write || nr == SYS_pwrite64) {
		rw_buf_reserve(&r->scratch, left);
		r->scratch.len =
		    tracee_read_mem_partial(&r->cur->t, args[1], r->scratch.data, left);
	} else {
		size_t n = args[2] < 64 ? (size_t)args[2] : 64;

		if (tracee_read_mem(&r->cur->t, args[1], iov, n * sizeof(iov[0])) < 0)
			return;
		for (size_t i = 0; i < n && left; i++) {
			size_t take = iov[i].iov_len < left ? iov[i].iov_len : left;

			rw_buf_reserve(&r->scratch, take);
			r->scratch.len +=
			    tracee_read_mem_partial(&r->cur->t, (uint64_t)iov[i].iov_base,
						    r->scratch.data + r->scratch.len, take);
			left -= take;
		}
	}
	trace_event_add_output(&r->eb, target, r->scratch.data, r->scratch.len);
}

static int refuse(struct recorder *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct recorder *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rw_error("pid %d, event %llu: %s", r->cur->t.tid, (unsigned long long)r->seq, msg);
	return -ENOTSUP;
}

/*
 * The program sets a seccomp filter of its own: its verdicts come before
 * the recorder's stop, so this process's syscalls are seen by
 * PTRACE_SYSCALL entry stops from now on (its children inherit that).
 */
static void own_filter(struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->tgid == r->cur->tgid)
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
static bool answered_here(struct recorder *r, const struct x86_syscall_desc *d, long nr,
			  const uint64_t args[6])
{
	return !d || d->replay == SYS_REPLAY_RSEQ || d->replay == SYS_REPLAY_NOSYS ||
	       recorder_affinity_answered(r, nr, args) || recorder_dumpable_answered(r, nr, args) ||
	       recorder_ptrace_answered(r, nr, args);
}

static int64_t emulate_rseq(struct recorder *r, const uint64_t args[6]);

/* The result of a syscall answered here (answered_here), at its exit stop. */
static int64_t answer(struct recorder *r, long nr, const uint64_t args[6])
{
	switch (nr) {
	case SYS_rseq:
		return emulate_rseq(r, args);
	case SYS_sched_setaffinity:
		return recorder_affinity_set(r, args);
	case SYS_prctl:
		return recorder_dumpable_answer(r, args);
	case SYS_ptrace:
	case SYS_wait4:
	case SYS_waitid:
		return recorder_ptrace_answer(r, nr, args);
	default:
		return -ENOSYS;
	}
}

int recorder_handle_entry(struct recorder *r)
{
	uint64_t regs[X86_NREGS], args[6];
	const struct x86_syscall_desc *d;
	const char *reason;
	long nr;
	int err;

	if ((err = tracee_get_regs(&r->cur->t, regs)) < 0)
		return err;
	nr = x86_regs_sysno(regs);
	x86_regs_args(regs, args);
	d = x86_syscall_lookup(nr);
	if (d && d->replay == SYS_REPLAY_UNKNOWN) {
		reason = x86_syscall_unsupported_reason(nr, args);
		if (reason)
			return refuse(r, "%s is not supported by rewind", reason);
		return refuse(r, "syscall %s (number %ld) is not supported by rewind",
			      d->name ? d->name : "?", nr);
	}
	/*
	 * An unknown command (ioctl, fcntl, prctl, ...) usually just fails with
	 * EINVAL and writes nothing: only refuse it if it succeeds.
	 */
	/* restart_syscall continues an interrupted call: it writes what that one writes. */
	reason = nr == SYS_restart_syscall || answered_here(r, d, nr, args)
		     ? NULL
		     : x86_syscall_unsupported_reason(nr, args);
	r->cur->cur_unsupported = reason ? strdup(reason) : NULL;
	r->cur->shared_snapped = recorder_shared_any(r) && x86_syscall_may_change_files(d);
	if (r->cur->shared_snapped)
		recorder_shared_snapshot(r);

	trace_event_begin(&r->eb, r->seq, (uint32_t)r->cur->t.tid, EV_SYSCALL_ENTRY, regs);
	trace_event_add_sysno(&r->eb, nr);
	if (d && (d->flags & SYSF_PATH_ARGS)) {
		char s[4096];

		for (int i = 0; i < d->nargs && i < 6; i++)
			if (d->argfmt[i] == ARG_PATH && args[i] &&
			    tracee_read_string(&r->cur->t, args[i], s, sizeof(s)) >= 0)
				trace_event_add_string(&r->eb, i, s);
	}
	if ((err = recorder_add_xsave(r, false)) < 0)
		return err;
	if (nr == SYS_seccomp || (nr == SYS_prctl && args[0] == PR_SET_SECCOMP))
		own_filter(r);
	if (x86_syscall_fds_change(nr, args))
		recorder_forget_fds(r);
	r->cur->cur_sysno = nr;
	memcpy(r->cur->entry_regs, regs, sizeof(regs));
	r->cur->cur_emulated = answered_here(r, d, nr, args);
	if (r->cur->cur_emulated) {
		/* Never given to the kernel: skip it and answer at the exit stop. */
		r->eb.flags |= EVF_EMULATED_AT_RECORD;
		regs[X86_ORIG_RAX] = (uint64_t)-1;
		if ((err = tracee_set_regs(&r->cur->t, regs)) < 0)
			return err;
	}
	return recorder_emit(r);
}

/*
 * rseq as the kernel would answer it, without registering anything: the
 * area gets the CPU the thread is pinned to in cpu_id_start and cpu_id, and
 * node_id and mm_cid (0 on a single-thread, single-node run).
 */
static int64_t emulate_rseq(struct recorder *r, const uint64_t args[6])
{
	uint32_t ids[2] = {(uint32_t)r->cpu, (uint32_t)r->cpu};
	uint32_t node_cid[2] = {0, 0};
	uint64_t addr = args[0];
	uint32_t len = (uint32_t)args[1];
	int flags = (int)args[2];

	if (flags & 1) { /* RSEQ_FLAG_UNREGISTER */
		if (!r->cur->rseq.addr || addr != r->cur->rseq.addr)
			return -EINVAL;
		r->cur->rseq.addr = 0;
		return 0;
	}
	if (flags || len < 32 || (addr & 31))
		return -EINVAL;
	if (r->cur->rseq.addr)
		return addr == r->cur->rseq.addr ? -EBUSY : -EINVAL;
	if (tracee_write_mem(&r->cur->t, addr, ids, sizeof(ids)) < 0 ||
	    tracee_write_mem(&r->cur->t, addr + 20, node_cid, sizeof(node_cid)) < 0)
		return -EFAULT;
	r->cur->rseq.addr = addr;
	r->cur->rseq.len = len;
	r->cur->rseq.sig = (uint32_t)args[3];
	emit_region_cb(r, addr, 8);
	emit_region_cb(r, addr + 20, 8);
	return 0;
}

static int add_mmap_file(struct recorder *r, const uint64_t args[6], int64_t ret)
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
	ssize_t n;
	int err;

	snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/%d", r->cur->t.tid, (int)args[4]);
	n = readlink(fdpath, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	m.path = target;
	if (!(args[3] & MAP_SHARED) && recorder_shared_file_may_change(r, fdpath, (int)args[4]))
		m.flags |= TRACE_MAP_WORKING_COPY;
	err = recorder_store_file(r, fdpath, &m);
	if (err)
		return err;
	trace_event_add_map(&r->eb, &m);
	if (args[3] & MAP_SHARED)
		recorder_shared_add(r, &m, fdpath);
	return 0;
}

/* Mappings the recorder must know about: stored files, watched shared mappings. */
static int track_mappings(struct recorder *r, const struct x86_syscall_desc *d,
			  const uint64_t args[6], int64_t ret)
{
	int err;

	if (!d || ret < 0)
		return 0;
	if (d == x86_syscall_lookup(SYS_shmat))
		return recorder_shm_attached(r, (uint64_t)ret);
	if (d == x86_syscall_lookup(SYS_shmdt))
		return 0; /* a segment: nothing watched */
	written_pages_syscall_exit(r, r->cur, d->replay, args, ret);
	switch (d->replay) {
	case SYS_REPLAY_MMAP:
		if (args[3] & MAP_FIXED)
			recorder_shared_remove(r, (uint64_t)ret, (uint64_t)ret + args[1]);
		if (args[3] & MAP_ANONYMOUS)
			return 0;
		err = add_mmap_file(r, args, ret);
		if (err == -ENODEV)
			return 0; /* a device: replayed as anonymous memory */
		return err;
	case SYS_REPLAY_MUNMAP:
		recorder_shared_remove(r, args[0], args[0] + args[1]);
		return 0;
	case SYS_REPLAY_MREMAP:
		recorder_shared_remapped(r, args[0], args[1], (uint64_t)ret, args[2]);
		return 0;
	default:
		return 0;
	}
}

int recorder_handle_exit(struct recorder *r)
{
	uint64_t regs[X86_NREGS], args[6];
	struct x86_sys_out_ctx ctx;
	long nr = r->cur->cur_sysno;
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	struct rw_buf other = {0};
	int64_t ret;
	int err;

	if (r->cur->exec_pending) {
		r->cur->exec_pending = false;
		return recorder_record_exec(r);
	}
	if ((err = tracee_get_regs(&r->cur->t, regs)) < 0)
		return err;
	x86_regs_args(regs, args);
	trace_event_begin(&r->eb, r->seq, (uint32_t)r->cur->t.tid, EV_SYSCALL_EXIT, regs);
	trace_event_add_sysno(&r->eb, nr);
	if (r->cur->cur_emulated) {
		r->eb.flags |= EVF_EMULATED_AT_RECORD;
		regs[X86_RAX] = (uint64_t)answer(r, nr, args);
		regs[X86_ORIG_RAX] = (uint64_t)nr;
		memcpy(r->eb.regs, regs, sizeof(regs));
		if ((err = tracee_set_regs(&r->cur->t, regs)) < 0)
			return err;
		return recorder_emit(r);
	}
	ret = x86_regs_result(regs);
	if (r->cur->cur_unsupported) {
		char *reason = (char *)r->cur->cur_unsupported;

		r->cur->cur_unsupported = NULL;
		if (ret >= 0 || ret <= -4096) {
			err = refuse(r, "%s is not supported by rewind", reason);
			free(reason);
			return err;
		}
		free(reason);
		if (recorder_shared_any(r))
			recorder_shared_diff(r);
		return recorder_emit(r);
	}
	if (nr == SYS_sched_getaffinity)
		recorder_affinity_get(r, args, ret);
	/* ERESTART_RESTARTBLOCK: continued by restart_syscall (a restart_syscall interrupted in its
	 * turn still continues the first call). */
	if (ret == -ERESTART_RESTARTBLOCK && nr != SYS_restart_syscall)
		r->cur->restart_nr = nr;
	ctx = (struct x86_sys_out_ctx){.nr = nr == SYS_restart_syscall ? r->cur->restart_nr : nr,
				       .ret = ret,
				       .read_mem = read_mem_cb,
				       .emit = emit_region_cb,
				       .sem_count = sem_count_cb,
				       .opaque = r};
	memcpy(ctx.args, args, sizeof(args));
	err = x86_syscall_output_regions(&ctx);
	if (err < 0) {
		char what[64];

		snprintf(what, sizeof(what), "%s", d && d->name ? d->name : "?");
		return refuse(r, "cannot tell what syscall %s wrote", what);
	}
	if (recorder_shared_any(r))
		recorder_shared_diff(r);
	if (r->cur->vfork_hashes && (err = recorder_add_vfork_pages(r)) < 0)
		return err;
	if ((err = track_mappings(r, d, args, ret)) < 0)
		return err;
	if (d && (d->flags & (SYSF_WRITES_FD | SYSF_COPIES_TO_FD)) && ret > 0)
		add_output(r, nr, args, ret);
	recorder_remote_mem_written(r, nr, args, ret, &other);
	if ((err = recorder_emit(r)) == 0)
		err = recorder_remote_mem_emit(r, &other);
	rw_buf_free(&other);
	return err;
}

int recorder_record_death(struct recorder *r, int status)
{
	uint64_t regs[X86_NREGS] = {0};

	trace_event_begin(&r->eb, r->seq, (uint32_t)r->cur->t.tid, EV_EXIT, regs);
	/* Registers are gone with the process: repeat the last ones so the delta is empty. */
	for (size_t i = 0; i < r->history.n; i++)
		if (r->history.threads[i].tid == (uint32_t)r->cur->t.tid)
			memcpy(r->eb.regs, r->history.threads[i].regs, sizeof(r->eb.regs));
	trace_event_add_exit(&r->eb, status);
	return recorder_emit(r);
}

/*
 * A SIGSEGV from rdtsc/rdtscp under PR_TSC_SIGSEGV: run the instruction
 * here (same machine, same CPU) and log what it gave. Returns 1 when the
 * fault was such a trap, 0 for a real SIGSEGV.
 */
int recorder_handle_tsc_trap(struct recorder *r)
{
	uint64_t regs[X86_NREGS];
	uint8_t code[3] = {0};
	int len, rdtscp, err;

	if ((err = tracee_get_regs(&r->cur->t, regs)) < 0)
		return err;
	tracee_read_mem_partial(&r->cur->t, regs[X86_RIP], code, sizeof(code));
	len = x86_tsc_insn_len(code, &rdtscp);
	if (!len)
		return 0;
	x86_tsc_emulate(regs, len, rdtscp);
	if ((err = tracee_set_regs(&r->cur->t, regs)) < 0)
		return err;
	trace_event_begin(&r->eb, r->seq, (uint32_t)r->cur->t.tid, EV_RDTSC, regs);
	if ((err = recorder_emit(r)) < 0)
		return err;
	/* The trap the CPU would have raised after it: pending, so due before the next insn. */
	if (x86_tsc_single_step_trap(regs) && syscall(SYS_tkill, r->cur->t.tid, SIGTRAP) == 0)
		r->cur->step_trap_sent = true;
	return 1;
}

static char *resolve_program(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/') || !path)
		return realpath(prog, NULL);
	while (*path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog);
		if (access(buf, X_OK) == 0)
			return realpath(buf, NULL);
		path += len + (path[len] == ':');
	}
	return NULL;
}

static char *process_exe(pid_t pid)
{
	char path[64], exe[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return NULL;
	exe[n] = '\0';
	return strdup(exe);
}

char **record_process_argv(pid_t pid)
{
	char path[64], buf[65536], **argv, *strings;
	size_t n = 0, argc = 0;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	while (n < sizeof(buf) - 1 && (got = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)got;
	close(fd);
	if (n && buf[n - 1])
		buf[n++] = '\0';
	for (size_t i = 0; i < n; i++)
		argc += !buf[i];
	/* One block: the pointers, then the strings. */
	if (!(argv = malloc((argc + 1) * sizeof(*argv) + n + 1)))
		return NULL;
	strings = (char *)(argv + argc + 1);
	memcpy(strings, buf, n);
	argc = 0;
	for (size_t i = 0; i < n; i += strlen(strings + i) + 1)
		argv[argc++] = strings + i;
	argv[argc] = NULL;
	return argv;
}

static void fill_header(struct recorder *r, const struct record_options *o, struct trace_header *h,
			struct x86_cpuid_leaf *leaves, int nleaves)
{
	static struct utsname uts;
	static char vendor[13], brand[49], cwd[4096], host[256];
	uint32_t envc = 0;

	uname(&uts);
	gethostname(host, sizeof(host) - 1);
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	x86_cpu_vendor(leaves, nleaves, vendor);
	x86_cpu_brand(leaves, nleaves, brand);
	memset(h, 0, sizeof(*h));
	h->kernel_release = uts.release;
	h->cpu_vendor = vendor;
	h->cpu_brand = brand;
	h->hostname = host;
	h->cwd = cwd;
	h->exe = o->npids ? process_exe(o->pids[0]) : resolve_program(o->argv[0]);
	h->start_time = (uint64_t)time(NULL);
	h->page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	h->cpu = r->cpu;
	h->xcr0 = r->layout.xcr0;
	h->xsave_size = r->layout.total_size;
	for (int i = 0; i < TRACE_XSAVE_COMPONENTS; i++) {
		h->xsave_offset[i] = r->layout.offset[i];
		h->xsave_comp_size[i] = r->layout.size[i];
	}
	_Static_assert(sizeof(struct trace_cpuid) == sizeof(struct x86_cpuid_leaf), "cpuid");
	h->cpuid = (struct trace_cpuid *)leaves;
	h->ncpuid = (uint32_t)nleaves;
	for (h->argc = 0; o->argv[h->argc]; h->argc++)
		;
	h->argv = o->argv;
	while (environ[envc])
		envc++;
	h->envp = environ;
	h->envc = envc;
	h->chaos = o->chaos;
	h->chaos_seed = o->chaos_seed;
}

static int open_trace(struct recorder *r, const struct record_options *o)
{
	struct x86_cpuid_leaf *leaves = NULL;
	struct trace_header h;
	struct rw_buf hb;
	int nleaves = x86_cpuid_collect(&leaves);
	int err;

	if (nleaves < 0)
		return nleaves;
	fill_header(r, o, &h, leaves, nleaves);
	rw_buf_init(&hb);
	trace_header_encode(&h, &hb);
	err = trace_writer_create(o->trace_path, true, hb.data, hb.len, &r->writer);
	rw_buf_free(&hb);
	free(h.exe);
	free(leaves);
	return err;
}

/*
 * The recorder's seccomp filter: every syscall stops the task
 * (SECCOMP_RET_TRACE, a PTRACE_EVENT_SECCOMP stop) before it runs. A task
 * resumed with PTRACE_CONT then costs one stop per syscall where
 * PTRACE_SYSCALL costs two, and the tracer may answer the syscall itself
 * from that stop (record_emulate.c).
 */
static bool install_filter(void)
{
	struct sock_filter insn[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE)};
	struct sock_fprog prog = {.len = 1, .filter = insn};

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
		return true;
	/* Without CAP_SYS_ADMIN a filter needs no_new_privs, as under rr. */
	return errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0;
}

/* Whether pid runs under a seccomp filter (the status file says "Seccomp: 2"). */
static bool under_filter(pid_t pid)
{
	return procstatus_mask(pid, "Seccomp:") == 2;
}

static void child_exec(const struct record_options *o, int cpu, bool filter)
    __attribute__((noreturn));
static void child_exec(const struct record_options *o, int cpu, bool filter)
{
	/*
	 * The recorder ignores these for itself; an ignored signal stays ignored
	 * across exec, and replay starts the program with the defaults.
	 */
	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	recorder_stop_child();
	/* A process group of its own: what it signals to its group stays in the recording. */
	setpgid(0, 0);
	rw_cpu_pin(cpu);
	/* The same layout in every run: replay maps everything at the recorded addresses. */
	personality(ADDR_NO_RANDOMIZE);
	/* rdtsc/rdtscp fault, so their values can be logged; the flag survives exec. */
	prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
	/* Stopped until the recorder has seized it (and its SIGCONT ends the stop). */
	raise(SIGSTOP);
	/* After the stop: the tracer has set PTRACE_O_TRACESECCOMP by now. */
	if (filter && !install_filter())
		rw_warn("no seccomp filter (%s): every syscall costs two stops", strerror(errno));
	execvp(o->argv[0], o->argv);
	rw_error("cannot run %s: %s", o->argv[0], strerror(errno));
	_exit(127);
}

static void recorder_free(struct recorder *r)
{
	trace_event_builder_free(&r->eb);
	trace_regs_history_free(&r->history);
	rw_buf_free(&r->enc);
	rw_buf_free(&r->scratch);
	free(r->files);
	trace_files_free(r->stored, r->nstored);
	free(r->checked_shared);
	free(r->ptrace_dead);
	for (size_t i = 0; i < r->nattach_procs; i++)
		free(r->attach_procs[i].vdso_was);
	free(r->attach_procs);
	recorder_tasks_free(r);
	recorder_exec_point_fini(r);
}

/*
 * The child stopped itself; it is seized (PTRACE_SEIZE, so that its group
 * stops can be left in place and their end seen: PTRACE_LISTEN) and
 * continued. Every task traced from it by the clone options is seized too.
 */
static int seize_stopped_child(struct recorder *r, pid_t pid, const char *prog)
{
	int st;

	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st)) {
		rw_error("cannot start %s: pid %d did not stop", prog, pid);
		return -ECHILD;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0,
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL |
		       PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		       (r->use_seccomp ? PTRACE_O_TRACESECCOMP : 0)) < 0) {
		int err = -errno;

		rw_error("cannot trace %s (pid %d): ptrace: %s", prog, pid, strerror(-err));
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return err;
	}
	/* Seized while stopped, it reports that group stop; SIGCONT ends it. */
	st = tracee_wait(&r->cur->t);
	if (st < 0 || !WIFSTOPPED(st) || kill(pid, SIGCONT) < 0) {
		rw_error("cannot start %s under ptrace", prog);
		return -ECHILD;
	}
	return 0;
}

static int start_tracee(struct recorder *r, const struct record_options *o)
{
	pid_t pid;
	int st, err;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_exec(o, r->cpu, r->use_seccomp);
	r->cur = recorder_task_add(r, pid, pid);
	memcpy(r->cur->cpus, r->cpus, sizeof(r->cpus));
	r->first_pid = pid;
	if ((err = seize_stopped_child(r, pid, o->argv[0])) < 0)
		return err;
	setpgid(pid, pid); /* as the child did: whichever comes first */
	recorder_terminal_give(r, pid);
	/*
	 * Run to the exec event; the program's own first stop is its execve
	 * exit. rewind's own syscalls before it (execvp's tries), the end of
	 * its first stop and the SIGCONT that ended it go on.
	 */
	do
		st = tracee_resume(&r->cur->t, PTRACE_CONT, 0);
	while (st >= 0 && WIFSTOPPED(st) &&
	       ((st >> 16) == PTRACE_EVENT_SECCOMP || (st >> 16) == PTRACE_EVENT_STOP ||
		(!(st >> 16) && WSTOPSIG(st) == SIGCONT)));
	if (st < 0)
		return st;
	if (r->cur->t.stop == TRACEE_STOP_EXITED)
		return -ENOEXEC; /* the child said why */
	if ((st >> 16) != PTRACE_EVENT_EXEC) {
		rw_error("%s: unexpected stop 0x%x before exec", o->argv[0], st);
		return -EPROTO;
	}
	r->cur->t.stop = TRACEE_STOP_SYSCALL_ENTRY;
	r->cur->exec_pending = true;
	st = tracee_resume(&r->cur->t, PTRACE_SYSCALL, 0);
	if (st < 0)
		return st;
	if (r->cur->t.stop != TRACEE_STOP_SYSCALL_EXIT)
		return -EPROTO;
	if (r->use_seccomp && !under_filter(pid)) {
		r->use_seccomp = false;
		r->cur->syscall_stops = true;
	}
	r->cur->exec_pending = false;
	r->cur->state = TASK_READY;
	return recorder_record_exec(r);
}

/* The trace's last records and its footer, after the last task is gone. */
static int finish_trace(struct recorder *r, int err)
{
	if (err && r->attached)
		recorder_detach_all(r); /* an attached program is not ended for rewind's failure */
	else if (err)
		recorder_kill_all(r);
	recorder_terminal_take_back(r);
	if (recorder_write_file_table(r) < 0 && !err)
		err = -EIO;
	if (trace_writer_finish(r->writer) < 0 && !err)
		err = -EIO;
	if (!err && r->stop.signo)
		rw_error("recording stopped by SIG%s: %llu events in %s",
			 sigabbrev_np(r->stop.signo), (unsigned long long)r->seq, r->trace_path);
	return err;
}

int record_run(const struct record_options *o, int *exit_code)
{
	struct recorder r;
	int status = 0, err;

	memset(&r, 0, sizeof(r));
	trace_event_builder_init(&r.eb);
	rw_buf_init(&r.enc);
	rw_buf_init(&r.scratch);
	r.trace_path = o->trace_path;
	r.cpu = rw_cpu_pick(-1);
	if (sched_getaffinity(0, sizeof(r.cpus), (cpu_set_t *)r.cpus) < 0)
		r.cpus[r.cpu / 64] |= 1ull << (r.cpu % 64);
	/*
	 * A filter above rewind's (a container's, say) could answer a syscall
	 * with an errno before rewind's filter stops it: then PTRACE_SYSCALL
	 * stops, which come before any filter, see every syscall.
	 */
	r.use_seccomp = !getenv("REWIND_NO_SECCOMP") && !under_filter(getpid());
	r.run_to = !getenv("REWIND_RUN_TO") || strcmp(getenv("REWIND_RUN_TO"), "0");
	r.chaos = o->chaos;
	r.chaos_state = (o->chaos_seed ^ 0x9e3779b97f4a7c15ull) | 1;
	rw_cpu_pin(r.cpu);
	x86_xsave_layout_probe(&r.layout);
	r.xsave_len = r.layout.total_size ? r.layout.total_size : 4096;
	stdio_identity(&r.out_id[1], 1);
	stdio_identity(&r.out_id[2], 2);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	err = recorder_exec_point_init(&r);
	if (!err)
		err = recorder_stop_init(&r);
	if (!err)
		err = open_trace(&r, o);
	if (err) {
		recorder_stop_fini(&r);
		recorder_free(&r);
		return err;
	}
	err = o->npids ? recorder_attach(&r, o->pids, o->npids) : start_tracee(&r, o);
	if (err < 0 && o->npids) {
		*exit_code = 1;
		trace_writer_discard(r.writer);
		recorder_stop_fini(&r);
		recorder_free(&r);
		return -ENOEXEC;
	}
	if (err == -ENOEXEC) {
		*exit_code = 127;
		recorder_terminal_take_back(&r);
		trace_writer_discard(r.writer);
		recorder_stop_fini(&r);
		recorder_free(&r);
		return err;
	}
	if (!err)
		err = recorder_schedule(&r);
	status = r.first_status;
	err = finish_trace(&r, err);
	recorder_stop_fini(&r);
	recorder_free(&r);
	if (err)
		return err;
	if (r.stop.signo)
		*exit_code = 128 + r.stop.signo;
	else if (WIFEXITED(status))
		*exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*exit_code = 128 + WTERMSIG(status);
	return 0;
}
