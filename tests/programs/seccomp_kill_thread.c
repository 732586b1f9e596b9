/*
 * seccomp_kill_thread: a filter of the program's own that answers getppid
 * with SECCOMP_RET_KILL_THREAD (seccomp(2)). In a thread of a process with
 * two, the kernel ends that thread alone (do_exit(SIGSYS)): the other joins
 * it (its tid word cleared) and goes on. In a process of one thread, the
 * process dies of SIGSYS, as for SECCOMP_RET_KILL_PROCESS; its parent sees
 * that in waitpid.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static int kill_on_getppid(void)
{
	struct sock_filter insn[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insn) / sizeof(insn[0]), .filter = insn};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static volatile int reached;

static void *victim(void *arg)
{
	(void)arg;
	CHECK(kill_on_getppid() == 0);
	reached = 1;
	syscall(SYS_getppid);
	reached = 2; /* never: the thread ended in the syscall */
	return NULL;
}

int main(void)
{
	pthread_t th;
	int status;
	pid_t child;

	setvbuf(stdout, NULL, _IONBF, 0);
	CHECK(pthread_create(&th, NULL, victim, NULL) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	printf("thread ended in getppid: %s\n", reached == 1 ? "yes" : "no");
	CHECK(reached == 1);
	CHECK(getppid() > 0); /* the filter was the thread's only */
	printf("the main thread goes on, getppid works\n");

	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		CHECK(kill_on_getppid() == 0);
		syscall(SYS_getppid);
		_exit(0);
	}
	CHECK(waitpid(child, &status, 0) == child);
	printf("a process of one thread: %s\n",
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS ? "killed by SIGSYS"
								 : "not killed by SIGSYS");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
	printf("EXIT-SUCCESS\n");
	return 0;
}
