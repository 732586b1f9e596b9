/*
 * A program to attach to in its own rseq critical section
 * (tests/cli/attach_rseq.sh; run with GLIBC_TUNABLES=glibc.pthread.rseq=0
 * so that the registration is its own): for 1.5 s it runs a section that
 * counts down from 20,000 and then commits, which is most of its loop,
 * and counts commits and aborts. Every 50 ms it prints both counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/rseq.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SIGNATURE 0x53053053

static struct rseq area __attribute__((aligned(32)));

/* Returns 1 when the section committed, 0 when it was aborted. */
static int section(long *counter)
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
			 "movl $20000, %%ecx\n\t"
			 "6: decl %%ecx\n\t"
			 "jnz 6b\n\t"
			 "addq $1, (%[counter])\n\t"
			 "2:\n\t"
			 "movl $1, %[res]\n\t"
			 "jmp 5f\n\t"
			 ".long 0x53053053\n\t"
			 "4:\n\t"
			 "movl $0, %[res]\n\t"
			 "5:\n\t"
			 : [res] "=&r"(res)
			 : [rs] "r"(&area), [counter] "r"(counter)
			 : "rax", "rcx", "memory", "cc");
	return res;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	long counter = 0, commits = 0, aborts = 0;
	double start, next;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (syscall(SYS_rseq, &area, sizeof(area), 0, SIGNATURE)) {
		printf("rseq registration failed: %s (run with "
		       "GLIBC_TUNABLES=glibc.pthread.rseq=0)\n",
		       strerror(errno));
		return 1;
	}
	printf("ready\n");
	start = now();
	next = start + 0.05;
	for (;;) {
		double t;

		if (section(&counter))
			commits++;
		else
			aborts++;
		if ((commits + aborts) % 16)
			continue;
		if ((t = now()) < next)
			continue;
		printf("commits %ld aborts %ld\n", commits, aborts);
		next = t + 0.05;
		if (t - start > 1.5)
			break;
	}
	if (commits != counter)
		return 1;
	printf("EXIT-SUCCESS\n");
	return 0;
}
