/* CPU affinity of rewind's threads; see cpu_affinity.h. */
#define _GNU_SOURCE
#include "cpu_affinity.h"

#include <sched.h>
#include <unistd.h>

int rw_cpu_pick(int preferred)
{
	cpu_set_t set;

	if (preferred < 0)
		preferred = sched_getcpu();
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return preferred < 0 ? 0 : preferred;
	if (preferred >= 0 && preferred < CPU_SETSIZE && CPU_ISSET(preferred, &set))
		return preferred;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return 0;
}

void rw_cpu_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

void rw_cpu_any(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	for (long c = 0; c < n && c < CPU_SETSIZE; c++)
		CPU_SET(c, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

void rw_cpu_avoid(int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	for (long c = 0; c < n && c < CPU_SETSIZE; c++)
		if (c != cpu || n == 1)
			CPU_SET(c, &set);
	sched_setaffinity(0, sizeof(set), &set);
}
