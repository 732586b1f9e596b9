/*
 * A program whose registers hold known values while it is in marker():
 * the x87 stack holds pi (st0) and 1.0 (st1); with AVX-512, the 32-bit
 * lane j of zmm<n> holds n * 256 + j + 1 (zmm0 = 1..16, zmm31 =
 * 0x1f01..0x1f10) and k<n> holds 0x5a5a5a5a12345677 + n (k1 =
 * 0x5a5a5a5a12345678); without it, the lanes ymm0-15 (or xmm0-15) have. The gdb tests stop at
 * marker() and print them; where gdb's own reading of a live process depends on the XSAVE layout
 * (opmask and the upper halves of the zmm registers, zmm16-31), they are
 * compared with these values rather than with a native gdb session.
 *
 * With the argument "spin" it loops forever instead, for interrupt tests.
 * With "timer" it waits, spinning in user code once the values are
 * loaded, for a SIGALRM: recorded, that makes an execution point there,
 * which replay restores (registers and XSAVE state from the trace)
 * instead of running the code before it.
 *
 * The registers are loaded and marker() called from assembly, so that no
 * compiler-generated code (a vzeroupper, an SSE move) runs in between.
 */
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

__attribute__((visibility("hidden"), used, aligned(64))) uint32_t known_zmm[32][16];
__attribute__((visibility("hidden"), used)) volatile int alarm_seen = 1;

__attribute__((noinline, visibility("hidden"))) void marker(void);
__attribute__((noinline, visibility("hidden"))) void marker(void)
{
	__asm__ volatile("" ::: "memory");
}

/*
 * load_and_mark(int vector): loads the known values (vector 2: AVX-512,
 * 1: ymm0-15 only, their first eight lanes, 0: xmm0-15, four), waits
 * until alarm_seen is set, calls marker(), pops the x87 stack.
 */
void load_and_mark(int vector);
__asm__(".text\n"
	".globl load_and_mark\n"
	".type load_and_mark, @function\n"
	"load_and_mark:\n"
	"	.cfi_startproc\n"
	"	cmp $1, %edi\n"
	"	je 2f\n"
	"	jb 3f\n"
	"	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqa32 known_zmm+64*\\n(%rip), %zmm\\n\n"
	"	.endr\n"
	"	.irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	vmovdqa32 known_zmm+64*\\n(%rip), %zmm\\n\n"
	"	.endr\n"
	"	movabs $0x5a5a5a5a12345677, %rax\n"
	"	.irp n, 0,1,2,3,4,5,6,7\n"
	"	kmovq %rax, %k\\n\n"
	"	inc %rax\n"
	"	.endr\n"
	"	jmp 1f\n"
	"2:	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqa known_zmm+64*\\n(%rip), %ymm\\n\n"
	"	.endr\n"
	"	jmp 1f\n"
	"3:	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqa known_zmm+64*\\n(%rip), %xmm\\n\n"
	"	.endr\n"
	"1:	pause\n"
	"	cmpl $0, alarm_seen(%rip)\n"
	"	je 1b\n"
	"	fld1\n"
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

/* What load_and_mark can load here: 2 AVX-512, 1 AVX, 0 SSE. */
static int vector_kind(void)
{
	unsigned a, b, c, d, xcr0_lo, xcr0_hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
	if ((xcr0_lo & 0x6) != 0x6 || !(c & bit_AVX))
		return 0;
	if ((xcr0_lo & 0xe6) != 0xe6 || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 1;
	return (b & bit_AVX512F) && (b & bit_AVX512BW) ? 2 : 1;
}

static void on_alarm(int sig)
{
	(void)sig;
	alarm_seen = 1;
}

int main(int argc, char **argv)
{
	int vector = vector_kind();

	if (argc > 1 && strcmp(argv[1], "spin") == 0)
		for (;;)
			__asm__ volatile("pause");
	for (int n = 0; n < 32; n++)
		for (int j = 0; j < 16; j++)
			known_zmm[n][j] = (uint32_t)(n * 256 + j + 1);
	if (argc > 1 && strcmp(argv[1], "timer") == 0) {
		struct itimerval once = {.it_value = {.tv_usec = 20000}};

		signal(SIGALRM, on_alarm);
		alarm_seen = 0;
		setitimer(ITIMER_REAL, &once, NULL);
	}
	load_and_mark(vector);
	printf("known_regs: avx512 %s\n", vector == 2 ? "yes" : "no");
	return 0;
}
