/*
 * seccomp_own: the program sets seccomp filters of its own that answer some
 * syscalls with an errno before they run (uname gets EPERM, then getppid
 * ENOSYS from a second filter in a child). Such syscalls never reach a
 * tracer's seccomp stop, so they must still be seen and recorded; the
 * child inherits the filter, and file reads go on as usual around them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* A filter that answers syscall nr with errno err and lets everything else run. */
static int deny(long nr, int err)
{
	struct sock_filter insn[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insn) / sizeof(insn[0]), .filter = insn};

	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* Reads the file back in small pieces and sums it. */
static unsigned sum_file(const char *path)
{
	unsigned char buf[7];
	unsigned sum = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 31 + buf[i];
	CHECK(n == 0);
	close(fd);
	return sum;
}

int main(void)
{
	char path[] = "/tmp/rewind-seccomp-own.XXXXXX";
	struct utsname u;
	int fd = mkstemp(path), status;

	CHECK(fd >= 0);
	for (int i = 0; i < 200; i++)
		CHECK(dprintf(fd, "line %d\n", i) > 0);
	close(fd);
	printf("sum before: %08x\n", sum_file(path));

	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(deny(SYS_uname, EPERM) == 0);
	printf("PR_GET_SECCOMP: %d\n", prctl(PR_GET_SECCOMP));
	CHECK_ERR(uname(&u), EPERM);
	printf("sum after: %08x\n", sum_file(path));

	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		CHECK_ERR(uname(&u), EPERM);
		CHECK(deny(SYS_getppid, ENOSYS) == 0);
		CHECK_ERR(syscall(SYS_getppid), ENOSYS);
		printf("child sum: %08x\n", sum_file(path));
		_exit(0);
	}
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(getppid() > 0);
	unlink(path);
	printf("EXIT-SUCCESS\n");
	return 0;
}
