/*
 * sysbuf_shared_write: writes to a file that is mapped shared, by this
 * process and by another (a forked child that maps it too), and after the
 * mapping is gone. The kernel shows the written bytes in the mapping;
 * replay writes no file, so the recorder must see those writes (the
 * syscall buffer sends them the traced way while the file is mapped
 * shared here, and compares another process's mappings after a buffered
 * one): the mapping must show the same bytes in replay.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/wait.h>

#include "check.h"

static char path[] = "/tmp/rewind-sysbuf-shared-XXXXXX";

int main(void)
{
	char *map;
	pid_t pid;
	int fd, status;

	CHECK((fd = mkstemp(path)) >= 0);
	CHECK(ftruncate(fd, 4096) == 0);
	CHECK(pwrite(fd, "before", 6, 0) == 6);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED);
	printf("mapped: %.6s\n", map);
	CHECK(pwrite(fd, "pwrite", 6, 0) == 6);
	printf("after pwrite: %.6s\n", map);
	CHECK(lseek(fd, 8, SEEK_SET) == 8 && write(fd, "write", 5) == 5);
	printf("after write: %.5s\n", map + 8);
	CHECK(munmap(map, 4096) == 0);
	/* No mapping here now: a child maps the file, and the parent writes while it waits. */
	int go[2], done[2];
	char c;

	CHECK(pipe(go) == 0 && pipe(done) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(map != MAP_FAILED);
		CHECK(write(go[1], "m", 1) == 1 && read(done[0], &c, 1) == 1);
		printf("child sees: %.5s\n", map + 16);
		fflush(stdout);
		_exit(0);
	}
	CHECK(read(go[0], &c, 1) == 1);
	CHECK(pwrite(fd, "other", 5, 16) == 5);
	CHECK(write(done[1], "w", 1) == 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status));
	CHECK(close(fd) == 0 && unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
