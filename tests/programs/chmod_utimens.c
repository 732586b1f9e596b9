/*
 * chmod_utimens: chmod, fchmod, fchmodat and setuid/sticky bits; utimensat, futimens
 * and utimes with explicit times, UTIME_NOW and UTIME_OMIT, and invalid times.
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
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	char dir[] = "chmod-XXXXXX";
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(chdir(dir) == 0);
	int fd = open("f", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);

	CHECK(chmod("f", 0640) == 0 && stat("f", &st) == 0 && (st.st_mode & 07777) == 0640);
	CHECK(fchmod(fd, 04711) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 04711);
	CHECK(fchmodat(AT_FDCWD, "f", 01644, 0) == 0 && stat("f", &st) == 0);
	printf("modes: 0640, 04711, now %04o\n", st.st_mode & 07777);
	CHECK((st.st_mode & 07777) == 01644);
	CHECK_ERR(chmod("missing", 0644), ENOENT);
	CHECK_ERR(fchmod(999, 0644), EBADF);
	CHECK_ERR(syscall(SYS_chmod, (void *)1, 0644), EFAULT);

	struct timespec times[2] = {{1000000000, 123456789}, {1200000000, 987654321}};
	CHECK(utimensat(AT_FDCWD, "f", times, 0) == 0);
	CHECK(stat("f", &st) == 0);
	printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	CHECK(st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 123456789);
	CHECK(st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 987654321);

	/* UTIME_OMIT leaves atime alone, UTIME_NOW sets mtime to now. */
	struct timespec mixed[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	CHECK(futimens(fd, mixed) == 0 && fstat(fd, &st) == 0);
	printf("after OMIT/NOW: atime %lld mtime %lld\n", (long long)st.st_atim.tv_sec,
	       (long long)st.st_mtim.tv_sec);
	CHECK(st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec > 1600000000);

	struct timeval tv[2] = {{1500000000, 5}, {1500000001, 6}};
	CHECK(utimes("f", tv) == 0 && stat("f", &st) == 0);
	CHECK(st.st_atim.tv_sec == 1500000000 && st.st_atim.tv_nsec == 5000);
	CHECK(st.st_mtim.tv_sec == 1500000001 && st.st_mtim.tv_nsec == 6000);
	printf("utimes: microseconds kept\n");

	CHECK(symlink("f", "link") == 0);
	CHECK(utimensat(AT_FDCWD, "link", times, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(lstat("link", &st) == 0 && st.st_mtim.tv_sec == 1200000000);
	CHECK(stat("link", &st) == 0 && st.st_mtim.tv_sec == 1500000001);
	printf("AT_SYMLINK_NOFOLLOW changed only the link\n");

	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	CHECK_ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
	CHECK_ERR(utimensat(AT_FDCWD, "f", times, 0x4000), EINVAL);
	CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, "f", (void *)1, 0), EFAULT);
	CHECK(utimensat(AT_FDCWD, "f", NULL, 0) == 0 && stat("f", &st) == 0);
	CHECK(st.st_mtim.tv_sec > 1600000000);

	CHECK(close(fd) == 0 && unlink("link") == 0 && unlink("f") == 0);
	CHECK(chdir("..") == 0 && rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
