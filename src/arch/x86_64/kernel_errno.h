/*
 * Error numbers internal to the kernel (include/linux/errno.h) that a
 * tracer sees in rax at a syscall-exit stop: the syscall was interrupted
 * and the kernel restarts it on the way back to user space (or, without a
 * handler to run, fails it with EINTR). They never reach the program.
 */
#ifndef REWIND_ARCH_X86_64_KERNEL_ERRNO_H
#define REWIND_ARCH_X86_64_KERNEL_ERRNO_H

#include <stdbool.h>
#include <stdint.h>

#define ERESTARTSYS	      512 /* restarted, or EINTR after a handler without SA_RESTART */
#define ERESTARTNOINTR	      513 /* always restarted */
#define ERESTARTNOHAND	      514 /* restarted if no handler runs, else EINTR */
#define ENOIOCTLCMD	      515 /* an ioctl no driver knows (ENOTTY to the program) */
#define ERESTART_RESTARTBLOCK 516 /* continued by restart_syscall if no handler runs */

/* Whether rax at a syscall exit says the kernel may restart the syscall. */
static inline bool x86_restart_code(int64_t ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND ||
	       ret == -ERESTART_RESTARTBLOCK;
}

#endif
