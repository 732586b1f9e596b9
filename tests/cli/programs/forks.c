/* Forks a child: rewind rec must stop with a clear message (not supported yet). */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
