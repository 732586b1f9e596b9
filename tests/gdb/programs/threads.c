/*
 * Three worker threads for gdb on a threaded replay: each sets a __thread
 * value, then waits for its turn; main lets them run one after the other
 * (each joined before the next starts), so every stop is deterministic.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>

#define WORKERS 3

static __thread int tls_id;
static sem_t ready, go[WORKERS + 1];
static long results[WORKERS + 1];

/* Not static: gdb breaks on them by name. */
long work(int id, int n);
void all_started(void);

long work(int id, int n)
{
	long sum = 0;

	for (int i = 1; i <= n; i++)
		sum += (long)i * id + tls_id;
	return sum;
}

static void wait_turn(int id)
{
	sem_post(&ready);
	sem_wait(&go[id]);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;

	tls_id = id * 10;
	wait_turn(id);
	results[id] = work(id, id * 100);
	return NULL;
}

void all_started(void)
{
}

int main(void)
{
	pthread_t t[WORKERS + 1];

	sem_init(&ready, 0, 0);
	for (int id = 1; id <= WORKERS; id++) {
		sem_init(&go[id], 0, 0);
		pthread_create(&t[id], NULL, worker, (void *)(intptr_t)id);
	}
	for (int id = 1; id <= WORKERS; id++)
		sem_wait(&ready);
	all_started();
	for (int id = 1; id <= WORKERS; id++) {
		sem_post(&go[id]);
		pthread_join(t[id], NULL);
		printf("worker %d: %ld\n", id, results[id]);
	}
	puts("EXIT-SUCCESS");
	return 0;
}
