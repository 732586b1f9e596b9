/*
 * The replay's copy of rewind's page (arch/x86_64/sysbuf.h): the page of
 * the recording, with its untraced `syscall` turned into a jump to the feed
 * stub below, which answers the syscall buffer's calls from the feed area
 * the replayer fills. The stub leaves the thread as the syscall would
 * have: the same registers and flags, the kernel's bytes written, nothing
 * on the stack below the return address (an execution point compares the
 * stack there). A call that is not the feed's next goes to the kernel from
 * REWIND_REPLAY_SYSCALL with its registers as they came.
 */
#include <string.h>

#include "arch/x86_64/sysbuf.h"
#include "arch/x86_64/tracee.h"

/*
 * Entered by the library's `call` of REWIND_UNTRACED_SYSCALL: rax the
 * number, the arguments in rdi, rsi, rdx, r10, r8, r9. The flags are kept
 * in r11 (lahf; seto) and put back (add to al sets OF again; sahf) on both
 * ways out. Never run in rewind: copied into the replay's page.
 */
__asm__(".section .rodata\n"
	".globl x86_feed_stub\n"
	".hidden x86_feed_stub\n"
	"x86_feed_stub:\n"
	"	mov %rax, %r11\n"
	"	lahf\n"
	"	seto %al\n"
	"	xchg %rax, %r11\n"
	"	mov 0x70000048, %rcx\n" /* SYSBUF_FEED_CONTROL */
	"	mov (%rcx), %rcx\n"	/* the next entry */
	"	cmp 8(%rcx), %rax\n"
	"	jne 1f\n"
	"	cmp 16(%rcx), %rdi\n"
	"	jne 1f\n"
	"	cmp 24(%rcx), %rsi\n"
	"	jne 1f\n"
	"	cmp 32(%rcx), %rdx\n"
	"	jne 1f\n"
	"	cmp 40(%rcx), %r10\n"
	"	jne 1f\n"
	"	cmp 48(%rcx), %r8\n"
	"	jne 1f\n"
	"	cmp 56(%rcx), %r9\n"
	"	jne 1f\n"
	"	mov %rcx, %rdx\n"
	"	mov 72(%rdx), %rdi\n" /* what the kernel wrote, where it wrote it */
	"	lea 112(%rdx), %rsi\n"
	"	mov 80(%rdx), %rcx\n"
	"	rep movsb\n"
	"	mov (%rdx), %rcx\n"
	"	add %rdx, %rcx\n"
	"	mov 0x70000048, %rax\n"
	"	mov %rcx, (%rax)\n" /* taken */
	"	mov 16(%rdx), %rdi\n"
	"	mov 24(%rdx), %rsi\n"
	"	mov %r11, %rax\n"
	"	add $0x7f, %al\n"
	"	sahf\n"
	"	mov 64(%rdx), %rax\n"
	"	mov 88(%rdx), %rcx\n"
	"	mov 96(%rdx), %r11\n"
	"	mov 32(%rdx), %rdx\n"
	"	ret\n"
	"1:\n"
	"	xchg %rax, %r11\n"
	"	add $0x7f, %al\n"
	"	sahf\n"
	"	mov %r11, %rax\n"
	"	mov $0x70000044, %ecx\n" /* REWIND_REPLAY_SYSCALL */
	"	jmp *%rcx\n"
	".globl x86_feed_stub_end\n"
	".hidden x86_feed_stub_end\n"
	"x86_feed_stub_end:\n"
	".previous\n");

extern const uint8_t x86_feed_stub[], x86_feed_stub_end[];

_Static_assert(SYSBUF_FEED_CONTROL == 0x70000048ull && REWIND_REPLAY_SYSCALL == 0x70000044ull,
	       "the stub's addresses");
_Static_assert(SYSBUF_FEED_STUB - (REWIND_UNTRACED_SYSCALL + 2) < 128, "a short jump reaches it");

size_t rewind_replay_page_code(uint8_t *code, size_t room)
{
	size_t stub = (size_t)(x86_feed_stub_end - x86_feed_stub);
	size_t len = SYSBUF_FEED_STUB - REWIND_INJECT_PAGE + stub;
	uint64_t control = SYSBUF_FEED_NONE, none_next = SYSBUF_FEED_NONE + 8;
	int64_t end = -1;
	uint8_t *at = code + (REWIND_UNTRACED_SYSCALL - REWIND_INJECT_PAGE);

	if (len > room)
		return 0;
	memset(code, 0, len);
	rewind_page_code(code);
	at[0] = 0xeb; /* jmp rel8 to the stub; the `ret` after it stays */
	at[1] = (uint8_t)(SYSBUF_FEED_STUB - (REWIND_UNTRACED_SYSCALL + 2));
	at = code + (REWIND_REPLAY_SYSCALL - REWIND_INJECT_PAGE);
	at[0] = 0x0f; /* syscall; ret */
	at[1] = 0x05;
	at[2] = 0xc3;
	memcpy(code + (SYSBUF_FEED_CONTROL - REWIND_INJECT_PAGE), &control, 8);
	/* No feed: `next` is an entry that ends it (size 0, nr -1). */
	memcpy(code + (SYSBUF_FEED_NONE - REWIND_INJECT_PAGE), &none_next, 8);
	memcpy(code + (SYSBUF_FEED_NONE + 16 - REWIND_INJECT_PAGE), &end, 8);
	memcpy(code + (SYSBUF_FEED_STUB - REWIND_INJECT_PAGE), x86_feed_stub, stub);
	return len;
}
