/*
 * proc_clone3: raw clone and clone3 without CLONE_VM (copies of the
 * process, one on a stack of its own), CLONE_CHILD_SETTID and
 * CLONE_PARENT_SETTID, and a child killed by SIGKILL from its parent.
 */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static pid_t child_tid, parent_tid;

int main(void)
{
	struct clone_args ca;
	int st, pipefd[2];
	long ret;

	fflush(stdout);
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_CHILD_SETTID | CLONE_PARENT_SETTID;
	ca.exit_signal = SIGCHLD;
	ca.child_tid = (uint64_t)(uintptr_t)&child_tid;
	ca.parent_tid = (uint64_t)(uintptr_t)&parent_tid;
	ret = syscall(SYS_clone3, &ca, sizeof(ca));
	CHECK(ret >= 0);
	if (ret == 0) {
		printf("clone3 child: child_tid is my tid: %s\n",
		       child_tid == (pid_t)syscall(SYS_gettid) ? "yes" : "no");
		fflush(stdout);
		syscall(SYS_exit_group, 9);
	}
	CHECK(waitpid((pid_t)ret, &st, 0) == ret);
	printf("clone3: parent_tid matches %s, exit %d\n", parent_tid == ret ? "yes" : "no",
	       WEXITSTATUS(st));
	CHECK(parent_tid == ret && WEXITSTATUS(st) == 9);

	ret = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	CHECK(ret >= 0);
	if (ret == 0)
		syscall(SYS_exit_group, 11);
	CHECK(waitpid((pid_t)ret, &st, 0) == ret);
	printf("clone: exit %d\n", WEXITSTATUS(st));

	CHECK(pipe(pipefd) == 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;

		close(pipefd[1]);
		read(pipefd[0], &c, 1); /* blocks until killed */
		_exit(0);
	}
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("killed child: signaled %d by %s\n", WIFSIGNALED(st), strsignal(WTERMSIG(st)));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	printf("EXIT-SUCCESS\n");
	return 0;
}
