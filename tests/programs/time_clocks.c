/*
 * time_clocks: time, gettimeofday, clock_gettime and clock_getres of several clocks
 * (through the vDSO and as raw syscalls), and short nanosleep/clock_nanosleep.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static long long ns_of(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

int main(void)
{
	static const struct {
		clockid_t id;
		const char *name;
	} clocks[] = {
	    {CLOCK_REALTIME, "REALTIME"},
	    {CLOCK_MONOTONIC, "MONOTONIC"},
	    {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"},
	    {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"},
	    {CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"},
	    {CLOCK_BOOTTIME, "BOOTTIME"},
	    {CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID"},
	    {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID"},
	};
	struct timespec ts, res, before, after;
	struct timeval tv;
	time_t t1, t2;

	t1 = time(&t2);
	printf("time: %lld\n", (long long)t1);
	CHECK(t1 == t2 && t1 > 1600000000);
	CHECK(gettimeofday(&tv, NULL) == 0);
	printf("gettimeofday: %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000 && tv.tv_sec >= t1);

	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		CHECK(clock_gettime(clocks[i].id, &ts) == 0);
		CHECK(clock_getres(clocks[i].id, &res) == 0);
		printf("%s: %lld.%09ld res %ld ns\n", clocks[i].name, (long long)ts.tv_sec,
		       ts.tv_nsec, res.tv_nsec);
		CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
		/* The same clock through the real syscall, bypassing the vDSO. */
		CHECK(syscall(SYS_clock_gettime, clocks[i].id, &ts) == 0);
		printf("%s (syscall): %lld.%09ld\n", clocks[i].name, (long long)ts.tv_sec,
		       ts.tv_nsec);
	}
	CHECK(syscall(SYS_gettimeofday, &tv, NULL) == 0);
	printf("gettimeofday (syscall): %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	t1 = (time_t)syscall(SYS_time, &t2);
	printf("time (syscall): %lld\n", (long long)t1);
	CHECK(t1 == t2);

	CHECK_ERR(clock_gettime((clockid_t)12345, &ts), EINVAL);
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1), EFAULT);
	CHECK_ERR(syscall(SYS_gettimeofday, (void *)1, NULL), EFAULT);

	struct timespec *tail = tail_alloc(sizeof(*tail));
	CHECK(syscall(SYS_clock_gettime, CLOCK_REALTIME, tail) == 0);
	printf("page-end clock_gettime: %lld\n", (long long)tail->tv_sec);

	CHECK(clock_gettime(CLOCK_MONOTONIC, &before) == 0);
	ts.tv_sec = 0;
	ts.tv_nsec = 2 * 1000 * 1000;
	CHECK(nanosleep(&ts, NULL) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &after) == 0);
	printf("nanosleep(2 ms) took %lld ns\n", ns_of(&after) - ns_of(&before));
	CHECK(ns_of(&after) - ns_of(&before) >= 2000000);

	ts.tv_nsec = 1000 * 1000;
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &before) == 0);
	ts = before;
	ts.tv_nsec += 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &after) == 0);
	printf("absolute clock_nanosleep(1 ms) took %lld ns\n", ns_of(&after) - ns_of(&before));
	CHECK(ns_of(&after) >= ns_of(&ts));

	ts.tv_sec = 0;
	ts.tv_nsec = 1000000000;
	CHECK_ERR(nanosleep(&ts, NULL), EINVAL);
	ts.tv_nsec = -1;
	CHECK_ERR(nanosleep(&ts, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_nanosleep, (void *)1, NULL), EFAULT);
	printf("EXIT-SUCCESS\n");
	return 0;
}
