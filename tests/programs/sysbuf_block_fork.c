/*
 * sysbuf_block_fork: fork and exec from a thread whose syscall buffer has
 * records not yet written into the trace, with calls that may block on
 * both sides. The thread makes buffered calls, forks; the child (which
 * opens its own descheduling event: the parent's is closed in it) answers
 * the thread's messages over pipes, then execs this program again, whose
 * new image does the same. At the end the thread itself execs the program
 * (the exec of a thread that is not the first), which prints the sum.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

#define ROUNDS 100

static char *self;

/* Answers n with n * 5 until the other end closes. */
static void answer(int in, int out)
{
	uint32_t n;

	while (read(in, &n, sizeof(n)) == (ssize_t)sizeof(n)) {
		n *= 5;
		CHECK(write(out, &n, sizeof(n)) == (ssize_t)sizeof(n));
	}
}

static uint64_t ask(int out, int in, uint32_t from)
{
	uint64_t sum = 0;

	for (uint32_t i = from; i < from + ROUNDS; i++) {
		uint32_t back;

		CHECK(write(out, &i, sizeof(i)) == (ssize_t)sizeof(i));
		CHECK(read(in, &back, sizeof(back)) == (ssize_t)sizeof(back) && back == i * 5);
		sum += back;
	}
	return sum;
}

static void *thread(void *arg)
{
	int to_child[2], to_parent[2], st;
	struct timespec ts;
	uint64_t sum = 0;
	char fds[32], total[32];
	pid_t pid;

	(void)arg;
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
	for (int i = 0; i < 10; i++) /* records in the buffer at the fork */
		CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && getpid() > 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		answer(to_child[0], to_parent[1]); /* the first round of questions */
		snprintf(fds, sizeof(fds), "%d,%d", to_child[0], to_parent[1]);
		execl(self, self, "answer", fds, (char *)NULL);
		_exit(127);
	}
	close(to_child[0]);
	close(to_parent[1]);
	sum += ask(to_child[1], to_parent[0], 0);
	/* The child reads to the end of its input only after this close: a new pipe for the rest.
	 */
	close(to_child[1]);
	CHECK(read(to_parent[0], fds, 1) == 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(to_parent[0]);
	for (int i = 0; i < 10; i++)
		CHECK(getpid() > 0);
	snprintf(total, sizeof(total), "%llu", (unsigned long long)sum);
	execl(self, self, "final", total, (char *)NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th;

	self = argv[0];
	if (argc == 3 && !strcmp(argv[1], "answer")) {
		/* The exec'd child: nothing more comes on its first pipe; it ends. */
		int in, out;

		CHECK(sscanf(argv[2], "%d,%d", &in, &out) == 2);
		answer(in, out);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "final")) {
		printf("the thread's exec: sum %s\n", argv[2]);
		printf("EXIT-SUCCESS\n");
		return 0;
	}
	CHECK(pthread_create(&th, NULL, thread, NULL) == 0);
	for (;;)
		pause(); /* ended by the thread's exec */
}
