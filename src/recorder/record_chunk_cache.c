/*
 * The recorder's store of compressed stored files: <cache>/chunks-2/<hash>
 * (cache_dir.h), the chunks a trace got for one stored file's blob records,
 * as the writer's worker deflated and wrote them (trace_writer_capture_*).
 * A stored file's blobs fill chunks of their own that hold nothing that
 * depends on the trace around them, so the same bytes are right in any
 * trace of the same format: storing a file another recording stored
 * already takes them from here (trace_writer_add_stored) instead of
 * deflating it again. Recording the same programs again and again (the
 * usual way) then costs a read and a hash per library, not its
 * compression. The writer's worker checks an entry as it takes it (every
 * chunk's CRC, their records, and that the first is a blob of this hash
 * and size: trace_writer_add_stored), off the recorder's thread; one that
 * fails is removed and the file deflated again there, into a new entry.
 * A sparse file (its holes left out) is deflated every time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cache_dir.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"
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

int recorder_chunk_cache_add(struct recorder *r, int fd, const char *path, struct rw_hash hash,
			     uint64_t size, bool *done)
{
	char entry[300];
	struct stat st;
	int efd, src;

	*done = false;
	if (!r->chunk_cache || rw_hash_is_sparse(hash))
		return 0;
	entry_path(r, hash, entry, sizeof(entry));
	if ((efd = open(entry, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	if (fstat(efd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (src = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		close(efd);
		return 0;
	}
	futimens(efd, NULL); /* recently used */
	*done = true;
	return trace_writer_add_stored(r->writer, &(struct trace_stored_blob){
						      .entry_fd = efd,
						      .src_fd = src,
						      .entry_path = entry,
						      .src_path = path ? path : "?",
						      .hash = hash,
						      .size = size,
						      .piece = RECORDER_BLOB_PIECE,
						  });
}

int recorder_chunk_cache_capture(struct recorder *r, struct rw_hash hash)
{
	char path[300], tmp[340];
	int fd;

	if (!r->chunk_cache || rw_hash_is_sparse(hash))
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
