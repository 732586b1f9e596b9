/*
 * jobctl_stop_cont: group stops and job control as signal(7) and wait(2)
 * describe them. A child stopped by SIGSTOP and by SIGTSTP and continued by
 * SIGCONT, seen by its parent through waitpid(WUNTRACED|WCONTINUED) and
 * waitid(WSTOPPED|WCONTINUED); a child of 8 threads blocked in a read,
 * stopped and continued 20 times; a thread of a child that raises SIGSTOP;
 * background process groups of a pseudo-terminal that write to it with
 * TOSTOP set (SIGTTOU) and read from it (SIGTTIN), moved to the foreground
 * to go on.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define NTHREADS 8
#define NROUNDS 20

static int herd_pipe[2];

static void wait_stopped(pid_t pid, int sig)
{
	int st;

	CHECK(waitpid(pid, &st, WUNTRACED) == pid);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == sig);
}

static void wait_continued(pid_t pid)
{
	int st;

	CHECK(waitpid(pid, &st, WCONTINUED) == pid);
	CHECK(WIFCONTINUED(st));
}

static void wait_exit(pid_t pid, int code)
{
	int st;

	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == code);
}

/*
 * A child that counts in shared memory until told to exit 4: stopped by
 * SIGSTOP it must not count on; stopped by SIGTSTP; continued it counts
 * again (while it runs it cannot report its exit instead of its
 * continuation).
 */
static void stop_and_continue(void)
{
	volatile unsigned *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned before, after;
	siginfo_t si;
	pid_t pid;

	CHECK(shared != MAP_FAILED);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		while (!shared[1]) {
			shared[0]++;
			usleep(100);
		}
		_exit(4);
	}
	while (shared[0] < 3)
		usleep(100);
	CHECK(kill(pid, SIGSTOP) == 0);
	wait_stopped(pid, SIGSTOP);
	printf("waitpid: stopped by SIGSTOP\n");
	before = shared[0];
	nanosleep(&(struct timespec){0, 30000000}, NULL);
	after = shared[0];
	printf("stopped child counted on: %d\n", after != before);
	CHECK(after == before);
	CHECK(kill(pid, SIGCONT) == 0);
	wait_continued(pid);
	printf("waitpid: continued\n");
	while (shared[0] < after + 3)
		usleep(100);

	CHECK(kill(pid, SIGTSTP) == 0);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WSTOPPED) == 0);
	printf("waitid: code %s status %s pid ok %d\n",
	       si.si_code == CLD_STOPPED ? "CLD_STOPPED" : "other", strsignal(si.si_status),
	       si.si_pid == pid);
	CHECK(si.si_code == CLD_STOPPED && si.si_status == SIGTSTP && si.si_pid == pid);
	CHECK(kill(pid, SIGCONT) == 0);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WCONTINUED) == 0);
	printf("waitid: code %s status %s\n", si.si_code == CLD_CONTINUED ? "CLD_CONTINUED" : "other",
	       strsignal(si.si_status));
	CHECK(si.si_code == CLD_CONTINUED && si.si_status == SIGCONT);
	shared[1] = 1;
	wait_exit(pid, 4);
	printf("child: exit 4\n");
	munmap((void *)shared, 4096);
}

static void *herd_thread(void *arg)
{
	char c;

	(void)arg;
	CHECK(read(herd_pipe[0], &c, 1) == 1);
	return NULL;
}

/* A child of NTHREADS threads blocked in read, stopped and continued NROUNDS times. */
static void thundering_herd(void)
{
	int ready[2];
	pid_t pid;
	char c;

	CHECK(pipe(herd_pipe) == 0 && pipe(ready) == 0);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		pthread_t th[NTHREADS];

		for (int i = 0; i < NTHREADS; i++)
			CHECK(pthread_create(&th[i], NULL, herd_thread, NULL) == 0);
		CHECK(write(ready[1], "r", 1) == 1);
		for (int i = 0; i < NTHREADS; i++)
			CHECK(pthread_join(th[i], NULL) == 0);
		_exit(5);
	}
	CHECK(read(ready[0], &c, 1) == 1);
	for (int i = 0; i < NROUNDS; i++) {
		CHECK(kill(pid, i % 2 ? SIGTSTP : SIGSTOP) == 0);
		wait_stopped(pid, i % 2 ? SIGTSTP : SIGSTOP);
		CHECK(kill(pid, SIGCONT) == 0);
		wait_continued(pid);
	}
	printf("herd: %d threads stopped and continued %d times\n", NTHREADS, NROUNDS);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(write(herd_pipe[1], "g", 1) == 1);
	wait_exit(pid, 5);
	printf("herd: exit 5\n");
	close(herd_pipe[0]);
	close(herd_pipe[1]);
	close(ready[0]);
	close(ready[1]);
}

static void *raise_thread(void *arg)
{
	(void)arg;
	CHECK(raise(SIGSTOP) == 0);
	return NULL;
}

/* A thread of a child raises SIGSTOP: the whole child stops. */
static void thread_raises_stop(void)
{
	int go[2];
	pid_t pid;
	char c;

	CHECK(pipe(go) == 0);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		pthread_t th;

		CHECK(pthread_create(&th, NULL, raise_thread, NULL) == 0);
		CHECK(pthread_join(th, NULL) == 0);
		CHECK(read(go[0], &c, 1) == 1);
		_exit(6);
	}
	wait_stopped(pid, SIGSTOP);
	printf("raise in a thread: stopped by SIGSTOP\n");
	CHECK(kill(pid, SIGCONT) == 0);
	wait_continued(pid);
	CHECK(write(go[1], "g", 1) == 1);
	wait_exit(pid, 6);
	close(go[0]);
	close(go[1]);
	printf("raise in a thread: exit 6\n");
}

/*
 * In a session of its own whose controlling terminal is a new pty, a
 * background process group writes to it (TOSTOP set) and then reads from
 * it: each stops the group, which the session leader puts in the
 * foreground and continues.
 */
static int background_job(int tty, int write_not_read)
{
	int st;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		char c;

		CHECK(setpgid(0, 0) == 0);
		signal(SIGTTOU, SIG_DFL);
		if (write_not_read)
			CHECK(write(tty, "x", 1) == 1);
		else
			CHECK(read(tty, &c, 1) == 1 && c == 'y');
		_exit(7);
	}
	setpgid(pid, pid);
	CHECK(waitpid(pid, &st, WUNTRACED) == pid);
	if (!WIFSTOPPED(st))
		return -1;
	CHECK(tcsetpgrp(tty, pid) == 0);
	CHECK(kill(-pid, SIGCONT) == 0);
	wait_exit(pid, 7);
	CHECK(tcsetpgrp(tty, getpgrp()) == 0);
	return WSTOPSIG(st);
}

static void terminal_session(int report)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), tty, ttou, ttin;
	struct termios tio;
	char c;

	CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	CHECK(setsid() > 0);
	tty = open(ptsname(master), O_RDWR); /* the session's controlling terminal */
	CHECK(tty >= 0);
	CHECK(tcgetattr(tty, &tio) == 0);
	tio.c_lflag |= TOSTOP;
	tio.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	CHECK(tcsetattr(tty, TCSANOW, &tio) == 0);
	signal(SIGTTOU, SIG_IGN); /* the session leader's own tcsetpgrp from the background */
	ttou = background_job(tty, 1);
	CHECK(read(master, &c, 1) == 1 && c == 'x');
	CHECK(write(master, "y", 1) == 1);
	ttin = background_job(tty, 0);
	CHECK(write(report, &ttou, sizeof(ttou)) == sizeof(ttou));
	CHECK(write(report, &ttin, sizeof(ttin)) == sizeof(ttin));
	_exit(0);
}

static void terminal_stops(void)
{
	int report[2], ttou = 0, ttin = 0;
	pid_t pid;

	CHECK(pipe(report) == 0);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		terminal_session(report[1]);
	CHECK(read(report[0], &ttou, sizeof(ttou)) == sizeof(ttou));
	CHECK(read(report[0], &ttin, sizeof(ttin)) == sizeof(ttin));
	wait_exit(pid, 0);
	printf("background write with TOSTOP: stopped by %s\n", strsignal(ttou));
	printf("background read: stopped by %s\n", strsignal(ttin));
	CHECK(ttou == SIGTTOU && ttin == SIGTTIN);
	close(report[0]);
	close(report[1]);
}

int main(void)
{
	stop_and_continue();
	thundering_herd();
	thread_raises_stop();
	terminal_stops();
	printf("EXIT-SUCCESS\n");
	return 0;
}
