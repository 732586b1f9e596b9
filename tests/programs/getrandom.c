/*
 * getrandom: random bytes from getrandom (default, GRND_NONBLOCK, GRND_INSECURE)
 * and /dev/urandom, printed in hex; bad flags and bad buffers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
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

static void hex(const char *what, const unsigned char *p, size_t n)
{
	printf("%s:", what);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

int main(void)
{
	unsigned char a[32], b[32];
	int fd;

	CHECK(getrandom(a, sizeof(a), 0) == (ssize_t)sizeof(a));
	hex("getrandom", a, sizeof(a));
	CHECK(getrandom(b, sizeof(b), GRND_NONBLOCK) == (ssize_t)sizeof(b));
	hex("getrandom nonblock", b, sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(getrandom(b, 16, GRND_INSECURE) == 16);
	hex("getrandom insecure", b, 16);
	CHECK(getrandom(a, 0, 0) == 0);

	unsigned char *tail = tail_alloc(24);
	CHECK(getrandom(tail, 24, 0) == 24);
	hex("page-end", tail, 24);

	unsigned char *big = malloc(100000);
	CHECK(big != NULL);
	ssize_t n = getrandom(big, 100000, 0);
	CHECK(n > 0);
	unsigned sum = 0;
	for (ssize_t i = 0; i < n; i++)
		sum = sum * 31 + big[i];
	printf("getrandom 100000: got %zd, hash %08x\n", n, sum);
	free(big);

	CHECK_ERR(getrandom(a, sizeof(a), 0x1000), EINVAL);
	CHECK_ERR(getrandom(a, sizeof(a), GRND_RANDOM | GRND_INSECURE), EINVAL);
	CHECK_ERR(syscall(SYS_getrandom, (void *)1, 16, 0), EFAULT);

	fd = open("/dev/urandom", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, a, sizeof(a)) == (ssize_t)sizeof(a));
	hex("/dev/urandom", a, sizeof(a));
	CHECK(close(fd) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
