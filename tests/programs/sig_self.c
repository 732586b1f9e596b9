/*
 * sig_self: signals a program sends itself: raise, kill, tgkill, sigqueue
 * with data; blocked then unblocked (delivered by sigprocmask); an ignored
 * one; the handler sees the siginfo the kernel filled.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t count, last_code, last_value;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	count++;
	last_code = si->si_code;
	last_value = si->si_value.sival_int;
	/* Async-signal-safe output. */
	char line[64];
	int n = snprintf(line, sizeof(line), "  handler: sig %d code %d\n", sig, si->si_code);
	if (write(1, line, (size_t)n) != n)
		_exit(1);
}

int main(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGRTMIN, &sa, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);

	printf("raise\n");
	raise(SIGUSR1);
	printf("kill\n");
	kill(getpid(), SIGUSR2);
	printf("tgkill\n");
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
	printf("sigqueue\n");
	sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 4242});
	printf("value %d code %d\n", (int)last_value, (int)last_code);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR2);
	printf("blocked, count %d\n", (int)count);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("unblocked, count %d\n", (int)count);

	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR1);
	printf("ignored, count %d\n", (int)count);
	if (count != 5)
		return 1;
	printf("EXIT-SUCCESS\n");
	return 0;
}
