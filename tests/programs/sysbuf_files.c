/*
 * sysbuf_files: the file syscalls the in-process syscall buffer makes
 * without a stop: stats by path and descriptor, access, readlink, opens
 * that create and that find a file, writes, pwrites, copy_file_range,
 * ftruncate, fsync, fcntl locks, unlink, rename, mkdir, directory reads of
 * a large directory, close; with good and bad arguments (ENOENT, EBADF,
 * EFAULT), a short read and a write read back. What they returned and
 * wrote must replay.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "check.h"

#define NFILES 1500

static char dir[] = "/tmp/rewind-sysbuf-files-XXXXXX";

static void errors(void *bad)
{
	struct stat st;
	char buf[16];

	CHECK_ERR(stat("/nonexistent/rewind", &st), ENOENT);
	CHECK_ERR(lstat("/nonexistent/rewind", &st), ENOENT);
	CHECK_ERR(access("/nonexistent/rewind", R_OK), ENOENT);
	CHECK_ERR(readlink("/nonexistent/rewind", buf, sizeof(buf)), ENOENT);
	CHECK_ERR(open("/nonexistent/rewind", O_RDONLY), ENOENT);
	CHECK_ERR(unlink("/nonexistent/rewind"), ENOENT);
	CHECK_ERR(stat(bad, &st), EFAULT);
	CHECK_ERR(stat("/", bad), EFAULT);
	CHECK_ERR(fstatat(AT_FDCWD, "/", bad, 0), EFAULT);
	CHECK_ERR(write(999, "x", 1), EBADF);
	CHECK_ERR(pwrite(999, "x", 1, 0), EBADF);
	CHECK_ERR(fsync(999), EBADF);
	CHECK_ERR(close(999), EBADF);
	CHECK_ERR(fstatat(999, "x", &st, 0), EBADF);
	CHECK_ERR(getdents64(999, buf, sizeof(buf)), EBADF);
}

static void write_read_back(const char *path, void *bad)
{
	char buf[64], copy[] = "copy";
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 10};
	struct stat st;
	int fd, fd2;

	CHECK((fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600)) >= 0);
	CHECK(write(fd, "hello, buffered world", 21) == 21);
	CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
	CHECK_ERR(write(fd, bad, 8), EFAULT);
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 21);
	/* A short read: fewer bytes are left than asked for. */
	CHECK(pread(fd, buf, sizeof(buf), 14) == 7);
	printf("short read: %.7s\n", buf);
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, 21) == 21);
	printf("read back: %.21s\n", buf);
	CHECK(fcntl(fd, F_SETLK, &lk) == 0);
	CHECK(fcntl(fd, F_GETLK, &lk) == 0);
	printf("lock: type %d (own lock: unlocked)\n", lk.l_type);
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	CHECK(ftruncate(fd, 10) == 0 && fstat(fd, &st) == 0 && st.st_size == 10);
	CHECK(snprintf(buf, sizeof(buf), "%s.%s", path, copy) > 0);
	CHECK((fd2 = open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(copy_file_range(fd, NULL, fd2, NULL, 100, 0) == 10);
	CHECK(close(fd2) == 0);
	CHECK((fd2 = open(buf, O_RDONLY)) >= 0 && read(fd2, buf, sizeof(buf)) == 10);
	printf("copied: %.10s\n", buf);
	CHECK(close(fd2) == 0 && close(fd) == 0);
	CHECK_ERR(close(fd), EBADF);
}

static void big_directory(const char *sub)
{
	char path[256], buf[4096];
	uint64_t sum = 0;
	long n, entries = 0;
	int fd;

	CHECK(mkdir(sub, 0700) == 0);
	for (int i = 0; i < NFILES; i++) {
		CHECK(snprintf(path, sizeof(path), "%s/file-%04d", sub, i) > 0);
		CHECK((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0 && close(fd) == 0);
	}
	CHECK((fd = open(sub, O_RDONLY | O_DIRECTORY)) >= 0);
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (d->d_name[0] != '.') {
				sum += (uint64_t)atoi(d->d_name + 5);
				entries++;
			}
			off += d->d_reclen;
		}
	CHECK(n == 0 && close(fd) == 0);
	printf("directory: %ld entries, numbers add up to %llu\n", entries,
	       (unsigned long long)sum);
	for (int i = 0; i < NFILES; i++) {
		CHECK(snprintf(path, sizeof(path), "%s/file-%04d", sub, i) > 0);
		CHECK(unlink(path) == 0);
	}
	CHECK(rmdir(sub) == 0);
}

/* An unnamed file (O_TMPFILE): written, read back, looked at through its descriptor. */
static void unnamed_file(void)
{
	struct statx stx;
	struct stat st;
	char buf[8];
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600);

	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		printf("unnamed file: not on this filesystem\n");
		return;
	}
	CHECK(fd >= 0);
	CHECK(write(fd, "unnamed", 7) == 7 && pread(fd, buf, 7, 0) == 7);
	CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && st.st_size == 7 && S_ISREG(st.st_mode));
	CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &stx) == 0 && stx.stx_size == 7);
	printf("unnamed file: %.7s\n", buf);
	CHECK(close(fd) == 0);
}

int main(void)
{
	char *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char path[256], link_path[256], target[256];
	struct stat st;
	ssize_t n;

	CHECK(bad != MAP_FAILED && mkdtemp(dir));
	errors(bad);
	CHECK(snprintf(path, sizeof(path), "%s/data", dir) > 0);
	write_read_back(path, bad);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 10);
	CHECK(access(path, R_OK | W_OK) == 0);
	CHECK(faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0);
	unnamed_file();
	CHECK(snprintf(link_path, sizeof(link_path), "%s/link", dir) > 0);
	CHECK(symlink("data", link_path) == 0);
	CHECK(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK((n = readlink(link_path, target, sizeof(target))) == 4);
	printf("readlink: %.*s\n", (int)n, target);
	CHECK(rename(link_path, path) == 0 && lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(snprintf(path, sizeof(path), "%s/big", dir) > 0);
	big_directory(path);
	CHECK(snprintf(path, sizeof(path), "%s/data", dir) > 0);
	CHECK(unlink(path) == 0);
	CHECK(snprintf(path, sizeof(path), "%s/data.copy", dir) > 0);
	CHECK(unlink(path) == 0 && rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
