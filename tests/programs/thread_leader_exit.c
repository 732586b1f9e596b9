/*
 * thread_leader_exit: the main thread ends with pthread_exit while three
 * others still run; the process ends with the last of them (the first
 * thread's end is reported only then), which prints EXIT-SUCCESS.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"

static atomic_int left = 3;

static void *run(void *arg)
{
	usleep(20000);
	printf("thread %ld done\n", (long)arg);
	if (atomic_fetch_sub(&left, 1) == 1)
		printf("EXIT-SUCCESS\n");
	fflush(stdout);
	return NULL;
}

int main(void)
{
	pthread_t t;

	for (long i = 0; i < 3; i++)
		CHECK(pthread_create(&t, NULL, run, (void *)i) == 0);
	printf("main thread ends first\n");
	fflush(stdout);
	pthread_exit(NULL);
}
