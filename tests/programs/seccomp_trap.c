/*
 * seccomp_trap: a filter of the program's own that answers syscalls as
 * seccomp(2) describes. SECCOMP_RET_TRAP on getppid raises SIGSYS, whose
 * siginfo gives the syscall, the address after its instruction, the
 * architecture and the filter's data; the handler makes the call return a
 * value of its own. SECCOMP_RET_ERRNO on uname gives its errno;
 * SECCOMP_RET_KILL_PROCESS on getpriority, in a child, kills it with
 * SIGSYS. seccomp(SECCOMP_SET_MODE_FILTER) with a NULL filter is EFAULT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t traps;
static volatile long trap_syscall, trap_arch, trap_errno, trap_code;
static volatile uintptr_t trap_addr;
static volatile int trap_insn_ok;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	const unsigned char *insn = (const unsigned char *)si->si_call_addr - 2;

	(void)sig;
	traps++;
	trap_syscall = si->si_syscall;
	trap_arch = (long)si->si_arch;
	trap_errno = si->si_errno;
	trap_code = si->si_code;
	trap_addr = (uintptr_t)si->si_call_addr;
	trap_insn_ok = insn[0] == 0x0f && insn[1] == 0x05 &&
		       (uintptr_t)uc->uc_mcontext.gregs[REG_RIP] == trap_addr;
	uc->uc_mcontext.gregs[REG_RAX] = 4242; /* the trapped call's result */
}

/* A filter: getppid traps (data 7), uname fails with ENOTBLK, getpriority kills. */
static int install(void)
{
	struct sock_filter insn[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 7),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTBLK),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpriority, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insn) / sizeof(insn[0]), .filter = insn};

	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int main(void)
{
	struct sigaction sa;
	struct utsname u;
	int st;
	long r;

	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK_ERR(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL), EFAULT);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGSYS, &sa, NULL) == 0);
	CHECK(install() == 0);

	for (int i = 0; i < 3; i++) {
		r = syscall(SYS_getppid);
		printf("getppid trapped: result %ld, traps %d\n", r, traps);
		CHECK(r == 4242 && traps == i + 1);
	}
	printf("siginfo: code %ld syscall %ld arch x86_64 %d errno %ld after a syscall insn %d\n",
	       trap_code, trap_syscall, trap_arch == AUDIT_ARCH_X86_64, trap_errno, trap_insn_ok);
	CHECK(trap_code == 1 /* SYS_SECCOMP */ && trap_syscall == SYS_getppid);
	CHECK(trap_arch == AUDIT_ARCH_X86_64 && trap_errno == 7 && trap_insn_ok);

	CHECK_ERR(uname(&u), ENOTBLK);

	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		signal(SIGSYS, SIG_DFL);
		getpriority(PRIO_PROCESS, 0);
		_exit(3);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("child: killed by %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "nothing");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	printf("EXIT-SUCCESS\n");
	return 0;
}
