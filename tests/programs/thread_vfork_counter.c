/*
 * thread_vfork_counter: a thread increments counters in memory without a
 * syscall while another thread of the process vforks and execs, again and
 * again. The vfork parent's return stores the pages that changed since
 * the vfork (the child wrote into its parent's memory); the counting
 * thread's writes must not be taken into it half-way, or replay, which
 * runs that thread's code after the return, counts them twice.
 */
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define SPAWNS 30

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

static __attribute__((noinline)) void spawn_true(void)
{
	static char *argv[] = {"true", NULL};
	pid_t pid = vfork();
	int st;

	if (pid == 0) {
		execve("/bin/true", argv, environ);
		_exit(127);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	pthread_t t;
	unsigned long sum = 0;

	CHECK(pthread_create(&t, NULL, count, NULL) == 0);
	for (int i = 0; i < SPAWNS; i++)
		spawn_true();
	atomic_store(&stop, 1);
	CHECK(pthread_join(t, NULL) == 0);
	for (int i = 0; i < 64; i++)
		sum += counter[i] / ((unsigned long)i + 1);
	/* The same count in every slot: no write applied twice or lost. */
	CHECK(sum == 64 * (counter[0]));
	printf("counted %s\n", counter[0] ? "yes" : "no");
	printf("counter %lu\n", counter[0]);
	printf("EXIT-SUCCESS\n");
	return 0;
}
