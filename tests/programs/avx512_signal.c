/*
 * avx512_signal: AVX-512 state (zmm0, zmm17, k1) kept live across signal
 * handlers that use AVX-512 themselves: the kernel saves and restores it
 * through the signal frame, and replay must give the same values (the
 * replayer checks each XSAVE component at every signal).
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

int main(void)
{
	if (!__builtin_cpu_supports("avx512f")) {
		printf("no AVX-512 on this CPU: nothing to check\nEXIT-SUCCESS\n");
		return 0;
	}
	signal(SIGUSR1, handler);
	if (run())
		return 1;
	printf("EXIT-SUCCESS\n");
	return 0;
}
