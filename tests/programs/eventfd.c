/*
 * eventfd: counter semantics of eventfd (sum of writes, reset on read), semaphore mode,
 * non-blocking EAGAIN, overflow and short buffers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	uint64_t v;

	int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(read(fd, &v, sizeof(v)) == 8);
	printf("initial value: %llu\n", (unsigned long long)v);
	CHECK(v == 3);
	CHECK_ERR(read(fd, &v, sizeof(v)), EAGAIN);
	v = 5;
	CHECK(write(fd, &v, 8) == 8);
	v = 7;
	CHECK(write(fd, &v, 8) == 8);
	CHECK(eventfd_read(fd, &v) == 0);
	printf("after writing 5 and 7: %llu\n", (unsigned long long)v);
	CHECK(v == 12);

	v = 0xfffffffffffffffeULL; /* the maximum value */
	CHECK(write(fd, &v, 8) == 8);
	v = 1;
	CHECK_ERR(write(fd, &v, 8), EAGAIN); /* would overflow */
	v = 0xffffffffffffffffULL;
	CHECK_ERR(write(fd, &v, 8), EINVAL);
	CHECK(read(fd, &v, 8) == 8 && v == 0xfffffffffffffffeULL);
	uint32_t small = 1;
	CHECK_ERR(write(fd, &small, 4), EINVAL);
	CHECK_ERR(read(fd, &small, 4), EINVAL);
	CHECK(eventfd_write(fd, 2) == 0);
	CHECK_ERR(syscall(SYS_read, fd, (void *)1, 8), EFAULT);
	/* eventfd_read() in the kernel resets the counter before it fails to store it. */
	CHECK_ERR(read(fd, &v, 8), EAGAIN);
	uint64_t *tail = tail_alloc(8);
	CHECK(eventfd_write(fd, 9) == 0 && read(fd, tail, 8) == 8 && *tail == 9);
	CHECK(close(fd) == 0);

	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(fd >= 0);
	CHECK(read(fd, &v, 8) == 8 && v == 1);
	CHECK(read(fd, &v, 8) == 8 && v == 1);
	CHECK_ERR(read(fd, &v, 8), EAGAIN);
	printf("semaphore mode: 1, 1, EAGAIN\n");
	CHECK(close(fd) == 0);
	CHECK_ERR(eventfd(0, 0x12), EINVAL);
	printf("EXIT-SUCCESS\n");
	return 0;
}
