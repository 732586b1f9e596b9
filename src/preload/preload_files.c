/*
 * The syscall buffer's wrappers of file syscalls (the buffer itself and
 * what is known of descriptors are preload.c's). A call on a descriptor is
 * buffered when the descriptor is a regular file or directory on a local
 * filesystem (a write: a regular file that is not rewind's own output and
 * that the process does not map shared); a call on a path when no
 * filesystem that a process may serve (FUSE, network) is mounted, as the
 * recorder found at registration, and its directory descriptor is local.
 * An open is buffered when a buffered stat of its path finds a regular
 * file or a directory, or, creating, no file in a directory: a FIFO or a
 * device could wait for another process. A write to a pipe or socket goes
 * to blocking.c's calls that may block. Everything else calls libc, which
 * makes the syscall traced.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "preload/preload.h"

#define L(x) ((long)(x))

/* Whether a call on path relative to dirfd may be buffered. */
static bool path_ok(int dirfd, const char *path)
{
	/* path is not read here: a bad pointer is the kernel's EFAULT. */
	(void)path;
	if (!sysbuf_paths_local())
		return false;
	/* A regular file's descriptor: with AT_EMPTY_PATH, the file itself; else ENOTDIR. */
	return dirfd == AT_FDCWD || sysbuf_fd_local(dirfd);
}

bool sysbuf_path_ok(int dirfd, const char *path)
{
	return path_ok(dirfd, path);
}

/* The output room of a call: n, unless the pointer is null. */
static uint64_t room(const void *p, uint64_t n)
{
	return p ? n : 0;
}

/* Calls nr buffered (*done) and returns what libc would. */
static long call(bool ok, long nr, const long a[6], void *out, uint64_t out_max, bool *done)
{
	long ret;

	*done = ok && sysbuf_call(nr, a, out, out_max, &ret);
	return *done ? sysbuf_errno(ret) : 0;
}

/* A wrapper that calls nr buffered when ok, else libc's name with the same arguments. */
#define BUFFERED(ok, nr, a, out, out_max, name, ...)                                               \
	do {                                                                                       \
		bool done_;                                                                        \
		long ret_ = call(ok, nr, a, out, out_max, &done_);                                 \
		if (done_)                                                                         \
			return (__typeof__(name(__VA_ARGS__)))ret_;                                \
		REAL(name);                                                                        \
		return real_##name(__VA_ARGS__);                                                   \
	} while (0)

/* ---- Descriptors ---- */

/* A local regular file's write here; a pipe's or socket's blocking.c's; else libc's. */
EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	long ret;

	if (sysbuf_fd_writable(fd) &&
	    sysbuf_call(SYS_write, (long[6]){fd, L(buf), L(n)}, NULL, 0, &ret))
		return sysbuf_errno(ret);
	if (sysbuf_blocking_write(fd, buf, n, &ret))
		return sysbuf_errno(ret);
	REAL(write);
	return real_write(fd, buf, n);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	BUFFERED(sysbuf_fd_writable(fd), SYS_pwrite64, ((long[6]){fd, L(buf), L(n), off}), NULL, 0,
		 pwrite, fd, buf, n, off);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	BUFFERED(sysbuf_fd_writable(fd), SYS_pwrite64, ((long[6]){fd, L(buf), L(n), off}), NULL, 0,
		 pwrite64, fd, buf, n, off);
}

EXPORT int ftruncate(int fd, off_t len)
{
	BUFFERED(sysbuf_fd_writable(fd), SYS_ftruncate, ((long[6]){fd, len}), NULL, 0, ftruncate,
		 fd, len);
}

EXPORT int ftruncate64(int fd, off64_t len)
{
	BUFFERED(sysbuf_fd_writable(fd), SYS_ftruncate, ((long[6]){fd, len}), NULL, 0, ftruncate64,
		 fd, len);
}

EXPORT int fsync(int fd)
{
	BUFFERED(sysbuf_fd_local(fd), SYS_fsync, ((long[6]){fd}), NULL, 0, fsync, fd);
}

EXPORT int fdatasync(int fd)
{
	BUFFERED(sysbuf_fd_local(fd), SYS_fdatasync, ((long[6]){fd}), NULL, 0, fdatasync, fd);
}

EXPORT int fchmod(int fd, mode_t mode)
{
	BUFFERED(sysbuf_fd_local(fd), SYS_fchmod, ((long[6]){fd, mode}), NULL, 0, fchmod, fd, mode);
}

EXPORT int fchown(int fd, uid_t uid, gid_t gid)
{
	BUFFERED(sysbuf_fd_local(fd), SYS_fchown, ((long[6]){fd, (int)uid, (int)gid}), NULL, 0,
		 fchown, fd, uid, gid);
}

EXPORT int futimens(int fd, const struct timespec times[2])
{
	BUFFERED(sysbuf_fd_local(fd), SYS_utimensat, ((long[6]){fd, 0, L(times), 0}), NULL, 0,
		 futimens, fd, times);
}

EXPORT ssize_t getdents64(int fd, void *buf, size_t n)
{
	BUFFERED(sysbuf_fd_kind(fd) == SYSBUF_FD_LOCAL_DIR, SYS_getdents64,
		 ((long[6]){fd, L(buf), L(n)}), buf, n, getdents64, fd, buf, n);
}

EXPORT ssize_t fgetxattr(int fd, const char *name, void *value, size_t n)
{
	BUFFERED(sysbuf_fd_local(fd), SYS_fgetxattr, ((long[6]){fd, L(name), L(value), L(n)}),
		 value, room(value, n), fgetxattr, fd, name, value, n);
}

EXPORT ssize_t flistxattr(int fd, char *list, size_t n)
{
	BUFFERED(sysbuf_fd_local(fd), SYS_flistxattr, ((long[6]){fd, L(list), L(n)}), list,
		 room(list, n), flistxattr, fd, list, n);
}

EXPORT int fsetxattr(int fd, const char *name, const void *value, size_t n, int flags)
{
	BUFFERED(sysbuf_fd_local(fd), SYS_fsetxattr,
		 ((long[6]){fd, L(name), L(value), L(n), flags}), NULL, 0, fsetxattr, fd, name,
		 value, n, flags);
}

/* posix_fadvise returns the error number rather than setting errno. */
EXPORT int posix_fadvise(int fd, off_t off, off_t len, int advice)
{
	long ret;

	if (sysbuf_fd_file(fd) &&
	    sysbuf_call(SYS_fadvise64, (long[6]){fd, off, len, advice}, NULL, 0, &ret))
		return (int)-ret;
	REAL(posix_fadvise);
	return real_posix_fadvise(fd, off, len, advice);
}

/* copy_file_range's arguments: buffered without offsets (they would be a second output). */
static bool copy_ok(const long a[6])
{
	return !a[1] && !a[3] && sysbuf_fd_file((int)a[0]) && sysbuf_fd_writable((int)a[2]);
}

EXPORT ssize_t copy_file_range(int in, off64_t *in_off, int out, off64_t *out_off, size_t n,
			       unsigned flags)
{
	const long a[6] = {in, L(in_off), out, L(out_off), L(n), flags};

	BUFFERED(copy_ok(a), SYS_copy_file_range, a, NULL, 0, copy_file_range, in, in_off, out,
		 out_off, n, flags);
}

/* ioctl: a clone of a whole local file (FICLONE), which cp tries first. */
EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	long arg, ret;

	va_start(ap, req);
	arg = va_arg(ap, long);
	va_end(ap);
	if (req == FICLONE && sysbuf_fd_writable(fd) && sysbuf_fd_file((int)arg) &&
	    sysbuf_call(SYS_ioctl, (long[6]){fd, (long)req, arg}, NULL, 0, &ret))
		return (int)sysbuf_errno(ret);
	REAL(ioctl);
	return real_ioctl(fd, req, arg);
}

/* syscall(): programs (gnulib's copy_file_range, say) make some of the calls above with it. */
EXPORT long syscall(long nr, ...)
{
	va_list ap;
	long a[6], ret;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_copy_file_range && copy_ok(a) && sysbuf_call(nr, a, NULL, 0, &ret))
		return sysbuf_errno(ret);
	REAL(syscall);
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/*
 * close: the descriptor's kind is forgotten before (another thread looking
 * at it then asks the kernel again) and after (one that looked meanwhile
 * saw the file still open). A pipe or socket goes the traced way (a
 * socket's close may wait).
 */
bool sysbuf_close(int fd, long *ret)
{
	if (!sysbuf_fd_local(fd))
		return false;
	sysbuf_fd_set(fd, SYSBUF_FD_UNKNOWN, 0, 0, 0);
	if (!sysbuf_call(SYS_close, (long[6]){fd}, NULL, 0, ret))
		return false;
	sysbuf_fd_set(fd, SYSBUF_FD_UNKNOWN, 0, 0, 0);
	return true;
}

EXPORT int close(int fd)
{
	long ret;

	if (sysbuf_close(fd, &ret))
		return (int)sysbuf_errno(ret);
	REAL(close);
	return real_close(fd);
}

/* fcntl's commands that never wait and change nothing a read depends on. */
bool sysbuf_fcntl(int fd, int cmd, long arg, long *ret)
{
	uint64_t out = 0;

	switch (cmd) {
	case F_GETFD:
	case F_SETFD:
	case F_GETFL:
	case F_SETLK:
	case F_OFD_SETLK:
		break;
	case F_GETLK:
	case F_OFD_GETLK:
		out = sizeof(struct flock);
		break;
	default:
		return false;
	}
	if (!sysbuf_fd_local(fd))
		return false;
	return sysbuf_call(SYS_fcntl, (long[6]){fd, cmd, arg}, (void *)arg, arg ? out : 0, ret);
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg, ret;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (sysbuf_fcntl(fd, cmd, arg, &ret))
		return (int)sysbuf_errno(ret);
	REAL(fcntl);
	return real_fcntl(fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg, ret;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (sysbuf_fcntl(fd, cmd, arg, &ret))
		return (int)sysbuf_errno(ret);
	REAL(fcntl64);
	return real_fcntl64(fd, cmd, arg);
}

/* ---- Paths ---- */

EXPORT int stat(const char *path, struct stat *st)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_newfstatat, ((long[6]){AT_FDCWD, L(path), L(st), 0}),
		 st, sizeof(*st), stat, path, st);
}

EXPORT int stat64(const char *path, struct stat64 *st)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_newfstatat, ((long[6]){AT_FDCWD, L(path), L(st), 0}),
		 st, sizeof(*st), stat64, path, st);
}

EXPORT int lstat(const char *path, struct stat *st)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_newfstatat,
		 ((long[6]){AT_FDCWD, L(path), L(st), AT_SYMLINK_NOFOLLOW}), st, sizeof(*st), lstat,
		 path, st);
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_newfstatat,
		 ((long[6]){AT_FDCWD, L(path), L(st), AT_SYMLINK_NOFOLLOW}), st, sizeof(*st),
		 lstat64, path, st);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	BUFFERED(path_ok(dirfd, path), SYS_newfstatat, ((long[6]){dirfd, L(path), L(st), flags}),
		 st, sizeof(*st), fstatat, dirfd, path, st, flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	BUFFERED(path_ok(dirfd, path), SYS_newfstatat, ((long[6]){dirfd, L(path), L(st), flags}),
		 st, sizeof(*st), fstatat64, dirfd, path, st, flags);
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx)
{
	BUFFERED(path_ok(dirfd, path), SYS_statx, ((long[6]){dirfd, L(path), flags, mask, L(stx)}),
		 stx, sizeof(*stx), statx, dirfd, path, flags, mask, stx);
}

EXPORT int access(const char *path, int mode)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_faccessat, ((long[6]){AT_FDCWD, L(path), mode}), NULL,
		 0, access, path, mode);
}

EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	BUFFERED(path_ok(dirfd, path), flags ? SYS_faccessat2 : SYS_faccessat,
		 ((long[6]){dirfd, L(path), mode, flags}), NULL, 0, faccessat, dirfd, path, mode,
		 flags);
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t n)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_readlinkat,
		 ((long[6]){AT_FDCWD, L(path), L(buf), L(n)}), buf, n, readlink, path, buf, n);
}

EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t n)
{
	BUFFERED(path_ok(dirfd, path), SYS_readlinkat, ((long[6]){dirfd, L(path), L(buf), L(n)}),
		 buf, n, readlinkat, dirfd, path, buf, n);
}

EXPORT int unlink(const char *path)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_unlinkat, ((long[6]){AT_FDCWD, L(path), 0}), NULL, 0,
		 unlink, path);
}

EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	BUFFERED(path_ok(dirfd, path), SYS_unlinkat, ((long[6]){dirfd, L(path), flags}), NULL, 0,
		 unlinkat, dirfd, path, flags);
}

EXPORT int rmdir(const char *path)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_unlinkat,
		 ((long[6]){AT_FDCWD, L(path), AT_REMOVEDIR}), NULL, 0, rmdir, path);
}

EXPORT int mkdir(const char *path, mode_t mode)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_mkdirat, ((long[6]){AT_FDCWD, L(path), mode}), NULL,
		 0, mkdir, path, mode);
}

EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	BUFFERED(path_ok(dirfd, path), SYS_mkdirat, ((long[6]){dirfd, L(path), mode}), NULL, 0,
		 mkdirat, dirfd, path, mode);
}

EXPORT int rename(const char *from, const char *to)
{
	BUFFERED(path_ok(AT_FDCWD, from) && path_ok(AT_FDCWD, to), SYS_renameat,
		 ((long[6]){AT_FDCWD, L(from), AT_FDCWD, L(to)}), NULL, 0, rename, from, to);
}

EXPORT int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	BUFFERED(path_ok(fromfd, from) && path_ok(tofd, to), SYS_renameat,
		 ((long[6]){fromfd, L(from), tofd, L(to)}), NULL, 0, renameat, fromfd, from, tofd,
		 to);
}

EXPORT int chmod(const char *path, mode_t mode)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_fchmodat, ((long[6]){AT_FDCWD, L(path), mode}), NULL,
		 0, chmod, path, mode);
}

EXPORT int chown(const char *path, uid_t uid, gid_t gid)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_fchownat,
		 ((long[6]){AT_FDCWD, L(path), (int)uid, (int)gid, 0}), NULL, 0, chown, path, uid,
		 gid);
}

EXPORT int lchown(const char *path, uid_t uid, gid_t gid)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_fchownat,
		 ((long[6]){AT_FDCWD, L(path), (int)uid, (int)gid, AT_SYMLINK_NOFOLLOW}), NULL, 0,
		 lchown, path, uid, gid);
}

EXPORT int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	BUFFERED(path_ok(dirfd, path), SYS_fchownat,
		 ((long[6]){dirfd, L(path), (int)uid, (int)gid, flags}), NULL, 0, fchownat, dirfd,
		 path, uid, gid, flags);
}

/*
 * utimensat with a null path is futimens (dirfd the file): the kernel takes
 * it, though glibc's prototype says the path is never null.
 */
EXPORT int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
	uintptr_t p = (uintptr_t)path;

	__asm__("" : "+r"(p));
	BUFFERED(p ? path_ok(dirfd, path) : sysbuf_fd_local(dirfd), SYS_utimensat,
		 ((long[6]){dirfd, L(path), L(times), flags}), NULL, 0, utimensat, dirfd, path,
		 times, flags);
}

EXPORT int symlink(const char *target, const char *path)
{
	BUFFERED(path_ok(AT_FDCWD, path), SYS_symlinkat, ((long[6]){L(target), AT_FDCWD, L(path)}),
		 NULL, 0, symlink, target, path);
}

EXPORT int link(const char *from, const char *to)
{
	BUFFERED(path_ok(AT_FDCWD, from) && path_ok(AT_FDCWD, to), SYS_linkat,
		 ((long[6]){AT_FDCWD, L(from), AT_FDCWD, L(to), 0}), NULL, 0, link, from, to);
}

/* ---- Opens ---- */

/* The directory part of path (its last slash and what follows dropped), or "." */
static bool dir_of(const char *path, char *dir, size_t size)
{
	size_t n = 0, slash = 0;

	for (; path[n]; n++)
		if (path[n] == '/')
			slash = n + 1;
	if (!slash) {
		dir[0] = '.';
		dir[1] = '\0';
		return true;
	}
	if (slash >= size)
		return false;
	for (size_t i = 0; i < slash; i++)
		dir[i] = path[i];
	dir[slash] = '\0';
	return true;
}

/*
 * What an open of path would open, if it may be buffered: the kind the
 * new descriptor gets (SYSBUF_FD_UNKNOWN when the device was not asked
 * about yet), or -1 when the open goes the traced way.
 */
static int open_kind(int dirfd, const char *path, int flags, struct stat *file)
{
	struct stat st;
	char dir[4096];
	long ret;

	if (!path_ok(dirfd, path))
		return -1;
	if (!sysbuf_call(
		SYS_newfstatat,
		(long[6]){dirfd, L(path), L(&st), (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0},
		&st, sizeof(st), &ret))
		return -1;
	if (ret == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		*file = st;
		/* An unnamed file made in that directory: its first use asks what it is. */
		if ((flags & __O_TMPFILE) == __O_TMPFILE)
			return SYSBUF_FD_UNKNOWN;
		return sysbuf_kind_of(st.st_mode, major(st.st_dev), minor(st.st_dev), st.st_ino);
	}
	/*
	 * Nothing there (a search along a path, mostly): the open fails as the
	 * stat did. Should the file appear in between, its first use asks
	 * what it is.
	 */
	if ((ret == -ENOENT || ret == -ENOTDIR) && !(flags & O_CREAT))
		return SYSBUF_FD_UNKNOWN;
	if (ret != -ENOENT || !dir_of(path, dir, sizeof(dir)))
		return -1;
	/* A new file, in a directory. */
	if (!sysbuf_call(SYS_newfstatat, (long[6]){dirfd, L(dir), L(&st), 0}, &st, sizeof(st),
			 &ret) ||
	    ret != 0 || !S_ISDIR(st.st_mode))
		return -1;
	/* Its inode is not known yet: its first use asks. */
	return SYSBUF_FD_UNKNOWN;
}

bool sysbuf_open(int dirfd, const char *path, int flags, unsigned mode, long *ret)
{
	struct stat st = {0};
	int kind = open_kind(dirfd, path, flags, &st);

	if (kind < 0 ||
	    !sysbuf_call(SYS_openat, (long[6]){dirfd, L(path), flags, mode}, NULL, 0, ret))
		return false;
	if (*ret >= 0)
		sysbuf_fd_set((int)*ret, (uint8_t)kind, major(st.st_dev), minor(st.st_dev),
			      st.st_ino);
	return true;
}

/* openat buffered when open_kind allows: *done, and the descriptor or -1 with errno. */
static int open_buffered(int dirfd, const char *path, int flags, mode_t mode, bool *done)
{
	long ret;

	*done = sysbuf_open(dirfd, path, flags, mode, &ret);
	return *done ? (int)sysbuf_errno(ret) : 0;
}

/* The mode argument: there only when the flags create a file. */
#define OPEN_MODE(flags, last)                                                                     \
	({                                                                                         \
		mode_t mode_ = 0;                                                                  \
		if ((flags) & (O_CREAT | __O_TMPFILE)) {                                           \
			va_list ap_;                                                               \
			va_start(ap_, last);                                                       \
			mode_ = va_arg(ap_, mode_t);                                               \
			va_end(ap_);                                                               \
		}                                                                                  \
		mode_;                                                                             \
	})

#define OPEN_WRAPPER(name, at_args, dirfd)                                                         \
	EXPORT int name at_args                                                                    \
	{                                                                                          \
		mode_t mode = OPEN_MODE(flags, flags);                                             \
		bool done;                                                                         \
		int fd = open_buffered(dirfd, path, flags, mode, &done);                           \
		if (done)                                                                          \
			return fd;                                                                 \
		REAL(name);                                                                        \
		return real_##name OPEN_CALL_##dirfd;                                              \
	}

#define OPEN_CALL_AT_FDCWD (path, flags, mode)
#define OPEN_CALL_dirfd	   (dirfd, path, flags, mode)

OPEN_WRAPPER(open, (const char *path, int flags, ...), AT_FDCWD)
OPEN_WRAPPER(open64, (const char *path, int flags, ...), AT_FDCWD)
OPEN_WRAPPER(openat, (int dirfd, const char *path, int flags, ...), dirfd)
OPEN_WRAPPER(openat64, (int dirfd, const char *path, int flags, ...), dirfd)

EXPORT int creat(const char *path, mode_t mode)
{
	bool done;
	int fd = open_buffered(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, &done);

	if (done)
		return fd;
	REAL(creat);
	return real_creat(path, mode);
}
