/*
 * sig_interrupt: a timer signal interrupting blocking syscalls: a read on
 * an empty pipe fails with EINTR without SA_RESTART and is restarted with
 * it (the handler writes to the pipe, so the restarted read returns data);
 * a nanosleep interrupted by handled signals goes on through
 * restart_syscall until its time is up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
static volatile sig_atomic_t ticks, feed;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
	if (feed && write(fds[1], "t", 1) != 1)
		_exit(1);
}

static void arm(long usec, long interval)
{
	struct itimerval it = {{0, interval}, {0, usec}};

	setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
	struct sigaction sa;
	char c;
	ssize_t n;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (pipe(fds))
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	/* Again every 20 ms: a first tick that comes before the read (a loaded machine) is not the last. */
	arm(20000, 20000);
	n = read(fds[0], &c, 1);
	arm(0, 0);
	printf("read without SA_RESTART: %zd %s\n", n, n < 0 ? strerror(errno) : "");
	if (n != -1 || errno != EINTR)
		return 1;

	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	feed = 1;
	arm(20000, 0);
	n = read(fds[0], &c, 1);
	printf("read with SA_RESTART: %zd '%c'\n", n, n == 1 ? c : '?');
	if (n != 1)
		return 1;
	feed = 0;

	arm(5000, 5000);
	struct timespec req = {0, 60000000}, rem = {0, 0};
	int r;
	while ((r = nanosleep(&req, &rem)) < 0 && errno == EINTR)
		req = rem;
	arm(0, 0);
	printf("nanosleep done (%d), interrupted at least once: %s\n", r,
	       ticks >= 3 ? "yes" : "no");
	printf("EXIT-SUCCESS\n");
	return 0;
}
