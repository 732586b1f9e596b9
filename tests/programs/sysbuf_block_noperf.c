/*
 * sysbuf_block_noperf: a program whose own seccomp filter makes
 * perf_event_open fail with EPERM (as a container's profile may), set
 * after its first buffered call. The syscall buffer then goes on without
 * calls that may block: a pipe ping-pong between two threads still works,
 * its reads and writes traced, and replays.
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "check.h"

#define ROUNDS 200

static int ping[2], pong[2];

static void deny_perf_event_open(void)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_perf_event_open, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};

	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0);
}

static void *echo(void *arg)
{
	uint32_t n;

	(void)arg;
	while (read(ping[0], &n, sizeof(n)) == (ssize_t)sizeof(n)) {
		n += 7;
		CHECK(write(pong[1], &n, sizeof(n)) == (ssize_t)sizeof(n));
	}
	return NULL;
}

int main(void)
{
	pthread_t th;
	uint64_t sum = 0;

	CHECK(getpid() > 0); /* the first buffered call */
	deny_perf_event_open();
	CHECK(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0) == -1 && errno == EPERM);
	CHECK(pipe(ping) == 0 && pipe(pong) == 0);
	CHECK(pthread_create(&th, NULL, echo, NULL) == 0);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		uint32_t back;

		CHECK(write(ping[1], &i, sizeof(i)) == (ssize_t)sizeof(i));
		CHECK(read(pong[0], &back, sizeof(back)) == (ssize_t)sizeof(back) && back == i + 7);
		sum += back;
	}
	close(ping[1]);
	CHECK(pthread_join(th, NULL) == 0);
	printf("%d rounds without perf events, sum %llu\n", ROUNDS, (unsigned long long)sum);
	printf("EXIT-SUCCESS\n");
	return 0;
}
