/*
 * sched_affinity: the CPU affinity mask (sched_getaffinity with several sizes), the
 * current CPU (sched_getcpu, the getcpu syscall) being in it, scheduler policy and
 * parameters, sched_yield, and bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	cpu_set_t set;
	struct sched_param param;

	CPU_ZERO(&set);
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
	int count = CPU_COUNT(&set);
	printf("affinity: %d CPUs:", count);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			printf(" %d", c);
	printf("\n");
	CHECK(count >= 1);

	/* The raw call returns the kernel's mask size in bytes. */
	unsigned long raw[16];
	long n = syscall(SYS_sched_getaffinity, 0, sizeof(raw), raw);
	printf("raw sched_getaffinity returned %ld bytes, first word %#lx\n", n, raw[0]);
	CHECK(n > 0 && n % 8 == 0 && n <= (long)sizeof(raw));
	CHECK(memcmp(raw, &set, (size_t)n) == 0);
	unsigned long *tail = tail_alloc((size_t)n);
	CHECK(syscall(SYS_sched_getaffinity, 0, n, tail) == n && memcmp(tail, raw, (size_t)n) == 0);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 4, raw), EINVAL);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 7, raw), EINVAL);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof(raw), (void *)1), EFAULT);
	CHECK_ERR(sched_getaffinity(0x7ffffff0, sizeof(set), &set), ESRCH);

	int cpu = sched_getcpu();
	unsigned raw_cpu = 12345, node = 12345;
	CHECK(syscall(SYS_getcpu, &raw_cpu, &node, NULL) == 0);
	printf("sched_getcpu %d, getcpu syscall cpu %u node %u\n", cpu, raw_cpu, node);
	CHECK(cpu >= 0 && CPU_ISSET(cpu, &set) && CPU_ISSET(raw_cpu, &set));
	CHECK_ERR(syscall(SYS_getcpu, (void *)1, NULL, NULL), EFAULT);

	/*
	 * The mask is the machine's as natively (rewind runs the program on one
	 * CPU, but thread pools size themselves from this): as many CPUs as
	 * are online when nothing restricted this run.
	 */
	if (getenv("AFFINITY_EXPECT_ALL")) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);

		printf("online CPUs %s the mask\n", count == online ? "match" : "DIFFER FROM");
		CHECK(count == online);
	}
	/* A mask set is the one read back, in this thread and in a child thread's view of it. */
	cpu_set_t one, back;
	int first = -1;

	for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
		if (CPU_ISSET(c, &set))
			first = c;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
	CHECK(sched_getaffinity(0, sizeof(back), &back) == 0 && CPU_EQUAL(&one, &back));
	CHECK(sched_getaffinity(getpid(), sizeof(back), &back) == 0 && CPU_EQUAL(&one, &back));
	printf("set to CPU %d and read back\n", first);
	CPU_ZERO(&back);
	CHECK_ERR(sched_setaffinity(0, sizeof(back), &back), EINVAL);
	CHECK_ERR(syscall(SYS_sched_setaffinity, 0, sizeof(raw), (void *)1), EFAULT);
	CHECK(sched_setaffinity(0, sizeof(set), &set) == 0);
	CHECK(sched_getaffinity(0, sizeof(back), &back) == 0 && CPU_EQUAL(&set, &back));
	printf("whole mask back\n");

	int policy = sched_getscheduler(0);
	CHECK(sched_getparam(0, &param) == 0);
	printf("policy %d priority %d, range %d..%d\n", policy, param.sched_priority,
	       sched_get_priority_min(policy), sched_get_priority_max(policy));
	CHECK(policy >= 0);
	CHECK(sched_yield() == 0);
	CHECK_ERR(sched_get_priority_max(12345), EINVAL);
	CHECK_ERR(sched_getscheduler(-1), EINVAL);
	printf("EXIT-SUCCESS\n");
	return 0;
}
