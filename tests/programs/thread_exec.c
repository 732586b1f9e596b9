/*
 * thread_exec: an exec made by a thread that is not the leader, while the
 * leader waits in pthread_join and another thread in pause(). The kernel
 * ends both, and the exec'ing thread goes on as the leader (its tid
 * becomes the pid): the new image checks so and starts a thread of its
 * own.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static char *self;

static void *idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void *execer(void *arg)
{
	char tid[32];

	(void)arg;
	snprintf(tid, sizeof(tid), "%ld", (long)syscall(SYS_gettid));
	fflush(stdout);
	execl(self, self, "after-exec", tid, (char *)NULL);
	return NULL;
}

static void *worker(void *arg)
{
	return (void *)((long)arg * 2);
}

int main(int argc, char **argv)
{
	pthread_t a, b;
	void *ret;

	if (argc > 2 && !strcmp(argv[1], "after-exec")) {
		long former = atol(argv[2]);

		CHECK(syscall(SYS_gettid) == getpid());
		CHECK(former != getpid());
		printf("after the exec: the thread is the leader now\n");
		CHECK(pthread_create(&a, NULL, worker, (void *)21L) == 0);
		CHECK(pthread_join(a, &ret) == 0);
		printf("a new thread returned %ld\n", (long)ret);
		printf("EXIT-SUCCESS\n");
		return 0;
	}
	self = "/proc/self/exe";
	printf("before the exec\n");
	CHECK(pthread_create(&a, NULL, idle, NULL) == 0);
	CHECK(pthread_create(&b, NULL, execer, NULL) == 0);
	pthread_join(b, NULL);
	printf("FAIL: the exec did not happen\n");
	return 1;
}
