/*
 * Thread-local storage as the x86_64 ABI lays it out (TLS variant II, what
 * glibc calls TLS_TCB_AT_TP): the thread pointer is fs_base and points at
 * the thread control block, whose first word points at the block itself
 * and whose second word is the thread's dtv (dynamic thread vector). The
 * TLS blocks of the modules loaded at startup (static TLS) lie below the
 * thread pointer, a module's at tp - its static offset; a module loaded
 * later gets its block wherever the dtv entry for its module id points.
 * A dtv entry is 16 bytes (a pointer and a flag); the pointer stored in
 * the TCB points at entry 0, which holds the dtv's generation, and entry
 * -1 holds how many module ids the dtv has room for.
 */
#ifndef REWIND_ARCH_X86_64_TLS_H
#define REWIND_ARCH_X86_64_TLS_H

#include <stdint.h>

#include "arch/x86_64/regs.h"

#define X86_TLS_TCB_SELF       0  /* tcbhead_t.tcb: the TCB's own address */
#define X86_TLS_TCB_DTV	       8  /* tcbhead_t.dtv */
#define X86_TLS_DTV_ENTRY_SIZE 16 /* dtv_t: pointer and is_static flag */

static inline uint64_t x86_tls_thread_pointer(const uint64_t regs[X86_NREGS])
{
	return regs[X86_FS_BASE];
}

/* Where the static TLS block at `offset` below the thread pointer starts. */
static inline uint64_t x86_tls_static_block(uint64_t thread_pointer, uint64_t offset)
{
	return thread_pointer - offset;
}

#endif
