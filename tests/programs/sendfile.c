/*
 * sendfile: file to file with and without an offset pointer, file to pipe, count
 * past end of file, and bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static unsigned hash(const unsigned char *p, size_t n)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int main(void)
{
	enum { SIZE = 100000 };
	char src_path[] = "sendfile-src-XXXXXX", dst_path[] = "sendfile-dst-XXXXXX";
	static unsigned char data[SIZE], back[SIZE];
	int src = mkstemp(src_path), dst = mkstemp(dst_path), p[2];

	CHECK(src >= 0 && dst >= 0);
	for (int i = 0; i < SIZE; i++)
		data[i] = (unsigned char)(i * 131 + i / 1000);
	CHECK(write(src, data, SIZE) == SIZE);
	printf("source hash %08x\n", hash(data, SIZE));

	off_t off = 1000;
	ssize_t n = sendfile(dst, src, &off, 50000);
	printf("sendfile with offset: %zd, offset now %lld, src position %lld\n", n, (long long)off,
	       (long long)lseek(src, 0, SEEK_CUR));
	CHECK(n == 50000 && off == 51000 && lseek(src, 0, SEEK_CUR) == SIZE);

	CHECK(lseek(src, 51000, SEEK_SET) == 51000);
	n = sendfile(dst, src, NULL, SIZE); /* more than is left */
	printf("sendfile without offset: %zd, src position %lld\n", n,
	       (long long)lseek(src, 0, SEEK_CUR));
	CHECK(n == SIZE - 51000 && lseek(src, 0, SEEK_CUR) == SIZE);
	CHECK(sendfile(dst, src, NULL, 10) == 0);

	CHECK(pread(dst, back, SIZE, 0) == SIZE - 1000);
	printf("copy hash %08x\n", hash(back, SIZE - 1000));
	CHECK(memcmp(back, data + 1000, SIZE - 1000) == 0);

	CHECK(pipe(p) == 0);
	off = 0;
	CHECK(sendfile(p[1], src, &off, 4000) == 4000);
	CHECK(read(p[0], back, sizeof(back)) == 4000 && memcmp(back, data, 4000) == 0);
	printf("sendfile to pipe: 4000 bytes ok\n");

	off_t *tail = tail_alloc(sizeof(off_t));
	*tail = 10;
	CHECK(sendfile(p[1], src, tail, 6) == 6 && *tail == 16);
	CHECK(read(p[0], back, sizeof(back)) == 6 && memcmp(back, data + 10, 6) == 0);

	CHECK_ERR(syscall(SYS_sendfile, dst, src, (void *)1, 10), EFAULT);
	off = -1;
	CHECK_ERR(sendfile(dst, src, &off, 10), EINVAL);
	CHECK_ERR(sendfile(dst, 999, NULL, 10), EBADF);
	CHECK_ERR(sendfile(src, p[0], NULL, 10), EINVAL);
	CHECK(close(p[0]) == 0 && close(p[1]) == 0);
	CHECK(close(src) == 0 && close(dst) == 0);
	CHECK(unlink(src_path) == 0 && unlink(dst_path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
