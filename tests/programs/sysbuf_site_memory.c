/*
 * sysbuf_site_memory: changes of the address space made by libc from its
 * own syscall sites, which the recorder patches to go through the syscall
 * buffer, and which replay makes itself at their events: the heap grown
 * and shrunk with sbrk (glibc's brk site, whose result is stored through
 * a pointer after the syscall), anonymous private mappings made, replaced
 * in place (MAP_FIXED), given back (MADV_DONTNEED), protected and
 * unmapped. Stores between them must
 * land (and read back) as they did; a store into memory made read-only
 * faults, and its handler makes it writable again; a page unmapped then
 * faults on reading. A file mapping and a shared one are interleaved (the
 * traced way). The program prints sums of what it read.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

#define ROUNDS 60
#define PAGE   4096

static sigjmp_buf back;
static volatile int faults;
static uint8_t *volatile guarded;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	faults++;
	if (guarded && (uint8_t *)si->si_addr >= guarded && (uint8_t *)si->si_addr < guarded + PAGE &&
	    mprotect(guarded, PAGE, PROT_READ | PROT_WRITE) == 0)
		return; /* the store runs again, and lands */
	siglongjmp(back, 1);
}

/* The heap moved with sbrk: grown, written, read, given back. */
static uint64_t heap_round(int r)
{
	uint8_t *start = sbrk(0), *p;
	uint64_t sum = 0;
	size_t len = (size_t)(r % 7 + 1) * PAGE;

	CHECK(start != (void *)-1);
	p = sbrk((intptr_t)len);
	CHECK(p == start);
	CHECK((uint8_t *)sbrk(0) == start + len);
	for (size_t i = 0; i < len; i += 512)
		p[i] = (uint8_t)(i / 512 + r);
	for (size_t i = 0; i < len; i += 512)
		sum += p[i];
	CHECK(sbrk(-(intptr_t)len) == start + len);
	CHECK(sbrk(0) == start);
	return sum;
}

/* An anonymous mapping: written, replaced in place, made read-only (a store faults), unmapped. */
static uint64_t map_round(int r)
{
	size_t len = (size_t)(r % 5 + 2) * PAGE;
	uint8_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile uint64_t sum = 0;

	CHECK(m != MAP_FAILED);
	for (size_t i = 0; i < len; i += 256)
		m[i] = (uint8_t)(i + r);
	/* The second page replaced: zeros again. */
	CHECK(mmap(m + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0) == m + PAGE);
	for (size_t i = 0; i < len; i += 256)
		sum += m[i];
	/* The last page given back: zeros when read again. */
	CHECK(madvise(m + len - PAGE, PAGE, MADV_DONTNEED) == 0);
	for (size_t i = len - PAGE; i < len; i += 256)
		sum += m[i] + 1;
	CHECK(mprotect(m, PAGE, PROT_READ) == 0);
	guarded = m;
	m[8] = (uint8_t)r; /* faults; the handler opens the page again */
	guarded = NULL;
	sum += m[8];
	CHECK(munmap(m + PAGE, PAGE) == 0);
	if (sigsetjmp(back, 1) == 0) {
		sum += *(volatile uint8_t *)(m + PAGE); /* gone: faults */
		CHECK(!"an unmapped page was read");
	}
	CHECK(munmap(m, len) == 0);
	return sum;
}

/* A file mapping and a shared one, between the others (traced). */
static uint64_t traced_round(int fd, int r)
{
	uint8_t *f = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	uint8_t *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t sum;

	CHECK(f != MAP_FAILED && s != MAP_FAILED);
	s[r] = f[r % 16];
	sum = s[r];
	CHECK(munmap(f, PAGE) == 0 && munmap(s, PAGE) == 0);
	return sum;
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER};
	char path[] = "/tmp/rewind-sysbuf-memory-XXXXXX";
	int fd = mkstemp(path);
	uint64_t heap = 0, maps = 0, traced = 0;

	CHECK(fd >= 0 && write(fd, "0123456789abcdef", 16) == 16);
	unlink(path);
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	for (int r = 0; r < ROUNDS; r++) {
		heap += heap_round(r);
		maps += map_round(r);
		traced += traced_round(fd, r);
	}
	close(fd);
	printf("heap %llu maps %llu traced %llu faults %d\n", (unsigned long long)heap,
	       (unsigned long long)maps, (unsigned long long)traced, faults);
	CHECK(faults == 2 * ROUNDS);
	printf("EXIT-SUCCESS\n");
	return 0;
}
