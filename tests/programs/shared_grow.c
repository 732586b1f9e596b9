/*
 * shared_grow: a shared file mapping that grows. The file is made longer
 * with ftruncate and the mapping with mremap (in place and moved), and the
 * grown part is written through the mapping and read back by pread and by
 * a forked child; a file grows under a mapping longer than it; then a vfork child stores into
 * shared memory (anonymous and file) before it exits, and the parent reads what it stored.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void grow(int fd)
{
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), buf[32] = {0};
	int st;

	CHECK(m != MAP_FAILED);
	strcpy(m, "first page");
	CHECK(ftruncate(fd, 3 * 4096) == 0);
	m = mremap(m, 4096, 3 * 4096, MREMAP_MAYMOVE);
	CHECK(m != MAP_FAILED);
	strcpy(m + 2 * 4096 + 10, "third page, grown");
	CHECK(pread(fd, buf, 17, 2 * 4096 + 10) == 17);
	printf("pread of the grown part: '%s'; first page '%s'\n", buf, m);
	CHECK(pwrite(fd, "pwritten", 9, 4096 + 20) == 9);
	printf("the mapping sees the pwrite: '%s'\n", m + 4096 + 20);

	/* Grown again, by 16 pages this time, and the mapping moved somewhere else. */
	CHECK(ftruncate(fd, 19 * 4096) == 0);
	m = mremap(m, 3 * 4096, 19 * 4096, MREMAP_MAYMOVE);
	CHECK(m != MAP_FAILED);
	strcpy(m + 18 * 4096, "last page");
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		printf("child: '%s' '%s'\n", m + 2 * 4096 + 10, m + 18 * 4096);
		strcpy(m + 17 * 4096, "from the child");
		fflush(stdout);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("parent: the child stored '%s'\n", m + 17 * 4096);
	CHECK(munmap(m, 19 * 4096) == 0);
}

/* A mapping longer than its file: ftruncate makes the rest of it usable. */
static void file_grows_under_mapping(void)
{
	char path[] = "/tmp/rewind-shared-grow-XXXXXX", buf[16] = {0};
	int fd = mkstemp(path);
	char *m;

	CHECK(fd >= 0 && unlink(path) == 0 && ftruncate(fd, 4096) == 0);
	m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(ftruncate(fd, 4 * 4096) == 0);
	strcpy(m + 3 * 4096 + 5, "fourth page");
	CHECK(pread(fd, buf, 11, 3 * 4096 + 5) == 11);
	printf("after growing the file under the mapping: '%s'\n", buf);
	CHECK(munmap(m, 4 * 4096) == 0 && close(fd) == 0);
}

static void vfork_stores(int fd)
{
	char *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *file = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int st;

	CHECK(anon != MAP_FAILED && file != MAP_FAILED);
	strcpy(anon, "before the vfork");
	pid_t pid = vfork();
	CHECK(pid >= 0);
	if (pid == 0) {
		strcpy(anon, "stored by the vfork child");
		strcpy(file + 100, "file page, vfork child");
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("after the vfork: '%s' '%s'\n", anon, file + 100);
}

int main(void)
{
	char path[] = "/tmp/rewind-shared-grow-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0 && unlink(path) == 0);
	CHECK(ftruncate(fd, 4096) == 0);
	grow(fd);
	file_grows_under_mapping();
	vfork_stores(fd);
	printf("EXIT-SUCCESS\n");
	return 0;
}
