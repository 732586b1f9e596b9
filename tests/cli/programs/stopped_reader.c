/*
 * Reads its stdin (a pipe) in the main thread while a second thread waits
 * in pause(); SIGCONT is blocked, so a stop and continue of the process
 * while the read waits delivers nothing to either thread: the read is
 * restarted by the kernel alone. Prints both thread ids first, the bytes
 * read at the end.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile pid_t idle_tid;

static void *idle(void *arg)
{
	(void)arg;
	idle_tid = gettid();
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	pthread_t thread;
	sigset_t set;
	char buf[64];
	ssize_t n;

	sigemptyset(&set);
	sigaddset(&set, SIGCONT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&thread, NULL, idle, NULL) != 0)
		return 1;
	while (!idle_tid)
		usleep(1000);
	printf("threads %d %d\n", (int)getpid(), (int)idle_tid);
	fflush(stdout);
	n = read(0, buf, sizeof(buf));
	printf("read %zd: %.*s\n", n, n > 0 ? (int)n : 0, buf);
	return 0;
}
