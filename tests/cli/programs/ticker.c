/*
 * Prints a numbered line every 10 ms until it is stopped (or for a minute at
 * most, so that a test that fails to stop it does not leave it running).
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
	struct timespec tick = {0, 10 * 1000 * 1000};

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 6000; i++) {
		printf("line %d\n", i);
		nanosleep(&tick, NULL);
	}
	printf("EXIT-SUCCESS\n");
	return 0;
}
