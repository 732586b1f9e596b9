/*
 * clone_exec_misc: clone(2) with CLONE_UNTRACED (a process and a thread
 * that a tracer does not follow by itself, recorded all the same),
 * execveat(2) of an open descriptor with AT_EMPTY_PATH and of a path
 * relative to a directory descriptor, and what execve(2) keeps: the signal mask and ignored
 * signals (a caught one goes back to its default).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char child_stack[64 * 1024] __attribute__((aligned(16)));
static int untraced_pipe[2];

static int untraced_child(void *arg)
{
	(void)arg;
	/* Syscalls of its own, recorded like any other process's. */
	CHECK(write(untraced_pipe[1], "u", 1) == 1);
	return 9;
}

static void clone_untraced(void)
{
	int st;
	char c;

	CHECK(pipe(untraced_pipe) == 0);
	pid_t pid = clone(untraced_child, child_stack + sizeof(child_stack),
			  CLONE_UNTRACED | SIGCHLD, NULL);
	CHECK(pid > 0);
	CHECK(read(untraced_pipe[0], &c, 1) == 1 && c == 'u');
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("CLONE_UNTRACED child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 9);
}

static char thread_stack[64 * 1024] __attribute__((aligned(16)));
static volatile pid_t thread_tid = 1;

static int untraced_thread(void *arg)
{
	(void)arg;
	CHECK(write(untraced_pipe[1], "t", 1) == 1);
	return 0;
}

/* A thread made with CLONE_UNTRACED; its end clears thread_tid (CLONE_CHILD_CLEARTID). */
static void clone_untraced_thread(void)
{
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_UNTRACED | CLONE_CHILD_CLEARTID;
	pid_t tid;
	char c;

	tid = clone(untraced_thread, thread_stack + sizeof(thread_stack), flags, NULL, NULL, NULL,
		    &thread_tid);
	CHECK(tid > 0);
	CHECK(read(untraced_pipe[0], &c, 1) == 1 && c == 't');
	while (thread_tid != 0)
		syscall(SYS_futex, &thread_tid, FUTEX_WAIT, tid, NULL, NULL, 0);
	printf("CLONE_UNTRACED thread: ended\n");
}

/* The exec'd image: prints what it kept and exits with its argv[2] code. */
static int report(char **argv)
{
	struct sigaction sa;
	sigset_t mask;

	CHECK(sigprocmask(SIG_SETMASK, NULL, &mask) == 0);
	CHECK(sigaction(SIGUSR2, NULL, &sa) == 0);
	printf("%s: SIGUSR1 blocked %d, SIGUSR2 ignored %d", argv[2], sigismember(&mask, SIGUSR1),
	       sa.sa_handler == SIG_IGN);
	CHECK(sigaction(SIGINT, NULL, &sa) == 0);
	printf(", SIGINT default %d\n", sa.sa_handler == SIG_DFL);
	CHECK(sigismember(&mask, SIGUSR1) == 1);
	fflush(stdout);
	return atoi(argv[3]);
}

static void on_int(int sig)
{
	(void)sig;
}

/* Runs how(self) in a child, which execs this program with "report". */
static void exec_in_child(const char *name, int code, int how)
{
	char codestr[16];
	char *argv[] = {"clone_exec_misc", "report", (char *)name, codestr, NULL};
	int st;

	snprintf(codestr, sizeof(codestr), "%d", code);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		sigset_t mask;

		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR1);
		CHECK(sigprocmask(SIG_BLOCK, &mask, NULL) == 0);
		signal(SIGUSR2, SIG_IGN);
		signal(SIGINT, on_int);
		if (how == 0) {
			int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

			CHECK(fd >= 0);
			syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
		} else {
			char exe[4096], *slash;
			ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

			CHECK(n > 0);
			exe[n] = '\0';
			slash = strrchr(exe, '/');
			*slash = '\0';
			int dirfd = open(exe, O_PATH | O_DIRECTORY);

			CHECK(dirfd >= 0);
			syscall(SYS_execveat, dirfd, slash + 1, argv, environ, 0);
		}
		printf("execveat failed: %s\n", strerror(errno));
		_exit(127);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == code);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "report") == 0)
		return report(argv);
	clone_untraced();
	clone_untraced_thread();
	exec_in_child("execveat AT_EMPTY_PATH", 11, 0);
	exec_in_child("execveat relative to a dirfd", 12, 1);
	printf("EXIT-SUCCESS\n");
	return 0;
}
