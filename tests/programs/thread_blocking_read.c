/*
 * thread_blocking_read: a thread blocks in read() on a timerfd into a
 * global buffer, then in epoll_wait() on another one, while the main thread
 * spins without syscalls watching what they write. The timers expire while
 * the main thread spins, so the kernel completes those syscalls during its
 * user code. Natively the data lands whenever the kernel runs the reader;
 * under rewind the kernel writes to scratch and the data lands in the
 * program's memory only once the main thread stops running user code, at a
 * point the trace has: the replay sees it after exactly as many spins as
 * the recording did.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "check.h"

#define SPINS 400000000L

static int tfd[2], ep;
static volatile uint64_t expirations;
/* Room for two epoll events (12 bytes each, packed); its first word is the first's mask. */
static volatile int event_words[6];
static atomic_int stage;

static void arm(int fd, long ns)
{
	struct itimerspec its = {.it_value = {0, ns}};

	CHECK(timerfd_settime(fd, 0, &its, NULL) == 0);
}

static void *reader(void *arg)
{
	(void)arg;
	stage = 1;
	CHECK(read(tfd[0], (void *)&expirations, 8) == 8);
	while (stage != 2)
		usleep(1000);
	CHECK(epoll_wait(ep, (struct epoll_event *)(void *)event_words, 2, -1) == 1);
	return NULL;
}

/* Spins until *word differs from old: how many spins that took (SPINS: never). */
static long watch(volatile int *word, int old)
{
	long i;

	for (i = 0; i < SPINS && *word == old; i++)
		;
	return i;
}

int main(void)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42};
	pthread_t t;
	long n;

	tfd[0] = timerfd_create(CLOCK_MONOTONIC, 0);
	tfd[1] = timerfd_create(CLOCK_MONOTONIC, 0);
	ep = epoll_create1(0);
	CHECK(tfd[0] >= 0 && tfd[1] >= 0 && ep >= 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd[1], &ev) == 0);
	CHECK(pthread_create(&t, NULL, reader, NULL) == 0);
	while (stage != 1)
		usleep(1000);
	usleep(10000); /* the reader is in read() by now */
	arm(tfd[0], 5000000);
	n = watch((volatile int *)&expirations, 0);
	printf("the read's data seen after %ld spins: %s\n", n, n < SPINS ? "yes" : "no");
	stage = 2;
	usleep(10000); /* the reader is in epoll_wait() by now */
	arm(tfd[1], 5000000);
	n = watch(event_words, 0);
	printf("the epoll event seen after %ld spins: %s\n", n, n < SPINS ? "yes" : "no");
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(expirations == 1);
	CHECK(event_words[1] == 42 && event_words[2] == 0); /* the event's data */
	printf("EXIT-SUCCESS\n");
	return 0;
}
