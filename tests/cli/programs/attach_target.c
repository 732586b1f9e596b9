/*
 * A program to attach to while it runs (tests/cli/attach.sh). It prints
 * "ready" once its threads run, then:
 *   pipe:    a thread blocks in read(0) while the main thread counts; once
 *            the thread has read a line, both print what they have and end.
 *   compute: two threads compute until SECONDS have passed, then print a
 *            checksum each and the program exits 0.
 *   sleep:   a thread sleeps 1.5 s in nanosleep (glibc's, clock_nanosleep)
 *            and the main thread 1.5 s in the nanosleep syscall; each says
 *            how its sleep ended.
 *   occupy:  maps a page of its own where rewind puts one while it takes a
 *            process over (0x70001000, beside rewind's page), reads a line,
 *            and says whether its page kept its bytes and what maps 0x70000000.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int done;
static char line[256];
static double seconds = 2;

static void *reader(void *arg)
{
	ssize_t n = read(0, line, sizeof(line) - 1);

	(void)arg;
	line[n > 0 ? n : 0] = '\0';
	atomic_store(&done, 1);
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *compute(void *arg)
{
	unsigned long long sum = (unsigned long long)(long)arg, i = 0;
	double end = now() + seconds;

	while (now() < end)
		for (int k = 0; k < 100000; k++, i++)
			sum = sum * 6364136223846793005ull + i;
	printf("thread %ld: %llu rounds\n", (long)arg, i / 100000);
	return (void *)(unsigned long)(sum & 1);
}

static void *sleeper(void *arg)
{
	struct timespec ts = {1, 500000000};

	(void)arg;
	printf("thread: nanosleep returned %d\n", nanosleep(&ts, NULL));
	return NULL;
}

static int sleep_both(void)
{
	struct timespec ts = {1, 500000000};
	pthread_t th;
	long ret;

	pthread_create(&th, NULL, sleeper, NULL);
	printf("ready\n");
	ret = syscall(SYS_nanosleep, &ts, NULL);
	pthread_join(th, NULL);
	printf("main: nanosleep returned %ld\n", ret);
	printf("EXIT-SUCCESS\n");
	return 0;
}

static int occupy(void)
{
	char *page = mmap((void *)0x70001000, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	char buf[256], *found = NULL;
	FILE *maps;

	if (page != (void *)0x70001000)
		return 1;
	strcpy(page, "mine");
	printf("ready\n");
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	printf("read: %s", line);
	printf("my page holds: %s\n", page);
	if ((maps = fopen("/proc/self/maps", "re")))
		while (!found && fgets(buf, sizeof(buf), maps))
			if (!strncmp(buf, "70000000-", 9))
				found = buf;
	printf("0x70000000 is %s\n", found ? "mapped" : "not mapped");
	printf("EXIT-SUCCESS\n");
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t th[2];
	unsigned long counter = 0;

	setvbuf(stdout, NULL, _IOLBF, 0); /* a line in one write: two processes share a file */
	if (argc > 1 && !strcmp(argv[1], "sleep"))
		return sleep_both();
	if (argc > 1 && !strcmp(argv[1], "occupy"))
		return occupy();
	if (argc > 1 && !strcmp(argv[1], "compute")) {
		if (argc > 2)
			seconds = atof(argv[2]);
		for (long i = 0; i < 2; i++)
			pthread_create(&th[i], NULL, compute, (void *)i);
		printf("ready\n");
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		printf("EXIT-SUCCESS\n");
		return 0;
	}
	pthread_create(&th[0], NULL, reader, NULL);
	printf("ready\n");
	while (!atomic_load(&done)) {
		counter++;
		if (counter % (1ul << 20) == 0)
			usleep(1000);
	}
	pthread_join(th[0], NULL);
	printf("read: %s", line);
	printf("counted past %lu\n", counter >> 20 << 20);
	printf("EXIT-SUCCESS\n");
	return 0;
}
