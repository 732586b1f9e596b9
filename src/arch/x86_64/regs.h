/*
 * x86_64 general registers as rewind stores them: the kernel's whole
 * user_regs_struct (27 words, FS/GS selectors and bases included), kept as
 * a flat array so the trace format and the replayer need not know the
 * field names. Everything that names a register field lives here.
 */
#ifndef REWIND_ARCH_X86_64_REGS_H
#define REWIND_ARCH_X86_64_REGS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#define X86_NREGS 27
/* The trap flag in eflags: single-stepping. */
#define X86_EFLAGS_TF 0x100ull

/* Indices into the flat array, in user_regs_struct order. */
enum x86_reg_index {
	X86_R15,
	X86_R14,
	X86_R13,
	X86_R12,
	X86_RBP,
	X86_RBX,
	X86_R11,
	X86_R10,
	X86_R9,
	X86_R8,
	X86_RAX,
	X86_RCX,
	X86_RDX,
	X86_RSI,
	X86_RDI,
	X86_ORIG_RAX,
	X86_RIP,
	X86_CS,
	X86_EFLAGS,
	X86_RSP,
	X86_SS,
	X86_FS_BASE,
	X86_GS_BASE,
	X86_DS,
	X86_ES,
	X86_FS,
	X86_GS,
};

_Static_assert(sizeof(struct user_regs_struct) == X86_NREGS * 8, "user_regs_struct layout");

const char *x86_reg_name(int idx);
void x86_regs_to_array(const struct user_regs_struct *r, uint64_t out[X86_NREGS]);
void x86_regs_from_array(struct user_regs_struct *r, const uint64_t in[X86_NREGS]);
/* Syscall number and arguments at a syscall stop. */
long x86_regs_sysno(const uint64_t regs[X86_NREGS]);
void x86_regs_args(const uint64_t regs[X86_NREGS], uint64_t args[6]);
int64_t x86_regs_result(const uint64_t regs[X86_NREGS]);
uint64_t x86_regs_ip(const uint64_t regs[X86_NREGS]);
/* Length of the syscall instruction (0f 05): a stop after it has ip = insn + 2. */
#define X86_SYSCALL_INSN_LEN 2

/*
 * Writes one line per differing register ("  rip: recorded 0x... replay 0x...")
 * into out; returns how many registers differ.
 */
int x86_regs_diff(const uint64_t recorded[X86_NREGS], const uint64_t live[X86_NREGS], char *out,
		  size_t outlen);

#endif
