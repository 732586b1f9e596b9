/*
 * What the CPU tells a program about itself: every CPUID leaf and subleaf,
 * XCR0, and the XSAVE layout (CPUID leaf 0xD: offset and size of each state
 * component). The recorder stores these in the trace header; the replayer
 * compares them with the replaying machine.
 *
 * XSAVE areas are split into blocks so a changed area can be stored by
 * what changed: block 0 is the x87 part of the legacy region, block 1 the
 * SSE part (MXCSR and xmm0-15), block X86_XBLOCK_LEGACY_REST the rest of the
 * legacy region (software bytes, XCR0 at byte 464), X86_XBLOCK_HEADER the
 * 64-byte XSAVE header (XSTATE_BV, XCOMP_BV), and block i >= 2 component i
 * at its CPUID-given offset.
 */
#ifndef REWIND_ARCH_X86_64_CPU_H
#define REWIND_ARCH_X86_64_CPU_H

#include <stddef.h>
#include <stdint.h>

struct x86_cpuid_leaf {
	uint32_t leaf, subleaf;
	uint32_t eax, ebx, ecx, edx;
};

#define X86_XSAVE_MAX_COMPONENTS 32
#define X86_XBLOCK_LEGACY_REST	 62
#define X86_XBLOCK_HEADER	 63

struct x86_xsave_layout {
	uint32_t total_size; /* size of the standard-format area for XCR0 */
	uint64_t xcr0;
	uint32_t offset[X86_XSAVE_MAX_COMPONENTS];
	uint32_t size[X86_XSAVE_MAX_COMPONENTS];
};

/* Collects all leaves into *out (malloc'd); returns the count or negative errno. */
int x86_cpuid_collect(struct x86_cpuid_leaf **out);
/*
 * Only the leaves x86_cpuid_missing_features looks at (a handful of CPUID
 * instructions, each of which may trap to a hypervisor, instead of every
 * leaf): for the check before a replay. Same contract as x86_cpuid_collect.
 */
int x86_cpuid_collect_features(struct x86_cpuid_leaf **out);
uint64_t x86_read_xcr0(void);
void x86_xsave_layout_probe(struct x86_xsave_layout *l);
/* Vendor string (12 chars + NUL) and brand string (48 + NUL) from collected leaves. */
void x86_cpu_vendor(const struct x86_cpuid_leaf *leaves, int n, char vendor[13]);
void x86_cpu_brand(const struct x86_cpuid_leaf *leaves, int n, char brand[49]);
const char *x86_xsave_component_name(int idx);

/* Byte range of a block within an area of this layout; returns 0 or -1 if absent. */
int x86_xsave_block_range(const struct x86_xsave_layout *l, int block, uint32_t *off,
			  uint32_t *len);
/* Iterates the blocks present: returns the next block id after prev (-1 to start), or -1. */
int x86_xsave_next_block(const struct x86_xsave_layout *l, int prev);

#endif

/*
 * Feature bits the recording CPU reported that this one does not (CPUID
 * leaves 1, 7.0, 7.1, 0xd.1, 0x80000001): writes their names, space
 * separated, into out and returns how many. A program may have chosen
 * code paths by them, so replay here could fault or diverge.
 */
int x86_cpuid_missing_features(const struct x86_cpuid_leaf *recorded, int nrecorded,
			       const struct x86_cpuid_leaf *here, int nhere, char *out,
			       size_t outlen);
