/*
 * stdin_read: reads all of standard input with read(2) in odd-sized pieces and prints
 * its size, line count, first line and a checksum; works for an empty stdin too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	static char data[1 << 22];
	struct stat st;
	size_t len = 0;
	int reads = 0;

	CHECK(fstat(0, &st) == 0);
	printf("stdin is a %s\n", S_ISREG(st.st_mode)	 ? "regular file"
				  : S_ISCHR(st.st_mode)	 ? "character device"
				  : S_ISFIFO(st.st_mode) ? "pipe"
							 : "something else");
	for (;;) {
		size_t want = 777;
		if (want > sizeof(data) - len)
			want = sizeof(data) - len;
		if (want == 0)
			break;
		ssize_t n = read(0, data + len, want);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n >= 0);
		reads++;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	uint32_t h = 2166136261u;
	size_t lines = 0, first = len;
	for (size_t i = 0; i < len; i++) {
		h = (h ^ (unsigned char)data[i]) * 16777619u;
		if (data[i] == '\n') {
			lines++;
			if (first == len)
				first = i;
		}
	}
	printf("read %zu bytes in %d reads, %zu lines, fnv %08x\n", len, reads, lines, h);
	printf("first line: '%.*s'\n", (int)(first < 200 ? first : 200), data);
	if (S_ISREG(st.st_mode))
		CHECK((off_t)len == st.st_size);
	CHECK(read(0, data, 10) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
