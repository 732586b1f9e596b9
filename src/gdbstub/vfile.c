/*
 * vFile: gdb's host I/O, which it uses to read the program and its
 * libraries "from the target" (sysroot target:). The target serves the
 * trace's stored copies, so a trace debugs on a machine without the
 * files. Everything here is read-only: opening for writing, pwrite and
 * unlink fail with EROFS.
 *
 * Numbers in these packets are hex; errors are "F-1,<errno>" with the
 * protocol's own errno values, and binary data follows a ';' escaped.
 */
#include "gdbstub/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

/* The File-I/O protocol's open flags. */
#define FILEIO_O_ACCMODE 0x3
#define FILEIO_O_CREAT	 0x200
#define FILEIO_O_TRUNC	 0x400

#define FILEIO_EUNKNOWN 9999

/* The protocol's errno values; most equal Linux's, ENAMETOOLONG does not. */
static int fileio_errno(int err)
{
	switch (err) {
	case EPERM:
	case ENOENT:
	case EINTR:
	case EBADF:
	case EACCES:
	case EFAULT:
	case EBUSY:
	case EEXIST:
	case ENODEV:
	case ENOTDIR:
	case EISDIR:
	case EINVAL:
	case ENFILE:
	case EMFILE:
	case EFBIG:
	case ENOSPC:
	case ESPIPE:
	case EROFS:
		return err;
	case ENAMETOOLONG:
		return 91;
	default:
		return FILEIO_EUNKNOWN;
	}
}

static void reply_fileio_error(struct gdb_server *s, long err)
{
	rw_buf_reset(&s->reply);
	gdb_reply_fmt(s, "F-1,%x", fileio_errno((int)-err));
}

/* Reply "F<result>" or "F-1,<errno>" for a result that is >= 0 or -errno. */
static void reply_result(struct gdb_server *s, long result)
{
	if (result < 0)
		reply_fileio_error(s, result);
	else
		gdb_reply_fmt(s, "F%lx", result);
}

/* A hex-encoded path up to the next ',' or the end; returns 0 or -EINVAL. */
static int parse_path(const char **p, char path[PATH_MAX])
{
	const char *end = strchr(*p, ',');
	size_t hexlen = end ? (size_t)(end - *p) : strlen(*p);
	long n = gdb_hex_decode(*p, hexlen, (uint8_t *)path, PATH_MAX - 1);

	if (n <= 0 || memchr(path, 0, (size_t)n))
		return -EINVAL;
	path[n] = 0;
	*p += hexlen;
	return 0;
}

/* Comma-separated hex arguments; returns 0 if exactly n were there. */
static int parse_args(const char *p, uint64_t *args, int n)
{
	for (int i = 0; i < n; i++) {
		if (i && *p++ != ',')
			return -EINVAL;
		if (gdb_parse_hex(&p, &args[i]) < 0)
			return -EINVAL;
	}
	return *p ? -EINVAL : 0;
}

static void handle_open(struct gdb_server *s, const char *p)
{
	char path[PATH_MAX];
	uint64_t args[2];

	if (parse_path(&p, path) < 0 || *p++ != ',' || parse_args(p, args, 2) < 0) {
		reply_fileio_error(s, -EINVAL);
		return;
	}
	if ((args[0] & FILEIO_O_ACCMODE) || (args[0] & (FILEIO_O_CREAT | FILEIO_O_TRUNC))) {
		reply_fileio_error(s, -EROFS);
		return;
	}
	if (!s->ops->file_open) {
		reply_fileio_error(s, -ENOENT);
		return;
	}
	reply_result(s, s->ops->file_open(s->ctx, path, O_RDONLY, (int)(args[1] & 07777)));
}

static void handle_pread(struct gdb_server *s, const char *p)
{
	uint64_t args[3];
	long n;

	if (parse_args(p, args, 3) < 0 || args[0] > INT_MAX) {
		reply_fileio_error(s, -EINVAL);
		return;
	}
	if (args[1] > GDB_MAX_BINARY_REPLY)
		args[1] = GDB_MAX_BINARY_REPLY;
	n = s->ops->file_pread
		? s->ops->file_pread(s->ctx, (int)args[0], s->io_buf, args[1], args[2])
		: -EBADF;
	if (n < 0) {
		reply_fileio_error(s, n);
		return;
	}
	if ((uint64_t)n > args[1])
		n = (long)args[1];
	gdb_reply_fmt(s, "F%lx;", n);
	gdb_pkt_escape(&s->reply, s->io_buf, (size_t)n);
}

static void handle_close(struct gdb_server *s, const char *p)
{
	uint64_t fd;

	if (parse_args(p, &fd, 1) < 0 || fd > INT_MAX) {
		reply_fileio_error(s, -EINVAL);
		return;
	}
	reply_result(s, s->ops->file_close ? s->ops->file_close(s->ctx, (int)fd) : -EBADF);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/*
 * The protocol's struct stat, 64 bytes, big-endian: dev, ino, mode, nlink,
 * uid, gid, rdev (32 bits each), size, blksize, blocks (64 bits each),
 * atime, mtime, ctime (32 bits each). Only size and mode are known.
 */
static void handle_fstat(struct gdb_server *s, const char *p)
{
	uint8_t st[64];
	uint64_t fd, size = 0;
	uint32_t mode = 0;
	int err;

	if (parse_args(p, &fd, 1) < 0 || fd > INT_MAX) {
		reply_fileio_error(s, -EINVAL);
		return;
	}
	err = s->ops->file_fstat ? s->ops->file_fstat(s->ctx, (int)fd, &size, &mode) : -EBADF;
	if (err < 0) {
		reply_fileio_error(s, err);
		return;
	}
	memset(st, 0, sizeof(st));
	put_be32(st + 8, mode);
	put_be32(st + 12, 1);		       /* nlink */
	put_be64(st + 28, size);	       /* size */
	put_be64(st + 36, 4096);	       /* blksize */
	put_be64(st + 44, (size + 511) / 512); /* blocks */
	gdb_reply_fmt(s, "F%zx;", sizeof(st));
	gdb_pkt_escape(&s->reply, st, sizeof(st));
}

static void handle_readlink(struct gdb_server *s, const char *p)
{
	char path[PATH_MAX];
	long n;

	if (parse_path(&p, path) < 0 || *p) {
		reply_fileio_error(s, -EINVAL);
		return;
	}
	n = s->ops->file_readlink ? s->ops->file_readlink(s->ctx, path, (char *)s->io_buf, PATH_MAX)
				  : -ENOENT;
	if (n < 0) {
		reply_fileio_error(s, n);
		return;
	}
	if (n > PATH_MAX)
		n = PATH_MAX;
	gdb_reply_fmt(s, "F%lx;", n);
	gdb_pkt_escape(&s->reply, s->io_buf, (size_t)n);
}

bool gdb_handle_vfile(struct gdb_server *s, const char *pkt, size_t len)
{
	const char *op = pkt + 6; /* after "vFile:" */

	(void)len;
	if (strncmp(op, "setfs:", 6) == 0)
		gdb_reply_str(s, "F0"); /* one filesystem: the recording's */
	else if (strncmp(op, "open:", 5) == 0)
		handle_open(s, op + 5);
	else if (strncmp(op, "pread:", 6) == 0)
		handle_pread(s, op + 6);
	else if (strncmp(op, "close:", 6) == 0)
		handle_close(s, op + 6);
	else if (strncmp(op, "fstat:", 6) == 0)
		handle_fstat(s, op + 6);
	else if (strncmp(op, "readlink:", 9) == 0)
		handle_readlink(s, op + 9);
	else if (strncmp(op, "pwrite:", 7) == 0 || strncmp(op, "unlink:", 7) == 0)
		reply_fileio_error(s, -EROFS);
	else
		return false;
	return true;
}
