/*
 * ids: process and credential identifiers (pid, ppid, tid, uid/euid/gid/egid,
 * resuid/resgid, groups, process group and session), through libc and raw syscalls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	gid_t groups[256];

	pid_t pid = getpid(), ppid = getppid();
	printf("pid %d ppid %d tid %d\n", pid, ppid, gettid());
	CHECK(pid > 0 && ppid >= 0 && gettid() == pid);
	CHECK(syscall(SYS_getpid) == pid && syscall(SYS_getppid) == ppid);
	CHECK(syscall(SYS_gettid) == pid);
	printf("uid %d euid %d gid %d egid %d\n", getuid(), geteuid(), getgid(), getegid());
	CHECK(syscall(SYS_getuid) == getuid() && syscall(SYS_geteuid) == geteuid());
	CHECK(syscall(SYS_getgid) == getgid() && syscall(SYS_getegid) == getegid());
	CHECK(getresuid(&r, &e, &s) == 0 && getresgid(&rg, &eg, &sg) == 0);
	printf("resuid %d %d %d resgid %d %d %d\n", r, e, s, rg, eg, sg);
	CHECK(r == getuid() && e == geteuid() && rg == getgid() && eg == getegid());

	int n = getgroups(256, groups);
	CHECK(n >= 0);
	printf("%d supplementary groups:", n);
	for (int i = 0; i < n; i++)
		printf(" %d", groups[i]);
	printf("\n");
	CHECK(getgroups(0, NULL) == n);
	if (n > 1)
		CHECK_ERR(getgroups(1, groups), EINVAL);
	if (n > 0) /* with no groups there is nothing to store and no fault */
		CHECK_ERR(syscall(SYS_getgroups, 256, (void *)1), EFAULT);

	pid_t pgrp = getpgrp(), sid = getsid(0);
	printf("pgrp %d sid %d\n", pgrp, sid);
	CHECK(getpgid(0) == pgrp && getpgid(pid) == pgrp && getsid(pid) == sid);
	CHECK_ERR(getpgid(0x7ffffff0), ESRCH);
	CHECK_ERR(syscall(SYS_getresuid, (void *)1, &e, &s), EFAULT);
	CHECK_ERR(syscall(SYS_getresgid, &rg, (void *)1, &sg), EFAULT);
	printf("EXIT-SUCCESS\n");
	return 0;
}
