/*
 * mprotect: changing protections and touching memory only where it is allowed
 * (read-only, read-write, none and back, and executable code), plus bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *m =
	    mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	for (size_t i = 0; i < 3 * page; i++)
		m[i] = (unsigned char)(i ^ 0x5a);

	CHECK(mprotect(m, 3 * page, PROT_READ) == 0);
	unsigned sum = 0;
	for (size_t i = 0; i < 3 * page; i++)
		sum += m[i];
	printf("read-only sum: %u\n", sum);

	CHECK(mprotect(m + page, page, PROT_NONE) == 0);
	CHECK(mprotect(m + page, page, PROT_READ | PROT_WRITE) == 0);
	CHECK(m[page + 3] == (unsigned char)((page + 3) ^ 0x5a));
	m[page + 3] = 0xee;
	printf("PROT_NONE then read-write kept contents, write ok\n");
	CHECK(mprotect(m, 3 * page, PROT_READ | PROT_WRITE) == 0);
	m[0] = 1;
	m[3 * page - 1] = 2;

	/* mov eax, 42; ret */
	static const unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
	memcpy(m + 2 * page, code, sizeof(code));
	CHECK(mprotect(m + 2 * page, page, PROT_READ | PROT_EXEC) == 0);
	int (*fn)(void) = (int (*)(void))(uintptr_t)(m + 2 * page);
	int r = fn();
	printf("generated code returned %d\n", r);
	CHECK(r == 42);
	/* Change the code and run it again. */
	CHECK(mprotect(m + 2 * page, page, PROT_READ | PROT_WRITE) == 0);
	m[2 * page + 1] = 0x07;
	CHECK(mprotect(m + 2 * page, page, PROT_READ | PROT_EXEC) == 0);
	r = fn();
	printf("patched code returned %d\n", r);
	CHECK(r == 7);

	CHECK_ERR(mprotect(m + 1, page, PROT_READ), EINVAL);
	CHECK_ERR(mprotect(m, page, 0x1000), EINVAL);
	CHECK(munmap(m + page, page) == 0);
	CHECK_ERR(mprotect(m, 3 * page, PROT_READ), ENOMEM);
	CHECK(munmap(m, 3 * page) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
