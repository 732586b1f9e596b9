/*
 * stack_overflow: unbounded recursion runs off the stack. With a SIGSEGV
 * handler on an alternate signal stack, the handler runs and longjmps out,
 * twice (the handler's mask is restored by siglongjmp); in a child without
 * one, the process dies of SIGSEGV and the parent sees that.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static sigjmp_buf back;
static volatile int overflows;
static volatile int depth_limit = 1 << 30; /* never reached: the stack ends first */

static void on_segv(int sig)
{
	overflows++;
	siglongjmp(back, sig);
}

int recurse(volatile char *prev, int depth);
int __attribute__((noinline)) recurse(volatile char *prev, int depth)
{
	volatile char frame[1024];

	frame[0] = (char)depth;
	frame[1023] = prev ? prev[0] : 0;
	if (depth >= depth_limit)
		return 0;
	return recurse(frame, depth + 1) + frame[1023];
}

static void with_altstack(void)
{
	stack_t ss = {.ss_size = 64 * 1024};
	struct sigaction sa;

	ss.ss_sp = malloc(ss.ss_size);
	CHECK(ss.ss_sp && sigaltstack(&ss, NULL) == 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_ONSTACK;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	for (int i = 0; i < 2; i++) {
		int sig = sigsetjmp(back, 1);

		if (sig == 0)
			recurse(NULL, 0);
		printf("overflow %d caught on the alternate stack: signal %d\n", overflows, sig);
	}
	signal(SIGSEGV, SIG_DFL);
}

int main(void)
{
	struct rlimit small = {1 << 20, 1 << 20};
	int st;

	CHECK(setrlimit(RLIMIT_STACK, &small) == 0 || errno == EPERM);
	with_altstack();
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* No alternate stack: the kernel cannot deliver the SIGSEGV and kills. */
		stack_t none = {.ss_flags = SS_DISABLE};

		CHECK(sigaltstack(&none, NULL) == 0);
		recurse(NULL, 0);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("child without an alternate stack: %s %d\n",
	       WIFSIGNALED(st) ? "killed by signal" : "exited",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	printf("EXIT-SUCCESS\n");
	return 0;
}
