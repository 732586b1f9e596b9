/*
 * sig_flood: a 50 us interval timer, faster than a recorded handler's
 * round trip (stop, delivery, handler, rt_sigreturn), during pure
 * computation. A signal pending at each rt_sigreturn would run the handler
 * again before a single instruction of the loop: the recording must still
 * let the loop go on and end, as it does natively.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

#include "check.h"

#define ROUNDS 20000000

static volatile uint64_t handled;

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
}

int main(void)
{
	struct itimerval every = {{0, 50}, {0, 50}}, off = {{0, 0}, {0, 0}};
	struct sigaction sa = {0};
	volatile uint64_t sum = 0;

	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);
	for (uint64_t i = 0; i < ROUNDS; i++)
		sum += i ^ (sum >> 3);
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	printf("sum %llu, signals %s\n", (unsigned long long)sum, handled ? "handled" : "none");
	printf("EXIT-SUCCESS\n");
	return 0;
}
