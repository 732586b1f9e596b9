/*
 * What the recorder does when a program image starts (the exit stop of an
 * execve): map rewind's injection page, make the vDSO's clock and CPU
 * functions real syscalls (so they are recorded like any other), and store
 * the whole address space: every mapping, the files behind them once per
 * content hash, and the contents of memory the files do not give (stack,
 * data written by the kernel's loader).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "common/procmaps.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"
#include "recorder/written_pages.h"

/* Bytes of a mapping compared with a file to tell that it is the file mapped. */
#define VERIFY_BYTES   (64u << 10)
#define CONTENTS_CHUNK (256u << 10)

static bool hash_stored(struct recorder *r, struct rw_hash h)
{
	for (size_t i = 0; i < r->nstored; i++)
		if (rw_hash_eq(r->stored[i].hash, h))
			return true;
	return false;
}

/*
 * Writes the file's blob records in chunks of their own, so that a replay
 * that finds an identical file at its path can pass over them uninflated,
 * and notes them for the stored-files table.
 */
static int write_blob(struct recorder *r, int fd, const char *path, struct rw_hash hash,
		      uint64_t size, uint8_t *buf)
{
	struct trace_stored_file *f;
	uint64_t off = 0;
	bool cached;
	int err = trace_writer_cut(r->writer);

	if (err)
		return err;
	if (r->nstored == r->stored_cap) {
		r->stored_cap = r->stored_cap ? 2 * r->stored_cap : 64;
		r->stored = xrealloc(r->stored, r->stored_cap * sizeof(*r->stored));
	}
	f = &r->stored[r->nstored];
	*f = (struct trace_stored_file){
	    .hash = hash,
	    .size = size,
	    .first_record = trace_writer_records(r->writer),
	    .path = xstrdup(path ? path : ""),
	};
	if ((err = recorder_chunk_cache_add(r, fd, path, hash, size, &cached)) != 0 || cached)
		goto done;
	if ((err = recorder_chunk_cache_capture(r, hash)) != 0)
		goto done;
	if (rw_hash_is_sparse(hash)) {
		/* Its size first (the record at offset 0 sets it), then what is not a hole. */
		rw_buf_reset(&r->enc);
		trace_blob_encode(&r->enc, hash, size, 0, buf, 0);
		err = trace_writer_add(r->writer, TRACE_REC_BLOB, r->enc.data, r->enc.len);
	}
	do {
		ssize_t n;

		if (rw_hash_is_sparse(hash) && !err) {
			off_t data = lseek(fd, (off_t)off, SEEK_DATA);

			if (data < 0 || (uint64_t)data >= size)
				break;
			off = (uint64_t)data;
		}
		n = err ? 0 : pread(fd, buf, RECORDER_BLOB_PIECE, (off_t)off);
		if (err || n < 0) {
			err = err ? err : -errno;
			break;
		}
		if (n == 0 && off < size) {
			err = -EIO; /* the file shrank while we stored it */
			break;
		}
		rw_buf_reset(&r->enc);
		trace_blob_encode(&r->enc, hash, size, off, buf, (size_t)n);
		err = trace_writer_add(r->writer, TRACE_REC_BLOB, r->enc.data, r->enc.len);
		if (err)
			break;
		off += (uint64_t)n;
	} while (off < size);
	if (!err)
		err = trace_writer_cut(r->writer);
	if (recorder_chunk_cache_end(r, !err) < 0 && !err)
		err = -EIO;
done:
	if (err) {
		free(f->path);
		return err;
	}
	f->records = trace_writer_records(r->writer) - f->first_record;
	r->nstored++;
	return 0;
}

int recorder_write_file_table(struct recorder *r)
{
	int err;

	if (!r->writer)
		return 0;
	rw_buf_reset(&r->enc);
	trace_files_encode(&r->enc, r->stored, r->nstored);
	err = trace_writer_cut(r->writer);
	if (!err)
		err = trace_writer_add(r->writer, TRACE_REC_FILES, r->enc.data, r->enc.len);
	return err;
}

/*
 * Stores the file open at fd (named open_path in messages) unless a file
 * already stored has its contents. A file already stored under the same
 * identity, size and modification time is taken to be unchanged, except
 * for a shared mapping (`fresh`): writes through a shared mapping need not
 * change the time (tmpfs, memfd), and replay brings its working copy back
 * to the contents stored here. A file first met in this recording takes
 * its hash from the store of file hashes when an earlier one hashed it.
 */
static int store_file(struct recorder *r, int fd, const char *open_path, const char *path,
		      bool fresh, struct rw_hash *hash, uint64_t *size, struct stat *id)
{
	struct stored_file *known = NULL;
	struct stat st;
	uint8_t *buf = NULL;
	int err = 0;
	int64_t mtime;

	memset(id, 0, sizeof(*id));
	if (fstat(fd, &st) < 0)
		return -errno;
	*id = st;
	if (!S_ISREG(st.st_mode))
		return -ENODEV; /* a device (/dev/zero, ...): its contents are not a file's */
	mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	for (size_t i = 0; i < r->nfiles && !known; i++)
		if (r->files[i].dev == st.st_dev && r->files[i].ino == st.st_ino)
			known = &r->files[i];
	if (known && !fresh && known->size == st.st_size && known->mtime_ns == mtime) {
		*hash = known->hash;
		*size = (uint64_t)known->size;
		return 0;
	}
	buf = xmalloc(RECORDER_BLOB_PIECE);
	if (!fresh && recorder_file_ids_find(r, &st, hash)) {
		*size = (uint64_t)st.st_size;
	} else {
		err = rw_hash_fd(fd, buf, RECORDER_BLOB_PIECE, hash, size);
		if (!err && !fresh && *size == (uint64_t)st.st_size)
			recorder_file_ids_add(r, &st, *hash);
	}
	if (!err && !hash_stored(r, *hash))
		err = write_blob(r, fd, path, *hash, *size, buf);
	if (!err && !known) {
		if (r->nfiles == r->files_cap) {
			r->files_cap = r->files_cap ? 2 * r->files_cap : 64;
			r->files = xrealloc(r->files, r->files_cap * sizeof(*r->files));
		}
		known = &r->files[r->nfiles++];
	}
	/* A file stored again: what it holds now is what counts. */
	if (!err)
		*known = (struct stored_file){st.st_dev, st.st_ino, st.st_size, mtime, *hash};
	if (err)
		rw_error("cannot store %s in the trace: %s", open_path, strerror(-err));
	free(buf);
	return err;
}

int recorder_store_open_file(struct recorder *r, int fd, const char *open_path, struct trace_map *m)
{
	struct stat st;
	int err = store_file(r, fd, open_path, m->path,
			     (m->flags & (MAP_SHARED | TRACE_MAP_WORKING_COPY)) != 0, &m->hash,
			     &m->file_size, &st);

	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return err;
}

int recorder_store_file(struct recorder *r, struct recorder_task *t, const char *open_path,
			struct trace_map *m)
{
	int fd = open(open_path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		rw_error("cannot open %s to store it in the trace: %s", open_path, strerror(errno));
		return err;
	}
	err = recorder_store_open_file(r, fd, open_path, m);
	close(fd);
	return err;
}

/*
 * Stores memory of t, [m->start, m->end), as the file m maps: for a
 * System V segment, whose file only the kernel can open. The bytes go
 * through a memfd into the ordinary store; m keeps the identity its caller
 * gave it, the segment's.
 */
int recorder_store_memory(struct recorder *r, struct recorder_task *t, struct trace_map *m)
{
	int fd = memfd_create("rewind-segment", MFD_CLOEXEC), err = 0;
	uint8_t *buf = xmalloc(RECORDER_BLOB_PIECE);
	uint64_t dev = m->dev, ino = m->ino;
	struct stat st;

	if (fd < 0)
		err = -errno;
	for (uint64_t off = 0; !err && off < m->end - m->start; off += RECORDER_BLOB_PIECE) {
		uint64_t left = m->end - m->start - off;
		size_t len = left < RECORDER_BLOB_PIECE ? left : RECORDER_BLOB_PIECE;

		if ((err = tracee_read_mem(&t->t, m->start + off, buf, len)) == 0 &&
		    pwrite(fd, buf, len, (off_t)off) != (ssize_t)len)
			err = -EIO;
	}
	if (!err)
		err = store_file(r, fd, m->path, m->path, true, &m->hash, &m->file_size, &st);
	else
		rw_error("pid %d: cannot read 0x%llx-0x%llx to store it: %s", t->t.tid,
			 (unsigned long long)m->start, (unsigned long long)m->end, strerror(-err));
	m->dev = dev;
	m->ino = ino;
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

/*
 * Maps rewind's page at REWIND_INJECT_PAGE. The new image has no known
 * syscall instruction yet, so one is written over the entry point for the
 * duration of the mmap and the original bytes put back.
 */
int recorder_map_inject_page(struct recorder *r, struct recorder_task *t,
			     const uint64_t regs[X86_NREGS])
{
	static const uint8_t syscall_insn[2] = {0x0f, 0x05};
	/* syscall; int3, and the syscall buffer's untraced `syscall; ret` (arch/x86_64/sysbuf.h) */
	uint8_t page[REWIND_PAGE_CODE_LEN];
	uint64_t ip = regs[X86_RIP];
	uint8_t saved[2];
	int64_t ret;
	int err;

	rewind_page_code(page);
	if ((err = tracee_read_mem(&t->t, ip, saved, sizeof(saved))) ||
	    (err = tracee_write_mem(&t->t, ip, syscall_insn, sizeof(syscall_insn))))
		return err;
	err = tracee_inject(
	    &t->t, ip, regs, SYS_mmap, REWIND_INJECT_PAGE, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, (uint64_t)-1, 0, &ret);
	if (!err)
		err = tracee_write_mem(&t->t, ip, saved, sizeof(saved));
	if (!err && (uint64_t)ret != REWIND_INJECT_PAGE) {
		rw_error("pid %d: cannot map rewind's page at 0x%llx: %s", t->t.tid,
			 REWIND_INJECT_PAGE, strerror((int)-ret));
		return -EEXIST;
	}
	if (!err)
		err = tracee_write_mem(&t->t, REWIND_INJECT_PAGE, page, sizeof(page));
	if (!err)
		err = tracee_set_regs(&t->t, regs);
	return err;
}

struct vdso_patch {
	const char *name;
	long nr;
};

static const struct vdso_patch vdso_patches[] = {
    {"__vdso_clock_gettime", SYS_clock_gettime},
    {"__vdso_gettimeofday", SYS_gettimeofday},
    {"__vdso_time", SYS_time},
    {"__vdso_getcpu", SYS_getcpu},
    {"__vdso_clock_getres", SYS_clock_getres},
};

/* Finds the symbols of vdso_patches in an in-memory vDSO image and writes the stubs. */
static int patch_vdso(struct recorder *r, struct recorder_task *t, uint64_t base, size_t len)
{
	uint8_t *img = xmalloc(len);
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	int err = 0, patched = 0;

	if (tracee_read_mem(&t->t, base, img, len) < 0) {
		free(img);
		return 0; /* nothing readable to patch */
	}
	eh = (const Elf64_Ehdr *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shoff >= len ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len)
		goto bad;
	sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *syms;
		const char *strs;
		size_t nsyms;

		if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
			continue;
		if (sh[i].sh_offset + sh[i].sh_size > len ||
		    sh[sh[i].sh_link].sh_offset + sh[sh[i].sh_link].sh_size > len)
			goto bad;
		syms = (const Elf64_Sym *)(img + sh[i].sh_offset);
		nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
		strs = (const char *)img + sh[sh[i].sh_link].sh_offset;
		for (size_t s = 0; s < nsyms; s++) {
			if (syms[s].st_name >= sh[sh[i].sh_link].sh_size || !syms[s].st_value ||
			    syms[s].st_value + 8 > len)
				continue;
			for (size_t p = 0; p < sizeof(vdso_patches) / sizeof(vdso_patches[0]);
			     p++) {
				/* mov $nr, %eax; syscall; ret */
				uint8_t stub[8] = {0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0xc3};

				if (strcmp(strs + syms[s].st_name, vdso_patches[p].name))
					continue;
				memcpy(stub + 1, &(uint32_t){(uint32_t)vdso_patches[p].nr}, 4);
				err = tracee_write_mem(&t->t, base + syms[s].st_value, stub,
						       sizeof(stub));
				if (err)
					goto out;
				patched++;
			}
		}
	}
	rw_debug("patched %d vDSO functions", patched);
	goto out;
bad:
	rw_warn("pid %d: vDSO image not understood; its clock functions are not recorded",
		t->t.tid);
out:
	free(img);
	return err;
}

static uint8_t map_kind(const struct procmap *m)
{
	if (m->start == REWIND_INJECT_PAGE)
		return MAPK_INJECT;
	if (!strcmp(m->path, "[stack]"))
		return MAPK_STACK;
	if (!strcmp(m->path, "[vdso]"))
		return MAPK_VDSO;
	if (!strcmp(m->path, "[vvar]") || !strcmp(m->path, "[vvar_vclock]"))
		return MAPK_VVAR;
	if (!strcmp(m->path, "[heap]"))
		return MAPK_HEAP;
	if (m->inode && m->path[0] == '/')
		return MAPK_FILE;
	return MAPK_ANON;
}

/*
 * Adds the contents of [start, end) to the event, leaving out zero pages
 * and pages that cannot be read; read CONTENTS_CHUNK at a time.
 */
static void add_contents(struct recorder *r, struct recorder_task *t, uint64_t start, uint64_t end)
{
	static const uint8_t zero[4096];
	uint8_t *chunk = xmalloc(CONTENTS_CHUNK);
	uint64_t run_start = 0, a = start;

	rw_buf_reset(&r->scratch);
	while (a < end) {
		size_t want = end - a < CONTENTS_CHUNK ? (size_t)(end - a) : CONTENTS_CHUNK;
		size_t got = tracee_read_mem_partial(&t->t, a, chunk, want) & ~(size_t)4095;
		size_t span = got ? got : 4096; /* a page that cannot be read is left out */

		for (size_t off = 0; off < span; off += 4096, a += 4096) {
			bool keep = off < got && memcmp(chunk + off, zero, 4096) != 0;

			if (keep) {
				if (!r->scratch.len)
					run_start = a;
				rw_buf_put(&r->scratch, chunk + off, 4096);
			}
			if ((!keep || a + 4096 == end) && r->scratch.len) {
				trace_event_add_mem(&r->eb, run_start, r->scratch.data,
						    r->scratch.len);
				rw_buf_reset(&r->scratch);
			}
		}
	}
	free(chunk);
}

/*
 * Whether the file at fd holds what the mappings of m's file that the
 * program cannot have written show (its read-only ones, as the kernel's
 * loader left them): up to VERIFY_BYTES of them, and at least one page.
 */
static bool shows_file(struct recorder *r, struct recorder_task *t, int fd,
		       const struct procmap *maps, int n, const struct procmap *m)
{
	uint8_t mem[4096], file[4096];
	size_t compared = 0;

	for (int i = 0; i < n && compared < VERIFY_BYTES; i++) {
		const struct procmap *o = &maps[i];

		if (o->inode != m->inode || o->dev_major != m->dev_major ||
		    o->dev_minor != m->dev_minor || (o->prot & PROT_WRITE) ||
		    !(o->prot & PROT_READ))
			continue;
		for (uint64_t a = o->start; a < o->end && compared < VERIFY_BYTES; a += 4096) {
			ssize_t got =
			    pread(fd, file, sizeof(file), (off_t)(o->offset + a - o->start));

			if (got <= 0)
				break; /* past the file's end: those pages are not its */
			if (tracee_read_mem(&t->t, a, mem, (size_t)got) < 0 ||
			    memcmp(mem, file, (size_t)got))
				return false;
			compared += (size_t)got;
		}
	}
	return compared > 0;
}

/*
 * Whether the file at fd is the one mapping m shows: the inode and device
 * that /proc/PID/maps gives. Where the device differs (btrfs gives stat
 * a subvolume's device, maps the filesystem's; overlayfs before Linux 6.8
 * gives maps the layer's), the same inode on a file that holds the
 * mapping's bytes is taken as the same file.
 */
static bool is_mapped_file(struct recorder *r, struct recorder_task *t, int fd,
			   const struct procmap *maps, int n, const struct procmap *m)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_ino != m->inode)
		return false;
	return st.st_dev == makedev(m->dev_major, m->dev_minor) || shows_file(r, t, fd, maps, n, m);
}

/* Opens path, if it is the file that mapping m shows; else -1. */
static int open_if_mapped(struct recorder *r, struct recorder_task *t, const char *path,
			  const struct procmap *maps, int n, const struct procmap *m)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && !is_mapped_file(r, t, fd, maps, n, m)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Opens the file that mapping m (one of the n in maps) shows, for storing:
 * through /proc/PID/map_files, which is that very file but needs
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN; else through /proc/PID/exe (the
 * program, even deleted or in a memfd), the mapping's path as maps gives
 * it (from rewind's root) or that path under the program's root (in
 * another mount namespace), each only if it is the mapped file. Returns
 * the descriptor, with open_path naming it, or -ENOENT when no file is
 * shown to be the mapped one (deleted, or replaced since).
 */
static int open_mapped_file(struct recorder *r, struct recorder_task *t, const struct procmap *maps,
			    int n, const struct procmap *m, char *open_path, size_t len)
{
	pid_t tid = t->t.tid;
	int fd;

	snprintf(open_path, len, "/proc/%d/map_files/%llx-%llx", tid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
	if ((fd = open(open_path, O_RDONLY | O_CLOEXEC)) >= 0)
		return fd;
	snprintf(open_path, len, "/proc/%d/exe", tid);
	if ((fd = open_if_mapped(r, t, open_path, maps, n, m)) >= 0)
		return fd;
	snprintf(open_path, len, "%s", m->path);
	if ((fd = open_if_mapped(r, t, open_path, maps, n, m)) >= 0)
		return fd;
	snprintf(open_path, len, "/proc/%d/root%s", tid, m->path);
	if ((fd = open_if_mapped(r, t, open_path, maps, n, m)) >= 0)
		return fd;
	return -ENOENT;
}

/*
 * Stores the file behind mapping m and sets tm's hash and identity; a file
 * that cannot be found makes it anonymous memory, its pages stored as they
 * are (-ENODEV, as for a device), with a warning for its first mapping.
 */
static int store_mapped_file(struct recorder *r, struct recorder_task *t,
			     const struct procmap *maps, int n, const struct procmap *m,
			     struct trace_map *tm)
{
	char open_path[sizeof(m->path) + 32];
	int fd = open_mapped_file(r, t, maps, n, m, open_path, sizeof(open_path)), err;

	for (const struct procmap *o = maps; fd < 0 && o < m; o++)
		if (o->inode == m->inode && o->dev_major == m->dev_major &&
		    o->dev_minor == m->dev_minor)
			return -ENODEV; /* said for its first mapping */
	if (fd < 0) {
		rw_warn("pid %d: %s, mapped at 0x%llx-0x%llx, is not at its path any more: its "
			"pages are stored instead of the file, which a debugger will not see",
			t->t.tid, m->path, (unsigned long long)m->start,
			(unsigned long long)m->end);
		return -ENODEV;
	}
	err = recorder_store_open_file(r, fd, open_path, tm);
	close(fd);
	return err;
}

static int record_map(struct recorder *r, struct recorder_task *t, const struct procmap *maps,
		      int n, const struct procmap *m)
{
	struct trace_map tm = {
	    .start = m->start,
	    .end = m->end,
	    .offset = m->offset,
	    .prot = (uint32_t)m->prot,
	    .flags = (uint32_t)(m->shared ? MAP_SHARED : MAP_PRIVATE),
	    .kind = map_kind(m),
	    .path = m->path,
	};
	int err;

	if (!strcmp(m->path, "[vsyscall]"))
		return 0; /* fixed by the kernel in every process */
	if (tm.kind == MAPK_FILE) {
		err = store_mapped_file(r, t, maps, n, m, &tm);
		if (err == -ENODEV)
			tm.kind = MAPK_ANON;
		else if (err)
			return err;
	}
	trace_event_add_map(&r->eb, &tm);
	if (r->attaching && tm.kind != MAPK_VDSO && tm.kind != MAPK_INJECT)
		return tm.kind == MAPK_VVAR ? 0 : recorder_attach_contents(r, t, m->start, m->end);
	/* File pages the program cannot have written come from the stored file. */
	if (tm.kind == MAPK_VVAR || (tm.kind == MAPK_FILE && !(m->prot & PROT_WRITE)))
		return 0;
	add_contents(r, t, m->start, m->end);
	return 0;
}

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

/*
 * The rseq registration the thread has when rewind first stops it (none
 * after an exec, but a thread rewind starts tracing later may have one):
 * rewind takes it over, emulating it from now on, and unregisters it from
 * the kernel so the kernel never writes into the area behind replay's back.
 */
static void adopt_rseq(struct recorder *r, struct recorder_task *t)
{
	struct {
		uint64_t rseq_abi_pointer;
		uint32_t rseq_abi_size, signature, flags, pad;
	} rc;
	uint64_t regs[X86_NREGS];
	int64_t ret;

	t->rseq.addr = 0;
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, t->t.tid, sizeof(rc), &rc) != sizeof(rc) ||
	    !rc.rseq_abi_pointer)
		return;
	if (tracee_get_regs(&t->t, regs) == 0 &&
	    tracee_inject(&t->t, REWIND_INJECT_PAGE, regs, SYS_rseq, rc.rseq_abi_pointer,
			  rc.rseq_abi_size, 1, rc.signature, 0, 0, &ret) == 0 &&
	    ret == 0 && tracee_set_regs(&t->t, regs) == 0)
		t->rseq =
		    (struct x86_rseq_area){rc.rseq_abi_pointer, rc.rseq_abi_size, rc.signature};
}

/*
 * A program file that its user may run but not read makes the kernel
 * close the new image to a tracer without CAP_SYS_PTRACE (it is not
 * dumpable: would_dump in fs/exec.c), /proc/PID/mem first of all.
 */
static int check_reachable(struct recorder *r, struct recorder_task *t)
{
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/mem", t->t.tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = -errno;
	rw_error("pid %d: cannot open %s after its exec: %s (a program that this user may run "
		 "but not read cannot be recorded without CAP_SYS_PTRACE)",
		 t->t.tid, path, strerror(-err));
	return err;
}

/*
 * Records t's address space as an EV_EXEC at regs: the vDSO patched,
 * every mapping and its contents, the whole XSAVE area, and (rec -p) the
 * state found at attach.
 */
int recorder_record_image(struct recorder *r, struct recorder_task *t,
			  const uint64_t regs[X86_NREGS], uint32_t flags,
			  const struct trace_attach *attach)
{
	struct procmap *maps = NULL;
	int n, err = 0;

	n = procmaps_read(t->t.tid, &maps);
	if (n < 0) {
		rw_error("pid %d: cannot read its maps: %s", t->t.tid, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++)
		if (!strcmp(maps[i].path, "[vdso]") &&
		    (err = patch_vdso(r, t, maps[i].start, maps[i].end - maps[i].start)) < 0)
			goto out;
	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_EXEC, regs);
	r->eb.flags = flags;
	for (int i = 0; i < n && !err; i++)
		err = record_map(r, t, maps, n, &maps[i]);
	if (!err)
		err = recorder_add_xsave(r, t, true);
	if (!err && attach)
		trace_event_add_attach(&r->eb, attach);
	if (!err)
		err = recorder_emit(r);
	recorder_shared_clear(r, t);
out:
	free(maps);
	return err;
}

static int record_exec(struct recorder *r, struct recorder_task *t);

/*
 * The SIGSTOP rewind sent t to end its slice or to deliver held signals,
 * not yet met: the calls injected at its exec pass over it (tracee.h's
 * kick), and it is then taken as met.
 */
int recorder_record_exec(struct recorder *r, struct recorder_task *t)
{
	bool pending = t->kick_preempt || t->kick_sent;
	int err;

	t->t.kick_pending = pending;
	err = record_exec(r, t);
	if (pending && !t->t.kick_pending)
		t->kick_preempt = t->kick_sent = false;
	t->t.kick_pending = false;
	return err;
}

static int record_exec(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	int err;

	if ((err = check_reachable(r, t)) < 0 || (err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	if ((err = recorder_map_inject_page(r, t, regs)) < 0)
		return err;
	/*
	 * The page hashes of the last execution point were of the old image: a
	 * page of the new one with an old page's contents must not be left out
	 * of the next one.
	 */
	recorder_scratch_release(t);
	recorder_mm_put(t->mm);
	t->mm = recorder_mm_new();
	t->vfork_child = false;
	t->handlers = 0;
	if ((err = recorder_record_image(r, t, regs, 0, NULL)) < 0)
		return err;
	adopt_rseq(r, t);
	written_pages_exec(r, t);
	return 0;
}
