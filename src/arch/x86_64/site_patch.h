/*
 * The bytes of a patched syscall site (recorder/record_sites.c): a
 * `syscall` instruction of a shared library and the instruction after it
 * become a jump to a stub in the syscall buffer's library
 * (arch/x86_64/sysbuf.h, preload/site_hook.c). The stub keeps the red
 * zone, calls the library's hook (which returns rcx 1 with the result in
 * rax when it buffered the call, 0 with every register as it was when it
 * did not), makes the call from a `syscall` of its own when the hook did
 * not, runs the instruction the jump replaced and jumps back after it.
 */
#ifndef REWIND_ARCH_X86_64_SITE_PATCH_H
#define REWIND_ARCH_X86_64_SITE_PATCH_H

#include <stddef.h>
#include <stdint.h>

/* A site's bytes: the `syscall` and the instruction after it, at most. */
#define X86_SITE_MAX 16

/*
 * The length of the syscall instruction at code and the instruction after
 * it that a stub may run elsewhere (a compare of rax or eax with a
 * constant, what glibc puts after nearly every syscall; the rip-relative
 * load after brk's), or 0.
 */
size_t x86_site_patchable(const uint8_t *code, size_t len);
/*
 * The stub (at most SYSBUF_SITE_STUB bytes) at stub_addr for the site at
 * site_addr of site_len bytes (code), whose hook is at hook_addr; its
 * length, or 0 when a displacement cannot reach. *resume: where in the
 * stub a thread that made the site's syscall goes on (the moved
 * instruction).
 */
size_t x86_site_stub(uint8_t *out, uint64_t stub_addr, uint64_t hook_addr, uint64_t site_addr,
		     const uint8_t *code, size_t site_len, uint64_t *resume);
/* The site's new bytes: a jump to the stub, int3 after it; -1 when it cannot reach. */
int x86_site_jump(uint8_t *out, uint64_t site_addr, size_t site_len, uint64_t stub_addr);

#endif
