/*
 * file_io: open/read/write/lseek/pread/pwrite/ftruncate/fsync/rename/unlink
 * on a file in a private mkdtemp directory, with good and bad arguments.
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

int main(void)
{
	char dir[] = "file_io-XXXXXX";
	char path[64], path2[64], buf[64];
	const char msg[] = "hello, rewind\n";
	struct stat st;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	snprintf(path2, sizeof(path2), "%s/b.txt", dir);

	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK_ERR(open(path, O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	CHECK(write(fd, msg, sizeof(msg) - 1) == (ssize_t)(sizeof(msg) - 1));
	CHECK(write(fd, msg, 0) == 0);
	printf("wrote %zu bytes\n", sizeof(msg) - 1);

	CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)(sizeof(msg) - 1));
	CHECK(lseek(fd, 7, SEEK_SET) == 7);
	memset(buf, 0, sizeof(buf));
	CHECK(read(fd, buf, 6) == 6);
	printf("read at 7: '%s'\n", buf);
	CHECK(strcmp(buf, "rewind") == 0);
	CHECK(lseek(fd, -3, SEEK_END) == (off_t)(sizeof(msg) - 4));
	CHECK_ERR(lseek(fd, -100, SEEK_SET), EINVAL);
	CHECK_ERR(lseek(fd, 0, 12345), EINVAL);

	/* Reading at end of file gives 0, and must not touch the buffer. */
	CHECK(lseek(fd, 0, SEEK_END) == (off_t)(sizeof(msg) - 1));
	memset(buf, 'x', sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	CHECK(buf[0] == 'x');

	/* pread/pwrite do not move the file offset. */
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, 5, 0) == 5);
	printf("pread at 0: '%s'\n", buf);
	CHECK(strcmp(buf, "hello") == 0);
	CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
	CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)(sizeof(msg) - 1));
	/* pwrite past the end leaves a hole that reads back as zeros. */
	CHECK(pwrite(fd, "tail", 4, 100) == 4);
	CHECK(fstat(fd, &st) == 0);
	printf("size after hole: %lld\n", (long long)st.st_size);
	CHECK(st.st_size == 104);
	CHECK(pread(fd, buf, 8, 50) == 8);
	for (int i = 0; i < 8; i++)
		CHECK(buf[i] == 0);
	CHECK_ERR(pread(fd, buf, 8, -1), EINVAL);

	/* Read exactly into a buffer ending at a page boundary. */
	char *tail = tail_alloc(14);
	CHECK(pread(fd, tail, 14, 0) == 14);
	printf("page-end read: '%.14s'\n", tail);
	CHECK(memcmp(tail, "HELLO, rewind\n", 14) == 0);

	CHECK(ftruncate(fd, 5) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 5);
	CHECK(ftruncate(fd, 4096) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 4096);
	CHECK(pread(fd, buf, 10, 0) == 10);
	CHECK(memcmp(buf, "HELLO\0\0\0\0\0", 10) == 0);
	CHECK_ERR(ftruncate(fd, -1), EINVAL);
	CHECK(fsync(fd) == 0);
	CHECK(fdatasync(fd) == 0);
	printf("truncate/fsync ok, size %lld\n", (long long)st.st_size);

	/* O_APPEND writes always go to the end. */
	int afd = open(path, O_WRONLY | O_APPEND);
	CHECK(afd >= 0);
	CHECK(lseek(afd, 0, SEEK_SET) == 0);
	CHECK(write(afd, "END", 3) == 3);
	CHECK(lseek(afd, 0, SEEK_CUR) == 4099);
	CHECK(close(afd) == 0);
	CHECK_ERR(close(afd), EBADF);
	CHECK_ERR(read(afd, buf, 1), EBADF);

	CHECK(close(fd) == 0);
	CHECK(rename(path, path2) == 0);
	CHECK_ERR(open(path, O_RDONLY), ENOENT);
	fd = open(path2, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERR(write(fd, "x", 1), EBADF);
	CHECK(pread(fd, buf, 3, 4096) == 3);
	CHECK(memcmp(buf, "END", 3) == 0);
	CHECK(close(fd) == 0);
	printf("renamed and reopened\n");

	CHECK(unlink(path2) == 0);
	CHECK_ERR(unlink(path2), ENOENT);
	CHECK(rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
