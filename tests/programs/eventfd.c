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

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			int err_ = errno;                                                          \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond, err_,          \
			       strerror(err_));                                                    \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_ERR(call, want)                                                                      \
	do {                                                                                       \
		errno = 0;                                                                         \
		long ret_ = (long)(call);                                                          \
		int err_ = errno;                                                                  \
		if (ret_ != -1 || err_ != (want)) {                                                \
			printf("FAIL line %d: %s = %ld errno %d, want -1 %s\n", __LINE__, #call,   \
			       ret_, err_, strerrorname_np(want));                                 \
			exit(1);                                                                   \
		}                                                                                  \
		printf("%s = -1 %s\n", #call, strerrorname_np(want));                              \
	} while (0)

/* A buffer of SIZE bytes whose last byte is the last byte of a page followed by PROT_NONE. */
__attribute__((unused)) static void *tail_alloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (size + page - 1) / page * page;
	char *p =
	    mmap(NULL, len + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	CHECK(mprotect(p + len, page, PROT_NONE) == 0);
	return p + len - size;
}

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
