/*
 * proc_signals: signals between recorded processes. The parent sends
 * SIGTERM to a child waiting in pause() with a handler, which then sleeps
 * and exits; a second child without a handler dies of SIGTERM; a third is
 * stopped with SIGSTOP and continued with SIGCONT while its parent waits
 * for it with WUNTRACED/WCONTINUED (it stays stopped in the recording
 * too, until the SIGCONT).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	got = sig;
}

int main(void)
{
	int p[2], st;
	char c;

	CHECK(pipe(p) == 0);
	fflush(stdout);
	pid_t a = fork();
	CHECK(a >= 0);
	if (a == 0) {
		signal(SIGTERM, on_signal);
		CHECK(write(p[1], "r", 1) == 1);
		while (!got)
			pause();
		printf("child a: got %s\n", strsignal(got));
		fflush(stdout);
		nanosleep(&(struct timespec){0, 5000000}, NULL);
		_exit(3);
	}
	CHECK(read(p[0], &c, 1) == 1);
	CHECK(kill(a, SIGTERM) == 0);
	CHECK(waitpid(a, &st, 0) == a);
	printf("child a: exit %d\n", WEXITSTATUS(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);

	pid_t b = fork();
	CHECK(b >= 0);
	if (b == 0) {
		for (;;)
			pause();
	}
	CHECK(kill(b, SIGTERM) == 0);
	CHECK(waitpid(b, &st, 0) == b);
	printf("child b: killed by %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "nothing");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	pid_t child_c = fork();
	CHECK(child_c >= 0);
	if (child_c == 0) {
		for (int i = 0; i < 50; i++)
			usleep(1000);
		_exit(4);
	}
	CHECK(kill(child_c, SIGSTOP) == 0);
	CHECK(waitpid(child_c, &st, WUNTRACED) == child_c);
	printf("child c: stopped %d by %s\n", WIFSTOPPED(st), strsignal(WSTOPSIG(st)));
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	CHECK(kill(child_c, SIGCONT) == 0);
	CHECK(waitpid(child_c, &st, WCONTINUED) == child_c);
	printf("child c: continued %d\n", WIFCONTINUED(st));
	CHECK(waitpid(child_c, &st, 0) == child_c && WIFEXITED(st) && WEXITSTATUS(st) == 4);
	printf("child c: exit %d\n", WEXITSTATUS(st));
	printf("EXIT-SUCCESS\n");
	return 0;
}
