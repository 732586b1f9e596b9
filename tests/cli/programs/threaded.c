/* Starts a thread and joins it. */
#include <pthread.h>
#include <stdio.h>

static void *run(void *arg)
{
	return arg;
}

int main(void)
{
	pthread_t t;

	printf("before the thread\n");
	fflush(stdout);
	if (pthread_create(&t, NULL, run, NULL))
		return 1;
	pthread_join(t, NULL);
	printf("EXIT-SUCCESS\n");
	return 0;
}
