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
#include <unistd.h>

#include "common/log.h"
#include "replayer/replayer.h"

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
