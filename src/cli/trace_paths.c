/* Where traces live and how they are named; see cli.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"

int trace_dir(char *out, size_t outlen)
{
	const char *dir = getenv("REWIND_DIR");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (dir && *dir)
		snprintf(out, outlen, "%s", dir);
	else if (xdg && *xdg)
		snprintf(out, outlen, "%s/rewind", xdg);
	else if (home && *home)
		snprintf(out, outlen, "%s/.local/share/rewind", home);
	else {
		rw_error("cannot tell where traces go: set REWIND_DIR or HOME");
		return -ENOENT;
	}
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int trace_new_path(const char *prog, char *out, size_t outlen)
{
	char dir[PATH_MAX - 64], name[256];
	int err;

	if ((err = trace_dir(dir, sizeof(dir))) < 0)
		return err;
	if ((err = mkdir_p(dir, 0700)) < 0) {
		rw_error("cannot create the trace directory %s: %s", dir, strerror(-err));
		return err;
	}
	/* Traces hold the program's memory: keep the directory private. */
	chmod(dir, 0700);
	snprintf(name, sizeof(name), "%s", prog);
	for (int n = 0; n < 100000; n++) {
		struct stat st;

		snprintf(out, outlen, "%s/%s-%d", dir, basename(name), n);
		if (lstat(out, &st) < 0 && errno == ENOENT)
			return 0;
	}
	rw_error("too many traces of %s in %s", prog, dir);
	return -EEXIST;
}

void trace_set_latest(const char *path)
{
	char dir[PATH_MAX - 64], link[PATH_MAX], tmp[PATH_MAX + 8];

	if (trace_dir(dir, sizeof(dir)) < 0)
		return;
	snprintf(link, sizeof(link), "%s/latest-trace", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", link);
	unlink(tmp);
	if (symlink(path, tmp) == 0 && rename(tmp, link) == 0)
		return;
	unlink(tmp);
}

int trace_resolve(const char *arg, char *out, size_t outlen)
{
	char dir[PATH_MAX - 64], link[PATH_MAX];
	struct stat st;

	if (arg) {
		snprintf(out, outlen, "%s", arg);
		return 0;
	}
	if (trace_dir(dir, sizeof(dir)) < 0)
		return -ENOENT;
	snprintf(link, sizeof(link), "%s/latest-trace", dir);
	if (stat(link, &st) < 0) {
		rw_error("no trace given and no latest trace in %s: record one with 'rewind rec'",
			 dir);
		return -ENOENT;
	}
	snprintf(out, outlen, "%s", link);
	return 0;
}
