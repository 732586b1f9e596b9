/*
 * threads4: four threads, each a compute-bound loop of about a quarter
 * second natively on one core, no syscalls while they run; the main thread
 * joins them and prints the sum (so the work cannot be optimized away).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>

#define THREADS 4

static double results[THREADS];

static void *work(void *arg)
{
	long id = (long)arg;
	double x = 0;

	for (long i = 1; i <= 80000000; i++)
		x += sqrt((double)(i + id)) / (double)i;
	results[id] = x;
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	double sum = 0;

	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i))
			return 1;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		sum += results[i];
	}
	printf("%.6f\n", sum);
	return 0;
}
