/*
 * efault: system calls given bad pointers (1, NULL, kernel and non-canonical
 * addresses, buffers that run into an inaccessible page) fail with EFAULT or stop short,
 * and must not change anything in the caller's memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	static const struct {
		unsigned long addr;
		const char *name;
	} bad[] = {
	    {1, "1"},
	    {0, "NULL"},
	    {0xffff800000000000UL, "kernel"},
	    {0x8000000000000000UL, "non-canonical"},
	    {0x00007ffffffff000UL, "top of user space"},
	};
	char path[] = "efault-XXXXXX";
	char buf[32];
	struct stat st;
	struct timeval tv;
	int p[2];
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, "0123456789abcdef0123456789abcdef", 32) == 32);
	CHECK(pipe(p) == 0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *ptr = (void *)bad[i].addr;

		printf("-- %s\n", bad[i].name);
		CHECK_ERR(syscall(SYS_pread64, fd, ptr, 16, 0), EFAULT);
		CHECK_ERR(syscall(SYS_write, fd, ptr, 10), EFAULT);
		CHECK_ERR(syscall(SYS_stat, ptr, &st), EFAULT);
		CHECK_ERR(syscall(SYS_stat, path, ptr), EFAULT);
		CHECK_ERR(syscall(SYS_fstat, fd, ptr), EFAULT);
		CHECK_ERR(syscall(SYS_openat, AT_FDCWD, ptr, O_RDONLY), EFAULT);
		if (ptr != NULL) /* a NULL timeval is allowed */
			CHECK_ERR(syscall(SYS_gettimeofday, ptr, NULL), EFAULT);
		CHECK_ERR(syscall(SYS_pipe2, ptr, 0), EFAULT);
		CHECK_ERR(syscall(SYS_poll, ptr, 1, 0), EFAULT);
		CHECK_ERR(syscall(SYS_readv, fd, ptr, 1), EFAULT);
	}
	/* Nothing to do means nothing to check: zero-length transfers succeed. */
	CHECK(syscall(SYS_write, fd, NULL, 0) == 0);
	CHECK(syscall(SYS_read, fd, NULL, 0) == 0);
	CHECK(syscall(SYS_pread64, fd, (void *)1, 0, 0) == 0);
	printf("zero-length read/write with bad pointers: 0\n");

	/* A read that runs into an inaccessible page copies what fits. */
	char *tail = tail_alloc(8);
	memset(tail, '-', 8);
	long n = syscall(SYS_pread64, fd, tail, 16, 0);
	printf("pread of 16 into 8 accessible bytes: %ld%s\n", n, n < 0 ? " (EFAULT)" : "");
	CHECK(n == 8 || (n == -1 && errno == EFAULT));
	if (n == 8)
		CHECK(memcmp(tail, "01234567", 8) == 0);
	/* The same for a pipe, whose data stays in the pipe when nothing was copied. */
	CHECK(write(p[1], "abcdefghijklmnop", 16) == 16);
	n = syscall(SYS_read, p[0], tail, 16);
	printf("pipe read of 16 into 8 accessible bytes: %ld%s\n", n, n < 0 ? " (EFAULT)" : "");
	CHECK(n == 8 || (n == -1 && errno == EFAULT));
	memset(buf, 0, sizeof(buf));
	ssize_t rest = read(p[0], buf, sizeof(buf));
	printf("rest of pipe: '%s'\n", buf);
	CHECK(rest == 16 - (n > 0 ? n : 0));

	/* A write from a buffer that runs into an inaccessible page. */
	memcpy(tail, "WXYZWXYZ", 8);
	n = syscall(SYS_pwrite64, fd, tail, 16, 100);
	printf("pwrite of 16 from 8 accessible bytes: %ld%s\n", n, n < 0 ? " (EFAULT)" : "");
	CHECK(n == 8 || (n == -1 && errno == EFAULT));
	CHECK(fstat(fd, &st) == 0);
	printf("file size now %lld\n", (long long)st.st_size);

	/* Output structures one byte short of fitting. */
	struct timeval *tv_tail = tail_alloc(sizeof(tv) - 1);
	CHECK_ERR(syscall(SYS_gettimeofday, tv_tail, NULL), EFAULT);
	struct stat *st_tail = tail_alloc(sizeof(st) - 8);
	CHECK_ERR(syscall(SYS_fstat, fd, st_tail), EFAULT);
	char *name_tail = tail_alloc(4);
	memcpy(name_tail, "efau", 4); /* no terminating NUL before the inaccessible page */
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, name_tail, O_RDONLY), EFAULT);

	CHECK(close(p[0]) == 0 && close(p[1]) == 0);
	CHECK(close(fd) == 0 && unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
