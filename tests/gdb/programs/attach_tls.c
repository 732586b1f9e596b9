/*
 * attach_tls: a program to attach to (tests/gdb/attach.sh). Two threads,
 * each with a __thread counter that starts at 100 or 200 before the
 * attach. Once a thread sees itself traced it waits a little (so the
 * attach has stopped it), then calls tick() five times; the main thread
 * joins the other and calls tick() once more, last. Every call prints
 * its caller and the counter's value as it was on entry, and the program
 * prints how many calls it made after the attach.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static __thread int counter;
static atomic_int calls;

void tick(int who);

void __attribute__((noinline)) tick(int who)
{
	printf("tick who=%d counter=%d\n", who, counter);
	counter++;
	atomic_fetch_add(&calls, 1);
}

/* Waits until this thread has a tracer, then a little longer. */
static void wait_traced(void)
{
	char line[256];

	for (;;) {
		FILE *f = fopen("/proc/thread-self/status", "re");
		int traced = 0;

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "TracerPid:", 10))
				traced = atoi(line + 10) != 0;
		if (f)
			fclose(f);
		if (traced)
			break;
		usleep(10000);
	}
	usleep(100000);
}

static void *worker(void *arg)
{
	(void)arg;
	counter = 200;
	wait_traced();
	for (int i = 0; i < 5; i++) {
		tick(1);
		usleep(3000);
	}
	return NULL;
}

int main(void)
{
	pthread_t th;

	setvbuf(stdout, NULL, _IONBF, 0);
	counter = 100;
	pthread_create(&th, NULL, worker, NULL);
	printf("ready\n");
	wait_traced();
	for (int i = 0; i < 5; i++) {
		tick(0);
		usleep(2000);
	}
	pthread_join(th, NULL);
	tick(0);
	printf("calls after the attach: %d\n", atomic_load(&calls));
	printf("EXIT-SUCCESS\n");
	return 0;
}
