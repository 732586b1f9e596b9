/*
 * x86_64 registers as gdb sees them over the remote protocol: the target
 * description (the XML gdb asks for with qXfer:features:read) built from
 * the recorded XCR0 and XSAVE layout, and the value of each register by its
 * remote number, taken from the general registers (user_regs_struct order,
 * see regs.h) and the XSAVE area.
 *
 * Remote register numbers are whatever the description says; gdb maps its
 * own numbering onto them by name. They follow the order of gdb's own
 * amd64 GNU/Linux descriptions (see docs/gdb-protocol.md), every register
 * carrying an explicit regnum attribute:
 *   0-23 rax..gs, 24-31 st0-7, 32-39 fctrl..fop      (core)
 *   40-55 xmm0-15, 56 mxcsr                          (sse)
 *   57 orig_rax                                      (linux)
 *   58 fs_base, 59 gs_base                           (segments)
 *   then, as XCR0 has them: ymm0h-15h (avx), xmm16-31, ymm16h-31h, k0-7,
 *   zmm0h-31h (avx512), pkru (pkeys), numbered on from 60.
 */
#ifndef REWIND_ARCH_X86_64_GDB_REGS_H
#define REWIND_ARCH_X86_64_GDB_REGS_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "common/buf.h"

#define X86_GDB_MAX_REGS 160
#define X86_GDB_MAX_REG_BYTES                                                                      \
	64 /* the widest value of one register (none is wider than 32 today) */

/* The features of the description, in the order they appear. */
enum x86_gdb_feature {
	X86_GDB_FEATURE_CORE,
	X86_GDB_FEATURE_SSE,
	X86_GDB_FEATURE_LINUX,
	X86_GDB_FEATURE_SEGMENTS,
	X86_GDB_FEATURE_AVX,
	X86_GDB_FEATURE_AVX512,
	X86_GDB_FEATURE_PKEYS,
	X86_GDB_NFEATURES,
};

/* Where a register's value comes from. */
enum x86_gdb_source {
	X86_GDB_SRC_GPR,      /* regs[where], 8 bytes */
	X86_GDB_SRC_GPR32,    /* low 32 bits of regs[where] (eflags, selectors) */
	X86_GDB_SRC_XSAVE,    /* bytes at `where` of the XSAVE area, in component `component` */
	X86_GDB_SRC_X87_CTRL, /* fctrl..fop: `where` is the index 0-7 from fctrl */
	X86_GDB_SRC_MXCSR,
};

struct x86_gdb_reg {
	char name[12];
	uint8_t feature;   /* enum x86_gdb_feature */
	uint8_t source;	   /* enum x86_gdb_source */
	uint8_t component; /* XSAVE state component (XSTATE_BV bit) of an XSAVE register */
	uint16_t bits;
	uint32_t where;
	const char *type;  /* type name in the description */
	const char *group; /* register group, or NULL */
};

struct x86_gdb_regs {
	struct x86_xsave_layout layout;
	uint32_t features; /* bit i set: enum x86_gdb_feature i is described */
	int count;
	struct x86_gdb_reg reg[X86_GDB_MAX_REGS];
};

/*
 * Builds the register set for a recorded XCR0 and XSAVE layout. A feature
 * whose components are missing from XCR0, or whose offsets and sizes do not
 * fit the recorded area, is left out rather than served from wrong bytes.
 */
void x86_gdb_regs_init(struct x86_gdb_regs *r, const struct x86_xsave_layout *layout);

/* Remote number of a register by name, or -1. */
int x86_gdb_reg_find(const struct x86_gdb_regs *r, const char *name);
/* Size in bytes of register regnum, or 0 if there is no such register. */
int x86_gdb_reg_size(const struct x86_gdb_regs *r, int regnum);

/*
 * Appends one file of the target description to out: "target.xml" or one
 * of the feature files it includes. Returns 0, or -ENOENT for another name.
 */
int x86_gdb_tdesc_file(const struct x86_gdb_regs *r, const char *annex, struct rw_buf *out);

/*
 * Stores the value of register regnum in out (little-endian, as gdb
 * expects for x86), from the general registers and the XSAVE area. A
 * component whose XSTATE_BV bit is clear is in its initial state and reads
 * as such. Returns the size written, -EINVAL for an unknown regnum, or
 * -ENODATA when the value lies outside the area given (or xsave is NULL):
 * gdb then shows the register as unavailable.
 */
int x86_gdb_reg_read(const struct x86_gdb_regs *r, int regnum, const uint64_t gpr[27],
		     const uint8_t *xsave, size_t xsave_len, uint8_t *out);
/*
 * Stores value (little-endian, x86_gdb_reg_size bytes) into gpr when
 * regnum is a general register (a 32-bit one keeps the upper half);
 * -EINVAL for any other register.
 */
int x86_gdb_reg_write_gpr(const struct x86_gdb_regs *r, int regnum, uint64_t gpr[27],
			  const uint8_t *value);
/*
 * Stores value into the XSAVE area for a vector, x87 data or MXCSR
 * register whose component is in use (XSTATE_BV bit set), or whose
 * component is initial and value is its initial value (no change).
 * -EINVAL for another register, -ENOTSUP for a value it cannot store.
 */
int x86_gdb_reg_write_xsave(const struct x86_gdb_regs *r, int regnum, uint8_t *xsave,
			    size_t xsave_len, const uint8_t *value);

#endif
