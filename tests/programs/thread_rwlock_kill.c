/*
 * thread_rwlock_kill: a pthread rwlock shared by reader and writer
 * threads, and signals sent to one thread (pthread_kill, tgkill): each is
 * handled by the thread it was sent to, which the handler checks.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define READERS 3
#define ROUNDS	200

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static long value, sums[READERS];
static __thread pid_t my_tid;
static _Atomic pid_t handled_in;
static _Atomic pid_t target_tid;
static _Atomic int acks;

static void on_usr2(int sig)
{
	(void)sig;
	handled_in = my_tid;
}

static void *reader(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < ROUNDS; i++) {
		CHECK(pthread_rwlock_rdlock(&lock) == 0);
		sums[id] += value % 2;
		CHECK(value % 2 == 0); /* the writer leaves it even */
		CHECK(pthread_rwlock_unlock(&lock) == 0);
		if (i % 50 == 0)
			sched_yield();
	}
	return NULL;
}

static void *writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		CHECK(pthread_rwlock_wrlock(&lock) == 0);
		value++;
		value++;
		CHECK(pthread_rwlock_unlock(&lock) == 0);
	}
	return NULL;
}

/* Waits for signals sent to it alone: one by pthread_kill, one by tgkill. */
static void *target(void *arg)
{
	sigset_t usr2;

	(void)arg;
	/* It was created with the main thread's mask, which blocks SIGUSR2. */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	CHECK(pthread_sigmask(SIG_UNBLOCK, &usr2, NULL) == 0);
	my_tid = (pid_t)syscall(SYS_gettid);
	target_tid = my_tid;
	for (int n = 1; n <= 2; n++) {
		while (handled_in != my_tid)
			usleep(1000);
		handled_in = 0;
		printf("signal %d handled in the target thread\n", n);
		fflush(stdout);
		acks = n;
	}
	return NULL;
}

int main(void)
{
	pthread_t r[READERS], w, t;
	sigset_t usr2;

	my_tid = (pid_t)syscall(SYS_gettid);
	signal(SIGUSR2, on_usr2);
	for (long i = 0; i < READERS; i++)
		CHECK(pthread_create(&r[i], NULL, reader, (void *)i) == 0);
	CHECK(pthread_create(&w, NULL, writer, NULL) == 0);
	for (int i = 0; i < READERS; i++)
		CHECK(pthread_join(r[i], NULL) == 0);
	CHECK(pthread_join(w, NULL) == 0);
	printf("value %ld, odd reads %ld %ld %ld\n", value, sums[0], sums[1], sums[2]);

	/* The main thread blocks SIGUSR2, so a handler running in it is a miss. */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	CHECK(pthread_sigmask(SIG_BLOCK, &usr2, NULL) == 0);
	CHECK(pthread_create(&t, NULL, target, NULL) == 0);
	while (!target_tid)
		usleep(1000);
	CHECK(pthread_kill(t, SIGUSR2) == 0);
	while (acks != 1)
		usleep(1000);
	CHECK(syscall(SYS_tgkill, getpid(), target_tid, SIGUSR2) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(acks == 2);
	printf("EXIT-SUCCESS\n");
	return 0;
}
