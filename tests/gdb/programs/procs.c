/*
 * A process tree for gdb on one process of a recording: the parent forks
 * a child that computes and exits 3, then a child that execs this program
 * again as "procs exec-child 20", which computes and exits 5. Each
 * changes `counter` in its own memory; every value is deterministic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int counter;

/* Not static: gdb breaks on it by name. */
int work(int role, int n);

int work(int role, int n)
{
	int sum = 0;

	for (int i = 1; i <= n; i++)
		sum += i * role;
	return sum;
}

int main(int argc, char **argv)
{
	pid_t child;
	int st;

	if (argc > 2 && !strcmp(argv[1], "exec-child")) {
		counter = 70;
		printf("exec child: %d\n", work(7, atoi(argv[2])));
		return 5;
	}
	child = fork();
	if (child == 0) {
		counter = 20;
		printf("child: %d\n", work(2, 10));
		fflush(stdout);
		_exit(3);
	}
	waitpid(child, &st, 0);
	counter = 1;
	printf("parent saw the child exit %d\n", WEXITSTATUS(st));
	fflush(stdout);
	child = fork();
	if (child == 0) {
		execl("/proc/self/exe", argv[0], "exec-child", "20", (char *)NULL);
		_exit(127);
	}
	waitpid(child, &st, 0);
	counter = 2;
	printf("parent: %d, the exec child exited %d\n", work(1, 5), WEXITSTATUS(st));
	return 0;
}
