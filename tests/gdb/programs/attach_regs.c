/*
 * attach_regs: a program to attach to with state in registers that ptrace
 * reads through the XSAVE area and the FS/GS bases (tests/gdb/attach_regs.sh).
 * Two threads set their GS base, one by arch_prctl(ARCH_SET_GS), the other
 * by wrgsbase where the CPU and kernel allow it, load zmm7 and k3 with
 * values of their own and spin in assembly, holding them, until a third
 * thread has seen the process traced (and waited 200 ms more). Each then
 * stores what zmm7 and k3 hold, calls probe() and prints its values in the
 * form the test has gdb print them. Without AVX-512 the threads hold ymm7
 * alone (AVX2), and print that.
 */
#include <asm/prctl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif

static volatile int go;
static uint64_t area[2][4];

void probe(int who);

void __attribute__((noinline)) probe(int who)
{
	__asm__ volatile("" ::"r"(who));
}

/* Loads zmm7 and k3 from in and kin, spins until go, and stores them back. */
__attribute__((target("avx512f,avx512bw"))) static void hold(const uint64_t *in,
							      const uint64_t *kin, uint64_t *out,
							      uint64_t *kout)
{
	__asm__ volatile("vmovdqu64 (%[in]), %%zmm7\n\t"
			 "kmovq (%[kin]), %%k3\n\t"
			 "1: pause\n\t"
			 "cmpl $0, (%[go])\n\t"
			 "je 1b\n\t"
			 "vmovdqu64 %%zmm7, (%[out])\n\t"
			 "kmovq %%k3, (%[kout])\n\t"
			 :
			 : [in] "r"(in), [kin] "r"(kin), [go] "r"(&go), [out] "r"(out),
			   [kout] "r"(kout)
			 : "memory", "cc", "xmm7", "k3");
}

/* Without AVX-512: ymm7 alone, likewise. */
__attribute__((target("avx2"))) static void hold_ymm(const uint64_t *in, uint64_t *out)
{
	__asm__ volatile("vmovdqu (%[in]), %%ymm7\n\t"
			 "1: pause\n\t"
			 "cmpl $0, (%[go])\n\t"
			 "je 1b\n\t"
			 "vmovdqu %%ymm7, (%[out])\n\t"
			 :
			 : [in] "r"(in), [go] "r"(&go), [out] "r"(out)
			 : "memory", "cc", "xmm7");
}

static int avx512;

static void *spin(void *arg)
{
	int who = (int)(long)arg;
	uint64_t in[8], out[8], k = 0x5a5a0000f0f0ull + (uint64_t)who, kout = 0, gs = 0;

	for (int i = 0; i < 8; i++)
		in[i] = 0x1111111100000000ull * (uint64_t)(who + 1) + (uint64_t)i * 0x10101 + 1;
	if (who == 1 && (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE))
		__asm__ volatile("wrgsbase %0" ::"r"((uint64_t)area[who]));
	else
		syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)area[who]);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs);
	if (!avx512) {
		hold_ymm(in, out);
		probe(who);
		printf("who=%d gs_base=%#lx ymm7=%#lx,%#lx,%#lx,%#lx\n", who, (unsigned long)gs,
		       (unsigned long)out[0], (unsigned long)out[1], (unsigned long)out[2],
		       (unsigned long)out[3]);
		return NULL;
	}
	hold(in, &k, out, &kout);
	probe(who);
	printf("who=%d gs_base=%#lx zmm7=%#lx,%#lx,%#lx,%#lx,%#lx,%#lx,%#lx,%#lx k3=%#lx\n", who,
	       (unsigned long)gs, (unsigned long)out[0], (unsigned long)out[1],
	       (unsigned long)out[2], (unsigned long)out[3], (unsigned long)out[4],
	       (unsigned long)out[5], (unsigned long)out[6], (unsigned long)out[7],
	       (unsigned long)kout);
	return NULL;
}

static void *watch(void *arg)
{
	char line[256];

	(void)arg;
	for (int traced = 0; !traced; usleep(10000)) {
		FILE *f = fopen("/proc/self/status", "re");

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "TracerPid:", 10))
				traced = atoi(line + 10) != 0;
		if (f)
			fclose(f);
	}
	usleep(200000);
	go = 1;
	return NULL;
}

int main(void)
{
	pthread_t th[2];

	setvbuf(stdout, NULL, _IONBF, 0);
	__builtin_cpu_init();
	avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
	if (!avx512 && !__builtin_cpu_supports("avx2")) {
		printf("neither AVX-512 nor AVX2 here\n");
		return 1;
	}
	pthread_create(&th[0], NULL, spin, (void *)1L);
	pthread_create(&th[1], NULL, watch, NULL);
	printf("ready\n");
	spin((void *)0L);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("EXIT-SUCCESS\n");
	return 0;
}
