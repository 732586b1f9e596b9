/*
 * The x86_64 syscall table, indexed by syscall number like strace's
 * syscallent.h: name, argument count, how each argument is shown, the
 * replay class and the class flags. What each syscall writes into the
 * tracee when it returns is described next to it in syscall_out.c; the
 * unit tests check that every named entry here has a rule there.
 *
 * Numbers come from the kernel's asm/unistd_64.h; the few added after the
 * headers this builds against are defined below with their upstream values.
 * docs/adding-a-syscall.md says how to add one.
 */
#include "arch/x86_64/syscall_table.h"

#include <asm/unistd.h>
#include <string.h>

#include "arch/x86_64/syscall_numbers.h"

#define X86_SYSCALL_TABLE_SIZE 471

/* Short names so that one entry fits on one line. */
#define EMU  SYS_REPLAY_EMULATE
#define REAL SYS_REPLAY_REAL
/* Named, but recording refuses it (syscall_out.c has the reason). */
#define REFUSED SYS_REPLAY_UNKNOWN
/* Fails with ENOSYS under rewind, as on a kernel built without it; programs live with that. */
#define NOSYS SYS_REPLAY_NOSYS

#define PTH SYSF_PATH_ARGS
#define WFD SYSF_WRITES_FD
#define BLK SYSF_MAY_BLOCK

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

/* The name is the one in the kernel's __NR_ macro, so the two cannot disagree. */
#define S(name, nargs, replay, flags, ...)                                                         \
	[__NR_##name] = {#name, nargs, replay, flags, {__VA_ARGS__}}

/* clang-format off */
static const struct x86_syscall_desc syscall_table[X86_SYSCALL_TABLE_SIZE] = {
	S(read,                     3, EMU, BLK, FD, PTR, UINT),
	S(write,                    3, EMU, WFD | BLK, FD, PTR, UINT),
	S(open,                     3, EMU, PTH | BLK, PATH, OFLAGS, MODE),
	S(close,                    1, EMU, 0, FD),
	S(stat,                     2, EMU, PTH, PATH, PTR),
	S(fstat,                    2, EMU, 0, FD, PTR),
	S(lstat,                    2, EMU, PTH, PATH, PTR),
	S(poll,                     3, EMU, BLK, PTR, UINT, INT),
	S(lseek,                    3, EMU, 0, FD, INT, INT),
	S(mmap,                     6, SYS_REPLAY_MMAP, 0, PTR, UINT, PROT, MMAPF, FD, HEX),
	S(mprotect,                 3, SYS_REPLAY_MPROTECT, 0, PTR, UINT, PROT),
	S(munmap,                   2, SYS_REPLAY_MUNMAP, 0, PTR, UINT),
	S(brk,                      1, SYS_REPLAY_BRK, 0, PTR),
	S(rt_sigaction,             4, REAL, 0, SIG, PTR, PTR, UINT),
	S(rt_sigprocmask,           4, REAL, 0, INT, PTR, PTR, UINT),
	S(rt_sigreturn,             0, REAL, 0),
	S(ioctl,                    3, EMU, BLK, FD, IOCMD, HEX),
	S(pread64,                  4, EMU, 0, FD, PTR, UINT, INT),
	S(pwrite64,                 4, EMU, WFD, FD, PTR, UINT, INT),
	S(readv,                    3, EMU, BLK, FD, PTR, UINT),
	S(writev,                   3, EMU, WFD | BLK, FD, PTR, UINT),
	S(access,                   2, EMU, PTH, PATH, INT),
	S(pipe,                     1, EMU, 0, PTR),
	S(select,                   5, EMU, BLK, INT, PTR, PTR, PTR, PTR),
	S(sched_yield,              0, EMU, 0),
	S(mremap,                   5, SYS_REPLAY_MREMAP, 0, PTR, UINT, UINT, HEX, PTR),
	S(msync,                    3, EMU, 0, PTR, UINT, HEX),
	S(mincore,                  3, EMU, 0, PTR, UINT, PTR),
	S(madvise,                  3, SYS_REPLAY_MADVISE, 0, PTR, UINT, INT),
	S(shmget,                   3, EMU, 0, HEX, UINT, HEX),
	S(shmat,                    3, REFUSED, 0, INT, PTR, HEX),
	S(shmctl,                   3, EMU, 0, INT, INT, PTR),
	S(dup,                      1, EMU, 0, FD),
	S(dup2,                     2, EMU, 0, FD, FD),
	S(pause,                    0, EMU, BLK),
	S(nanosleep,                2, EMU, BLK, PTR, PTR),
	S(getitimer,                2, EMU, 0, INT, PTR),
	S(alarm,                    1, EMU, 0, UINT),
	S(setitimer,                3, EMU, 0, INT, PTR, PTR),
	S(getpid,                   0, EMU, 0),
	S(sendfile,                 4, EMU, BLK, FD, FD, PTR, UINT),
	S(socket,                   3, EMU, 0, INT, INT, INT),
	S(connect,                  3, EMU, BLK, FD, PTR, UINT),
	S(accept,                   3, EMU, BLK, FD, PTR, PTR),
	S(sendto,                   6, EMU, BLK, FD, PTR, UINT, HEX, PTR, UINT),
	S(recvfrom,                 6, EMU, BLK, FD, PTR, UINT, HEX, PTR, PTR),
	S(sendmsg,                  3, EMU, BLK, FD, PTR, HEX),
	S(recvmsg,                  3, EMU, BLK, FD, PTR, HEX),
	S(shutdown,                 2, EMU, 0, FD, INT),
	S(bind,                     3, EMU, 0, FD, PTR, UINT),
	S(listen,                   2, EMU, 0, FD, INT),
	S(getsockname,              3, EMU, 0, FD, PTR, PTR),
	S(getpeername,              3, EMU, 0, FD, PTR, PTR),
	S(socketpair,               4, EMU, 0, INT, INT, INT, PTR),
	S(setsockopt,               5, EMU, 0, FD, INT, INT, PTR, UINT),
	S(getsockopt,               5, EMU, 0, FD, INT, INT, PTR, PTR),
	S(clone,                    5, SYS_REPLAY_CLONE, BLK, HEX, PTR, PTR, PTR, PTR),
	S(fork,                     0, SYS_REPLAY_CLONE, 0),
	S(vfork,                    0, SYS_REPLAY_CLONE, BLK),
	S(execve,                   3, SYS_REPLAY_EXEC, PTH, PATH, PTR, PTR),
	S(exit,                     1, SYS_REPLAY_EXIT, 0, INT),
	S(wait4,                    4, EMU, BLK, INT, PTR, HEX, PTR),
	S(kill,                     2, EMU, 0, INT, SIG),
	S(uname,                    1, EMU, 0, PTR),
	S(semget,                   3, EMU, 0, HEX, INT, HEX),
	S(semop,                    3, EMU, BLK, INT, PTR, UINT),
	S(semctl,                   4, EMU, 0, INT, INT, INT, HEX),
	S(shmdt,                    1, EMU, 0, PTR),
	S(msgget,                   2, EMU, 0, HEX, HEX),
	S(msgsnd,                   4, EMU, BLK, INT, PTR, UINT, HEX),
	S(msgrcv,                   5, EMU, BLK, INT, PTR, UINT, INT, HEX),
	S(msgctl,                   3, EMU, 0, INT, INT, PTR),
	S(fcntl,                    3, EMU, BLK, FD, INT, HEX),
	S(flock,                    2, EMU, BLK, FD, INT),
	S(fsync,                    1, EMU, 0, FD),
	S(fdatasync,                1, EMU, 0, FD),
	S(truncate,                 2, EMU, PTH, PATH, INT),
	S(ftruncate,                2, EMU, 0, FD, INT),
	S(getdents,                 3, EMU, 0, FD, PTR, UINT),
	S(getcwd,                   2, EMU, 0, PTR, UINT),
	S(chdir,                    1, EMU, PTH, PATH),
	S(fchdir,                   1, EMU, 0, FD),
	S(rename,                   2, EMU, PTH, PATH, PATH),
	S(mkdir,                    2, EMU, PTH, PATH, MODE),
	S(rmdir,                    1, EMU, PTH, PATH),
	S(creat,                    2, EMU, PTH | BLK, PATH, MODE),
	S(link,                     2, EMU, PTH, PATH, PATH),
	S(unlink,                   1, EMU, PTH, PATH),
	S(symlink,                  2, EMU, PTH, PATH, PATH),
	S(readlink,                 3, EMU, PTH, PATH, PTR, UINT),
	S(chmod,                    2, EMU, PTH, PATH, MODE),
	S(fchmod,                   2, EMU, 0, FD, MODE),
	S(chown,                    3, EMU, PTH, PATH, INT, INT),
	S(fchown,                   3, EMU, 0, FD, INT, INT),
	S(lchown,                   3, EMU, PTH, PATH, INT, INT),
	S(umask,                    1, EMU, 0, MODE),
	S(gettimeofday,             2, EMU, 0, PTR, PTR),
	S(getrlimit,                2, EMU, 0, INT, PTR),
	S(getrusage,                2, EMU, 0, INT, PTR),
	S(sysinfo,                  1, EMU, 0, PTR),
	S(times,                    1, EMU, 0, PTR),
	S(ptrace,                   4, REFUSED, 0, INT, INT, PTR, PTR),
	S(getuid,                   0, EMU, 0),
	S(syslog,                   3, EMU, 0, INT, PTR, INT),
	S(getgid,                   0, EMU, 0),
	S(setuid,                   1, EMU, 0, INT),
	S(setgid,                   1, EMU, 0, INT),
	S(geteuid,                  0, EMU, 0),
	S(getegid,                  0, EMU, 0),
	S(setpgid,                  2, EMU, 0, INT, INT),
	S(getppid,                  0, EMU, 0),
	S(getpgrp,                  0, EMU, 0),
	S(setsid,                   0, EMU, 0),
	S(setreuid,                 2, EMU, 0, INT, INT),
	S(setregid,                 2, EMU, 0, INT, INT),
	S(getgroups,                2, EMU, 0, INT, PTR),
	S(setgroups,                2, EMU, 0, INT, PTR),
	S(setresuid,                3, EMU, 0, INT, INT, INT),
	S(getresuid,                3, EMU, 0, PTR, PTR, PTR),
	S(setresgid,                3, EMU, 0, INT, INT, INT),
	S(getresgid,                3, EMU, 0, PTR, PTR, PTR),
	S(getpgid,                  1, EMU, 0, INT),
	S(setfsuid,                 1, EMU, 0, INT),
	S(setfsgid,                 1, EMU, 0, INT),
	S(getsid,                   1, EMU, 0, INT),
	S(capget,                   2, EMU, 0, PTR, PTR),
	S(capset,                   2, EMU, 0, PTR, PTR),
	S(rt_sigpending,            2, EMU, 0, PTR, UINT),
	S(rt_sigtimedwait,          4, EMU, BLK, PTR, PTR, PTR, UINT),
	S(rt_sigqueueinfo,          3, EMU, 0, INT, SIG, PTR),
	S(rt_sigsuspend,            2, EMU, BLK, PTR, UINT),
	S(sigaltstack,              2, REAL, 0, PTR, PTR),
	S(utime,                    2, EMU, PTH, PATH, PTR),
	S(mknod,                    3, EMU, PTH, PATH, MODE, HEX),
	S(uselib,                   1, NOSYS,   PTH, PATH),
	S(personality,              1, REAL, 0, HEX),
	S(ustat,                    2, EMU, 0, HEX, PTR),
	S(statfs,                   2, EMU, PTH, PATH, PTR),
	S(fstatfs,                  2, EMU, 0, FD, PTR),
	S(sysfs,                    3, EMU, 0, INT, HEX, PTR),
	S(getpriority,              2, EMU, 0, INT, INT),
	S(setpriority,              3, EMU, 0, INT, INT, INT),
	S(sched_setparam,           2, EMU, 0, INT, PTR),
	S(sched_getparam,           2, EMU, 0, INT, PTR),
	S(sched_setscheduler,       3, EMU, 0, INT, INT, PTR),
	S(sched_getscheduler,       1, EMU, 0, INT),
	S(sched_get_priority_max,   1, EMU, 0, INT),
	S(sched_get_priority_min,   1, EMU, 0, INT),
	S(sched_rr_get_interval,    2, EMU, 0, INT, PTR),
	S(mlock,                    2, EMU, 0, PTR, UINT),
	S(munlock,                  2, EMU, 0, PTR, UINT),
	S(mlockall,                 1, EMU, 0, HEX),
	S(munlockall,               0, EMU, 0),
	S(vhangup,                  0, EMU, 0),
	S(modify_ldt,               3, REAL, 0, INT, PTR, UINT),
	S(pivot_root,               2, EMU, PTH, PATH, PATH),
	S(_sysctl,                  1, EMU, 0, PTR),
	S(prctl,                    5, REAL, 0, INT, HEX, HEX, HEX, HEX),
	S(arch_prctl,               2, REAL, 0, HEX, HEX),
	S(adjtimex,                 1, EMU, 0, PTR),
	S(setrlimit,                2, EMU, 0, INT, PTR),
	S(chroot,                   1, EMU, PTH, PATH),
	S(sync,                     0, EMU, 0),
	S(acct,                     1, EMU, PTH, PATH),
	S(settimeofday,             2, EMU, 0, PTR, PTR),
	S(mount,                    5, EMU, PTH, PATH, PATH, PATH, HEX, PTR),
	S(umount2,                  2, EMU, PTH, PATH, HEX),
	S(swapon,                   2, EMU, PTH, PATH, HEX),
	S(swapoff,                  1, EMU, PTH, PATH),
	S(reboot,                   4, EMU, 0, HEX, HEX, HEX, PTR),
	S(sethostname,              2, EMU, 0, PTR, UINT),
	S(setdomainname,            2, EMU, 0, PTR, UINT),
	S(iopl,                     1, REAL, 0, INT),
	S(ioperm,                   3, REAL, 0, HEX, UINT, INT),
	S(create_module,            2, EMU, 0, PTR, UINT),
	S(init_module,              3, EMU, PTH, PTR, UINT, PATH),
	S(delete_module,            2, EMU, PTH, PATH, HEX),
	S(get_kernel_syms,          1, EMU, 0, PTR),
	S(query_module,             5, EMU, 0, PTR, INT, PTR, UINT, PTR),
	S(quotactl,                 4, EMU, PTH, HEX, PATH, INT, PTR),
	S(nfsservctl,               3, EMU, 0, INT, PTR, PTR),
	S(getpmsg,                  5, EMU, 0, HEX, HEX, HEX, HEX, HEX),
	S(putpmsg,                  5, EMU, 0, HEX, HEX, HEX, HEX, HEX),
	S(afs_syscall,              5, EMU, 0, HEX, HEX, HEX, HEX, HEX),
	S(tuxcall,                  3, EMU, 0, HEX, HEX, HEX),
	S(security,                 3, EMU, 0, HEX, HEX, HEX),
	S(gettid,                   0, EMU, 0),
	S(readahead,                3, EMU, 0, FD, INT, UINT),
	S(setxattr,                 5, EMU, PTH, PATH, PATH, PTR, UINT, HEX),
	S(lsetxattr,                5, EMU, PTH, PATH, PATH, PTR, UINT, HEX),
	S(fsetxattr,                5, EMU, PTH, FD, PATH, PTR, UINT, HEX),
	S(getxattr,                 4, EMU, PTH, PATH, PATH, PTR, UINT),
	S(lgetxattr,                4, EMU, PTH, PATH, PATH, PTR, UINT),
	S(fgetxattr,                4, EMU, PTH, FD, PATH, PTR, UINT),
	S(listxattr,                3, EMU, PTH, PATH, PTR, UINT),
	S(llistxattr,               3, EMU, PTH, PATH, PTR, UINT),
	S(flistxattr,               3, EMU, 0, FD, PTR, UINT),
	S(removexattr,              2, EMU, PTH, PATH, PATH),
	S(lremovexattr,             2, EMU, PTH, PATH, PATH),
	S(fremovexattr,             2, EMU, PTH, FD, PATH),
	S(tkill,                    2, EMU, 0, INT, SIG),
	S(time,                     1, EMU, 0, PTR),
	S(futex,                    6, EMU, BLK, PTR, HEX, INT, PTR, PTR, HEX),
	S(sched_setaffinity,        3, EMU, 0, INT, UINT, PTR),
	S(sched_getaffinity,        3, EMU, 0, INT, UINT, PTR),
	S(set_thread_area,          1, REAL, 0, PTR),
	S(io_setup,                 2, NOSYS,   0, UINT, PTR),
	S(io_destroy,               1, NOSYS,   0, HEX),
	S(io_getevents,             5, NOSYS,   BLK, HEX, INT, INT, PTR, PTR),
	S(io_submit,                3, NOSYS,   0, HEX, INT, PTR),
	S(io_cancel,                3, NOSYS,   0, HEX, PTR, PTR),
	S(get_thread_area,          1, EMU, 0, PTR),
	S(lookup_dcookie,           3, EMU, 0, HEX, PTR, UINT),
	S(epoll_create,             1, EMU, 0, INT),
	S(epoll_ctl_old,            4, EMU, 0, HEX, HEX, HEX, HEX),
	S(epoll_wait_old,           4, EMU, 0, HEX, HEX, HEX, HEX),
	S(remap_file_pages,         5, NOSYS,   0, PTR, UINT, PROT, UINT, HEX),
	S(getdents64,               3, EMU, 0, FD, PTR, UINT),
	S(set_tid_address,          1, REAL, 0, PTR),
	S(restart_syscall,          0, EMU, BLK),
	S(semtimedop,               4, EMU, BLK, INT, PTR, UINT, PTR),
	S(fadvise64,                4, EMU, 0, FD, INT, UINT, INT),
	S(timer_create,             3, EMU, 0, INT, PTR, PTR),
	S(timer_settime,            4, EMU, 0, INT, HEX, PTR, PTR),
	S(timer_gettime,            2, EMU, 0, INT, PTR),
	S(timer_getoverrun,         1, EMU, 0, INT),
	S(timer_delete,             1, EMU, 0, INT),
	S(clock_settime,            2, EMU, 0, INT, PTR),
	S(clock_gettime,            2, EMU, 0, INT, PTR),
	S(clock_getres,             2, EMU, 0, INT, PTR),
	S(clock_nanosleep,          4, EMU, BLK, INT, HEX, PTR, PTR),
	S(exit_group,               1, SYS_REPLAY_EXIT, 0, INT),
	S(epoll_wait,               4, EMU, BLK, FD, PTR, INT, INT),
	S(epoll_ctl,                4, EMU, 0, FD, INT, FD, PTR),
	S(tgkill,                   3, EMU, 0, INT, INT, SIG),
	S(utimes,                   2, EMU, PTH, PATH, PTR),
	S(vserver,                  5, EMU, 0, HEX, HEX, HEX, HEX, HEX),
	S(mbind,                    6, EMU, 0, PTR, UINT, INT, PTR, UINT, HEX),
	S(set_mempolicy,            3, EMU, 0, INT, PTR, UINT),
	S(get_mempolicy,            5, EMU, 0, PTR, PTR, UINT, PTR, HEX),
	S(mq_open,                  4, EMU, PTH, PATH, OFLAGS, MODE, PTR),
	S(mq_unlink,                1, EMU, PTH, PATH),
	S(mq_timedsend,             5, EMU, BLK, FD, PTR, UINT, UINT, PTR),
	S(mq_timedreceive,          5, EMU, BLK, FD, PTR, UINT, PTR, PTR),
	S(mq_notify,                2, EMU, 0, FD, PTR),
	S(mq_getsetattr,            3, EMU, 0, FD, PTR, PTR),
	S(kexec_load,               4, EMU, 0, HEX, UINT, PTR, HEX),
	S(waitid,                   5, EMU, BLK, INT, INT, PTR, HEX, PTR),
	S(add_key,                  5, EMU, PTH, PATH, PATH, PTR, UINT, INT),
	S(request_key,              4, EMU, PTH, PATH, PATH, PATH, INT),
	S(keyctl,                   5, NOSYS,   0, INT, HEX, HEX, HEX, HEX),
	S(ioprio_set,               3, EMU, 0, INT, INT, INT),
	S(ioprio_get,               2, EMU, 0, INT, INT),
	S(inotify_init,             0, EMU, 0),
	S(inotify_add_watch,        3, EMU, PTH, FD, PATH, HEX),
	S(inotify_rm_watch,         2, EMU, 0, FD, INT),
	S(migrate_pages,            4, EMU, 0, INT, UINT, PTR, PTR),
	S(openat,                   4, EMU, PTH | BLK, FD, PATH, OFLAGS, MODE),
	S(mkdirat,                  3, EMU, PTH, FD, PATH, MODE),
	S(mknodat,                  4, EMU, PTH, FD, PATH, MODE, HEX),
	S(fchownat,                 5, EMU, PTH, FD, PATH, INT, INT, ATFL),
	S(futimesat,                3, EMU, PTH, FD, PATH, PTR),
	S(newfstatat,               4, EMU, PTH, FD, PATH, PTR, ATFL),
	S(unlinkat,                 3, EMU, PTH, FD, PATH, ATFL),
	S(renameat,                 4, EMU, PTH, FD, PATH, FD, PATH),
	S(linkat,                   5, EMU, PTH, FD, PATH, FD, PATH, ATFL),
	S(symlinkat,                3, EMU, PTH, PATH, FD, PATH),
	S(readlinkat,               4, EMU, PTH, FD, PATH, PTR, UINT),
	S(fchmodat,                 3, EMU, PTH, FD, PATH, MODE),
	S(faccessat,                3, EMU, PTH, FD, PATH, INT),
	S(pselect6,                 6, EMU, BLK, INT, PTR, PTR, PTR, PTR, PTR),
	S(ppoll,                    5, EMU, BLK, PTR, UINT, PTR, PTR, UINT),
	S(unshare,                  1, EMU, 0, HEX),
	S(set_robust_list,          2, REAL, 0, PTR, UINT),
	S(get_robust_list,          3, EMU, 0, INT, PTR, PTR),
	S(splice,                   6, EMU, BLK, FD, PTR, FD, PTR, UINT, HEX),
	S(tee,                      4, EMU, BLK, FD, FD, UINT, HEX),
	S(sync_file_range,          4, EMU, 0, FD, INT, INT, HEX),
	S(vmsplice,                 4, EMU, BLK, FD, PTR, UINT, HEX),
	S(move_pages,               6, EMU, 0, INT, UINT, PTR, PTR, PTR, HEX),
	S(utimensat,                4, EMU, PTH, FD, PATH, PTR, ATFL),
	S(epoll_pwait,              6, EMU, BLK, FD, PTR, INT, INT, PTR, UINT),
	S(signalfd,                 3, EMU, 0, FD, PTR, UINT),
	S(timerfd_create,           2, EMU, 0, INT, OFLAGS),
	S(eventfd,                  1, EMU, 0, UINT),
	S(fallocate,                4, EMU, 0, FD, HEX, INT, INT),
	S(timerfd_settime,          4, EMU, 0, FD, HEX, PTR, PTR),
	S(timerfd_gettime,          2, EMU, 0, FD, PTR),
	S(accept4,                  4, EMU, BLK, FD, PTR, PTR, OFLAGS),
	S(signalfd4,                4, EMU, 0, FD, PTR, UINT, OFLAGS),
	S(eventfd2,                 2, EMU, 0, UINT, OFLAGS),
	S(epoll_create1,            1, EMU, 0, OFLAGS),
	S(dup3,                     3, EMU, 0, FD, FD, OFLAGS),
	S(pipe2,                    2, EMU, 0, PTR, OFLAGS),
	S(inotify_init1,            1, EMU, 0, OFLAGS),
	S(preadv,                   4, EMU, 0, FD, PTR, UINT, INT),
	S(pwritev,                  4, EMU, WFD, FD, PTR, UINT, INT),
	S(rt_tgsigqueueinfo,        4, EMU, 0, INT, INT, SIG, PTR),
	S(perf_event_open,          5, EMU, 0, PTR, INT, INT, FD, HEX),
	S(recvmmsg,                 5, EMU, BLK, FD, PTR, UINT, HEX, PTR),
	S(fanotify_init,            2, EMU, 0, HEX, OFLAGS),
	S(fanotify_mark,            5, EMU, PTH, FD, HEX, HEX, FD, PATH),
	S(prlimit64,                4, EMU, 0, INT, INT, PTR, PTR),
	S(name_to_handle_at,        5, EMU, PTH, FD, PATH, PTR, PTR, ATFL),
	S(open_by_handle_at,        3, EMU, BLK, FD, PTR, OFLAGS),
	S(clock_adjtime,            2, EMU, 0, INT, PTR),
	S(syncfs,                   1, EMU, 0, FD),
	S(sendmmsg,                 4, EMU, BLK, FD, PTR, UINT, HEX),
	S(setns,                    2, EMU, 0, FD, HEX),
	S(getcpu,                   3, EMU, 0, PTR, PTR, PTR),
	S(process_vm_readv,         6, EMU, 0, INT, PTR, UINT, PTR, UINT, HEX),
	S(process_vm_writev,        6, EMU, 0, INT, PTR, UINT, PTR, UINT, HEX),
	S(kcmp,                     5, EMU, 0, INT, INT, INT, HEX, HEX),
	S(finit_module,             3, EMU, PTH, FD, PATH, HEX),
	S(sched_setattr,            3, EMU, 0, INT, PTR, HEX),
	S(sched_getattr,            4, EMU, 0, INT, PTR, UINT, HEX),
	S(renameat2,                5, EMU, PTH, FD, PATH, FD, PATH, HEX),
	S(seccomp,                  3, EMU, 0, UINT, HEX, PTR),
	S(getrandom,                3, EMU, 0, PTR, UINT, HEX),
	S(memfd_create,             2, EMU, PTH, PATH, HEX),
	S(kexec_file_load,          5, EMU, 0, FD, FD, UINT, PTR, HEX),
	S(bpf,                      3, NOSYS,   0, INT, PTR, UINT),
	S(execveat,                 5, SYS_REPLAY_EXEC, PTH, FD, PATH, PTR, PTR, ATFL),
	S(userfaultfd,              1, NOSYS,   0, OFLAGS),
	S(membarrier,               3, EMU, 0, INT, HEX, INT),
	S(mlock2,                   3, EMU, 0, PTR, UINT, HEX),
	S(copy_file_range,          6, EMU, BLK, FD, PTR, FD, PTR, UINT, HEX),
	S(preadv2,                  6, EMU, BLK, FD, PTR, UINT, INT, INT, HEX),
	S(pwritev2,                 6, EMU, WFD | BLK, FD, PTR, UINT, INT, INT, HEX),
	S(pkey_mprotect,            4, SYS_REPLAY_MPROTECT, 0, PTR, UINT, PROT, INT),
	S(pkey_alloc,               2, REAL, 0, HEX, HEX),
	S(pkey_free,                1, REAL, 0, INT),
	S(statx,                    5, EMU, PTH, FD, PATH, ATFL, HEX, PTR),
	S(io_pgetevents,            6, NOSYS,   BLK, HEX, INT, INT, PTR, PTR, PTR),
	S(rseq,                     4, SYS_REPLAY_RSEQ, 0, PTR, UINT, HEX, HEX),
	S(uretprobe,                0, NOSYS,   0),
	S(uprobe,                   0, NOSYS,   0),
	S(pidfd_send_signal,        4, EMU, 0, FD, SIG, PTR, HEX),
	S(io_uring_setup,           2, NOSYS,   0, UINT, PTR),
	S(io_uring_enter,           6, NOSYS,   BLK, FD, UINT, UINT, HEX, PTR, UINT),
	S(io_uring_register,        4, NOSYS,   0, FD, UINT, PTR, UINT),
	S(open_tree,                3, EMU, PTH, FD, PATH, HEX),
	S(move_mount,               5, EMU, PTH, FD, PATH, FD, PATH, HEX),
	S(fsopen,                   2, EMU, PTH, PATH, HEX),
	S(fsconfig,                 5, EMU, PTH, FD, UINT, PATH, PTR, INT),
	S(fsmount,                  3, EMU, 0, FD, HEX, HEX),
	S(fspick,                   3, EMU, PTH, FD, PATH, HEX),
	S(pidfd_open,               2, EMU, 0, INT, OFLAGS),
	S(clone3,                   2, SYS_REPLAY_CLONE, BLK, PTR, UINT),
	S(close_range,              3, EMU, 0, UINT, UINT, HEX),
	S(openat2,                  4, EMU, PTH | BLK, FD, PATH, PTR, UINT),
	S(pidfd_getfd,              3, EMU, 0, FD, INT, HEX),
	S(faccessat2,               4, EMU, PTH, FD, PATH, INT, ATFL),
	S(process_madvise,          5, EMU, 0, FD, PTR, UINT, INT, HEX),
	S(epoll_pwait2,             6, EMU, BLK, FD, PTR, INT, PTR, PTR, UINT),
	S(mount_setattr,            5, EMU, PTH, FD, PATH, ATFL, PTR, UINT),
	S(quotactl_fd,              4, EMU, 0, FD, HEX, INT, PTR),
	S(landlock_create_ruleset,  3, EMU, 0, PTR, UINT, HEX),
	S(landlock_add_rule,        4, EMU, 0, FD, INT, PTR, HEX),
	S(landlock_restrict_self,   2, EMU, 0, FD, HEX),
	S(memfd_secret,             1, EMU, 0, HEX),
	S(process_mrelease,         2, EMU, 0, FD, HEX),
	S(futex_waitv,              5, EMU, BLK, PTR, UINT, HEX, PTR, INT),
	S(set_mempolicy_home_node,  4, EMU, 0, PTR, UINT, UINT, HEX),
	S(cachestat,                4, EMU, 0, FD, PTR, PTR, HEX),
	S(fchmodat2,                4, EMU, PTH, FD, PATH, MODE, ATFL),
	S(map_shadow_stack,         3, NOSYS,   0, PTR, UINT, HEX),
	S(futex_wake,               4, EMU, 0, PTR, HEX, INT, HEX),
	S(futex_wait,               6, EMU, BLK, PTR, HEX, HEX, HEX, PTR, INT),
	S(futex_requeue,            4, EMU, 0, PTR, HEX, INT, INT),
	S(statmount,                4, EMU, 0, PTR, PTR, UINT, HEX),
	S(listmount,                4, EMU, 0, PTR, PTR, UINT, HEX),
	S(lsm_get_self_attr,        4, EMU, 0, UINT, PTR, PTR, HEX),
	S(lsm_set_self_attr,        4, EMU, 0, UINT, PTR, UINT, HEX),
	S(lsm_list_modules,         3, EMU, 0, PTR, PTR, HEX),
	S(mseal,                    3, REAL, 0, PTR, UINT, HEX),
	S(setxattrat,               6, EMU, PTH, FD, PATH, ATFL, PATH, PTR, UINT),
	S(getxattrat,               6, EMU, PTH, FD, PATH, ATFL, PATH, PTR, UINT),
	S(listxattrat,              5, EMU, PTH, FD, PATH, ATFL, PTR, UINT),
	S(removexattrat,            4, EMU, PTH, FD, PATH, ATFL, PATH),
	S(open_tree_attr,           5, EMU, PTH, FD, PATH, HEX, PTR, UINT),
	S(file_getattr,             5, EMU, PTH, FD, PATH, PTR, UINT, ATFL),
	S(file_setattr,             5, EMU, PTH, FD, PATH, PTR, UINT, ATFL),
	S(listns,                   4, EMU, 0, PTR, PTR, UINT, HEX),
};
/* clang-format on */

const struct x86_syscall_desc *x86_syscall_lookup(long nr)
{
	if (nr < 0 || nr >= X86_SYSCALL_TABLE_SIZE || !syscall_table[nr].name)
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
	for (long nr = 0; nr < X86_SYSCALL_TABLE_SIZE; nr++)
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

enum x86_sys_replay x86_syscall_replay_class(long nr, const uint64_t args[6])
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(nr);

	if (!d)
		return SYS_REPLAY_UNKNOWN;
	if (nr == __NR_prctl)
		return prctl_class(args[0]);
	if (nr == __NR_arch_prctl)
		return arch_prctl_class(args[0]);
	return (enum x86_sys_replay)d->replay;
}
