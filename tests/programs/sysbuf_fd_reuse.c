/*
 * sysbuf_fd_reuse: a descriptor number that named a regular file (whose
 * reads the syscall buffer makes without a stop) is closed, or replaced by
 * dup2/dup3, and then names a pipe. Its reads must go to the recorder again:
 * a read of the empty pipe blocks until another thread writes, and a
 * blocking read the recorder did not see would keep that thread from ever
 * running (the recording would hang).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>

#include "check.h"

static int pipe_w;

static void *writer(void *arg)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	(void)arg;
	nanosleep(&ts, NULL);
	CHECK(write(pipe_w, "late", 4) == 4);
	return NULL;
}

/* Reads fd, a pipe now, while a thread writes into it only later. */
static void read_late(int fd, int w, const char *how)
{
	pthread_t th;
	char buf[16];

	pipe_w = w;
	CHECK(pthread_create(&th, NULL, writer, NULL) == 0);
	CHECK(read(fd, buf, sizeof(buf)) == 4 && !memcmp(buf, "late", 4));
	CHECK(pthread_join(th, NULL) == 0);
	printf("%s: the pipe's read waited for its writer\n", how);
}

static int open_file(void)
{
	char buf[4];
	int fd = open("/proc/self/exe", O_RDONLY);

	CHECK(fd >= 0);
	CHECK(read(fd, buf, 4) == 4 && !memcmp(buf, "\177ELF", 4));
	return fd;
}

int main(void)
{
	int fd, p[2];

	/* close: the pipe gets the lowest free number, the file's. */
	fd = open_file();
	CHECK(close(fd) == 0);
	CHECK(pipe(p) == 0 && p[0] == fd);
	read_late(fd, p[1], "close");
	CHECK(close(p[0]) == 0 && close(p[1]) == 0);

	fd = open_file();
	CHECK(pipe(p) == 0);
	CHECK(dup2(p[0], fd) == fd);
	read_late(fd, p[1], "dup2");
	CHECK(close(fd) == 0 && close(p[0]) == 0 && close(p[1]) == 0);

	fd = open_file();
	CHECK(pipe(p) == 0);
	CHECK(dup3(p[0], fd, O_CLOEXEC) == fd);
	read_late(fd, p[1], "dup3");
	CHECK(close(fd) == 0 && close(p[0]) == 0 && close(p[1]) == 0);

	fd = open_file();
	CHECK(syscall(SYS_close_range, fd, fd + 10, 0) == 0);
	CHECK(pipe(p) == 0 && p[0] == fd);
	read_late(fd, p[1], "close_range");
	printf("EXIT-SUCCESS\n");
	return 0;
}
