/*
 * ioctl_tty: terminal ioctls on a pseudo-terminal (TCGETS, TCSETS, TIOCSWINSZ,
 * TIOCGWINSZ, TIOCGPTN) and on stdin/stdout, which may or may not be terminals; FIONREAD on
 * a pipe; ENOTTY for terminal ioctls on a regular file.
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
#include <termios.h>
#include <unistd.h>

#include "check.h"

static void probe_std(int fd, const char *name)
{
	struct termios t;
	struct winsize ws;

	if (ioctl(fd, TCGETS, &t) == 0) {
		printf("%s: is a terminal, lflag ICANON=%d\n", name, !!(t.c_lflag & ICANON));
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0)
			printf("%s: window %ux%u\n", name, ws.ws_col, ws.ws_row);
		return;
	}
	CHECK(errno == ENOTTY || errno == EINVAL);
	printf("%s: TCGETS -> %s (not a terminal)\n", name, strerrorname_np(errno));
	CHECK(ioctl(fd, TIOCGWINSZ, &ws) == -1);
	printf("%s: TIOCGWINSZ -> %s\n", name, strerrorname_np(errno));
}

static void pty(void)
{
	struct termios t, t2;
	struct winsize ws = {.ws_row = 24, .ws_col = 80}, ws2;
	char buf[64];
	unsigned ptn = 12345;

	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0) {
		printf("posix_openpt failed (%s): no pty test\n", strerrorname_np(errno));
		return;
	}
	CHECK(ioctl(master, TIOCGPTN, &ptn) == 0);
	CHECK(grantpt(master) == 0 && unlockpt(master) == 0);
	const char *name = ptsname(master);
	CHECK(name != NULL);
	printf("pty number %u, slave %s\n", ptn, name);
	int slave = open(name, O_RDWR | O_NOCTTY);
	CHECK(slave >= 0);

	CHECK(ioctl(slave, TCGETS, &t) == 0);
	printf("slave TCGETS: iflag=%#x oflag=%#x cflag=%#x lflag=%#x\n", t.c_iflag, t.c_oflag,
	       t.c_cflag, t.c_lflag);
	CHECK(isatty(slave));
	cfmakeraw(&t);
	CHECK(ioctl(slave, TCSETS, &t) == 0);
	CHECK(ioctl(slave, TCGETS, &t2) == 0);
	printf("after cfmakeraw: lflag=%#x\n", t2.c_lflag);
	CHECK(!(t2.c_lflag & ICANON) && !(t2.c_lflag & ECHO));

	CHECK(ioctl(master, TIOCSWINSZ, &ws) == 0);
	CHECK(ioctl(slave, TIOCGWINSZ, &ws2) == 0);
	printf("slave window: %ux%u\n", ws2.ws_col, ws2.ws_row);
	CHECK(ws2.ws_col == 80 && ws2.ws_row == 24);

	/* Raw mode: bytes written on the master arrive unchanged on the slave. */
	CHECK(write(master, "ping", 4) == 4);
	size_t got = 0;
	while (got < 4) {
		ssize_t n = read(slave, buf + got, sizeof(buf) - got);
		CHECK(n > 0);
		got += (size_t)n;
	}
	printf("slave read: '%.4s'\n", buf);
	CHECK(got == 4 && memcmp(buf, "ping", 4) == 0);

	struct winsize *tail = tail_alloc(sizeof(*tail));
	CHECK(ioctl(slave, TIOCGWINSZ, tail) == 0 && tail->ws_col == 80);
	CHECK_ERR(ioctl(slave, TIOCGWINSZ, (void *)1), EFAULT);
	CHECK_ERR(syscall(SYS_ioctl, slave, TCGETS, (char *)tail + 2), EFAULT);
	CHECK(close(slave) == 0 && close(master) == 0);
}

int main(void)
{
	int p[2], n = -1;
	char path[] = "ioctl-XXXXXX";
	struct termios t;

	probe_std(0, "stdin");
	probe_std(1, "stdout");
	pty();

	CHECK(pipe(p) == 0);
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 0);
	CHECK(write(p[1], "12345", 5) == 5);
	CHECK(ioctl(p[0], FIONREAD, &n) == 0);
	printf("pipe FIONREAD: %d\n", n);
	CHECK(n == 5);
	CHECK_ERR(ioctl(p[0], FIONREAD, (void *)1), EFAULT);
	CHECK(close(p[0]) == 0 && close(p[1]) == 0);

	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK_ERR(ioctl(fd, TCGETS, &t), ENOTTY);
	CHECK_ERR(ioctl(fd, TIOCGWINSZ, &t), ENOTTY);
	CHECK_ERR(ioctl(-1, TCGETS, &t), EBADF);
	CHECK(ioctl(fd, FIONREAD, &n) == 0);
	printf("regular file FIONREAD: %d\n", n);
	CHECK(close(fd) == 0 && unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
