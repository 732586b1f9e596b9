/*
 * The in-process syscall buffer, the recorder's side (the library is
 * src/preload/, what both agree on arch/x86_64/sysbuf.h). A thread of a
 * program that has librewind_preload.so registers a buffer with
 * REWIND_SYSCALL_SYSBUF; its buffered syscalls run without a stop and
 * leave a record each. At every stop of the thread, before anything else
 * of that stop is recorded, the records committed since the last stop are
 * written into the trace as the entry and exit events the same syscalls
 * would have made traced (registers as they were at the syscall, the bytes
 * the kernel wrote). Replay needs nothing of its own: there the library's
 * syscalls stop like any other and are answered from those events.
 *
 * The buffer's contents are the same in replay as while recording: the
 * library writes it alike in both, and what the recorder writes into it
 * (a reset, the descriptor kinds it forgets at a close) it writes at a
 * syscall exit and records there as memory the kernel wrote.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/sysbuf.h"
#include "arch/x86_64/syscall_table.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"

#define LIBRARY_NAME "librewind_preload.so"
/* The window from the syscall's return to the commit is a few instructions (and a copy). */
#define WINDOW_MAX_STEPS 40

static bool in_window(const struct recorder_task *t, uint64_t rip)
{
	return rip == REWIND_UNTRACED_SYSCALL + X86_SYSCALL_INSN_LEN ||
	       (rip >= t->sysbuf.window_lo && rip < t->sysbuf.window_hi);
}

/*
 * A signal that came while t was stepped past its commit (other than
 * rewind's own SIGSTOP): taken off the step and sent again once it is past, with its siginfo where
 * the kernel allows (rt_tgsigqueueinfo takes no kernel or SI_USER codes from another process).
 */
static void send_again(struct recorder_task *t, const siginfo_t *si)
{
	siginfo_t copy = *si;

	if (copy.si_code >= 0 ||
	    syscall(SYS_rt_tgsigqueueinfo, t->tgid, t->t.tid, copy.si_signo, &copy) < 0)
		recorder_send_again(t, si->si_signo);
}

/*
 * At the commit's `rep movsb` (a single step per byte): the copy done at
 * once, and t past it. 1 if so, 0 if t is at another instruction.
 */
static int copy_at_once(struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	uint64_t n = regs[X86_RCX];
	uint8_t insn[2], *bytes;
	int err = 0;

	if (tracee_read_mem(&t->t, regs[X86_RIP], insn, sizeof(insn)) < 0 || insn[0] != 0xf3 ||
	    insn[1] != 0xa4)
		return 0;
	if (n > SYSBUF_OUT_MAX)
		return -EPROTO;
	if (n) {
		bytes = xmalloc(n);
		err = tracee_read_mem(&t->t, regs[X86_RSI], bytes, n);
		if (!err)
			err = tracee_write_mem(&t->t, regs[X86_RDI], bytes, n);
		free(bytes);
		if (err < 0)
			return err;
	}
	regs[X86_RSI] += n;
	regs[X86_RDI] += n;
	regs[X86_RCX] = 0;
	regs[X86_RIP] += sizeof(insn);
	return (err = tracee_set_regs(&t->t, regs)) < 0 ? err : 1;
}

/*
 * t, stopped by rewind's own SIGSTOP (a preemption, a held signal's
 * kick), ran a buffered syscall whose record is not committed yet: steps
 * it past the commit, so the syscall's events come before whatever this
 * stop records (an execution point replay runs to lies after it).
 * RECORDER_TASK_ENDED when it died meanwhile.
 */
static int step_out(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	siginfo_t held[4];
	int nheld = 0, err = 0, steps;

	for (steps = 0; steps < WINDOW_MAX_STEPS; steps++) {
		int st;

		if ((err = tracee_get_regs(&t->t, regs)) < 0)
			break;
		/* A call the stop interrupted runs again when t goes on: it has not returned. */
		if (!in_window(t, regs[X86_RIP]) || recorder_restarts_syscall(regs))
			break;
		if ((err = copy_at_once(t, regs)) != 0) {
			if (err < 0)
				break;
			rw_debug("pid %d: the commit's copy done at once", t->t.tid);
			err = 0;
			continue;
		}
		st = tracee_resume(&t->t, PTRACE_SINGLESTEP, 0);
		if (st < 0) {
			err = st;
			break;
		}
		if (t->t.stop == TRACEE_STOP_EXITED)
			return RECORDER_TASK_ENDED;
		/*
		 * rewind's SIGSTOP (a tick or a kick that came while stepping):
		 * this stop's handling takes care of both, as for two that merged.
		 */
		if (!WIFSTOPPED(st) || WSTOPSIG(st) == SIGTRAP ||
		    (WSTOPSIG(st) == SIGSTOP && (t->kick_preempt || t->kick_sent)))
			continue;
		/* The descheduling event's, from the call just made: never the program's. */
		if (recorder_desched_is_signal(t, WSTOPSIG(st))) {
			if ((err = recorder_desched_drop(t)) < 0)
				break;
			continue;
		}
		if (nheld < 4 && ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &held[nheld]) == 0 &&
		    !recorder_stale_sigstop(t, &held[nheld]))
			nheld++;
	}
	for (int i = 0; i < nheld; i++)
		send_again(t, &held[i]);
	if (steps)
		rw_debug("pid %d: stepped %d instructions to a buffered syscall's commit", t->t.tid,
			 steps);
	if (!err && in_window(t, regs[X86_RIP]) && !recorder_restarts_syscall(regs)) {
		rw_error("pid %d: still inside the syscall buffer's commit at 0x%llx", t->t.tid,
			 (unsigned long long)regs[X86_RIP]);
		return -EPROTO;
	}
	return err;
}

/* The registers of the syscall instruction of rec, at address rec_addr. */
static void record_regs(const struct sysbuf_record *rec, uint64_t rec_addr,
			const uint64_t base[X86_NREGS], uint64_t regs[X86_NREGS])
{
	memcpy(regs, base, X86_NREGS * sizeof(regs[0]));
	regs[X86_RAX] = (uint64_t)-ENOSYS;
	regs[X86_ORIG_RAX] = (uint64_t)rec->nr;
	regs[X86_RDI] = rec->args[0];
	regs[X86_RSI] = rec->args[1];
	regs[X86_RDX] = rec->args[2];
	regs[X86_R10] = rec->args[3];
	regs[X86_R8] = rec->args[4];
	regs[X86_R9] = rec->args[5];
	regs[X86_RBX] = rec_addr;
	regs[X86_RBP] = rec->rbp;
	regs[X86_R12] = rec->r12;
	regs[X86_R13] = rec->r13;
	regs[X86_R14] = rec->r14;
	regs[X86_R15] = rec->r15;
	regs[X86_RSP] = rec->rsp;
	/* The syscall instruction put the return address in rcx and the flags in r11. */
	regs[X86_RIP] = REWIND_UNTRACED_SYSCALL + X86_SYSCALL_INSN_LEN;
	regs[X86_RCX] = regs[X86_RIP];
	/*
	 * The library saved the flags with pushf: a single step of rewind's
	 * (to a site, around a spin) shows its trap flag there. The program's
	 * own trap flag is the one in its registers now (ptrace hides rewind's).
	 */
	regs[X86_EFLAGS] = (rec->rflags & ~X86_EFLAGS_TF) | (base[X86_EFLAGS] & X86_EFLAGS_TF);
	regs[X86_R11] = regs[X86_EFLAGS];
}

/*
 * The exit event of a record, with what the recorder does at a traced
 * exit of the same call beyond its memory: a write changes the shared
 * mappings of its file in other processes (the library sends writes to a
 * file its own process maps shared the traced way: the pages of this
 * process's mappings changed since the call by its own stores, not by it),
 * what other processes' writes changed in this one's shared mappings
 * comes with it (the thread may read them next), and after a close the
 * recorder's copies of descriptors are dropped.
 */
static int emit_exit(struct recorder *r, struct recorder_task *t, const struct sysbuf_record *rec)
{
	int err;

	if (x86_syscall_may_change_files(x86_syscall_lookup(rec->nr)) &&
	    recorder_sysbuf_writes_watched(r, t) && recorder_shared_any_other(r, t))
		recorder_shared_diff_others(r, t);
	recorder_shared_marked(r, t);
	if ((err = recorder_buffered_mapping(r, t, rec->nr, (const uint64_t *)rec->args,
					     rec->ret)) < 0 ||
	    (err = recorder_emit_syscall(r, t)) < 0)
		return err;
	if (x86_syscall_fds_change(rec->nr, (const uint64_t *)rec->args))
		recorder_forget_fds(r);
	return 0;
}

/*
 * The path strings of a record's entry event, as a traced entry has them:
 * copied after its output (or, the thread stopped before it copied them,
 * read where they are).
 */
static void add_paths(struct recorder *r, struct recorder_task *t, const struct sysbuf_record *rec)
{
	const char *slot = (const char *)(rec + 1);
	char s[SYSBUF_PATH_ROOM];

	for (int i = 0; i < 6; i++) {
		if (!(rec->path_args & (1u << i)))
			continue;
		if (rec->copied && memchr(slot, '\0', SYSBUF_PATH_ROOM))
			trace_event_add_string(&r->eb, i, slot);
		else if (!rec->copied && rec->args[i] &&
			 tracee_read_string(&t->t, rec->args[i], s, sizeof(s)) >= 0)
			trace_event_add_string(&r->eb, i, s);
		slot += SYSBUF_PATH_ROOM;
	}
}

/* The entry and exit events of one record. */
static int emit_record(struct recorder *r, struct recorder_task *t, const struct sysbuf_record *rec,
		       uint64_t rec_addr, const uint64_t base[X86_NREGS])
{
	uint64_t regs[X86_NREGS], n = sysbuf_out_len(rec->nr, rec->ret, rec->out_max);
	const uint8_t *out;
	int err;

	record_regs(rec, rec_addr, base, regs);
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SYSCALL_ENTRY, regs);
	trace_event_add_sysno(&r->eb, rec->nr);
	add_paths(r, t, rec);
	if ((err = recorder_emit_syscall(r, t)) < 0)
		return err;
	regs[X86_RAX] = (uint64_t)rec->ret;
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_SYSCALL_EXIT, regs);
	trace_event_add_sysno(&r->eb, rec->nr);
	/* The commit copied the output after the path slots (emit_records checked the room). */
	out = (const uint8_t *)(rec + 1) + sysbuf_paths_room(rec->path_args);
	if (n)
		trace_event_add_mem(&r->eb, rec->out_addr, out, n);
	return emit_exit(r, t, rec);
}

/* The records of [from, to) (offsets after the header), read in one piece, into the trace. */
static int emit_records(struct recorder *r, struct recorder_task *t, uint64_t from, uint64_t to)
{
	uint64_t base[X86_NREGS], start = t->sysbuf.addr + sizeof(struct sysbuf_header) + from;
	size_t len = (size_t)(to - from), off = 0;
	uint8_t *data = xmalloc(len); /* at most a buffer's size (flush checks) */
	int err;

	if ((err = tracee_read_mem(&t->t, start, data, len)) < 0 ||
	    (err = tracee_get_regs(&t->t, base)) < 0)
		goto out;
	while (off < len) {
		struct sysbuf_record rec;

		memcpy(&rec, data + off, sizeof(rec));
		if (rec.size >= sizeof(rec) && recorder_desched_skip(t, start + off)) {
			off += rec.size; /* recorded as a traced syscall (record_desched.c) */
			continue;
		}
		if (rec.size < sizeof(rec) || rec.size > len - off || (rec.size & 7) ||
		    rec.out_max > SYSBUF_OUT_MAX || (rec.path_args & ~0x3full) ||
		    sysbuf_paths_room(rec.path_args) +
			    sysbuf_out_len(rec.nr, rec.ret, rec.out_max) >
			rec.size - sizeof(rec)) {
			rw_error("pid %d: malformed syscall buffer record at 0x%llx", t->t.tid,
				 (unsigned long long)(start + off));
			err = -EPROTO;
			goto out;
		}
		if ((err = emit_record(r, t, (const struct sysbuf_record *)(data + off),
				       start + off, base)) < 0)
			goto out;
		off += rec.size;
		r->sysbuf_records++;
	}
out:
	free(data);
	return err;
}

/* Writes the records t committed since its last stop into the trace. */
static int flush(struct recorder *r, struct recorder_task *t, bool read_at_entry)
{
	struct sysbuf_header h;
	int err;

	if (read_at_entry && t->t.stop == TRACEE_STOP_SYSCALL_EXIT && !t->sysbuf.vfork_parent)
		return 0;
	if ((err = tracee_read_mem(&t->t, t->sysbuf.addr, &h, sizeof(h))) < 0) {
		rw_error("pid %d: cannot read its syscall buffer at 0x%llx", t->t.tid,
			 (unsigned long long)t->sysbuf.addr);
		return err;
	}
	if (t->sysbuf.vfork_parent && t->t.stop == TRACEE_STOP_SYSCALL_EXIT) {
		/* Back from a vfork: what the child appended is in the trace as its own. */
		t->sysbuf.vfork_parent = false;
		t->sysbuf.consumed = h.pos;
		return 0;
	}
	t->sysbuf.read_at_entry = t->t.stop == TRACEE_STOP_SYSCALL_ENTRY;
	if (h.pos == t->sysbuf.consumed)
		return 0;
	if (h.pos < t->sysbuf.consumed || h.pos > t->sysbuf.size - sizeof(h)) {
		rw_error("pid %d: syscall buffer at 0x%llx: position %llu, %llu already recorded",
			 t->t.tid, (unsigned long long)t->sysbuf.addr, (unsigned long long)h.pos,
			 (unsigned long long)t->sysbuf.consumed);
		return -EPROTO;
	}
	if ((err = emit_records(r, t, t->sysbuf.consumed, h.pos)) < 0)
		return err;
	t->sysbuf.consumed = h.pos;
	t->at_boundary = false; /* user code ran since the last exit */
	return 0;
}

/* A syscall-stop of the untraced instruction: under PTRACE_SYSCALL stops, seen anyway. */
static bool untraced_stop(struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];

	if (t->t.stop != TRACEE_STOP_SYSCALL_ENTRY && t->t.stop != TRACEE_STOP_SYSCALL_EXIT)
		return false;
	if (!t->syscall_stops || t->t.seccomp_entry || tracee_get_regs(&t->t, regs) < 0)
		return false;
	return regs[X86_RIP] == REWIND_UNTRACED_SYSCALL + X86_SYSCALL_INSN_LEN;
}

int recorder_sysbuf_stop(struct recorder *r, struct recorder_task *t, int st)
{
	bool read_at_entry = t->sysbuf.read_at_entry;
	int err;

	t->sysbuf.read_at_entry = false; /* this stop is the next after that entry's */
	/* A buffer given up: its descheduling event's signal is still rewind's. */
	if (!t->sysbuf.addr)
		return t->desched.on ? recorder_desched_signal(r, t, st) : 0;
	if ((err = recorder_desched_stop(r, t, st)) < 0 || err == 1)
		return err;
	if (err == 0 && untraced_stop(t))
		return 1;
	if (!(st >> 16) && t->t.stop == TRACEE_STOP_OTHER && WIFSTOPPED(st) &&
	    WSTOPSIG(st) == SIGSTOP && (t->kick_preempt || t->kick_sent) &&
	    (err = step_out(r, t)) != 0)
		return err;
	if ((err = flush(r, t, read_at_entry)) != 0)
		return err;
	return recorder_desched_signal(r, t, st);
}

void recorder_sysbuf_clone(struct recorder_task *parent, struct recorder_task *child,
			   uint64_t flags)
{
	/* A thread has its own (none until it registers one); a process's copy is as it was. */
	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) {
		memset(&child->sysbuf, 0, sizeof(child->sysbuf));
		return;
	}
	child->sysbuf = parent->sysbuf;
	child->sysbuf.vfork_parent = false;
	/* A vfork child appends to its parent's very buffer, which the parent finds at its exit. */
	if ((flags & CLONE_VM) && parent->sysbuf.addr)
		parent->sysbuf.vfork_parent = true;
}

void recorder_sysbuf_forget(struct recorder_task *t)
{
	memset(&t->sysbuf, 0, sizeof(t->sysbuf));
	recorder_desched_release(t);
}

/*
 * Writes len bytes at addr into t and into its exit event (being built),
 * so replay writes them at the same point.
 */
static int write_recorded(struct recorder *r, struct recorder_task *t, uint64_t addr, const void *p,
			  size_t len)
{
	int err = tracee_write_mem(&t->t, addr, p, len);

	if (!err)
		trace_event_add_mem(&r->eb, addr, p, len);
	return err;
}

/*
 * Whether a filesystem that a process may serve (FUSE) or that waits for
 * the network is mounted where t is: then calls on paths stay traced, as
 * a buffered one could wait for a process that cannot run meanwhile.
 */
static bool served_fs_listed(FILE *f)
{
	/* clang-format off */
	static const char *const served[] = {
		"fuse", "nfs", "cifs", "smb", "9p", "ceph", "afs", "gluster", "lustre", "ncp", "coda",
	};
	/* clang-format on */
	char line[4096];
	bool found = false;

	while (!found && fgets(line, sizeof(line), f)) {
		/* "... - fstype source options": the type follows the separator. */
		const char *sep = strstr(line, " - ");

		for (size_t i = 0; sep && i < sizeof(served) / sizeof(served[0]); i++)
			if (!strncmp(sep + 3, served[i], strlen(served[i])))
				found = true;
	}
	return found;
}

/*
 * served_fs_listed for t's mount namespace: read again only when t is in
 * another one than last time, or the kernel reports (POLLPRI on an open
 * mountinfo) that its mounts changed since. Every thread registers a
 * buffer, and a container's mount table has hundreds of lines.
 */
static bool served_fs_mounted(struct recorder *r, const struct recorder_task *t)
{
	char path[64];
	struct stat st;
	struct pollfd p = {.fd = r->mounts.poll_fd - 1, .events = POLLPRI};
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", t->t.tid);
	if (stat(path, &st) < 0)
		st.st_ino = 0;
	if (st.st_ino && r->mounts.poll_fd && st.st_ino == r->mounts.mnt_ino && poll(&p, 1, 0) == 0)
		return r->mounts.served;
	if (r->mounts.poll_fd)
		close(r->mounts.poll_fd - 1);
	r->mounts.poll_fd = 0;
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", t->t.tid);
	/* Opened before the read: a change during it is reported next time. */
	if (st.st_ino && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		r->mounts.poll_fd = fd + 1;
		r->mounts.mnt_ino = st.st_ino;
	}
	if (!(f = fopen(path, "re"))) {
		r->mounts.served = true;
		return true;
	}
	r->mounts.served = served_fs_listed(f);
	fclose(f);
	return r->mounts.served;
}

/* What the recorder tells the library in t's header: the path flag, rewind's output files. */
static int fill_header(struct recorder *r, struct recorder_task *t, uint64_t addr)
{
	struct sysbuf_header h;

	if (tracee_read_mem(&t->t, addr, &h, sizeof(h)) < 0)
		return -EFAULT;
	h.flags = served_fs_mounted(r, t) ? 0 : SYSBUF_PATHS_LOCAL;
	for (int i = 0; i < 2; i++) {
		const struct stdio_identity *id = &r->out_id[i + 1];

		h.out_dev_major[i] = id->valid ? major(id->dev) : 0;
		h.out_dev_minor[i] = id->valid ? minor(id->dev) : 0;
		h.out_ino[i] = id->valid ? id->ino : 0;
	}
	return write_recorded(r, t, addr + offsetof(struct sysbuf_header, flags), &h.flags,
			      sizeof(h) - offsetof(struct sysbuf_header, flags));
}

/* REWIND_SYSCALL_SYSBUF SYSBUF_OP_REGISTER: takes the buffer at addr for t. */
static int64_t register_buffer(struct recorder *r, struct recorder_task *t, uint64_t addr)
{
	struct sysbuf_header h;

	if (!r->sysbuf || t->syscall_stops || t->ptrace.tracer || t->sysbuf.addr)
		return -ENOSYS;
	if (tracee_read_mem(&t->t, addr, &h, sizeof(h)) < 0)
		return -EFAULT;
	if (h.magic != SYSBUF_MAGIC || h.version != SYSBUF_VERSION || h.size != SYSBUF_SIZE ||
	    h.pos || h.window_lo >= h.window_hi || h.window_hi - h.window_lo > 256 ||
	    h.fd_kinds_len > SYSBUF_FDS || !h.process)
		return -EINVAL;
	if (fill_header(r, t, addr) < 0)
		return -EFAULT;
	t->sysbuf.addr = addr;
	t->sysbuf.size = h.size;
	t->sysbuf.consumed = 0;
	t->sysbuf.window_lo = h.window_lo;
	t->sysbuf.window_hi = h.window_hi;
	t->sysbuf.fd_kinds = h.fd_kinds;
	t->sysbuf.fd_kinds_len = h.fd_kinds_len;
	t->sysbuf.process = h.process;
	t->sysbuf.site_pool = h.site_pool;
	t->sysbuf.site_pool_len = h.site_pool_len;
	t->sysbuf.site_hook = h.site_hook;
	if (!r->sysbuf_said) {
		rw_debug("pid %d: syscall buffer at 0x%llx", t->t.tid, (unsigned long long)addr);
		r->sysbuf_said = true;
	}
	return recorder_sysbuf_mappings_changed(r, t);
}

int64_t recorder_sysbuf_answer(struct recorder *r, struct recorder_task *t, const uint64_t args[6])
{
	uint64_t zero = 0;

	switch (args[0]) {
	case SYSBUF_OP_REGISTER:
		return register_buffer(r, t, args[1]);
	case SYSBUF_OP_RESET:
		/* Its entry stop wrote every record into the trace. */
		if (!t->sysbuf.addr || t->sysbuf.vfork_parent)
			return -EINVAL;
		if (write_recorded(r, t, t->sysbuf.addr + SYSBUF_HDR_POS, &zero, sizeof(zero)) < 0)
			return -EFAULT;
		t->sysbuf.consumed = 0;
		return 0;
	case SYSBUF_OP_UNREGISTER:
		/* Its entry stop wrote every record into the trace; the process's part stays. */
		if (!t->sysbuf.addr || t->sysbuf.addr != args[1] || t->sysbuf.vfork_parent)
			return -EINVAL;
		t->sysbuf.addr = t->sysbuf.size = t->sysbuf.consumed = 0;
		t->sysbuf.window_lo = t->sysbuf.window_hi = 0;
		t->sysbuf.read_at_entry = false;
		return 0;
	case SYSBUF_OP_DESCHED:
		return recorder_desched_register(r, t, (int64_t)args[1]);
	case SYSBUF_OP_STREAM:
		return recorder_desched_stream(r, t, (int64_t)args[1]);
	default:
		return -EINVAL;
	}
}

const struct recorder_sysbuf *recorder_sysbuf_of_process(struct recorder *r,
							 const struct recorder_task *t)
{
	if (t->sysbuf.process)
		return &t->sysbuf;
	/* A thread that gave its buffer up keeps what it knew of its process. */
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->tgid == t->tgid && r->tasks[i]->sysbuf.process)
			return &r->tasks[i]->sysbuf;
	return NULL;
}

static uint64_t clone_flags(struct recorder_task *t, long nr, const uint64_t args[6]);

/* Whether the syscall made a vfork child (vfork, or a clone with CLONE_VM | CLONE_VFORK). */
static bool shares_with_vfork_child(struct recorder_task *t, long nr, const uint64_t args[6])
{
	return nr == SYS_vfork ||
	       (clone_flags(t, nr, args) & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK);
}

int recorder_sysbuf_fds_closed(struct recorder *r, struct recorder_task *t, long nr,
			       const uint64_t args[6])
{
	static const uint8_t zeros[SYSBUF_FDS];
	const struct recorder_sysbuf *b;
	uint64_t lo, hi;

	switch (nr) {
	case SYS_close:
		lo = hi = args[0];
		break;
	case SYS_dup2:
	case SYS_dup3:
		lo = hi = args[1];
		break;
	case SYS_close_range:
		lo = args[0];
		hi = args[1];
		break;
	default:
		if (!shares_with_vfork_child(t, nr, args))
			return 0;
		/*
		 * The child ran on this memory with its own descriptor table: what
		 * its library learned of a number may not be true of the parent's.
		 */
		lo = 0;
		hi = UINT_MAX;
		break;
	}
	if (!(b = recorder_sysbuf_of_process(r, t)) || (unsigned)lo >= b->fd_kinds_len ||
	    lo != (unsigned)lo)
		return 0;
	if (hi >= b->fd_kinds_len)
		hi = b->fd_kinds_len - 1;
	if (lo > hi)
		return 0;
	return write_recorded(r, t, b->fd_kinds + lo, zeros, (size_t)(hi - lo + 1));
}

/* The files mm maps shared, those want does not have yet added to it (n past the end: more). */
static void add_shared_files(struct sysbuf_shared_files *want, const struct recorder_mm *mm)
{
	for (size_t i = 0; mm && i < mm->nshared; i++) {
		const struct shared_map *m = &mm->shared[i];
		uint64_t k;

		for (k = 0; k < want->n && k < SYSBUF_SHARED_FILES; k++)
			if (want->file[k].ino == m->ino && want->file[k].dev_major == major(m->dev) &&
			    want->file[k].dev_minor == minor(m->dev))
				break;
		if (k < want->n)
			continue;
		if (want->n < SYSBUF_SHARED_FILES) {
			want->file[want->n].dev_major = major(m->dev);
			want->file[want->n].dev_minor = minor(m->dev);
			want->file[want->n].ino = m->ino;
		}
		want->n++;
	}
}

/*
 * Keeps the library's table of the files the recorded processes map
 * shared (all of them, not only t's process's: a buffered write to none of
 * them needs no comparing of other processes' mappings) right after a
 * syscall of t that may have mapped or unmapped one (and at registration):
 * the library sends writes to those files the traced way, around which
 * the recorder compares shared mappings.
 */
int recorder_sysbuf_mappings_changed(struct recorder *r, struct recorder_task *t)
{
	const struct recorder_sysbuf *b = recorder_sysbuf_of_process(r, t);
	struct sysbuf_shared_files want = {0}, now;
	uint64_t addr;
	int err;

	if (!b || !b->process)
		return 0;
	for (size_t i = 0; i < r->ntasks; i++)
		add_shared_files(&want, r->tasks[i]->mm);
	addr = b->process + offsetof(struct sysbuf_process, shared);
	if (tracee_read_mem(&t->t, addr, &now, sizeof(now)) < 0) {
		rw_error("pid %d: cannot read the syscall buffer's shared files at 0x%llx",
			 t->t.tid, (unsigned long long)addr);
		return -EFAULT;
	}
	err = memcmp(&now, &want, sizeof(now)) ? write_recorded(r, t, addr, &want, sizeof(want))
						: 0;
	if (!err && t->mm)
		t->mm->table_gen = r->watched_gen + 1;
	return err;
}

bool recorder_sysbuf_writes_watched(struct recorder *r, const struct recorder_task *t)
{
	return !t->mm || t->mm->table_gen != r->watched_gen + 1;
}

/* The clone flags of clone or clone3 (read from its arguments), or 0. */
static uint64_t clone_flags(struct recorder_task *t, long nr, const uint64_t args[6])
{
	uint64_t flags = 0;

	if (nr == SYS_clone)
		return args[0];
	if (nr == SYS_clone3 && tracee_read_mem(&t->t, args[0], &flags, sizeof(flags)) == 0)
		return flags;
	return 0;
}

/*
 * A thread that shares its creator's TLS (clone with CLONE_VM, without
 * CLONE_SETTLS or CLONE_VFORK) would use its creator's buffer, and its
 * calls would be taken for the creator's: the library of that process is
 * turned off, at the exit of the clone in the creator (before the thread
 * runs), recorded as memory the kernel wrote.
 */
int recorder_sysbuf_cloned(struct recorder *r, struct recorder_task *t, long nr,
			   const uint64_t args[6], int64_t ret)
{
	const struct recorder_sysbuf *b;
	uint64_t flags, off = 1;

	if (ret <= 0 || (nr != SYS_clone && nr != SYS_clone3) ||
	    !(b = recorder_sysbuf_of_process(r, t)) || !b->process)
		return 0;
	flags = clone_flags(t, nr, args);
	if ((flags & (CLONE_VM | CLONE_SETTLS | CLONE_VFORK)) != CLONE_VM)
		return 0;
	rw_debug("pid %d: a thread shares its TLS: syscall buffer off in its process", t->t.tid);
	return write_recorded(r, t, b->process + offsetof(struct sysbuf_process, off), &off,
			      sizeof(off));
}

/* The library beside rewind's executable, or NULL. */
static char *library_path(void)
{
	char exe[PATH_MAX], *slash, *path;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	slash[1] = '\0';
	path = xmalloc(strlen(exe) + sizeof(LIBRARY_NAME));
	strcpy(path, exe);
	strcat(path, LIBRARY_NAME);
	if (access(path, R_OK) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/*
 * The environment of the program: rewind's, with the library at the end of
 * LD_PRELOAD. Made before the fork, so that the child allocates nothing.
 */
static char **preload_environ(const char *library)
{
	extern char **environ;
	const char *was = getenv("LD_PRELOAD");
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11))
			env[k++] = environ[i];
	if (!was)
		was = "";
	env[k] = xmalloc(strlen("LD_PRELOAD=") + strlen(was) + 1 + strlen(library) + 1);
	sprintf(env[k], "LD_PRELOAD=%s%s%s", was, *was ? ":" : "", library);
	return env;
}

void recorder_sysbuf_init(struct recorder *r)
{
	const char *off = getenv("REWIND_NO_SYSCALL_BUFFER");

	recorder_sysbuf_free(r);
	r->sysbuf = false;
	if (off && *off && strcmp(off, "0")) {
		rw_debug("syscall buffer: off (REWIND_NO_SYSCALL_BUFFER)");
		return;
	}
	if (!r->use_seccomp) {
		rw_debug("syscall buffer: off (no seccomp filter: every syscall stops anyway)");
		return;
	}
	if (!(r->sysbuf_library = library_path())) {
		rw_debug("syscall buffer: off (no %s beside rewind)", LIBRARY_NAME);
		return;
	}
	r->sysbuf_env = preload_environ(r->sysbuf_library);
	r->sysbuf = true;
	rw_debug("syscall buffer: on (%s)", r->sysbuf_library);
}

char **recorder_sysbuf_environ(const struct recorder *r)
{
	extern char **environ;

	return r->sysbuf_env ? r->sysbuf_env : environ;
}

void recorder_sysbuf_free(struct recorder *r)
{
	if (r->sysbuf && r->traced_syscalls)
		rw_debug("syscall buffer: %llu syscalls buffered, %llu traced, %llu sites patched",
			 (unsigned long long)r->sysbuf_records,
			 (unsigned long long)r->traced_syscalls,
			 (unsigned long long)r->sites_patched);
	if (r->sysbuf_env) {
		size_t n = 0;

		while (r->sysbuf_env[n])
			n++;
		free(r->sysbuf_env[n - 1]); /* LD_PRELOAD, the last; the others are environ's */
		free(r->sysbuf_env);
	}
	free(r->sysbuf_library);
	if (r->mounts.poll_fd)
		close(r->mounts.poll_fd - 1);
	r->mounts.poll_fd = 0;
	r->sysbuf_env = NULL;
	r->sysbuf_library = NULL;
}
