/*
 * mainloop: about a second of computation in a main loop with no syscalls,
 * for timing reverse execution under gdb with a breakpoint in the loop.
 * Each iteration is a chain of dependent square roots: tens of
 * microseconds, few instructions.
 */
#include <math.h>
#include <stdio.h>

#define ITERATIONS 40000

static double __attribute__((noinline)) work(int i)
{
	double x = i + 2.0;

	for (int k = 0; k < 3000; k++)
		x = sqrt(x + 1.0);
	return x;
}

int main(void)
{
	double total = 0;

	for (int i = 0; i < ITERATIONS; i++)
		total += work(i); /* the loop's breakpoint */
	printf("%.6f\n", total);
	return 0;
}
