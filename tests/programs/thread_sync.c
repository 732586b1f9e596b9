/*
 * thread_sync: eight threads with a mutex-protected counter, a condition
 * variable and a barrier, raw futex wait/wake, __thread variables, a
 * detached thread, and pthread_join (which waits on the thread's
 * CLONE_CHILD_CLEARTID word); each thread prints as it goes.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define NTHREADS 8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t barrier;
static long counter;
static int ready;
static __thread long mine;
static atomic_int word;
static atomic_int detached_done;

static void *worker(void *arg)
{
	long id = (long)arg;

	mine = id * 100;
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	while (!ready)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	printf("worker %ld: my __thread value %ld, tid is %s\n", id, mine,
	       syscall(SYS_gettid) != getpid() ? "its own" : "the process's");
	fflush(stdout);
	return (void *)(id * id);
}

static void *futex_waiter(void *arg)
{
	(void)arg;
	while (atomic_load(&word) == 0)
		syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	printf("futex waiter woke with word %d\n", atomic_load(&word));
	fflush(stdout);
	return NULL;
}

static void *detached(void *arg)
{
	(void)arg;
	atomic_store(&detached_done, 1);
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS], fw, d;
	long sum = 0;

	CHECK(pthread_barrier_init(&barrier, NULL, NTHREADS) == 0);
	for (long i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
	CHECK(pthread_create(&fw, NULL, futex_waiter, NULL) == 0);
	CHECK(pthread_create(&d, NULL, detached, NULL) == 0);
	CHECK(pthread_detach(d) == 0);
	usleep(1000);
	pthread_mutex_lock(&lock);
	ready = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;

		CHECK(pthread_join(t[i], &ret) == 0);
		sum += (long)ret;
	}
	atomic_store(&word, 7);
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	CHECK(pthread_join(fw, NULL) == 0);
	while (!atomic_load(&detached_done))
		usleep(100);
	printf("counter %ld (want %d), sum of results %ld\n", counter, NTHREADS * 1000, sum);
	CHECK(counter == NTHREADS * 1000 && sum == 140);
	printf("EXIT-SUCCESS\n");
	return 0;
}
