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

#include "check.h"

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
