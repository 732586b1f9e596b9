/*
 * proc_vfork_exec: vfork then execve of another program in the child, a
 * fork whose child execs itself with an argument (a new image of the same
 * binary), posix_spawn, and an exec that fails: the child's output and
 * exit status reach the parent in the recorded order.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

static int wait_status(pid_t pid)
{
	int st;

	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st));
	return WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	char *echo_argv[] = {"echo", "hello from echo after vfork", NULL};
	char *self_argv[] = {argv[0], "child", "with", "args", NULL};
	char *missing_argv[] = {"/nonexistent/program", NULL};
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "child")) {
		printf("re-executed child: %d arguments:", argc);
		for (int i = 1; i < argc; i++)
			printf(" %s", argv[i]);
		printf("\n");
		return 3;
	}
	fflush(stdout);
	pid = vfork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execve("/bin/echo", echo_argv, environ);
		_exit(127);
	}
	printf("vfork child: exit %d\n", wait_status(pid));
	fflush(stdout);

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execv("/proc/self/exe", self_argv);
		_exit(127);
	}
	printf("exec'd child: exit %d\n", wait_status(pid));
	fflush(stdout);

	CHECK(posix_spawn(&pid, "/bin/echo", NULL, NULL, echo_argv, environ) == 0);
	printf("posix_spawn child: exit %d\n", wait_status(pid));
	CHECK(posix_spawn(&pid, missing_argv[0], NULL, NULL, missing_argv, environ) != 0 ||
	      wait_status(pid) == 127);
	printf("posix_spawn of a missing program fails\n");
	fflush(stdout);

	pid = vfork();
	if (pid == 0) {
		execve(missing_argv[0], missing_argv, environ);
		_exit(126);
	}
	printf("failed exec after vfork: exit %d\n", wait_status(pid));
	printf("EXIT-SUCCESS\n");
	return 0;
}
