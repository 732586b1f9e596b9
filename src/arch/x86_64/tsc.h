/*
 * rdtsc and rdtscp, trapped with PR_SET_TSC(PR_TSC_SIGSEGV): the recorder
 * executes the instruction itself and logs the values; the replayer sets
 * the logged ones.
 */
#ifndef REWIND_ARCH_X86_64_TSC_H
#define REWIND_ARCH_X86_64_TSC_H

#include <stdint.h>

#include "arch/x86_64/regs.h"

/* Length of the rdtsc (2) or rdtscp (3) instruction at code, or 0 if it is neither. */
int x86_tsc_insn_len(const uint8_t code[3], int *is_rdtscp);
/*
 * Emulates the instruction in regs as this CPU would run it: rax/rdx (and
 * rcx for rdtscp) set, rip moved past it.
 */
void x86_tsc_emulate(uint64_t regs[X86_NREGS], int len, int is_rdtscp);
/*
 * Whether the instruction ran with the program's trap flag (EFLAGS.TF)
 * set: the CPU raises a single-step trap (SIGTRAP, TRAP_TRACE, si_addr the
 * next instruction) after it, which an emulated one must be given too.
 */
int x86_tsc_single_step_trap(const uint64_t regs[X86_NREGS]);
/* True when live (at the fault) and recorded (after emulation) agree but for what the insn set. */
int x86_tsc_regs_match(const uint64_t recorded[X86_NREGS], const uint64_t live[X86_NREGS], int len,
		       int is_rdtscp);

#endif
