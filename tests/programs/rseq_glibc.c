/*
 * rseq_glibc: glibc's own rseq registration: sched_getcpu (which reads
 * cpu_id from the rseq area) and the area itself found through
 * __rseq_offset, __rseq_size and __rseq_flags.
 */
#define _GNU_SOURCE
#include <linux/rseq.h>
#include <sched.h>
#include <stdio.h>
#include <sys/rseq.h>

int main(void)
{
	struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	int cpu = sched_getcpu();

	printf("rseq size %u flags %u\n", __rseq_size, __rseq_flags);
	if (!__rseq_size) {
		printf("glibc did not register rseq\nEXIT-SUCCESS\n");
		return 0;
	}
	printf("sched_getcpu %d, cpu_id %u, cpu_id_start %u\n", cpu, rs->cpu_id, rs->cpu_id_start);
	if ((unsigned)cpu != rs->cpu_id || rs->cpu_id != rs->cpu_id_start)
		return 1;
	for (int i = 0; i < 1000; i++)
		if (sched_getcpu() != cpu)
			return 1;
	printf("stable over 1000 calls\nEXIT-SUCCESS\n");
	return 0;
}
