/*
 * A program whose threads come and go all the time, to attach to
 * (tests/cli/attach_churn.sh): it prints "ready", then 4,000 times starts
 * two threads that each add their number to a sum and end, and joins them.
 * It prints the sum and exits 0 when it is right.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define ROUNDS 4000

static atomic_long sum;

static void *add(void *arg)
{
	atomic_fetch_add(&sum, (long)arg);
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("ready\n");
	for (long i = 0; i < ROUNDS; i++) {
		pthread_t th[2];

		for (long k = 0; k < 2; k++)
			if (pthread_create(&th[k], NULL, add, (void *)(2 * i + k))) {
				printf("pthread_create failed in round %ld\n", i);
				return 1;
			}
		for (int k = 0; k < 2; k++)
			pthread_join(th[k], NULL);
	}
	printf("sum %ld\n", atomic_load(&sum));
	if (atomic_load(&sum) != (2L * ROUNDS - 1) * (2L * ROUNDS) / 2)
		return 1;
	printf("EXIT-SUCCESS\n");
	return 0;
}
