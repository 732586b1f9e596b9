/*
 * mmap_shared_private: one file mapped MAP_SHARED and MAP_PRIVATE. Until a
 * page of the private mapping is first written, it is the file's page (the
 * page cache), so stores through the shared mapping show in it; after its
 * first write it is a copy of its own and they no longer do. Both orders:
 * the private mapping made after the shared one, and before it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

static void show(const char *what, const char *priv)
{
	printf("%s: page 0 '%s', page 1 '%s'\n", what, priv, priv + 4096);
}

static void both(int fd, char *shared, char *priv)
{
	strcpy(shared, "first store through the shared mapping");
	strcpy(shared + 4096, "page 1 through the shared mapping");
	show("private sees", priv);
	strcpy(priv, "private copy of page 0");
	strcpy(shared, "second store through the shared mapping");
	strcpy(shared + 4096, "page 1 again through the shared mapping");
	show("after the private write", priv);
	CHECK(pwrite(fd, "pwritten", 8, 4096 + 100) == 8);
	printf("a pwrite shows in the untouched private page: '%s'\n", priv + 4096 + 100);
}

int main(void)
{
	char path[] = "/tmp/rewind-shared-private-XXXXXX";
	int fd = mkstemp(path);
	char *shared, *priv;

	CHECK(fd >= 0 && unlink(path) == 0);
	CHECK(ftruncate(fd, 2 * 4096) == 0);
	CHECK(pwrite(fd, "in the file", 12, 0) == 12);

	shared = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	priv = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(shared != MAP_FAILED && priv != MAP_FAILED);
	show("private mapped after the shared one", priv);
	both(fd, shared, priv);
	CHECK(munmap(shared, 2 * 4096) == 0 && munmap(priv, 2 * 4096) == 0);

	priv = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(priv != MAP_FAILED);
	show("private mapped first", priv);
	shared = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(shared != MAP_FAILED);
	both(fd, shared, priv);
	printf("EXIT-SUCCESS\n");
	return 0;
}
