/*
 * avx512_signal: AVX-512 state (zmm0, zmm17, k1) kept live across signal
 * handlers that use AVX-512 themselves: the kernel saves and restores it
 * through the signal frame, and replay must give the same values (the
 * replayer checks each XSAVE component at every signal). Without AVX-512,
 * ymm0 and ymm15 (their upper halves are AVX state) are kept instead.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t handled;

__attribute__((target("avx512f"))) static void clobber(void)
{
	__asm__ volatile("vpternlogd $0xff, %%zmm0, %%zmm0, %%zmm0\n\t"
			 "vpternlogd $0xff, %%zmm17, %%zmm17, %%zmm17\n\t"
			 "kxnorw %%k1, %%k1, %%k1" ::
			     : "xmm0", "xmm17", "k1");
}

static void handler(int sig)
{
	(void)sig;
	clobber();
	handled++;
}

__attribute__((target("avx512f"))) static int run(void)
{
	uint32_t in[16], out0[16], out17[16];
	uint16_t k = 0;

	for (int i = 0; i < 16; i++)
		in[i] = 0x1000u * (uint32_t)i + 7;
	for (int round = 0; round < 3; round++) {
		__asm__ volatile("vmovdqu32 %[in], %%zmm0\n\t"
				 "vpaddd %%zmm0, %%zmm0, %%zmm17\n\t"
				 "movw $0xa5a5, %%ax\n\t"
				 "kmovw %%eax, %%k1\n\t"
				 "movl %[sig], %%edi\n\t"
				 "call raise@PLT\n\t"
				 "vmovdqu32 %%zmm0, %[o0]\n\t"
				 "vmovdqu32 %%zmm17, %[o17]\n\t"
				 "kmovw %%k1, %%eax\n\t"
				 "movw %%ax, %[k]"
				 : [o0] "=m"(out0), [o17] "=m"(out17), [k] "=m"(k)
				 : [in] "m"(in), [sig] "i"(SIGUSR1)
				 : "rax", "rdi", "rsi", "rdx", "rcx", "r8", "r9", "r10", "r11",
				   "xmm0", "xmm17", "k1", "memory");
		printf("round %d: handled %d, zmm0[15]=%#x zmm17[15]=%#x k1=%#x\n", round,
		       (int)handled, out0[15], out17[15], k);
		if (memcmp(out0, in, sizeof(in)) || out17[15] != 2 * in[15] || k != 0xa5a5)
			return 1;
		in[15] += 1;
	}
	return 0;
}

/* Without AVX-512: the upper halves of ymm0 and ymm15 kept live across the same handlers. */
__attribute__((target("avx2"))) static void clobber_avx(void)
{
	__asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\t"
			 "vpcmpeqd %%ymm15, %%ymm15, %%ymm15" ::
			     : "xmm0", "xmm15");
}

static void handler_avx(int sig)
{
	(void)sig;
	clobber_avx();
	handled++;
}

__attribute__((target("avx2"))) static int run_avx(void)
{
	uint32_t in[8], out0[8], out15[8];

	for (int i = 0; i < 8; i++)
		in[i] = 0x1000u * (uint32_t)i + 7;
	for (int round = 0; round < 3; round++) {
		__asm__ volatile("vmovdqu %[in], %%ymm0\n\t"
				 "vpaddd %%ymm0, %%ymm0, %%ymm15\n\t"
				 "movl %[sig], %%edi\n\t"
				 "call raise@PLT\n\t"
				 "vmovdqu %%ymm0, %[o0]\n\t"
				 "vmovdqu %%ymm15, %[o15]"
				 : [o0] "=m"(out0), [o15] "=m"(out15)
				 : [in] "m"(in), [sig] "i"(SIGUSR1)
				 : "rax", "rdi", "rsi", "rdx", "rcx", "r8", "r9", "r10", "r11",
				   "xmm0", "xmm15", "memory");
		printf("round %d: handled %d, ymm0[7]=%#x ymm15[7]=%#x\n", round, (int)handled,
		       out0[7], out15[7]);
		if (memcmp(out0, in, sizeof(in)) || out15[7] != 2 * in[7])
			return 1;
		in[7] += 1;
	}
	return 0;
}

int main(void)
{
	if (!__builtin_cpu_supports("avx512f")) {
		if (!__builtin_cpu_supports("avx2")) {
			printf("no AVX2 on this CPU: nothing to check\nEXIT-SUCCESS\n");
			return 0;
		}
		signal(SIGUSR1, handler_avx);
		if (run_avx())
			return 1;
		printf("EXIT-SUCCESS\n");
		return 0;
	}
	signal(SIGUSR1, handler);
	if (run())
		return 1;
	printf("EXIT-SUCCESS\n");
	return 0;
}
