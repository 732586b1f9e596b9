/* Execs from the leader while a second thread waits in pause(): the exec ends it. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *wait_forever(void *arg)
{
	for (;;)
		pause();
	return arg;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, wait_forever, NULL))
		return 1;
	usleep(1000);
	execl("/bin/echo", "echo", "exec from a threaded process", (char *)NULL);
	return 1;
}
