/*
 * The in-process syscall buffer: what the preload library (src/preload/)
 * and the recorder (recorder/record_sysbuf.c) agree on. The library makes
 * a few syscalls that cannot block from the `syscall; ret` at
 * REWIND_UNTRACED_SYSCALL, which the recorder's seccomp filter lets
 * through without a stop, and appends one record per call to a buffer of
 * its thread; the recorder writes each record into the trace as the entry
 * and exit events a traced syscall would have made, at the thread's next
 * stop. Header-only: the library links nothing of rewind's.
 */
#ifndef REWIND_ARCH_X86_64_SYSBUF_H
#define REWIND_ARCH_X86_64_SYSBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

/* rewind's page (tracee.h) holds `syscall; ret` here; the filter allows its syscalls. */
#define REWIND_UNTRACED_SYSCALL 0x70000040ull

/*
 * A syscall number no kernel has: the recorder answers it (natively it
 * fails with ENOSYS and the library stays off). rdi is the operation.
 */
#define REWIND_SYSCALL_SYSBUF 0x7277
#define SYSBUF_OP_REGISTER    1 /* rsi: the calling thread's buffer (its header filled in) */
#define SYSBUF_OP_RESET	      2 /* the buffer is full: the recorder empties it (pos = 0) */
/*
 * rsi: the calling thread's descheduling event (a perf event counting its
 * context switches, whose overflow sends it SYSBUF_DESCHED_SIGNAL), or
 * -errno when perf_event_open failed. 0: calls that may block are buffered.
 */
#define SYSBUF_OP_DESCHED 3
/* rsi: a pipe or socket. 1 when it is the recording's own stdout/stderr (its writes stop). */
#define SYSBUF_OP_STREAM 4
/*
 * rsi: the calling thread's buffer, which it gives up as it ends (its
 * records are in the trace once the op's entry stop is): its calls stop
 * from then on, and another thread may register the buffer.
 */
#define SYSBUF_OP_UNREGISTER 5

/*
 * The descheduling event's signal, never delivered to the program (the
 * recorder knows it by its si_fd), and the lowest descriptor the event may
 * have (out of the way of the program's own numbers).
 */
#define SYSBUF_DESCHED_SIGNAL 30 /* SIGPWR */
#define SYSBUF_DESCHED_FD_LOW 900
/* Writes larger than this go the traced way: on a pipe they are all or nothing. */
#define SYSBUF_BLOCKING_OUT_MAX 4096

#define SYSBUF_MAGIC   0x66627772u /* "rwbf" */
#define SYSBUF_VERSION 4
#define SYSBUF_SIZE    (1u << 20)  /* per thread, header included */
#define SYSBUF_OUT_MAX (64u << 10) /* larger outputs go the traced way */
#define SYSBUF_FDS     1024	   /* descriptors whose kind the library keeps */

/* What the library knows of a descriptor (its byte in the fd_kinds array). */
enum sysbuf_fd_kind {
	SYSBUF_FD_UNKNOWN = 0, /* not looked at since it was last closed: the recorder clears it */
	SYSBUF_FD_LOCAL,       /* a regular file on a local filesystem: its reads never wait */
	SYSBUF_FD_OTHER,
	SYSBUF_FD_LOCAL_DIR, /* a directory on a local filesystem */
	/* A local regular file that is rewind's own stdout or stderr: its writes stay traced. */
	SYSBUF_FD_LOCAL_OUTPUT,
	SYSBUF_FD_STREAM, /* a pipe or socket: may block, buffered with the descheduling event */
	SYSBUF_FD_STREAM_OUT, /* the same, and the recording's own output: its writes stop */
};

/* The header's flags, written by the recorder when it takes the buffer. */
/* No filesystem a process may serve is mounted: calls on paths are buffered. */
#define SYSBUF_PATHS_LOCAL 1u

/*
 * The files the process maps shared, which the recorder keeps in the
 * library's memory (written at syscall exits, so replay has it too): a
 * write to one of them goes the traced way, as the recorder compares shared
 * mappings around it. More files than the table holds: every write does.
 */
#define SYSBUF_SHARED_FILES 16
struct sysbuf_shared_files {
	uint64_t n;
	struct {
		uint32_t dev_major, dev_minor;
		uint64_t ino;
	} file[SYSBUF_SHARED_FILES];
};

/* What the recorder keeps in the library's memory for a whole process. */
struct sysbuf_process {
	/*
	 * 1: a thread was made that shares its creator's TLS (clone with
	 * CLONE_VM and without CLONE_SETTLS), and so its buffer: the process's
	 * calls all go the traced way from then on.
	 */
	uint64_t off;
	struct sysbuf_shared_files shared;
};

struct sysbuf_header {
	uint32_t magic, version;
	uint64_t size; /* of the buffer, this header included */
	uint64_t pos;  /* bytes of committed records after this header */
	/* The library's instructions from the return of the syscall to the commit. */
	uint64_t window_lo, window_hi;
	/* The process's array of descriptor kinds (one byte per fd) and its length. */
	uint64_t fd_kinds, fd_kinds_len;
	uint64_t process; /* the address of the process's struct sysbuf_process */
	/* Written by the recorder: SYSBUF_PATHS_LOCAL; rewind's stdout, stderr files (0: none). */
	uint32_t flags, reserved;
	uint32_t out_dev_major[2], out_dev_minor[2];
	uint64_t out_ino[2];
	/* The library's pool of stubs for patched syscall sites, and the hook they call. */
	uint64_t site_pool, site_pool_len, site_hook;
};

/*
 * One buffered syscall. The library fills everything but ret before the
 * syscall, and the registers of the syscall instruction that are not its
 * arguments: rbx holds the record's address, rcx and r11 are the
 * instruction's (the return address, the flags).
 */
struct sysbuf_record {
	/*
	 * Of the record (8-aligned): the library sets it to this struct and
	 * the path slots, and its commit adds the output the call returned.
	 */
	uint64_t size;
	int64_t nr;
	uint64_t args[6];
	int64_t ret;
	uint64_t out_addr, out_max; /* where the kernel writes, and at most how much */
	uint64_t copied;	    /* 1 once the path strings are copied after the record */
	uint64_t rbp, r12, r13, r14, r15, rsp, rflags;
	uint64_t commit_to; /* the header's pos at the commit, before the output is added */
	uint64_t header;    /* the header's address */
	/*
	 * The arguments that are paths (bit i: argument i): right after the
	 * record, a slot of SYSBUF_PATH_ROOM bytes each, in argument order,
	 * holds its string (cut short, NUL-terminated), copied after the
	 * commit. The output follows the slots.
	 */
	uint64_t path_args;
	/* How the output's length follows from the result: sysbuf_out_unit. */
	int64_t out_unit;
};

/* Offsets the library's assembly uses. */
#define SYSBUF_REC_NR	     8
#define SYSBUF_REC_ARGS	     16
#define SYSBUF_REC_RET	     64
#define SYSBUF_REC_OUT	     72
#define SYSBUF_REC_RBP	     96
#define SYSBUF_REC_RSP	     136
#define SYSBUF_REC_RFLAGS    144
#define SYSBUF_REC_COMMIT_TO 152
#define SYSBUF_REC_HEADER    160
#define SYSBUF_REC_OUT_UNIT  176
#define SYSBUF_HDR_POS	     16
_Static_assert(offsetof(struct sysbuf_record, nr) == SYSBUF_REC_NR, "record layout");
_Static_assert(offsetof(struct sysbuf_record, args) == SYSBUF_REC_ARGS, "record layout");
_Static_assert(offsetof(struct sysbuf_record, ret) == SYSBUF_REC_RET, "record layout");
_Static_assert(offsetof(struct sysbuf_record, out_addr) == SYSBUF_REC_OUT, "record layout");
_Static_assert(offsetof(struct sysbuf_record, rbp) == SYSBUF_REC_RBP, "record layout");
_Static_assert(offsetof(struct sysbuf_record, rsp) == SYSBUF_REC_RSP, "record layout");
_Static_assert(offsetof(struct sysbuf_record, rflags) == SYSBUF_REC_RFLAGS, "record layout");
_Static_assert(offsetof(struct sysbuf_record, commit_to) == SYSBUF_REC_COMMIT_TO, "layout");
_Static_assert(offsetof(struct sysbuf_record, header) == SYSBUF_REC_HEADER, "record layout");
_Static_assert(offsetof(struct sysbuf_record, out_unit) == SYSBUF_REC_OUT_UNIT, "layout");
_Static_assert(sizeof(struct sysbuf_record) == 184, "record layout");
_Static_assert(offsetof(struct sysbuf_header, pos) == SYSBUF_HDR_POS, "header layout");
_Static_assert(sizeof(struct sysbuf_header) == 128, "header layout");

/*
 * Replay answers runs of buffered syscalls in the thread itself (the
 * replayer's replay_sysbuf.c): in the replay's copy of rewind's page, the
 * `syscall` at REWIND_UNTRACED_SYSCALL is a jump to a feed stub
 * (sysbuf_feed.c) that takes the call's result from the feed, an area the
 * replayer fills before it lets the thread run. A call the feed does not
 * hold, with the same number and arguments next, is made by the stub from
 * REWIND_REPLAY_SYSCALL, and stops as any syscall does.
 */
#define REWIND_REPLAY_SYSCALL (REWIND_UNTRACED_SYSCALL + 4)  /* `syscall; ret` */
#define SYSBUF_FEED_CONTROL   (REWIND_UNTRACED_SYSCALL + 8)  /* u64: where `next` is */
#define SYSBUF_FEED_NONE      (REWIND_UNTRACED_SYSCALL + 16) /* `next` of no feed */
#define SYSBUF_FEED_STUB      (REWIND_UNTRACED_SYSCALL + 40)
/* The feed area (replay only): `next` at its start, then the entries. */
#define SYSBUF_FEED_BASE    0x70001000ull
#define SYSBUF_FEED_SIZE    (0x70100000ull - SYSBUF_FEED_BASE)
#define SYSBUF_FEED_ENTRIES 64 /* offset of the first entry */

/* One syscall of the feed; an entry with nr -1 ends it. */
struct sysbuf_feed_entry {
	uint64_t size; /* of the entry, its bytes included (8-aligned) */
	int64_t nr;
	uint64_t args[6];
	int64_t ret;
	uint64_t out_addr, out_len; /* what the kernel wrote, the bytes after the entry */
	uint64_t rcx, r11;	    /* as the syscall left them */
	uint64_t seq;		    /* its entry event (the end's: the event after the feed) */
};
_Static_assert(offsetof(struct sysbuf_feed_entry, ret) == 64, "feed entry layout");
_Static_assert(offsetof(struct sysbuf_feed_entry, out_addr) == 72, "feed entry layout");
_Static_assert(offsetof(struct sysbuf_feed_entry, rcx) == 88, "feed entry layout");
_Static_assert(sizeof(struct sysbuf_feed_entry) == 112, "feed entry layout");

#define SYSBUF_PATH_ROOM 256

/*
 * Patched syscall sites (recorder/record_sites.c, preload/site_hook.S): a
 * `syscall` instruction of a shared library that makes one of these calls
 * is replaced by a jump to a stub of SYSBUF_SITE_STUB bytes in the
 * library's pool (filled with int3 where unused), which calls the
 * library's hook: the hook buffers the call as the wrappers would, or the
 * stub makes it from a `syscall` of its own, traced.
 */
#define SYSBUF_SITE_STUB 64
#define SYSBUF_SITE_FREE 0xcc

static inline bool sysbuf_site_buffers(int64_t nr)
{
	switch (nr) {
	case SYS_read:
	case SYS_pread64:
	case SYS_write:
	case SYS_pwrite64:
	case SYS_lseek:
	case SYS_fstat:
	case SYS_newfstatat:
	case SYS_statx:
	case SYS_close:
	case SYS_getdents64:
	case SYS_fcntl:
	case SYS_readlink:
	case SYS_readlinkat:
	case SYS_access:
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_openat:
	case SYS_unlink:
	case SYS_unlinkat:
	case SYS_mkdir:
	case SYS_mkdirat:
	case SYS_rename:
	case SYS_renameat:
	case SYS_fsync:
	case SYS_fdatasync:
	case SYS_ftruncate:
	case SYS_fchmod:
	case SYS_getpid:
	case SYS_gettid:
	case SYS_getuid:
	case SYS_geteuid:
	case SYS_getgid:
	case SYS_getegid:
	case SYS_getppid:
	case SYS_rt_sigaction: /* queries only (the library's choice) */
	case SYS_prlimit64:
	case SYS_getrlimit:
	case SYS_getcwd:
	/* Changes of the address space that replay makes itself, at their events. */
	case SYS_brk:
	case SYS_mmap:
	case SYS_mprotect:
	case SYS_munmap:
	case SYS_madvise:
		return true;
	default:
		return false;
	}
}

/* The path arguments of a buffered syscall (bit i: argument i), as the library buffers it. */
static inline uint64_t sysbuf_path_args(int64_t nr)
{
	switch (nr) {
	case SYS_newfstatat:
	case SYS_statx:
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_readlinkat:
	case SYS_unlinkat:
	case SYS_mkdirat:
	case SYS_fchmodat:
	case SYS_fchownat:
	case SYS_utimensat:
	case SYS_openat:
		return 1u << 1;
	case SYS_renameat:
	case SYS_linkat:
		return 1u << 1 | 1u << 3;
	case SYS_symlinkat:
		return 1u << 0 | 1u << 2;
	default:
		return 0;
	}
}

/* The room after a record: its output's, then a slot per path argument. */
static inline uint64_t sysbuf_room(uint64_t out_max, uint64_t path_args)
{
	return ((out_max + 7) & ~7ull) +
	       (uint64_t)__builtin_popcountll(path_args) * SYSBUF_PATH_ROOM;
}

/* The path slots of a record (after it; the output after them). */
static inline uint64_t sysbuf_paths_room(uint64_t path_args)
{
	return (uint64_t)__builtin_popcountll(path_args) * SYSBUF_PATH_ROOM;
}

/*
 * How the output of call nr follows from its result, as the library's
 * commit computes it: bytes per unit of a positive result (1: a length,
 * 12: epoll_wait's packed events), SYSBUF_OUT_IF_ZERO (all of it when the
 * result is 0: the stat family and the like) or SYSBUF_OUT_IF_OK (all of
 * it unless an error: poll's revents).
 */
#define SYSBUF_OUT_IF_ZERO 0
#define SYSBUF_OUT_IF_OK   (-1)
static inline int64_t sysbuf_out_unit(int64_t nr)
{
	switch (nr) {
	case SYS_read:
	case SYS_pread64:
	case SYS_readlink:
	case SYS_readlinkat:
	case SYS_getdents64:
	case SYS_flistxattr:
	case SYS_fgetxattr:
	case SYS_recvfrom:
	case SYS_getcwd:
		return 1;
	case SYS_epoll_wait:
		return 12; /* struct epoll_event is 12 bytes (packed) on x86_64 */
	case SYS_poll:
	case SYS_ppoll:
		return SYSBUF_OUT_IF_OK;
	default:
		return SYSBUF_OUT_IF_ZERO;
	}
}

/* How many bytes the kernel wrote at out_addr for a call that returned ret. */
static inline uint64_t sysbuf_out_len(int64_t nr, int64_t ret, uint64_t out_max)
{
	int64_t unit = sysbuf_out_unit(nr);

	if (!out_max || ret < 0)
		return 0;
	if (unit > 0)
		return (uint64_t)ret * (uint64_t)unit < out_max ? (uint64_t)ret * (uint64_t)unit
								: out_max;
	if (unit == SYSBUF_OUT_IF_OK)
		return out_max;
	return ret == 0 ? out_max : 0;
}

#endif
