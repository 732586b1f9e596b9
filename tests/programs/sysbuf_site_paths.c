/*
 * sysbuf_site_paths: realpath's readlinks, opendir's open and readdir's
 * getdents64 are libc calling its own syscall sites, which the recorder
 * patches to go through the syscall buffer's library. Two threads resolve
 * paths through a chain of symlinks and list a directory of files, while a
 * 1 ms timer's handler stats the directory; what they found must replay.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

#define ROUNDS 1500
#define FILES  40

static char dir[] = "/tmp/rewind-site-paths-XXXXXX";
static volatile int handled, handler_ok;

static void on_alarm(int sig)
{
	struct stat st;
	int saved = errno;

	(void)sig;
	handler_ok += stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	handled++;
	errno = saved;
}

static uint64_t one_round(int i)
{
	char path[256], got[PATH_MAX];
	uint64_t h = (uint64_t)i;
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/l3/./l2//f%d", dir, i % FILES);
	CHECK(realpath(path, got) != NULL);
	for (size_t k = 0; got[k]; k++)
		h = h * 31 + (unsigned char)got[k];
	CHECK((d = opendir(dir)) != NULL);
	while ((e = readdir(d)) != NULL) {
		n++;
		h += (unsigned char)e->d_name[0];
	}
	CHECK(closedir(d) == 0);
	CHECK(n == FILES + 2 + 3);
	return h;
}

static void *worker(void *arg)
{
	uint64_t *sum = arg;

	for (int i = 0; i < ROUNDS; i++)
		*sum += one_round(i);
	return NULL;
}

int main(void)
{
	struct itimerval it = {{0, 1000}, {0, 1000}};
	struct sigaction sa = {0};
	uint64_t sums[2] = {0, 0};
	char path[256], target[256];
	pthread_t th;

	CHECK(mkdtemp(dir) != NULL);
	for (int i = 0; i < FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		CHECK(close(open(path, O_WRONLY | O_CREAT, 0600)) == 0);
	}
	/* l3 -> l2 -> l1 -> the directory itself */
	snprintf(path, sizeof(path), "%s/l1", dir);
	CHECK(symlink(".", path) == 0);
	for (int i = 2; i <= 3; i++) {
		snprintf(path, sizeof(path), "%s/l%d", dir, i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		CHECK(symlink(target, path) == 0);
	}
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK(pthread_create(&th, NULL, worker, &sums[1]) == 0);
	worker(&sums[0]);
	CHECK(pthread_join(th, NULL) == 0);
	it = (struct itimerval){{0, 0}, {0, 0}};
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK(handler_ok == handled);
	printf("sums %llx %llx, %d signals handled\n", (unsigned long long)sums[0],
	       (unsigned long long)sums[1], handled);
	for (int i = 0; i < FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		CHECK(unlink(path) == 0);
	}
	for (int i = 1; i <= 3; i++) {
		snprintf(path, sizeof(path), "%s/l%d", dir, i);
		CHECK(unlink(path) == 0);
	}
	CHECK(rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
