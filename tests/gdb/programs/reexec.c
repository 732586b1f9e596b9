/*
 * reexec: runs stage() once, then execs itself with an argument and runs
 * stage() again in the new image: gdb on the replay must follow the exec
 * (the new program's symbols, its breakpoints) as it does natively.
 */
#include <stdio.h>
#include <unistd.h>

/* Not static: gdb breaks on it by name. */
int stage(int n);

int stage(int n)
{
	return n * 3;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("second image: %d\n", stage(7));
		return 0;
	}
	printf("first image: %d\n", stage(2));
	fflush(stdout);
	execl("/proc/self/exe", argv[0], "again", (char *)NULL);
	return 1;
}
