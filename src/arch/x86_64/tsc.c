/* rdtsc/rdtscp emulation; see tsc.h. */
#include "arch/x86_64/tsc.h"

#include <string.h>

int x86_tsc_insn_len(const uint8_t code[3], int *is_rdtscp)
{
	*is_rdtscp = 0;
	if (code[0] == 0x0f && code[1] == 0x31)
		return 2;
	if (code[0] == 0x0f && code[1] == 0x01 && code[2] == 0xf9) {
		*is_rdtscp = 1;
		return 3;
	}
	return 0;
}

void x86_tsc_emulate(uint64_t regs[X86_NREGS], int len, int is_rdtscp)
{
	uint32_t lo, hi, aux = 0;

	if (is_rdtscp)
		__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	else
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	regs[X86_RAX] = lo;
	regs[X86_RDX] = hi;
	if (is_rdtscp)
		regs[X86_RCX] = aux;
	regs[X86_RIP] += (uint64_t)len;
}

int x86_tsc_single_step_trap(const uint64_t regs[X86_NREGS])
{
	return (regs[X86_EFLAGS] & X86_EFLAGS_TF) != 0;
}

int x86_tsc_regs_match(const uint64_t recorded[X86_NREGS], const uint64_t live[X86_NREGS], int len,
		       int is_rdtscp)
{
	uint64_t expect[X86_NREGS];

	memcpy(expect, live, sizeof(expect));
	expect[X86_RAX] = recorded[X86_RAX];
	expect[X86_RDX] = recorded[X86_RDX];
	if (is_rdtscp)
		expect[X86_RCX] = recorded[X86_RCX];
	expect[X86_RIP] += (uint64_t)len;
	return memcmp(expect, recorded, sizeof(expect)) == 0;
}
