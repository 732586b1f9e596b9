/*
 * ptrace_seccomp: a filter of the program's own that answers some syscalls
 * with SECCOMP_RET_TRACE (seccomp(2)). A tracer that set
 * PTRACE_O_TRACESECCOMP sees a PTRACE_EVENT_SECCOMP stop before each, the
 * filter's data as the event message: getppid it lets run, getuid it skips
 * (orig_rax -1) with a result of its own. A process that no tracer traces,
 * or whose tracer did not ask for these stops, gets ENOSYS, the syscall
 * not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void trace_filter(void)
{
	struct sock_filter insn[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x1234),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x99),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insn) / sizeof(insn[0]), .filter = insn};

	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0);
}

/* Exits 0 when getppid ran (its parent's pid) and getuid gave `uid` (or ENOSYS for both). */
static void child_main(bool traced, bool handled)
{
	pid_t parent = getppid();
	long ppid, uid;

	if (traced) {
		CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
		raise(SIGSTOP);
	}
	trace_filter();
	errno = 0;
	ppid = syscall(SYS_getppid);
	if (!handled) {
		CHECK(ppid == -1 && errno == ENOSYS);
		errno = 0;
		CHECK(syscall(SYS_getuid) == -1 && errno == ENOSYS);
		_exit(0);
	}
	CHECK(ppid == parent);
	uid = syscall(SYS_getuid);
	CHECK(uid == 4242);
	_exit(0);
}

/* Runs a child (traced with or without TRACESECCOMP, or not); returns its status. */
static int run(bool traced, long options, int *stops_ok)
{
	struct user_regs_struct regs;
	unsigned long msg;
	pid_t child = fork();
	int st, stops = 0;

	CHECK(child >= 0);
	if (child == 0)
		child_main(traced, options != 0);
	*stops_ok = 1;
	if (!traced) {
		CHECK(waitpid(child, &st, 0) == child);
		return st;
	}
	CHECK(waitpid(child, &st, 0) == child && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	CHECK(ptrace(PTRACE_SETOPTIONS, child, 0, options) == 0);
	CHECK(ptrace(PTRACE_CONT, child, 0, 0) == 0);
	for (;;) {
		CHECK(waitpid(child, &st, 0) == child);
		if (!WIFSTOPPED(st))
			break;
		CHECK(st >> 16 == PTRACE_EVENT_SECCOMP);
		CHECK(ptrace(PTRACE_GETEVENTMSG, child, 0, &msg) == 0);
		CHECK(ptrace(PTRACE_GETREGS, child, 0, &regs) == 0);
		if (stops == 0)
			*stops_ok &= msg == 0x1234 && regs.orig_rax == SYS_getppid;
		if (stops == 1) {
			*stops_ok &= msg == 0x99 && regs.orig_rax == SYS_getuid;
			regs.orig_rax = (unsigned long)-1;
			regs.rax = 4242;
			CHECK(ptrace(PTRACE_SETREGS, child, 0, &regs) == 0);
		}
		stops++;
		CHECK(ptrace(PTRACE_CONT, child, 0, 0) == 0);
	}
	*stops_ok &= stops == (options ? 2 : 0);
	return st;
}

int main(void)
{
	int st, ok;

	setvbuf(stdout, NULL, _IONBF, 0);
	st = run(true, PTRACE_O_TRACESECCOMP, &ok);
	printf("traced, TRACESECCOMP: two seccomp stops as they should be: %s, child status %d\n",
	       ok ? "yes" : "no", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	CHECK(ok && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = run(true, 0, &ok);
	printf("traced without TRACESECCOMP: ENOSYS, no stop: %s\n",
	       ok && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
	CHECK(ok && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = run(false, 0, &ok);
	printf("untraced: ENOSYS: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
