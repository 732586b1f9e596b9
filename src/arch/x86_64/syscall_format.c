/*
 * One syscall as `rewind dump` shows it, strace style:
 *
 *     openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
 *     read(3, 0x7ffd5e0c2a10, 4096) = -11 EAGAIN
 *     write(1, 0x5581c0a012a0, 6) = ?               (entry: no result yet)
 *
 * Each argument is shown according to its argfmt in the syscall table;
 * strings are the ones the recorder saved at the entry stop.
 */
#include "arch/x86_64/syscall_table.h"

#include <asm/unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/kernel_errno.h"

/* Bounded appender: keeps out NUL-terminated and drops what does not fit. */
struct out_buf {
	char *p;
	size_t size;
	size_t len;
};

static void put(struct out_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len + 1 >= b->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n < b->size - b->len ? (size_t)n : b->size - b->len - 1;
}

struct flag_name {
	uint64_t bits;
	const char *name;
};

/* Names each set flag, joined by '|'; leftover bits in hex; "0" for none. */
static void put_flags(struct out_buf *b, uint64_t v, const struct flag_name *names, int first)
{
	for (; names->name; names++) {
		if (names->bits && (v & names->bits) == names->bits) {
			put(b, "%s%s", first ? "" : "|", names->name);
			v &= ~names->bits;
			first = 0;
		}
	}
	if (v || first)
		put(b, "%s%#llx", first ? "" : "|", (unsigned long long)v);
}

/* clang-format off */
#define F(name) {name, #name}

static const struct flag_name open_flag_names[] = {
	F(O_CREAT), F(O_EXCL), {020000000 | O_DIRECTORY, "O_TMPFILE"}, F(O_NOCTTY), F(O_TRUNC),
	F(O_APPEND), F(O_NONBLOCK), {04010000, "O_SYNC"}, F(O_DSYNC), {020000, "O_ASYNC"},
	{040000, "O_DIRECT"}, {0100000, "O_LARGEFILE"}, F(O_DIRECTORY), F(O_NOFOLLOW),
	{01000000, "O_NOATIME"}, F(O_CLOEXEC), {010000000, "O_PATH"},
	{0, NULL},
};

static const struct flag_name prot_names[] = {
	{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"}, {8, "PROT_SEM"},
	{0x01000000, "PROT_GROWSDOWN"}, {0x02000000, "PROT_GROWSUP"},
	{0, NULL},
};

static const struct flag_name mmap_flag_names[] = {
	{0x10, "MAP_FIXED"}, {0x20, "MAP_ANONYMOUS"}, {0x40, "MAP_32BIT"},
	{0x100, "MAP_GROWSDOWN"}, {0x800, "MAP_DENYWRITE"}, {0x1000, "MAP_EXECUTABLE"},
	{0x2000, "MAP_LOCKED"}, {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"},
	{0x10000, "MAP_NONBLOCK"}, {0x20000, "MAP_STACK"}, {0x40000, "MAP_HUGETLB"},
	{0x80000, "MAP_SYNC"}, {0x100000, "MAP_FIXED_NOREPLACE"}, {0x4000000, "MAP_UNINITIALIZED"},
	{0, NULL},
};

static const struct flag_name at_flag_names[] = {
	{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_REMOVEDIR"}, {0x400, "AT_SYMLINK_FOLLOW"},
	{0x800, "AT_NO_AUTOMOUNT"}, {0x1000, "AT_EMPTY_PATH"}, {0x2000, "AT_STATX_FORCE_SYNC"},
	{0x4000, "AT_STATX_DONT_SYNC"}, {0x8000, "AT_RECURSIVE"},
	{0, NULL},
};

/* faccessat2 gives 0x200 another meaning. */
static const struct flag_name access_at_flag_names[] = {
	{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_EACCESS"}, {0x1000, "AT_EMPTY_PATH"},
	{0, NULL},
};

#define E(name) [name] = #name

static const char *const errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF),
	E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(ENOTBLK), E(EBUSY), E(EEXIST),
	E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(EDOM),
	E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP),
	E(ENOMSG), E(EIDRM), E(ECHRNG), E(EL2NSYNC), E(EL3HLT), E(EL3RST), E(ELNRNG), E(EUNATCH),
	E(ENOCSI), E(EL2HLT), E(EBADE), E(EBADR), E(EXFULL), E(ENOANO), E(EBADRQC), E(EBADSLT),
	E(EBFONT), E(ENOSTR), E(ENODATA), E(ETIME), E(ENOSR), E(ENONET), E(ENOPKG), E(EREMOTE),
	E(ENOLINK), E(EADV), E(ESRMNT), E(ECOMM), E(EPROTO), E(EMULTIHOP), E(EDOTDOT),
	E(EBADMSG), E(EOVERFLOW), E(ENOTUNIQ), E(EBADFD), E(EREMCHG), E(ELIBACC), E(ELIBBAD),
	E(ELIBSCN), E(ELIBMAX), E(ELIBEXEC), E(EILSEQ), E(ERESTART), E(ESTRPIPE), E(EUSERS),
	E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT), E(EAFNOSUPPORT),
	E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ENETRESET),
	E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ESHUTDOWN),
	E(ETOOMANYREFS), E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH),
	E(EALREADY), E(EINPROGRESS), E(ESTALE), E(EUCLEAN), E(ENOTNAM), E(ENAVAIL), E(EISNAM),
	E(EREMOTEIO), E(EDQUOT), E(ENOMEDIUM), E(EMEDIUMTYPE), E(ECANCELED), E(ENOKEY),
	E(EKEYEXPIRED), E(EKEYREVOKED), E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE),
	E(ERFKILL), E(EHWPOISON),
	/* Kernel-internal codes a tracer sees at a syscall-exit stop before a restart. */
	E(ERESTARTSYS), E(ERESTARTNOINTR), E(ERESTARTNOHAND), E(ENOIOCTLCMD),
	E(ERESTART_RESTARTBLOCK),
};

#define SIGNAME(name) [name] = #name

static const char *const signal_names[32] = {
	SIGNAME(SIGHUP), SIGNAME(SIGINT), SIGNAME(SIGQUIT), SIGNAME(SIGILL), SIGNAME(SIGTRAP),
	SIGNAME(SIGABRT), SIGNAME(SIGBUS), SIGNAME(SIGFPE), SIGNAME(SIGKILL), SIGNAME(SIGUSR1),
	SIGNAME(SIGSEGV), SIGNAME(SIGUSR2), SIGNAME(SIGPIPE), SIGNAME(SIGALRM), SIGNAME(SIGTERM),
	SIGNAME(SIGSTKFLT), SIGNAME(SIGCHLD), SIGNAME(SIGCONT), SIGNAME(SIGSTOP), SIGNAME(SIGTSTP),
	SIGNAME(SIGTTIN), SIGNAME(SIGTTOU), SIGNAME(SIGURG), SIGNAME(SIGXCPU), SIGNAME(SIGXFSZ),
	SIGNAME(SIGVTALRM), SIGNAME(SIGPROF), SIGNAME(SIGWINCH), SIGNAME(SIGIO), SIGNAME(SIGPWR),
	SIGNAME(SIGSYS),
};
/* clang-format on */

static void put_signal(struct out_buf *b, int sig)
{
	if (sig > 0 && sig < 32 && signal_names[sig])
		put(b, "%s", signal_names[sig]);
	else if (sig == 32)
		put(b, "SIGRTMIN");
	else if (sig > 32 && sig <= 64)
		put(b, "SIGRTMIN+%d", sig - 32);
	else
		put(b, "%d", sig);
}

static void put_ioctl_request(struct out_buf *b, uint32_t req)
{
	static const char *const dirs[] = {"_IOC_NONE", "_IOC_WRITE", "_IOC_READ",
					   "_IOC_READ|_IOC_WRITE"};
	const char *name = x86_ioctl_name(req);

	if (name)
		put(b, "%s", name);
	else if (!(req >> 30))
		put(b, "%#x", req);
	else
		put(b, "_IOC(%s, %#x, %#x, %#x)", dirs[req >> 30], (req >> 8) & 0xff, req & 0xff,
		    (req >> 16) & 0x3fff);
}

/* A C string literal, cut after 256 bytes. */
static void put_string(struct out_buf *b, const char *s)
{
	size_t i;

	put(b, "\"");
	for (i = 0; s[i] && i < 256; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			put(b, "\\%c", c);
		else if (c == '\n')
			put(b, "\\n");
		else if (c == '\t')
			put(b, "\\t");
		else if (c == '\r')
			put(b, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			put(b, "\\x%02x", c);
		else
			put(b, "%c", c);
	}
	put(b, s[i] ? "\"..." : "\"");
}

static void put_pointer(struct out_buf *b, uint64_t v)
{
	if (v)
		put(b, "%#llx", (unsigned long long)v);
	else
		put(b, "NULL");
}

/* The access mode is only meaningful for calls that open something. */
static int shows_access_mode(long nr)
{
	return nr == __NR_open || nr == __NR_openat || nr == __NR_open_by_handle_at ||
	       nr == __NR_mq_open;
}

static void put_arg(struct out_buf *b, long nr, int fmt, uint64_t v, const char *str)
{
	static const char *const access_modes[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};

	switch (fmt) {
	case ARG_INT:
		put(b, "%lld", (long long)v);
		break;
	case ARG_UINT:
		put(b, "%llu", (unsigned long long)v);
		break;
	case ARG_HEX:
		put(b, v ? "%#llx" : "%llu", (unsigned long long)v);
		break;
	case ARG_PTR:
		put_pointer(b, v);
		break;
	case ARG_FD:
		if ((int)v == -100)
			put(b, "AT_FDCWD");
		else
			put(b, "%d", (int)v);
		break;
	case ARG_PATH:
		if (str)
			put_string(b, str);
		else
			put_pointer(b, v);
		break;
	case ARG_OPEN_FLAGS:
		if (shows_access_mode(nr)) {
			put(b, "%s", access_modes[v & 3]);
			if (v & ~3ull)
				put_flags(b, v & ~3ull, open_flag_names, 0);
		} else {
			put_flags(b, v, open_flag_names, 1);
		}
		break;
	case ARG_MODE:
		put(b, "%#llo", (unsigned long long)(v & 0xffffffffu));
		break;
	case ARG_PROT:
		if (v)
			put_flags(b, v, prot_names, 1);
		else
			put(b, "PROT_NONE");
		break;
	case ARG_MMAP_FLAGS: {
		static const char *const types[] = {"0", "MAP_SHARED", "MAP_PRIVATE",
						    "MAP_SHARED_VALIDATE"};

		put(b, "%s", (v & 0xf) < 4 ? types[v & 0xf] : "MAP_TYPE");
		if (v & ~0xfull)
			put_flags(b, v & ~0xfull, mmap_flag_names, 0);
		break;
	}
	case ARG_SIGNAL:
		put_signal(b, (int)v);
		break;
	case ARG_IOCTL_CMD:
		put_ioctl_request(b, (uint32_t)v);
		break;
	case ARG_AT_FLAGS:
		put_flags(b, v, nr == __NR_faccessat2 ? access_at_flag_names : at_flag_names, 1);
		break;
	default:
		put(b, "%#llx", (unsigned long long)v);
		break;
	}
}

/* open, openat and mq_open take a mode only when they may create the file. */
static int shown_nargs(long nr, const struct x86_syscall_desc *d, const uint64_t args[6])
{
	const uint64_t creates = O_CREAT | 020000000; /* __O_TMPFILE */

	if ((nr == __NR_open && !(args[1] & creates)) ||
	    (nr == __NR_openat && !(args[2] & creates)) ||
	    (nr == __NR_mq_open && !(args[1] & O_CREAT)))
		return d->nargs - (nr == __NR_mq_open ? 2 : 1);
	return d->nargs;
}

static void put_result(struct out_buf *b, const struct x86_syscall_desc *d, int64_t ret)
{
	if (ret < 0 && ret >= -4095) {
		size_t e = (size_t)-ret;

		if (e < sizeof(errno_names) / sizeof(errno_names[0]) && errno_names[e])
			put(b, "%lld %s", (long long)ret, errno_names[e]);
		else
			put(b, "%lld", (long long)ret);
	} else if (d && (d->flags & SYSF_RETURNS_ADDR)) {
		put(b, "%#llx", (unsigned long long)ret);
	} else {
		put(b, "%lld", (long long)ret);
	}
}

void x86_syscall_format(char *out, size_t outlen, long nr, const uint64_t args[6],
			const char *const strings[6], int64_t ret, int ret_known)
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	struct out_buf b = {out, outlen, 0};
	int n;

	if (!outlen)
		return;
	out[0] = '\0';
	if (d) {
		put(&b, "%s(", d->name);
		n = shown_nargs(nr, d, args);
		for (int i = 0; i < n; i++) {
			if (i)
				put(&b, ", ");
			put_arg(&b, nr, d->argfmt[i], args[i], strings ? strings[i] : NULL);
		}
	} else {
		put(&b, "syscall_%ld(", nr);
		for (int i = 0; i < 6; i++)
			put(&b, "%s%#llx", i ? ", " : "", (unsigned long long)args[i]);
	}
	put(&b, ") = ");
	if (ret_known)
		put_result(&b, d, ret);
	else
		put(&b, "?");
}
