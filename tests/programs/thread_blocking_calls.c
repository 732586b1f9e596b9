/*
 * thread_blocking_calls: five threads each block in the kernel at once:
 * accept on a unix socket, poll on a pipe, read on an empty pipe,
 * waitpid for a child, nanosleep. While they wait the main thread runs and
 * unblocks them one by one (connect, two writes, telling the child to
 * exit; the sleeper wakes by itself), checking each result; the recording
 * must let the others run while one is blocked, and replay the order.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int listener, polled[2], empty[2], go[2];
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
	void *(*fns[5])(void *) = {acceptor, poller, reader, waiter, sleeper};
	char path[] = "/tmp/rewind-blocking-XXXXXX";
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	pthread_t t[5];
	int s;

	CHECK(mkdtemp(path) != NULL);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", path);
	listener = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(listener >= 0);
	CHECK(bind(listener, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	CHECK(listen(listener, 1) == 0);
	CHECK(pipe(polled) == 0 && pipe(empty) == 0 && pipe(go) == 0);
	fflush(stdout);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		char c;

		_exit(read(go[0], &c, 1) == 1 ? 6 : 1);
	}
	for (int i = 0; i < 5; i++)
		CHECK(pthread_create(&t[i], NULL, fns[i], NULL) == 0);
	while (waiting < 5)
		usleep(1000);
	usleep(10000); /* all five are in the kernel now */

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(s >= 0 && connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	CHECK(write(s, "hello", 5) == 5);
	CHECK(write(polled[1], "p", 1) == 1);
	CHECK(write(empty[1], "r", 1) == 1);
	CHECK(write(go[1], "x", 1) == 1);
	for (int i = 0; i < 5; i++) {
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
