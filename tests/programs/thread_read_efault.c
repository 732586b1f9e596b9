/*
 * thread_read_efault: in a process with two threads (so rewind moves a
 * blocking read's buffer to its scratch area), reads from a pipe into
 * buffers the kernel cannot fill: an unmapped address and a buffer whose
 * end runs into an inaccessible page. Natively each fails with EFAULT and
 * leaves the bytes in the pipe (pipe_read takes nothing from a buffer it
 * could not copy whole); the recording must see the same, and record on.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

static int fds[2];
/* Where the compiler cannot see it. */
static void *volatile bad_address = (void *)8;

static void *idle(void *arg)
{
	(void)arg;
	char c;

	/* Blocked until main closes the pipe's other end: the process stays threaded. */
	return read(fds[0] + 2, &c, 1) < 0 ? NULL : arg;
}

int main(void)
{
	char *tail, buf[16];
	int other[2];
	pthread_t th;

	CHECK(pipe(fds) == 0);
	CHECK(pipe(other) == 0 && other[0] == fds[0] + 2);
	CHECK(pthread_create(&th, NULL, idle, NULL) == 0);
	tail = tail_alloc(4);

	CHECK(write(fds[1], "0123456789", 10) == 10);
	CHECK_ERR(read(fds[0], bad_address, 10), EFAULT);
	CHECK_ERR(read(fds[0], tail, 10), EFAULT);
	CHECK(read(fds[0], buf, sizeof(buf)) == 10 && !memcmp(buf, "0123456789", 10));

	CHECK(close(other[1]) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
