/*
 * sysbuf_site_stdio: stdio's reads, writes and seeks are libc calling its
 * own syscall sites, which the recorder patches to go through the syscall
 * buffer's library. Two threads each write a file with fwrite, seek back,
 * read it with fread and check it, while a 1 ms timer's handler calls
 * access, lseek and getpid (delivered inside the library's hook now and
 * then, its calls go the traced way from the stub's own syscall). The
 * sums of what was read and the handler's results must replay.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

#define ROUNDS 1500

static char dir[] = "/tmp/rewind-site-stdio-XXXXXX";
static int handler_fd;
static volatile uint64_t handler_sum;
static volatile int handled;

static void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	handler_sum += (uint64_t)access(dir, R_OK) + (uint64_t)lseek(handler_fd, 0, SEEK_END) +
		       (uint64_t)(getpid() > 0);
	handled++;
	errno = saved;
}

static uint64_t one_round(int who, int i)
{
	char path[128], line[64], back[64 * 8];
	uint64_t h = 0;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/f%d", dir, who);
	CHECK((f = fopen(path, "w+")) != NULL);
	for (int k = 0; k < 8; k++) {
		int len = snprintf(line, sizeof(line), "%d:%d:%d\n", who, i, k * i);

		CHECK(fwrite(line, 1, (size_t)len, f) == (size_t)len);
		n += (size_t)len;
	}
	CHECK(fflush(f) == 0);
	CHECK(fseek(f, 0, SEEK_SET) == 0);
	CHECK(fread(back, 1, sizeof(back), f) == n);
	CHECK(ftell(f) == (long)n);
	CHECK(fseek(f, -2, SEEK_END) == 0);
	CHECK(fgetc(f) != EOF);
	CHECK(fclose(f) == 0);
	for (size_t k = 0; k < n; k++)
		h = h * 31 + (unsigned char)back[k];
	return h;
}

static void *worker(void *arg)
{
	uint64_t *sum = arg;
	int who = sum[1] ? 1 : 0;

	for (int i = 0; i < ROUNDS; i++)
		sum[0] += one_round(who, i);
	return NULL;
}

int main(void)
{
	struct itimerval it = {{0, 1000}, {0, 1000}};
	struct sigaction sa = {0};
	uint64_t sums[2][2] = {{0, 0}, {0, 1}};
	char path[128];
	pthread_t th;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/h", dir);
	CHECK((handler_fd = open(path, O_RDWR | O_CREAT, 0600)) >= 0);
	CHECK(write(handler_fd, "0123456789", 10) == 10);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK(pthread_create(&th, NULL, worker, sums[1]) == 0);
	worker(sums[0]);
	CHECK(pthread_join(th, NULL) == 0);
	it = (struct itimerval){{0, 0}, {0, 0}};
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK(handler_sum == (uint64_t)handled * 11);
	printf("sums %llx %llx, %d signals handled\n", (unsigned long long)sums[0][0],
	       (unsigned long long)sums[1][0], handled);
	for (int who = 0; who < 2; who++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, who);
		CHECK(unlink(path) == 0);
	}
	CHECK(close(handler_fd) == 0);
	snprintf(path, sizeof(path), "%s/h", dir);
	CHECK(unlink(path) == 0 && rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
