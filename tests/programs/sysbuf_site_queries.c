/*
 * sysbuf_site_queries: calls that only read the kernel's state, made by
 * libc from its own syscall sites, which the recorder patches to go
 * through the syscall buffer: sigaction asking for a signal's action (as
 * posix_spawn does for every signal) or setting a handler (replay sets it
 * at its event), getrlimit and prlimit without a new limit, getcwd.
 * Changes of that state (a handler set, a limit lowered, a chdir) are
 * interleaved and must be seen by the queries after them, in the
 * recording and in its replay; a handler set that way must run.
 * Opens of files that are not there (a search along a path) fail through
 * the buffer too, and one that appears later opens.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"

#define ROUNDS 40

static volatile int handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

/* Asks for every signal's action, as posix_spawn's child does: a sum of what it saw. */
static uint64_t query_all(void)
{
	uint64_t sum = 0;

	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sig == SIGKILL || sig == SIGSTOP || (sig > 31 && sig < SIGRTMIN))
			continue;
		CHECK(sigaction(sig, NULL, &sa) == 0);
		sum = sum * 3 + (sa.sa_handler == SIG_DFL ? 1 : sa.sa_handler == SIG_IGN ? 2 : 3);
	}
	errno = 0;
	CHECK(sigaction(200, NULL, &(struct sigaction){0}) == -1 && errno == EINVAL);
	return sum;
}

static void limits_and_cwd(int round, char *top)
{
	struct rlimit rl, again;
	char cwd[PATH_MAX];

	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK(prlimit(0, RLIMIT_NOFILE, NULL, &again) == 0);
	CHECK(rl.rlim_cur == again.rlim_cur && rl.rlim_max == again.rlim_max);
	if (round % 8 == 0 && rl.rlim_cur > 64) {
		rl.rlim_cur--;
		CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
		CHECK(getrlimit(RLIMIT_NOFILE, &again) == 0 && again.rlim_cur == rl.rlim_cur);
	}
	CHECK(chdir(round % 2 ? "/" : top) == 0);
	CHECK(getcwd(cwd, sizeof(cwd)) == cwd);
	CHECK(!strcmp(cwd, round % 2 ? "/" : top));
	errno = 0;
	CHECK(getcwd(cwd, 1) == NULL && errno == ERANGE);
}

/* Opens that fail (ENOENT, ENOTDIR), then one of a file made since. */
static void missing_files(int round, const char *top)
{
	char path[PATH_MAX + 64], self[PATH_MAX + 64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/rewind-missing-%d", top, round);
	errno = 0;
	CHECK(open(path, O_RDONLY) == -1 && errno == ENOENT);
	errno = 0;
	CHECK(fopen(path, "r") == NULL && errno == ENOENT);
	snprintf(self, sizeof(self), "%s/child", "/proc/self/exe");
	errno = 0;
	CHECK(open(self, O_RDONLY) == -1 && errno == ENOTDIR);
	if (round % 10)
		return;
	CHECK((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
	CHECK(write(fd, "here\n", 5) == 5 && close(fd) == 0);
	CHECK((f = fopen(path, "r")) != NULL);
	CHECK(fgets(self, sizeof(self), f) && !strcmp(self, "here\n"));
	CHECK(fclose(f) == 0 && unlink(path) == 0);
}

int main(void)
{
	char top[PATH_MAX];
	uint64_t total = 0;

	CHECK(getcwd(top, sizeof(top)) == top);
	for (int round = 0; round < ROUNDS; round++) {
		int sig = SIGRTMIN + round % 8;
		uint64_t before = query_all(), after;
		struct sigaction sa = {.sa_handler = round % 3 ? on_usr1 : SIG_IGN};

		CHECK(sigaction(sig, &sa, NULL) == 0);
		after = query_all();
		CHECK(before != after || round >= 8);
		if (sa.sa_handler == on_usr1)
			CHECK(raise(sig) == 0);
		total += after;
		limits_and_cwd(round, top);
		missing_files(round, top);
	}
	CHECK(handled > 0);
	printf("handled %d, sum %llu\n", handled, (unsigned long long)total);
	printf("EXIT-SUCCESS\n");
	return 0;
}
