/*
 * Restartable sequences, as the kernel would handle them for a thread that
 * rewind keeps from registering its rseq area: when the thread is
 * interrupted (a signal delivered) with its rip inside the critical section
 * named by rseq_cs, the kernel moves rip to the section's abort handler
 * (after checking the signature before it) and clears rseq_cs. rewind
 * applies the same abort at the same points while recording and replaying.
 */
#ifndef REWIND_ARCH_X86_64_RSEQ_H
#define REWIND_ARCH_X86_64_RSEQ_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/tracee.h"

struct x86_rseq_area {
	uint64_t addr; /* 0: none registered */
	uint32_t len, sig;
};

/* The kernel's flags in a critical section descriptor (and in the area). */
#define X86_RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT 1
#define X86_RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL  2
#define X86_RSEQ_CS_FLAG_NO_RESTART_ON_MIGRATE 4

/*
 * At a signal delivery: when regs' rip lies in the area's current critical
 * section [start_ip, start_ip + post_commit_offset), clears rseq_cs and,
 * unless the section says not to restart on signals, moves rip to abort_ip.
 * Returns 1 when rip was inside a section, 0 when not, negative errno when
 * the area or descriptor cannot be read, or -EPERM for a bad signature (the
 * kernel kills the thread with SIGSEGV then).
 */
int x86_rseq_interrupt(struct tracee *t, const struct x86_rseq_area *area,
		       uint64_t regs[X86_NREGS]);

/* Whether ip lies in the area's current critical section (read only: nothing is cleared). */
bool x86_rseq_in_critical_section(struct tracee *t, const struct x86_rseq_area *area, uint64_t ip);

#endif
