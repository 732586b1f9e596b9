/*
 * inotify: a watch on a directory reports create, modify, close-write, rename and
 * delete events in order; removing the watch gives IN_IGNORED; bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static void name_mask(uint32_t mask, char *out, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
	    {IN_ACCESS, "ACCESS"},
	    {IN_MODIFY, "MODIFY"},
	    {IN_ATTRIB, "ATTRIB"},
	    {IN_CLOSE_WRITE, "CLOSE_WRITE"},
	    {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"},
	    {IN_OPEN, "OPEN"},
	    {IN_MOVED_FROM, "MOVED_FROM"},
	    {IN_MOVED_TO, "MOVED_TO"},
	    {IN_CREATE, "CREATE"},
	    {IN_DELETE, "DELETE"},
	    {IN_IGNORED, "IGNORED"},
	    {IN_ISDIR, "ISDIR"},
	};

	out[0] = 0;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (mask & bits[i].bit) {
			if (out[0])
				strncat(out, "|", size - strlen(out) - 1);
			strncat(out, bits[i].name, size - strlen(out) - 1);
		}
}

/* Reads and prints all pending events; returns how many there were. */
static int drain(int ifd, uint32_t *cookie_out)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int count = 0;

	for (;;) {
		ssize_t n = read(ifd, buf, sizeof(buf));
		if (n < 0) {
			CHECK(errno == EAGAIN);
			return count;
		}
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			char names[128];

			name_mask(ev->mask, names, sizeof(names));
			printf("  wd %d %s '%s'%s\n", ev->wd, names, ev->len ? ev->name : "",
			       ev->cookie ? " (cookie)" : "");
			if (ev->cookie && cookie_out)
				*cookie_out = ev->cookie;
			count++;
			p += sizeof(*ev) + ev->len;
		}
	}
}

int main(void)
{
	char dir[] = "inotify-XXXXXX";
	char path[64], path2[64];

	CHECK(mkdtemp(dir) != NULL);
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(ifd >= 0);
	char buf[256];
	CHECK_ERR(read(ifd, buf, sizeof(buf)), EAGAIN);
	int wd = inotify_add_watch(
	    ifd, dir, IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE | IN_MOVE | IN_ATTRIB);
	CHECK(wd >= 0);
	printf("watch descriptor %d\n", wd);
	CHECK(inotify_add_watch(ifd, dir,
				IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVE |
				    IN_ATTRIB) == wd);

	snprintf(path, sizeof(path), "%s/file", dir);
	snprintf(path2, sizeof(path2), "%s/renamed", dir);
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "data", 4) == 4 && close(fd) == 0);
	CHECK(chmod(path, 0600) == 0);
	CHECK(rename(path, path2) == 0);
	snprintf(path, sizeof(path), "%s/subdir", dir);
	CHECK(mkdir(path, 0755) == 0 && rmdir(path) == 0);
	CHECK(unlink(path2) == 0);

	/* A too small buffer for the next event gives EINVAL. */
	CHECK_ERR(read(ifd, buf, 8), EINVAL);
	uint32_t cookie = 0;
	printf("events:\n");
	int n = drain(ifd, &cookie);
	printf("%d events\n", n);
	CHECK(n == 9 && cookie != 0);

	CHECK(inotify_rm_watch(ifd, wd) == 0);
	printf("after rm_watch:\n");
	CHECK(drain(ifd, NULL) == 1);
	CHECK_ERR(inotify_rm_watch(ifd, wd), EINVAL);
	CHECK_ERR(inotify_add_watch(ifd, "no-such-dir", IN_CREATE), ENOENT);
	CHECK_ERR(inotify_add_watch(ifd, dir, 0), EINVAL);
	CHECK_ERR(inotify_add_watch(-1, dir, IN_CREATE), EBADF);
	CHECK_ERR(inotify_init1(0x1), EINVAL);
	CHECK(close(ifd) == 0 && rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
