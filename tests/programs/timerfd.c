/*
 * timerfd: a one-shot timer (blocking read returns one expiration), timerfd_gettime,
 * an interval timer with several expirations, an absolute timer, and bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	struct itimerspec its, cur;
	uint64_t exp;

	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(timerfd_gettime(fd, &cur) == 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

	its = (struct itimerspec){.it_value = {0, 5 * 1000 * 1000}};
	CHECK(timerfd_settime(fd, 0, &its, NULL) == 0);
	CHECK(timerfd_gettime(fd, &cur) == 0);
	printf("armed 5 ms, remaining %ld ns\n", cur.it_value.tv_nsec);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
	CHECK(cur.it_value.tv_nsec <= 5 * 1000 * 1000);
	CHECK(read(fd, &exp, sizeof(exp)) == 8); /* blocks until it fires */
	printf("one-shot expirations: %llu\n", (unsigned long long)exp);
	CHECK(exp == 1);
	CHECK(timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_nsec == 0);

	/* Interval of 2 ms; sleep 11 ms; at least 5 expirations are counted. */
	its = (struct itimerspec){.it_interval = {0, 2000000}, .it_value = {0, 2000000}};
	struct itimerspec old;
	CHECK(timerfd_settime(fd, 0, &its, &old) == 0);
	struct timespec nap = {0, 11 * 1000 * 1000};
	CHECK(nanosleep(&nap, NULL) == 0);
	CHECK(read(fd, &exp, sizeof(exp)) == 8);
	printf("interval expirations after 11 ms: %llu\n", (unsigned long long)exp);
	CHECK(exp >= 5);
	its = (struct itimerspec){0};
	CHECK(timerfd_settime(fd, 0, &its, &old) == 0);
	printf("disarmed, old interval %ld ns\n", old.it_interval.tv_nsec);
	CHECK(old.it_interval.tv_nsec == 2000000);
	CHECK(close(fd) == 0);

	fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	CHECK(fd >= 0);
	CHECK_ERR(read(fd, &exp, sizeof(exp)), EAGAIN);
	struct timespec now;
	CHECK(clock_gettime(CLOCK_REALTIME, &now) == 0);
	its = (struct itimerspec){.it_value = {now.tv_sec - 1, 0}}; /* already in the past */
	CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == 0);
	CHECK(read(fd, &exp, sizeof(exp)) == 8 && exp == 1);
	printf("absolute timer in the past fired once\n");

	uint32_t small;
	CHECK_ERR(read(fd, &small, sizeof(small)), EINVAL);
	its = (struct itimerspec){.it_value = {0, 1000000000}};
	CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
	CHECK_ERR(timerfd_settime(fd, 0x100, &its, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_timerfd_settime, fd, 0, (void *)1, NULL), EFAULT);
	CHECK_ERR(syscall(SYS_timerfd_gettime, fd, (void *)1), EFAULT);
	CHECK_ERR(timerfd_create(12345, 0), EINVAL);
	CHECK(close(fd) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
