/*
 * Benchmark: 200,000 small reads (16 bytes each, with pread) from a file it
 * creates, i.e. system-call-bound work where each call costs the recorder a
 * stop unless it has a fast path. Usage: reads [FILE] [COUNT]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "reads-bench.dat";
	long count = argc > 2 ? atol(argv[2]) : 200000;
	enum { FILE_SIZE = 1 << 20 };
	static unsigned char data[FILE_SIZE];
	unsigned char buf[16];
	uint32_t hash = 2166136261u;

	for (int i = 0; i < FILE_SIZE; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 24);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, FILE_SIZE) != FILE_SIZE) {
		perror(path);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		off_t off = (off_t)((i * 7919) % (FILE_SIZE - 16));
		if (pread(fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf)) {
			perror("pread");
			return 1;
		}
		for (size_t j = 0; j < sizeof(buf); j++)
			hash = (hash ^ buf[j]) * 16777619u;
	}
	close(fd);
	unlink(path);
	printf("%ld reads of 16 bytes: fnv %08x\n", count, hash);
	return 0;
}
