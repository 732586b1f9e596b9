/*
 * socketpair_scm: stream and datagram socketpairs (send/recv, MSG_PEEK, sendto/recvfrom,
 * shutdown), socket options, and passing file descriptors with SCM_RIGHTS through
 * sendmsg/recvmsg, including a control buffer too small (MSG_CTRUNC).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"

static void send_fds(int sock, const int *fds, int nfds, const char *payload)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {(void *)payload, strlen(payload)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	memset(&control, 0, sizeof(control));
	msg.msg_control = control.buf;
	msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	CHECK(sendmsg(sock, &msg, 0) == (ssize_t)strlen(payload));
}

int main(void)
{
	int sv[2], dg[2];
	char buf[128];
	char path[] = "scm-XXXXXX";

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	printf("stream pair: %d %d\n", sv[0], sv[1]);
	CHECK(send(sv[0], "hello over a socket", 19, 0) == 19);
	memset(buf, 0, sizeof(buf));
	CHECK(recv(sv[1], buf, 5, MSG_PEEK) == 5);
	printf("peek: '%s'\n", buf);
	memset(buf, 0, sizeof(buf));
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 19);
	printf("recv: '%s'\n", buf);
	CHECK(strcmp(buf, "hello over a socket") == 0);
	CHECK_ERR(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);

	int type = 0, rcvbuf = 0;
	socklen_t len = sizeof(type);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM);
	len = sizeof(rcvbuf);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) == 0);
	printf("SO_TYPE %d SO_RCVBUF %d\n", type, rcvbuf);
	len = (socklen_t)-1;
	CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len), EINVAL);
	len = sizeof(type);
	CHECK_ERR(syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, (void *)1, &len), EFAULT);

	/* Pass a file and a pipe end; the received descriptors are new and work. */
	int fd = mkstemp(path), p[2];
	CHECK(fd >= 0 && write(fd, "file contents", 13) == 13);
	CHECK(pipe(p) == 0 && write(p[1], "pipe contents", 13) == 13);
	int pass[2] = {fd, p[0]};
	send_fds(sv[0], pass, 2, "two fds");

	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	memset(buf, 0, sizeof(buf));
	ssize_t n = recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC);
	CHECK(n == 7 && strcmp(buf, "two fds") == 0 && !(msg.msg_flags & MSG_CTRUNC));
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	CHECK(c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS);
	CHECK(c->cmsg_len == CMSG_LEN(2 * sizeof(int)));
	int got[2];
	memcpy(got, CMSG_DATA(c), sizeof(got));
	printf("received fds %d %d (sent %d %d), controllen %zu\n", got[0], got[1], fd, p[0],
	       (size_t)msg.msg_controllen);
	CHECK(got[0] != fd && got[1] != p[0]);
	CHECK(fcntl(got[0], F_GETFD) == FD_CLOEXEC);
	memset(buf, 0, sizeof(buf));
	CHECK(pread(got[0], buf, sizeof(buf), 0) == 13);
	printf("through received file fd: '%s'\n", buf);
	memset(buf, 0, sizeof(buf));
	CHECK(read(got[1], buf, sizeof(buf)) == 13);
	printf("through received pipe fd: '%s'\n", buf);
	CHECK(strcmp(buf, "pipe contents") == 0);
	CHECK(close(got[0]) == 0 && close(got[1]) == 0);

	/* Room for two of three descriptors: the third is dropped and MSG_CTRUNC is set. */
	int pass3[3] = {fd, p[0], p[1]};
	send_fds(sv[0], pass3, 3, "truncated");
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} small;
	msg.msg_control = small.buf;
	msg.msg_controllen = sizeof(small.buf);
	memset(buf, 0, sizeof(buf));
	n = recvmsg(sv[1], &msg, 0);
	printf("recvmsg with small control buffer: %zd, flags %s, controllen %zu\n", n,
	       (msg.msg_flags & MSG_CTRUNC) ? "MSG_CTRUNC" : "none", (size_t)msg.msg_controllen);
	CHECK(n == 9 && (msg.msg_flags & MSG_CTRUNC));
	c = CMSG_FIRSTHDR(&msg);
	CHECK(c != NULL && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(2 * sizeof(int)));
	memcpy(got, CMSG_DATA(c), sizeof(got));
	printf("received fds %d %d\n", got[0], got[1]);
	CHECK(fcntl(got[0], F_GETFD) == 0 && close(got[0]) == 0 && close(got[1]) == 0);

	CHECK(shutdown(sv[0], SHUT_WR) == 0);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 0);
	printf("recv after peer shutdown: 0\n");
	CHECK(close(sv[0]) == 0 && close(sv[1]) == 0);

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0);
	CHECK(sendto(dg[0], "dgram one", 9, 0, NULL, 0) == 9);
	CHECK(send(dg[0], "two", 3, 0) == 3);
	memset(buf, 0, sizeof(buf));
	CHECK(recvfrom(dg[1], buf, 4, 0, NULL, NULL) == 4); /* the rest is discarded */
	CHECK(recv(dg[1], buf, sizeof(buf), 0) == 3 && memcmp(buf, "two", 3) == 0);
	printf("datagram boundaries kept\n");
	CHECK(close(dg[0]) == 0 && close(dg[1]) == 0);

	CHECK_ERR(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
	CHECK_ERR(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (void *)1), EFAULT);
	CHECK(close(fd) == 0 && close(p[0]) == 0 && close(p[1]) == 0 && unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
