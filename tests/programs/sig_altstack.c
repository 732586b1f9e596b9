/*
 * sig_altstack: a handler on an alternate stack (sigaltstack, SA_ONSTACK)
 * sees that it runs there, and a stack overflow is caught on it.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char altstack[1 << 16];
static sigjmp_buf env;
static volatile int on_alt;

static void handler(int sig)
{
	char here;
	stack_t ss;

	on_alt = (uintptr_t)&here >= (uintptr_t)altstack &&
		 (uintptr_t)&here < (uintptr_t)altstack + sizeof(altstack);
	sigaltstack(NULL, &ss);
	printf("handler for %d on the alternate stack: %s (flags %d)\n", sig, on_alt ? "yes" : "no",
	       ss.ss_flags);
	siglongjmp(env, 1);
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int recurse(int n)
{
	volatile char pad[4096];

	pad[0] = (char)n;
	return recurse(n + 1) + pad[0];
}

int main(void)
{
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	struct sigaction sa;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (sigaltstack(&ss, NULL))
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(env, 1) == 0)
		raise(SIGUSR1);
	if (!on_alt)
		return 1;
	if (sigsetjmp(env, 1) == 0)
		recurse(0);
	printf("stack overflow caught: %s\n", on_alt ? "yes" : "no");
	if (!on_alt)
		return 1;
	printf("EXIT-SUCCESS\n");
	return 0;
}
