/*
 * The user's cache directory and the size limit of its stores (see
 * cache_dir.h).
 */
#define _GNU_SOURCE
#include "common/cache_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"

#define CACHE_MAX_DEFAULT (2ull << 30)

bool rw_cache_root(char *out, size_t outlen)
{
	const char *v = getenv("REWIND_CACHE_DIR"), *home = getenv("HOME");
	int n;

	if (v)
		n = *v ? snprintf(out, outlen, "%s", v) : -1;
	else if ((v = getenv("XDG_CACHE_HOME")) && *v == '/')
		n = snprintf(out, outlen, "%s/rewind", v);
	else if (home && *home == '/')
		n = snprintf(out, outlen, "%s/.cache/rewind", home);
	else
		n = -1;
	return n > 0 && (size_t)n < outlen;
}

int rw_make_dirs(const char *path, mode_t mode)
{
	char buf[256];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
		*p = c;
	}
}

uint64_t rw_cache_max(void)
{
	const char *v = getenv("REWIND_CACHE_MAX");
	char *end;
	uint64_t n;

	if (!v || !*v)
		return CACHE_MAX_DEFAULT;
	n = strtoull(v, &end, 10);
	switch (*end) {
	case 'G':
	case 'g':
		n <<= 10;
		/* fall through */
	case 'M':
	case 'm':
		n <<= 10;
		/* fall through */
	case 'K':
	case 'k':
		n <<= 10;
		break;
	default:
		break;
	}
	return n;
}

struct cached {
	char name[48];
	uint64_t size;
	int64_t mtime;
};

static int older_first(const void *a, const void *b)
{
	const struct cached *x = a, *y = b;

	return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

void rw_cache_trim(const char *dir, uint64_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct cached *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) >= sizeof(v->name) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", e->d_name);
		v[n].size = (uint64_t)st.st_size;
		v[n].mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		total += v[n++].size;
	}
	if (total > max) {
		qsort(v, n, sizeof(*v), older_first);
		for (size_t i = 0; i < n && total > max / 4 * 3; i++)
			if (unlinkat(dirfd(d), v[i].name, 0) == 0)
				total -= v[i].size;
	}
	closedir(d);
	free(v);
}
