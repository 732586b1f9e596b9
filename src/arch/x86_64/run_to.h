/*
 * Running a thread to one dynamic instance of an instruction without a
 * performance counter. The recorder moves a preempted thread a few single
 * steps to an instruction that a 5-byte jump can replace (its "site") and
 * records the registers there. Replay replaces the site with a jump to a
 * trampoline near it that compares the registers with the recorded ones
 * in the thread itself (a few nanoseconds a visit), runs the original
 * instruction and jumps back, and traps with int3 only when every
 * compared register matches. The replayer then checks the rest of the
 * state before accepting that visit as the recorded one.
 */
#ifndef REWIND_ARCH_X86_64_RUN_TO_H
#define REWIND_ARCH_X86_64_RUN_TO_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/regs.h"

/* What the instruction at an address is, for choosing a site. */
enum x86_site_class {
	X86_SITE_OK = 0,   /* a jump may replace it */
	X86_SITE_SHORT,	   /* under 5 bytes */
	X86_SITE_MOVES_IP, /* jumps, calls, returns, loops: depends on where it runs */
	X86_SITE_RIP_RELATIVE, /* with a displacement that cannot be moved */
	X86_SITE_SYSCALL, /* syscall, sysenter, int: the kernel takes over */
	X86_SITE_SPECIAL, /* traps or is trapped (int3, rdtsc, ud2, ...), or cannot be decoded */
};

/*
 * The class of the instruction at the start of code (len bytes that sit at
 * addr), and its length in *insn_len (0 when it cannot be decoded).
 */
enum x86_site_class x86_site_class(const uint8_t *code, size_t len, uint64_t addr,
				   size_t *insn_len);
/* The same, and where in it a rip-relative displacement (4 bytes) is, or 0 without one. */
enum x86_site_class x86_site_decode(const uint8_t *code, size_t len, uint64_t addr,
				    size_t *insn_len, uint8_t *disp_offset);

/* The eflags bits compared: all but TF and RF, which debugging and single steps set. */
#define X86_SITE_EFLAGS_MASK (~(uint64_t)0x10100)

/* A word of memory the trampoline compares too: at addr it must hold value. */
struct x86_site_word {
	uint64_t addr;
	uint64_t value;
};
#define X86_SITE_MAX_WORDS 16

/* Room a trampoline needs, code and data. */
#define X86_TRAMPOLINE_MAX 1536

/* Where in a trampoline the thread may stop (addresses in the tracee). */
struct x86_trampoline_ips {
	/* The int3 stop leaves rip here; the registers then are the thread's at the site. */
	uint64_t trap;
	/*
	 * Where a compare that faulted (a word not mapped at this visit) goes
	 * on: rax and rcx are taken back from the trampoline's data there.
	 */
	uint64_t miss;
};

/* The instruction a jump replaces: where it is, its bytes, and its rip-relative displacement. */
struct x86_site_move {
	uint64_t site;
	const uint8_t *insn;
	size_t insn_len;
	uint8_t disp_offset; /* where the displacement (4 bytes) is in insn, 0 for none */
};

/*
 * Builds, in out, the trampoline that will sit at tramp for the
 * instruction move describes: it compares rsp, the nwords words of memory
 * (at most X86_SITE_MAX_WORDS), the other general registers and the
 * arithmetic flags with want, without changing the thread's flags, traps
 * with int3 when all are equal, then (or at once when one differs) runs
 * the instruction and jumps to the one after it. The registers in likely
 * (a bit per index of regs) are compared first, and a visit that differs
 * in one of the first few of them goes back at once (a loop's counter
 * compared first costs a hot loop little). It keeps rax and rcx at saved
 * (16 writable bytes within 2 GiB of tramp), never on the thread's stack:
 * bytes left below rsp would differ from the recording where a deeper
 * frame's execution point later looks. One thread at a time may run it.
 * tramp must lie within 2 GiB of the site. A rip-relative operand is moved
 * to reach the same address from the trampoline. Returns its length, or 0
 * when that address is out of reach.
 */
size_t x86_trampoline_build(uint8_t *out, uint64_t tramp, uint64_t saved,
			    const struct x86_site_move *move, const uint64_t want[X86_NREGS],
			    uint32_t likely, const struct x86_site_word *words, int nwords,
			    struct x86_trampoline_ips *ips);

/* The bytes that replace the instruction at site (insn_len >= 5): a jump to tramp, nops. */
void x86_site_patch(uint8_t *out, uint64_t site, size_t insn_len, uint64_t tramp);

#endif
