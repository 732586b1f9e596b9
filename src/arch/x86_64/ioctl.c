/*
 * What an ioctl writes into the tracee, for the syscall table.
 *
 * Requests built with _IOR/_IOWR say it themselves: _IOC_SIZE bytes at the
 * argument when the direction has _IOC_READ. The table below covers what
 * that rule gets wrong:
 *  - legacy requests with no direction (the 0x54xx tty range, the 0x89xx
 *    socket range, block devices, loop, ...), each with its real size;
 *  - requests whose encoding lies (TUNSETIFF is _IOW but copies the ifreq
 *    back, TUNGETIFF says 4 bytes and writes 40) or whose output runs past
 *    the encoded size (FS_IOC_FIEMAP, FIDEDUPERANGE, FS_IOC_GETFSMAP,
 *    SIOCGIFCONF), which get a handler.
 * Families whose structures point at more output (DRM, KVM, V4L2, ALSA,
 * USB, btrfs, ...) are refused unless listed, and so is any legacy request
 * not listed: a request this file does not understand stops the recording
 * instead of leaving a hole in the trace.
 */
#include "arch/x86_64/syscall_table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/fsmap.h>
#include <linux/if_tun.h>
#include <linux/kd.h>
#include <linux/loop.h>
#include <linux/nsfs.h>
#include <linux/perf_event.h>
#include <linux/sockios.h>
#include <linux/vt.h>

#define IOC_DIR(req)  (((req) >> 30) & 3u)
#define IOC_TYPE(req) (((req) >> 8) & 0xffu)
#define IOC_SIZE(req) (((req) >> 16) & 0x3fffu)
#define IOC_DIR_NONE  0u
#define IOC_DIR_WRITE 1u
#define IOC_DIR_READ  2u

enum ioctl_kind {
	IOCTL_GENERIC, /* the _IOC encoding is right: listed for its name */
	IOCTL_NONE,    /* writes nothing */
	IOCTL_FIXED,   /* size bytes at the argument */
	IOCTL_SPECIAL, /* handler */
};

typedef int ioctl_special_fn(const struct x86_sys_out_ctx *ctx);

struct ioctl_desc {
	uint32_t request;
	uint8_t kind; /* enum ioctl_kind */
	uint32_t size;
	ioctl_special_fn *special;
	const char *name;
};

static int emit(const struct x86_sys_out_ctx *ctx, uint64_t addr, uint64_t len)
{
	if (!addr || !len)
		return 0;
	return ctx->emit(ctx->opaque, addr, len);
}

static int read_u32_at(const struct x86_sys_out_ctx *ctx, uint64_t addr, uint32_t *v)
{
	return ctx->read_mem(ctx->opaque, addr, v, sizeof(*v));
}

/* SIOCGIFCONF: struct ifconf {int ifc_len; union {char *ifc_buf; ...}}; ifc_len is the bytes
 * written. */
static int out_ifconf(const struct x86_sys_out_ctx *ctx)
{
	uint64_t ifc = ctx->args[2], buf;
	uint32_t len;
	int err;

	if (ctx->ret < 0 || !ifc)
		return 0;
	if ((err = read_u32_at(ctx, ifc, &len)) < 0 ||
	    (err = ctx->read_mem(ctx->opaque, ifc + 8, &buf, sizeof(buf))) < 0 ||
	    (err = emit(ctx, ifc, 16)) < 0)
		return err;
	return emit(ctx, buf, (int32_t)len > 0 ? len : 0);
}

/* SIOC[GS]HWTSTAMP: the ifreq, and the struct hwtstamp_config (12 bytes) at ifr_data. */
static int out_hwtstamp(const struct x86_sys_out_ctx *ctx)
{
	uint64_t ifr = ctx->args[2], data;
	int err;

	if (ctx->ret < 0 || !ifr)
		return 0;
	if ((err = ctx->read_mem(ctx->opaque, ifr + 16, &data, sizeof(data))) < 0 ||
	    (err = emit(ctx, ifr, 40)) < 0)
		return err;
	return emit(ctx, data, 12);
}

/*
 * FS_IOC_FIEMAP: struct fiemap (32 bytes; fm_mapped_extents at 20,
 * fm_extent_count at 24), then fm_mapped_extents extents of 56 bytes.
 */
static int out_fiemap(const struct x86_sys_out_ctx *ctx)
{
	uint64_t fm = ctx->args[2];
	uint32_t mapped, count;
	int err;

	if (ctx->ret < 0 || !fm)
		return 0;
	if ((err = read_u32_at(ctx, fm + 20, &mapped)) < 0 ||
	    (err = read_u32_at(ctx, fm + 24, &count)) < 0)
		return err;
	if (mapped > count)
		mapped = count;
	return emit(ctx, fm, 32 + (uint64_t)mapped * 56);
}

/* FIDEDUPERANGE: 24-byte header with dest_count (u16 at 16), then dest_count 32-byte results. */
static int out_dedupe(const struct x86_sys_out_ctx *ctx)
{
	uint64_t arg = ctx->args[2];
	uint16_t count;
	int err;

	if (ctx->ret < 0 || !arg)
		return 0;
	if ((err = ctx->read_mem(ctx->opaque, arg + 16, &count, sizeof(count))) < 0)
		return err;
	return emit(ctx, arg, 24 + (uint64_t)count * 32);
}

/*
 * FS_IOC_GETFSMAP: struct fsmap_head (192 bytes; fmh_count at 8,
 * fmh_entries at 12), then fmh_entries records of 64 bytes.
 */
static int out_getfsmap(const struct x86_sys_out_ctx *ctx)
{
	uint64_t head = ctx->args[2];
	uint32_t count, entries;
	int err;

	if (ctx->ret < 0 || !head)
		return 0;
	if ((err = read_u32_at(ctx, head + 8, &count)) < 0 ||
	    (err = read_u32_at(ctx, head + 12, &entries)) < 0)
		return err;
	if (entries > count)
		entries = count;
	return emit(ctx, head, 192 + (uint64_t)entries * 64);
}

/* clang-format off */
#define NAMED(req)      {(req), IOCTL_GENERIC, 0, NULL, #req}
#define IN(req)         {(req), IOCTL_NONE, 0, NULL, #req}
#define OUT(req, bytes) {(req), IOCTL_FIXED, (bytes), NULL, #req}
#define SPEC(req, fn)   {(req), IOCTL_SPECIAL, 0, (fn), #req}

/* Kernel structure sizes on x86_64. */
#define TERMIOS       36 /* kernel struct termios (glibc's is bigger) */
#define TERMIO        18 /* struct termio */
#define IFREQ         40 /* struct ifreq */
#define ARPREQ        68 /* struct arpreq */
#define SERIAL_STRUCT 72 /* struct serial_struct */

static const struct ioctl_desc ioctl_table[] = {
	/* tty (asm-generic/ioctls.h) */
	OUT(TCGETS, TERMIOS),
	IN(TCSETS),
	IN(TCSETSW),
	IN(TCSETSF),
	OUT(TCGETA, TERMIO),
	IN(TCSETA),
	IN(TCSETAW),
	IN(TCSETAF),
	IN(TCSBRK),
	IN(TCXONC),
	IN(TCFLSH),
	IN(TIOCEXCL),
	IN(TIOCNXCL),
	IN(TIOCSCTTY),
	OUT(TIOCGPGRP, 4),
	IN(TIOCSPGRP),
	OUT(TIOCOUTQ, 4),
	IN(TIOCSTI),
	OUT(TIOCGWINSZ, 8),
	IN(TIOCSWINSZ),
	OUT(TIOCMGET, 4),
	IN(TIOCMBIS),
	IN(TIOCMBIC),
	IN(TIOCMSET),
	OUT(TIOCGSOFTCAR, 4),
	IN(TIOCSSOFTCAR),
	OUT(FIONREAD, 4),
	OUT(TIOCLINUX, 1), /* the subcode byte is replaced by some answers */
	IN(TIOCCONS),
	OUT(TIOCGSERIAL, SERIAL_STRUCT),
	IN(TIOCSSERIAL),
	IN(TIOCPKT),
	IN(FIONBIO),
	IN(TIOCNOTTY),
	IN(TIOCSETD),
	OUT(TIOCGETD, 4),
	IN(TCSBRKP),
	IN(TIOCSBRK),
	IN(TIOCCBRK),
	OUT(TIOCGSID, 4),
	NAMED(TCGETS2),
	NAMED(TCSETS2),
	NAMED(TCSETSW2),
	NAMED(TCSETSF2),
	OUT(TIOCGRS485, 32),
	OUT(TIOCSRS485, 32), /* the accepted configuration is copied back */
	NAMED(TIOCGPTN),
	NAMED(TIOCSPTLCK),
	NAMED(TIOCGDEV),
	NAMED(TIOCSIG),
	IN(TIOCVHANGUP),
	NAMED(TIOCGPKT),
	NAMED(TIOCGPTLCK),
	NAMED(TIOCGEXCL),
	IN(TIOCGPTPEER),
	IN(FIONCLEX),
	IN(FIOCLEX),
	IN(FIOASYNC),
	IN(TIOCSERCONFIG),
	OUT(TIOCGLCKTRMIOS, TERMIOS),
	IN(TIOCSLCKTRMIOS),
	OUT(TIOCSERGETLSR, 4),
	IN(TIOCMIWAIT),
	OUT(TIOCGICOUNT, 80), /* struct serial_icounter_struct */
	OUT(FIOQSIZE, 8),

	/* sockets (asm-generic/sockios.h, linux/sockios.h) */
	IN(FIOSETOWN),
	IN(SIOCSPGRP),
	OUT(FIOGETOWN, 4),
	OUT(SIOCGPGRP, 4),
	OUT(SIOCATMARK, 4),
	OUT(SIOCGSTAMP, 16),   /* struct timeval */
	OUT(SIOCGSTAMPNS, 16), /* struct timespec */
	IN(SIOCADDRT),
	IN(SIOCDELRT),
	OUT(SIOCGIFNAME, IFREQ),
	SPEC(SIOCGIFCONF, out_ifconf),
	OUT(SIOCGIFFLAGS, IFREQ),
	IN(SIOCSIFFLAGS),
	OUT(SIOCGIFADDR, IFREQ),
	IN(SIOCSIFADDR),
	OUT(SIOCGIFDSTADDR, IFREQ),
	IN(SIOCSIFDSTADDR),
	OUT(SIOCGIFBRDADDR, IFREQ),
	IN(SIOCSIFBRDADDR),
	OUT(SIOCGIFNETMASK, IFREQ),
	IN(SIOCSIFNETMASK),
	OUT(SIOCGIFMETRIC, IFREQ),
	IN(SIOCSIFMETRIC),
	OUT(SIOCGIFMTU, IFREQ),
	IN(SIOCSIFMTU),
	IN(SIOCSIFNAME),
	IN(SIOCSIFHWADDR),
	OUT(SIOCGIFENCAP, IFREQ),
	IN(SIOCSIFENCAP),
	OUT(SIOCGIFHWADDR, IFREQ),
	IN(SIOCADDMULTI),
	IN(SIOCDELMULTI),
	OUT(SIOCGIFINDEX, IFREQ),
	IN(SIOCSIFPFLAGS),
	OUT(SIOCGIFPFLAGS, IFREQ),
	IN(SIOCDIFADDR),
	IN(SIOCSIFHWBROADCAST),
	OUT(SIOCGIFTXQLEN, IFREQ),
	IN(SIOCSIFTXQLEN),
	OUT(SIOCGMIIPHY, IFREQ),
	OUT(SIOCGMIIREG, IFREQ),
	IN(SIOCSMIIREG),
	OUT(SIOCOUTQNSD, 4),
	IN(SIOCGSKNS),
	IN(SIOCDARP),
	OUT(SIOCGARP, ARPREQ),
	IN(SIOCSARP),
	IN(SIOCDRARP),
	OUT(SIOCGRARP, ARPREQ),
	IN(SIOCSRARP),
	OUT(SIOCGIFMAP, IFREQ),
	IN(SIOCSIFMAP),
	IN(SIOCBRADDBR),
	IN(SIOCBRDELBR),
	IN(SIOCBRADDIF),
	IN(SIOCBRDELIF),
	SPEC(SIOCSHWTSTAMP, out_hwtstamp),
	SPEC(SIOCGHWTSTAMP, out_hwtstamp),

	/*
	 * perf events (linux/perf_event.h): the counters' values come from
	 * read(), which is recorded; the ring buffer (mmap) is not followed.
	 */
	IN(PERF_EVENT_IOC_ENABLE),
	IN(PERF_EVENT_IOC_DISABLE),
	IN(PERF_EVENT_IOC_REFRESH),
	IN(PERF_EVENT_IOC_RESET),
	IN(PERF_EVENT_IOC_SET_OUTPUT),
	NAMED(PERF_EVENT_IOC_PERIOD),
	NAMED(PERF_EVENT_IOC_ID),
	NAMED(PERF_EVENT_IOC_SET_FILTER),
	NAMED(PERF_EVENT_IOC_PAUSE_OUTPUT),

	/* block devices and files (linux/fs.h) */
	IN(BLKROSET),
	OUT(BLKROGET, 4),
	IN(BLKRRPART),
	OUT(BLKGETSIZE, 8),
	IN(BLKFLSBUF),
	IN(BLKRASET),
	OUT(BLKRAGET, 8),
	IN(BLKFRASET),
	OUT(BLKFRAGET, 8),
	IN(BLKSECTSET),
	OUT(BLKSECTGET, 2),
	OUT(BLKSSZGET, 4),
	NAMED(BLKBSZGET),
	NAMED(BLKBSZSET),
	NAMED(BLKGETSIZE64),
	IN(BLKDISCARD),
	OUT(BLKIOMIN, 4),
	OUT(BLKIOOPT, 4),
	OUT(BLKALIGNOFF, 4),
	OUT(BLKPBSZGET, 4),
	OUT(BLKDISCARDZEROES, 4),
	IN(BLKSECDISCARD),
	OUT(BLKROTATIONAL, 2),
	IN(BLKZEROOUT),
	OUT(FIBMAP, 4),
	OUT(FIGETBSZ, 4),
	NAMED(FIFREEZE),
	NAMED(FITHAW),
	NAMED(FITRIM),
	NAMED(FICLONE),
	NAMED(FICLONERANGE),
	SPEC(FIDEDUPERANGE, out_dedupe),
	NAMED(FS_IOC_GETFLAGS),
	NAMED(FS_IOC_SETFLAGS),
	NAMED(FS_IOC_GETVERSION),
	NAMED(FS_IOC_SETVERSION),
	NAMED(FS_IOC_FSGETXATTR),
	NAMED(FS_IOC_FSSETXATTR),
	SPEC(FS_IOC_FIEMAP, out_fiemap),
	SPEC(FS_IOC_GETFSMAP, out_getfsmap),
	/* fscrypt: encoded _IOW, but both copy a structure out. */
	OUT(FS_IOC_GET_ENCRYPTION_PWSALT, 16),
	OUT(FS_IOC_GET_ENCRYPTION_POLICY, 12),

	/* loop devices (linux/loop.h) */
	IN(LOOP_SET_FD),
	IN(LOOP_CLR_FD),
	IN(LOOP_SET_STATUS),
	OUT(LOOP_GET_STATUS, 168),   /* struct loop_info */
	IN(LOOP_SET_STATUS64),
	OUT(LOOP_GET_STATUS64, 232), /* struct loop_info64 */
	IN(LOOP_CHANGE_FD),
	IN(LOOP_SET_CAPACITY),
	IN(LOOP_SET_DIRECT_IO),
	IN(LOOP_SET_BLOCK_SIZE),
	IN(LOOP_CONFIGURE),
	IN(LOOP_CTL_ADD),
	IN(LOOP_CTL_REMOVE),
	IN(LOOP_CTL_GET_FREE),

	/* virtual consoles (linux/kd.h, linux/vt.h) */
	OUT(KDGKBTYPE, 1),
	OUT(KDGETMODE, 4),
	IN(KDSETMODE),
	OUT(KDGKBMODE, 4),
	IN(KDSKBMODE),
	OUT(VT_OPENQRY, 4),
	OUT(VT_GETMODE, 8),  /* struct vt_mode */
	IN(VT_SETMODE),
	OUT(VT_GETSTATE, 6), /* struct vt_stat */
	IN(VT_ACTIVATE),
	IN(VT_WAITACTIVE),

	/* tun (linux/if_tun.h): both copy a whole struct ifreq back. */
	OUT(TUNSETIFF, IFREQ),
	OUT(TUNGETIFF, IFREQ),

	/* namespaces (linux/nsfs.h) and pidfds: most return a new fd. */
	IN(NS_GET_USERNS),
	IN(NS_GET_PARENT),
	IN(NS_GET_NSTYPE),
	OUT(NS_GET_OWNER_UID, 4),
	{0xff01, IOCTL_NONE, 0, NULL, "PIDFD_GET_CGROUP_NAMESPACE"},
	{0xff02, IOCTL_NONE, 0, NULL, "PIDFD_GET_IPC_NAMESPACE"},
	{0xff03, IOCTL_NONE, 0, NULL, "PIDFD_GET_MNT_NAMESPACE"},
	{0xff04, IOCTL_NONE, 0, NULL, "PIDFD_GET_NET_NAMESPACE"},
	{0xff05, IOCTL_NONE, 0, NULL, "PIDFD_GET_PID_NAMESPACE"},
	{0xff06, IOCTL_NONE, 0, NULL, "PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE"},
	{0xff07, IOCTL_NONE, 0, NULL, "PIDFD_GET_TIME_NAMESPACE"},
	{0xff08, IOCTL_NONE, 0, NULL, "PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE"},
	{0xff09, IOCTL_NONE, 0, NULL, "PIDFD_GET_USER_NAMESPACE"},
	{0xff0a, IOCTL_NONE, 0, NULL, "PIDFD_GET_UTS_NAMESPACE"},
};

/*
 * _IOC types whose unlisted requests are refused: their structures hold
 * pointers to more memory the kernel fills, trailing arrays longer than
 * the encoded size, or encodings known to be wrong.
 */
static const struct {
	uint8_t type;
	const char *family;
} refused_types[] = {
	{0x41, "ALSA PCM"},
	{0x55, "USB devfs / ALSA control"},
	{0x56, "V4L2"},
	{0x58, "XFS"},
	{0x62, "binder"},
	{0x64, "DRM"},
	{0x66, "file system (f)"},
	{0x94, "btrfs"},
	{0xae, "KVM"},
	{0xaf, "vhost"},
};
/* clang-format on */

static const struct ioctl_desc *find_ioctl(uint32_t request)
{
	for (size_t i = 0; i < sizeof(ioctl_table) / sizeof(ioctl_table[0]); i++)
		if (ioctl_table[i].request == request)
			return &ioctl_table[i];
	return NULL;
}

static const char *refused_family(uint32_t request)
{
	for (size_t i = 0; i < sizeof(refused_types) / sizeof(refused_types[0]); i++)
		if (refused_types[i].type == IOC_TYPE(request))
			return refused_types[i].family;
	return NULL;
}

const char *x86_ioctl_name(uint32_t request)
{
	const struct ioctl_desc *d = find_ioctl(request);

	return d ? d->name : NULL;
}

const char *x86_ioctl_unsupported_reason(int fd, uint32_t request)
{
	static _Thread_local char reason[128];
	const char *family;

	if (find_ioctl(request))
		return NULL;
	if (IOC_DIR(request) == IOC_DIR_NONE) {
		snprintf(reason, sizeof(reason), "ioctl %#x on fd %d (unknown legacy ioctl)",
			 request, fd);
		return reason;
	}
	if ((family = refused_family(request))) {
		snprintf(reason, sizeof(reason),
			 "ioctl %#x on fd %d (%s ioctls that are not listed are not modelled)",
			 request, fd, family);
		return reason;
	}
	return NULL;
}

int x86_ioctl_output_regions(const struct x86_sys_out_ctx *ctx)
{
	uint32_t request = (uint32_t)ctx->args[1];
	const struct ioctl_desc *d = find_ioctl(request);

	if (d) {
		switch (d->kind) {
		case IOCTL_NONE:
			return 0;
		case IOCTL_FIXED:
			return ctx->ret >= 0 ? emit(ctx, ctx->args[2], d->size) : 0;
		case IOCTL_SPECIAL:
			return d->special(ctx);
		default:
			break;
		}
	} else if (IOC_DIR(request) == IOC_DIR_NONE || refused_family(request)) {
		return -ENOSYS;
	}
	if (!(IOC_DIR(request) & IOC_DIR_READ) || ctx->ret < 0)
		return 0;
	return emit(ctx, ctx->args[2], IOC_SIZE(request));
}
