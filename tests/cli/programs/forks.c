/* Forks a child that exits 0 and waits for it. */
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
