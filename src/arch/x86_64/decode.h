/* Machine code questions answered with capstone. */
#ifndef REWIND_ARCH_X86_64_DECODE_H
#define REWIND_ARCH_X86_64_DECODE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The addresses of the return instructions in code (len bytes that sit at
 * addr), decoded linearly from its start up to the first byte that is not
 * an instruction. Returns how many were found (at most max), or -1 when
 * capstone cannot be used.
 */
int x86_find_returns(const uint8_t *code, size_t len, uint64_t addr, uint64_t *out, int max);

#endif
