/*
 * ptrace_events: a traced child stopped at a breakpoint and single-stepped
 * over a short loop (the steps counted), its fork reported as PTRACE_EVENT_FORK with the new
 * pid from PTRACE_GETEVENTMSG and the grandchild traced from its first
 * stop, its exit status through wait; then a tracer that ends with
 * PTRACE_O_EXITKILL takes its tracee with it; then PTRACE_O_TRACEEXIT: a
 * tracee stops at its exit with the status to come as the event message,
 * after its exit_group's entry stop.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static volatile int spin;

/* A short loop after a breakpoint (int3): the parent steps through it. */
__attribute__((noinline)) static void loop(void)
{
	__asm__ volatile("int3");
	for (int i = 0; i < 5; i++)
		spin += i;
}

static void child_main(void)
{
	loop();
	pid_t g = fork();
	CHECK(g >= 0);
	if (g == 0)
		_exit(7);
	int st;
	CHECK(waitpid(g, &st, 0) == g);
	_exit(WEXITSTATUS(st) + 1);
}

/* From the breakpoint's SIGTRAP, 40 single steps (the loop has no syscall), each a SIGTRAP. */
static void step_loop(pid_t pid)
{
	unsigned steps = 0;
	int st;

	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
	for (int i = 0; i < 40; i++) {
		siginfo_t si;

		CHECK(ptrace(PTRACE_SINGLESTEP, pid, 0, 0) == 0);
		CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
		CHECK(ptrace(PTRACE_GETSIGINFO, pid, 0, &si) == 0 && si.si_signo == SIGTRAP);
		errno = 0;
		long v = ptrace(PTRACE_PEEKDATA, pid, &spin, 0);
		CHECK(errno == 0);
		if (v == 10)
			break;
		steps++;
	}
	printf("parent: the loop ended after %s single steps\n", steps > 10 ? "over 10" : "few");
	CHECK(steps > 10 && steps < 40);
}

static void follow_fork(pid_t pid)
{
	unsigned long msg = 0;
	int st;

	CHECK(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEFORK) == 0);
	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSTOPPED(st) && (st >> 8) == (SIGTRAP | (PTRACE_EVENT_FORK << 8)));
	CHECK(ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) == 0);
	pid_t g = (pid_t)msg;
	CHECK(waitpid(g, &st, __WALL) == g);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	printf("parent: fork event, grandchild stopped at its start\n");
	CHECK(ptrace(PTRACE_CONT, g, 0, 0) == 0);
	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0);
	CHECK(waitpid(g, &st, __WALL) == g && WIFEXITED(st) && WEXITSTATUS(st) == 7);
	/* The child stops again for its SIGCHLD, passed on. */
	while (waitpid(pid, &st, 0) == pid && WIFSTOPPED(st))
		CHECK(ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(st)) == 0);
	CHECK(WIFEXITED(st));
	printf("parent: grandchild exited 7, child exited %d\n", WEXITSTATUS(st));
}

/* A tracer with PTRACE_O_EXITKILL exits: its tracee (a sibling) is killed. */
static void exitkill(void)
{
	int p[2], st;

	CHECK(pipe(p) == 0);
	pid_t victim = fork();
	CHECK(victim >= 0);
	if (victim == 0) {
		char c;

		close(p[1]);
		while (read(p[0], &c, 1) != 0)
			;
		_exit(0);
	}
	pid_t tracer = fork();
	CHECK(tracer >= 0);
	if (tracer == 0) {
		CHECK(ptrace(PTRACE_SEIZE, victim, 0, PTRACE_O_EXITKILL) == 0);
		_exit(0);
	}
	close(p[0]);
	CHECK(waitpid(tracer, &st, 0) == tracer && WIFEXITED(st));
	CHECK(waitpid(victim, &st, 0) == victim);
	printf("parent: the tracee of an exited tracer was %s\n",
	       WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "left running");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	close(p[1]);
}

/* PTRACE_O_TRACEEXIT with syscall stops: the exit_group entry, then the exit event, then death. */
static void trace_exit(void)
{
	unsigned long msg = 0;
	int st, entries = 0;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
		CHECK(raise(SIGSTOP) == 0);
		_exit(42);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	CHECK(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXIT | PTRACE_O_TRACESYSGOOD) == 0);
	for (;;) {
		CHECK(ptrace(PTRACE_SYSCALL, pid, 0, 0) == 0);
		CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st));
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			entries++;
			continue;
		}
		CHECK(st >> 8 == (SIGTRAP | PTRACE_EVENT_EXIT << 8));
		break;
	}
	CHECK(ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) == 0);
	printf("parent: exit event after %d syscall stops, message %lu\n", entries, msg);
	CHECK(msg == 42 << 8 && entries >= 1);
	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 42);
}

int main(void)
{
	int st;

	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
		CHECK(raise(SIGSTOP) == 0);
		child_main();
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	step_loop(pid);
	follow_fork(pid);
	exitkill();
	trace_exit();
	printf("EXIT-SUCCESS\n");
	return 0;
}
