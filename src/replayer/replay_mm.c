/*
 * The replayed address space: building it from an EV_EXEC event (every
 * mapping at its recorded address, files from the trace's stored copies,
 * recorded contents written over them), and the syscalls that change it
 * (mmap family, brk), which run for real so later user code sees the same
 * memory it saw while recording.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "common/log.h"
#include "common/procmaps.h"
#include "common/xalloc.h"
#include "replayer/replayer.h"

int replayer_inject(struct replayer *r, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4, uint64_t a5, int64_t *ret)
{
	struct tracee *t = &r->tasks.cur->t;
	uint64_t base[X86_NREGS];
	int err = tracee_get_regs(t, base);

	if (err)
		return err;
	return tracee_inject_step(t, REWIND_INJECT_PAGE, base, nr, a0, a1, a2, a3, a4, a5, ret);
}

int replayer_open_map_file(struct replayer *r, const struct trace_map *m, bool writable)
{
	char path[320];
	int64_t fd;
	int err;

	if ((err = blobstore_map_path(&r->in.blobs, m, path, sizeof(path))) < 0)
		return err;
	if (strlen(path) + 1 > 4096 - 256)
		return -ENAMETOOLONG;
	err = tracee_write_mem(&r->tasks.cur->t, REWIND_INJECT_SCRATCH, path, strlen(path) + 1);
	if (!err)
		err = replayer_inject(r, SYS_openat, (uint64_t)AT_FDCWD, REWIND_INJECT_SCRATCH,
				      (uint64_t)((writable ? O_RDWR : O_RDONLY) | O_CLOEXEC), 0, 0,
				      0, &fd);
	if (err)
		return err;
	if (fd < 0) {
		rw_error("event %llu: the replayed process cannot open the trace's copy %s: %s",
			 (unsigned long long)r->ev.seq, path, strerror((int)-fd));
		return (int)fd;
	}
	return (int)fd;
}

/*
 * A recorded write into a shared file mapping past the end of its file
 * here: the recording read that page, so its file was that long, made so
 * by an ftruncate or write that replay emulated. The file mapped there (a
 * working copy) grows to hold [addr, addr + len); returns 1 when it did.
 */
static int grow_mapped_file(struct replayer *r, uint64_t addr, uint64_t len)
{
	struct procmap *maps = NULL;
	int n = procmaps_read(r->tasks.cur->t.tid, &maps), grown = 0;

	for (int i = 0; i < n; i++) {
		const struct procmap *p = &maps[i];
		uint64_t end = addr + len < p->end ? addr + len : p->end;
		struct stat st;
		off_t want;

		if (addr < p->start || addr >= p->end || !p->shared || p->path[0] != '/')
			continue;
		want = (off_t)(p->offset + ((end - p->start + 4095) & ~4095ull));
		if (stat(p->path, &st) == 0 && st.st_size < want && truncate(p->path, want) == 0)
			grown = 1;
		break;
	}
	free(maps);
	return grown;
}

int replayer_write_mem(struct replayer *r)
{
	for (size_t i = 0; i < r->ev.nmem; i++) {
		const struct trace_mem *m = &r->ev.mem[i];
		int err = tracee_write_mem(&r->tasks.cur->t, m->addr, m->data, m->len);

		if (err == -EIO && grow_mapped_file(r, m->addr, m->len))
			err = tracee_write_mem(&r->tasks.cur->t, m->addr, m->data, m->len);

		if (err) {
			rw_error("event %llu: cannot write %llu recorded bytes at 0x%llx: %s",
				 (unsigned long long)r->ev.seq, (unsigned long long)m->len,
				 (unsigned long long)m->addr, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Unmaps [start, end): one syscall, whatever lies in between. */
static int unmap_range(struct replayer *r, uint64_t start, uint64_t end)
{
	int64_t ret;
	int err = replayer_inject(r, SYS_munmap, start, end - start, 0, 0, 0, 0, &ret);

	if (!err && ret < 0) {
		rw_error("pid %d: cannot unmap 0x%llx-0x%llx: %s", r->tasks.cur->t.tid,
			 (unsigned long long)start, (unsigned long long)end, strerror((int)-ret));
		err = (int)ret;
	}
	return err;
}

/*
 * Unmaps everything but rewind's page and the fixed vsyscall page: the
 * mappings on each side of rewind's page go in one munmap each.
 */
static int unmap_all(struct replayer *r)
{
	struct procmap *maps = NULL;
	int n = procmaps_read(r->tasks.cur->t.tid, &maps);
	uint64_t start = 0, end = 0;
	int err = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && !err; i++) {
		if (maps[i].start == REWIND_INJECT_PAGE || !strcmp(maps[i].path, "[vsyscall]")) {
			if (end)
				err = unmap_range(r, start, end);
			start = end = 0;
			continue;
		}
		if (!end)
			start = maps[i].start;
		end = maps[i].end;
	}
	if (!err && end)
		err = unmap_range(r, start, end);
	free(maps);
	return err;
}

static int map_one(struct replayer *r, const struct trace_map *m)
{
	uint64_t len = m->end - m->start;
	int flags = MAP_FIXED | (m->flags & MAP_SHARED ? MAP_SHARED : MAP_PRIVATE);
	int64_t ret, closed;
	int fd = -1, err;

	if (m->kind == MAPK_INJECT)
		return 0; /* already there, made by the replay child itself */
	if (m->kind == MAPK_FILE) {
		fd = replayer_open_map_file(r, m, (m->flags & MAP_SHARED) != 0);
		if (fd < 0)
			return fd;
	} else {
		flags = MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS;
		if (m->kind == MAPK_STACK)
			flags |= MAP_GROWSDOWN;
	}
	err = replayer_inject(r, SYS_mmap, m->start, len, m->prot, (uint64_t)flags, (uint64_t)fd,
			      m->kind == MAPK_FILE ? m->offset : 0, &ret);
	if (fd >= 0 && !err)
		err = replayer_inject(r, SYS_close, (uint64_t)fd, 0, 0, 0, 0, 0, &closed);
	if (err)
		return err;
	if ((uint64_t)ret != m->start) {
		rw_error("event %llu: cannot map %s at 0x%llx-0x%llx: %s",
			 (unsigned long long)r->ev.seq, m->path, (unsigned long long)m->start,
			 (unsigned long long)m->end,
			 ret < 0 ? strerror((int)-ret) : "mapped elsewhere");
		return ret < 0 ? (int)ret : -EFAULT;
	}
	return 0;
}

/*
 * shmat: the segment's working copy (one per segment, so every attachment
 * in every process shares it) mapped shared at the recorded address.
 */
int replayer_shmat(struct replayer *r)
{
	const struct trace_map *m = r->ev.nmaps == 1 ? &r->ev.maps[0] : NULL;

	if (!m || m->kind != MAPK_FILE || !(m->flags & MAP_SHARED)) {
		rw_error("%s: event %llu: shmat without its segment's mapping", r->in.path,
			 (unsigned long long)r->ev.seq);
		return -EBADMSG;
	}
	return map_one(r, m);
}

/*
 * shmdt: unmaps the segment's mappings that start at addr (one, or several
 * that mprotect split), as the kernel's do_shmdt does.
 */
int replayer_shmdt(struct replayer *r, uint64_t addr)
{
	struct procmap *maps = NULL;
	int n = procmaps_read(r->tasks.cur->t.tid, &maps), err = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		uint64_t end = maps[i].end;

		if (maps[i].start != addr)
			continue;
		while (i + 1 < n && maps[i + 1].start == end &&
		       maps[i + 1].inode == maps[i].inode && maps[i + 1].shared &&
		       maps[i + 1].offset == end - addr)
			end = maps[++i].end;
		err = unmap_range(r, addr, end);
		break;
	}
	free(maps);
	return err;
}

/* Sets the XSAVE area: the live one with the recorded blocks written over it. */
static int apply_xsave(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	int n;

	if (!r->ev.nxblocks)
		return 0;
	n = tracee_get_xsave(t, r->xsave, r->xsave_len);
	if (n < 0)
		return n;
	for (size_t i = 0; i < r->ev.nxblocks; i++) {
		const struct trace_xblock *x = &r->ev.xblocks[i];
		uint32_t off, len;

		if (x86_xsave_block_range(&r->layout, x->block, &off, &len) < 0 || len != x->len ||
		    off + len > (uint32_t)n) {
			rw_error("event %llu: XSAVE %s block does not fit this machine's layout",
				 (unsigned long long)r->ev.seq, x86_xsave_component_name(x->block));
			return -EINVAL;
		}
		memcpy(r->xsave + off, x->data, len);
	}
	return tracee_set_xsave(t, r->xsave, (size_t)n);
}

/*
 * What execve does to signals (flush_signal_handlers): handlers go back to
 * SIG_DFL, ignored signals stay ignored, the alternate stack is gone. The
 * replay of an exec is not an execve, and a process made by a fork in the
 * replay has its parent's handlers.
 */
static int reset_signal_handlers(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	static const uint8_t zeros[32]; /* struct kernel_sigaction: SIG_DFL, no flags, no mask */
	static const uint64_t no_stack[3] = {0, 2 /* SS_DISABLE */, 0};
	uint64_t caught = procstatus_mask(t->tid, "SigCgt:");
	int64_t ret;
	int err = tracee_write_mem(t, REWIND_INJECT_SCRATCH, zeros, sizeof(zeros));

	if (!err)
		err = tracee_write_mem(t, REWIND_INJECT_SCRATCH + 64, no_stack, sizeof(no_stack));
	for (int sig = 1; sig <= 64 && !err; sig++)
		if (caught >> (sig - 1) & 1)
			err = replayer_inject(r, SYS_rt_sigaction, (uint64_t)sig,
					      REWIND_INJECT_SCRATCH, 0, 8, 0, 0, &ret);
	if (!err)
		err = replayer_inject(r, SYS_sigaltstack, REWIND_INJECT_SCRATCH + 64, 0, 0, 0, 0, 0,
				      &ret);
	return err;
}

/*
 * rewind's page as the replay has it (its feed stub for the syscall
 * buffer's calls): the image's memory holds the recording's copy.
 */
static int replay_page(struct replayer *r)
{
	uint8_t code[REWIND_INJECT_SCRATCH - REWIND_INJECT_PAGE];
	size_t len = rewind_replay_page_code(code, sizeof(code));

	return tracee_write_mem(&r->tasks.cur->t, REWIND_INJECT_PAGE, code, len);
}

int replayer_apply_exec(struct replayer *r)
{
	struct tracee *t = &r->tasks.cur->t;
	int err = reset_signal_handlers(r);

	if (!err)
		err = unmap_all(r);

	for (size_t i = 0; i < r->ev.nmaps && !err; i++)
		err = map_one(r, &r->ev.maps[i]);
	if (!err)
		err = replayer_write_mem(r);
	if (!err)
		err = replay_page(r);
	if (!err)
		err = tracee_set_regs(t, r->ev.regs);
	if (!err)
		err = apply_xsave(r);
	r->tasks.cur->brk = 0;
	r->tasks.cur->exec_sp = r->ev.regs[X86_RSP];
	r->tasks.cur->rseq.addr = 0; /* a new image has no rseq registration */
	return err;
}

size_t replay_event_read(const struct trace_event *ev, uint64_t addr, void *buf, size_t len)
{
	for (size_t i = 0; i < ev->nmem; i++) {
		const struct trace_mem *m = &ev->mem[i];

		if (addr >= m->addr && addr - m->addr < m->len) {
			size_t n = m->len - (addr - m->addr);

			n = n < len ? n : len;
			memcpy(buf, m->data + (addr - m->addr), n);
			return n;
		}
	}
	return 0;
}

char *replay_exec_program(const struct trace_event *ev)
{
	uint64_t sp = ev->regs[X86_RSP], word = 1, pair[2];

	if (replay_event_read(ev, sp, &word, 8) != 8 || word > 4096)
		return NULL;
	sp += 8 * (word + 2); /* argc, argv[], NULL */
	while (word && replay_event_read(ev, sp, &word, 8) == 8)
		sp += 8; /* envp[], NULL */
	for (; replay_event_read(ev, sp, pair, sizeof(pair)) == sizeof(pair) && pair[0]; sp += 16) {
		if (pair[0] != AT_ENTRY)
			continue;
		for (size_t i = 0; i < ev->nmaps; i++)
			if (ev->maps[i].path && ev->maps[i].path[0] == '/' &&
			    pair[1] >= ev->maps[i].start && pair[1] < ev->maps[i].end)
				return xstrdup(ev->maps[i].path);
		break;
	}
	return NULL;
}
