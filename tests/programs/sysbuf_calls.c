/*
 * sysbuf_calls: the syscalls the in-process syscall buffer makes without a
 * stop (reads, preads, seeks and fstat of a regular file, the clocks, the
 * ids), with good and bad arguments, in the first thread and in a second
 * one (a buffer each); then many of them, more than one buffer holds, so
 * the buffer is emptied in the middle. What they returned must replay.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"

static char path[] = "/tmp/rewind-sysbuf-calls-XXXXXX";

static uint64_t checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void calls(const char *who, int fd)
{
	unsigned char buf[8192], *tail = tail_alloc(16);
	void *volatile bad = (void *)8;
	struct stat st;
	struct timespec ts;
	struct timeval tv;
	ssize_t n;

	CHECK(fstat(fd, &st) == 0 && st.st_size == 100000);
	CHECK(lseek(fd, 5, SEEK_SET) == 5);
	n = read(fd, buf, sizeof(buf));
	CHECK(n == (ssize_t)sizeof(buf) && buf[0] == (unsigned char)(5 * 7));
	CHECK(lseek(fd, 0, SEEK_CUR) == 5 + (off_t)sizeof(buf));
	n = pread(fd, buf, 1000, 99500);
	CHECK(n == 500); /* short at the end of the file */
	CHECK(pread(fd, buf, 10, 200000) == 0);
	CHECK_ERR(pread(fd, buf, 10, -1), EINVAL);
	/*
	 * The kernel's EFAULT, not a crash: the bytes up to the end of the page
	 * arrive. (In the first thread only: in a threaded process, a traced
	 * read's output goes through a scratch buffer, which takes bytes the
	 * program's could not.)
	 */
	if (!strcmp(who, "main")) {
		CHECK(pread(fd, tail, 64, 0) == 16);
		CHECK_ERR(read(fd, bad, 10), EFAULT);
	}
	CHECK_ERR(lseek(fd, -100, SEEK_SET), EINVAL);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_nsec < 1000000000);
	CHECK_ERR(clock_gettime((clockid_t)12345, &ts), EINVAL);
	CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_usec < 1000000);
	CHECK(time(NULL) > 1600000000);
	CHECK(getpid() == (pid_t)syscall(SYS_getpid));
	CHECK(gettid() == (pid_t)syscall(SYS_gettid));
	CHECK(getuid() == (uid_t)syscall(SYS_getuid) && getegid() == (gid_t)syscall(SYS_getegid));
	CHECK(getppid() == (pid_t)syscall(SYS_getppid));
	printf("%s: read %llx pread %llx\n", who, (unsigned long long)checksum(buf, 500),
	       (unsigned long long)st.st_size);
}

/* Enough calls to fill a thread's buffer several times over. */
static void many(int fd)
{
	unsigned char buf[64 << 10];
	uint64_t h = 0;

	for (int i = 0; i < 600; i++) {
		ssize_t n = pread(fd, buf, sizeof(buf), (i * 4099) % 90000);

		CHECK(n > 0);
		h += checksum(buf, (size_t)n);
	}
	for (int i = 0; i < 20000; i++) {
		struct timespec ts;

		CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
	}
	printf("many: %llx\n", (unsigned long long)h);
}

static void *thread_main(void *arg)
{
	calls("thread", *(int *)arg);
	return NULL;
}

int main(void)
{
	static unsigned char data[100000];
	pthread_t th;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7);
	CHECK(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
	calls("main", fd);
	CHECK(pthread_create(&th, NULL, thread_main, &fd) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	many(fd);
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
