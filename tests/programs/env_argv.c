/*
 * env_argv: prints argc, every argument and every environment variable, and checks
 * them against /proc/self/cmdline and /proc/self/environ.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

/* Reads a NUL-separated /proc file into BUF; returns its length. */
static size_t read_proc(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	for (;;) {
		ssize_t n = read(fd, buf + len, size - len);
		CHECK(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
		CHECK(len < size);
	}
	CHECK(close(fd) == 0);
	return len;
}

/* Whether the NUL-separated strings in BUF contain S. */
static int contains(const char *buf, size_t len, const char *s)
{
	for (size_t off = 0; off < len; off += strlen(buf + off) + 1)
		if (strcmp(buf + off, s) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int envc = 0;

	printf("argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = '%s'\n", i, argv[i]);
	CHECK(argv[argc] == NULL);
	for (char **e = environ; *e; e++, envc++)
		printf("env: %s\n", *e);
	printf("%d environment variables\n", envc);
	static char buf[1 << 20];
	size_t len = read_proc("/proc/self/cmdline", buf, sizeof(buf)), off = 0;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		CHECK(off + l <= len && memcmp(buf + off, argv[i], l) == 0);
		off += l;
	}
	CHECK(off == len);
	printf("/proc/self/cmdline matches argv (%zu bytes)\n", len);

	/* Start-up code may drop variables from environ, never add to it. */
	len = read_proc("/proc/self/environ", buf, sizeof(buf));
	for (char **e = environ; *e; e++)
		CHECK(contains(buf, len, *e));
	printf("/proc/self/environ holds every variable\n");
	CHECK(setenv("REWIND_TEST_VARIABLE", "set by env_argv", 1) == 0);
	printf("getenv after setenv: %s\n", getenv("REWIND_TEST_VARIABLE"));
	CHECK(strcmp(getenv("REWIND_TEST_VARIABLE"), "set by env_argv") == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
