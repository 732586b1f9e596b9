/*
 * sysbuf_block_compute: a thread blocked in a buffered read of a pipe must
 * not keep the other threads from running. The reader waits for one byte
 * per round; the main thread computes a round's share of work, counting it
 * in a shared counter, and only then writes the byte, and waits for the
 * reader's answer on another pipe before the next round. Had the blocked
 * read kept the running slot, the main thread would never compute and the
 * recording would hang; the reader checks at each wake-up that the whole
 * round was computed while it waited, and that it had been waiting.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"

#define ROUNDS 200
#define WORK   20000

static int pipe_fds[2], answer_fds[2];
static volatile uint64_t progress;
static volatile int waiting;
static int seen_ok, waited;

static void *reader(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		char c;

		waiting = r + 1;
		CHECK(read(pipe_fds[0], &c, 1) == 1);
		CHECK(c == (char)r);
		seen_ok += progress == (uint64_t)WORK * (r + 1);
		CHECK(write(answer_fds[1], &c, 1) == 1);
	}
	return NULL;
}

int main(void)
{
	pthread_t th;
	uint64_t h = 1;

	CHECK(pipe(pipe_fds) == 0 && pipe(answer_fds) == 0);
	CHECK(pthread_create(&th, NULL, reader, NULL) == 0);
	for (int r = 0; r < ROUNDS; r++) {
		char c = (char)r, back;

		for (int i = 0; i < WORK; i++) {
			h = h * 6364136223846793005ull + 1442695040888963407ull;
			progress++;
		}
		waited += waiting == r + 1; /* the reader was in its read meanwhile */
		CHECK(write(pipe_fds[1], &c, 1) == 1);
		CHECK(read(answer_fds[0], &back, 1) == 1 && back == c);
	}
	CHECK(pthread_join(th, NULL) == 0);
	printf("%d rounds, %d computed while the reader waited, hash %llx\n", ROUNDS, seen_ok,
	       (unsigned long long)h);
	CHECK(seen_ok == ROUNDS);
	printf("EXIT-SUCCESS\n");
	return 0;
}
