/*
 * racy_counter: two threads add to one counter without a lock, a load, an
 * add and a store apart. Natively on two CPUs updates are lost in nearly
 * every run; under rewind, one thread at a time with 20 ms slices, almost
 * never; in chaos mode, often. Prints the count and how many were lost.
 */
#include <pthread.h>
#include <stdio.h>

#define PER_THREAD 100000000

static volatile long counter;

static void *add(void *arg)
{
	(void)arg;
	for (int i = 0; i < PER_THREAD; i++)
		counter = counter + 1;
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, add, NULL))
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("counter %ld lost %ld\n", counter, 2L * PER_THREAD - counter);
	return 0;
}
