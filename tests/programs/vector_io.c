/*
 * vector_io: readv/writev/preadv/pwritev/preadv2 with several iovecs, empty iovecs,
 * short reads that end in the middle of an iovec, and bad iovec arrays.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	char path[] = "vector-XXXXXX";
	char a[8], b[16], c[4], whole[64];
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	struct iovec out[4] = {
	    {"alpha-", 6},
	    {NULL, 0},
	    {"beta-", 5},
	    {"gamma\n", 6},
	};
	CHECK(writev(fd, out, 4) == 17);
	struct iovec out2[2] = {{"XY", 2}, {"Z", 1}};
	CHECK(pwritev(fd, out2, 2, 6) == 3);
	CHECK(lseek(fd, 0, SEEK_CUR) == 17);
	memset(whole, 0, sizeof(whole));
	CHECK(pread(fd, whole, sizeof(whole), 0) == 17);
	printf("file: %s", whole);
	CHECK(strcmp(whole, "alpha-XYZa-gamma\n") == 0);

	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	struct iovec in[3] = {{a, 3}, {b, 10}, {c, 4}};
	ssize_t n = readv(fd, in, 3);
	printf("readv: %zd bytes: '%.3s' '%.10s' '%.4s'\n", n, a, b, c);
	CHECK(n == 17 && memcmp(a, "alp", 3) == 0 && memcmp(b, "ha-XYZa-ga", 10) == 0);
	CHECK(memcmp(c, "mma\n", 4) == 0);

	/* A short read ends inside the second iovec and leaves the third alone. */
	memset(b, '.', sizeof(b));
	memset(c, '#', sizeof(c));
	n = preadv(fd, in, 3, 12);
	printf("preadv at 12: %zd bytes: '%.3s' '%.10s' '%.4s'\n", n, a, b, c);
	CHECK(n == 5 && memcmp(a, "amm", 3) == 0 && memcmp(b, "a\n........", 10) == 0);
	CHECK(c[0] == '#');
	CHECK(preadv(fd, in, 3, 100) == 0);

	n = preadv2(fd, in, 1, 0, 0);
	CHECK(n == 3 && memcmp(a, "alp", 3) == 0);
	n = preadv2(fd, in, 1, -1, 0); /* offset -1: use and move the file position */
	CHECK(n == 0);
	CHECK(lseek(fd, 6, SEEK_SET) == 6);
	n = preadv2(fd, in, 1, -1, 0);
	CHECK(n == 3 && memcmp(a, "XYZ", 3) == 0 && lseek(fd, 0, SEEK_CUR) == 9);
	printf("preadv2 with offset -1 used the file position\n");
	CHECK_ERR(preadv2(fd, in, 1, 0, 0x10000), EOPNOTSUPP);

	/* Page-end buffers in an iovec. */
	char *tail = tail_alloc(5);
	struct iovec tv[2] = {{a, 2}, {tail, 5}};
	CHECK(preadv(fd, tv, 2, 0) == 7 && memcmp(tail, "pha-X", 5) == 0);
	struct iovec *tail_iov = tail_alloc(2 * sizeof(struct iovec));
	memcpy(tail_iov, tv, sizeof(tv));
	CHECK(preadv(fd, tail_iov, 2, 1) == 7 && memcmp(tail, "ha-XY", 5) == 0);

	CHECK_ERR(syscall(SYS_readv, fd, in, -1), EINVAL);
	CHECK_ERR(syscall(SYS_readv, fd, in, IOV_MAX + 1), EINVAL);
	CHECK_ERR(syscall(SYS_readv, fd, (void *)1, 2), EFAULT);
	CHECK_ERR(syscall(SYS_writev, fd, (void *)1, 2), EFAULT);
	CHECK_ERR(preadv(fd, in, 3, -5), EINVAL);
	struct iovec badbuf[2] = {{(void *)1, 4}, {b, 4}};
	CHECK_ERR(preadv(fd, badbuf, 2, 0), EFAULT);
	/* A fault in a later iovec gives a short count, not an error. */
	struct iovec late_bad[2] = {{a, 4}, {(void *)1, 4}};
	n = preadv(fd, late_bad, 2, 0);
	printf("preadv with a bad second iovec: %zd\n", n);
	CHECK(n == 4);
	struct iovec out_bad[2] = {{"ok", 2}, {(void *)1, 4}};
	n = pwritev(fd, out_bad, 2, 20);
	printf("pwritev with a bad second iovec: %zd\n", n);
	CHECK(n == 2);
	CHECK(close(fd) == 0);
	CHECK_ERR(writev(fd, out, 1), EBADF);
	CHECK(unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
