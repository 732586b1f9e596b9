/*
 * sysbuf_fork_exec: the syscall buffer across fork, vfork and exec. A
 * forked child's buffer is a copy of its parent's (nothing in it is the
 * child's); a vfork child appends to its parent's very buffer until it
 * execs; an exec'd image registers a buffer of its own. Each process makes
 * buffered calls before and after, and they must replay.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

extern char **environ;

static uint64_t calls(const char *path, int rounds)
{
	unsigned char buf[256];
	struct timespec ts;
	uint64_t h = 0;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	for (int i = 0; i < rounds; i++) {
		ssize_t n = pread(fd, buf, sizeof(buf), i * 64);

		CHECK(n > 0);
		h = h * 33 + buf[i % n];
		CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	}
	CHECK(getpid() == (pid_t)syscall(SYS_getpid));
	CHECK(close(fd) == 0);
	return h;
}

int main(int argc, char **argv)
{
	char *again[] = {argv[0], "exec", NULL}, *last[] = {argv[0], "last", NULL};
	pid_t pid;
	int st;

	if (argc > 1) {
		printf("exec'd image: %llx\n", (unsigned long long)calls("/proc/self/exe", 200));
		if (!strcmp(argv[1], "last"))
			printf("EXIT-SUCCESS\n");
		return 0;
	}
	printf("before: %llx\n", (unsigned long long)calls("/proc/self/exe", 100));
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		printf("forked child: %llx\n", (unsigned long long)calls("/proc/self/exe", 300));
		exit(0);
	}
	printf("parent during the child: %llx\n", (unsigned long long)calls("/proc/self/exe", 50));
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	pid = vfork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* Into the parent's buffer: getpid and clock_gettime are buffered. */
		struct timespec ts;

		if (getpid() != (pid_t)syscall(SYS_getpid) || clock_gettime(CLOCK_MONOTONIC, &ts))
			_exit(3);
		execve(argv[0], again, environ);
		_exit(127);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("after the vfork: %llx\n", (unsigned long long)calls("/proc/self/exe", 100));

	pid = vfork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (getppid() != (pid_t)syscall(SYS_getppid))
			_exit(3);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("after a vfork that exits: %llx\n",
	       (unsigned long long)calls("/proc/self/exe", 100));
	fflush(stdout);
	execve(argv[0], last, environ);
	CHECK(0);
}
