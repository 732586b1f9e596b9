/*
 * The recorder's store of compressed stored files: <cache>/chunks-2/<hash>
 * (cache_dir.h), the chunks a trace got for one stored file's blob records,
 * as the writer's worker deflated and wrote them (trace_writer_capture_*).
 * A stored file's blobs fill chunks of their own that hold nothing that
 * depends on the trace around them, so the same bytes are right in any
 * trace of the same format: storing a file another recording stored
 * already takes them from here (trace_writer_add_chunks) instead of
 * deflating it again. Recording the same programs again and again (the
 * usual way) then costs a read and a hash per library, not its
 * compression. An entry is checked before use (every chunk's CRC, and that
 * its first record is a blob of this hash and size); one that fails is
 * removed and the file deflated again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/buf.h"
#include "common/cache_dir.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"
#include "trace_format/container.h"
#include "trace_format/event.h"
#include "trace_format/trace.h"

void recorder_chunk_cache_init(struct recorder *r)
{
	char root[200], dir[256];

	r->chunk_cache = NULL;
	if (!rw_cache_root(root, sizeof(root)))
		return;
	snprintf(dir, sizeof(dir), "%s/chunks-%u", root, TRACE_VERSION_MAJOR);
	if (rw_make_dirs(dir, 0700) < 0) {
		rw_debug("no store of compressed files in %s: %s", dir, strerror(errno));
		return;
	}
	r->chunk_cache = xstrdup(dir);
}

void recorder_chunk_cache_fini(struct recorder *r)
{
	if (r->chunk_cache && r->chunk_cache_added)
		rw_cache_trim(r->chunk_cache, rw_cache_max());
	free(r->chunk_cache);
	r->chunk_cache = NULL;
}

static void entry_path(const struct recorder *r, struct rw_hash hash, char *out, size_t len)
{
	char hex[33];

	rw_hash_hex(hash, hex);
	snprintf(out, len, "%s/%s", r->chunk_cache, hex);
}

/* Whether the first record of the first chunk at p is a blob of hash and size. */
static bool first_blob_is(const uint8_t *p, size_t len, struct rw_hash hash, uint64_t size)
{
	uint8_t head[64];
	z_stream zs = {0};
	struct rw_cursor c;
	struct rw_hash h;
	uint64_t total, offset, kind, rec_len;
	const uint8_t *data;
	size_t data_len, got;
	int zret;

	if (len < TRACE_CHUNK_HEADER_SIZE || inflateInit(&zs) != Z_OK)
		return false;
	zs.next_in = (uint8_t *)p + TRACE_CHUNK_HEADER_SIZE;
	zs.avail_in = (uInt)(len - TRACE_CHUNK_HEADER_SIZE);
	zs.next_out = head;
	zs.avail_out = sizeof(head);
	zret = inflate(&zs, Z_SYNC_FLUSH);
	got = sizeof(head) - zs.avail_out;
	inflateEnd(&zs);
	if (zret != Z_OK && zret != Z_STREAM_END)
		return false;
	rw_cursor_init(&c, head, got);
	kind = rw_get_varint(&c);
	rec_len = rw_get_varint(&c);
	if (c.bad || kind != TRACE_REC_BLOB || rec_len < 18)
		return false;
	if (trace_blob_decode(c.p, rw_cursor_left(&c), &h, &total, &offset, &data, &data_len) < 0)
		return false;
	return rw_hash_eq(h, hash) && total == size && offset == 0;
}

int recorder_chunk_cache_add(struct recorder *r, struct rw_hash hash, uint64_t size, bool *done)
{
	char path[300];
	struct stat st;
	uint64_t ulen;
	uint8_t *p;
	int fd, err = 0;

	*done = false;
	if (!r->chunk_cache)
		return 0;
	entry_path(r, hash, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		close(fd);
		return 0;
	}
	if (first_blob_is(p, (size_t)st.st_size, hash, size)) {
		err = trace_writer_add_chunks(r->writer, p, (size_t)st.st_size, &ulen);
		*done = err == 0;
	}
	if (*done) {
		futimens(fd, NULL); /* recently used */
	} else if (!err || err == -EINVAL) {
		/* Not its chunks (a trace's write error is the recording's, and goes up). */
		rw_debug("%s: not chunks of the file it names; removed", path);
		unlink(path);
		err = 0;
	}
	munmap(p, (size_t)st.st_size);
	close(fd);
	return err;
}

int recorder_chunk_cache_capture(struct recorder *r, struct rw_hash hash)
{
	char path[300], tmp[340];
	int fd;

	if (!r->chunk_cache)
		return 0;
	entry_path(r, hash, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return 0; /* another recording of this process id left it: no copy this time */
	r->chunk_cache_added = true;
	return trace_writer_capture_begin(r->writer, fd, tmp, path);
}

int recorder_chunk_cache_end(struct recorder *r, bool keep)
{
	return r->chunk_cache ? trace_writer_capture_end(r->writer, keep) : 0;
}
