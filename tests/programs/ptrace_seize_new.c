/*
 * ptrace_seize_new: a parent seizes a child it has just forked, often
 * before the child has run at all, then kills it (what strace does to
 * test PTRACE_SEIZE). A seized child does not stop by itself: the wait
 * sees its death by SIGKILL, never a stop. Then a seized child stopped
 * by PTRACE_INTERRUPT stops once, with PTRACE_EVENT_STOP.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define ROUNDS 200

static pid_t fork_pausing(void)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void seize_and_kill(void)
{
	pid_t pid = fork_pausing();
	int st;

	CHECK(ptrace(PTRACE_SEIZE, pid, 0, 0) == 0);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
		printf("unexpected wait status %#x\n", st);
		CHECK(0);
	}
}

static void seize_and_interrupt(void)
{
	pid_t pid = fork_pausing();
	int st;

	CHECK(ptrace(PTRACE_SEIZE, pid, 0, 0) == 0);
	CHECK(ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP && (st >> 16) == PTRACE_EVENT_STOP);
	/* No second stop follows: the child runs on, paused, until killed. */
	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0);
	CHECK(waitpid(pid, &st, WNOHANG) == 0);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

int main(void)
{
	for (int i = 0; i < ROUNDS; i++)
		seize_and_kill();
	printf("%d seized children killed, each seen dead\n", ROUNDS);
	for (int i = 0; i < ROUNDS / 4; i++)
		seize_and_interrupt();
	printf("%d seized children interrupted, each stopped once\n", ROUNDS / 4);
	printf("EXIT-SUCCESS\n");
	return 0;
}
