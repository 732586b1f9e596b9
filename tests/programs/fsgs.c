/*
 * fsgs: FS and GS bases: TLS through %fs (__thread), arch_prctl
 * ARCH_SET_GS/ARCH_GET_GS/ARCH_GET_FS, and where the CPU and kernel allow
 * it (HWCAP2_FSGSBASE) wrgsbase/rdgsbase/rdfsbase in user code; values
 * read through %gs.
 */
#include <asm/prctl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif

static __thread long tls_counter = 41;
static uint64_t area_a[4] = {0x1111, 0x2222, 0x3333, 0x4444};
static uint64_t area_b[4] = {0xaaaa, 0xbbbb, 0xcccc, 0xdddd};

static uint64_t read_gs(int index)
{
	uint64_t v;

	if (index == 0)
		__asm__ volatile("movq %%gs:0, %0" : "=r"(v));
	else
		__asm__ volatile("movq %%gs:8, %0" : "=r"(v));
	return v;
}

int main(void)
{
	unsigned long fs = 0, gs = 0;

	tls_counter++;
	printf("tls counter %ld at %p\n", tls_counter, (void *)&tls_counter);
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) || !fs)
		return 1;
	printf("fs base is set: %s\n", fs ? "yes" : "no");
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)area_a))
		return 1;
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs);
	printf("gs base is area a: %s, %%gs:0 = %#lx, %%gs:8 = %#lx\n",
	       gs == (unsigned long)area_a ? "yes" : "no", (unsigned long)read_gs(0),
	       (unsigned long)read_gs(1));
	if (read_gs(0) != 0x1111)
		return 1;
	if (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) {
		uint64_t f, g;

		__asm__ volatile("wrgsbase %0" ::"r"((uint64_t)area_b));
		__asm__ volatile("rdgsbase %0" : "=r"(g));
		__asm__ volatile("rdfsbase %0" : "=r"(f));
		printf(
		    "wrgsbase: %%gs:8 = %#lx, rdgsbase is area b: %s, rdfsbase = arch_prctl: %s\n",
		    (unsigned long)read_gs(1), g == (uint64_t)area_b ? "yes" : "no",
		    f == fs ? "yes" : "no");
		if (read_gs(1) != 0xbbbb || f != fs)
			return 1;
		/* A syscall after a user-space wrgsbase keeps it. */
		getppid();
		printf("after a syscall %%gs:0 = %#lx\n", (unsigned long)read_gs(0));
		if (read_gs(0) != 0xaaaa)
			return 1;
	} else {
		printf("no FSGSBASE instructions here\n");
	}
	printf("EXIT-SUCCESS\n");
	return 0;
}
