/*
 * mmap_family: anonymous mappings, private and shared file mappings, MAP_FIXED over
 * an existing mapping, munmap of a middle part, and bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char path[] = "mmap-XXXXXX";
	char buf[64];
	unsigned char vec[4];
	int fd;

	/* Anonymous memory starts zeroed. */
	unsigned char *anon =
	    mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED);
	printf("anon mapping at %p\n", (void *)anon);
	for (size_t i = 0; i < 4 * page; i++)
		CHECK(anon[i] == 0);
	for (size_t i = 0; i < 4 * page; i++)
		anon[i] = (unsigned char)(i * 7);

	/* A file of 3 pages, each filled with its page number letter. */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	for (int pg = 0; pg < 3; pg++) {
		memset(anon, 'A' + pg, page);
		CHECK(write(fd, anon, page) == (ssize_t)page);
	}
	memset(anon, 0, page);

	char *priv = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(priv != MAP_FAILED);
	printf("private file mapping at %p: %c %c %c\n", (void *)priv, priv[0], priv[page],
	       priv[2 * page]);
	CHECK(priv[0] == 'A' && priv[page] == 'B' && priv[2 * page + 100] == 'C');
	priv[1] = 'p';
	CHECK(pread(fd, buf, 2, 0) == 2 && buf[1] == 'A');
	printf("private write not visible in file\n");

	char *shared = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)page);
	CHECK(shared != MAP_FAILED);
	printf("shared file mapping at %p (offset 1 page): %c\n", (void *)shared, shared[0]);
	CHECK(shared[0] == 'B');
	memcpy(shared + 10, "shared!", 7);
	CHECK(msync(shared, page, MS_SYNC) == 0);
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, 7, (off_t)page + 10) == 7);
	printf("file after shared write: '%s'\n", buf);
	CHECK(strcmp(buf, "shared!") == 0);
	CHECK(pwrite(fd, "FROMFILE", 8, (off_t)(2 * page)) == 8);
	printf("shared mapping after pwrite: '%.8s'\n", shared + page);
	CHECK(memcmp(shared + page, "FROMFILE", 8) == 0);

	/* MAP_FIXED of the file over the second page of the anonymous mapping. */
	char *fixed = mmap(anon + page, page, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	CHECK(fixed == (char *)anon + page);
	printf("MAP_FIXED replaced page 1 of anon: %c\n", fixed[0]);
	CHECK(fixed[0] == 'A' && fixed[page - 1] == 'A');
	CHECK(anon[2 * page + 1] == (unsigned char)((2 * page + 1) * 7));
	CHECK(anon[0] == 0);

	/* MAP_FIXED_NOREPLACE over an existing mapping fails. */
	void *noreplace =
	    mmap(anon, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(noreplace == MAP_FAILED && errno == EEXIST);
	printf("MAP_FIXED_NOREPLACE over mapping: EEXIST\n");

	/* Unmap the middle two pages; the ends stay. */
	CHECK(munmap(anon + page, 2 * page) == 0);
	CHECK(mincore(anon, page, vec) == 0);
	CHECK_ERR(mincore(anon + page, page, vec), ENOMEM);
	CHECK_ERR(mincore(anon + 2 * page, page, vec), ENOMEM);
	CHECK(mincore(anon + 3 * page, page, vec) == 0);
	CHECK(anon[3 * page + 5] == (unsigned char)((3 * page + 5) * 7));
	printf("middle unmapped, ends intact\n");

	CHECK(munmap(anon, 4 * page) == 0); /* unmapping holes is fine */
	CHECK(munmap(priv, 3 * page) == 0);
	CHECK(munmap(shared, 2 * page) == 0);

	void *bad = mmap(NULL, page, PROT_READ, MAP_PRIVATE, 999, 0);
	CHECK(bad == MAP_FAILED && errno == EBADF);
	bad = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(bad == MAP_FAILED && errno == EINVAL);
	bad = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 1);
	CHECK(bad == MAP_FAILED && errno == EINVAL);
	bad = mmap(NULL, page, PROT_READ, MAP_ANONYMOUS, -1, 0);
	CHECK(bad == MAP_FAILED && errno == EINVAL);
	printf("bad mmaps: EBADF EINVAL EINVAL EINVAL\n");
	CHECK_ERR(munmap((char *)anon + 1, page), EINVAL);

	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
