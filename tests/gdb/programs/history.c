/*
 * history: a variable with a history to walk backwards: a loop that
 * changes it around output syscalls, a helper function to finish out of,
 * and a read into a buffer.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int counter;
char buffer[16];

static int __attribute__((noinline)) step_value(int i)
{
	int v = i * i + 1;

	return v;
}

int main(void)
{
	int fd;

	for (int i = 0; i < 5; i++) {
		counter += step_value(i); /* line 25 */
		printf("counter %d\n", counter);
	}
	fd = open("/proc/self/exe", O_RDONLY);
	if (fd >= 0 && read(fd, buffer, 4) == 4)
		counter += buffer[1]; /* 'E' of the ELF magic */
	printf("final %d\n", counter);
	return 0;
}
