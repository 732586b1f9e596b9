/*
 * rseq_counter: a program's own rseq critical section (glibc's registration
 * turned off with GLIBC_TUNABLES=glibc.pthread.rseq=0): a counter
 * incremented in the section two million times, under a 1 ms timer signal;
 * now and then the section's load faults (NULL), and the kernel's abort on
 * signal delivery sends it to the abort handler. Commits and aborts are
 * counted and printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/rseq.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define SIGNATURE 0x53053053

static __thread struct rseq area __attribute__((aligned(32)));
static volatile sig_atomic_t ticks, faults;

static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

static void on_fault(int sig)
{
	(void)sig;
	faults++; /* returning resumes at the abort handler, not at the fault */
}

/* Returns 1 when the section committed, 0 when it was aborted. */
static int increment(long *ptr, long *counter)
{
	int res;

	__asm__ volatile(".pushsection __rseq_cs, \"aw\"\n\t"
			 ".balign 32\n\t"
			 "3: .long 0, 0\n\t"
			 ".quad 1f, (2f - 1f), 4f\n\t"
			 ".popsection\n\t"
			 "leaq 3b(%%rip), %%rax\n\t"
			 "movq %%rax, 8(%[rs])\n\t"
			 "1:\n\t"
			 "movq (%[ptr]), %%rax\n\t"
			 "addq $1, (%[counter])\n\t"
			 "2:\n\t"
			 "movl $1, %[res]\n\t"
			 "jmp 5f\n\t"
			 ".long 0x53053053\n\t"
			 "4:\n\t"
			 "movl $0, %[res]\n\t"
			 "5:\n\t"
			 : [res] "=&r"(res)
			 : [rs] "r"(&area), [ptr] "r"(ptr), [counter] "r"(counter)
			 : "rax", "memory", "cc");
	return res;
}

int main(void)
{
	struct itimerval it = {{0, 1000}, {0, 1000}};
	long valid = 1, counter = 0, commits = 0, aborts = 0;
	int nulls = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (syscall(SYS_rseq, &area, sizeof(area), 0, SIGNATURE)) {
		printf("rseq registration failed: %s (run with "
		       "GLIBC_TUNABLES=glibc.pthread.rseq=0)\n",
		       strerror(errno));
		return 1;
	}
	printf("registered, cpu_id %u\n", area.cpu_id);
	signal(SIGALRM, on_tick);
	signal(SIGSEGV, on_fault);
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 2000000; i++) {
		long *ptr = i % 100000 == 99999 ? NULL : &valid;

		nulls += ptr == NULL;
		if (increment(ptr, &counter))
			commits++;
		else
			aborts++;
		if (i % 10000 == 0)
			getppid(); /* a syscall now and then: held-back signals arrive here */
	}
	it = (struct itimerval){{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &it, NULL);
	printf("commits %ld aborts %ld counter %ld faults %d nulls %d ticks>0 %s\n", commits,
	       aborts, counter, (int)faults, nulls, ticks > 0 ? "yes" : "no");
	if (commits != counter || commits + aborts != 2000000 || faults != nulls || aborts < nulls)
		return 1;
	printf("EXIT-SUCCESS\n");
	return 0;
}
