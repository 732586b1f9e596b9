/*
 * prctl_name: PR_SET_NAME/PR_GET_NAME (truncation to 15 bytes) seen through
 * /proc/self/comm, and a few read-only prctl queries; bad options and pointers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static void comm(char *out, size_t size)
{
	int fd = open("/proc/self/comm", O_RDONLY);
	CHECK(fd >= 0);
	ssize_t n = read(fd, out, size - 1);
	CHECK(n > 0 && out[n - 1] == '\n');
	out[n - 1] = 0;
	CHECK(close(fd) == 0);
}

int main(void)
{
	char name[32], proc[64];

	memset(name, 0, sizeof(name));
	CHECK(prctl(PR_GET_NAME, name) == 0);
	comm(proc, sizeof(proc));
	printf("initial name '%s', comm '%s'\n", name, proc);
	CHECK(strcmp(name, proc) == 0);

	CHECK(prctl(PR_SET_NAME, "rewind-test") == 0);
	CHECK(prctl(PR_GET_NAME, name) == 0);
	comm(proc, sizeof(proc));
	printf("after PR_SET_NAME: '%s', comm '%s'\n", name, proc);
	CHECK(strcmp(name, "rewind-test") == 0 && strcmp(proc, "rewind-test") == 0);

	CHECK(prctl(PR_SET_NAME, "a-name-much-longer-than-sixteen-bytes") == 0);
	memset(name, 'x', sizeof(name));
	CHECK(prctl(PR_GET_NAME, name) == 0);
	printf("long name truncated to '%s' (%zu bytes)\n", name, strlen(name));
	CHECK(strlen(name) == 15 && strncmp(name, "a-name-much-lon", 15) == 0);
	char *tail = tail_alloc(16);
	CHECK(prctl(PR_GET_NAME, tail) == 0 && strcmp(tail, name) == 0);

	int dumpable = prctl(PR_GET_DUMPABLE);
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	int slack = prctl(PR_GET_TIMERSLACK);
	int pdeath = -1;
	CHECK(prctl(PR_GET_PDEATHSIG, &pdeath) == 0);
	printf("dumpable %d no_new_privs %d timerslack %d pdeathsig %d\n", dumpable, nnp, slack,
	       pdeath);
	CHECK(dumpable >= 0 && nnp >= 0 && slack > 0);

	CHECK_ERR(prctl(PR_GET_NAME, (void *)1), EFAULT);
	CHECK_ERR(prctl(PR_SET_NAME, (void *)1), EFAULT);
	CHECK_ERR(prctl(0x7fff1234, 0, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
	CHECK(prctl(PR_SET_NAME, "") == 0);
	CHECK(prctl(PR_GET_NAME, name) == 0 && name[0] == 0);
	printf("empty name accepted\n");
	printf("EXIT-SUCCESS\n");
	return 0;
}
