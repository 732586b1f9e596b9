/*
 * proc_shared_file: a file mapped MAP_SHARED by a parent and its child.
 * The child inherits the parent's mapping and maps the file again itself;
 * they pass values through stores into the mappings (seen at once by the
 * other, across a pipe handshake), and through pwrite and ftruncate of the
 * file, which the kernel makes visible in every mapping of it, also when
 * the process that writes the file maps none of it.
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

static void say(int fd)
{
	CHECK(write(fd, "x", 1) == 1);
}

static void hear(int fd)
{
	char c;

	CHECK(read(fd, &c, 1) == 1);
}

int main(void)
{
	char path[] = "/tmp/rewind-shared-file-XXXXXX";
	int fd = mkstemp(path), to_child[2], to_parent[2], st;
	char *inherited;

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 8192) == 0);
	inherited = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(inherited != MAP_FAILED);
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
	strcpy(inherited, "from the parent before the fork");
	fflush(stdout);
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		char *own = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		CHECK(own != MAP_FAILED);
		printf("child: own mapping: %s\n", own);
		fflush(stdout);
		strcpy(own + 100, "stored by the child");
		say(to_parent[1]);
		hear(to_child[0]);
		/* The parent wrote the file with pwrite: both mappings show it. */
		printf("child: after the parent's pwrite: %s / %s\n", own + 200, inherited + 200);
		fflush(stdout);
		CHECK(pwrite(fd, "pwritten by the child", 22, 4096 + 300) == 22);
		say(to_parent[1]);
		hear(to_child[0]);
		printf("child: inherited mapping at 300 after the parent's store: %s\n",
		       inherited + 4096 + 400);
		fflush(stdout);
		_exit(0);
	}
	hear(to_parent[0]);
	printf("parent: %s\n", inherited + 100);
	CHECK(pwrite(fd, "pwritten by the parent", 23, 200) == 23);
	say(to_child[1]);
	hear(to_parent[0]);
	printf("parent: after the child's pwrite: %s\n", inherited + 4096 + 300);
	strcpy(inherited + 4096 + 400, "stored by the parent");
	say(to_child[1]);
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(ftruncate(fd, 4096) == 0);
	CHECK(ftruncate(fd, 8192) == 0);
	printf("parent: after truncating and growing: [%s]\n", inherited + 4096 + 300);
	/* A process that maps nothing of the file writes it. */
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		CHECK(munmap(inherited, 8192) == 0);
		CHECK(pwrite(fd, "from a process without a mapping", 33, 600) == 33);
		say(to_parent[1]);
		_exit(0);
	}
	hear(to_parent[0]);
	printf("parent: %s\n", inherited + 600);
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
