/*
 * ns_user_pid: namespaces an unprivileged user can make (user_namespaces(7),
 * pid_namespaces(7)). unshare(CLONE_NEWUSER | CLONE_NEWPID), then children
 * in the new pid namespace: the first is its pid 1 and exits (the namespace
 * then takes no more); in new ones, its init is killed by its parent
 * (SIGKILL), or dies of SIGSEGV, and is reaped by it as usual. Then, in a
 * child, unshare(CLONE_NEWUSER | CLONE_NEWNS), a tmpfs mounted, this
 * program copied there and exec'd from it. Skipped (77) where user
 * namespaces are not allowed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* Exits 77 with the reason when this kernel or its settings forbid user namespaces. */
static void need_user_namespaces(void)
{
	FILE *f = fopen("/proc/sys/kernel/unprivileged_userns_clone", "r");
	int v;

	if (f && fscanf(f, "%d", &v) == 1 && v == 0 && geteuid() != 0) {
		printf("SKIP: kernel.unprivileged_userns_clone is 0\n");
		exit(77);
	}
	if (f)
		fclose(f);
	f = fopen("/proc/sys/user/max_user_namespaces", "r");
	if (f && fscanf(f, "%d", &v) == 1 && v == 0) {
		printf("SKIP: user.max_user_namespaces is 0\n");
		exit(77);
	}
	if (f)
		fclose(f);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* Maps the caller's ids to root in the user namespace it has just made. */
static void map_ids(uid_t uid, gid_t gid)
{
	char line[64];

	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)uid);
	write_file("/proc/self/uid_map", line);
	write_file("/proc/self/setgroups", "deny");
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)gid);
	write_file("/proc/self/gid_map", line);
}

static int child_in_pid_namespace(int how)
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		pid_t self = getpid();

		if (how == 0)
			_exit(self == 1 ? 21 : 1);
		if (how == 2)
			*(volatile int *)0 = self; /* SIGSEGV */
		for (;;)
			pause();
	}
	if (how == 1) /* from outside, only SIGKILL and SIGSTOP reach an init without handlers */
		CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	return st;
}

static void pid_namespace(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	int st;

	if (unshare(CLONE_NEWUSER | CLONE_NEWPID) < 0) {
		printf("SKIP: unshare(CLONE_NEWUSER|CLONE_NEWPID): %s\n", strerror(errno));
		exit(77);
	}
	map_ids(uid, gid);
	st = child_in_pid_namespace(0);
	printf("pid 1 of the namespace: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 21);
	/* Its init gone, the namespace takes no more processes (fork: ENOMEM). */
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	printf("fork after its init ended: %s\n", pid < 0 ? strerrorname_np(errno) : "made one");
	if (pid > 0)
		waitpid(pid, &st, 0);
}

/* In a fresh pid namespace each time: its init killed, and one that segfaults. */
static void pid_namespace_deaths(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	int st;

	CHECK(unshare(CLONE_NEWUSER | CLONE_NEWPID) == 0);
	map_ids(uid, gid);
	st = child_in_pid_namespace(1);
	printf("killed: %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "no");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static void pid_namespace_segv(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	int st;

	CHECK(unshare(CLONE_NEWUSER | CLONE_NEWPID) == 0);
	map_ids(uid, gid);
	st = child_in_pid_namespace(2);
	printf("segfaulted: %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "no");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

static char dir[] = "/tmp/rewind-ns-XXXXXX";

/* A user and mount namespace, a tmpfs in it (on dir), this program run from there. */
static void mount_namespace_exec(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	int in, out;
	struct stat sb;

	CHECK(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0);
	map_ids(uid, gid);
	CHECK(mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	CHECK(mount("tmpfs", dir, "tmpfs", 0, "size=16m") == 0);
	char path[64];

	snprintf(path, sizeof(path), "%s/copy", dir);
	in = open("/proc/self/exe", O_RDONLY);
	CHECK(in >= 0 && fstat(in, &sb) == 0);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0755);
	CHECK(out >= 0);
	CHECK(sendfile(out, in, NULL, (size_t)sb.st_size) == sb.st_size);
	close(in);
	close(out);
	fflush(stdout);
	execl(path, path, "from-tmpfs", dir, NULL);
	printf("exec from the tmpfs: %s\n", strerror(errno));
	_exit(1);
}

static int run_in_child(void (*fn)(void))
{
	int st;

	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		exit(77);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "from-tmpfs") == 0) {
		char exe[256];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		CHECK(n > 0);
		exe[n] = '\0';
		printf("running from the tmpfs: %d, uid %u in the namespace\n",
		       strncmp(exe, argv[2], strlen(argv[2])) == 0, (unsigned)getuid());
		return 0;
	}
	need_user_namespaces();
	run_in_child(pid_namespace);
	run_in_child(pid_namespace_deaths);
	run_in_child(pid_namespace_segv);
	CHECK(mkdtemp(dir) != NULL);
	run_in_child(mount_namespace_exec);
	CHECK(rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
