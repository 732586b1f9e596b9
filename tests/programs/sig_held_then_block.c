/*
 * sig_held_then_block: a timer signal that comes while the program
 * computes, and then a read of an empty pipe that only the signal's
 * handler fills. Natively the handler runs during the computation and the
 * read returns at once. A recorder that holds the signal back until the
 * next syscall exit must give it to the kernel before the read blocks, or
 * the read waits for ever.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int fds[2];
static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
	if (write(fds[1], "t", 1) != 1)
		_exit(1);
}

int main(void)
{
	struct itimerval it = {{0, 0}, {0, 1000}};
	struct sigaction sa;
	volatile uint64_t sum = 0;
	char c;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (pipe(fds))
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	for (int round = 0; round < 20; round++) {
		setitimer(ITIMER_REAL, &it, NULL);
		/* A few milliseconds without a syscall: the tick comes in here. */
		for (uint64_t i = 0; i < 3000000; i++)
			sum += i ^ (sum >> 3);
		if (read(fds[0], &c, 1) != 1 || c != 't')
			return 1;
	}
	printf("20 reads, each after its tick (%d ticks), sum %llu\n", (int)ticks,
	       (unsigned long long)sum);
	printf("EXIT-SUCCESS\n");
	return 0;
}
