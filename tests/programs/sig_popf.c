/*
 * sig_popf: loops of popf instructions (as V8's generated code has)
 * while a 200 us timer's handler counts, one with a syscall before each popf
 * (signals are delivered at its exit). The recorder must never leave its
 * single-step trap flag to the program: a step from a popf makes the
 * kernel take the flag for the program's, and a step that a signal
 * interrupts before the popf ran left the flag set, so that the program
 * died of SIGTRAP.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "check.h"

#define ROUNDS	       2000000
#define SYSCALL_ROUNDS 5000

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks = 1;
}

int main(void)
{
	struct itimerval every = {{0, 200}, {0, 200}}, off = {{0, 0}, {0, 0}};
	struct sigaction sa = {0};

	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);
	/* Signals held back are delivered at the syscall's exit, in front of a popf. */
	for (long i = 0; i < SYSCALL_ROUNDS; i++)
		__asm__ volatile("pushfq\n\t"
				 "mov %0, %%eax\n\t"
				 "syscall\n\t"
				 "popfq"
				 :
				 : "i"(SYS_getppid)
				 : "rax", "rcx", "r11", "cc", "memory");
	/* The mov is the loop's only site: the steps to it go through the popfs. */
	for (long i = 0; i < ROUNDS; i++)
		__asm__ volatile("mov $0x202, %%rax\n\t"
				 "push %%rax; popfq; push %%rax; popfq; push %%rax; popfq\n\t"
				 "push %%rax; popfq; push %%rax; popfq; push %%rax; popfq"
				 :
				 :
				 : "rax", "cc", "memory");
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	printf("timer heard: %s\n", ticks ? "yes" : "no");
	printf("EXIT-SUCCESS\n");
	return 0;
}
