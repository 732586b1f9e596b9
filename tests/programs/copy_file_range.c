/*
 * copy_file_range: copies with and without offset pointers, past end of file,
 * overlapping ranges in one file (EINVAL), and bad flags and pointers.
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
	enum { SIZE = 65536 + 123 };
	char src_path[] = "cfr-src-XXXXXX", dst_path[] = "cfr-dst-XXXXXX";
	static unsigned char data[SIZE], back[SIZE];
	int src = mkstemp(src_path), dst = mkstemp(dst_path);

	CHECK(src >= 0 && dst >= 0);
	for (int i = 0; i < SIZE; i++)
		data[i] = (unsigned char)(i % 253);
	CHECK(write(src, data, SIZE) == SIZE);

	loff_t in = 100, out = 0;
	ssize_t n = copy_file_range(src, &in, dst, &out, 30000, 0);
	printf("copy with offsets: %zd, in=%lld out=%lld\n", n, (long long)in, (long long)out);
	CHECK(n == 30000 && in == 30100 && out == 30000);
	CHECK(lseek(src, 0, SEEK_CUR) == SIZE && lseek(dst, 0, SEEK_CUR) == 0);

	/* Without offset pointers the file positions are used and moved. */
	CHECK(lseek(src, 30100, SEEK_SET) == 30100 && lseek(dst, 30000, SEEK_SET) == 30000);
	size_t done = 0;
	for (;;) {
		n = copy_file_range(src, NULL, dst, NULL, SIZE, 0);
		CHECK(n >= 0);
		if (n == 0)
			break;
		done += (size_t)n;
	}
	printf("copy without offsets: %zu bytes, positions %lld %lld\n", done,
	       (long long)lseek(src, 0, SEEK_CUR), (long long)lseek(dst, 0, SEEK_CUR));
	CHECK(done == SIZE - 30100);
	CHECK(pread(dst, back, SIZE, 0) == SIZE - 100);
	CHECK(memcmp(back, data + 100, SIZE - 100) == 0);
	printf("destination matches\n");

	in = SIZE + 10;
	out = 0;
	CHECK(copy_file_range(src, &in, dst, &out, 10, 0) == 0);
	in = 0;
	out = 10;
	CHECK_ERR(copy_file_range(src, &in, src, &out, 100, 0), EINVAL);
	CHECK_ERR(copy_file_range(src, &in, dst, &out, 100, 1), EINVAL);
	CHECK_ERR(syscall(SYS_copy_file_range, src, (void *)1, dst, NULL, 10, 0), EFAULT);
	CHECK_ERR(copy_file_range(src, NULL, 999, NULL, 10, 0), EBADF);
	int dirfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dirfd >= 0);
	CHECK_ERR(copy_file_range(dirfd, NULL, dst, NULL, 10, 0), EISDIR);
	CHECK(close(dirfd) == 0);

	loff_t *tail_in = tail_alloc(sizeof(loff_t));
	*tail_in = 5;
	out = 0;
	CHECK(copy_file_range(src, tail_in, dst, &out, 5, 0) == 5 && *tail_in == 10);
	CHECK(close(src) == 0 && close(dst) == 0);
	CHECK(unlink(src_path) == 0 && unlink(dst_path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
