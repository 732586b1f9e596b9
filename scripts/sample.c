/*
 * The program scripts/demo records and replays: it reads the file named on
 * its command line and prints what it found, plus things that differ on every
 * run (time, process id, random bytes), which the replay reproduces exactly.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/etc/os-release";
	char line[512];
	unsigned char random_bytes[8];
	struct timespec now;
	int lines = 0, words = 0;
	FILE *f;

	printf("hello from pid %d\n", getpid());
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		lines++;
		for (char *w = strtok(line, " \t\n"); w; w = strtok(NULL, " \t\n"))
			words++;
	}
	fclose(f);
	printf("%s: %d lines, %d words\n", path, lines, words);

	clock_gettime(CLOCK_REALTIME, &now);
	printf("the time is %lld.%09ld\n", (long long)now.tv_sec, now.tv_nsec);
	if (getrandom(random_bytes, sizeof(random_bytes), 0) != (ssize_t)sizeof(random_bytes)) {
		perror("getrandom");
		return 1;
	}
	printf("random bytes:");
	for (size_t i = 0; i < sizeof(random_bytes); i++)
		printf(" %02x", random_bytes[i]);
	printf("\n");
	return 0;
}
