/*
 * cwd: chdir/fchdir/getcwd, including a too small buffer (ERANGE), a bad
 * buffer pointer (EFAULT) and chdir to things that are not directories.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	char dir[] = "cwd-XXXXXX";
	char start[4096], now[4096], small[4];
	int startfd, fd;

	CHECK(getcwd(start, sizeof(start)) != NULL);
	printf("start: %s\n", start);
	startfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(startfd >= 0);

	CHECK(mkdtemp(dir) != NULL);
	CHECK(chdir(dir) == 0);
	CHECK(getcwd(now, sizeof(now)) != NULL);
	printf("after chdir: %s\n", now);
	size_t len = strlen(now), dlen = strlen(dir);
	CHECK(len > dlen && strcmp(now + len - dlen, dir) == 0 && now[len - dlen - 1] == '/');

	/* The raw syscall returns the length including the terminating NUL. */
	long n = syscall(SYS_getcwd, now, sizeof(now));
	printf("raw getcwd returned %ld\n", n);
	CHECK(n == (long)len + 1);
	char *tail = tail_alloc(len + 1);
	CHECK(syscall(SYS_getcwd, tail, len + 1) == (long)len + 1);
	CHECK(strcmp(tail, now) == 0);
	CHECK_ERR(syscall(SYS_getcwd, tail, len), ERANGE);
	CHECK(getcwd(small, sizeof(small)) == NULL && errno == ERANGE);
	printf("getcwd(small, 4) = NULL ERANGE\n");
	CHECK_ERR(syscall(SYS_getcwd, (void *)1, sizeof(now)), EFAULT);

	fd = open("plain", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_ERR(chdir("plain"), ENOTDIR);
	CHECK_ERR(fchdir(fd), ENOTDIR);
	CHECK_ERR(chdir("no-such-dir"), ENOENT);
	CHECK_ERR(chdir(""), ENOENT);
	CHECK_ERR(syscall(SYS_chdir, (void *)1), EFAULT);
	CHECK(close(fd) == 0);
	CHECK(unlink("plain") == 0);

	CHECK(fchdir(startfd) == 0);
	CHECK(getcwd(now, sizeof(now)) != NULL);
	printf("after fchdir: %s\n", now);
	CHECK(strcmp(now, start) == 0);
	CHECK(chdir("/") == 0);
	CHECK(getcwd(now, sizeof(now)) != NULL && strcmp(now, "/") == 0);
	printf("root: %s\n", now);
	CHECK(fchdir(startfd) == 0);
	CHECK(close(startfd) == 0);
	CHECK(rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
