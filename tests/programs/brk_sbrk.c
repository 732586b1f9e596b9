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

#include "check.h"

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
