/*
 * shared: a value with a history in MAP_SHARED memory, which a fork of the
 * process shares instead of copying; each step is written out.
 */
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (shared == MAP_FAILED)
		return 1;
	for (int i = 0; i < 5; i++) {
		shared[0] += i * i + 1; /* line 15 */
		printf("shared %d\n", shared[0]);
		fflush(stdout);
	}
	return 0;
}
