/*
 * stat_family: stat, fstat, lstat, fstatat (with AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH)
 * and statx on a file, a symlink and a directory; all must agree with each other.
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

static void show(const char *what, const struct stat *st)
{
	printf("%s: ino=%llu mode=%o nlink=%llu size=%lld blocks=%lld mtime=%lld.%09ld\n", what,
	       (unsigned long long)st->st_ino, st->st_mode, (unsigned long long)st->st_nlink,
	       (long long)st->st_size, (long long)st->st_blocks, (long long)st->st_mtim.tv_sec,
	       st->st_mtim.tv_nsec);
}

int main(void)
{
	char dir[] = "stat-XXXXXX";
	char file[64], link[64];
	struct stat st_path, st_fd, st_link, st_at, st_empty;
	struct statx stx;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	fd = open(file, O_RDWR | O_CREAT, 0640);
	CHECK(fd >= 0);
	CHECK(write(fd, "0123456789", 10) == 10);
	CHECK(symlink("file", link) == 0);

	CHECK(stat(file, &st_path) == 0);
	show("stat", &st_path);
	CHECK(S_ISREG(st_path.st_mode) && (st_path.st_mode & 0777) == 0640 &&
	      st_path.st_size == 10);
	CHECK(fstat(fd, &st_fd) == 0);
	show("fstat", &st_fd);
	CHECK(st_fd.st_ino == st_path.st_ino && st_fd.st_dev == st_path.st_dev);

	CHECK(lstat(link, &st_link) == 0);
	show("lstat(link)", &st_link);
	CHECK(S_ISLNK(st_link.st_mode) && st_link.st_size == 4 && st_link.st_ino != st_path.st_ino);
	CHECK(stat(link, &st_at) == 0 && st_at.st_ino == st_path.st_ino);

	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK(fstatat(dfd, "link", &st_at, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(st_at.st_ino == st_link.st_ino);
	CHECK(fstatat(dfd, "link", &st_at, 0) == 0 && st_at.st_ino == st_path.st_ino);
	CHECK(fstatat(fd, "", &st_empty, AT_EMPTY_PATH) == 0 && st_empty.st_ino == st_path.st_ino);
	CHECK(fstatat(dfd, "", &st_empty, AT_EMPTY_PATH) == 0 && S_ISDIR(st_empty.st_mode));
	show("fstatat(dir, \"\", AT_EMPTY_PATH)", &st_empty);
	CHECK_ERR(fstatat(dfd, "", &st_empty, 0), ENOENT);
	CHECK_ERR(fstatat(dfd, "file", &st_empty, 0x40000000), EINVAL);

	memset(&stx, 0xa5, sizeof(stx));
	CHECK(statx(dfd, "file", 0, STATX_BASIC_STATS | STATX_BTIME, &stx) == 0);
	printf("statx: mask=%#x ino=%llu mode=%o size=%llu btime=%lld\n", stx.stx_mask,
	       (unsigned long long)stx.stx_ino, stx.stx_mode, (unsigned long long)stx.stx_size,
	       (long long)stx.stx_btime.tv_sec);
	CHECK(stx.stx_ino == st_path.st_ino && stx.stx_size == 10);
	CHECK(stx.stx_mtime.tv_sec == st_path.st_mtim.tv_sec);
	CHECK(stx.stx_mtime.tv_nsec == (unsigned)st_path.st_mtim.tv_nsec);
	CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &stx) == 0 && stx.stx_size == 10);
	CHECK(statx(AT_FDCWD, link, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) == 0);
	CHECK(S_ISLNK(stx.stx_mode));
	CHECK_ERR(statx(dfd, "file", 0, STATX__RESERVED, &stx), EINVAL);

	/* Output structures that end exactly at a page boundary. */
	struct stat *tail = tail_alloc(sizeof(struct stat));
	CHECK(stat(file, tail) == 0 && tail->st_ino == st_path.st_ino);
	struct statx *tailx = tail_alloc(sizeof(struct statx));
	CHECK(statx(AT_FDCWD, file, 0, STATX_ALL, tailx) == 0 && tailx->stx_ino == st_path.st_ino);

	CHECK_ERR(stat("no/such/file", &st_at), ENOENT);
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, file, (void *)1, 0), EFAULT);
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, (void *)1, &st_at, 0), EFAULT);
	CHECK_ERR(syscall(SYS_fstat, fd, NULL), EFAULT);
	CHECK_ERR(syscall(SYS_fstat, -1, &st_at), EBADF);
	CHECK_ERR(syscall(SYS_statx, AT_FDCWD, file, 0, STATX_ALL, (void *)8), EFAULT);

	CHECK(close(dfd) == 0);
	CHECK(close(fd) == 0);
	CHECK(unlink(link) == 0);
	CHECK(unlink(file) == 0);
	CHECK(rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
