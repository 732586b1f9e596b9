/*
 * tsc_vdso: time stamp counter and vDSO values: rdtsc and rdtscp (trapped
 * and logged by the recorder), and clock_gettime, gettimeofday, time and
 * getcpu, which glibc answers from the vDSO (patched into real syscalls by
 * the recorder). Every value is printed: replay must print the same.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <x86intrin.h>

int main(void)
{
	unsigned aux = 0, cpu = 0, node = 0;
	uint64_t t0 = __rdtsc(), t1 = __rdtscp(&aux), t2 = __rdtsc();
	struct timespec rt, mono, boot, cpu_time;
	struct timeval tv;
	time_t now;

	printf("rdtsc %llu, rdtscp %llu (aux %u), rdtsc %llu\n", (unsigned long long)t0,
	       (unsigned long long)t1, aux, (unsigned long long)t2);
	if (!(t0 < t1 && t1 < t2))
		return 1;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_time);
	gettimeofday(&tv, NULL);
	now = time(NULL);
	printf("realtime %lld.%09ld monotonic %lld.%09ld boottime %lld.%09ld cputime %lld.%09ld\n",
	       (long long)rt.tv_sec, rt.tv_nsec, (long long)mono.tv_sec, mono.tv_nsec,
	       (long long)boot.tv_sec, boot.tv_nsec, (long long)cpu_time.tv_sec, cpu_time.tv_nsec);
	printf("gettimeofday %lld.%06ld time %lld\n", (long long)tv.tv_sec, (long)tv.tv_usec,
	       (long long)now);
	if (getcpu(&cpu, &node))
		return 1;
	printf("getcpu cpu %u node %u, rdtscp aux cpu %u\n", cpu, node, aux & 0xfff);
	for (int i = 0; i < 100; i++) {
		uint64_t a = __rdtsc(), b = __rdtsc();

		if (b <= a)
			return 1;
	}
	printf("EXIT-SUCCESS\n");
	return 0;
}
