/*
 * brk_sbrk: growing and shrinking the program break with sbrk and the raw brk
 * syscall; memory in the grown part is zeroed and usable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			int err_ = errno;                                                          \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond, err_,          \
			       strerror(err_));                                                    \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_ERR(call, want)                                                                      \
	do {                                                                                       \
		errno = 0;                                                                         \
		long ret_ = (long)(call);                                                          \
		int err_ = errno;                                                                  \
		if (ret_ != -1 || err_ != (want)) {                                                \
			printf("FAIL line %d: %s = %ld errno %d, want -1 %s\n", __LINE__, #call,   \
			       ret_, err_, strerrorname_np(want));                                 \
			exit(1);                                                                   \
		}                                                                                  \
		printf("%s = -1 %s\n", #call, strerrorname_np(want));                              \
	} while (0)

/* A buffer of SIZE bytes whose last byte is the last byte of a page followed by PROT_NONE. */
__attribute__((unused)) static void *tail_alloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (size + page - 1) / page * page;
	char *p =
	    mmap(NULL, len + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	CHECK(mprotect(p + len, page, PROT_NONE) == 0);
	return p + len - size;
}

int main(void)
{
	static char outbuf[4096];

	/* Keep stdio from moving the break behind our back. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	char *start = sbrk(0);
	CHECK(start != (char *)-1);
	char *raw = (char *)syscall(SYS_brk, 0);
	printf("break: sbrk(0)=%p brk(0)=%p\n", (void *)start, (void *)raw);
	CHECK(raw == start);

	char *old = sbrk(256 * 1024);
	CHECK(old == start);
	char *grown = sbrk(0);
	printf("grown by 256 KiB: %p\n", (void *)grown);
	CHECK(grown == start + 256 * 1024);
	for (size_t i = 0; i < 256 * 1024; i++)
		CHECK(start[i] == 0);
	for (size_t i = 0; i < 256 * 1024; i++)
		start[i] = (char)(i % 251);
	uint32_t sum = 0;
	for (size_t i = 0; i < 256 * 1024; i++)
		sum = sum * 33 + (unsigned char)start[i];
	printf("checksum of grown area: %08x\n", sum);

	CHECK(sbrk(-128 * 1024) == grown);
	CHECK(sbrk(0) == start + 128 * 1024);
	printf("shrunk by 128 KiB: %p\n", (void *)sbrk(0));
	CHECK(start[128 * 1024 - 1] == (char)((128 * 1024 - 1) % 251));

	/* Grow again: the re-grown part must be zero, not the old contents. */
	CHECK(sbrk(64 * 1024) == start + 128 * 1024);
	int zero = 1;
	for (size_t i = 128 * 1024; i < 192 * 1024; i++)
		zero &= start[i] == 0;
	printf("re-grown part zeroed: %s\n", zero ? "yes" : "no");
	CHECK(zero);

	/* The raw syscall returns the current break on failure. */
	char *cur = sbrk(0);
	CHECK((char *)syscall(SYS_brk, (void *)0x10) == cur);
	CHECK((char *)syscall(SYS_brk, (void *)0xffffffffff000000UL) == cur);
	printf("brk to an impossible address left the break at %p\n", (void *)cur);
	CHECK((char *)syscall(SYS_brk, cur + 8192) == cur + 8192);
	cur[8191] = 1;
	CHECK((char *)syscall(SYS_brk, start) == start);
	/* glibc caches the break, so ask the kernel. */
	CHECK((char *)syscall(SYS_brk, 0) == start);
	printf("break back to start\n");
	printf("EXIT-SUCCESS\n");
	return 0;
}
