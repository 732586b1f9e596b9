/*
 * Patched syscall sites (arch/x86_64/site_patch.c): which sites a jump may
 * replace, and a patched site run for real in this process. A stub whose
 * hook says it buffered the call (rcx 1) returns the hook's rax through
 * the moved compare; one whose hook says it did not (rcx 0) makes the
 * syscall itself; both jump back after the site. A moved rip-relative load
 * (glibc's brk) still reads what it read at the site.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/x86_64/site_patch.h"
#include "check.h"

static void test_patchable(void)
{
	static const struct {
		const char *what;
		uint8_t code[16];
		size_t want;
	} cases[] = {
	    {"syscall; cmp $-4095,%rax", {0x0f, 0x05, 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff}, 8},
	    {"syscall; cmp $-4096,%rax", {0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff}, 8},
	    {"syscall; cmp $-4096,%eax", {0x0f, 0x05, 0x3d, 0x00, 0xf0, 0xff, 0xff}, 7},
	    {"syscall; ret", {0x0f, 0x05, 0xc3}, 0},
	    {"syscall; mov %eax,%edx", {0x0f, 0x05, 0x89, 0xc2}, 0},
	    {"nop; cmp", {0x90, 0x90, 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff}, 0},
	    {"brk: syscall; mov d(%rip),%rdx; mov %rax,(%rdx); cmp %rdi,%rax",
	     {0x0f, 0x05, 0x48, 0x8b, 0x15, 1, 2, 3, 4, 0x48, 0x89, 0x02, 0x48, 0x39, 0xf8},
	     9},
	    {"syscall; mov d(%rip),%rdx; mov %rax,(%rdx); ret (flags live)",
	     {0x0f, 0x05, 0x48, 0x8b, 0x15, 1, 2, 3, 4, 0x48, 0x89, 0x02, 0xc3},
	     0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t got = x86_site_patchable(cases[i].code, sizeof(cases[i].code));

		CHECK(got == cases[i].want, "%s: %zu, want %zu", cases[i].what, got, cases[i].want);
	}
	CHECK(!x86_site_patchable(cases[0].code, 7), "a site cut short is not patchable");
}

/* mov $39 (getpid), %eax; syscall; cmp $-4095, %rax; ret */
static const uint8_t site_code[] = {0xb8, 39,	0,    0,    0,	  0x0f, 0x05,
				    0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, 0xc3};
/* mov $1, %ecx; mov $12345, %eax; ret */
static const uint8_t hook_buffered[] = {0xb9, 1, 0, 0, 0, 0xb8, 0x39, 0x30, 0, 0, 0xc3};
/* xor %ecx, %ecx; ret */
static const uint8_t hook_traced[] = {0x31, 0xc9, 0xc3};

static void run_patched(uint8_t *mem, const uint8_t *hook, size_t hook_len, long want)
{
	uint8_t *fn = mem, *stub = mem + 4096, *hook_at = mem + 8192, jump[X86_SITE_MAX];
	uint64_t site = (uint64_t)(uintptr_t)(fn + 5), resume = 0;
	uint8_t stub_code[64];
	size_t n;
	long got;

	memcpy(fn, site_code, sizeof(site_code));
	memcpy(hook_at, hook, hook_len);
	got = ((long (*)(void))fn)();
	CHECK(got == getpid(), "unpatched: %ld, want %d", got, getpid());
	n = x86_site_stub(stub_code, (uint64_t)(uintptr_t)stub, (uint64_t)(uintptr_t)hook_at, site,
			  fn + 5, 8, &resume);
	CHECK(n > 0 && n <= sizeof(stub_code), "stub of %zu bytes", n);
	CHECK(resume == (uint64_t)(uintptr_t)stub + 24, "resume at stub+%lld",
	      (long long)(resume - (uint64_t)(uintptr_t)stub));
	CHECK(x86_site_jump(jump, site, 8, (uint64_t)(uintptr_t)stub) == 0, "jump");
	CHECK(jump[0] == 0xe9 && jump[5] == 0xcc && jump[7] == 0xcc, "jump bytes");
	memcpy(stub, stub_code, n);
	memcpy(fn + 5, jump, 8);
	got = ((long (*)(void))fn)();
	CHECK(got == want, "patched: %ld, want %ld", got, want);
}

/*
 * mov $39, %eax; syscall; mov slot_ptr(%rip), %rdx; mov %rax, (%rdx);
 * cmp %rdi, %rax; ret: where brk keeps its result, a pointer away.
 */
static void run_patched_load(uint8_t *mem, const uint8_t *hook, size_t hook_len, long want)
{
	static const uint8_t code[] = {0xb8, 39, 0, 0,	  0,	0x0f, 0x05, 0x48, 0x8b, 0x15, 0,
				       0,    0,	 0, 0x48, 0x89, 0x02, 0x48, 0x39, 0xf8, 0xc3};
	uint8_t *fn = mem, *stub = mem + 4096, *hook_at = mem + 8192, jump[X86_SITE_MAX];
	uint64_t site = (uint64_t)(uintptr_t)(fn + 5), resume = 0,
		 *slot_ptr = (uint64_t *)(mem + 2048);
	uint64_t *slot = slot_ptr + 1;
	int32_t disp = (int32_t)((uint8_t *)slot_ptr - (fn + 14));
	uint8_t stub_code[64];
	size_t n;
	long got;

	memcpy(fn, code, sizeof(code));
	memcpy(fn + 10, &disp, 4);
	*slot_ptr = (uint64_t)(uintptr_t)slot;
	memcpy(hook_at, hook, hook_len);
	CHECK(x86_site_patchable(fn + 5, X86_SITE_MAX) == 9, "the load after the site is movable");
	n = x86_site_stub(stub_code, (uint64_t)(uintptr_t)stub, (uint64_t)(uintptr_t)hook_at, site,
			  fn + 5, 9, &resume);
	CHECK(n > 0 && n <= sizeof(stub_code), "stub of %zu bytes", n);
	CHECK(x86_site_jump(jump, site, 9, (uint64_t)(uintptr_t)stub) == 0, "jump");
	memcpy(stub, stub_code, n);
	memcpy(fn + 5, jump, 9);
	*slot = 0;
	got = ((long (*)(void))fn)();
	CHECK(got == want && *slot == (uint64_t)want, "patched load: %ld, slot %llu, want %ld", got,
	      (unsigned long long)*slot, want);
}

int main(void)
{
	uint8_t *mem = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t out[X86_SITE_MAX];

	test_patchable();
	CHECK(x86_site_jump(out, 0x10000000000ull, 8, 0x10) < 0, "a stub out of reach");
	if (mem == MAP_FAILED) {
		printf("SKIP: no writable executable memory here (%d checks, %d failed)\n", checks,
		       failures);
		return failures ? 1 : 77;
	}
	run_patched(mem, hook_buffered, sizeof(hook_buffered), 12345);
	run_patched(mem, hook_traced, sizeof(hook_traced), getpid());
	run_patched_load(mem, hook_buffered, sizeof(hook_buffered), 12345);
	run_patched_load(mem, hook_traced, sizeof(hook_traced), getpid());
	munmap(mem, 3 * 4096);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
