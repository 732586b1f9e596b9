/* Where traces live and how they are named; see cli.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
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

/* How messages name the trace directory: by the variable that chose it, if one did. */
static const char *dir_label(void)
{
	const char *dir = getenv("REWIND_DIR");

	return dir && *dir ? "REWIND_DIR" : "the trace directory";
}

/* path cannot be a directory because part of it (or all) is something else. */
static int not_a_directory(const char *path, const char *part, const struct stat *st)
{
	if (!strcmp(part, path))
		rw_error("%s %s is not a directory", dir_label(), path);
	else
		rw_error("%s %s is not a directory: %s is %s", dir_label(), path, part,
			 S_ISREG(st->st_mode) ? "a file" : "not one");
	return -ENOTDIR;
}

/*
 * path is a directory, or can be made one: each missing part is created,
 * mode 0700 (traces hold the program's memory, and the XDG directories are
 * 0700 too). A directory that exists keeps its mode: it may be /tmp, or
 * anyone's. A part that exists but is no directory is an error naming it.
 */
static int make_dirs(const char *path)
{
	char dir[PATH_MAX], part[PATH_MAX];
	size_t len;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	for (len = strlen(dir); len > 1 && dir[len - 1] == '/';)
		dir[--len] = '\0';
	memcpy(part, dir, len + 1);
	for (char *p = part + 1;; p++) {
		bool last = !*p;
		int err;

		if (!last && *p != '/')
			continue;
		*p = '\0';
		if (mkdir(part, 0700) == 0) {
			chmod(part, 0700); /* whatever the umask took away */
		} else {
			err = errno;
			if (stat(part, &st) < 0) {
				rw_error("cannot create %s %s: %s: %s", dir_label(), dir, part,
					 strerror(err));
				return -err;
			}
			if (!S_ISDIR(st.st_mode))
				return not_a_directory(dir, part, &st);
		}
		if (last)
			return 0;
		*p = '/';
	}
}

int trace_new_path(const char *prog, char *out, size_t outlen)
{
	char dir[PATH_MAX - 64], name[256];
	int err;

	if ((err = trace_dir(dir, sizeof(dir))) < 0)
		return err;
	if ((err = make_dirs(dir)) < 0)
		return err;
	snprintf(name, sizeof(name), "%s", prog);
	for (int n = 0; n < 100000; n++) {
		struct stat st;

		snprintf(out, outlen, "%s/%s-%d", dir, basename(name), n);
		if (lstat(out, &st) == 0)
			continue;
		if (errno == ENOENT)
			return 0;
		err = -errno;
		rw_error("cannot look for a free trace name in %s: %s: %s", dir, out,
			 strerror(errno));
		return err;
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
	if (stat(dir, &st) == 0 ? !S_ISDIR(st.st_mode) : errno == ENOTDIR) {
		rw_error("%s %s is not a directory", dir_label(), dir);
		return -ENOTDIR;
	}
	snprintf(link, sizeof(link), "%s/latest-trace", dir);
	if (stat(link, &st) < 0) {
		rw_error("no trace given and no latest trace in %s: record one with 'rewind rec'",
			 dir);
		return -ENOENT;
	}
	snprintf(out, outlen, "%s", link);
	return 0;
}

int cli_trace_operand(const char *cmd, const char *usage, const char *a, const char **trace)
{
	if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
		puts(usage);
		return 0;
	}
	if (a[0] == '-') {
		rw_error("%s: unknown option '%s' (rewind %s --help)", cmd, a, cmd);
		return 2;
	}
	if (*trace) {
		rw_error("%s: more than one trace given ('%s', '%s')", cmd, *trace, a);
		return 2;
	}
	*trace = a;
	return 1;
}
