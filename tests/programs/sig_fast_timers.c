/*
 * Periodic signals faster than the recorder's 10 ms limit for held-back
 * signals, during computation without syscalls: a 5 ms ITIMER_REAL, then a
 * 2 ms POSIX timer with a real-time signal (which the kernel queues, not
 * merges). Recording must not stall, and replay must deliver them at the
 * same points: the counts the handlers saw and the computation's result
 * are printed. Signals that merge in the kernel may merge.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"

static volatile long alarms, rt_signals;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void on_rt(int sig)
{
	(void)sig;
	rt_signals++;
}

/* About 150 ms of work without a syscall. */
static unsigned long compute(unsigned long x)
{
	for (long i = 0; i < 150000000; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

int main(void)
{
	struct itimerval every5 = {{0, 5000}, {0, 5000}};
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN};
	struct itimerspec every2 = {{0, 2000000}, {0, 2000000}};
	timer_t timer;
	unsigned long x;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	signal(SIGRTMIN, on_rt);
	CHECK(setitimer(ITIMER_REAL, &every5, NULL) == 0);
	x = compute(1);
	CHECK(setitimer(ITIMER_REAL, &(struct itimerval){0}, NULL) == 0);
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &timer) == 0);
	CHECK(timer_settime(timer, 0, &every2, NULL) == 0);
	x = compute(x);
	CHECK(timer_delete(timer) == 0);
	printf("result %lx, %ld alarms, %ld real-time signals\n", x, alarms, rt_signals);
	CHECK(alarms > 0 && rt_signals > 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
