/*
 * librewind_preload.so: put into LD_PRELOAD of the programs rewind records.
 * It interposes libc's wrappers of a few syscalls that cannot block (reads,
 * seeks and fstat of regular files on local filesystems, the clocks, the
 * ids) and makes them from rewind's untraced instruction, logging each in a
 * buffer of its thread (arch/x86_64/sysbuf.h) that the recorder turns into
 * ordinary syscall events at the thread's next stop: no ptrace stop per
 * call. Replay runs the same code; there every syscall stops and is
 * answered from those events, so the library does exactly what it did.
 *
 * Each thread registers its buffer with a syscall only rewind answers;
 * outside rewind it fails with ENOSYS and every wrapper calls libc's.
 * The library uses no libc function on its buffered path: it may be
 * inside any of them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/sysbuf.h"
#include "common/local_fs.h"
#include "preload/preload.h"

#define EXPORT __attribute__((visibility("default")))

/*
 * The call itself: rdi is the record. Saves the registers the events need
 * (those that are not the syscall's arguments), loads the arguments, calls
 * the `syscall; ret` in rewind's page, and commits the record with one
 * store of the header's pos. From the return of the syscall to that store
 * (rw_sysbuf_window .. rw_sysbuf_window_end, and the `ret` in the page) the
 * syscall has run but its record is not in the buffer: the recorder steps
 * a thread it stopped there past the commit before it records anything.
 */
__asm__(".text\n"
	".globl rw_sysbuf_raw\n"
	".hidden rw_sysbuf_raw\n"
	".type rw_sysbuf_raw, @function\n"
	"rw_sysbuf_raw:\n"
	"	push %rbx\n"
	"	mov %rdi, %rbx\n"
	"	mov %rbp, 96(%rbx)\n"
	"	mov %r12, 104(%rbx)\n"
	"	mov %r13, 112(%rbx)\n"
	"	mov %r14, 120(%rbx)\n"
	"	mov %r15, 128(%rbx)\n"
	"	lea -8(%rsp), %rax\n" /* rsp at the syscall: the call's return address below */
	"	mov %rax, 136(%rbx)\n"
	"	mov 16(%rbx), %rdi\n"
	"	mov 24(%rbx), %rsi\n"
	"	mov 32(%rbx), %rdx\n"
	"	mov 40(%rbx), %r10\n"
	"	mov 48(%rbx), %r8\n"
	"	mov 56(%rbx), %r9\n"
	"	mov $0x70000040, %ecx\n"
	"	mov 8(%rbx), %rax\n"
	"	pushfq\n" /* nothing from here to the syscall changes the flags */
	"	popq 144(%rbx)\n"
	"	call *%rcx\n"
	".globl rw_sysbuf_window\n"
	".hidden rw_sysbuf_window\n"
	"rw_sysbuf_window:\n"
	"	mov %rax, 64(%rbx)\n"
	"	mov 152(%rbx), %rcx\n"
	"	mov 160(%rbx), %rdx\n"
	"	mov %rcx, 16(%rdx)\n"
	".globl rw_sysbuf_window_end\n"
	".hidden rw_sysbuf_window_end\n"
	"rw_sysbuf_window_end:\n"
	"	pop %rbx\n"
	"	ret\n"
	".size rw_sysbuf_raw, . - rw_sysbuf_raw\n");

long rw_sysbuf_raw(struct sysbuf_record *rec);
extern const char rw_sysbuf_window[], rw_sysbuf_window_end[];

/* A syscall the recorder sees (and records) as any other. */
long traced_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

struct thread_state {
	struct sysbuf_header *buf;
	int state; /* 0: not registered yet, 1: registered, -1: off */
	/* In a buffered call: a signal handler's call goes the traced way (the record is ours). */
	int busy;
};

static __thread struct thread_state ts __attribute__((tls_model("initial-exec")));
static int off_everywhere; /* rewind did not answer: not recorded */
volatile uint8_t fd_kinds[SYSBUF_FDS];

#define barrier() __asm__ volatile("" ::: "memory")

/* This thread's buffer, registered with the recorder on first use; NULL: none. */
static struct sysbuf_header *thread_buffer(void)
{
	struct sysbuf_header *h;
	long p;

	if (ts.state)
		return ts.state > 0 ? ts.buf : NULL;
	ts.state = -1;
	if (off_everywhere)
		return NULL;
	p = traced_syscall(SYS_mmap, 0, SYSBUF_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p < 0 && p > -4096)
		return NULL;
	h = (struct sysbuf_header *)p;
	h->magic = SYSBUF_MAGIC;
	h->version = SYSBUF_VERSION;
	h->size = SYSBUF_SIZE;
	h->pos = 0;
	h->window_lo = (uint64_t)(uintptr_t)rw_sysbuf_window;
	h->window_hi = (uint64_t)(uintptr_t)rw_sysbuf_window_end;
	h->fd_kinds = (uint64_t)(uintptr_t)fd_kinds;
	h->fd_kinds_len = SYSBUF_FDS;
	barrier();
	if (traced_syscall(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_REGISTER, p, 0, 0, 0, 0) != 0) {
		off_everywhere = 1;
		traced_syscall(SYS_munmap, p, SYSBUF_SIZE, 0, 0, 0, 0);
		return NULL;
	}
	ts.buf = h;
	ts.state = 1;
	return h;
}

/*
 * Makes syscall nr untraced, its output (at most out_max bytes at out)
 * kept in the record. false when it cannot be buffered: the caller goes
 * the traced way.
 */
bool buffered(long nr, const long a[6], void *out, uint64_t out_max, long *ret)
{
	struct sysbuf_header *h;
	struct sysbuf_record *rec;
	uint64_t need = sizeof(*rec) + ((out_max + 7) & ~7ull), n;
	uint8_t *dst;

	if (ts.busy || out_max > SYSBUF_OUT_MAX)
		return false;
	ts.busy = 1;
	barrier();
	if (!(h = thread_buffer())) {
		ts.busy = 0;
		return false;
	}
	if (sizeof(*h) + h->pos + need > h->size &&
	    traced_syscall(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_RESET, 0, 0, 0, 0, 0) != 0) {
		ts.busy = 0;
		return false;
	}
	rec = (struct sysbuf_record *)((uint8_t *)(h + 1) + h->pos);
	rec->size = need;
	rec->nr = nr;
	for (int i = 0; i < 6; i++)
		rec->args[i] = (uint64_t)a[i];
	rec->ret = 0;
	rec->out_addr = (uint64_t)(uintptr_t)out;
	rec->out_max = out_max;
	rec->copied = 0;
	rec->commit_to = h->pos + need;
	rec->header = (uint64_t)(uintptr_t)h;
	barrier();
	*ret = rw_sysbuf_raw(rec);
	barrier();
	n = sysbuf_out_len(nr, *ret, out_max);
	dst = (uint8_t *)(rec + 1);
	for (uint64_t i = 0; i < n; i++)
		dst[i] = ((const uint8_t *)out)[i];
	barrier();
	rec->copied = 1;
	barrier();
	ts.busy = 0;
	return true;
}

/* This thread's calls go the traced way from now on. */
void buffer_off_in_thread(void)
{
	ts.state = -1;
}

/* Room for need bytes of records in this thread's buffer, emptied now if need be. */
bool buffer_reserve(uint64_t need)
{
	struct sysbuf_header *h;
	bool ok;

	if (ts.busy)
		return false;
	ts.busy = 1;
	barrier();
	ok = (h = thread_buffer()) &&
	     (sizeof(*h) + h->pos + need <= h->size ||
	      traced_syscall(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_RESET, 0, 0, 0, 0, 0) == 0);
	barrier();
	ts.busy = 0;
	return ok;
}

/* n, or 0 for a null pointer (which glibc's prototypes say cannot be, and programs pass). */
static uint64_t size_if(const void *p, uint64_t n)
{
	return p ? n : 0;
}

long to_errno(long ret)
{
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}


/* Devices whose filesystem was asked for (fstatfs, traced), and whether it is local. */
static volatile struct {
	uint64_t dev;
	bool local;
} devs[32];
static volatile int ndevs;

static bool dev_local(int fd, uint64_t dev)
{
	struct statfs sf;
	bool local;

	for (int i = 0; i < ndevs; i++)
		if (devs[i].dev == dev)
			return devs[i].local;
	local = traced_syscall(SYS_fstatfs, fd, (long)&sf, 0, 0, 0, 0) == 0 && rw_local_fs(sf.f_type);
	if (ndevs < (int)(sizeof(devs) / sizeof(devs[0]))) {
		devs[ndevs].dev = dev;
		devs[ndevs].local = local;
		ndevs++;
	}
	return local;
}

/*
 * Whether fd is a regular file on a local filesystem. Looked at once per
 * descriptor (the recorder clears the byte when the number is closed or
 * replaced) with a buffered statx that takes the attributes the kernel has
 * (AT_STATX_DONT_SYNC: a filesystem served by a process, FUSE, could
 * otherwise make it wait for that process), and once per device with a
 * traced fstatfs.
 */
bool fd_local(int fd)
{
	struct statx stx;
	uint8_t kind;
	long ret = -1;

	if (fd < 0 || fd >= SYSBUF_FDS || off_everywhere || ts.busy)
		return false;
	kind = fd_kinds[fd];
	if (kind != SYSBUF_FD_UNKNOWN)
		return kind == SYSBUF_FD_LOCAL;
	kind = SYSBUF_FD_OTHER;
	if (buffered(SYS_statx,
		     (long[6]){fd, (long)"", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE,
			       (long)&stx},
		     &stx, sizeof(stx), &ret) &&
	    ret == 0 && S_ISREG(stx.stx_mode) &&
	    dev_local(fd, (uint64_t)stx.stx_dev_major << 32 | stx.stx_dev_minor))
		kind = SYSBUF_FD_LOCAL;
	else if (ret == 0 && (S_ISFIFO(stx.stx_mode) || S_ISSOCK(stx.stx_mode)))
		kind = stream_kind(fd);
	if (!off_everywhere)
		fd_kinds[fd] = kind;
	return kind == SYSBUF_FD_LOCAL;
}

#define REAL(name)                                                                                 \
	static __typeof__(name) *real_##name;                                                      \
	if (!real_##name)                                                                          \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	long ret;

	if (fd_local(fd) && buffered(SYS_read, (long[6]){fd, (long)buf, (long)count}, buf, count, &ret))
		return to_errno(ret);
	if (blocking_read(fd, buf, count, &ret))
		return to_errno(ret);
	REAL(read);
	return real_read(fd, buf, count);
}

static ssize_t pread_any(int fd, void *buf, size_t count, off_t off, bool *done)
{
	long ret;

	*done = fd_local(fd) &&
		buffered(SYS_pread64, (long[6]){fd, (long)buf, (long)count, off}, buf, count, &ret);
	return *done ? to_errno(ret) : 0;
}

EXPORT ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
	bool done;
	ssize_t n = pread_any(fd, buf, count, off, &done);

	if (done)
		return n;
	REAL(pread);
	return real_pread(fd, buf, count, off);
}

EXPORT ssize_t pread64(int fd, void *buf, size_t count, off64_t off)
{
	bool done;
	ssize_t n = pread_any(fd, buf, count, off, &done);

	if (done)
		return n;
	REAL(pread64);
	return real_pread64(fd, buf, count, off);
}

EXPORT off_t lseek(int fd, off_t off, int whence)
{
	long ret;

	if (fd_local(fd) && buffered(SYS_lseek, (long[6]){fd, off, whence}, NULL, 0, &ret))
		return to_errno(ret);
	REAL(lseek);
	return real_lseek(fd, off, whence);
}

EXPORT off64_t lseek64(int fd, off64_t off, int whence)
{
	long ret;

	if (fd_local(fd) && buffered(SYS_lseek, (long[6]){fd, off, whence}, NULL, 0, &ret))
		return to_errno(ret);
	REAL(lseek64);
	return real_lseek64(fd, off, whence);
}

EXPORT int fstat(int fd, struct stat *st)
{
	long ret;

	if (fd_local(fd) &&
	    buffered(SYS_fstat, (long[6]){fd, (long)st}, st, sizeof(*st), &ret))
		return (int)to_errno(ret);
	REAL(fstat);
	return real_fstat(fd, st);
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
	long ret;

	if (fd_local(fd) &&
	    buffered(SYS_fstat, (long[6]){fd, (long)st}, st, sizeof(*st), &ret))
		return (int)to_errno(ret);
	REAL(fstat64);
	return real_fstat64(fd, st);
}

EXPORT int clock_gettime(clockid_t clk, struct timespec *tp)
{
	long ret;

	if (buffered(SYS_clock_gettime, (long[6]){clk, (long)tp}, tp, size_if(tp, sizeof(*tp)), &ret))
		return (int)to_errno(ret);
	REAL(clock_gettime);
	return real_clock_gettime(clk, tp);
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	long ret;

	if (!tz && buffered(SYS_gettimeofday, (long[6]){(long)tv}, tv, size_if(tv, sizeof(*tv)), &ret))
		return (int)to_errno(ret);
	REAL(gettimeofday);
	return real_gettimeofday(tv, tz);
}

EXPORT time_t time(time_t *tloc)
{
	long ret;

	if (buffered(SYS_time, (long[6]){0}, NULL, 0, &ret) && ret >= 0) {
		if (tloc)
			*tloc = ret;
		return ret;
	}
	REAL(time);
	return real_time(tloc);
}

/* The ids: the same call shape each. */
#define ID_WRAPPER(type, name)                                                                     \
	EXPORT type name(void)                                                                     \
	{                                                                                          \
		long ret;                                                                          \
		if (buffered(SYS_##name, (long[6]){0}, NULL, 0, &ret))                             \
			return (type)ret;                                                          \
		REAL(name);                                                                        \
		return real_##name();                                                              \
	}

ID_WRAPPER(pid_t, getpid)
ID_WRAPPER(pid_t, getppid)
ID_WRAPPER(pid_t, gettid)
ID_WRAPPER(uid_t, getuid)
ID_WRAPPER(uid_t, geteuid)
ID_WRAPPER(gid_t, getgid)
ID_WRAPPER(gid_t, getegid)
