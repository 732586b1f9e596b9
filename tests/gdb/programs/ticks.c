/*
 * ticks: a loop that calls tick() thousands of times, for a conditional
 * breakpoint in tick() that stops the replay at every call while gdb
 * tests its condition. Every 250th call forks a child that exits at once
 * and is waited for, so the replay makes and ends processes of its own too.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define TICKS 3000

long total;

static void __attribute__((noinline)) tick(int i)
{
	total += i;
}

int main(void)
{
	int children = 0;

	for (int i = 0; i < TICKS; i++) {
		tick(i);
		if (i % 250 == 0) {
			pid_t pid = fork();
			int status;

			if (pid == 0)
				_exit(i % 7);
			if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			    WEXITSTATUS(status) == i % 7)
				children++;
		}
	}
	printf("total %ld children %d\n", total, children);
	return 0;
}
