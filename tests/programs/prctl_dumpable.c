/*
 * prctl_dumpable: a process that makes itself non-dumpable
 * (PR_SET_DUMPABLE 0, as ssh-agent and gpg-agent do) and then writes to
 * stdout, reads and maps a file and forks; its child sees the flag
 * inherited, an exec clears it, and setting it back works. An unprivileged
 * tracer may not look into a non-dumpable process, so this is what the
 * recorder must keep working through.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* A file of known contents, read with read() and through a mapping. */
static void use_file(void)
{
	char path[] = "/tmp/rewind-dumpable-XXXXXX", buf[32];
	int fd = mkstemp(path);
	char *map;

	CHECK(fd >= 0);
	CHECK(unlink(path) == 0);
	CHECK(write(fd, "not dumpable, still recorded\n", 29) == 29);
	CHECK(pread(fd, buf, 29, 0) == 29);
	map = mmap(NULL, 29, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(map != MAP_FAILED);
	CHECK(memcmp(map, buf, 29) == 0);
	printf("file: %.29s", map);
	CHECK(munmap(map, 29) == 0);
	CHECK(close(fd) == 0);
}

int main(int argc, char **argv)
{
	int status;
	pid_t pid;

	if (argc > 1) {
		printf("after exec: dumpable %d\n", prctl(PR_GET_DUMPABLE));
		return prctl(PR_GET_DUMPABLE) == 1 ? 0 : 1;
	}
	printf("at start: dumpable %d\n", prctl(PR_GET_DUMPABLE));
	CHECK(prctl(PR_SET_DUMPABLE, 0) == 0);
	printf("after PR_SET_DUMPABLE 0: dumpable %d\n", prctl(PR_GET_DUMPABLE));
	CHECK(prctl(PR_GET_DUMPABLE) == 0);
	CHECK_ERR(prctl(PR_SET_DUMPABLE, 2), EINVAL);
	CHECK(prctl(PR_GET_DUMPABLE) == 0);
	use_file();
	fflush(stdout);

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		printf("child: dumpable %d\n", prctl(PR_GET_DUMPABLE));
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	CHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
	printf("after PR_SET_DUMPABLE 1: dumpable %d\n", prctl(PR_GET_DUMPABLE));
	CHECK(prctl(PR_GET_DUMPABLE) == 1);
	printf("EXIT-SUCCESS\n");
	return 0;
}
