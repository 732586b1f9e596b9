/*
 * rlimits: getrlimit/setrlimit/prlimit on several resources; a lowered RLIMIT_NOFILE
 * is enforced (EMFILE); bad resources and pointers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static void show(int resource, const char *name)
{
	struct rlimit rl;

	CHECK(getrlimit(resource, &rl) == 0);
	printf("%s: soft ", name);
	if (rl.rlim_cur == RLIM_INFINITY)
		printf("unlimited");
	else
		printf("%llu", (unsigned long long)rl.rlim_cur);
	printf(" hard ");
	if (rl.rlim_max == RLIM_INFINITY)
		printf("unlimited\n");
	else
		printf("%llu\n", (unsigned long long)rl.rlim_max);
	CHECK(rl.rlim_cur <= rl.rlim_max);
}

int main(void)
{
	struct rlimit rl, old;

	show(RLIMIT_CPU, "CPU");
	show(RLIMIT_FSIZE, "FSIZE");
	show(RLIMIT_DATA, "DATA");
	show(RLIMIT_STACK, "STACK");
	show(RLIMIT_CORE, "CORE");
	show(RLIMIT_NOFILE, "NOFILE");
	show(RLIMIT_AS, "AS");
	show(RLIMIT_NPROC, "NPROC");
	show(RLIMIT_MEMLOCK, "MEMLOCK");

	CHECK(prlimit(0, RLIMIT_NOFILE, NULL, &old) == 0);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == old.rlim_cur);
	rl.rlim_cur = 32;
	struct rlimit prev;
	CHECK(prlimit(getpid(), RLIMIT_NOFILE, &rl, &prev) == 0 && prev.rlim_cur == old.rlim_cur);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 32);
	printf("NOFILE soft limit lowered to 32\n");

	int fds[40], count = 0;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			CHECK(errno == EMFILE);
			break;
		}
		CHECK(count < 40);
		fds[count++] = fd;
	}
	printf("opened until EMFILE; highest fd %d\n", fds[count - 1]);
	CHECK(fds[count - 1] == 31);
	for (int i = 0; i < count; i++)
		CHECK(close(fds[i]) == 0);
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);

	rl.rlim_cur = 0;
	rl.rlim_max = old.rlim_max;
	CHECK(getrlimit(RLIMIT_CORE, &old) == 0);
	rl.rlim_max = old.rlim_max;
	CHECK(setrlimit(RLIMIT_CORE, &rl) == 0);
	show(RLIMIT_CORE, "CORE after setrlimit");

	rl.rlim_cur = 10;
	rl.rlim_max = 5;
	CHECK_ERR(setrlimit(RLIMIT_CORE, &rl), EINVAL);
	CHECK_ERR(getrlimit((__rlimit_resource_t)99, &rl), EINVAL);
	CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)1), EFAULT);
	CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, (void *)1), EFAULT);
	CHECK_ERR(prlimit(0x7ffffff0, RLIMIT_NOFILE, NULL, &rl), ESRCH);
	struct rlimit *tail = tail_alloc(sizeof(*tail));
	CHECK(prlimit(0, RLIMIT_STACK, NULL, tail) == 0 && tail->rlim_cur > 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
