/*
 * Code that runs between execution points: computing threads that the
 * recorder preempts ("threads"), or one thread computing under a 1 ms
 * ITIMER_PROF whose signals come at execution points ("prof"). rare() is
 * called now and then and writes `last`; the program prints how often, so
 * a debugger on the replay can be held to the same count.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#define THREADS 3
#define STEPS	30000000

static volatile long last;
static volatile long ticks;
static long calls[THREADS];

void rare(long id, long i);

__attribute__((noinline)) void rare(long id, long i)
{
	last = id * 100000000 + i;
}

static void *compute(void *arg)
{
	long id = (long)arg;
	unsigned long x = (unsigned long)id + 1;

	for (long i = 0; i < STEPS; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if ((x >> 40) % 100000 == 7) {
			rare(id, i);
			calls[id]++;
		}
	}
	return NULL;
}

static void on_prof(int sig)
{
	(void)sig;
	ticks++;
}

int main(int argc, char **argv)
{
	long total = 0;

	if (argc > 1 && !strcmp(argv[1], "prof")) {
		struct itimerval every = {{0, 1000}, {0, 1000}};

		signal(SIGPROF, on_prof);
		setitimer(ITIMER_PROF, &every, NULL);
		compute((void *)0);
		compute((void *)1);
		setitimer(ITIMER_PROF, &(struct itimerval){0}, NULL);
		total = calls[0] + calls[1];
	} else {
		pthread_t t[THREADS];

		for (long i = 0; i < THREADS; i++)
			pthread_create(&t[i], NULL, compute, (void *)i);
		for (long i = 0; i < THREADS; i++) {
			pthread_join(t[i], NULL);
			total += calls[i];
		}
	}
	printf("rare calls %ld last %ld\n", total, last);
	return 0;
}
