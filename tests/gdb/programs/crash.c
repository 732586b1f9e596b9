/*
 * crash: a program that dies of SIGSEGV, writing through a pointer it
 * cleared after a few good writes through it.
 */
#include <stdio.h>

int counter;

static void __attribute__((noinline)) poke(int *p, int v)
{
	*p = v; /* line 11 */
}

int main(void)
{
	int *volatile p = &counter;

	for (int i = 0; i < 3; i++) {
		poke(p, i + 1);
		printf("counter %d\n", counter);
	}
	p = 0;
	poke(p, 42);
	return 0;
}
