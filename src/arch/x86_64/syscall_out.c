/*
 * What each syscall writes into the tracee when it returns: the regions the
 * recorder saves at the exit stop and the replayer writes back. Each row of
 * syscalls.def says it in its last column, read here.
 *
 * Most syscalls are described by up to four rules, each "argument i points
 * at N bytes", where N is fixed, the result, another argument, a count times
 * an element size, or a length the kernel stored through a pointer (socklen_t
 * style); readv's iovecs and recvmsg's msghdr are rules too. Rules apply when
 * the call succeeded unless they say otherwise (nanosleep's remaining time is
 * written when it is interrupted, waitid's siginfo even on failure). The same
 * rules, sized from the arguments alone, give a blocking syscall's regions
 * before it runs (x86_syscall_entry_regions): a rule sized by the result then
 * names the argument that bounds it (read's count). Syscalls whose output
 * depends on a command or on structures in tracee memory (fcntl, prctl,
 * futex, clone3, ...) have a small handler, all with one signature. Syscalls
 * the table cannot describe say why, and recording stops there instead of
 * saving an incomplete trace.
 *
 * Sizes are the x86_64 kernel's structure sizes (struct stat is 144 bytes,
 * struct statx 256, ...), written as numbers because the user-space types of
 * the same name sometimes differ (glibc's struct termios, sigset_t).
 */
#include "arch/x86_64/syscall_table.h"

#include <asm/unistd.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/syscall_numbers.h"

/* Largest socket address (struct sockaddr_storage). */
#define SOCKADDR_MAX 128
/* UIO_MAXIOV: the kernel refuses longer iovec arrays. */
#define IOV_MAX_COUNT 1024

enum out_kind {
	OUT_UNMODELLED = 0, /* no entry: x86_syscall_output_regions says -ENOSYS */
	OUT_NONE,	    /* writes no tracee memory */
	OUT_RULES,
	OUT_SPECIAL,
	OUT_UNSUPPORTED, /* named, but recording it is refused (reason) */
	OUT_RESTARTED,	 /* restart_syscall: writes what the interrupted syscall writes */
};

enum out_size {
	SZ_END = 0,   /* no more rules */
	SZ_FIXED,     /* n bytes */
	SZ_RET,	      /* ret bytes (ret at most args[size_arg] with RULE_BOUNDED) */
	SZ_RET_PLUS,  /* n + ret bytes (likewise) */
	SZ_RET_ELEMS, /* ret * n bytes (likewise) */
	SZ_ARG,	      /* args[size_arg] bytes */
	SZ_ARG_PLUS,  /* n + args[size_arg] bytes */
	SZ_ARG_ELEMS, /* args[size_arg] * n bytes */
	SZ_ARG_BITS,  /* a node mask of args[size_arg] - 1 bits in whole longs (get_mempolicy) */
	SZ_ARG_PAGES, /* one byte per page of args[size_arg] bytes (mincore) */
	SZ_LEN_PTR,   /* *(u32 *)args[size_arg] read after the call, at most n when n != 0;
		       * the u32 itself is written too (socklen_t *addrlen style) */
	SZ_FDSET,     /* a select fd_set for args[size_arg] fds */
	SZ_IOVECS,    /* an iovec array of args[size_arg] entries, its buffers filled up to ret */
	SZ_MSGHDR,    /* a received struct msghdr: name, control, iovecs up to ret */
	SZ_MMSGHDRS,  /* ret received struct mmsghdr, of args[size_arg] */
};

enum out_when {
	WHEN_OK = 0,	 /* ret >= 0 */
	WHEN_POSITIVE,	 /* ret > 0 */
	WHEN_INTR,	 /* interrupted by a signal */
	WHEN_OK_OR_INTR, /* select/poll timeouts: the time left */
	WHEN_NOT_EFAULT, /* whatever the result, unless the pointer itself was bad */
	WHEN_E2BIG,	 /* the kernel stores the size it wanted, then fails */
};

#define RULE_BOUNDED 0x1 /* an SZ_RET* size is at most args[size_arg]: known before the call */
#define RULE_IN	     0x2 /* the kernel reads the region before it writes it (poll's fds) */

struct out_rule {
	uint8_t arg;	  /* argument that holds the address */
	uint8_t size;	  /* enum out_size */
	uint8_t size_arg; /* argument the size (or its bound) comes from */
	uint8_t when;	  /* enum out_when */
	uint8_t flags;	  /* RULE_* */
	uint32_t n;
};

#define OUT_RULES_MAX 4

typedef int out_special_fn(const struct x86_sys_out_ctx *ctx);
typedef const char *out_check_fn(long nr, const uint64_t args[6]);

struct out_entry {
	uint8_t kind; /* enum out_kind */
	/* OUT_RULES; OUT_SPECIAL: what the handler may write, as known at entry */
	struct out_rule rules[OUT_RULES_MAX];
	out_special_fn *special; /* OUT_SPECIAL */
	out_check_fn *check;	 /* OUT_SPECIAL, optional: refuses some commands at entry */
	const char *reason;	 /* OUT_UNSUPPORTED */
	const char *in_place;	 /* a blocking call whose writes are not moved to scratch: why */
};

/* ---- helpers shared by the handlers ---- */

static _Thread_local char reason_buf[160];

static const char *format_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *format_reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason_buf, sizeof(reason_buf), fmt, ap);
	va_end(ap);
	return reason_buf;
}

/* Emits [addr, addr + len), skipping NULL pointers and empty regions. */
static int emit(const struct x86_sys_out_ctx *ctx, uint64_t addr, uint64_t len)
{
	if (!addr || !len)
		return 0;
	return ctx->emit(ctx->opaque, addr, len);
}

static int read_u32(const struct x86_sys_out_ctx *ctx, uint64_t addr, uint32_t *v)
{
	return ctx->read_mem(ctx->opaque, addr, v, sizeof(*v));
}

static int read_u64(const struct x86_sys_out_ctx *ctx, uint64_t addr, uint64_t *v)
{
	return ctx->read_mem(ctx->opaque, addr, v, sizeof(*v));
}

static int is_interrupted(int64_t ret)
{
	return ret == -EINTR || ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
	       ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * Emits the first total bytes of an iovec array: iovecs are filled in order,
 * so a partial result covers a prefix.
 */
static int emit_iovecs(const struct x86_sys_out_ctx *ctx, uint64_t iov, uint64_t count,
		       uint64_t total)
{
	uint64_t batch[2 * 32];
	int err;

	count = min_u64(count, IOV_MAX_COUNT);
	for (uint64_t i = 0; i < count && total > 0; i += 32) {
		uint64_t n = min_u64(count - i, 32);

		if ((err = ctx->read_mem(ctx->opaque, iov + i * 16, batch, n * 16)) < 0)
			return err;
		for (uint64_t j = 0; j < n && total > 0; j++) {
			uint64_t len = min_u64(batch[2 * j + 1], total);

			if ((err = emit(ctx, batch[2 * j], len)) < 0)
				return err;
			total -= len;
		}
	}
	return 0;
}

/* ---- received messages ---- */

/* struct msghdr on x86_64. */
#define MSGHDR_SIZE	  56
#define MSGHDR_NAME	  0
#define MSGHDR_NAMELEN	  8
#define MSGHDR_IOV	  16
#define MSGHDR_IOVLEN	  24
#define MSGHDR_CONTROL	  32
#define MSGHDR_CONTROLLEN 40
/* struct mmsghdr: a msghdr, the u32 msg_len, padding. */
#define MMSGHDR_SIZE 64
#define MMSGHDR_LEN  56

/*
 * One received message: the kernel updates msg_namelen, msg_controllen and
 * msg_flags in the header (saved whole), fills the name and control buffers
 * up to the lengths it stored, and the iovecs up to the byte count.
 */
static int emit_received_msghdr(const struct x86_sys_out_ctx *ctx, uint64_t hdr, uint64_t bytes)
{
	uint8_t m[MSGHDR_SIZE];
	uint64_t name, iov, iovlen, control, controllen;
	uint32_t namelen;
	int err;

	if ((err = ctx->read_mem(ctx->opaque, hdr, m, sizeof(m))) < 0)
		return err;
	memcpy(&name, m + MSGHDR_NAME, 8);
	memcpy(&namelen, m + MSGHDR_NAMELEN, 4);
	memcpy(&iov, m + MSGHDR_IOV, 8);
	memcpy(&iovlen, m + MSGHDR_IOVLEN, 8);
	memcpy(&control, m + MSGHDR_CONTROL, 8);
	memcpy(&controllen, m + MSGHDR_CONTROLLEN, 8);
	if ((err = emit(ctx, hdr, MSGHDR_SIZE)) < 0 ||
	    (err = emit(ctx, name, min_u64(namelen, SOCKADDR_MAX))) < 0 ||
	    (err = emit(ctx, control, controllen)) < 0)
		return err;
	return emit_iovecs(ctx, iov, iovlen, bytes);
}

/* ret received messages of a struct mmsghdr vector, each with its byte count in msg_len. */
static int emit_received_mmsghdrs(const struct x86_sys_out_ctx *ctx, uint64_t vec)
{
	int err;

	for (int64_t i = 0; i < ctx->ret; i++) {
		uint64_t entry = vec + (uint64_t)i * MMSGHDR_SIZE;
		uint32_t len;

		if ((err = read_u32(ctx, entry + MMSGHDR_LEN, &len)) < 0 ||
		    (err = emit(ctx, entry + MSGHDR_SIZE, MMSGHDR_SIZE - MSGHDR_SIZE)) < 0 ||
		    (err = emit_received_msghdr(ctx, entry, len)) < 0)
			return err;
	}
	return 0;
}

/* ---- generic rules ---- */

/*
 * select's fd_sets: the kernel's FDS_BYTES(nfds), whole longs, with nfds
 * clamped to the fd table size, at most nr_open (2^20 by default).
 */
static uint64_t fdset_bytes(uint64_t nfds_arg)
{
	int nfds = (int)nfds_arg;

	if (nfds <= 0)
		return 0;
	return ((uint64_t)(nfds < (1 << 20) ? nfds : (1 << 20)) + 63) / 64 * 8;
}

/* ret, or at most args[size_arg] for a bounded rule (MSG_TRUNC reports the full length). */
static uint64_t ret_count(const struct x86_sys_out_ctx *ctx, const struct out_rule *r)
{
	uint64_t n = (uint64_t)ctx->ret;

	return (r->flags & RULE_BOUNDED) ? min_u64(n, ctx->args[r->size_arg]) : n;
}

static int rule_applies(const struct out_rule *r, int64_t ret)
{
	switch (r->when) {
	case WHEN_OK:
		return ret >= 0;
	case WHEN_POSITIVE:
		return ret > 0;
	case WHEN_INTR:
		return is_interrupted(ret);
	case WHEN_OK_OR_INTR:
		return ret >= 0 || is_interrupted(ret);
	case WHEN_NOT_EFAULT:
		return ret != -EFAULT;
	case WHEN_E2BIG:
		return ret == -E2BIG;
	}
	return 0;
}

static int apply_rule(const struct x86_sys_out_ctx *ctx, const struct out_rule *r)
{
	uint64_t addr = ctx->args[r->arg], sarg = ctx->args[r->size_arg];
	uint64_t uret = (uint64_t)ctx->ret;
	uint32_t len;
	int err;

	if (!rule_applies(r, ctx->ret) || !addr)
		return 0;
	switch (r->size) {
	case SZ_FIXED:
		return emit(ctx, addr, r->n);
	case SZ_RET:
		return ctx->ret > 0 ? emit(ctx, addr, ret_count(ctx, r)) : 0;
	case SZ_RET_PLUS:
		return ctx->ret >= 0 ? emit(ctx, addr, r->n + ret_count(ctx, r)) : 0;
	case SZ_RET_ELEMS:
		return ctx->ret > 0 ? emit(ctx, addr, ret_count(ctx, r) * r->n) : 0;
	case SZ_ARG:
		return emit(ctx, addr, sarg);
	case SZ_ARG_PLUS:
		return emit(ctx, addr, r->n + sarg);
	case SZ_ARG_ELEMS:
		return emit(ctx, addr, sarg * r->n);
	case SZ_ARG_BITS: /* copy_nodes_to_user(): ALIGN(maxnode - 1, 64) / 8 */
		return sarg ? emit(ctx, addr, (sarg - 1 + 63) / 64 * 8) : 0;
	case SZ_ARG_PAGES:
		return emit(ctx, addr, (sarg + 4095) / 4096);
	case SZ_LEN_PTR:
		if (!sarg)
			return 0;
		if ((err = read_u32(ctx, sarg, &len)) < 0)
			return err;
		if ((err = emit(ctx, sarg, sizeof(len))) < 0)
			return err;
		return emit(ctx, addr, r->n ? min_u64(len, r->n) : len);
	case SZ_FDSET:
		return emit(ctx, addr, fdset_bytes(sarg));
	case SZ_IOVECS:
		return ctx->ret > 0 ? emit_iovecs(ctx, addr, sarg, uret) : 0;
	case SZ_MSGHDR:
		return emit_received_msghdr(ctx, addr, uret);
	case SZ_MMSGHDRS:
		return emit_received_mmsghdrs(ctx, addr);
	}
	return 0;
}

/* ---- handlers: file and socket I/O ---- */

/* sendmmsg stores each sent message's byte count in its msg_len. */
static int out_sendmmsg(const struct x86_sys_out_ctx *ctx)
{
	int err;

	if (ctx->ret <= 0 || !ctx->args[1])
		return 0;
	for (int64_t i = 0; i < ctx->ret; i++)
		if ((err = emit(ctx, ctx->args[1] + (uint64_t)i * MMSGHDR_SIZE + MMSGHDR_LEN, 4)) <
		    0)
			return err;
	return 0;
}

/*
 * getsockopt: *optlen holds the length written. SO_PEERSEC and
 * SO_PEERGROUPS also store the length they needed when they fail with ERANGE.
 */
static int out_getsockopt(const struct x86_sys_out_ctx *ctx)
{
	uint64_t optval = ctx->args[3], optlen = ctx->args[4];
	uint32_t len;
	int err;

	if (!optlen || (ctx->ret < 0 && ctx->ret != -ERANGE))
		return 0;
	if ((err = emit(ctx, optlen, 4)) < 0 || ctx->ret < 0)
		return err;
	if ((err = read_u32(ctx, optlen, &len)) < 0)
		return err;
	return emit(ctx, optval, len);
}

/* name_to_handle_at: struct file_handle (8-byte header + handle_bytes) and the mount id. */
static int out_name_to_handle_at(const struct x86_sys_out_ctx *ctx)
{
	uint64_t handle = ctx->args[2], mount_id = ctx->args[3];
	/* AT_HANDLE_MNT_ID_UNIQUE: the mount id is a u64. */
	uint64_t id_size = (ctx->args[4] & 0x001) ? 8 : 4;
	uint32_t handle_bytes = 0;
	int err;

	/* On EOVERFLOW the kernel stores the size it needs in the header. */
	if (ctx->ret < 0 && ctx->ret != -EOVERFLOW)
		return 0;
	if (ctx->ret >= 0 && handle && (err = read_u32(ctx, handle, &handle_bytes)) < 0)
		return err;
	if ((err = emit(ctx, mount_id, id_size)) < 0)
		return err;
	/* MAX_HANDLE_SZ is 128. */
	return emit(ctx, handle, 8 + min_u64(handle_bytes, 128));
}

/* getxattrat: the value buffer is named in struct xattr_args {u64 value; u32 size, flags}. */
static int out_getxattrat(const struct x86_sys_out_ctx *ctx)
{
	uint64_t value;
	int err;

	if (ctx->ret <= 0 || !ctx->args[4])
		return 0;
	if ((err = read_u64(ctx, ctx->args[4], &value)) < 0)
		return err;
	return emit(ctx, value, (uint64_t)ctx->ret);
}

/*
 * lsm_get_self_attr(attr, ctx, u32 *size, flags) and
 * lsm_list_modules(ids, u32 *size, flags): the kernel stores the size used,
 * or needed when it fails with E2BIG.
 */
static int out_lsm(const struct x86_sys_out_ctx *ctx)
{
	int buf_arg = ctx->nr == __NR_lsm_get_self_attr ? 1 : 0;
	uint64_t buf = ctx->args[buf_arg], size = ctx->args[buf_arg + 1];
	uint32_t len;
	int err;

	if (!size || (ctx->ret < 0 && ctx->ret != -E2BIG))
		return 0;
	if ((err = emit(ctx, size, 4)) < 0 || ctx->ret < 0)
		return err;
	if ((err = read_u32(ctx, size, &len)) < 0)
		return err;
	return emit(ctx, buf, len);
}

/* ---- handlers: processes, signals, time ---- */

#define CLONE_PIDFD	    0x00001000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_SETTID  0x01000000

/*
 * In the parent, the kernel stores the child's tid (CLONE_PARENT_SETTID) or
 * a pidfd (CLONE_PIDFD) at parent_tid; the child stores its own tid at
 * child_tid (CLONE_CHILD_SETTID) before it first returns to user space, so
 * that write belongs to the child's exit stop.
 */
static int emit_clone_ptrs(const struct x86_sys_out_ctx *ctx, uint64_t flags, uint64_t parent_tid,
			   uint64_t pidfd, uint64_t child_tid)
{
	int err;

	if (ctx->ret < 0)
		return 0;
	if ((flags & CLONE_PIDFD) && (err = emit(ctx, pidfd, 4)) < 0)
		return err;
	if ((flags & CLONE_PARENT_SETTID) && (err = emit(ctx, parent_tid, 4)) < 0)
		return err;
	if (ctx->ret == 0 && (flags & CLONE_CHILD_SETTID))
		return emit(ctx, child_tid, 4);
	return 0;
}

/* clone(flags, newsp, parent_tid, child_tid, tls): CLONE_PIDFD also uses parent_tid. */
static int out_clone(const struct x86_sys_out_ctx *ctx)
{
	return emit_clone_ptrs(ctx, ctx->args[0], ctx->args[2], ctx->args[2], ctx->args[3]);
}

/* clone3(struct clone_args *, size): flags, pidfd, child_tid, parent_tid are its first u64s. */
static int out_clone3(const struct x86_sys_out_ctx *ctx)
{
	uint64_t ca[4];
	int err;

	if (ctx->ret < 0 || ctx->args[1] < sizeof(ca))
		return 0;
	if ((err = ctx->read_mem(ctx->opaque, ctx->args[0], ca, sizeof(ca))) < 0)
		return err;
	return emit_clone_ptrs(ctx, ca[0], ca[3], ca[1], ca[2]);
}

#define FUTEX_WAKE_OP	      5
#define FUTEX_LOCK_PI	      6
#define FUTEX_UNLOCK_PI	      7
#define FUTEX_TRYLOCK_PI      8
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI  12
#define FUTEX_LOCK_PI2	      13

/*
 * futex(uaddr, op, val, timeout/val2, uaddr2, val3). FUTEX_WAKE_OP applies
 * its operation to *uaddr2. The PI operations store the owner's tid and the
 * waiters bit in the futex words, also on the way to a timeout.
 */
static int out_futex(const struct x86_sys_out_ctx *ctx)
{
	int op = (int)ctx->args[1] & ~0x180; /* FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME */
	int err;

	switch (op) {
	case FUTEX_WAKE_OP:
		return ctx->ret >= 0 ? emit(ctx, ctx->args[4], 4) : 0;
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_UNLOCK_PI:
	case FUTEX_TRYLOCK_PI:
		return ctx->ret != -EFAULT ? emit(ctx, ctx->args[0], 4) : 0;
	case FUTEX_WAIT_REQUEUE_PI:
	case FUTEX_CMP_REQUEUE_PI:
		if (ctx->ret == -EFAULT)
			return 0;
		if ((err = emit(ctx, ctx->args[0], 4)) < 0)
			return err;
		return emit(ctx, ctx->args[4], 4);
	default:
		return 0;
	}
}

/*
 * ptrace(request, pid, addr, data): the requests that write the caller's
 * memory, each at data (arch_ptrace, ptrace_request, ptrace_regset). A
 * regset's iovec gets the length the kernel filled, and its buffer that much.
 */
static int out_ptrace(const struct x86_sys_out_ctx *ctx)
{
	uint64_t data = ctx->args[3], iov[2];
	int err;

	if (ctx->ret < 0)
		return 0;
	switch (ctx->args[0]) {
	case 1: /* PTRACE_PEEKTEXT */
	case 2: /* PTRACE_PEEKDATA */
	case 3: /* PTRACE_PEEKUSR */
	case 0x4201: /* PTRACE_GETEVENTMSG */
		return emit(ctx, data, 8);
	case 12: /* PTRACE_GETREGS */
		return emit(ctx, data, 27 * 8);
	case 14: /* PTRACE_GETFPREGS */
		return emit(ctx, data, 512);
	case 0x4202: /* PTRACE_GETSIGINFO */
		return emit(ctx, data, 128);
	case 0x4204: /* PTRACE_GETREGSET */
		if ((err = ctx->read_mem(ctx->opaque, data, iov, sizeof(iov))) < 0)
			return err;
		if ((err = emit(ctx, data, sizeof(iov))) < 0)
			return err;
		return emit(ctx, iov[0], iov[1]);
	default:
		return 0;
	}
}

/* clock_nanosleep stores the time left only for a relative sleep (no TIMER_ABSTIME). */
static int out_clock_nanosleep(const struct x86_sys_out_ctx *ctx)
{
	if ((ctx->args[1] & 1) || !is_interrupted(ctx->ret))
		return 0;
	return emit(ctx, ctx->args[3], 16);
}

/*
 * capget(header, data): an unknown header version is answered with the
 * kernel's preferred one and EINVAL; data holds one struct per 32
 * capability bits: one for version 1, two for versions 2 and 3.
 */
static int out_capget(const struct x86_sys_out_ctx *ctx)
{
	uint32_t version;
	int err;

	if (ctx->ret != 0 && ctx->ret != -EINVAL)
		return 0;
	if ((err = emit(ctx, ctx->args[0], 8)) < 0 || ctx->ret != 0 || !ctx->args[1])
		return err;
	if ((err = read_u32(ctx, ctx->args[0], &version)) < 0)
		return err;
	return emit(ctx, ctx->args[1], version == 0x19980330 ? 12 : 24);
}

/* syslog: the READ actions (2, 3, 4) copy ret bytes of the kernel log. */
static int out_syslog(const struct x86_sys_out_ctx *ctx)
{
	int type = (int)ctx->args[0];

	if (ctx->ret <= 0 || type < 2 || type > 4)
		return 0;
	return emit(ctx, ctx->args[1], (uint64_t)ctx->ret);
}

/* sysfs(2, index, buf) copies a file system type name, NUL included. */
static int out_sysfs(const struct x86_sys_out_ctx *ctx)
{
	uint64_t buf = ctx->args[2];
	char c;
	int err;

	if ((int)ctx->args[0] != 2 || ctx->ret < 0 || !buf)
		return 0;
	for (uint64_t len = 1; len <= 256; len++) {
		if ((err = ctx->read_mem(ctx->opaque, buf + len - 1, &c, 1)) < 0)
			return err;
		if (!c)
			return emit(ctx, buf, len);
	}
	return emit(ctx, buf, 256);
}

/* modify_ldt: functions 0 (read) and 2 (read default) copy ret bytes. */
static int out_modify_ldt(const struct x86_sys_out_ctx *ctx)
{
	int func = (int)ctx->args[0];

	if (ctx->ret <= 0 || (func != 0 && func != 2))
		return 0;
	return emit(ctx, ctx->args[1], (uint64_t)ctx->ret);
}

/* seccomp(SECCOMP_GET_NOTIF_SIZES, 0, struct seccomp_notif_sizes *): three u16s. */
static int out_seccomp(const struct x86_sys_out_ctx *ctx)
{
	if (ctx->ret < 0 || ctx->args[0] != 3)
		return 0;
	return emit(ctx, ctx->args[2], 6);
}

/* ---- handlers with commands: a table per syscall, shared by the exit and entry checks ---- */

#define CMD_END INT64_MIN

/* size bytes at the syscall's output argument, 0 for a command that writes nothing. */
struct cmd_rule {
	int64_t cmd;
	uint32_t size;
};

static const struct cmd_rule *find_cmd(const struct cmd_rule *t, int64_t cmd)
{
	for (; t->cmd != CMD_END; t++)
		if (t->cmd == cmd)
			return t;
	return NULL;
}

/*
 * The command tables list every command of the kernels rewind knows, so an
 * unlisted one is let through at entry: programs probe for features with
 * commands their kernel may lack, and get EINVAL without anything written.
 * If such a command succeeds, this kernel knows more than the table, and
 * recording stops at the exit stop instead of guessing what it wrote.
 */
static int emit_cmd(const struct x86_sys_out_ctx *ctx, const struct cmd_rule *t, int64_t cmd,
		    uint64_t addr)
{
	const struct cmd_rule *r = find_cmd(t, cmd);

	if (!r)
		return ctx->ret < 0 ? 0 : -ENOSYS;
	if (ctx->ret < 0)
		return 0;
	return emit(ctx, addr, r->size);
}

/* clang-format off */
static const struct cmd_rule fcntl_cmds[] = {
	{0, 0},                 /* F_DUPFD */
	{1, 0},                 /* F_GETFD */
	{2, 0},                 /* F_SETFD */
	{3, 0},                 /* F_GETFL */
	{4, 0},                 /* F_SETFL */
	{5, 32},                /* F_GETLK: struct flock */
	{6, 0},                 /* F_SETLK */
	{7, 0},                 /* F_SETLKW */
	{8, 0},                 /* F_SETOWN */
	{9, 0},                 /* F_GETOWN */
	{10, 0},                /* F_SETSIG */
	{11, 0},                /* F_GETSIG */
	{15, 0},                /* F_SETOWN_EX */
	{16, 8},                /* F_GETOWN_EX: struct f_owner_ex */
	{36, 32},               /* F_OFD_GETLK */
	{37, 0},                /* F_OFD_SETLK */
	{38, 0},                /* F_OFD_SETLKW */
	{1024, 0},              /* F_SETLEASE */
	{1025, 0},              /* F_GETLEASE */
	{1026, 0},              /* F_NOTIFY */
	{1027, 0},              /* F_DUPFD_QUERY */
	{1028, 0},              /* F_CREATED_QUERY */
	{1030, 0},              /* F_DUPFD_CLOEXEC */
	{1031, 0},              /* F_SETPIPE_SZ */
	{1032, 0},              /* F_GETPIPE_SZ */
	{1033, 0},              /* F_ADD_SEALS */
	{1034, 0},              /* F_GET_SEALS */
	{1035, 8},              /* F_GET_RW_HINT: u64 */
	{1036, 0},              /* F_SET_RW_HINT */
	{1037, 8},              /* F_GET_FILE_RW_HINT */
	{1038, 0},              /* F_SET_FILE_RW_HINT */
	{CMD_END, 0},
};
/* clang-format on */

static int out_fcntl(const struct x86_sys_out_ctx *ctx)
{
	return emit_cmd(ctx, fcntl_cmds, (int)ctx->args[1], ctx->args[2]);
}

/* IPC_64 (0x100) selects the 64-bit structures, the only ones on x86_64. */
#define IPC_CMD(c) ((int)(c) & ~0x100)

/* clang-format off */
static const struct cmd_rule semctl_cmds[] = {
	{0, 0},                 /* IPC_RMID */
	{1, 0},                 /* IPC_SET */
	{2, 104},               /* IPC_STAT: struct semid64_ds */
	{3, 40},                /* IPC_INFO: struct seminfo */
	{11, 0},                /* GETPID */
	{12, 0},                /* GETVAL */
	{14, 0},                /* GETNCNT */
	{15, 0},                /* GETZCNT */
	{16, 0},                /* SETVAL */
	{17, 0},                /* SETALL */
	{18, 104},              /* SEM_STAT */
	{19, 40},               /* SEM_INFO */
	{20, 104},              /* SEM_STAT_ANY */
	{CMD_END, 0},
};
/* clang-format on */

/*
 * semctl(id, num, cmd, arg): GETALL fills an array of unsigned shorts as
 * long as the set, which the caller of the rules finds out (ctx->sem_count).
 */
static int out_semctl(const struct x86_sys_out_ctx *ctx)
{
	int n;

	if (IPC_CMD(ctx->args[2]) != 13 /* GETALL */ || ctx->ret < 0)
		return emit_cmd(ctx, semctl_cmds, IPC_CMD(ctx->args[2]), ctx->args[3]);
	if (!ctx->sem_count)
		return -ENOSYS;
	n = ctx->sem_count(ctx->opaque, (int)ctx->args[0]);
	if (n < 0)
		return n;
	return emit(ctx, ctx->args[3], (uint64_t)n * 2);
}

/* clang-format off */
static const struct cmd_rule shmctl_cmds[] = {
	{0, 0},                 /* IPC_RMID */
	{1, 0},                 /* IPC_SET */
	{2, 112},               /* IPC_STAT: struct shmid64_ds */
	{3, 72},                /* IPC_INFO: struct shminfo64 */
	{11, 0},                /* SHM_LOCK */
	{12, 0},                /* SHM_UNLOCK */
	{13, 112},              /* SHM_STAT */
	{14, 48},               /* SHM_INFO: struct shm_info */
	{15, 112},              /* SHM_STAT_ANY */
	{CMD_END, 0},
};
/* clang-format on */

static int out_shmctl(const struct x86_sys_out_ctx *ctx)
{
	return emit_cmd(ctx, shmctl_cmds, IPC_CMD(ctx->args[1]), ctx->args[2]);
}

/* clang-format off */
static const struct cmd_rule msgctl_cmds[] = {
	{0, 0},                 /* IPC_RMID */
	{1, 0},                 /* IPC_SET */
	{2, 120},               /* IPC_STAT: struct msqid64_ds */
	{3, 32},                /* IPC_INFO: struct msginfo */
	{11, 120},              /* MSG_STAT */
	{12, 32},               /* MSG_INFO */
	{13, 120},              /* MSG_STAT_ANY */
	{CMD_END, 0},
};
/* clang-format on */

static int out_msgctl(const struct x86_sys_out_ctx *ctx)
{
	return emit_cmd(ctx, msgctl_cmds, IPC_CMD(ctx->args[1]), ctx->args[2]);
}

/* quotactl commands without the quota type: QCMD(cmd, type) is cmd << 8 | type. */
/* clang-format off */
static const struct cmd_rule quotactl_cmds[] = {
	{0x800001, 0},          /* Q_SYNC */
	{0x800002, 0},          /* Q_QUOTAON */
	{0x800003, 0},          /* Q_QUOTAOFF */
	{0x800004, 4},          /* Q_GETFMT */
	{0x800005, 24},         /* Q_GETINFO: struct if_dqinfo */
	{0x800006, 0},          /* Q_SETINFO */
	{0x800007, 72},         /* Q_GETQUOTA: struct if_dqblk */
	{0x800008, 0},          /* Q_SETQUOTA */
	{0x800009, 72},         /* Q_GETNEXTQUOTA: struct if_nextdqblk */
	{0x5801, 0},            /* Q_XQUOTAON */
	{0x5802, 0},            /* Q_XQUOTAOFF */
	{0x5803, 112},          /* Q_XGETQUOTA: struct fs_disk_quota */
	{0x5804, 0},            /* Q_XSETQLIM */
	{0x5805, 80},           /* Q_XGETQSTAT: struct fs_quota_stat */
	{0x5806, 0},            /* Q_XQUOTARM */
	{0x5807, 0},            /* Q_XQUOTASYNC */
	{0x5808, 160},          /* Q_XGETQSTATV: struct fs_quota_statv */
	{0x5809, 112},          /* Q_XGETNEXTQUOTA */
	{CMD_END, 0},
};
/* clang-format on */

/* quotactl(cmd, special, id, addr) and quotactl_fd(fd, cmd, id, addr). */
static int64_t quotactl_subcmd(long nr, const uint64_t args[6])
{
	return (uint32_t)args[nr == __NR_quotactl ? 0 : 1] >> 8;
}

static int out_quotactl(const struct x86_sys_out_ctx *ctx)
{
	return emit_cmd(ctx, quotactl_cmds, quotactl_subcmd(ctx->nr, ctx->args), ctx->args[3]);
}

/*
 * prctl options and the bytes they store at arg2. PR_SET_TSC is refused
 * because rewind itself traps rdtsc with it, PR_SET_SYSCALL_USER_DISPATCH
 * (on) because it turns syscalls into signals behind the recorder's back.
 */
/* clang-format off */
static const struct cmd_rule prctl_cmds[] = {
	{1, 0}, {2, 4},         /* PR_SET/GET_PDEATHSIG */
	{3, 0}, {4, 0},         /* PR_GET/SET_DUMPABLE */
	{5, 4}, {6, 0},         /* PR_GET/SET_UNALIGN */
	{7, 0}, {8, 0},         /* PR_GET/SET_KEEPCAPS */
	{9, 4}, {10, 0},        /* PR_GET/SET_FPEMU */
	{11, 4}, {12, 0},       /* PR_GET/SET_FPEXC */
	{13, 0}, {14, 0},       /* PR_GET/SET_TIMING */
	{15, 0}, {16, 16},      /* PR_SET/GET_NAME */
	{19, 4}, {20, 0},       /* PR_GET/SET_ENDIAN */
	{21, 0}, {22, 0},       /* PR_GET/SET_SECCOMP */
	{23, 0}, {24, 0},       /* PR_CAPBSET_READ/DROP */
	{25, 4},                /* PR_GET_TSC */
	{27, 0}, {28, 0},       /* PR_GET/SET_SECUREBITS */
	{29, 0}, {30, 0},       /* PR_SET/GET_TIMERSLACK */
	{31, 0}, {32, 0},       /* PR_TASK_PERF_EVENTS_DISABLE/ENABLE */
	{33, 0}, {34, 0},       /* PR_MCE_KILL, PR_MCE_KILL_GET */
	{35, 0},                /* PR_SET_MM (PR_SET_MM_MAP_SIZE: see out_prctl) */
	{36, 0}, {37, 4},       /* PR_SET/GET_CHILD_SUBREAPER */
	{38, 0}, {39, 0},       /* PR_SET/GET_NO_NEW_PRIVS */
	{40, 8},                /* PR_GET_TID_ADDRESS */
	{41, 0}, {42, 0},       /* PR_SET/GET_THP_DISABLE */
	{43, 0}, {44, 0},       /* PR_MPX_ENABLE/DISABLE_MANAGEMENT (removed) */
	{45, 0}, {46, 0},       /* PR_SET/GET_FP_MODE */
	{47, 0},                /* PR_CAP_AMBIENT */
	{50, 0}, {51, 0},       /* PR_SVE_SET/GET_VL */
	{52, 0}, {53, 0},       /* PR_GET/SET_SPECULATION_CTRL */
	{54, 0},                /* PR_PAC_RESET_KEYS */
	{55, 0}, {56, 0},       /* PR_SET/GET_TAGGED_ADDR_CTRL */
	{57, 0}, {58, 0},       /* PR_SET/GET_IO_FLUSHER */
	{59, 0},                /* PR_SET_SYSCALL_USER_DISPATCH (off only: see check_prctl) */
	{60, 0}, {61, 0},       /* PR_PAC_SET/GET_ENABLED_KEYS */
	{62, 0},                /* PR_SCHED_CORE (PR_SCHED_CORE_GET: see out_prctl) */
	{63, 0}, {64, 0},       /* PR_SME_SET/GET_VL */
	{65, 0}, {66, 0},       /* PR_SET/GET_MDWE */
	{67, 0}, {68, 0},       /* PR_SET/GET_MEMORY_MERGE */
	{69, 0}, {70, 0},       /* PR_RISCV_V_SET/GET_CONTROL */
	{71, 0},                /* PR_RISCV_SET_ICACHE_FLUSH_CTX */
	{72, 0}, {73, 0},       /* PR_PPC_GET/SET_DEXCR */
	{74, 8},                /* PR_GET_SHADOW_STACK_STATUS */
	{75, 0}, {76, 0},       /* PR_SET/LOCK_SHADOW_STACK_STATUS */
	{77, 0},                /* PR_TIMER_CREATE_RESTORE_IDS */
	{78, 0},                /* PR_FUTEX_HASH */
	{0x41555856, 0},        /* PR_GET_AUXV: see out_prctl */
	{0x53564d41, 0},        /* PR_SET_VMA */
	{0x59616d61, 0},        /* PR_SET_PTRACER */
	{CMD_END, 0},
};
/* clang-format on */

static int out_prctl(const struct x86_sys_out_ctx *ctx)
{
	const uint64_t *a = ctx->args;

	if (ctx->ret >= 0) {
		if (a[0] == 35 && a[1] == 15) /* PR_SET_MM, PR_SET_MM_MAP_SIZE: u32 at arg3 */
			return emit(ctx, a[2], 4);
		if (a[0] == 62 && a[1] == 0) /* PR_SCHED_CORE, PR_SCHED_CORE_GET: u64 at arg5 */
			return emit(ctx, a[4], 8);
		if (a[0] == 0x41555856) /* PR_GET_AUXV(buf, size): min(size, ret) bytes */
			return emit(ctx, a[1], min_u64(a[2], (uint64_t)ctx->ret));
	}
	return emit_cmd(ctx, prctl_cmds, (int64_t)a[0], a[1]);
}

static const char *check_prctl(long nr, const uint64_t args[6])
{
	if (args[0] == 26)
		return "prctl PR_SET_TSC (rewind traps rdtsc with it itself)";
	if (args[0] == 59 && args[1] != 0)
		return "prctl PR_SET_SYSCALL_USER_DISPATCH (syscalls turned into SIGSYS)";
	return NULL;
}

/* clang-format off */
static const struct cmd_rule arch_prctl_cmds[] = {
	{0x1001, 0},            /* ARCH_SET_GS */
	{0x1002, 0},            /* ARCH_SET_FS */
	{0x1003, 8},            /* ARCH_GET_FS */
	{0x1004, 8},            /* ARCH_GET_GS */
	{0x1011, 0},            /* ARCH_GET_CPUID */
	{0x1012, 0},            /* ARCH_SET_CPUID */
	{0x1021, 8},            /* ARCH_GET_XCOMP_SUPP */
	{0x1022, 8},            /* ARCH_GET_XCOMP_PERM */
	{0x1023, 0},            /* ARCH_REQ_XCOMP_PERM */
	{0x1024, 8},            /* ARCH_GET_XCOMP_GUEST_PERM */
	{0x1025, 0},            /* ARCH_REQ_XCOMP_GUEST_PERM */
	{0x4001, 8},            /* ARCH_GET_UNTAG_MASK */
	{0x4002, 0},            /* ARCH_ENABLE_TAGGED_ADDR */
	{0x4003, 8},            /* ARCH_GET_MAX_TAG_BITS */
	{0x4004, 0},            /* ARCH_FORCE_TAGGED_SVA */
	{0x5001, 0},            /* ARCH_SHSTK_ENABLE (without ARCH_SHSTK_SHSTK: see check_arch_prctl) */
	{0x5002, 0},            /* ARCH_SHSTK_DISABLE */
	{0x5003, 0},            /* ARCH_SHSTK_LOCK */
	{0x5004, 0},            /* ARCH_SHSTK_UNLOCK */
	{0x5005, 8},            /* ARCH_SHSTK_STATUS */
	{CMD_END, 0},
};
/* clang-format on */

static int out_arch_prctl(const struct x86_sys_out_ctx *ctx)
{
	return emit_cmd(ctx, arch_prctl_cmds, (int64_t)ctx->args[0], ctx->args[1]);
}

static const char *check_arch_prctl(long nr, const uint64_t args[6])
{
	if (args[0] >= 0x2001 && args[0] <= 0x2003)
		return "arch_prctl ARCH_MAP_VDSO_* (maps a vDSO the replayer does not model)";
	if (args[0] == 0x5001 && (args[1] & 1))
		return "arch_prctl ARCH_SHSTK_ENABLE (the shadow stack it maps is not recorded; "
		       "run with GLIBC_TUNABLES=glibc.cpu.hwcaps=-SHSTK)";
	return NULL;
}

static int out_ioctl(const struct x86_sys_out_ctx *ctx)
{
	return x86_ioctl_output_regions(ctx);
}

static const char *check_ioctl(long nr, const uint64_t args[6])
{
	return x86_ioctl_unsupported_reason((int)args[0], (uint32_t)args[1]);
}

/* ---- the table ---- */

/* clang-format off */
#define NONE                  .kind = OUT_NONE
#define RULES(...)            .kind = OUT_RULES, .rules = {__VA_ARGS__}
/* A handler; for a blocking call, rules for what it may write, as known at entry. */
#define SPECIAL(fn, ...)      .kind = OUT_SPECIAL, .special = (fn), .rules = {__VA_ARGS__}
#define CHECKED(fn, chk)      .kind = OUT_SPECIAL, .special = (fn), .check = (chk)
#define REFUSE(why)           .kind = OUT_UNSUPPORTED, .reason = (why)
#define RESTARTED             .kind = OUT_RESTARTED
/* A blocking call whose writes stay where the program asked, and why. */
#define IN_PLACE(why, ...)    __VA_ARGS__, .in_place = (why)

#define R(a, sz, sa, w, bytes, fl) \
	{.arg = (a), .size = (sz), .size_arg = (sa), .when = (w), .flags = (fl), .n = (bytes)}
/* arg a points at bytes bytes. */
#define FIXED(a, bytes)        R(a, SZ_FIXED, 0, WHEN_OK, bytes, 0)
#define FIXED_IF(a, bytes, w)  R(a, SZ_FIXED, 0, w, bytes, 0)
/* arg a points at ret bytes (plus bytes; times elem); _CAPPED: ret is at most args[sa]. */
#define RET(a)                 R(a, SZ_RET, 0, WHEN_OK, 0, 0)
#define RET_CAPPED(a, sa)      R(a, SZ_RET, sa, WHEN_OK, 0, RULE_BOUNDED)
#define RET_PLUS(a, bytes)     R(a, SZ_RET_PLUS, 0, WHEN_OK, bytes, 0)
#define RET_PLUS_CAPPED(a, bytes, sa) R(a, SZ_RET_PLUS, sa, WHEN_OK, bytes, RULE_BOUNDED)
#define RET_ELEMS(a, elem)     R(a, SZ_RET_ELEMS, 0, WHEN_OK, elem, 0)
#define RET_ELEMS_CAPPED(a, elem, sa) R(a, SZ_RET_ELEMS, sa, WHEN_OK, elem, RULE_BOUNDED)
/* arg a points at args[sa] bytes (plus extra; times elem; as a node mask; per page). */
#define ARG(a, sa)             R(a, SZ_ARG, sa, WHEN_OK, 0, 0)
#define ARG_PLUS(a, sa, extra) R(a, SZ_ARG_PLUS, sa, WHEN_OK, extra, 0)
#define ARG_ELEMS(a, sa, elem) R(a, SZ_ARG_ELEMS, sa, WHEN_OK, elem, 0)
#define ARG_BITS(a, sa)        R(a, SZ_ARG_BITS, sa, WHEN_OK, 0, 0)
#define ARG_PAGES(a, sa)       R(a, SZ_ARG_PAGES, sa, WHEN_OK, 0, 0)
/* arg a points at *(u32 *)args[sa] bytes (at most cap when cap != 0), and that u32 is written. */
#define LEN_PTR(a, sa, cap)    R(a, SZ_LEN_PTR, sa, WHEN_OK, cap, 0)
/* Read by the kernel, then written: args[sa] pollfds, select's fd_sets for args[sa] fds, the
 * time left of a timeout. */
#define POLLFDS(a, sa)         R(a, SZ_ARG_ELEMS, sa, WHEN_OK, POLLFD, RULE_IN)
#define FDSET(a, sa)           R(a, SZ_FDSET, sa, WHEN_OK, 0, RULE_IN)
#define TIME_LEFT(a, w)        R(a, SZ_FIXED, 0, w, TIMESPEC, RULE_IN)
/* An iovec array of args[sa] entries, a msghdr, args[sa] mmsghdrs: filled up to the result. */
#define IOVECS(a, sa)          R(a, SZ_IOVECS, sa, WHEN_OK, 0, 0)
#define MSGHDR(a)              R(a, SZ_MSGHDR, 0, WHEN_OK, 0, 0)
#define MMSGHDRS(a, sa)        R(a, SZ_MMSGHDRS, sa, WHEN_POSITIVE, 0, 0)

/* Sizes of x86_64 kernel structures. */
#define STAT        144 /* struct stat */
#define STATFS      120 /* struct statfs */
#define TIMESPEC    16  /* struct __kernel_timespec, also struct timeval */
#define ITIMERSPEC  32  /* struct itimerspec, also struct itimerval */
#define RUSAGE      144 /* struct rusage */
#define SIGINFO     128 /* siginfo_t */
#define TIMEX       208 /* struct __kernel_timex */
#define RLIMIT      16  /* struct rlimit64 */
#define EPOLL_EVENT 12  /* struct epoll_event (packed on x86_64) */
#define POLLFD      8   /* struct pollfd */

#define SYSCALL(name, nargs, replay, flags, args, writes) [__NR_##name] = {writes},

/* As long as syscall_table.c's: the rows are the same. */
static const struct out_entry out_table[] = {
#include "arch/x86_64/syscalls.def"
};
/* clang-format on */

static const struct out_entry *out_entry_for(long nr)
{
	if (nr < 0 || (size_t)nr >= sizeof(out_table) / sizeof(out_table[0]))
		return NULL;
	return &out_table[nr];
}

int x86_syscall_output_regions(const struct x86_sys_out_ctx *ctx)
{
	const struct out_entry *e = out_entry_for(ctx->nr);
	int err;

	if (!e || !x86_syscall_lookup(ctx->nr))
		return -ENOSYS;
	switch (e->kind) {
	case OUT_NONE:
		return 0;
	case OUT_RULES:
		for (int i = 0; i < OUT_RULES_MAX && e->rules[i].size != SZ_END; i++)
			if ((err = apply_rule(ctx, &e->rules[i])) < 0)
				return err;
		return 0;
	case OUT_SPECIAL:
		return e->special(ctx);
	default:
		return -ENOSYS;
	}
}

const char *x86_syscall_unsupported_reason(long nr, const uint64_t args[6])
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	const struct out_entry *e = out_entry_for(nr);

	if (!d || !e)
		return format_reason("syscall %ld (unknown number)", nr);
	switch (e->kind) {
	case OUT_NONE:
	case OUT_RULES:
		return NULL;
	case OUT_SPECIAL:
		return e->check ? e->check(nr, args) : NULL;
	case OUT_UNSUPPORTED:
		return e->reason;
	case OUT_RESTARTED:
		return "restart_syscall (what it writes belongs to the interrupted syscall: "
		       "look that one up instead)";
	default:
		return format_reason("%s (no rule for what it writes)", d->name);
	}
}

/* ---- before the call: the regions a blocking syscall may write ---- */

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * The bytes rule r may write, from the arguments alone: the rule's own size
 * where it does not depend on the result, else the bound it names. A size
 * that overflows is UINT64_MAX, which no scratch buffer takes.
 */
static int entry_size(const struct out_rule *r, uint64_t sarg, uint64_t *len)
{
	if ((r->size == SZ_RET || r->size == SZ_RET_PLUS || r->size == SZ_RET_ELEMS) &&
	    !(r->flags & RULE_BOUNDED))
		return -ENOSYS;
	switch (r->size) {
	case SZ_FIXED:
		*len = r->n;
		return 0;
	case SZ_RET:
	case SZ_ARG:
		*len = sarg;
		return 0;
	case SZ_RET_PLUS:
	case SZ_ARG_PLUS:
		*len = add_sat(r->n, sarg);
		return 0;
	case SZ_RET_ELEMS:
	case SZ_ARG_ELEMS:
		*len = mul_sat(sarg, r->n);
		return 0;
	case SZ_ARG_BITS:
		*len = sarg ? add_sat(sarg - 1, 63) / 64 * 8 : 0;
		return 0;
	case SZ_ARG_PAGES:
		*len = add_sat(sarg, 4095) / 4096;
		return 0;
	case SZ_FDSET:
		*len = fdset_bytes(sarg);
		return 0;
	default:
		return -ENOSYS;
	}
}

static int entry_rule(const struct x86_sys_entry_ctx *ctx, const struct out_rule *r)
{
	uint64_t sarg = ctx->args[r->size_arg];
	struct x86_entry_region reg = {r->arg, X86_ENTRY_BYTES, !!(r->flags & RULE_IN), 0};
	uint32_t len;
	int err;

	if (!ctx->args[r->arg])
		return 0; /* as apply_rule: nothing is written through NULL */
	switch (r->size) {
	case SZ_LEN_PTR: /* the buffer, then the length, which the kernel reads first */
		if (!sarg)
			return 0;
		if ((err = ctx->read_mem(ctx->opaque, sarg, &len, sizeof(len))) < 0)
			return err;
		reg.len = r->n ? min_u64(len, r->n) : len;
		if ((err = ctx->region(ctx->opaque, &reg)) < 0)
			return err;
		reg = (struct x86_entry_region){r->size_arg, X86_ENTRY_BYTES, 1, sizeof(len)};
		break;
	case SZ_IOVECS:
		reg.kind = X86_ENTRY_IOVECS;
		reg.len = sarg;
		break;
	case SZ_MSGHDR:
		reg.kind = X86_ENTRY_MSGHDR;
		reg.len = 1;
		break;
	case SZ_MMSGHDRS:
		reg.kind = X86_ENTRY_MMSGHDRS;
		reg.len = (uint32_t)sarg; /* unsigned int vlen */
		break;
	default:
		if ((err = entry_size(r, sarg, &reg.len)) < 0)
			return err;
		break;
	}
	return ctx->region(ctx->opaque, &reg);
}

int x86_syscall_entry_regions(const struct x86_sys_entry_ctx *ctx)
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(ctx->nr);
	const struct out_entry *e = out_entry_for(ctx->nr);
	int err;

	if (!d || !e || (!(d->flags & SYSF_MAY_BLOCK) && !ctx->any) || e->in_place ||
	    (e->kind != OUT_RULES && e->kind != OUT_SPECIAL))
		return 0;
	for (int i = 0; i < OUT_RULES_MAX && e->rules[i].size != SZ_END; i++)
		if ((err = entry_rule(ctx, &e->rules[i])) < 0)
			return err;
	return 0;
}
