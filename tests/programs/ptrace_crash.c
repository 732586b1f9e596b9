/*
 * ptrace_crash: with the argument "crash", dies of SIGSEGV a few calls
 * deep (for a debugger recorded with it: `gdb -batch -ex run -ex bt`);
 * without, it says so and succeeds.
 */
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) static int deep(volatile int *p, int n)
{
	if (n == 0)
		return *p;
	return deep(p, n - 1) + 1;
}

/* An address no program maps, where the compiler cannot see it. */
static volatile int *volatile bad_address = (volatile int *)8;

int main(int argc, char **argv)
{
	printf("about to %s\n", argc > 1 && !strcmp(argv[1], "crash") ? "crash" : "succeed");
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "crash"))
		return deep(bad_address, 3);
	printf("EXIT-SUCCESS\n");
	return 0;
}
