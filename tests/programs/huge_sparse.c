/*
 * huge_sparse: very large mappings of which a few pages are used. A 64 GiB
 * memfd (ftruncate; pwrite far out; mapped shared and private, a few pages
 * stored), 64 GiB of PROT_NONE address space with a few pages made
 * writable, 64 GiB of MAP_NORESERVE anonymous memory, and a region of
 * huge-page size: MAP_HUGETLB when the kernel has huge pages to give,
 * otherwise ordinary memory with MADV_HUGEPAGE.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

#define HUGE_LEN (64ull << 30)

static void memfd(void)
{
	int fd = memfd_create("rewind-huge", MFD_CLOEXEC);
	char buf[32] = {0}, *shared, *priv;

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, (off_t)HUGE_LEN) == 0);
	CHECK(pwrite(fd, "far out", 8, (off_t)(HUGE_LEN / 2)) == 8);
	shared = mmap(NULL, HUGE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(shared != MAP_FAILED);
	printf("shared mapping sees the pwrite: '%s'\n", shared + HUGE_LEN / 2);
	strcpy(shared + 4096 * 3, "stored at page 3");
	strcpy(shared + HUGE_LEN - 4096, "stored in the last page");
	CHECK(pread(fd, buf, 17, 4096 * 3) == 17);
	printf("pread: '%s'\n", buf);
	CHECK(pwrite(fd, "pwritten", 9, (off_t)(HUGE_LEN - 4096 + 100)) == 9);
	printf("shared mapping sees: '%s'\n", shared + HUGE_LEN - 4096 + 100);
	priv = mmap(NULL, HUGE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
	CHECK(priv != MAP_FAILED);
	printf("private mapping: '%s' '%s'\n", priv + 4096 * 3, priv + HUGE_LEN - 4096);
	strcpy(priv + (HUGE_LEN / 4), "private store");
	printf("private store: '%s'\n", priv + HUGE_LEN / 4);
	CHECK(munmap(priv, HUGE_LEN) == 0 && munmap(shared, HUGE_LEN) == 0);
	CHECK(close(fd) == 0);
}

static void address_space(void)
{
	char *none =
	    mmap(NULL, HUGE_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *anon = mmap(NULL, HUGE_LEN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	CHECK(none != MAP_FAILED && anon != MAP_FAILED);
	CHECK(mprotect(none + (HUGE_LEN / 2), 2 * 4096, PROT_READ | PROT_WRITE) == 0);
	strcpy(none + HUGE_LEN / 2 + 4096, "inside the PROT_NONE reservation");
	strcpy(anon, "first page");
	strcpy(anon + HUGE_LEN - 100, "last page");
	anon[HUGE_LEN / 3] = 'x';
	printf("'%s' '%s' '%s' %c\n", none + HUGE_LEN / 2 + 4096, anon, anon + HUGE_LEN - 100,
	       anon[HUGE_LEN / 3]);
	/* A syscall that writes into the middle of both. */
	CHECK(getcwd(anon + HUGE_LEN / 5, 4096) != NULL);
	CHECK(munmap(none, HUGE_LEN) == 0 && munmap(anon, HUGE_LEN) == 0);
}

static void huge_pages(void)
{
	const size_t len = 4u << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
		       -1, 0);

	/* HUGETLB_EXPECT: the test reserved huge pages, so they must be given. */
	CHECK(p != MAP_FAILED || !getenv("HUGETLB_EXPECT"));
	if (p == MAP_FAILED) {
		/* No huge pages reserved: what programs then do. */
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(p != MAP_FAILED);
		madvise(p, len, MADV_HUGEPAGE);
	}
	memset(p, 'h', len);
	strcpy(p + len / 2, "in the huge region");
	printf("%s, %c\n", p + len / 2, p[len - 1]);
	CHECK(munmap(p, len) == 0);
}

/* A hugetlbfs memfd mapped shared twice: a store through one shows in the other. */
static void huge_memfd(void)
{
	const size_t len = 2u << 20;
	int fd = memfd_create("huge", MFD_HUGETLB);
	char *a, *b;

	if (fd < 0 || ftruncate(fd, len) != 0 ||
	    (a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		CHECK(!getenv("HUGETLB_EXPECT"));
		if (fd >= 0)
			close(fd);
		return;
	}
	CHECK((b = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0)) != MAP_FAILED);
	strcpy(a + len - 64, "through the other mapping");
	printf("hugetlb memfd: '%s'\n", b + len - 64);
	CHECK(munmap(a, len) == 0 && munmap(b, len) == 0 && close(fd) == 0);
}

int main(void)
{
	memfd();
	address_space();
	huge_pages();
	huge_memfd();
	printf("EXIT-SUCCESS\n");
	return 0;
}
