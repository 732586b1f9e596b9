/*
 * sig_death: a program killed by SIGSEGV (no handler). Recording ends with
 * the death, rec exits 128+11 and prints a backtrace, replay dies the same.
 */
#include <stdio.h>

static int *volatile pointer;

int crash_here(int n);
int __attribute__((noinline, noclone)) crash_here(int n)
{
	return *pointer + n;
}

int main(void)
{
	printf("about to crash\nEXIT-SUCCESS\n");
	fflush(stdout);
	int value = crash_here(1);

	printf("not reached: %d\n", value);
	return 0;
}
