/*
 * The heap grown and given back with sbrk, and a page of an anonymous
 * mapping made read-only and writable again, in rounds: libc's brk,
 * mmap, mprotect and munmap, from the syscall sites the recorder patches
 * to go through the syscall buffer. A cell at the heap's start is written
 * a few times a round (a watchpoint there triggers each time), and the
 * program prints a sum of what it read back.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROUNDS 24

static long *volatile cell;

void rounds_start(void);

__attribute__((noinline)) void rounds_start(void)
{
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	char *base = sbrk(0);
	long sum = 0;

	rounds_start();
	for (int r = 0; r < ROUNDS; r++) {
		long len = 4096 * (r % 3 + 1);
		char *m;

		if (sbrk(len) != base)
			return 1;
		cell = (long *)base;
		for (int k = 0; k <= r % 4; k++)
			*cell = r * 10 + k + 1;
		sum += *cell;
		m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED || mprotect(m, 4096, PROT_READ) != 0 ||
		    mprotect(m, 4096, PROT_READ | PROT_WRITE) != 0)
			return 1;
		m[r] = (char)r;
		sum += m[r];
		if (munmap(m, 8192) != 0 || sbrk(-len) == (void *)-1)
			return 1;
	}
	printf("sum %ld\n", sum);
	return 0;
}
