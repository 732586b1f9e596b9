/*
 * sig_spin: a computation without syscalls that spins until its SIGALRM
 * handler sets a flag. The signal cannot wait for a syscall boundary here:
 * the recorder delivers it at an execution point, and replay must give
 * the same iteration count.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static volatile sig_atomic_t flag;
static void on_alarm(int s)
{
	(void)s;
	flag = 1;
}
int main(void)
{
	volatile unsigned long iterations = 0;
	signal(SIGALRM, on_alarm);
	alarm(1);
	while (!flag)
		iterations++;
	printf("flag set after %lu iterations\nEXIT-SUCCESS\n", iterations);
	return 0;
}
