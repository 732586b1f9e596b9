/*
 * sysbuf_signals: signals and preemptions around the syscalls the
 * in-process syscall buffer makes without a stop. Two threads call pread
 * and clock_gettime in tight loops (each is preempted in the middle of
 * them, now and then between a syscall and the commit of its record)
 * while a 1 ms timer's handler makes the same calls (delivered inside the
 * library's code, it must not use the record being made). Every result is
 * summed; the sums and the count of handled signals must replay.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"

#define ROUNDS 60000

static int fd;
static volatile uint64_t handler_sum;
static volatile int handled;

static uint64_t one_round(int i)
{
	unsigned char buf[64];
	struct timespec ts;
	uint64_t h = 0;

	CHECK(pread(fd, buf, sizeof(buf), (i * 13) % 4000) == (ssize_t)sizeof(buf));
	for (size_t k = 0; k < sizeof(buf); k++)
		h = h * 31 + buf[k];
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	return h + (uint64_t)(ts.tv_nsec & 1);
}

static void on_alarm(int sig)
{
	(void)sig;
	handler_sum += one_round(handled);
	handled++;
}

static void *spin(void *arg)
{
	uint64_t *sum = arg;

	for (int i = 0; i < ROUNDS; i++)
		*sum += one_round(i);
	return NULL;
}

int main(void)
{
	static unsigned char data[4096 + 64];
	char path[] = "/tmp/rewind-sysbuf-signals-XXXXXX";
	struct itimerval it = {{0, 1000}, {0, 1000}};
	struct sigaction sa = {0};
	uint64_t sums[2] = {0, 0};
	pthread_t th;

	CHECK((fd = mkstemp(path)) >= 0 && unlink(path) == 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 5 + 1);
	CHECK(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK(pthread_create(&th, NULL, spin, &sums[1]) == 0);
	spin(&sums[0]);
	CHECK(pthread_join(th, NULL) == 0);
	it = (struct itimerval){{0, 0}, {0, 0}};
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	printf("sums %llx %llx, %d signals handled, handler sum %llx\n",
	       (unsigned long long)sums[0], (unsigned long long)sums[1], handled,
	       (unsigned long long)handler_sum);
	printf("EXIT-SUCCESS\n");
	return 0;
}
