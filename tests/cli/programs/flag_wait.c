/*
 * flag_wait: the main thread spins, with no syscall, on a flag that a
 * second thread sets after sleeping 50 ms; recorded, the main thread is
 * preempted in its spin when the sleeper wakes, at an execution point
 * replay runs it to. Prints the spins' outcome.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static volatile int flag;

static void *setter(void *arg)
{
	struct timespec ts = {0, 50 * 1000 * 1000};

	(void)arg;
	nanosleep(&ts, NULL);
	flag = 1;
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, setter, NULL))
		return 1;
	while (!flag)
		;
	pthread_join(t, NULL);
	printf("flag seen\n");
	return 0;
}
