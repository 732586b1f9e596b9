/*
 * sysbuf_block_procs: a pipe ping-pong between two processes, and a
 * socketpair server and client, every call made through the syscall
 * buffer's calls that may block (read, write, poll, recv, send,
 * epoll_wait). Each side waits for the other in the kernel; the replies
 * carry counters both sides check, and their sums must replay.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "check.h"

#define ROUNDS 300

/* The parent sends n, the child answers n * 3 + 1; both check. */
static uint64_t pipe_pingpong(void)
{
	int to_child[2], to_parent[2], st;
	uint64_t sum = 0;
	pid_t pid;

	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		uint32_t n;

		close(to_child[1]);
		close(to_parent[0]);
		while (read(to_child[0], &n, sizeof(n)) == (ssize_t)sizeof(n)) {
			n = n * 3 + 1;
			CHECK(write(to_parent[1], &n, sizeof(n)) == (ssize_t)sizeof(n));
		}
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		uint32_t back;

		CHECK(write(to_child[1], &i, sizeof(i)) == (ssize_t)sizeof(i));
		CHECK(read(to_parent[0], &back, sizeof(back)) == (ssize_t)sizeof(back));
		CHECK(back == i * 3 + 1);
		sum += back;
	}
	close(to_child[1]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(to_parent[0]);
	return sum;
}

/* The server waits with poll and epoll_wait in turn, the client with recv. */
static void server(int s)
{
	struct pollfd p = {.fd = s, .events = POLLIN};
	struct epoll_event ev = {.events = EPOLLIN}, got;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	char buf[64];

	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0);
	for (int i = 0;; i++) {
		ssize_t n;

		if (i % 2)
			CHECK(poll(&p, 1, -1) == 1 && (p.revents & (POLLIN | POLLHUP)));
		else
			CHECK(epoll_wait(ep, &got, 1, -1) == 1);
		n = recv(s, buf, sizeof(buf), 0);
		CHECK(n >= 0);
		if (n == 0)
			break;
		for (ssize_t k = 0; k < n; k++)
			buf[k] = (char)(buf[k] + 1);
		CHECK(send(s, buf, (size_t)n, 0) == n);
	}
	close(ep);
}

static uint64_t socket_pair(void)
{
	int sv[2], st;
	uint64_t sum = 0;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		close(sv[0]);
		server(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	for (int i = 0; i < ROUNDS; i++) {
		char msg[16], back[16];
		int len = snprintf(msg, sizeof(msg), "m%05d", i);

		CHECK(send(sv[0], msg, (size_t)len, 0) == len);
		CHECK(recv(sv[0], back, (size_t)len, MSG_WAITALL) == len);
		for (int k = 0; k < len; k++)
			CHECK(back[k] == (char)(msg[k] + 1));
		sum += (unsigned char)back[len - 1];
	}
	CHECK(shutdown(sv[0], SHUT_WR) == 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[0]);
	return sum;
}

int main(void)
{
	printf("pipe ping-pong: %d rounds, sum %llu\n", ROUNDS,
	       (unsigned long long)pipe_pingpong());
	printf("socketpair: %d rounds, sum %llu\n", ROUNDS, (unsigned long long)socket_pair());
	printf("EXIT-SUCCESS\n");
	return 0;
}
