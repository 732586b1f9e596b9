/*
 * The replayer's copies of the files stored in a trace: each blob is
 * written to a private directory under its content hash, so the tracee can
 * map it at the recorded address even where the original file is gone or
 * different. Files that this machine has already, unchanged, are taken
 * from the store of files shared by replays or from where they were
 * recorded, rather than inflated from the trace.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cache_dir.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "replayer/replayer.h"
#include "trace_format/event.h"
#include "trace_format/trace.h"

/* Bytes read, hashed and written at a time when taking a local file. */
#define LOCAL_PIECE (1u << 20)

static void remove_dir(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* Removes the directories of replays that were killed (their process is gone). */
static void remove_stale(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		int pid;

		if (sscanf(e->d_name, "replay-%d-", &pid) == 1 && pid > 0 && kill(pid, 0) < 0 &&
		    errno == ESRCH)
			remove_dir(dirfd(d), e->d_name);
	}
	closedir(d);
}

/*
 * The files store: <cache>/files/<hash>, complete stored files whose
 * contents were checked against their hash when they were added, shared by
 * every replay of this user, so that replaying again (the usual way of
 * working with a recording) neither inflates nor copies them. A file there
 * is never changed, only added (written elsewhere, then linked in) and
 * removed, and a replay links the ones it uses into its own directory, so
 * another replay that removes one meanwhile does not disturb it.
 */
int blobstore_init(struct blobstore *b)
{
	const char *tmp = getenv("TMPDIR");
	char root[200];

	b->cache[0] = '\0';
	if (!getenv("REWIND_NO_LOCAL_FILES") && rw_cache_root(root, sizeof(root))) {
		snprintf(b->cache, sizeof(b->cache), "%s/files", root);
		snprintf(b->dir, sizeof(b->dir), "%s/replay-%d-XXXXXX", root, (int)getpid());
		if (rw_make_dirs(b->cache, 0700) == 0 && mkdtemp(b->dir)) {
			remove_stale(root);
			return 0;
		}
		rw_debug("no store of files in %s: %s", root, strerror(errno));
		b->cache[0] = '\0';
	}
	snprintf(b->dir, sizeof(b->dir), "%s/rewind-replay-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(b->dir)) {
		int err = -errno;

		rw_error("cannot create a directory for the trace's files in %s: %s",
			 tmp && *tmp ? tmp : "/tmp", strerror(errno));
		b->dir[0] = '\0';
		return err;
	}
	return 0;
}

static bool is_hash_name(const char *name)
{
	size_t n = strspn(name, "0123456789abcdef");

	return n == 32 && !name[n];
}

/* Hashes the file at dirfd/name; true if that gives the name. */
static bool content_matches_name(int dfd, const char *name, uint8_t *buf)
{
	struct rw_hash h;
	uint64_t size;
	char hex[33];
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return false;
	rw_hash_hex((struct rw_hash){.hi = RW_HASH_SPARSE_TAG}, hex);
	/* The name says which kind of hash it is: a sparse one starts with the tag. */
	err = rw_hash_fd_kind(fd, buf, LOCAL_PIECE, !strncmp(name, hex, 16), &h, &size);
	close(fd);
	if (err)
		return false;
	rw_hash_hex(h, hex);
	return !strcmp(hex, name);
}

/* Adds this replay's complete, checked extracted files to the store. */
static void store_extracted(struct blobstore *b)
{
	DIR *d = opendir(b->dir);
	struct dirent *e;
	uint8_t *buf = NULL;
	char from[600], to[600];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!is_hash_name(e->d_name))
			continue;
		snprintf(to, sizeof(to), "%s/%s", b->cache, e->d_name);
		if (stat(to, &st) == 0)
			continue;
		if (!buf)
			buf = xmalloc(LOCAL_PIECE);
		if (!content_matches_name(dirfd(d), e->d_name, buf))
			continue; /* not all of it was extracted */
		snprintf(from, sizeof(from), "%s/%s", b->dir, e->d_name);
		if (link(from, to) == 0)
			b->added = true;
	}
	free(buf);
	closedir(d);
}

void blobstore_cleanup(struct blobstore *b)
{
	if (!b->dir[0])
		return;
	if (b->cache[0])
		store_extracted(b);
	remove_dir(AT_FDCWD, b->dir);
	if (b->added)
		rw_cache_trim(b->cache, rw_cache_max());
	free(b->local_chunks);
	b->local_chunks = NULL;
	b->nchunks = 0;
	free(b->shared);
	b->shared = NULL;
	b->nshared = 0;
	b->dir[0] = '\0';
}

void blobstore_path(const struct blobstore *b, struct rw_hash h, char *out, size_t outlen)
{
	char hex[33];

	rw_hash_hex(h, hex);
	snprintf(out, outlen, "%s/%s", b->dir, hex);
}

/*
 * Copies what in holds from offset off for len bytes to out; the
 * holes of a sparse file are skipped (out has them punched or is cut to
 * size around them).
 */
static int copy_range(int in, int out, off_t off, off_t len)
{
	char buf[65536];

	while (len > 0) {
		ssize_t n =
		    pread(in, buf, len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf), off);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		if (pwrite(out, buf, (size_t)n, off) != n)
			return -EIO;
		off += n;
		len -= n;
	}
	return 0;
}

/* Makes [off, off + len) of out a hole, or zeros where the filesystem cannot punch one. */
static int make_hole(int out, off_t off, off_t len)
{
	static const char zeros[65536];

	if (fallocate(out, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) == 0)
		return 0;
	for (off_t o = off; o < off + len; o += (off_t)sizeof(zeros)) {
		size_t n =
		    off + len - o < (off_t)sizeof(zeros) ? (size_t)(off + len - o) : sizeof(zeros);

		if (pwrite(out, zeros, n, o) != (ssize_t)n)
			return -EIO;
	}
	return 0;
}

/*
 * Copies from over to (made if need be, else overwritten in place, so
 * mappings of it stay, and cut to size). Only the data of a sparse file
 * is copied: where from has a hole, to gets one too (or zeros where the
 * filesystem cannot punch one).
 */
static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;
	struct stat st;
	off_t pos = 0;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (out < 0 || fstat(in, &st) < 0) {
		err = -errno;
		if (out >= 0)
			close(out);
		close(in);
		return err;
	}
	while (!err && pos < st.st_size) {
		off_t data = lseek(in, pos, SEEK_DATA), hole;

		data = data < 0 || data > st.st_size ? st.st_size : data;
		/* [pos, data) is a hole of from: make it one in to. */
		if (data > pos)
			err = make_hole(out, pos, data - pos);
		if (err || data >= st.st_size)
			break;
		hole = lseek(in, data, SEEK_HOLE);
		hole = hole < 0 || hole > st.st_size ? st.st_size : hole;
		err = copy_range(in, out, data, hole - data);
		pos = hole;
	}
	if (!err && ftruncate(out, st.st_size) < 0)
		err = -errno;
	close(in);
	close(out);
	return err;
}

/* Whether the file at path has contents hash h. */
static bool holds(const char *path, struct rw_hash h)
{
	uint8_t buf[65536];
	struct rw_hash got;
	uint64_t size;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return false;
	err = rw_hash_fd_kind(fd, buf, sizeof(buf), rw_hash_is_sparse(h), &got, &size);
	close(fd);
	return !err && rw_hash_eq(got, h);
}

int blobstore_map_path(struct blobstore *b, const struct trace_map *m, char *out, size_t outlen)
{
	char blob[320];
	int err;

	blobstore_path(b, m->hash, blob, sizeof(blob));
	if (!(m->flags & (MAP_SHARED | TRACE_MAP_WORKING_COPY))) {
		snprintf(out, outlen, "%s", blob);
		return 0;
	}
	snprintf(out, outlen, "%s/shared-%llx-%llx", b->dir, (unsigned long long)m->dev,
		 (unsigned long long)m->ino);
	for (size_t i = 0; i < b->nshared; i++) {
		if (b->shared[i].dev != m->dev || b->shared[i].ino != m->ino)
			continue;
		/*
		 * The recording stored the file as it was at this mapping. While
		 * nothing mapped it, syscalls that replay emulates (ftruncate,
		 * pwrite) may have changed it since the working copy was last
		 * used: then it is brought back to what was recorded. (Where the
		 * copy is mapped it holds that already, and this does nothing.)
		 */
		if (b->shared_exact && !holds(out, m->hash) && (err = copy_file(blob, out)) < 0) {
			rw_error("cannot refresh the working copy of %s: %s", m->path,
				 strerror(-err));
			return err;
		}
		return 0;
	}
	err = copy_file(blob, out);
	if (err) {
		rw_error("cannot make a working copy of %s for %s: %s", blob, m->path,
			 strerror(-err));
		return err;
	}
	b->shared = xrealloc(b->shared, (b->nshared + 1) * sizeof(*b->shared));
	b->shared[b->nshared].dev = m->dev;
	b->shared[b->nshared++].ino = m->ino;
	return 0;
}

int blobstore_add(struct blobstore *b, const uint8_t *payload, size_t len)
{
	struct rw_hash h;
	uint64_t total, offset;
	const uint8_t *data;
	size_t n;
	char path[320];
	struct stat st;
	int fd, err = 0;

	if (trace_blob_decode(payload, len, &h, &total, &offset, &data, &n) < 0)
		return -EBADMSG;
	blobstore_path(b, h, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* A file linked from the store is complete, and never written to. */
	if (fstat(fd, &st) == 0 && st.st_nlink > 1) {
		close(fd);
		return 0;
	}
	if ((n && pwrite(fd, data, n, (off_t)offset) != (ssize_t)n) ||
	    (offset == 0 && ftruncate(fd, (off_t)total) < 0))
		err = errno ? -errno : -EIO;
	close(fd);
	if (err)
		rw_error("cannot write %s: %s", path, strerror(-err));
	return err;
}

/*
 * Copies the file at f->path into the store if it has f's size and hash.
 * The bytes are hashed as they are copied, so what the replay maps is what
 * was checked even if the original changes meanwhile.
 */
static bool take_local(struct blobstore *b, const struct trace_stored_file *f, uint8_t *buf)
{
	char out[320];
	struct rw_hasher h;
	struct stat st;
	uint64_t total = 0;
	ssize_t n = -1;
	int in, fd;
	bool ok = false;

	/* A sparse file's hash is not taken while copying: the trace's copy is small. */
	if (f->path[0] != '/' || rw_hash_is_sparse(f->hash))
		return false;
	in = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (in < 0)
		return false;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != f->size) {
		close(in);
		return false;
	}
	blobstore_path(b, f->hash, out, sizeof(out));
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		close(in);
		return false;
	}
	rw_hasher_init(&h);
	while (total <= f->size && (n = read(in, buf, LOCAL_PIECE)) > 0) {
		rw_hasher_update(&h, buf, (size_t)n);
		if (write(fd, buf, (size_t)n) != n)
			break;
		total += (uint64_t)n;
	}
	if (n == 0 && total == f->size)
		ok = rw_hash_eq(rw_hasher_final(&h), f->hash);
	close(in);
	if (close(fd) < 0)
		ok = false;
	if (!ok)
		unlink(out);
	return ok;
}

/* Links the store's copy of f into this replay's directory, if the store has it. */
static bool from_store(struct blobstore *b, const struct trace_stored_file *f)
{
	char hex[33], from[600], to[320];
	struct stat st;

	if (!b->cache[0])
		return false;
	rw_hash_hex(f->hash, hex);
	snprintf(from, sizeof(from), "%s/%s", b->cache, hex);
	if (stat(from, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != f->size)
		return false;
	blobstore_path(b, f->hash, to, sizeof(to));
	if (link(from, to) < 0)
		return false;
	utimensat(AT_FDCWD, from, NULL, 0); /* used now: the last to go */
	return true;
}

/* Adds a file taken from this machine to the store. */
static void to_store(struct blobstore *b, const struct trace_stored_file *f)
{
	char hex[33], from[320], to[600];

	if (!b->cache[0])
		return;
	rw_hash_hex(f->hash, hex);
	blobstore_path(b, f->hash, from, sizeof(from));
	snprintf(to, sizeof(to), "%s/%s", b->cache, hex);
	if (link(from, to) == 0)
		b->added = true;
}

/* The chunks holding exactly records [first, first + count), if they are whole chunks. */
static bool whole_chunks(struct trace_reader *rd, uint64_t first, uint64_t count, uint64_t *from,
			 uint64_t *to)
{
	uint64_t cfirst, off;
	uint32_t ccount;

	if (!count || trace_reader_chunk_of(rd, first, from) < 0 ||
	    trace_reader_chunk_of(rd, first + count - 1, to) < 0 ||
	    trace_reader_chunk_records(rd, *from, &cfirst, &ccount, &off) < 0 || cfirst != first ||
	    trace_reader_chunk_records(rd, *to, &cfirst, &ccount, &off) < 0 ||
	    cfirst + ccount != first + count)
		return false;
	return true;
}

void blobstore_use_local(struct blobstore *b, struct trace_reader *reader)
{
	struct trace_stored_file *files = NULL;
	size_t nfiles = 0, taken = 0, stored = 0;
	uint8_t *buf;
	int ret;

	if (getenv("REWIND_NO_LOCAL_FILES"))
		return;
	ret = trace_read_file_table(reader, &files, &nfiles);
	trace_reader_seek_chunk(reader, 0);
	if (ret < 0)
		return;
	b->nchunks = trace_reader_indexed_chunks(reader);
	b->local_chunks = xcalloc(b->nchunks, 1);
	buf = xmalloc(LOCAL_PIECE);
	for (size_t i = 0; i < nfiles; i++) {
		uint64_t from, to;

		if (!whole_chunks(reader, files[i].first_record, files[i].records, &from, &to))
			continue;
		if (from_store(b, &files[i])) {
			stored++;
		} else if (take_local(b, &files[i], buf)) {
			to_store(b, &files[i]);
			taken++;
		} else {
			continue;
		}
		memset(b->local_chunks + from, 1, to - from + 1);
	}
	rw_debug("%s: of %zu stored files, %zu from the store, %zu from their paths",
		 trace_reader_path(reader), nfiles, stored, taken);
	free(buf);
	trace_files_free(files, nfiles);
}

bool blobstore_chunk_local(const struct blobstore *b, uint64_t chunk)
{
	return chunk < b->nchunks && b->local_chunks[chunk];
}
