/*
 * sysbuf_close_thread: a thread reads a local file (reads the syscall
 * buffer makes without a stop) and keeps its descriptor while another
 * thread closes it, with a buffered close, and a pipe takes its number.
 * The reader's next read must go to the recorder again: a read of the
 * empty pipe blocks until the closing thread writes, and a blocking read
 * the recorder did not see would keep that thread from ever running (the
 * recording would hang).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <time.h>

#include "check.h"

static int fd, ready[2], go[2];

static void *reader(void *arg)
{
	char buf[4];

	(void)arg;
	CHECK(read(fd, buf, 4) == 4 && !memcmp(buf, "\177ELF", 4));
	CHECK(write(ready[1], "r", 1) == 1);
	CHECK(read(go[0], buf, 1) == 1);
	CHECK(read(fd, buf, 4) == 4 && !memcmp(buf, "pipe", 4));
	return NULL;
}

int main(void)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	pthread_t th;
	char c;
	int p[2];

	CHECK(pipe(ready) == 0 && pipe(go) == 0);
	CHECK((fd = open("/proc/self/exe", O_RDONLY)) >= 0);
	CHECK(pthread_create(&th, NULL, reader, NULL) == 0);
	CHECK(read(ready[0], &c, 1) == 1);
	CHECK(close(fd) == 0);
	CHECK(pipe(p) == 0 && p[0] == fd);
	CHECK(write(go[1], "g", 1) == 1);
	nanosleep(&ts, NULL);
	CHECK(write(p[1], "pipe", 4) == 4);
	CHECK(pthread_join(th, NULL) == 0);
	printf("the reader went on to the pipe that took the closed number\n");
	CHECK(close(p[0]) == 0 && close(p[1]) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
