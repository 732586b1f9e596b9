/*
 * madvise_dontneed: MADV_DONTNEED zeroes private anonymous pages and reverts private
 * file pages to the file contents; other advice values and bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char path[] = "madvise-XXXXXX";
	unsigned char *m =
	    mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	memset(m, 0x77, 4 * page);
	CHECK(madvise(m + page, 2 * page, MADV_DONTNEED) == 0);
	int zero_pages = 0, kept_pages = 0;
	for (size_t pg = 0; pg < 4; pg++) {
		int all_zero = 1, all_kept = 1;
		for (size_t i = 0; i < page; i++) {
			all_zero &= m[pg * page + i] == 0;
			all_kept &= m[pg * page + i] == 0x77;
		}
		zero_pages += all_zero;
		kept_pages += all_kept;
		printf("page %zu: %s\n", pg, all_zero ? "zero" : all_kept ? "kept" : "mixed");
	}
	CHECK(zero_pages == 2 && kept_pages == 2);
	CHECK(m[page - 1] == 0x77 && m[page] == 0 && m[3 * page - 1] == 0 && m[3 * page] == 0x77);
	m[page] = 9;
	CHECK(m[page] == 9);

	int fd = mkstemp(path);
	CHECK(fd >= 0);
	memset(m, 'F', page);
	CHECK(write(fd, m, page) == (ssize_t)page);
	char *f = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(f != MAP_FAILED);
	f[0] = 'x';
	CHECK(madvise(f, page, MADV_DONTNEED) == 0);
	printf("private file page after DONTNEED: %c\n", f[0]);
	CHECK(f[0] == 'F');

	CHECK(madvise(m, 4 * page, MADV_WILLNEED) == 0);
	CHECK(madvise(m, 4 * page, MADV_SEQUENTIAL) == 0);
	CHECK(madvise(m, 4 * page, MADV_NORMAL) == 0);
	CHECK_ERR(madvise(m + 1, page, MADV_DONTNEED), EINVAL);
	CHECK_ERR(madvise(m, page, 12345), EINVAL);
	CHECK(munmap(m + page, page) == 0);
	CHECK_ERR(madvise(m, 4 * page, MADV_DONTNEED), ENOMEM);

	CHECK(munmap(f, page) == 0);
	CHECK(munmap(m, 4 * page) == 0);
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
