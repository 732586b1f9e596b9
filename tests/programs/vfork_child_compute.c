/*
 * vfork_child_compute: a vfork child computes for a while in user code,
 * then sleeps, before it execs, in its parent's memory (its stack below
 * the parent's), while two other threads of the parent keep counting in
 * that memory. Recorded, the child's slice ends while the counting threads
 * are ready, and they take turns while it sleeps; replay gives the child a
 * copy of the parent's memory of its own, which they do not write, and
 * which its writes reach only at the vfork's return.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

extern char **environ;
static atomic_int stop;
static volatile unsigned long counter[64];

static void *count(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		for (int i = 0; i < 64; i++)
			counter[i] += (unsigned long)i + 1;
	return NULL;
}

/* About 100 ms of arithmetic on the child's stack, no syscall. */
static __attribute__((noinline)) unsigned long compute(void)
{
	volatile unsigned long x = 1;

	for (unsigned long i = 0; i < 60000000ul; i++)
		x = x * 6364136223846793005ul + i;
	return x;
}

int main(void)
{
	static char *argv[] = {"true", NULL};
	pthread_t t[2];
	int st;

	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, count, NULL) == 0);
	for (int round = 0; round < 3; round++) {
		pid_t pid = vfork();

		if (pid == 0) {
			struct timespec nap = {0, 60 * 1000 * 1000};

			if (compute() == 42)
				_exit(3);
			nanosleep(&nap, NULL);
			execve("/bin/true", argv, environ);
			_exit(127);
		}
		CHECK(pid > 0);
		CHECK(waitpid(pid, &st, 0) == pid);
		printf("round %d: child exit %d\n", round, WEXITSTATUS(st));
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	printf("counted: %s\n", counter[63] > 0 ? "yes" : "no");
	printf("EXIT-SUCCESS\n");
	return 0;
}
