/*
 * Reads its own file through an unbuffered stdio stream: each fread is
 * libc's own read, at a syscall site the recorder patches after the
 * first reads (sysbuf_sites.sh).
 */
#include <stdio.h>

static volatile int phase;

void reads_start(void);

__attribute__((noinline)) void reads_start(void)
{
	phase = 1;
}

int main(int argc, char **argv)
{
	unsigned char c[16];
	unsigned sum = 0;
	FILE *f;

	(void)argc;
	if (!(f = fopen(argv[0], "rb")) || setvbuf(f, NULL, _IONBF, 0))
		return 1;
	for (int i = 0; i < 4; i++)
		sum += (unsigned)fread(c, 1, sizeof(c), f);
	reads_start();
	for (int i = 0; i < 50; i++) {
		size_t n = fread(c, 1, sizeof(c), f);

		for (size_t k = 0; k < n; k++)
			sum = sum * 31 + c[k];
	}
	printf("sum %u\n", sum);
	return fclose(f) != 0;
}
