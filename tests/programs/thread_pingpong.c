/*
 * thread_pingpong: two threads hand a turn back and forth through an
 * atomic flag, spinning without a syscall while they wait. With every
 * thread on one CPU, each hand-over needs the spinning thread to be
 * preempted (an execution point) so the other can run; replay must give
 * the same sequence and the same final counts.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "check.h"

#ifndef ROUNDS
#define ROUNDS 40 /* scripts/bench builds it with 2,000 */
#endif

static atomic_int turn;
static long work[2];
static unsigned long spins[2];

static void *player(void *arg)
{
	int me = (int)(long)arg;

	for (int round = 0; round < ROUNDS; round++) {
		while (atomic_load_explicit(&turn, memory_order_acquire) != me)
			spins[me]++;
		work[me] += round * (me + 1);
		atomic_store_explicit(&turn, 1 - me, memory_order_release);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	for (long i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, player, (void *)i) == 0);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	printf("work %ld %ld, spun %s\n", work[0], work[1], spins[0] + spins[1] > 0 ? "yes" : "no");
	/* Spin counts depend on the schedule: replay must reproduce them exactly. */
	printf("spins %lu %lu\n", spins[0], spins[1]);
	CHECK(work[0] == ROUNDS * (ROUNDS - 1) / 2 && work[1] == ROUNDS * (ROUNDS - 1));
	printf("EXIT-SUCCESS\n");
	return 0;
}
