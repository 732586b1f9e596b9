/*
 * sig_faults: synchronous signals with handlers: SIGSEGV from a NULL read,
 * SIGFPE from an integer division by zero, SIGILL from ud2, SIGTRAP from
 * int3, SIGBUS from a mapping past the end of its file, each left with
 * siglongjmp; the handler prints what siginfo said.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t seen_code, seen_sig;
static void *volatile seen_addr;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	seen_sig = sig;
	seen_code = si->si_code;
	seen_addr = si->si_addr;
	siglongjmp(env, 1);
}

static void expect(int sig, const char *what, void (*fn)(void))
{
	seen_sig = 0;
	if (sigsetjmp(env, 1) == 0) {
		fn();
		printf("%s: no signal\n", what);
		exit(1);
	}
	printf("%s: signal %d (%s) code %d\n", what, (int)seen_sig, strsignal(seen_sig),
	       (int)seen_code);
	if (seen_sig != sig)
		exit(1);
}

static volatile int zero;
static int *volatile null_ptr;
static char *volatile bus_page;

static void do_segv(void)
{
	printf("value %d\n", *null_ptr);
}

static void do_fpe(void)
{
	printf("value %d\n", 7 / zero);
}

static void do_ill(void)
{
	__asm__ volatile("ud2");
}

static void do_trap(void)
{
	__asm__ volatile("int3");
}

static void do_bus(void)
{
	printf("value %d\n", bus_page[100]);
}

int main(void)
{
	struct sigaction sa;
	char name[] = "sigbus-XXXXXX";
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < 32; s++)
		if (s == SIGSEGV || s == SIGFPE || s == SIGILL || s == SIGTRAP || s == SIGBUS)
			sigaction(s, &sa, NULL);

	expect(SIGSEGV, "NULL read", do_segv);
	printf("fault address %p\n", seen_addr);
	expect(SIGFPE, "divide by zero", do_fpe);
	expect(SIGILL, "ud2", do_ill);
	expect(SIGTRAP, "int3", do_trap);

	fd = mkstemp(name);
	if (fd < 0 || write(fd, "x", 1) != 1)
		return 1;
	bus_page = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	if (bus_page == MAP_FAILED)
		return 1;
	/* Page 0 holds the byte; page 1 is past the end of the file. */
	bus_page += 4096;
	expect(SIGBUS, "past end of file", do_bus);
	unlink(name);
	printf("EXIT-SUCCESS\n");
	return 0;
}
