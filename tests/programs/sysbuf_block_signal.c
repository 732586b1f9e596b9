/*
 * sysbuf_block_signal: SIGALRM interrupts a read of an empty pipe made
 * through the syscall buffer (a timer every 20 ms: one alarm at least
 * comes while the read waits). Without SA_RESTART the read fails with
 * EINTR; with it, the read goes on through alarms until a handler writes
 * a byte into the pipe, which it returns. Then a signal that comes while a buffered read
 * returns data at once (a timer firing every 200 us over many small reads)
 * is handled after that read, and every byte is read once: results as
 * natively.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>

#include "check.h"

static int fds[2];
static volatile int alarms, restart;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
	if (restart && alarms == 3)
		CHECK(write(fds[1], "r", 1) == 1); /* the restarted read returns it */
}

static volatile int ticks;

static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

static void set_handler(void (*handler)(int), int flags)
{
	struct sigaction sa = {0};

	sa.sa_handler = handler;
	sa.sa_flags = flags;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
}

static void arm(long usec, long interval)
{
	struct itimerval it = {{0, interval}, {0, usec}};

	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

int main(void)
{
	char c;
	uint64_t sum = 0;
	int n = 0;

	CHECK(pipe(fds) == 0);
	CHECK(write(fds[1], "w", 1) == 1 && read(fds[0], &c, 1) == 1); /* the first use */
	set_handler(on_alarm, 0);
	arm(20000, 20000);
	errno = 0;
	CHECK(read(fds[0], &c, 1) == -1 && errno == EINTR);
	arm(0, 0);
	printf("without SA_RESTART: EINTR\n");

	alarms = 0;
	restart = 1;
	set_handler(on_alarm, SA_RESTART);
	arm(20000, 20000); /* the third alarm's handler writes the byte */
	CHECK(read(fds[0], &c, 1) == 1 && c == 'r');
	arm(0, 0);
	printf("with SA_RESTART: read '%c' after %d alarms\n", c, alarms);

	/* Many reads that return at once while a fast timer fires. */
	set_handler(on_tick, SA_RESTART);
	arm(200, 200);
	for (int i = 0; i < 5000; i++) {
		unsigned char b = (unsigned char)i, got;

		CHECK(write(fds[1], &b, 1) == 1);
		CHECK(read(fds[0], &got, 1) == 1 && got == b);
		sum += got;
		n++;
	}
	arm(0, 0);
	printf("%d reads, sum %llu, signals handled: %s\n", n, (unsigned long long)sum,
	       ticks > 0 ? "some" : "none");
	printf("EXIT-SUCCESS\n");
	return 0;
}
