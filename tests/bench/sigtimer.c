/*
 * Benchmark: a 1 ms interval timer over about 2 s of computation without
 * syscalls: every tick is a signal the recorder must deliver at an
 * execution point.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

int main(void)
{
	struct itimerval it = {{0, 1000}, {0, 1000}};
	volatile uint64_t sum = 0;

	signal(SIGALRM, on_tick);
	setitimer(ITIMER_REAL, &it, NULL);
	for (uint64_t i = 0; i < 2000000000ull; i++)
		sum += i ^ (sum >> 3);
	printf("sum %llu ticks %d\n", (unsigned long long)sum, (int)ticks);
	return 0;
}
