/* Waits for a SIGUSR1 that another process sends, then prints who sent it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got, code, from_other;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got = 1;
	code = si->si_code;
	from_other = si->si_pid != getpid();
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!got)
		pause();
	printf("got SIGUSR1, code %d (SI_USER is 0), from another process: %s\n", (int)code,
	       from_other ? "yes" : "no");
	printf("EXIT-SUCCESS\n");
	return 0;
}
