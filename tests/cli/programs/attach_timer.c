/*
 * A program to attach to and let go of while it computes
 * (tests/cli/attach_detach.sh): three threads compute a fixed number of
 * rounds while a 1 ms interval timer sends SIGALRM to the process, whose
 * handler counts. It prints "ready" once the threads and the timer run,
 * then a checksum per thread (the same on every run), whether the timer was
 * heard, and EXIT-SUCCESS. It lets any process of its user trace it (Yama's
 * PR_SET_PTRACER), as rewind is not its parent.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>

#define NTHREADS 3

static atomic_long ticks;
static unsigned long long rounds = 4000;
static unsigned long long sums[NTHREADS];

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add(&ticks, 1);
}

static void *compute(void *arg)
{
	long id = (long)arg;
	unsigned long long sum = (unsigned long long)id;

	for (unsigned long long r = 0; r < rounds; r++)
		for (unsigned long long k = 0; k < 100000; k++)
			sum = sum * 6364136223846793005ull + r * 100000 + k;
	sums[id] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	struct itimerval every_ms = {{0, 1000}, {0, 1000}}, off = {{0, 0}, {0, 0}};
	struct sigaction sa;
	pthread_t th[NTHREADS];

	if (argc > 1)
		rounds = strtoull(argv[1], NULL, 10);
	setvbuf(stdout, NULL, _IONBF, 0);
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0); /* fails harmlessly without Yama */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	if (setitimer(ITIMER_REAL, &every_ms, NULL) < 0) {
		perror("setitimer");
		return 1;
	}
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, compute, (void *)i);
	printf("ready\n");
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < NTHREADS; i++)
		printf("thread %d: %llx\n", i, sums[i]);
	printf("timer heard: %s\n", atomic_load(&ticks) > 0 ? "yes" : "no");
	printf("EXIT-SUCCESS\n");
	return 0;
}
