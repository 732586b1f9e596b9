/* Register naming and the flat register array; see regs.h. */
#include "arch/x86_64/regs.h"

#include <stdio.h>
#include <string.h>

static const char *const reg_names[X86_NREGS] = {
    "r15",    "r14", "r13", "r12",     "rbp",	  "rbx", "r11",	     "r10", "r9",
    "r8",     "rax", "rcx", "rdx",     "rsi",	  "rdi", "orig_rax", "rip", "cs",
    "eflags", "rsp", "ss",  "fs_base", "gs_base", "ds",	 "es",	     "fs",  "gs",
};

const char *x86_reg_name(int idx)
{
	return idx >= 0 && idx < X86_NREGS ? reg_names[idx] : "?";
}

void x86_regs_to_array(const struct user_regs_struct *r, uint64_t out[X86_NREGS])
{
	memcpy(out, r, sizeof(*r));
}

void x86_regs_from_array(struct user_regs_struct *r, const uint64_t in[X86_NREGS])
{
	memcpy(r, in, sizeof(*r));
}

long x86_regs_sysno(const uint64_t regs[X86_NREGS])
{
	return (long)regs[X86_ORIG_RAX];
}

void x86_regs_args(const uint64_t regs[X86_NREGS], uint64_t args[6])
{
	args[0] = regs[X86_RDI];
	args[1] = regs[X86_RSI];
	args[2] = regs[X86_RDX];
	args[3] = regs[X86_R10];
	args[4] = regs[X86_R8];
	args[5] = regs[X86_R9];
}

int64_t x86_regs_result(const uint64_t regs[X86_NREGS])
{
	return (int64_t)regs[X86_RAX];
}

uint64_t x86_regs_ip(const uint64_t regs[X86_NREGS])
{
	return regs[X86_RIP];
}

int x86_regs_diff(const uint64_t recorded[X86_NREGS], const uint64_t live[X86_NREGS], char *out,
		  size_t outlen)
{
	int n = 0;
	size_t used = 0;

	if (outlen)
		out[0] = '\0';
	for (int i = 0; i < X86_NREGS; i++) {
		if (recorded[i] == live[i])
			continue;
		n++;
		if (used < outlen) {
			int w =
			    snprintf(out + used, outlen - used,
				     "  %-8s recorded 0x%016llx  replay 0x%016llx\n", reg_names[i],
				     (unsigned long long)recorded[i], (unsigned long long)live[i]);
			if (w > 0)
				used += (size_t)w;
		}
	}
	return n;
}
