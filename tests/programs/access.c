/*
 * access: access, faccessat and faccessat2 (AT_EACCESS, AT_SYMLINK_NOFOLLOW) for
 * existing and missing files, with modes the caller does and does not have.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	char dir[] = "access-XXXXXX";

	CHECK(mkdtemp(dir) != NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	int fd = openat(dfd, "data", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && close(fd) == 0);
	fd = openat(dfd, "tool", O_CREAT | O_WRONLY, 0755);
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(symlinkat("missing-target", dfd, "dangling") == 0);

	CHECK(faccessat(dfd, "data", F_OK, 0) == 0);
	CHECK(faccessat(dfd, "data", R_OK | W_OK, 0) == 0);
	CHECK_ERR(faccessat(dfd, "data", X_OK, 0), EACCES); /* even for root: no x bit set */
	CHECK(faccessat(dfd, "tool", R_OK | X_OK, 0) == 0);
	CHECK(faccessat(dfd, "tool", X_OK, AT_EACCESS) == 0);
	printf("data: rw-, tool: r-x\n");

	/* Read-only for everyone: root may still write, others may not. */
	CHECK(fchmodat(dfd, "data", 0444, 0) == 0);
	int w = faccessat(dfd, "data", W_OK, 0);
	printf("W_OK on a 0444 file as uid %d: %s\n", getuid(),
	       w == 0 ? "allowed" : strerrorname_np(errno));
	CHECK(w == 0 ? getuid() == 0 : errno == EACCES);

	CHECK_ERR(faccessat(dfd, "missing", F_OK, 0), ENOENT);
	CHECK_ERR(faccessat(dfd, "dangling", F_OK, 0), ENOENT);
	CHECK(syscall(SYS_faccessat2, dfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW) == 0);
	printf("dangling symlink: exists only with AT_SYMLINK_NOFOLLOW\n");
	CHECK_ERR(faccessat(dfd, "data", 0100, 0), EINVAL);
	CHECK_ERR(syscall(SYS_faccessat2, dfd, "data", F_OK, 0x1), EINVAL);
	CHECK_ERR(faccessat(dfd, "data/x", F_OK, 0), ENOTDIR);
	CHECK_ERR(syscall(SYS_access, (void *)1, F_OK), EFAULT);

	char path[64];
	snprintf(path, sizeof(path), "%s/tool", dir);
	CHECK(access(path, X_OK) == 0);
	CHECK(access(dir, R_OK | W_OK | X_OK) == 0);
	CHECK(access("/", X_OK) == 0);
	CHECK_ERR(access("/nonexistent/file", F_OK), ENOENT);

	CHECK(unlinkat(dfd, "data", 0) == 0 && unlinkat(dfd, "tool", 0) == 0);
	CHECK(unlinkat(dfd, "dangling", 0) == 0);
	CHECK(close(dfd) == 0 && rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
