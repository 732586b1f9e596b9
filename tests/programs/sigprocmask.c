/*
 * sigprocmask: blocking, unblocking and setting the signal mask with sigprocmask and
 * the raw rt_sigprocmask (no signal is ever delivered); SIGKILL and SIGSTOP cannot be
 * blocked; bad sizes, how values and pointers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static void show(const char *what)
{
	sigset_t cur;

	CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0);
	printf("%s:", what);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&cur, s) == 1)
			printf(" %d", s);
	printf("\n");
}

int main(void)
{
	sigset_t set, old, pending;
	uint64_t raw_old, raw_new;

	show("initial mask");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
	show("after blocking USR1 TERM");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN + 2);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	CHECK(sigprocmask(SIG_UNBLOCK, &set, &old) == 0);
	CHECK(sigismember(&old, SIGUSR2) == 1 && sigismember(&old, SIGUSR1) == 1);
	show("after block+unblock USR2 RTMIN+2");

	sigfillset(&set);
	CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0);
	CHECK(sigprocmask(SIG_SETMASK, NULL, &old) == 0);
	printf("after blocking all: SIGKILL %d SIGSTOP %d SIGINT %d\n", sigismember(&old, SIGKILL),
	       sigismember(&old, SIGSTOP), sigismember(&old, SIGINT));
	CHECK(sigismember(&old, SIGKILL) == 0 && sigismember(&old, SIGSTOP) == 0);
	CHECK(sigismember(&old, SIGINT) == 1);

	/* The raw call: an 8-byte mask. */
	raw_new = 1ULL << (SIGHUP - 1);
	CHECK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &raw_new, &raw_old, 8) == 0);
	printf("raw old mask %#llx\n", (unsigned long long)raw_old);
	CHECK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &raw_old, 8) == 0);
	CHECK(raw_old == raw_new);
	uint64_t *tail = tail_alloc(8);
	CHECK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, tail, 8) == 0 && *tail == raw_new);
	show("raw mask HUP");

	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &raw_new, NULL, 4), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &raw_new, NULL, 16), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, 7, &raw_new, NULL, 8), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8), EFAULT);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, (void *)1, 8), EFAULT);

	CHECK(sigpending(&pending) == 0);
	int any = 0;
	for (int s = 1; s < NSIG; s++)
		any |= sigismember(&pending, s) == 1;
	printf("pending signals: %s\n", any ? "some" : "none");
	CHECK(!any);

	sigemptyset(&set);
	CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0);
	show("final mask");
	printf("EXIT-SUCCESS\n");
	return 0;
}
