/*
 * sigtrap_user: SIGTRAP raised by the program's own instructions. An int3
 * with a SIGTRAP handler (si_code SI_KERNEL, rip after the int3), several
 * times; an int3 without a handler, in a child that dies of SIGTRAP; the
 * trap flag set by the program itself with popf, a handler counting the
 * single-step traps (TRAP_TRACE), over a syscall and an rdtsc too (one trap
 * per instruction), until a popf clears the flag again.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static volatile int int3_traps, step_traps, last_code;
static volatile uintptr_t last_rip;

static void on_sigtrap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	last_code = si->si_code;
	last_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	if (si->si_code == TRAP_TRACE)
		step_traps++;
	else
		int3_traps++;
}

/* Runs a few instructions with the trap flag set; returns their sum. */
static long single_stepped(void)
{
	long acc = 0;

	__asm__ volatile("pushfq\n\t"
			 "orq $0x100, (%%rsp)\n\t"
			 "popfq\n\t"
			 "addq $1, %0\n\t"
			 "addq $2, %0\n\t"
			 "addq $3, %0\n\t"
			 "movl $39, %%eax\n\t" /* getpid, stepped over */
			 "syscall\n\t"
			 "addq $4, %0\n\t"
			 "pushfq\n\t"
			 "andq $~0x100, (%%rsp)\n\t"
			 "popfq\n\t"
			 : "+r"(acc)
			 :
			 : "memory", "cc", "rax", "rcx", "r11");
	return acc;
}

/* Single-step traps over two instructions and the popf: nop, nop, or rdtsc, nop (as many). */
static int steps_over(int with_rdtsc)
{
	int before = step_traps;
	unsigned lo = 0, hi = 0;

	if (with_rdtsc)
		__asm__ volatile("pushfq\n\t"
				 "orq $0x100, (%%rsp)\n\t"
				 "popfq\n\t"
				 "rdtsc\n\t"
				 "nop\n\t"
				 "pushfq\n\t"
				 "andq $~0x100, (%%rsp)\n\t"
				 "popfq\n\t"
				 : "=a"(lo), "=d"(hi)
				 :
				 : "memory", "cc");
	else
		__asm__ volatile("pushfq\n\t"
				 "orq $0x100, (%%rsp)\n\t"
				 "popfq\n\t"
				 "nop\n\t"
				 "nop\n\t"
				 "pushfq\n\t"
				 "andq $~0x100, (%%rsp)\n\t"
				 "popfq\n\t"
				 :
				 :
				 : "memory", "cc");
	(void)lo;
	(void)hi;
	return step_traps - before;
}

int main(void)
{
	struct sigaction sa;
	uintptr_t after;
	int st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigtrap;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGTRAP, &sa, NULL) == 0);
	for (int i = 0; i < 3; i++) {
		__asm__ volatile("int3\n\t"
				 "lea 0(%%rip), %0\n\t"
				 : "=r"(after)
				 :
				 : "memory");
		/* The handler saw rip just after the int3: at the lea (7 bytes). */
		printf("int3: traps %d code SI_KERNEL %d rip after the int3 %d\n", int3_traps,
		       last_code == SI_KERNEL, last_rip == after - 7);
		CHECK(int3_traps == i + 1 && last_code == SI_KERNEL && last_rip == after - 7);
	}

	long sum = single_stepped();
	printf("trap flag: sum %ld, single-step traps %d\n", sum, step_traps);
	CHECK(sum == 10 && step_traps >= 6);
	int plain = steps_over(0), tsc = steps_over(1);
	printf("trap flag over nop, nop: %d traps; over rdtsc, nop: %d traps\n", plain, tsc);
	CHECK(plain == tsc);

	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		signal(SIGTRAP, SIG_DFL);
		__asm__ volatile("int3" ::: "memory");
		_exit(3);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("child: killed by %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "nothing");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTRAP);
	printf("EXIT-SUCCESS\n");
	return 0;
}
