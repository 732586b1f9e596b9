/*
 * thread_blocking_calls: eight threads each block in the kernel at once:
 * accept on a unix socket, poll on a pipe, read on an empty pipe,
 * waitpid for a child, nanosleep, readv into two buffers, recvmsg with a
 * name, two iovecs and a descriptor passed in its control data, recvmmsg
 * of two datagrams. While
 * they wait the main thread runs and unblocks them one by one (connect,
 * writes, telling the child to exit, sendmsg; the sleeper wakes by
 * itself), checking each result; the recording must let the others run
 * while one is blocked, and replay the order. (In a threaded process the
 * recorder points such syscalls' buffers at scratch memory and copies the
 * results back: the msghdr must keep the program's own pointers.)
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int listener, polled[2], empty[2], go[2], vec[2], dgram[2], mdgram[2];
static pid_t child;
static atomic_int waiting;
static char got[64];

static void *acceptor(void *arg)
{
	struct sockaddr_un peer;
	socklen_t len = sizeof(peer);
	int fd;

	(void)arg;
	waiting++;
	fd = accept(listener, (struct sockaddr *)&peer, &len);
	CHECK(fd >= 0);
	CHECK(read(fd, got, 5) == 5);
	close(fd);
	return (void *)1;
}

static void *poller(void *arg)
{
	struct pollfd p = {polled[0], POLLIN, 0};

	(void)arg;
	waiting++;
	CHECK(poll(&p, 1, -1) == 1 && (p.revents & POLLIN));
	return (void *)2;
}

static void *reader(void *arg)
{
	char c;

	(void)arg;
	waiting++;
	CHECK(read(empty[0], &c, 1) == 1 && c == 'r');
	return (void *)3;
}

static void *waiter(void *arg)
{
	int st;

	(void)arg;
	waiting++;
	CHECK(waitpid(child, &st, 0) == child);
	return (void *)(long)(4 + 10 * WEXITSTATUS(st));
}

static void *vreader(void *arg)
{
	char a[3] = {0}, b[4] = {0};
	struct iovec iov[2] = {{a, 2}, {b, 3}};

	(void)arg;
	waiting++;
	CHECK(readv(vec[0], iov, 2) == 5);
	CHECK(!memcmp(a, "ab", 2) && !memcmp(b, "cde", 3));
	return (void *)6;
}

static void *receiver(void *arg)
{
	char a[4] = {0}, b[8] = {0};
	struct iovec iov[2] = {{a, 3}, {b, 7}};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct sockaddr_un from;
	struct msghdr m = {.msg_name = &from,
			   .msg_namelen = sizeof(from),
			   .msg_iov = iov,
			   .msg_iovlen = 2,
			   .msg_control = ctl.buf,
			   .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c;
	int fd;
	char x;

	(void)arg;
	waiting++;
	CHECK(recvmsg(dgram[0], &m, 0) == 8);
	CHECK(m.msg_name == &from && m.msg_iov == iov && m.msg_control == ctl.buf);
	CHECK(!memcmp(a, "msg", 3) && !memcmp(b, "-body", 5));
	c = CMSG_FIRSTHDR(&m);
	CHECK(c && c->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	CHECK(read(fd, &x, 1) == 1 && x == 'z');
	close(fd);
	return (void *)(long)(7 + 10 * (int)m.msg_namelen);
}

static void *mreceiver(void *arg)
{
	char a[8] = {0}, b[8] = {0};
	struct iovec ia = {a, sizeof(a)}, ib = {b, sizeof(b)};
	struct mmsghdr mm[2] = {{.msg_hdr = {.msg_iov = &ia, .msg_iovlen = 1}},
				{.msg_hdr = {.msg_iov = &ib, .msg_iovlen = 1}}};

	(void)arg;
	waiting++;
	CHECK(recvmmsg(mdgram[0], mm, 2, 0, NULL) == 2);
	CHECK(mm[0].msg_len == 3 && mm[1].msg_len == 5);
	CHECK(mm[0].msg_hdr.msg_iov == &ia && mm[1].msg_hdr.msg_iov == &ib);
	CHECK(!memcmp(a, "one", 3) && !memcmp(b, "three", 5));
	return (void *)8;
}

static void *sleeper(void *arg)
{
	struct timespec ts = {0, 30000000};

	(void)arg;
	waiting++;
	CHECK(nanosleep(&ts, NULL) == 0);
	return (void *)5;
}

int main(void)
{
	void *(*fns[8])(void *) = {acceptor, poller,  reader,	waiter,
				   sleeper,  vreader, receiver, mreceiver};
	char path[] = "/tmp/rewind-blocking-XXXXXX";
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	pthread_t t[8];
	int s, passed[2];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec siov = {"msg-body", 8};
	struct msghdr sm = {
	    .msg_iov = &siov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;

	CHECK(mkdtemp(path) != NULL);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", path);
	listener = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(listener >= 0);
	CHECK(bind(listener, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	CHECK(listen(listener, 1) == 0);
	CHECK(pipe(polled) == 0 && pipe(empty) == 0 && pipe(go) == 0 && pipe(vec) == 0 &&
	      pipe(passed) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dgram) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, mdgram) == 0);
	fflush(stdout);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		char x;

		_exit(read(go[0], &x, 1) == 1 ? 6 : 1);
	}
	for (int i = 0; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, fns[i], NULL) == 0);
	while (waiting < 8)
		usleep(1000);
	usleep(10000); /* all eight are in the kernel now */

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(s >= 0 && connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	CHECK(write(s, "hello", 5) == 5);
	CHECK(write(polled[1], "p", 1) == 1);
	CHECK(write(empty[1], "r", 1) == 1);
	CHECK(write(go[1], "x", 1) == 1);
	CHECK(write(vec[1], "abcde", 5) == 5);
	CHECK(write(passed[1], "z", 1) == 1);
	c = CMSG_FIRSTHDR(&sm);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &passed[0], sizeof(int));
	CHECK(sendmsg(dgram[1], &sm, 0) == 8);
	CHECK(send(mdgram[1], "one", 3, 0) == 3 && send(mdgram[1], "three", 5, 0) == 5);
	for (int i = 0; i < 8; i++) {
		void *ret;

		CHECK(pthread_join(t[i], &ret) == 0);
		printf("thread %d returned %ld\n", i + 1, (long)ret);
	}
	printf("the acceptor read %.5s\n", got);
	close(s);
	unlink(addr.sun_path);
	rmdir(path);
	printf("EXIT-SUCCESS\n");
	return 0;
}
