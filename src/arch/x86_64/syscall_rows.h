/*
 * The short names the rows of syscalls.def use for replay classes, flags and
 * argument formats, for the files that read those columns (syscall_table.c,
 * the unit test). What each row says it writes is read by syscall_out.c,
 * which defines the names of that column itself.
 */
#ifndef REWIND_ARCH_X86_64_SYSCALL_ROWS_H
#define REWIND_ARCH_X86_64_SYSCALL_ROWS_H

#include "arch/x86_64/syscall_numbers.h"
#include "arch/x86_64/syscall_table.h"

/* Replay classes (enum x86_sys_replay). */
#define EMU	 SYS_REPLAY_EMULATE
#define REAL	 SYS_REPLAY_REAL
#define MMAP	 SYS_REPLAY_MMAP
#define MUNMAP	 SYS_REPLAY_MUNMAP
#define MPROTECT SYS_REPLAY_MPROTECT
#define MREMAP	 SYS_REPLAY_MREMAP
#define MADVISE	 SYS_REPLAY_MADVISE
#define BRK	 SYS_REPLAY_BRK
#define EXIT	 SYS_REPLAY_EXIT
#define EXEC	 SYS_REPLAY_EXEC
#define CLONE	 SYS_REPLAY_CLONE
#define RSEQ	 SYS_REPLAY_RSEQ
/* Fails with ENOSYS under rewind, as on a kernel built without it; programs live with that. */
#define NOSYS SYS_REPLAY_NOSYS
/* Named, but recording refuses it (the row's REFUSE gives the reason). */
#define REFUSED SYS_REPLAY_UNKNOWN

/* Flags (SYSF_*). */
#define PTH	    SYSF_PATH_ARGS
#define WFD	    SYSF_WRITES_FD
#define CFD	    SYSF_COPIES_TO_FD
#define BLK	    SYSF_MAY_BLOCK
#define FDS	    SYSF_FDS_CHANGE
#define ADR	    SYSF_RETURNS_ADDR
#define FCH	    SYSF_CHANGES_FILE
#define MSK(i)	    (SYSF_SIGMASK | (i) << SYSF_SIGMASK_SHIFT)
#define MSK_PAIR(i) (MSK(i) | SYSF_SIGMASK_PAIR)

/* Argument formats (enum x86_sys_arg). */
#define INT    ARG_INT
#define UINT   ARG_UINT
#define HEX    ARG_HEX
#define PTR    ARG_PTR
#define FD     ARG_FD
#define PATH   ARG_PATH
#define OFLAGS ARG_OPEN_FLAGS
#define MODE   ARG_MODE
#define PROT   ARG_PROT
#define MMAPF  ARG_MMAP_FLAGS
#define SIG    ARG_SIGNAL
#define IOCMD  ARG_IOCTL_CMD
#define ATFL   ARG_AT_FLAGS

/* "(FD, PTR, UINT)" in a row, without its parentheses. */
#define SYSCALL_ARGS(...) __VA_ARGS__

#endif
