/*
 * poll_select_epoll: readiness of a pipe through poll, ppoll, select, pselect6,
 * epoll_wait and epoll_pwait, before and after data arrives, with short timeouts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	int p[2];
	struct pollfd pfd[2];
	fd_set rd, wr;
	struct timeval tv;
	struct timespec ts;
	struct epoll_event ev, events[4];
	char buf[16];

	CHECK(pipe(p) == 0);
	pfd[0] = (struct pollfd){.fd = p[0], .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = p[1], .events = POLLOUT};
	int n = poll(pfd, 2, 0);
	printf("poll empty: %d, revents %#x %#x\n", n, pfd[0].revents, pfd[1].revents);
	CHECK(n == 1 && pfd[0].revents == 0 && pfd[1].revents == POLLOUT);
	n = poll(pfd, 1, 10);
	printf("poll with 10 ms timeout: %d\n", n);
	CHECK(n == 0);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0);
	ev.events = EPOLLIN;
	ev.data.u64 = 0x1122334455667788ULL;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	CHECK(epoll_wait(ep, events, 4, 0) == 0);
	CHECK(epoll_wait(ep, events, 4, 5) == 0);
	printf("epoll_wait empty: 0\n");

	CHECK(write(p[1], "x", 1) == 1);
	n = poll(pfd, 2, -1);
	printf("poll with data: %d, revents %#x %#x\n", n, pfd[0].revents, pfd[1].revents);
	CHECK(n == 2 && pfd[0].revents == POLLIN);
	ts = (struct timespec){0, 1000000};
	CHECK(ppoll(pfd, 1, &ts, NULL) == 1 && pfd[0].revents == POLLIN);

	memset(events, 0, sizeof(events));
	n = epoll_wait(ep, events, 4, 1000);
	printf("epoll_wait with data: %d, events %#x data %#llx\n", n, events[0].events,
	       (unsigned long long)events[0].data.u64);
	CHECK(n == 1 && events[0].events == EPOLLIN);
	CHECK(events[0].data.u64 == 0x1122334455667788ULL);
	struct epoll_event *tail = tail_alloc(sizeof(*tail));
	CHECK(epoll_pwait(ep, tail, 1, 0, NULL) == 1 && tail->data.u64 == ev.data.u64);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.fd = p[0];
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, events, 4, 0) == 1 && events[0].data.fd == p[0]);
	CHECK(epoll_wait(ep, events, 4, 0) == 0); /* edge-triggered: reported once */
	printf("edge-triggered reported once\n");

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	tv = (struct timeval){0, 0};
	n = select(p[1] + 1, &rd, &wr, NULL, &tv);
	printf("select with data: %d (read %d, write %d)\n", n, FD_ISSET(p[0], &rd),
	       FD_ISSET(p[1], &wr));
	CHECK(n == 2 && FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr));

	CHECK(read(p[0], buf, sizeof(buf)) == 1);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv = (struct timeval){0, 5000};
	n = select(p[0] + 1, &rd, NULL, NULL, &tv);
	printf("select after drain: %d, timeout left %ld us\n", n, (long)tv.tv_usec);
	CHECK(n == 0 && !FD_ISSET(p[0], &rd));
	FD_SET(p[0], &rd);
	ts = (struct timespec){0, 2000000};
	CHECK(pselect(p[0] + 1, &rd, NULL, NULL, &ts, NULL) == 0);
	CHECK(epoll_wait(ep, events, 4, 0) == 0);

	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	CHECK_ERR(epoll_wait(ep, events, 0, 0), EINVAL);
	CHECK_ERR(syscall(SYS_epoll_wait, ep, (void *)0xffff800000000000UL, 4, 0), EFAULT);
	CHECK(write(p[1], "y", 1) == 1);
	ev.events = EPOLLIN;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	/* An unwritable user address fails only once there is an event to store. */
	CHECK_ERR(syscall(SYS_epoll_wait, ep, (void *)1, 4, 0), EFAULT);
	CHECK_ERR(syscall(SYS_poll, (void *)1, 1, 0), EFAULT);
	pfd[0] = (struct pollfd){.fd = 999, .events = POLLIN};
	CHECK(poll(pfd, 1, 0) == 1 && pfd[0].revents == POLLNVAL);
	printf("poll on a closed fd: POLLNVAL\n");
	/* Within the descriptor table but not open (fds past the table are ignored). */
	CHECK(fcntl(40, F_GETFD) == -1 && errno == EBADF);
	FD_ZERO(&rd);
	FD_SET(40, &rd);
	tv = (struct timeval){0, 0};
	CHECK_ERR(select(41, &rd, NULL, NULL, &tv), EBADF);
	CHECK(close(ep) == 0 && close(p[0]) == 0 && close(p[1]) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
