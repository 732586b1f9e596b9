/*
 * The recorder's store of file hashes: <cache>/file-ids-1 (cache_dir.h),
 * one record per file a recording hashed, naming it by device, inode,
 * size, modification and change times, with its hash. A later recording
 * that stores a file of that identity takes the hash from here instead of
 * reading the whole file (a compiler's 30 MB each time a build is
 * recorded); with the store of compressed chunks (record_chunk_cache.c) a
 * file seen before then costs a stat.
 *
 * Any write to a file (and any chmod, rename or link) sets its change
 * time, which no program can set back, so an identity names one content.
 * A file changed less than FRESH_NS before it was hashed is not kept: a
 * write through a shared mapping sets the times at its first fault, and
 * more bytes may follow under the same times. Each record carries a check
 * of its own bytes; records are appended whole (O_APPEND) and a store over
 * FILE_IDS_MAX bytes is started again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cache_dir.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"

#define FILE_IDS_NAME "file-ids-1"
#define FILE_IDS_MAX  (4u << 20)
#define FRESH_NS      1000000000ll

struct file_id {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	struct rw_hash hash;
	struct rw_hash check; /* of the fields before it */
};
_Static_assert(sizeof(struct file_id) == 72, "file id record");

static int64_t ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void identify(struct file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = (uint64_t)st->st_size;
	id->mtime_ns = ns(st->st_mtim);
	id->ctime_ns = ns(st->st_ctim);
}

static bool same_file(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* Reads the store's whole records that check out; opens it for appending. */
static void load(struct recorder *r)
{
	char root[200], path[256];
	struct stat st;
	struct file_id *all;
	ssize_t n;
	int fd;

	r->file_ids_loaded = true;
	r->file_ids_fd = -1;
	if (!rw_cache_root(root, sizeof(root)) || rw_make_dirs(root, 0700) < 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", root, FILE_IDS_NAME);
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rw_debug("no store of file hashes at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	if (st.st_size > FILE_IDS_MAX && ftruncate(fd, 0) == 0)
		st.st_size = 0;
	all = xmalloc((size_t)st.st_size + 1);
	n = pread(fd, all, (size_t)st.st_size, 0);
	for (size_t i = 0; n > 0 && i < (size_t)n / sizeof(*all); i++) {
		struct rw_hash c = rw_hash_bytes(&all[i], offsetof(struct file_id, check));

		if (c.lo == all[i].check.lo && c.hi == all[i].check.hi)
			all[r->nfile_ids++] = all[i];
	}
	r->file_ids = all;
	r->file_ids_fd = fd;
}

bool recorder_file_ids_find(struct recorder *r, const struct stat *st, struct rw_hash *hash)
{
	struct file_id want;

	if (!r->file_ids_loaded)
		load(r);
	identify(&want, st);
	/* The latest record of an identity counts (there is one unless two recordings raced). */
	for (size_t i = r->nfile_ids; i-- > 0;)
		if (same_file(&r->file_ids[i], &want)) {
			*hash = r->file_ids[i].hash;
			return true;
		}
	return false;
}

void recorder_file_ids_add(struct recorder *r, const struct stat *st, struct rw_hash hash)
{
	struct timespec now;
	struct file_id id;

	if (!r->file_ids_loaded)
		load(r);
	if (r->file_ids_fd < 0 || clock_gettime(CLOCK_REALTIME, &now) < 0 ||
	    ns(now) - ns(st->st_ctim) < FRESH_NS || ns(now) - ns(st->st_mtim) < FRESH_NS)
		return;
	identify(&id, st);
	id.hash = hash;
	id.check = rw_hash_bytes(&id, offsetof(struct file_id, check));
	if (write(r->file_ids_fd, &id, sizeof(id)) != (ssize_t)sizeof(id))
		rw_debug("cannot add to the store of file hashes: %s", strerror(errno));
}

void recorder_file_ids_fini(struct recorder *r)
{
	if (!r->file_ids_loaded)
		return;
	if (r->file_ids_fd >= 0)
		close(r->file_ids_fd);
	r->file_ids_fd = -1;
	free(r->file_ids);
	r->file_ids = NULL;
	r->nfile_ids = 0;
	r->file_ids_loaded = false;
}
