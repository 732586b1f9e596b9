/*
 * The bytes of patched syscall sites and their stubs (site_patch.h). The
 * stub, at S:
 *
 *   S+0   lea -128(%rsp), %rsp     the red zone of the code it interrupts
 *   S+5   call hook
 *   S+10  lea 128(%rsp), %rsp
 *   S+18  jrcxz S+22               the hook did not buffer the call
 *   S+20  jmp S+24
 *   S+22  syscall                  traced, with the registers of the site
 *   S+24  the moved instruction    (where the site's own syscall returns;
 *                                  a rip-relative load's displacement
 *                                  adjusted to S+24)
 *   ...   jmp site + site_len
 *
 * Nothing there changes the flags (lea, jrcxz); the hook keeps them.
 */
#include "arch/x86_64/site_patch.h"

#include <stdbool.h>
#include <string.h>

#define STUB_RESUME 24

static int rel32(uint64_t from_next, uint64_t to, uint8_t out[4])
{
	int64_t d = (int64_t)(to - from_next);
	int32_t v = (int32_t)d;

	if ((int64_t)v != d)
		return -1;
	memcpy(out, &v, 4);
	return 0;
}

/* mov disp32(%rip), %rdx: the load after glibc's brk, moved with its displacement adjusted. */
static bool rip_load_rdx(const uint8_t *p)
{
	return p[0] == 0x48 && p[1] == 0x8b && p[2] == 0x15;
}

size_t x86_site_patchable(const uint8_t *code, size_t len)
{
	if (len < 7 || code[0] != 0x0f || code[1] != 0x05)
		return 0;
	/* cmp $imm32, %eax */
	if (code[2] == 0x3d)
		return 7;
	/* cmp $imm32, %rax */
	if (len >= 8 && code[2] == 0x48 && code[3] == 0x3d)
		return 8;
	/*
	 * mov disp32(%rip), %rdx, then mov %rax, (%rdx) and a compare that
	 * sets the flags again (glibc's brk): the load moves, its displacement
	 * made the stub's.
	 */
	if (len >= 14 && rip_load_rdx(code + 2) && !memcmp(code + 9, "\x48\x89\x02\x48\x39", 5))
		return 9;
	return 0;
}

/* The moved instruction's rip-relative displacement, made right at its new address. */
static int relocate(uint8_t *moved, uint64_t from_next, uint64_t to_next, size_t moved_len)
{
	int32_t disp;

	if (moved_len != 7 || !rip_load_rdx(moved))
		return 0;
	memcpy(&disp, moved + 3, 4);
	return rel32(to_next, from_next + (uint64_t)(int64_t)disp, moved + 3);
}

size_t x86_site_stub(uint8_t *out, uint64_t stub_addr, uint64_t hook_addr, uint64_t site_addr,
		     const uint8_t *code, size_t site_len, uint64_t *resume)
{
	static const uint8_t head[] = {0x48, 0x8d, 0x64, 0x24, 0x80, 0xe8, 0,	 0,
				       0,    0,	   0x48, 0x8d, 0xa4, 0x24, 0x80, 0,
				       0,    0,	   0xe3, 0x02, 0xeb, 0x02, 0x0f, 0x05};
	size_t moved = site_len - 2, n = sizeof(head);

	_Static_assert(sizeof(head) == STUB_RESUME, "stub layout");
	memcpy(out, head, n);
	if (rel32(stub_addr + 10, hook_addr, out + 6) < 0)
		return 0;
	memcpy(out + n, code + 2, moved);
	if (relocate(out + n, site_addr + site_len, stub_addr + n + moved, moved) < 0)
		return 0;
	n += moved;
	out[n] = 0xe9;
	if (rel32(stub_addr + n + 5, site_addr + site_len, out + n + 1) < 0)
		return 0;
	*resume = stub_addr + STUB_RESUME;
	return n + 5;
}

int x86_site_jump(uint8_t *out, uint64_t site_addr, size_t site_len, uint64_t stub_addr)
{
	if (site_len < 5 || rel32(site_addr + 5, stub_addr, out + 1) < 0)
		return -1;
	out[0] = 0xe9;
	memset(out + 5, 0xcc, site_len - 5);
	return 0;
}
