/*
 * The x86_64 syscall table, indexed by syscall number like strace's
 * syscallent.h: name, argument count, how each argument is shown, the
 * replay class and the class flags, from the rows of syscalls.def (which
 * also say what each syscall writes: syscall_out.c reads that column).
 * docs/adding-a-syscall.md says how to add one.
 */
#include "arch/x86_64/syscall_table.h"

#include <asm/unistd.h>
#include <string.h>

#include "arch/x86_64/syscall_rows.h"
#include "arch/x86_64/sysbuf.h"

/* The name is the one in the kernel's __NR_ macro, so the two cannot disagree. */
#define SYSCALL(name, nargs, replay, flags, args, writes)                                          \
	[__NR_##name] = {#name, nargs, replay, flags, {SYSCALL_ARGS args}},

/* As long as the highest number in the rows. */
static const struct x86_syscall_desc syscall_table[] = {
#include "arch/x86_64/syscalls.def"
};

#define TABLE_SIZE ((long)(sizeof(syscall_table) / sizeof(syscall_table[0])))

const struct x86_syscall_desc *x86_syscall_lookup(long nr)
{
	if (nr < 0 || nr >= TABLE_SIZE || !syscall_table[nr].name)
		return NULL;
	return &syscall_table[nr];
}

const char *x86_syscall_name(long nr)
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);

	return d ? d->name : NULL;
}

long x86_syscall_number(const char *name)
{
	if (!name)
		return -1;
	for (long nr = 0; nr < TABLE_SIZE; nr++)
		if (syscall_table[nr].name && !strcmp(syscall_table[nr].name, name))
			return nr;
	return -1;
}

/*
 * prctl options whose effect the program sees later in user space, so the
 * replayer runs them again: the thread name (/proc/self/comm, gdb's thread
 * list), names of anonymous mappings, and memory-deny-write-execute, which
 * changes what later mmap/mprotect calls (run for real) are allowed to do.
 * Seccomp filters and the rest are emulated: a filter installed for real
 * would judge the replayer's own cancelled syscalls.
 */
static enum x86_sys_replay prctl_class(uint64_t option)
{
	switch (option) {
	case 15:	 /* PR_SET_NAME */
	case 65:	 /* PR_SET_MDWE */
	case 0x53564d41: /* PR_SET_VMA */
		return SYS_REPLAY_REAL;
	default:
		return SYS_REPLAY_EMULATE;
	}
}

/* arch_prctl codes that only read state are emulated; the rest change the thread. */
static enum x86_sys_replay arch_prctl_class(uint64_t code)
{
	switch (code) {
	case 0x1003: /* ARCH_GET_FS */
	case 0x1004: /* ARCH_GET_GS */
	case 0x1011: /* ARCH_GET_CPUID */
	case 0x1021: /* ARCH_GET_XCOMP_SUPP */
	case 0x1022: /* ARCH_GET_XCOMP_PERM */
	case 0x1024: /* ARCH_GET_XCOMP_GUEST_PERM */
	case 0x4001: /* ARCH_GET_UNTAG_MASK */
	case 0x4003: /* ARCH_GET_MAX_TAG_BITS */
	case 0x5005: /* ARCH_SHSTK_STATUS */
		return SYS_REPLAY_EMULATE;
	default:
		return SYS_REPLAY_REAL;
	}
}

/*
 * setrlimit and prlimit64 of the calling process run for real when they
 * set RLIMIT_STACK: the kernel grows the stack only up to it, so it decides
 * where a recursion running off the stack faults. Other limits, and other
 * processes' (whose pid replay does not have), are emulated.
 */
static enum x86_sys_replay rlimit_class(long nr, const uint64_t args[6])
{
	if (nr == __NR_setrlimit)
		return args[0] == 3 /* RLIMIT_STACK */ ? SYS_REPLAY_REAL : SYS_REPLAY_EMULATE;
	return args[0] == 0 && args[1] == 3 && args[2] ? SYS_REPLAY_REAL : SYS_REPLAY_EMULATE;
}

enum x86_sys_replay x86_syscall_replay_class(long nr, const uint64_t args[6])
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);

	if (nr == REWIND_SYSCALL_SYSBUF)
		return SYS_REPLAY_EMULATE; /* answered by the recorder (arch/x86_64/sysbuf.h) */
	if (!d)
		return SYS_REPLAY_UNKNOWN;
	if (nr == __NR_prctl)
		return prctl_class(args[0]);
	if (nr == __NR_arch_prctl)
		return arch_prctl_class(args[0]);
	if (nr == __NR_setrlimit || nr == __NR_prlimit64)
		return rlimit_class(nr, args);
	return (enum x86_sys_replay)d->replay;
}

int x86_syscall_fds_change(long nr, const uint64_t args[6])
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);

	if (!d || !(d->flags & SYSF_FDS_CHANGE))
		return 0;
	/* fcntl changes what a read does only with F_SETFL (O_DIRECT, O_APPEND, ...). */
	return nr != __NR_fcntl || args[1] == 4 /* F_SETFL */;
}

uint64_t x86_syscall_temp_sigmask(long nr, const uint64_t args[6],
				  int (*read_mem)(void *opaque, uint64_t addr, void *buf,
						  size_t len),
				  void *opaque)
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);
	uint64_t ptr, pair[2]; /* pselect6: { const sigset_t *ss; size_t ss_len; } */

	if (!d || !(d->flags & SYSF_SIGMASK))
		return 0;
	ptr = args[SYSF_SIGMASK_ARG(d->flags)];
	if (!(d->flags & SYSF_SIGMASK_PAIR))
		return ptr;
	if (!ptr || read_mem(opaque, ptr, pair, sizeof(pair)) < 0)
		return 0;
	return pair[0];
}
