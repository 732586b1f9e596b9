/*
 * ptrace_step_interrupt: a tracer single-steps its tracee over a syscall
 * instruction (getpid): one step runs the whole syscall and stops with
 * SIGTRAP at the next instruction, rax the result (ptrace(2): a step over
 * a syscall). Then a tracer seizes a child that computes without syscalls
 * and interrupts it: PTRACE_INTERRUPT stops it where it computes, with a
 * PTRACE_EVENT_STOP, and it goes on counting from there when continued
 * (it says through a pipe when it computes: the interrupt finds it there).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

extern char before_syscall[], after_syscall[];

static void stepped_child(void)
{
	CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
	raise(SIGSTOP);
	__asm__ volatile("int3\n\t"
			 "before_syscall:\n\t"
			 "mov $39, %%eax\n\t"
			 "syscall\n\t"
			 "after_syscall:\n\t"
			 "nop\n\t"
			 :
			 :
			 : "rax", "rcx", "r11", "memory");
	_exit(0);
}

static void step_over_syscall(void)
{
	struct user_regs_struct regs;
	pid_t child = fork();
	int st;

	CHECK(child >= 0);
	if (child == 0)
		stepped_child();
	CHECK(waitpid(child, &st, 0) == child && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	CHECK(ptrace(PTRACE_CONT, child, 0, 0) == 0);
	CHECK(waitpid(child, &st, 0) == child && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
	CHECK(ptrace(PTRACE_GETREGS, child, 0, &regs) == 0);
	CHECK(regs.rip == (unsigned long)before_syscall);
	CHECK(ptrace(PTRACE_SINGLESTEP, child, 0, 0) == 0); /* the mov */
	CHECK(waitpid(child, &st, 0) == child && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
	CHECK(ptrace(PTRACE_SINGLESTEP, child, 0, 0) == 0); /* the syscall, whole */
	CHECK(waitpid(child, &st, 0) == child && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
	CHECK(ptrace(PTRACE_GETREGS, child, 0, &regs) == 0);
	printf("a step over the syscall instruction: stopped after it: %s, rax its pid: %s\n",
	       regs.rip == (unsigned long)after_syscall ? "yes" : "no",
	       (pid_t)regs.rax == child ? "yes" : "no");
	CHECK(regs.rip == (unsigned long)after_syscall && (pid_t)regs.rax == child);
	CHECK(ptrace(PTRACE_CONT, child, 0, 0) == 0);
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static volatile unsigned long counter;

static void compute(int fd)
{
	CHECK(write(fd, "", 1) == 1); /* computing from here on */
	while (counter < 3000000000ul)
		counter++;
	_exit(1); /* never interrupted */
}

static void interrupt_computing(void)
{
	unsigned long at_stop, later = 0;
	int st, fds[2];
	char c;

	CHECK(pipe(fds) == 0);
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0)
		compute(fds[1]);
	CHECK(read(fds[0], &c, 1) == 1);
	CHECK(ptrace(PTRACE_SEIZE, child, 0, 0) == 0);
	usleep(20000);
	CHECK(ptrace(PTRACE_INTERRUPT, child, 0, 0) == 0);
	CHECK(waitpid(child, &st, 0) == child);
	printf("PTRACE_INTERRUPT of a computing child: %s\n",
	       WIFSTOPPED(st) && st >> 16 == PTRACE_EVENT_STOP ? "an event stop" : "no stop");
	CHECK(WIFSTOPPED(st) && st >> 16 == PTRACE_EVENT_STOP);
	errno = 0;
	at_stop = (unsigned long)ptrace(PTRACE_PEEKDATA, child, &counter, 0);
	CHECK(errno == 0);
	/* Continued, interrupted again: it counted on meanwhile (given the CPU at all). */
	for (int i = 0; i < 100 && later <= at_stop; i++) {
		CHECK(ptrace(PTRACE_CONT, child, 0, 0) == 0);
		usleep(20000);
		CHECK(ptrace(PTRACE_INTERRUPT, child, 0, 0) == 0);
		CHECK(waitpid(child, &st, 0) == child && WIFSTOPPED(st) &&
		      st >> 16 == PTRACE_EVENT_STOP);
		errno = 0;
		later = (unsigned long)ptrace(PTRACE_PEEKDATA, child, &counter, 0);
		CHECK(errno == 0);
	}
	printf("it counted on after the first stop: %s\n", later > at_stop ? "yes" : "no");
	CHECK(later > at_stop);
	CHECK(kill(child, SIGKILL) == 0);
	CHECK(waitpid(child, &st, 0) == child && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	step_over_syscall();
	interrupt_computing();
	printf("EXIT-SUCCESS\n");
	return 0;
}
