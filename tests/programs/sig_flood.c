/*
 * sig_flood: a 10 us interval timer and a 20 us POSIX timer, faster than a
 * ptrace stop and than a recorded handler's round trip (stop, delivery,
 * handler, rt_sigreturn), during pure computation. A stop for each signal,
 * or a signal pending at each rt_sigreturn running the handler again before
 * a single instruction of the loop, would starve it: the recording must
 * let the loop go on and end, as it does natively.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"

#define ROUNDS 5000000

static volatile uint64_t handled, posix_handled;

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
}

static void on_usr1(int sig)
{
	(void)sig;
	posix_handled++;
}

int main(void)
{
	struct itimerval every = {{0, 10}, {0, 10}}, off = {{0, 0}, {0, 0}};
	struct itimerspec posix_every = {{0, 20000}, {0, 20000}}, posix_off = {{0, 0}, {0, 0}};
	struct sigevent sev = {0};
	struct sigaction sa = {0};
	volatile uint64_t sum = 0;
	timer_t timer;

	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	sa.sa_handler = on_usr1;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	CHECK(timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0);
	CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);
	CHECK(timer_settime(timer, 0, &posix_every, NULL) == 0);
	for (uint64_t i = 0; i < ROUNDS; i++)
		sum += i ^ (sum >> 3);
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	CHECK(timer_settime(timer, 0, &posix_off, NULL) == 0);
	CHECK(timer_delete(timer) == 0);
	printf("sum %llu, signals %s\n", (unsigned long long)sum,
	       handled && posix_handled ? "handled" : "missing");
	printf("EXIT-SUCCESS\n");
	return 0;
}
