/*
 * The x86_64 syscall table: for each syscall number, its name, how its
 * arguments are shown, which memory the kernel writes when it returns (what
 * the recorder must save), and how the replayer treats it. Each syscall is
 * one row of syscalls.def; docs/adding-a-syscall.md describes the columns.
 *
 * The table knows nothing of ptrace or sessions: the recorder hands it a
 * function to read tracee memory and a function that receives each written
 * region. Regions may over-approximate what the kernel wrote (the recorder
 * saves the bytes found there after the syscall, which are the true contents
 * either way), but must never miss a byte the kernel wrote.
 */
#ifndef REWIND_ARCH_X86_64_SYSCALL_TABLE_H
#define REWIND_ARCH_X86_64_SYSCALL_TABLE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* How the replayer handles a syscall. */
enum x86_sys_replay {
	SYS_REPLAY_UNKNOWN = 0, /* named, but recording refuses it (syscall_out.c says why) */
	SYS_REPLAY_EMULATE,	/* cancel it, write the recorded memory, set the recorded result */
	SYS_REPLAY_MMAP, /* mmap: map the trace's copy of the file (or anon) at the recorded address
			  */
	SYS_REPLAY_MUNMAP,   /* run for real */
	SYS_REPLAY_MPROTECT, /* run for real (also pkey_mprotect) */
	SYS_REPLAY_MREMAP,   /* run for real, moved to the recorded address */
	SYS_REPLAY_MADVISE,  /* run for real (DONTNEED zeroes pages) */
	SYS_REPLAY_BRK,	     /* emulated with anonymous mappings at the recorded break */
	SYS_REPLAY_REAL,  /* run for real, then the recorded result is set (sigaction, arch_prctl,
			     ...) */
	SYS_REPLAY_EXIT,  /* exit, exit_group: run for real */
	SYS_REPLAY_EXEC,  /* execve, execveat */
	SYS_REPLAY_CLONE, /* clone, clone3, fork, vfork */
	SYS_REPLAY_RSEQ,  /* rseq: never given to the kernel; emulated at record and replay */
	SYS_REPLAY_NOSYS, /* never given to the kernel: it fails with ENOSYS, as on a kernel built
			     without it; numbers the table does not know are treated so too */
};

/* How an argument is shown by `rewind dump`. */
enum x86_sys_arg {
	ARG_INT = 0,	/* signed decimal */
	ARG_UINT,	/* unsigned decimal */
	ARG_HEX,	/* 0x... */
	ARG_PTR,	/* pointer: 0x..., NULL for 0 */
	ARG_FD,		/* file descriptor; AT_FDCWD shown by name */
	ARG_PATH,	/* NUL-terminated string the recorder saves at entry */
	ARG_OPEN_FLAGS, /* O_RDONLY|O_CLOEXEC|... */
	ARG_MODE,	/* octal */
	ARG_PROT,	/* PROT_READ|PROT_WRITE|... */
	ARG_MMAP_FLAGS, /* MAP_PRIVATE|MAP_ANONYMOUS|... */
	ARG_SIGNAL,	/* SIGINT, ... */
	ARG_IOCTL_CMD,	/* TCGETS, FIONREAD, or _IOC(dir,type,nr,size) */
	ARG_AT_FLAGS,	/* AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|... */
};

/* Class flags. */
#define SYSF_PATH_ARGS 0x01 /* has ARG_PATH arguments: the recorder saves their strings */
#define SYSF_WRITES_FD 0x02 /* writes data to its first argument (an fd): write, writev, ... */
#define SYSF_MAY_BLOCK 0x04 /* may block indefinitely (read on a pipe, wait4, futex wait, ...) */
/* Afterwards an fd number may name another file, or read differently (close, dup2, execve, ...). */
#define SYSF_FDS_CHANGE 0x08
/* The result is an address (mmap, mremap, brk, shmat). */
#define SYSF_RETURNS_ADDR 0x10
/* The kernel copies data from one fd into another: sendfile, copy_file_range. */
#define SYSF_COPIES_TO_FD 0x20
/*
 * Installs a signal mask for its duration (rt_sigsuspend, pselect6, ppoll, epoll_pwait):
 * the sigset is at the address in argument SYSF_SIGMASK_ARG(flags), or with
 * SYSF_SIGMASK_PAIR the first word of the {sigset pointer, size} pair there (pselect6).
 */
#define SYSF_SIGMASK		0x40
#define SYSF_SIGMASK_PAIR	0x80
#define SYSF_SIGMASK_SHIFT	8
#define SYSF_SIGMASK_ARG(flags) (((flags) >> SYSF_SIGMASK_SHIFT) & 7)
/*
 * May change a file's contents, or the memory of another process, other
 * than by writing to an fd (SYSF_WRITES_FD, SYSF_COPIES_TO_FD): truncate,
 * fallocate, splice, process_vm_writev; and mremap, which may show more of
 * a file. Shared mappings are compared around these calls only.
 */
#define SYSF_CHANGES_FILE 0x800

struct x86_syscall_desc {
	const char *name; /* NULL for an unused number */
	uint8_t nargs;
	uint8_t replay;	   /* enum x86_sys_replay */
	uint16_t flags;	   /* SYSF_* */
	uint8_t argfmt[6]; /* enum x86_sys_arg per argument */
};

/* Entry for nr, or NULL when nr is out of range or unused. */
const struct x86_syscall_desc *x86_syscall_lookup(long nr);
/* Whether a syscall (d NULL: one rewind does not know) may change files (SYSF_CHANGES_FILE). */
static inline bool x86_syscall_may_change_files(const struct x86_syscall_desc *d)
{
	return !d || (d->flags & (SYSF_WRITES_FD | SYSF_COPIES_TO_FD | SYSF_CHANGES_FILE));
}
/* Name, or NULL. */
const char *x86_syscall_name(long nr);
/* Number for a name, or -1. */
long x86_syscall_number(const char *name);

/* Context for computing the regions a returning syscall wrote. */
struct x86_sys_out_ctx {
	long nr;
	uint64_t args[6]; /* rdi, rsi, rdx, r10, r8, r9 (unchanged by the syscall) */
	int64_t ret;	  /* rax after the syscall */
	/* Reads tracee memory; returns 0 or a negative errno. */
	int (*read_mem)(void *opaque, uint64_t addr, void *buf, size_t len);
	/* Receives one written region; returns 0 or a negative errno. */
	int (*emit)(void *opaque, uint64_t addr, uint64_t len);
	/* The number of semaphores in set semid (semctl GETALL), or a negative errno; optional. */
	int (*sem_count)(void *opaque, int semid);
	void *opaque;
};

/*
 * Calls ctx->emit for every region the syscall wrote. Returns 0, a negative
 * errno from a callback, or -ENOSYS when the table has no rule for this
 * syscall (or, for ioctl/fcntl/prctl/..., this command): the recorder then
 * refuses to go on, naming it (see x86_syscall_unsupported_reason).
 *
 * restart_syscall has no rule of its own: what it writes is what the
 * interrupted syscall writes, so a recorder that follows restarts asks with
 * that syscall's number (the argument registers still hold its arguments).
 */
int x86_syscall_output_regions(const struct x86_sys_out_ctx *ctx);

/*
 * What a syscall that may block (SYSF_MAY_BLOCK) may write, known before it
 * runs: the recorder points these regions at scratch buffers for the time of
 * the call (src/recorder/record_scratch.c). A region is len bytes at
 * args[arg], or one of the structures of recvmsg and readv that hold more
 * pointers; the pointer may be NULL.
 */
enum x86_entry_kind {
	X86_ENTRY_BYTES,    /* len bytes at args[arg] */
	X86_ENTRY_IOVECS,   /* the buffers of the iovec array at args[arg], len entries */
	X86_ENTRY_MSGHDR,   /* the struct msghdr at args[arg], with its name, control and iovecs */
	X86_ENTRY_MMSGHDRS, /* len struct mmsghdr at args[arg], each as X86_ENTRY_MSGHDR */
};

struct x86_entry_region {
	uint8_t arg;  /* the argument that holds the address */
	uint8_t kind; /* enum x86_entry_kind */
	uint8_t in;   /* the kernel reads it first: poll's fds, select's sets, addrlen, a timeout */
	uint64_t len; /* bytes, or entries */
};

struct x86_sys_entry_ctx {
	long nr;
	uint64_t args[6];
	/* Reads tracee memory; returns 0 or a negative errno. */
	int (*read_mem)(void *opaque, uint64_t addr, void *buf, size_t len);
	/* Receives one region; returns 0 or a negative errno. */
	int (*region)(void *opaque, const struct x86_entry_region *r);
	void *opaque;
	/* Also for a syscall that does not block: where it may write, before it has. */
	bool any;
};

/*
 * Calls ctx->region for each region a blocking syscall may write, sized as
 * far as the arguments tell (an upper bound where the result decides, like
 * read's count): every region x86_syscall_output_regions gives after the call
 * lies in one of them. Gives nothing for a syscall that does not block, writes
 * nothing, or whose row keeps its writes in place (IN_PLACE in syscalls.def).
 * Returns 0, a negative errno from a callback or from reading a length, or
 * -ENOSYS when a rule of the row has no size before the call.
 */
int x86_syscall_entry_regions(const struct x86_sys_entry_ctx *ctx);

/*
 * Whether an fd number may name another file after this call, or read
 * differently (SYSF_FDS_CHANGE; fcntl only with F_SETFL).
 */
int x86_syscall_fds_change(long nr, const uint64_t args[6]);

/*
 * The address of the signal mask the syscall installs for its duration
 * (SYSF_SIGMASK: rt_sigsuspend, pselect6, ppoll, epoll_pwait, epoll_pwait2),
 * or 0 when it installs none, its pointer is NULL or cannot be read.
 */
uint64_t x86_syscall_temp_sigmask(long nr, const uint64_t args[6],
				  int (*read_mem)(void *opaque, uint64_t addr, void *buf,
						  size_t len),
				  void *opaque);

/*
 * The class for this call with these arguments: the entry's class, refined
 * where commands differ. prctl and arch_prctl run for real only for the
 * options whose kernel state the program's later user-space behaviour
 * depends on (fs/gs base, thread name, memory-deny-write-execute, ...); their
 * other options, which only read state or are no-ops, are emulated.
 */
enum x86_sys_replay x86_syscall_replay_class(long nr, const uint64_t args[6]);

/*
 * ioctl, which the functions above use for syscall 16 (src/arch/x86_64/ioctl.c).
 * x86_ioctl_output_regions has the contract of x86_syscall_output_regions for
 * an ioctl; x86_ioctl_unsupported_reason that of x86_syscall_unsupported_reason
 * (the string lives until the calling thread's next call); x86_ioctl_name
 * gives the request's name ("TCGETS") or NULL.
 */
int x86_ioctl_output_regions(const struct x86_sys_out_ctx *ctx);
const char *x86_ioctl_unsupported_reason(int fd, uint32_t request);
const char *x86_ioctl_name(uint32_t request);

/*
 * For an entry stop: returns NULL when the syscall with these arguments can
 * be recorded, or a static string naming what is not supported (e.g.
 * "ioctl 0x5490 (unknown legacy ioctl)") when it cannot. Checked before the
 * syscall runs so the recorder can stop before the kernel acts. A string that
 * names a number (an ioctl request, an unknown syscall number) is built in a
 * per-thread buffer that the thread's next call overwrites.
 */
const char *x86_syscall_unsupported_reason(long nr, const uint64_t args[6]);

/*
 * Formats "name(arg, arg, ...) = ret" into out (always NUL-terminated).
 * strings[i] is the saved string of argument i, or NULL. ret_known is 0 for
 * an entry event (shows " = ?").
 */
void x86_syscall_format(char *out, size_t outlen, long nr, const uint64_t args[6],
			const char *const strings[6], int64_t ret, int ret_known);

#endif
