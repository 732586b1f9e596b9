/*
 * A process ends with exit_group while its other threads are busy making
 * syscalls (as Go and cargo do). The kernel kills them wherever they are;
 * a stop of theirs that was already on its way to the recorder must not
 * become an event after the exit_group, which replay has already run.
 * Threads are also made and end the process right away, so a new thread's
 * first syscall races its parent's clone exit. Other children are killed
 * with SIGKILL from outside while their threads make syscalls, so a
 * thread vanishes at a stop the recorder has not handled yet.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

static void *busy(void *arg)
{
	struct timespec ts;

	(void)arg;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		syscall(SYS_getppid);
	}
	return NULL;
}

/* A child process: threads that spin in syscalls, then exit_group from main. */
static void child(int nthreads, int spins)
{
	pthread_t th;
	volatile unsigned long x = 0;

	for (int i = 0; i < nthreads; i++)
		CHECK(pthread_create(&th, NULL, busy, NULL) == 0);
	for (int i = 0; i < spins; i++)
		x += (unsigned long)syscall(SYS_gettid);
	_exit(x == 1 ? 4 : 3);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int round = 0; round < 10; round++) {
		int st;
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0)
			child(1 + round % 4, round % 3 == 0 ? 0 : 300 * round);
		CHECK(waitpid(pid, &st, 0) == pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	}
	printf("10 processes ended with exit_group while their threads ran\n");
	for (int round = 0; round < 10; round++) {
		int st;
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0)
			child(1 + round % 3, 1 << 30);
		for (int i = 0; i < 50 * round; i++)
			syscall(SYS_getppid);
		CHECK(kill(pid, SIGKILL) == 0);
		CHECK(waitpid(pid, &st, 0) == pid);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}
	printf("10 processes killed while their threads made syscalls\n");
	printf("EXIT-SUCCESS\n");
	return 0;
}
