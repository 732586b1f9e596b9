/*
 * sysbuf_thread_churn: threads that start, make buffered calls and end,
 * one after another and four at a time. Under rewind a thread that ends
 * gives its syscall buffer up, and the next one to start takes it (with
 * its records of the last one already in the trace) instead of mapping
 * one of its own: so many threads make no more than a few buffers. Each
 * thread stats a name of its own and sums what it saw; the sums are
 * printed, the same natively, recorded and replayed.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define SERIAL	120
#define ROUNDS	15
#define AT_ONCE 4
#define STATS	40

static void *stat_many(void *arg)
{
	long id = (long)arg, sum = 0;
	char path[32];
	struct stat st;
	struct timespec ts;

	for (int i = 0; i < STATS; i++) {
		/* "/" with id's own number of "./" after it (mod 8): a name the dump tells apart.
		 */
		int n = snprintf(path, sizeof(path), "/");

		for (long k = 0; k < id % 8; k++)
			n += snprintf(path + n, sizeof(path) - (size_t)n, "./");
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			sum++;
		if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_sec >= 0)
			sum++;
		if (getpid() > 0)
			sum++;
	}
	return (void *)sum;
}

static long run(long id)
{
	pthread_t t;
	void *ret;

	CHECK(pthread_create(&t, NULL, stat_many, (void *)id) == 0);
	CHECK(pthread_join(t, &ret) == 0);
	return (long)ret;
}

int main(void)
{
	long serial = 0, together = 0;

	for (long i = 0; i < SERIAL; i++)
		serial += run(i);
	for (long r = 0; r < ROUNDS; r++) {
		pthread_t t[AT_ONCE];
		void *ret;

		for (long i = 0; i < AT_ONCE; i++)
			CHECK(pthread_create(&t[i], NULL, stat_many, (void *)(r * AT_ONCE + i)) ==
			      0);
		for (int i = 0; i < AT_ONCE; i++) {
			CHECK(pthread_join(t[i], &ret) == 0);
			together += (long)ret;
		}
	}
	printf("one at a time: %ld calls seen right\n", serial);
	printf("%d at a time: %ld calls seen right\n", AT_ONCE, together);
	CHECK(serial == SERIAL * STATS * 3 && together == ROUNDS * AT_ONCE * STATS * 3);
	printf("EXIT-SUCCESS\n");
	return 0;
}
