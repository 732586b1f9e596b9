/*
 * proc_groups: process groups and sessions between recorded processes, and
 * a socketpair between a parent and its child. The child moves to its own
 * process group, forks two members into it and a third process that
 * starts a session of its own; the parent signals the whole group with
 * kill(-pgid) and reaps its members with waitpid(-pgid). Parent and child
 * talk both ways over a stream socketpair.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	got = sig;
}

/* A member of the group: waits for the group's signal, then says so. */
static void member(int sock, int id)
{
	char c = (char)('0' + id);

	while (!got)
		pause();
	CHECK(write(sock, &c, 1) == 1);
	_exit(10 + id);
}

int main(void)
{
	int sv[2], st, members = 0;
	char buf[64];
	pid_t leader, pgid;
	sigset_t usr1, old;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	signal(SIGUSR1, on_usr1);
	/* Held until each member waits for it, so none misses the group's signal. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &usr1, &old) == 0);
	fflush(stdout);
	leader = fork();
	CHECK(leader >= 0);
	if (leader == 0) {
		CHECK(setpgid(0, 0) == 0);
		CHECK(getpgid(0) == getpid());
		CHECK(getpgrp() == getpid());
		CHECK(getsid(0) != getpid());
		for (int id = 1; id <= 2; id++) {
			pid_t m = fork();

			CHECK(m >= 0);
			if (m == 0) {
				CHECK(getpgrp() == getppid());
				sigsuspend(&old);
				member(sv[1], id);
			}
		}
		pid_t s = fork();

		CHECK(s >= 0);
		if (s == 0) {
			pid_t sid = setsid();

			CHECK(sid == getpid());
			CHECK(getsid(0) == sid && getpgrp() == sid);
			CHECK(write(sv[1], "s", 1) == 1);
			_exit(20);
		}
		CHECK(waitpid(s, &st, 0) == s && WEXITSTATUS(st) == 20);
		/* Tell the parent the group is ready, then wait for its word. */
		CHECK(write(sv[1], "g", 1) == 1);
		CHECK(read(sv[1], buf, 5) == 5);
		CHECK(!memcmp(buf, "hello", 5));
		sigsuspend(&old);
		while (waitpid(-1, &st, 0) > 0)
			members++;
		_exit(members == 2 ? 30 : 31);
	}
	/* The session child's "s" then the group's "g". */
	CHECK(read(sv[0], buf, 1) == 1 && buf[0] == 's');
	CHECK(read(sv[0], buf, 1) == 1 && buf[0] == 'g');
	pgid = getpgid(leader);
	CHECK(pgid == leader);
	CHECK(getpgrp() != pgid);
	printf("group ready; the session child said s\n");
	CHECK(write(sv[0], "hello", 5) == 5);
	CHECK(kill(-pgid, SIGUSR1) == 0);
	for (int i = 0; i < 2; i++) {
		CHECK(read(sv[0], buf, 1) == 1);
		CHECK(buf[0] == '1' || buf[0] == '2');
	}
	printf("both members answered the group's signal\n");
	CHECK(waitpid(-pgid, &st, 0) == leader);
	printf("group leader: exit %d\n", WEXITSTATUS(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 30);
	CHECK(waitpid(-pgid, &st, WNOHANG) < 0 && errno == ECHILD);
	printf("EXIT-SUCCESS\n");
	return 0;
}
