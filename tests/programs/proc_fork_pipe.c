/*
 * proc_fork_pipe: fork with a pipe both ways, the parent blocked in read
 * until the child writes, the child's exit status through wait4 and
 * waitid, SIGCHLD to a handler, and a grandchild, all in one recording.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t sigchld_seen;

static void on_sigchld(int sig)
{
	(void)sig;
	sigchld_seen++;
}

/* The child: answers each message from the parent in upper case, then starts a grandchild. */
static void child(int in, int out)
{
	char buf[64];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] = (char)(buf[i] - 'a' + 'A');
		CHECK(write(out, buf, (size_t)n) == n);
	}
	fflush(stdout);
	pid_t g = fork();
	CHECK(g >= 0);
	if (g == 0) {
		printf("grandchild: parent is %s\n", getppid() == getpid() ? "me?" : "the child");
		fflush(stdout);
		_exit(5);
	}
	int st;
	CHECK(waitpid(g, &st, 0) == g);
	printf("child: grandchild exited %d\n", WEXITSTATUS(st));
	fflush(stdout);
	_exit(42);
}

int main(void)
{
	int to_child[2], to_parent[2], st;
	static const char *const words[] = {"alpha", "bravo", "charlie"};
	char buf[64];
	struct rusage ru;
	struct sigaction sa;
	siginfo_t si;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
	printf("parent pid %d\n", getpid());
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		child(to_child[0], to_parent[1]);
	}
	close(to_child[0]);
	close(to_parent[1]);
	for (size_t i = 0; i < 3; i++) {
		size_t len = strlen(words[i]);

		CHECK(write(to_child[1], words[i], len) == (ssize_t)len);
		ssize_t n = read(to_parent[0], buf, sizeof(buf));
		CHECK(n == (ssize_t)len);
		printf("parent: sent %s, got %.*s\n", words[i], (int)n, buf);
	}
	close(to_child[1]);
	fflush(stdout);
	/* Blocks until the child's end: waitid first without reaping it, then wait4. */
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0);
	printf("waitid: pid %s, code %d, status %d\n", si.si_pid == pid ? "matches" : "differs",
	       si.si_code, si.si_status);
	CHECK(si.si_code == CLD_EXITED && si.si_status == 42);
	CHECK(wait4(pid, &st, 0, &ru) == pid);
	printf("wait4: exited %d, status %d\n", WIFEXITED(st), WEXITSTATUS(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
	CHECK(read(to_parent[0], buf, sizeof(buf)) == 0);
	/* The SIGCHLD may still be on its way: it interrupts this sleep if so. */
	for (int i = 0; i < 100 && !sigchld_seen; i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	printf("SIGCHLD seen: %s\n", sigchld_seen ? "yes" : "no");
	CHECK(sigchld_seen);
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
	printf("EXIT-SUCCESS\n");
	return 0;
}
