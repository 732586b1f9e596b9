/*
 * large_output: one MiB of numbered lines written straight to stdout with write(2) in
 * chunks of uneven sizes (partial writes are continued), then a checksum of it all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

static uint32_t crc = 2166136261u;

static void write_all(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		crc = (crc ^ (unsigned char)p[i]) * 16777619u;
	while (n > 0) {
		ssize_t w = write(1, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		CHECK(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

int main(void)
{
	enum { TOTAL = 1 << 20 };
	static char data[TOTAL];
	static const size_t chunks[] = {1, 4096, 65536, 7, 100000, 4095, 333, 131072, 1000};
	size_t len = 0;
	int line = 0;

	/* Numbered lines of varying length, exactly TOTAL bytes, ending in a newline. */
	while (len < TOTAL) {
		char tmp[96];
		int n = snprintf(tmp, sizeof(tmp), "line %06d %.*s\n", line, line % 61,
				 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		size_t take = (size_t)n < TOTAL - len ? (size_t)n : TOTAL - len;
		memcpy(data + len, tmp, take);
		len += take;
		line++;
	}
	data[TOTAL - 1] = '\n';

	size_t off = 0, calls = 0;
	while (off < TOTAL) {
		size_t n = chunks[calls % (sizeof(chunks) / sizeof(chunks[0]))];
		if (n > TOTAL - off)
			n = TOTAL - off;
		write_all(data + off, n);
		off += n;
		calls++;
	}
	printf("wrote %zu bytes in %zu chunks, %d lines, fnv %08x\n", off, calls, line, crc);
	CHECK(off == TOTAL);
	printf("EXIT-SUCCESS\n");
	return 0;
}
