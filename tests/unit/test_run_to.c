/*
 * Sites and trampolines (arch/x86_64/run_to.c): which instructions a jump
 * may replace, and a trampoline run for real in a traced child. It must
 * trap exactly when every compared register equals the wanted value, leave
 * the thread's registers, flags, stack and red zone as they were, and run
 * the replaced instruction once either way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86_64/run_to.h"
#include "check.h"

static void test_classes(void)
{
	static const struct {
		const char *what;
		uint8_t code[16];
		size_t len;
		enum x86_site_class want;
		size_t want_len;
	} cases[] = {
	    {"mov rax,[rdi+0x100]", {0x48, 0x8b, 0x87, 0, 1, 0, 0}, 7, X86_SITE_OK, 7},
	    {"mov eax,imm32", {0xb8, 1, 2, 3, 4}, 5, X86_SITE_OK, 5},
	    {"add rax,rbx", {0x48, 0x01, 0xd8}, 3, X86_SITE_SHORT, 3},
	    {"mov rax,[rip+8]", {0x48, 0x8b, 0x05, 8, 0, 0, 0}, 7, X86_SITE_OK, 7},
	    {"lea rax,[rip+8]", {0x48, 0x8d, 0x05, 8, 0, 0, 0}, 7, X86_SITE_OK, 7},
	    {"call rel32", {0xe8, 0, 0, 0, 0}, 5, X86_SITE_MOVES_IP, 5},
	    {"jmp rel32", {0xe9, 0, 0, 0, 0}, 5, X86_SITE_MOVES_IP, 5},
	    {"jne rel32", {0x0f, 0x85, 0, 0, 0, 0}, 6, X86_SITE_MOVES_IP, 6},
	    {"call [rax+0x100]", {0xff, 0x90, 0, 1, 0, 0}, 6, X86_SITE_MOVES_IP, 6},
	    {"ret", {0xc3}, 1, X86_SITE_MOVES_IP, 1},
	    {"syscall", {0x0f, 0x05}, 2, X86_SITE_SYSCALL, 2},
	    {"rdtsc", {0x0f, 0x31}, 2, X86_SITE_SPECIAL, 2},
	    {"int3", {0xcc}, 1, X86_SITE_SPECIAL, 1},
	    {"truncated", {0x48, 0x8b}, 2, X86_SITE_SPECIAL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		enum x86_site_class c = x86_site_class(cases[i].code, cases[i].len, 0x400000, &len);

		CHECK(c == cases[i].want && len == cases[i].want_len, "%s: class %d len %zu",
		      cases[i].what, c, len);
	}
}

#define CODE_ADDR 0x10000000ull
#define STACK_TOP 0x10100000ull

/* The child: an executable page and a stack at fixed addresses, then a stop. */
static void child(void)
{
	if (mmap((void *)CODE_ADDR, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ||
	    mmap((void *)(STACK_TOP - 0x10000), 0x10000, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		_exit(3);
	ptrace(PTRACE_TRACEME, 0, 0, 0);
	raise(SIGSTOP);
	_exit(4);
}

static void poke(pid_t pid, uint64_t addr, const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t word = 0;

		errno = 0;
		word = (uint64_t)ptrace(PTRACE_PEEKDATA, pid, addr + i, 0);
		memcpy(&word, bytes + i, len - i < 8 ? len - i : 8);
		ptrace(PTRACE_POKEDATA, pid, addr + i, word);
	}
}

static uint64_t peek(pid_t pid, uint64_t addr)
{
	return (uint64_t)ptrace(PTRACE_PEEKDATA, pid, addr, 0);
}

/* Resumes and returns rip at the SIGTRAP that follows (0 on any other stop). */
static uint64_t run_to_trap(pid_t pid, struct user_regs_struct *regs)
{
	int st;

	ptrace(PTRACE_CONT, pid, 0, 0);
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP)
		return 0;
	ptrace(PTRACE_GETREGS, pid, 0, regs);
	return regs->rip;
}

struct layout {
	uint64_t site, end, tramp;
	struct x86_trampoline_ips ips;
	uint64_t want[X86_NREGS];
	uint32_t likely; /* the registers compared first */
	struct x86_site_word words[2];
	int nwords;
};

/* Code: the site (mov rax,[rdi+0x100]), then int3 as the end; the trampoline further on. */
static void install(pid_t pid, struct layout *l)
{
	static const uint8_t insn[] = {0x48, 0x8b, 0x87, 0x00, 0x01, 0x00, 0x00};
	uint8_t tramp[X86_TRAMPOLINE_MAX], patch[sizeof(insn)], end = 0xcc;
	size_t n;

	l->site = CODE_ADDR + 0x10;
	l->end = l->site + sizeof(insn);
	l->tramp = CODE_ADDR + 0x200;
	struct x86_site_move move = {l->site, insn, sizeof(insn), 0};

	n = x86_trampoline_build(tramp, l->tramp, CODE_ADDR + 0xff0, &move, l->want, l->likely,
				 l->words, l->nwords, &l->ips);
	CHECK(n <= X86_TRAMPOLINE_MAX && n + 0x200 <= 0xff0, "trampoline of %zu bytes", n);
	x86_site_patch(patch, l->site, sizeof(insn), l->tramp);
	poke(pid, l->site, patch, sizeof(patch));
	poke(pid, l->end, &end, 1);
	poke(pid, l->tramp, tramp, n);
}

/* Starts the thread at the site with regs; says whether it trapped before reaching the end. */
static int visit(pid_t pid, const struct layout *l, const struct user_regs_struct *start,
		 const char *what)
{
	struct user_regs_struct regs = *start, now;
	int trapped = 0;
	uint64_t ip;

	ptrace(PTRACE_SETREGS, pid, 0, &regs);
	ip = run_to_trap(pid, &now);
	if (ip == l->ips.trap) {
		trapped = 1;
		uint64_t a[X86_NREGS], b[X86_NREGS];
		char diff[1024];

		now.rip = start->rip;
		x86_regs_to_array(&now, a);
		x86_regs_to_array(start, b);
		a[X86_EFLAGS] &= X86_SITE_EFLAGS_MASK;
		b[X86_EFLAGS] &= X86_SITE_EFLAGS_MASK;
		b[X86_ORIG_RAX] = a[X86_ORIG_RAX]; /* from the stop the child began in */
		CHECK(x86_regs_diff(b, a, diff, sizeof(diff)) == 0,
		      "%s: registers at the trap differ:\n%s", what, diff);
		ip = run_to_trap(pid, &now);
	}
	CHECK(ip == l->end + 1, "%s: ended at %#lx, not after the site", what, (unsigned long)ip);
	CHECK(now.rax == 0x1122334455667788ull, "%s: the instruction did not run (rax %#llx)",
	      what, now.rax);
	CHECK(now.rsp == start->rsp && now.rbx == start->rbx && now.r15 == start->r15 &&
		  now.rcx == start->rcx && now.rdx == start->rdx && now.r14 == start->r14 &&
		  (now.eflags & 0xcd5) == (start->eflags & 0xcd5),
	      "%s: registers changed", what);
	for (uint64_t below = 8; below <= 256; below += 8)
		CHECK(peek(pid, start->rsp - below) == 0x5a5a5a5a5a5a5a5aull,
		      "%s: the stack %llu bytes below rsp was written", what,
		      (unsigned long long)below);
	return trapped;
}

/* Visits with each compared register differing in turn: only equal registers trap. */
static void check_registers(pid_t pid, const struct layout *l,
			    const struct user_regs_struct *base)
{
	struct user_regs_struct r;
	uint8_t red[256];

	memset(red, 0x5a, sizeof(red));
	CHECK(visit(pid, l, base, "equal registers") == 1, "equal registers did not trap");
	r = *base, r.r15 ^= 1;
	CHECK(visit(pid, l, &r, "r15 differs") == 0, "trapped with r15 differing");
	r = *base, r.r14 ^= 1ull << 40;
	CHECK(visit(pid, l, &r, "r14 differs") == 0, "trapped with r14 differing");
	r = *base, r.rax = 8;
	CHECK(visit(pid, l, &r, "rax differs") == 0, "trapped with rax differing");
	r = *base, r.rcx = 0xd;
	CHECK(visit(pid, l, &r, "rcx differs") == 0, "trapped with rcx differing");
	r = *base, r.rdx = base->rdx - 1;
	CHECK(visit(pid, l, &r, "rdx differs") == 0, "trapped with rdx differing");
	r = *base, r.rsp -= 16;
	poke(pid, r.rsp - 256, red, 256);
	CHECK(visit(pid, l, &r, "rsp differs") == 0, "trapped with rsp differing");
	r = *base, r.eflags |= 1;
	CHECK(visit(pid, l, &r, "CF differs") == 0, "trapped with the carry flag differing");
	r = *base, r.eflags |= 0x800;
	CHECK(visit(pid, l, &r, "OF differs") == 0, "trapped with the overflow flag differing");
	r = *base, r.eflags |= 0x10000;
	CHECK(visit(pid, l, &r, "RF differs") == 1, "RF, which is not compared, stopped a trap");
}

static void test_trampoline(void)
{
	struct user_regs_struct base, r;
	struct layout l = {0};
	uint8_t red[256];
	int st;
	pid_t pid = fork();

	if (pid == 0)
		child();
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
		CHECK(0, "the child did not stop");
		return;
	}
	ptrace(PTRACE_GETREGS, pid, 0, &base);
	base.rip = CODE_ADDR + 0x10;
	base.rsp = STACK_TOP - 0x1000;
	base.rdi = STACK_TOP - 0x8000;
	base.rax = 7, base.rbx = 0xb, base.rcx = 0xc, base.rdx = 0xd, base.rsi = 0x51;
	/* r12: INT64_MIN, whose difference from a register cannot be negated as a signed value. */
	base.rbp = 0xb9, base.r8 = 8, base.r9 = 9, base.r10 = 10, base.r11 = 11;
	base.r12 = 0x8000000000000000ull;
	base.r13 = 13, base.r14 = 0x7fff12345678ull, base.r15 = 15;
	base.eflags = 0x246;
	{
		uint64_t value = 0x1122334455667788ull;

		poke(pid, base.rdi + 0x100, (const uint8_t *)&value, 8);
	}
	memset(red, 0x5a, sizeof(red));
	poke(pid, base.rsp - 256, red, 256);
	x86_regs_to_array(&base, l.want);
	install(pid, &l);

	check_registers(pid, &l, &base);
	/* The same with registers compared first, with their short miss paths. */
	l.likely = 1u << X86_R15 | 1u << X86_RAX | 1u << X86_R14 | 1u << X86_RSP | 1u << X86_RCX |
		   1u << X86_RDX;
	install(pid, &l);
	check_registers(pid, &l, &base);
	l.likely = 0;

	/* Words: one above rsp, one in the red zone; a trap only when both hold. */
	l.words[0] = (struct x86_site_word){base.rsp + 16, 0x1234};
	l.words[1] = (struct x86_site_word){base.rsp - 128, 0x5a5a5a5a5a5a5a5aull};
	l.nwords = 2;
	install(pid, &l);
	{
		uint64_t v = 0x1233;

		poke(pid, base.rsp + 16, (const uint8_t *)&v, 8);
		CHECK(visit(pid, &l, &base, "stack word differs") == 0,
		      "trapped with a stack word differing");
		v = 0x1234;
		poke(pid, base.rsp + 16, (const uint8_t *)&v, 8);
		CHECK(visit(pid, &l, &base, "stack words equal") == 1,
		      "equal stack words did not trap");
	}
	/* The words first, then registers, with the inline miss paths they take. */
	l.likely = 1u << X86_R15 | 1u << X86_RAX | 1u << X86_RDX;
	install(pid, &l);
	{
		uint64_t v = 0x1233;

		poke(pid, base.rsp + 16, (const uint8_t *)&v, 8);
		CHECK(visit(pid, &l, &base, "stack word differs, likely registers") == 0,
		      "trapped with a stack word differing");
		v = 0x1234;
		poke(pid, base.rsp + 16, (const uint8_t *)&v, 8);
		check_registers(pid, &l, &base);
	}
	l.likely = 0;
	/* A word not mapped at this visit faults in the trampoline; the miss path goes on. */
	l.words[0] = (struct x86_site_word){0x1000, 0};
	l.nwords = 1;
	install(pid, &l);
	ptrace(PTRACE_SETREGS, pid, 0, &base);
	ptrace(PTRACE_CONT, pid, 0, 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSEGV,
	      "an unmapped word did not fault");
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	CHECK(r.rip >= l.tramp && r.rip < l.tramp + 0x1000, "the fault is not in the trampoline");
	r.rip = l.ips.miss;
	ptrace(PTRACE_SETREGS, pid, 0, &r);
	CHECK(run_to_trap(pid, &r) == l.end + 1 && r.rsp == base.rsp && r.rcx == base.rcx &&
		  r.rax == 0x1122334455667788ull,
	      "the miss path after a fault did not end where it should");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/* The largest trampoline: every word, every register first and none fitting 32 bits. */
static void test_largest(void)
{
	static const uint8_t insn[15] = {0x48, 0x8b, 0x05, 0, 0, 0, 0};
	uint8_t out[X86_TRAMPOLINE_MAX + 64];
	struct x86_site_move move = {CODE_ADDR + 0x10, insn, sizeof(insn), 3};
	struct x86_site_word words[X86_SITE_MAX_WORDS];
	struct x86_trampoline_ips ips;
	uint64_t want[X86_NREGS];
	size_t n;

	for (int i = 0; i < X86_NREGS; i++)
		want[i] = 0x7fff00000000ull + (uint64_t)i;
	for (int i = 0; i < X86_SITE_MAX_WORDS; i++)
		words[i] = (struct x86_site_word){0x7ffe00000000ull + 8 * (uint64_t)i, ~0ull};
	memset(out, 0xa5, sizeof(out));
	n = x86_trampoline_build(out, CODE_ADDR + 0x200, CODE_ADDR + 0x1200, &move, want, ~0u, words,
				 X86_SITE_MAX_WORDS, &ips);
	CHECK(n > 0 && n <= X86_TRAMPOLINE_MAX, "the largest trampoline is %zu bytes", n);
	CHECK(out[X86_TRAMPOLINE_MAX] == 0xa5, "the largest trampoline overran its room");
}

int main(void)
{
	test_classes();
	test_largest();
	test_trampoline();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
