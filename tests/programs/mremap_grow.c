/*
 * mremap_grow: growing a mapping in place and with MREMAP_MAYMOVE, shrinking it,
 * MREMAP_FIXED to a chosen address; contents are preserved throughout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

static int check_pattern(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 13 + 1))
			return 0;
	return 1;
}

int main(void)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);

	/* Reserve a region, then place 2 pages with a guard page right after them. */
	unsigned char *area = mmap(NULL, 32 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(area != MAP_FAILED);
	unsigned char *m = mmap(area, 2 * page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(m == area);
	CHECK(munmap(area + 3 * page, 29 * page) == 0);
	for (size_t i = 0; i < 2 * page; i++)
		m[i] = (unsigned char)(i * 13 + 1);

	/* The PROT_NONE page at +2 blocks growth in place. */
	void *r = mremap(m, 2 * page, 4 * page, 0);
	CHECK(r == MAP_FAILED && errno == ENOMEM);
	printf("grow in place blocked: ENOMEM\n");

	unsigned char *moved = mremap(m, 2 * page, 8 * page, MREMAP_MAYMOVE);
	CHECK(moved != MAP_FAILED);
	printf("grown from %p to %p (%s)\n", (void *)m, (void *)moved,
	       moved == m ? "same place" : "moved");
	CHECK(check_pattern(moved, 2 * page));
	for (size_t i = 2 * page; i < 8 * page; i++)
		CHECK(moved[i] == 0);
	for (size_t i = 2 * page; i < 8 * page; i++)
		moved[i] = (unsigned char)(i * 13 + 1);
	CHECK(check_pattern(moved, 8 * page));
	printf("contents preserved after move, new part zeroed and writable\n");

	unsigned char *shrunk = mremap(moved, 8 * page, 3 * page, 0);
	CHECK(shrunk == moved);
	CHECK(check_pattern(shrunk, 3 * page));
	printf("shrunk in place to 3 pages\n");

	/* Grow in place where the space after it is free. */
	unsigned char *spot = mmap(NULL, 16 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(spot != MAP_FAILED);
	CHECK(munmap(spot, 16 * page) == 0);
	unsigned char *fixed =
	    mremap(shrunk, 3 * page, 3 * page, MREMAP_MAYMOVE | MREMAP_FIXED, spot + 4 * page);
	CHECK(fixed == spot + 4 * page);
	printf("MREMAP_FIXED moved to the chosen address %p\n", (void *)fixed);
	CHECK(check_pattern(fixed, 3 * page));
	unsigned char *inplace = mremap(fixed, 3 * page, 6 * page, 0);
	CHECK(inplace == fixed);
	CHECK(check_pattern(inplace, 3 * page) && inplace[6 * page - 1] == 0);
	printf("grown in place to 6 pages\n");

	CHECK(mremap(inplace + 1, page, 2 * page, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL);
	CHECK(mremap(inplace, page, 2 * page, 0x100) == MAP_FAILED && errno == EINVAL);
	CHECK(mremap(spot + 12 * page, page, 2 * page, MREMAP_MAYMOVE) == MAP_FAILED &&
	      errno == EFAULT);
	printf("bad mremaps: EINVAL EINVAL EFAULT\n");

	CHECK(munmap(inplace, 6 * page) == 0);
	CHECK(munmap(area + 2 * page, page) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
