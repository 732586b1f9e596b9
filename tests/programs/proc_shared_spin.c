/*
 * proc_shared_spin: a parent and its child take turns through a flag in
 * MAP_SHARED anonymous memory, spinning without syscalls and counting
 * their spins there. Each turn needs a preemption at an execution point,
 * whose saved pages must include the shared memory the spinning process
 * wrote: replay must end with the same counts.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define ROUNDS 20

static void play(atomic_long *shared, int me)
{
	for (int i = 0; i < ROUNDS; i++) {
		while (atomic_load(&shared[0]) % 2 != me)
			atomic_fetch_add(&shared[1 + me], 1);
		atomic_fetch_add(&shared[0], 1);
	}
}

int main(void)
{
	atomic_long *shared =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int st;

	CHECK(shared != MAP_FAILED);
	fflush(stdout);
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		play(shared, 1);
		_exit(0);
	}
	play(shared, 0);
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st));
	printf("flag %ld, spins %ld and %ld\n", (long)shared[0], (long)shared[1], (long)shared[2]);
	CHECK(shared[0] == 2 * ROUNDS);
	printf("EXIT-SUCCESS\n");
	return 0;
}
