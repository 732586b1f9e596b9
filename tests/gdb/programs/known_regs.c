/*
 * A program whose registers hold known values while it is in marker():
 * the x87 stack holds pi (st0) and 1.0 (st1); with AVX-512, zmm0 holds the
 * 32-bit lanes 1..16, zmm31 0x1f01..0x1f10 and k1 0x5a5a5a5a12345678. The
 * gdb tests stop at marker() and print them. With the argument "spin" it
 * loops forever instead, for interrupt tests.
 *
 * The registers are loaded and marker() called from assembly, so that no
 * compiler-generated code (a vzeroupper, an SSE move) runs in between.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

__attribute__((visibility("hidden"), used))
const uint32_t known_zmm0[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
__attribute__((visibility("hidden"), used))
const uint32_t known_zmm31[16] = {0x1f01, 0x1f02, 0x1f03, 0x1f04, 0x1f05, 0x1f06, 0x1f07, 0x1f08,
				  0x1f09, 0x1f0a, 0x1f0b, 0x1f0c, 0x1f0d, 0x1f0e, 0x1f0f, 0x1f10};

__attribute__((noinline, visibility("hidden"))) void marker(void);
__attribute__((noinline, visibility("hidden"))) void marker(void)
{
	__asm__ volatile("" ::: "memory");
}

/* load_and_mark(int avx512): loads the known values, calls marker(), pops the x87 stack. */
void load_and_mark(int avx512);
__asm__(".text\n"
	".globl load_and_mark\n"
	".type load_and_mark, @function\n"
	"load_and_mark:\n"
	"	.cfi_startproc\n"
	"	test %edi, %edi\n"
	"	jz 1f\n"
	"	vmovdqu32 known_zmm0(%rip), %zmm0\n"
	"	vmovdqu32 known_zmm31(%rip), %zmm31\n"
	"	movabs $0x5a5a5a5a12345678, %rax\n"
	"	kmovq %rax, %k1\n"
	"1:	fld1\n"
	"	fldpi\n"
	"	sub $8, %rsp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	call marker\n"
	"	add $8, %rsp\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	fstp %st(0)\n"
	"	fstp %st(0)\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size load_and_mark, .-load_and_mark\n");

static int have_avx512(void)
{
	unsigned a, b, c, d, xcr0_lo, xcr0_hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
	if ((xcr0_lo & 0xe6) != 0xe6)
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & bit_AVX512F) && (b & bit_AVX512BW);
}

int main(int argc, char **argv)
{
	int avx512 = have_avx512();

	if (argc > 1 && strcmp(argv[1], "spin") == 0)
		for (;;)
			__asm__ volatile("pause");
	load_and_mark(avx512);
	printf("known_regs: avx512 %s\n", avx512 ? "yes" : "no");
	return 0;
}
