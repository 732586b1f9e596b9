/*
 * links: symlink/symlinkat, readlink/readlinkat (including a too short buffer, which
 * truncates), link/linkat and the link count, and their error cases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	char dir[] = "links-XXXXXX";
	char buf[PATH_MAX];
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(chdir(dir) == 0);
	int fd = open("target", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "target data", 11) == 11 && close(fd) == 0);

	CHECK(symlink("target", "sym") == 0);
	CHECK(symlink("no-such-file", "dangling") == 0);
	ssize_t n = readlink("sym", buf, sizeof(buf));
	printf("readlink sym: %zd '%.*s'\n", n, (int)n, buf);
	CHECK(n == 6 && memcmp(buf, "target", 6) == 0);
	memset(buf, '#', sizeof(buf));
	n = readlink("dangling", buf, 4); /* truncated, never NUL-terminated */
	printf("readlink with 4-byte buffer: %zd '%.4s' then '%c'\n", n, buf, buf[4]);
	CHECK(n == 4 && memcmp(buf, "no-s", 4) == 0 && buf[4] == '#');
	char *tail = tail_alloc(12);
	CHECK(readlink("dangling", tail, 12) == 12 && memcmp(tail, "no-such-file", 12) == 0);
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK(symlinkat("/absolute/path", dfd, "abs") == 0);
	n = readlinkat(dfd, "abs", buf, sizeof(buf));
	CHECK(n == 14 && memcmp(buf, "/absolute/path", 14) == 0);
	int lfd = openat(dfd, "sym", O_PATH | O_NOFOLLOW);
	CHECK(lfd >= 0);
	n = readlinkat(lfd, "", buf, sizeof(buf)); /* the link itself, by descriptor */
	CHECK(n == 6 && memcmp(buf, "target", 6) == 0);
	CHECK(close(lfd) == 0);
	printf("readlinkat ok\n");

	CHECK_ERR(readlink("target", buf, sizeof(buf)), EINVAL);
	CHECK_ERR(readlink("missing", buf, sizeof(buf)), ENOENT);
	CHECK_ERR(syscall(SYS_readlink, "sym", buf, 0), EINVAL);
	CHECK_ERR(syscall(SYS_readlink, "sym", (void *)1, sizeof(buf)), EFAULT);
	CHECK_ERR(symlink("x", "sym"), EEXIST);
	CHECK_ERR(symlink("", "empty"), ENOENT);

	CHECK(link("target", "hard") == 0);
	CHECK(stat("target", &st) == 0);
	printf("nlink after link: %llu\n", (unsigned long long)st.st_nlink);
	CHECK(st.st_nlink == 2);
	CHECK(linkat(dfd, "sym", dfd, "hard-follow", AT_SYMLINK_FOLLOW) == 0);
	CHECK(linkat(dfd, "sym", dfd, "hard-sym", 0) == 0); /* links the symlink itself */
	CHECK(lstat("hard-sym", &st) == 0 && S_ISLNK(st.st_mode) && st.st_nlink == 2);
	CHECK(stat("target", &st) == 0 && st.st_nlink == 3);
	CHECK_ERR(link("target", "hard"), EEXIST);
	CHECK_ERR(link("missing", "x"), ENOENT);
	CHECK_ERR(link(".", "dirlink"), EPERM);
	CHECK(unlink("hard") == 0 && unlink("hard-follow") == 0);
	CHECK(stat("target", &st) == 0 && st.st_nlink == 1);
	fd = open("sym", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 11) == 11 && memcmp(buf, "target data", 11) == 0);
	CHECK(close(fd) == 0);
	printf("nlink back to 1, data readable through the symlink\n");

	const char *names[] = {"target", "sym", "dangling", "abs", "hard-sym"};
	for (int i = 0; i < 5; i++)
		CHECK(unlink(names[i]) == 0);
	CHECK(close(dfd) == 0 && chdir("..") == 0 && rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
