/*
 * MAP_SHARED file mappings: the kernel changes their pages whenever the
 * file changes (a write, pwrite, ftruncate, copy_file_range of the same
 * file, by this process or another), and replay emulates those syscalls
 * without touching any file. So while such mappings exist, the recorder
 * snapshots them, in every recorded process, at the entry of each syscall
 * that may change a file (x86_syscall_may_change_files), and at the exit
 * stores the bytes that differ as memory the kernel wrote:
 *
 * - in the current process, at the address it maps them at;
 * - in another process, through the current process's own mapping of the
 *   same file when it has one (replay maps every shared mapping of a file
 *   from one working copy, so the write shows in all of them); otherwise
 *   the range is marked, and stored at that process's next syscall exit.
 *
 * The watch list belongs to the address space: its threads share it and
 * a fork copies it. Programs without shared file mappings pay nothing.
 * A process outside the recording that maps the same file when the
 * mapping is made is warned about: its writes are not in the trace.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "common/procmaps.h"
#include "common/xalloc.h"
#include "arch/x86_64/syscall_table.h"
#include "arch/x86_64/sysbuf.h"
#include "recorder/recorder.h"

#define SHARED_WATCH_MAX (64u << 20) /* bytes watched per process; more is warned about */

static size_t watched_bytes(const struct recorder_mm *mm)
{
	size_t n = 0;

	for (size_t i = 0; i < mm->nshared; i++)
		n += mm->shared[i].fd >= 0 ? mm->shared[i].npages * 4096
					   : mm->shared[i].end - mm->shared[i].start;
	return n;
}

static struct shared_map *grow(struct recorder_mm *mm)
{
	mm->shared = xrealloc(mm->shared, (mm->nshared + 1) * sizeof(*mm->shared));
	return &mm->shared[mm->nshared++];
}

static bool recorded_process(const struct recorder *r, pid_t pid)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->tgid == pid || r->tasks[i]->t.tid == pid)
			return true;
	return false;
}

/*
 * Whether process pid maps the file dev:ino shared and writable (a line of
 * its /proc/PID/maps with "rw-s" says so): it can change that memory.
 */
static bool maps_file(pid_t pid, uint64_t dev, uint64_t ino)
{
	char path[64], line[4352], perms[5];
	unsigned maj, min;
	unsigned long long inode;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found =
		    sscanf(line, "%*x-%*x %4s %*x %x:%x %llu", perms, &maj, &min, &inode) == 4 &&
		    perms[1] == 'w' && perms[3] == 's' && inode == ino && makedev(maj, min) == dev;
	fclose(f);
	return found;
}

/*
 * A shared mapping of a file that a process outside the recording maps too,
 * shared and writable: what that process writes there is not recorded, so
 * replay may differ. Each file is looked for once per recording (every
 * process's maps are read: a build mapping one cache in each compiler it
 * runs would pay that every time), and said once, naming the mapping and
 * the process.
 */
static void warn_outside(struct recorder *r, struct recorder_task *t, const struct trace_map *f)
{
	DIR *d;
	struct dirent *e;

	for (size_t i = 0; i < r->nchecked_shared; i++)
		if (r->checked_shared[i].dev == f->dev && r->checked_shared[i].ino == f->ino)
			return;
	r->checked_shared =
	    xrealloc(r->checked_shared, (r->nchecked_shared + 1) * sizeof(*r->checked_shared));
	r->checked_shared[r->nchecked_shared].dev = f->dev;
	r->checked_shared[r->nchecked_shared++].ino = f->ino;
	if (!(d = opendir("/proc")))
		return;
	while ((e = readdir(d))) {
		char comm[64] = "?", path[64];
		pid_t pid;
		FILE *c;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = (pid_t)atoi(e->d_name);
		if (pid == getpid() || recorded_process(r, pid) || !maps_file(pid, f->dev, f->ino))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if ((c = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), c))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(c);
		}
		rw_warn("pid %d: shared mapping 0x%llx-0x%llx of %s is also mapped by process %d "
			"(%s), which is not recorded: what it writes there will not replay",
			t->t.tid, (unsigned long long)f->start, (unsigned long long)f->end,
			f->path && f->path[0] ? f->path : "?", (int)pid, comm);
		break;
	}
	closedir(d);
}

/* Watches m through its file, open at open_path: for a mapping too large to snapshot. */
static int watch_sparsely(struct shared_map *m, const char *open_path)
{
	int err;

	if (!open_path || (m->fd = open(open_path, O_RDONLY | O_CLOEXEC)) < 0)
		return -ENOENT;
	err = sparse_pages_scan(m->fd, m->offset, m->end - m->start, &m->pages, &m->npages);
	if (err) {
		close(m->fd);
		m->fd = -1;
	}
	return err;
}

/* Whether an address space of the recording watches a mapping of the file. */
static bool watched(const struct recorder *r, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < r->ntasks; i++) {
		const struct recorder_mm *mm = r->tasks[i]->mm;

		for (size_t j = 0; mm && j < mm->nshared; j++)
			if (mm->shared[j].dev == dev && mm->shared[j].ino == ino)
				return true;
	}
	return false;
}

void recorder_shared_add(struct recorder *r, struct recorder_task *t, const struct trace_map *f,
			 const char *open_path)
{
	struct recorder_mm *mm = t->mm;
	struct shared_map *m, w = {
				  .start = f->start,
				  .end = f->end,
				  .dev = f->dev,
				  .ino = f->ino,
				  .offset = f->offset,
				  .fd = -1,
			      };
	bool sparse = watched_bytes(mm) + (f->end - f->start) > SHARED_WATCH_MAX;

	if (sparse && watch_sparsely(&w, open_path) < 0) {
		rw_warn("pid %d: shared file mapping 0x%llx-0x%llx of %s is too large to watch; "
			"changes made to its file by syscalls will not replay",
			t->t.tid, (unsigned long long)f->start, (unsigned long long)f->end,
			f->path ? f->path : "?");
		return;
	}
	warn_outside(r, t, f);
	if (!watched(r, f->dev, f->ino))
		r->watched_gen++; /* the syscall buffers' tables lack it */
	m = grow(mm);
	*m = w;
	if (sparse)
		return;
	m->snapshot = xmalloc(f->end - f->start);
	/* As it is now: what changes from here on is what gets stored. */
	m->valid = tracee_read_mem_partial(&t->t, m->start, m->snapshot, m->end - m->start);
}

static void forget(struct shared_map *m)
{
	free(m->snapshot);
	free(m->pages);
	if (m->fd >= 0)
		close(m->fd);
}

/* Forgets the watched mappings that overlap [start, end) (munmap, mremap, MAP_FIXED). */
void recorder_shared_remove(struct recorder *r, struct recorder_task *t, uint64_t start,
			    uint64_t end)
{
	struct recorder_mm *mm = t->mm;
	size_t keep = 0;

	for (size_t i = 0; i < mm->nshared; i++) {
		struct shared_map *m = &mm->shared[i];

		if (m->start < end && start < m->end) {
			forget(m);
			continue;
		}
		mm->shared[keep++] = *m;
	}
	mm->nshared = keep;
}

/*
 * mremap of a whole watched mapping, from [old, old + old_len) to [addr,
 * addr + len): watched at its new place and size. A part it grew by shows
 * the file there, which replay's working copy may not hold yet (an
 * ftruncate, a pwrite past the old mapping, both emulated): what is
 * readable of that part goes into the event, and a page past the working
 * copy's end makes replay grow it.
 */
void recorder_shared_remapped(struct recorder *r, struct recorder_task *t, uint64_t old,
			      uint64_t old_len, uint64_t addr, uint64_t len)
{
	struct recorder_mm *mm = t->mm;
	struct trace_map f = {.start = addr, .end = addr + ((len + 4095) & ~4095ull)};
	uint8_t page[4096];
	char fd_path[64] = "";
	int fd = -1;
	bool found = false;

	old_len = (old_len + 4095) & ~4095ull;
	for (size_t i = 0; i < mm->nshared && !found; i++) {
		const struct shared_map *m = &mm->shared[i];

		if (m->start == old && m->end == old + old_len) {
			found = true;
			f.dev = m->dev;
			f.ino = m->ino;
			f.offset = m->offset;
			if (m->fd >= 0)
				fd = fcntl(m->fd, F_DUPFD_CLOEXEC, 0);
		}
	}
	recorder_shared_remove(r, t, old, old + old_len);
	if (!found)
		return;
	if (fd >= 0)
		snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
	/* Small enough to be read whole (a larger one is watched through its file from here). */
	for (uint64_t a = f.start + old_len; a < f.end && f.end - f.start <= SHARED_WATCH_MAX;
	     a += sizeof(page)) {
		if (tracee_read_mem(&t->t, a, page, sizeof(page)) < 0)
			break; /* past the file's end */
		trace_event_add_mem(&r->eb, a, page, sizeof(page));
	}
	recorder_shared_add(r, t, &f, fd >= 0 ? fd_path : NULL);
	if (fd >= 0)
		close(fd);
}

void recorder_shared_clear(struct recorder *r, struct recorder_task *t)
{
	recorder_shared_remove(r, t, 0, ~0ull);
}

void recorder_shared_free(struct recorder_mm *mm)
{
	for (size_t i = 0; i < mm->nshared; i++)
		forget(&mm->shared[i]);
	free(mm->shared);
	mm->shared = NULL;
	mm->nshared = 0;
}

void recorder_shared_inherit(struct recorder_mm *child, const struct recorder_mm *parent)
{
	child->table_gen = parent->table_gen; /* the library's memory holds the same table */
	for (size_t i = 0; i < parent->nshared; i++) {
		const struct shared_map *p = &parent->shared[i];
		struct shared_map *m = grow(child);

		*m = *p;
		if (p->fd >= 0) {
			m->fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 0);
			if (m->fd < 0)
				rw_die("cannot watch a shared mapping of a forked child: %s",
				       strerror(errno));
			m->pages = xmalloc((p->npages + 1) * sizeof(*m->pages));
			memcpy(m->pages, p->pages, p->npages * sizeof(*m->pages));
			continue;
		}
		m->snapshot = xmalloc(p->end - p->start);
		memcpy(m->snapshot, p->snapshot, p->valid);
	}
}

/* A live task of each address space with watched mappings, once each: calls fn on it. */
static void each_space(struct recorder *r,
		       void (*fn)(struct recorder *r, struct recorder_task *t, void *arg),
		       void *arg)
{
	r->shared_gen++;
	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *t = r->tasks[i];

		if (!t->mm || !t->mm->nshared || t->mm->shared_gen == r->shared_gen ||
		    t->state == TASK_NEW)
			continue;
		t->mm->shared_gen = r->shared_gen;
		fn(r, t, arg);
	}
}

bool recorder_shared_any(struct recorder *r)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->mm && r->tasks[i]->mm->nshared)
			return true;
	return false;
}

/*
 * Whether a write to descriptor fd of t cannot reach a file's pages: a
 * pipe, a socket, a terminal or /dev/null (character devices other than
 * memory, major 1 minor 3).
 */
static bool writes_no_file(const struct recorder_task *t, int fd)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", t->t.tid, fd);
	if (fd < 0 || stat(path, &st) < 0)
		return false;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return true;
	return S_ISCHR(st.st_mode) && (major(st.st_rdev) != 1 || minor(st.st_rdev) == 3);
}

bool recorder_shared_syscall_may_change(struct recorder *r, struct recorder_task *t, long nr,
					const uint64_t args[6])
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);

	/* rewind's own calls (the buffer's registration, ...) change no file. */
	if (nr == REWIND_SYSCALL_SYSBUF || !x86_syscall_may_change_files(d) ||
	    !recorder_shared_any(r))
		return false;
	/* A write to a stream or a terminal (a program's output) leaves files alone. */
	if (d && (d->flags & (SYSF_WRITES_FD | SYSF_COPIES_TO_FD | SYSF_CHANGES_FILE)) ==
		     SYSF_WRITES_FD)
		return !writes_no_file(t, (int)args[0]);
	return true;
}

static void snapshot_space(struct recorder *r, struct recorder_task *t, void *arg)
{
	(void)r;
	(void)arg;
	for (size_t i = 0; i < t->mm->nshared; i++) {
		struct shared_map *m = &t->mm->shared[i];

		if (m->fd >= 0) {
			struct sparse_page *now;
			size_t n;

			if (sparse_pages_scan(m->fd, m->offset, m->end - m->start, &now, &n) == 0) {
				free(m->pages);
				m->pages = now;
				m->npages = n;
			}
			continue;
		}
		/* Past the end of the file: those pages cannot be read and are left alone. */
		m->valid = tracee_read_mem_partial(&t->t, m->start, m->snapshot, m->end - m->start);
	}
}

void recorder_shared_snapshot(struct recorder *r)
{
	each_space(r, snapshot_space, NULL);
}

/* Whether cur's process maps [off, off+len) of the file shared too (and so sees it). */
static bool seen_here(const struct recorder_task *cur, const struct shared_map *m, uint64_t off,
		      uint64_t len)
{
	const struct recorder_mm *mm = cur->mm;

	for (size_t i = 0; i < mm->nshared; i++) {
		const struct shared_map *c = &mm->shared[i];

		if (c->dev == m->dev && c->ino == m->ino && c->offset <= off &&
		    off + len <= c->offset + (c->end - c->start))
			return true;
	}
	return false;
}

static void mark(struct shared_map *m, uint64_t lo, uint64_t hi)
{
	if (m->dirty_hi <= m->dirty_lo) {
		m->dirty_lo = lo;
		m->dirty_hi = hi;
		return;
	}
	m->dirty_lo = lo < m->dirty_lo ? lo : m->dirty_lo;
	m->dirty_hi = hi > m->dirty_hi ? hi : m->dirty_hi;
}

/* The page at rel of a sparsely watched mapping, as its file holds it now (zeros in a hole). */
static bool read_file_page(const struct shared_map *m, uint64_t rel, uint8_t page[4096])
{
	ssize_t n = pread(m->fd, page, 4096, (off_t)(m->offset + rel));

	if (n <= 0)
		return false; /* past the file's end: the page cannot be read */
	memset(page + n, 0, 4096 - (size_t)n);
	return true;
}

/* Changed by another process's syscall (marked): its data pages there, as they are now. */
static void diff_sparse_marked(struct recorder *r, struct shared_map *m)
{
	struct sparse_page *now;
	uint8_t page[4096];
	size_t n;

	if (m->dirty_hi <= m->dirty_lo)
		return;
	if (sparse_pages_scan(m->fd, m->offset + m->dirty_lo, m->dirty_hi - m->dirty_lo, &now,
			      &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (read_file_page(m, m->dirty_lo + now[i].rel, page))
				trace_event_add_mem(&r->eb, m->start + m->dirty_lo + now[i].rel,
						    page, sizeof(page));
		free(now);
	}
	m->dirty_lo = m->dirty_hi = 0;
}

/* diff_space for a mapping watched through its file; cur is the task of the syscall. */
static void diff_sparse(struct recorder *r, const struct recorder_task *cur, struct shared_map *m,
			bool here)
{
	struct sparse_page *now;
	uint64_t *changed;
	uint8_t page[4096];
	size_t n, nchanged;

	if (sparse_pages_scan(m->fd, m->offset, m->end - m->start, &now, &n) < 0)
		return;
	nchanged = sparse_pages_changed(m->pages, m->npages, now, n, &changed);
	for (size_t i = 0; i < nchanged; i++) {
		if (here && read_file_page(m, changed[i], page))
			trace_event_add_mem(&r->eb, m->start + changed[i], page, sizeof(page));
		else if (!here && !seen_here(cur, m, m->offset + changed[i], sizeof(page)))
			mark(m, changed[i], changed[i] + sizeof(page));
	}
	free(changed);
	free(now);
	if (here)
		diff_sparse_marked(r, m);
}

/* Adds what other processes' syscalls changed in m (marked), as it is now, before this one runs. */
static void flush_marked(struct recorder *r, struct recorder_task *t, struct shared_map *m)
{
	uint8_t page[4096];

	if (m->dirty_hi <= m->dirty_lo)
		return;
	for (uint64_t off = m->dirty_lo; off < m->dirty_hi; off += sizeof(page)) {
		size_t len = m->dirty_hi - off < sizeof(page) ? m->dirty_hi - off : sizeof(page);

		if (tracee_read_mem(&t->t, m->start + off, page, len) == 0)
			trace_event_add_mem(&r->eb, m->start + off, page, len);
	}
	m->dirty_lo = m->dirty_hi = 0;
}

/* What changed in the watched mappings of t's address space; arg: the task of the syscall. */
static void diff_space(struct recorder *r, struct recorder_task *t, void *arg)
{
	const struct recorder_task *cur = arg;
	bool here = t->mm == cur->mm;
	uint8_t page[4096];

	for (size_t i = 0; i < t->mm->nshared; i++) {
		struct shared_map *m = &t->mm->shared[i];

		if (m->fd >= 0) {
			diff_sparse(r, cur, m, here);
			continue;
		}
		/*
		 * Up to the first page that cannot be read (past the file's end): a
		 * page readable now but not at the snapshot has changed (a file that
		 * was cut and grown again reads as zeros there).
		 */
		for (size_t off = 0; off < m->end - m->start; off += sizeof(page)) {
			size_t len = sizeof(page);

			if (tracee_read_mem(&t->t, m->start + off, page, len) < 0)
				break;
			if (off + len <= m->valid && !memcmp(page, m->snapshot + off, len))
				continue;
			if (here)
				trace_event_add_mem(&r->eb, m->start + off, page, len);
			else if (!seen_here(cur, m, m->offset + off, len))
				mark(m, off, off + len);
		}
		if (here)
			flush_marked(r, t, m);
	}
}

/* diff_space for the address spaces other than that of the task of the syscall. */
static void diff_other_space(struct recorder *r, struct recorder_task *t, void *arg)
{
	const struct recorder_task *cur = arg;

	if (t->mm != cur->mm)
		diff_space(r, t, arg);
}

bool recorder_shared_any_other(struct recorder *r, const struct recorder_task *t)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i]->mm && r->tasks[i]->mm != t->mm && r->tasks[i]->mm->nshared)
			return true;
	return false;
}

void recorder_shared_diff_others(struct recorder *r, struct recorder_task *t)
{
	each_space(r, diff_other_space, t);
	recorder_shared_snapshot(r);
}

/*
 * Adds what the syscall changed in the watched mappings to the event being
 * built, when it is one that may change files (its entry took a snapshot);
 * otherwise only what other processes' syscalls changed in this process's.
 */
void recorder_shared_diff(struct recorder *r, struct recorder_task *t)
{
	if (t->shared_snapped) {
		t->shared_snapped = false;
		each_space(r, diff_space, t);
		return;
	}
	recorder_shared_marked(r, t);
}

void recorder_shared_marked(struct recorder *r, struct recorder_task *t)
{
	struct recorder_mm *mm = t->mm;

	for (size_t i = 0; mm && i < mm->nshared; i++)
		if (mm->shared[i].fd < 0)
			flush_marked(r, t, &mm->shared[i]);
		else
			diff_sparse_marked(r, &mm->shared[i]);
}

/*
 * A System V segment that shmat attached at addr: the mapping, as /proc
 * shows it (the segment's size, its shmem file "/SYSV<key> (deleted)"
 * whose inode is the segment id), goes into the event with the segment's
 * contents, as an mmap of a file would. Replay maps every attachment of a
 * segment from one working copy, so processes share it as here; their
 * stores are user code, which replay runs.
 */
int recorder_shm_attached(struct recorder *r, struct recorder_task *t, uint64_t addr)
{
	struct procmap *maps = NULL;
	int n = procmaps_read(t->t.tid, &maps), err = -ENOENT;
	struct trace_map m = {.kind = MAPK_FILE, .flags = MAP_SHARED};

	for (int i = 0; i < n; i++) {
		if (maps[i].start != addr)
			continue;
		m.start = maps[i].start;
		m.end = maps[i].end;
		/* One segment may show as several mappings (mprotect): take them all. */
		while (i + 1 < n && maps[i + 1].start == m.end &&
		       maps[i + 1].inode == maps[i].inode && maps[i + 1].shared &&
		       maps[i + 1].offset == m.end - m.start)
			m.end = maps[++i].end;
		m.prot = (uint32_t)maps[i].prot;
		m.dev = makedev(maps[i].dev_major, maps[i].dev_minor);
		m.ino = maps[i].inode;
		m.path = maps[i].path;
		recorder_shared_remove(r, t, m.start, m.end); /* SHM_REMAP */
		err = recorder_store_memory(r, t, &m);
		if (!err)
			trace_event_add_map(&r->eb, &m);
		break;
	}
	if (err == -ENOENT)
		rw_error("pid %d: no mapping at 0x%llx after shmat", t->t.tid,
			 (unsigned long long)addr);
	free(maps);
	return n < 0 ? n : err;
}

/*
 * Whether a private mapping of the file open at fd (/proc path fdpath) in
 * t may see stores through shared mappings of it: the file is open
 * for writing there (it can be mapped shared later), or a recorded process
 * maps it shared now.
 */
bool recorder_shared_open_may_change(struct recorder *r, unsigned flags, const struct stat *st)
{
	return (flags & O_ACCMODE) != O_RDONLY || watched(r, st->st_dev, st->st_ino);
}

bool recorder_shared_file_may_change(struct recorder *r, struct recorder_task *t,
				     const char *fdpath, int fd)
{
	char path[64], line[128];
	unsigned flags = 0;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", t->t.tid, fd);
	if ((f = fopen(path, "re"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "flags: %o", &flags) == 1)
				break;
		fclose(f);
	}
	if ((flags & O_ACCMODE) != O_RDONLY)
		return true;
	if (stat(fdpath, &st) < 0)
		return false;
	return recorder_shared_open_may_change(r, flags, &st);
}
