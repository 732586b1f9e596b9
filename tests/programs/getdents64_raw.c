/*
 * getdents64_raw: the getdents64 system call itself on a directory of known files, with
 * buffers too small for one entry (EINVAL), small buffers that need many calls, a buffer at a
 * page end, and bad file descriptors and pointers.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the directory with buffers of BUFSIZE; returns the number of entries. */
static int list(int dfd, char *buf, size_t bufsize, int print)
{
	char *names[64];
	int count = 0, calls = 0;

	CHECK(lseek(dfd, 0, SEEK_SET) == 0);
	for (;;) {
		long n = syscall(SYS_getdents64, dfd, buf, bufsize);
		CHECK(n >= 0);
		calls++;
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			CHECK(d->d_reclen > 0 && off + d->d_reclen <= n && count < 64);
			names[count] = malloc(strlen(d->d_name) + 3);
			CHECK(names[count] != NULL);
			sprintf(names[count], "%c %s", d->d_type == DT_DIR ? 'd' : 'f', d->d_name);
			count++;
			off += d->d_reclen;
		}
	}
	qsort(names, (size_t)count, sizeof(names[0]), compare_names);
	printf("buffer %zu: %d entries in %d calls\n", bufsize, count, calls);
	for (int i = 0; i < count; i++) {
		if (print)
			printf("  %s\n", names[i]);
		free(names[i]);
	}
	return count;
}

int main(void)
{
	char dir[] = "getdents-XXXXXX";
	char path[128];
	static char big[65536];

	CHECK(mkdtemp(dir) != NULL);
	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "%s/entry-with-a-longish-name-%02d", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT, 0644);
		CHECK(fd >= 0 && close(fd) == 0);
	}
	snprintf(path, sizeof(path), "%s/subdir", dir);
	CHECK(mkdir(path, 0755) == 0);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);

	CHECK(list(dfd, big, sizeof(big), 1) == 23);
	CHECK(list(dfd, big, 64, 0) == 23);
	char *tail = tail_alloc(80);
	CHECK(list(dfd, tail, 80, 0) == 23);

	CHECK(lseek(dfd, 0, SEEK_SET) == 0);
	CHECK_ERR(syscall(SYS_getdents64, dfd, big, 10), EINVAL);
	CHECK_ERR(syscall(SYS_getdents64, dfd, (void *)1, sizeof(big)), EFAULT);
	CHECK_ERR(syscall(SYS_getdents64, 999, big, sizeof(big)), EBADF);
	int fd = openat(dfd, "entry-with-a-longish-name-00", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERR(syscall(SYS_getdents64, fd, big, sizeof(big)), ENOTDIR);
	CHECK(close(fd) == 0);

	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "entry-with-a-longish-name-%02d", i);
		CHECK(unlinkat(dfd, path, 0) == 0);
	}
	CHECK(unlinkat(dfd, "subdir", AT_REMOVEDIR) == 0);
	CHECK(list(dfd, big, sizeof(big), 1) == 2);
	CHECK(close(dfd) == 0 && rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
