/*
 * pipe_basic: pipe and pipe2 with flags, write then read, FIONREAD, F_GETPIPE_SZ,
 * EAGAIN on an empty non-blocking pipe and end of file once the writer is closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	int p[2], q[2], avail = -1;
	char buf[128];

	CHECK(pipe(p) == 0);
	printf("pipe: read end %d, write end %d\n", p[0], p[1]);
	CHECK(write(p[1], "first message", 13) == 13);
	CHECK(ioctl(p[0], FIONREAD, &avail) == 0);
	printf("FIONREAD: %d\n", avail);
	CHECK(avail == 13);
	memset(buf, 0, sizeof(buf));
	CHECK(read(p[0], buf, 5) == 5);
	CHECK(read(p[0], buf + 5, sizeof(buf) - 5) == 8);
	printf("read: '%s'\n", buf);
	CHECK(strcmp(buf, "first message") == 0);
	CHECK(close(p[1]) == 0);
	CHECK(read(p[0], buf, sizeof(buf)) == 0);
	printf("read after writer closed: 0\n");
	CHECK(close(p[0]) == 0);

	CHECK(pipe2(q, O_CLOEXEC | O_NONBLOCK) == 0);
	int fl = fcntl(q[0], F_GETFL), fdfl = fcntl(q[0], F_GETFD);
	printf("pipe2 flags: %s %s\n", (fl & O_NONBLOCK) ? "O_NONBLOCK" : "blocking",
	       (fdfl & FD_CLOEXEC) ? "FD_CLOEXEC" : "inherit");
	CHECK((fl & O_NONBLOCK) && (fdfl & FD_CLOEXEC));
	CHECK_ERR(read(q[0], buf, sizeof(buf)), EAGAIN);
	int size = fcntl(q[1], F_GETPIPE_SZ);
	printf("F_GETPIPE_SZ: %d\n", size);
	CHECK(size >= 4096);

	/* Fill the pipe: the last write is short, then EAGAIN. */
	static char chunk[4096];
	long total = 0;
	for (;;) {
		ssize_t n = write(q[1], chunk, sizeof(chunk));
		if (n < 0) {
			CHECK(errno == EAGAIN);
			break;
		}
		total += n;
	}
	printf("filled non-blocking pipe with %ld bytes\n", total);
	CHECK(total > 0 && total <= size);
	CHECK(ioctl(q[0], FIONREAD, &avail) == 0 && avail == total);
	while (total > 0) {
		ssize_t n = read(q[0], buf, sizeof(buf));
		CHECK(n > 0);
		total -= n;
	}
	CHECK_ERR(read(q[0], buf, 1), EAGAIN);
	CHECK(close(q[0]) == 0 && close(q[1]) == 0);

	CHECK_ERR(pipe2(q, 0x12345678 & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)), EINVAL);
	CHECK_ERR(syscall(SYS_pipe2, (void *)1, 0), EFAULT);
	CHECK_ERR(syscall(SYS_pipe, NULL), EFAULT);
	printf("EXIT-SUCCESS\n");
	return 0;
}
