/*
 * ptrace_traceme: a child asks to be traced (PTRACE_TRACEME) and execs
 * this program again; the parent sees the SIGTRAP of the exec, then stops
 * it at every syscall entry and exit (PTRACE_SYSCALL with
 * PTRACE_O_TRACESYSGOOD), reads the syscall number with PTRACE_GETREGS and
 * PTRACE_PEEKUSER, counts the stops and waits for its exit, as strace does.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static int child_main(void)
{
	static const char a[] = "child: first write\n", b[] = "child: second write\n";

	CHECK(write(1, a, sizeof(a) - 1) == (ssize_t)sizeof(a) - 1);
	CHECK(getppid() > 1);
	CHECK(write(1, b, sizeof(b) - 1) == (ssize_t)sizeof(b) - 1);
	_exit(3);
}

int main(int argc, char **argv)
{
	unsigned entries = 0, exits = 0, writes = 0, ppids = 0, mismatches = 0;
	bool in_syscall = false;
	int st;

	if (argc > 1 && !strcmp(argv[1], "child"))
		return child_main();
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP && (st >> 16) == 0);
	printf("stopped after exec with %s\n", strsignal(WSTOPSIG(st)));
	CHECK(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) == 0);
	for (;;) {
		struct user_regs_struct regs;

		CHECK(ptrace(PTRACE_SYSCALL, pid, 0, 0) == 0);
		CHECK(waitpid(pid, &st, 0) == pid);
		if (WIFEXITED(st))
			break;
		CHECK(WIFSTOPPED(st));
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			printf("signal stop: %s\n", strsignal(WSTOPSIG(st)));
			continue;
		}
		in_syscall = !in_syscall;
		if (!in_syscall) {
			exits++;
			continue;
		}
		entries++;
		CHECK(ptrace(PTRACE_GETREGS, pid, 0, &regs) == 0);
		errno = 0;
		long nr = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user_regs_struct, orig_rax), 0);
		CHECK(errno == 0);
		if (nr != (long)regs.orig_rax || regs.rax != (unsigned long long)-ENOSYS)
			mismatches++;
		if (nr == SYS_write && regs.rdi == 1)
			writes++;
		if (nr == SYS_getppid)
			ppids++;
	}
	printf("child exited with %d\n", WEXITSTATUS(st));
	printf("writes to stdout %u, getppid %u, register mismatches %u\n", writes, ppids,
	       mismatches);
	printf("entries and exits pair up: %s; more than 10: %s\n",
	       entries == exits + 1 || entries == exits ? "yes" : "no", entries > 10 ? "yes" : "no");
	CHECK(writes == 2 && ppids == 1 && mismatches == 0 && WEXITSTATUS(st) == 3);
	printf("EXIT-SUCCESS\n");
	return 0;
}
