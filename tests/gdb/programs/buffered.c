/*
 * Many reads of a local file (the program itself) through libc's pread,
 * which the syscall buffer's library makes buffered: each is counted in
 * `calls` and handed to note(), where a breakpoint stops once per read.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define READS 300

volatile int calls;
volatile long sum;

void note(int i, const char *b);
void reads_done(void);

__attribute__((noinline)) void note(int i, const char *b)
{
	sum += b[0] + i;
}

__attribute__((noinline)) void reads_done(void)
{
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	char buf[16];
	int fd = open("/proc/self/exe", O_RDONLY);

	if (fd < 0)
		return 1;
	for (int i = 0; i < READS; i++) {
		if (pread(fd, buf, sizeof(buf), i) != (ssize_t)sizeof(buf))
			return 1;
		calls++;
		note(i, buf);
	}
	reads_done();
	close(fd);
	printf("calls %d sum %ld\n", calls, sum);
	return 0;
}
