/*
 * ptrace_seize_poke: a parent seizes its child (PTRACE_SEIZE) while the
 * child waits in read, stops it with PTRACE_INTERRUPT, reads and changes a
 * variable (PEEKDATA, POKEDATA) and a debug register (POKEUSER,
 * PEEKUSER), then follows its syscalls: a write's length is cut at its
 * entry (SETREGS), a getpid is skipped (orig_rax -1) and given another
 * result at its exit, a GETREGSET(NT_PRSTATUS) agrees with GETREGS.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static volatile long value = 1234;

static void child_main(int in)
{
	char c;

	CHECK(read(in, &c, 1) == 1);
	printf("child: value %ld\n", value);
	fflush(stdout);
	CHECK(write(1, "AAAAA\n", 6) == 4);
	printf("\nchild: getpid says %ld\n", (long)syscall(SYS_getpid));
	fflush(stdout);
	_exit(0);
}

/* At a syscall entry (entry) or exit of the child: the changes the test makes. */
static void on_syscall(pid_t pid, bool entry, bool *skipping)
{
	struct user_regs_struct regs;

	CHECK(ptrace(PTRACE_GETREGS, pid, 0, &regs) == 0);
	if (entry && regs.orig_rax == SYS_write && regs.rdi == 1 && regs.rdx == 6) {
		regs.rdx = 4;
		CHECK(ptrace(PTRACE_SETREGS, pid, 0, &regs) == 0);
		printf("parent: write of 6 bytes cut to 4\n");
	} else if (entry && regs.orig_rax == SYS_getpid) {
		CHECK(ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, orig_rax), -1L) ==
		      0);
		*skipping = true;
		printf("parent: getpid skipped\n");
	} else if (!entry && *skipping) {
		*skipping = false;
		printf("parent: skipped call returned %lld\n", (long long)regs.rax);
		regs.rax = 4242;
		CHECK(ptrace(PTRACE_SETREGS, pid, 0, &regs) == 0);
	}
}

static void inspect(pid_t pid)
{
	struct user_regs_struct regs, set;
	struct iovec iov = {&set, sizeof(set)};
	size_t dr0 = offsetof(struct user, u_debugreg);

	errno = 0;
	long v = ptrace(PTRACE_PEEKDATA, pid, &value, 0);
	CHECK(errno == 0);
	printf("parent: peeked %ld\n", v);
	CHECK(ptrace(PTRACE_POKEDATA, pid, &value, 5678L) == 0);
	CHECK(ptrace(PTRACE_POKEUSER, pid, dr0, (long)&value) == 0);
	errno = 0;
	CHECK(ptrace(PTRACE_PEEKUSER, pid, dr0, 0) == (long)&value && errno == 0);
	CHECK(ptrace(PTRACE_POKEUSER, pid, dr0, 0L) == 0);
	CHECK(ptrace(PTRACE_GETREGS, pid, 0, &regs) == 0);
	CHECK(ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov) == 0);
	CHECK(iov.iov_len == sizeof(set) && set.rip == regs.rip && set.rsp == regs.rsp);
	printf("parent: debug register and register set read back\n");
}

int main(void)
{
	bool in_syscall = false, skipping = false;
	int p[2], st;

	CHECK(pipe(p) == 0);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		child_main(p[0]);
	CHECK(ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) == 0);
	CHECK(ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP && (st >> 16) == PTRACE_EVENT_STOP);
	printf("parent: child stopped by PTRACE_INTERRUPT\n");
	inspect(pid);
	CHECK(ptrace(PTRACE_SYSCALL, pid, 0, 0) == 0);
	CHECK(write(p[1], "g", 1) == 1);
	for (;;) {
		CHECK(waitpid(pid, &st, 0) == pid);
		if (WIFEXITED(st))
			break;
		CHECK(WIFSTOPPED(st));
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			in_syscall = !in_syscall;
			on_syscall(pid, in_syscall, &skipping);
		}
		CHECK(ptrace(PTRACE_SYSCALL, pid, 0, 0) == 0);
	}
	printf("parent: child exited with %d\n", WEXITSTATUS(st));
	printf("EXIT-SUCCESS\n");
	return 0;
}
