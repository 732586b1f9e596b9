/*
 * sig_timer: a POSIX timer (timer_create, 1 ms period) firing while the
 * program computes without syscalls for about 200 ms; its handler counts
 * ticks and samples the running sum. Replay must give the same ticks and
 * samples.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t ticks;
static volatile uint64_t sum, samples[64];

static void on_tick(int sig)
{
	(void)sig;
	if (ticks < 64)
		samples[ticks] = sum;
	ticks++;
}

int main(void)
{
	struct sigevent ev;
	struct itimerspec its = {{0, 1000000}, {0, 1000000}};
	timer_t timer;
	struct timespec t0, t1;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	signal(SIGUSR1, on_tick);
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	timer_settime(timer, 0, &its, NULL);
	/* Pure computation: about 200 ms, no syscalls. */
	for (uint64_t i = 0; i < 400000000ull; i++)
		sum += i ^ (sum >> 3);
	its = (struct itimerspec){{0, 0}, {0, 0}};
	timer_settime(timer, 0, &its, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("sum %llu, ticks %d (took %s)\n", (unsigned long long)sum, (int)ticks,
	       t1.tv_sec > t0.tv_sec || t1.tv_nsec > t0.tv_nsec ? "some time" : "no time");
	for (int i = 0; i < ticks && i < 64; i += 8)
		printf("sample %d: %llu\n", i, (unsigned long long)samples[i]);
	if (ticks < 1)
		return 1;
	printf("EXIT-SUCCESS\n");
	return 0;
}
