/*
 * Sends SIGABRT to its own process group, as a program that takes its
 * process tree down on an error does: a child waiting in pause() gets it
 * too, and so does the program.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fds[2];
	char c;
	pid_t child;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(fds) < 0)
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		close(fds[0]);
		write(fds[1], "r", 1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		return 1;
	printf("child %s, aborting the group\n", "ready");
	kill(0, SIGABRT);
	pause();
	return 0;
}
