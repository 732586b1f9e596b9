/*
 * The replayer's copies of the files stored in a trace: each blob is
 * written to a private temporary directory under its content hash, so the
 * tracee can map it at the recorded address even where the original file
 * is gone or different.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/log.h"
#include "replayer/replayer.h"
#include "trace_format/event.h"
#include "trace_format/trace.h"

/* Bytes read, hashed and written at a time when taking a local file. */
#define LOCAL_PIECE (1u << 20)

int blobstore_init(struct blobstore *b)
{
	const char *tmp = getenv("TMPDIR");

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

void blobstore_cleanup(struct blobstore *b)
{
	DIR *d;
	struct dirent *e;

	if (!b->dir[0])
		return;
	d = opendir(b->dir);
	if (d) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(b->dir);
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

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	close(in);
	close(out);
	return err;
}

int blobstore_map_path(struct blobstore *b, const struct trace_map *m, char *out, size_t outlen)
{
	char blob[320];
	int err;

	blobstore_path(b, m->hash, blob, sizeof(blob));
	if (!(m->flags & MAP_SHARED)) {
		snprintf(out, outlen, "%s", blob);
		return 0;
	}
	snprintf(out, outlen, "%s/shared-%llx-%llx", b->dir, (unsigned long long)m->dev,
		 (unsigned long long)m->ino);
	for (size_t i = 0; i < b->nshared; i++)
		if (b->shared[i].dev == m->dev && b->shared[i].ino == m->ino)
			return 0;
	err = copy_file(blob, out);
	if (err) {
		rw_error("cannot make a working copy of %s for %s: %s", blob, m->path,
			 strerror(-err));
		return err;
	}
	b->shared = realloc(b->shared, (b->nshared + 1) * sizeof(*b->shared));
	if (!b->shared)
		abort();
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
	int fd, err = 0;

	if (trace_blob_decode(payload, len, &h, &total, &offset, &data, &n) < 0)
		return -EBADMSG;
	blobstore_path(b, h, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
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
	struct rw_hash got;
	struct stat st;
	uint64_t total = 0;
	ssize_t n = -1;
	int in, fd;
	bool ok = false;

	if (f->path[0] != '/')
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
	if (n == 0 && total == f->size) {
		got = rw_hasher_final(&h);
		ok = got.lo == f->hash.lo && got.hi == f->hash.hi;
	}
	close(in);
	if (close(fd) < 0)
		ok = false;
	if (!ok)
		unlink(out);
	return ok;
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
	size_t nfiles = 0, taken = 0;
	uint8_t *buf;
	int ret;

	if (getenv("REWIND_NO_LOCAL_FILES"))
		return;
	ret = trace_read_file_table(reader, &files, &nfiles);
	trace_reader_seek_chunk(reader, 0);
	if (ret < 0)
		return;
	b->nchunks = trace_reader_indexed_chunks(reader);
	b->local_chunks = calloc(b->nchunks, 1);
	buf = malloc(LOCAL_PIECE);
	if (!b->local_chunks || !buf)
		abort();
	for (size_t i = 0; i < nfiles; i++) {
		uint64_t from, to;

		if (!whole_chunks(reader, files[i].first_record, files[i].records, &from, &to) ||
		    !take_local(b, &files[i], buf))
			continue;
		memset(b->local_chunks + from, 1, to - from + 1);
		taken++;
	}
	rw_debug("%s: %zu of %zu stored files taken from this machine", trace_reader_path(reader),
		 taken, nfiles);
	free(buf);
	trace_files_free(files, nfiles);
}

bool blobstore_chunk_local(const struct blobstore *b, uint64_t chunk)
{
	return chunk < b->nchunks && b->local_chunks[chunk];
}
