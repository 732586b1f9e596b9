/*
 * truncate: truncate and ftruncate growing (zero fill) and shrinking a file, on a
 * read-only descriptor (EINVAL), negative lengths and missing files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static long long size_of(const char *path)
{
	struct stat st;

	CHECK(stat(path, &st) == 0);
	return (long long)st.st_size;
}

int main(void)
{
	char path[] = "truncate-XXXXXX";
	char buf[32];
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, "abcdefghijklmnopqrstuvwxyz", 26) == 26);
	CHECK(truncate(path, 10) == 0);
	printf("after truncate 10: %lld\n", size_of(path));
	CHECK(size_of(path) == 10);
	CHECK(truncate(path, 20) == 0 && size_of(path) == 20);
	CHECK(pread(fd, buf, sizeof(buf), 0) == 20);
	CHECK(memcmp(buf, "abcdefghij\0\0\0\0\0\0\0\0\0\0", 20) == 0);
	printf("grown to 20: tail is zeros\n");
	CHECK(truncate(path, 1 << 20) == 0 && size_of(path) == 1 << 20);
	CHECK(ftruncate(fd, 0) == 0 && size_of(path) == 0);
	CHECK(pread(fd, buf, sizeof(buf), 0) == 0);
	CHECK(lseek(fd, 0, SEEK_CUR) == 26); /* the offset is not changed */
	printf("ftruncate 0: empty, offset still 26\n");

	int ro = open(path, O_RDONLY);
	CHECK(ro >= 0);
	CHECK_ERR(ftruncate(ro, 5), EINVAL);
	CHECK(close(ro) == 0);
	CHECK_ERR(truncate(path, -1), EINVAL);
	CHECK_ERR(truncate("missing-file", 5), ENOENT);
	CHECK_ERR(truncate(".", 5), EISDIR);
	CHECK_ERR(syscall(SYS_truncate, (void *)1, 5), EFAULT);
	CHECK_ERR(ftruncate(999, 5), EBADF);
	CHECK(close(fd) == 0 && unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
