/*
 * sysbuf_vfork_fds: a vfork child runs on its parent's memory, where the
 * syscall buffer's library keeps what it knows of each descriptor, with a
 * descriptor table of its own. The child closes a number that is a pipe
 * in the parent and opens a regular file there (the library notes a local
 * file); back in the parent that number is still the pipe, and its read
 * must go to the recorder: it blocks until a thread writes, and a blocking
 * read the recorder did not see would hang the recording.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

static int pipe_w;
static char path[] = "/tmp/rewind-sysbuf-vfork-XXXXXX";

static void *writer(void *arg)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	(void)arg;
	nanosleep(&ts, NULL);
	CHECK(write(pipe_w, "late", 4) == 4);
	return NULL;
}

int main(void)
{
	pthread_t th;
	char buf[8];
	int p[2], status;
	pid_t pid;

	int file;

	/* A local file read once, so the library knows its filesystem is local. */
	CHECK((file = mkstemp(path)) >= 0 && write(file, "file", 4) == 4);
	CHECK(pread(file, buf, 4, 0) == 4);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "now", 3) == 3 && read(p[0], buf, 3) == 3);
	pid = vfork();
	if (pid == 0) {
		int fd;

		close(p[0]);
		fd = open(path, O_RDONLY);
		if (fd != p[0] || read(fd, buf, 4) != 4)
			_exit(2);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("the child opened a file at the pipe's number\n");
	pipe_w = p[1];
	CHECK(pthread_create(&th, NULL, writer, NULL) == 0);
	CHECK(read(p[0], buf, sizeof(buf)) == 4 && !memcmp(buf, "late", 4));
	CHECK(pthread_join(th, NULL) == 0);
	printf("the parent's read of its pipe waited for the writer\n");
	CHECK(close(file) == 0 && unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
