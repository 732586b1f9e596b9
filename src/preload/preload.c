/*
 * librewind_preload.so: put into LD_PRELOAD of the programs rewind records.
 * It interposes libc's wrappers of syscalls that cannot block (reads,
 * writes, seeks and stats of regular files and directories on local
 * filesystems, calls on paths (preload_files.c), the clocks, the ids) and,
 * with a descheduling event, of calls that may (blocking.c), and makes
 * them from rewind's untraced instruction, logging each in a
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
#include <pthread.h>
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

/*
 * The call itself: rdi is the record. Saves the registers the events need
 * (those that are not the syscall's arguments), loads the arguments, calls
 * the `syscall; ret` in rewind's page, copies what the kernel wrote (as
 * much as the result says, by out_unit) after the record's path slots, and
 * commits the record, that output included, with one store of the
 * header's pos: a record takes only the room its output needed. From the
 * return of the syscall to that store (rw_sysbuf_window ..
 * rw_sysbuf_window_end, and the `ret` in the page) the syscall has run
 * but its record is not in the buffer: the recorder steps a thread it
 * stopped there past the commit before it records anything (the copy's
 * `rep movsb` it does in one go).
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
	"	xor %ecx, %ecx\n" /* the output's length: none on an error */
	"	test %rax, %rax\n"
	"	js 3f\n"
	"	mov 176(%rbx), %rdx\n" /* out_unit */
	"	test %rdx, %rdx\n"
	"	jg 1f\n"
	"	jl 2f\n"	       /* SYSBUF_OUT_IF_OK: all of it */
	"	test %rax, %rax\n" /* SYSBUF_OUT_IF_ZERO */
	"	jnz 3f\n"
	"	jmp 2f\n"
	"1:	mov %rax, %rcx\n" /* so many units of the result, at most out_max */
	"	imul %rdx, %rcx\n"
	"	cmp 80(%rbx), %rcx\n"
	"	jbe 3f\n"
	"2:	mov 80(%rbx), %rcx\n"
	"3:	mov %rcx, %rdx\n"
	"	mov 72(%rbx), %rsi\n" /* from out_addr to after the path slots */
	"	mov (%rbx), %rdi\n"
	"	add %rbx, %rdi\n"
	"	rep movsb\n"
	"	add $7, %rdx\n"
	"	and $-8, %rdx\n"
	"	add %rdx, (%rbx)\n" /* the record's size, and the commit */
	"	add 152(%rbx), %rdx\n"
	"	mov 160(%rbx), %rcx\n"
	"	mov %rdx, 16(%rcx)\n"
	".globl rw_sysbuf_window_end\n"
	".hidden rw_sysbuf_window_end\n"
	"rw_sysbuf_window_end:\n"
	"	pop %rbx\n"
	"	ret\n"
	".size rw_sysbuf_raw, . - rw_sysbuf_raw\n");

long rw_sysbuf_raw(struct sysbuf_record *rec);
extern const char rw_sysbuf_window[], rw_sysbuf_window_end[];

long sysbuf_traced(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
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
static volatile uint8_t fd_kinds[SYSBUF_FDS];
/* The recorder writes it (process in the header). */
static volatile struct sysbuf_process process;
/* The file of each descriptor whose kind is SYSBUF_FD_LOCAL (a write looks it up in process).
 */
static volatile struct {
	uint32_t dev_major, dev_minor;
	uint64_t ino;
} fd_files[SYSBUF_FDS];

#define barrier() __asm__ volatile("" ::: "memory")

/*
 * Buffers of threads that ended, for threads that start: one each slot,
 * or NULL. A reused buffer has its pages in memory already (a thread
 * that lists 500 files writes 70 of them), and no mmap to make.
 */
#define POOL_SLOTS 16
static struct sysbuf_header *pool[POOL_SLOTS];
static pthread_key_t buffer_key; /* its destructor gives the thread's buffer up */

static struct sysbuf_header *pool_take(void)
{
	for (int i = 0; i < POOL_SLOTS; i++) {
		struct sysbuf_header *h = __atomic_load_n(&pool[i], __ATOMIC_ACQUIRE);

		if (h && __atomic_compare_exchange_n(&pool[i], &h, NULL, false, __ATOMIC_ACQ_REL,
						     __ATOMIC_RELAXED))
			return h;
	}
	return NULL;
}

static bool pool_put(struct sysbuf_header *h)
{
	for (int i = 0; i < POOL_SLOTS; i++) {
		struct sysbuf_header *none = NULL;

		if (__atomic_compare_exchange_n(&pool[i], &none, h, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/* An ending thread's buffer goes to the pool, once the recorder has taken its records. */
static void give_up_buffer(void *buf)
{
	struct sysbuf_header *h = buf;

	if (ts.state <= 0 || ts.buf != h || ts.busy)
		return;
	ts.busy = 1;
	barrier();
	ts.state = -1; /* the thread's last calls (other destructors') stop */
	if (sysbuf_traced(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_UNREGISTER, (long)h, 0, 0, 0, 0) == 0 &&
	    !pool_put(h))
		sysbuf_traced(SYS_munmap, (long)h, SYSBUF_SIZE, 0, 0, 0, 0);
	barrier();
	ts.busy = 0;
}

__attribute__((constructor)) static void buffer_pool_init(void)
{
	pthread_key_create(&buffer_key, give_up_buffer);
}

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
	if ((h = pool_take()))
		p = (long)h;
	else
		p = sysbuf_traced(SYS_mmap, 0, SYSBUF_SIZE, PROT_READ | PROT_WRITE,
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
	h->process = (uint64_t)(uintptr_t)&process;
	sysbuf_site_header(h);
	barrier();
	if (sysbuf_traced(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_REGISTER, p, 0, 0, 0, 0) != 0) {
		off_everywhere = 1;
		sysbuf_traced(SYS_munmap, p, SYSBUF_SIZE, 0, 0, 0, 0);
		return NULL;
	}
	ts.buf = h;
	ts.state = 1;
	pthread_setspecific(buffer_key, h);
	return h;
}

/*
 * The record's path strings, for the trace's events (rewind dump). The
 * kernel read each (it did not fail with EFAULT), up to its end or to
 * PATH_MAX: the bytes copied here, at most a slot's, are readable.
 */
static void copy_paths(struct sysbuf_record *rec, char *slot, long ret)
{
	for (int i = 0; i < 6; i++) {
		const char *p = (const char *)(uintptr_t)rec->args[i];
		size_t k = 0;

		if (!(rec->path_args & (1u << i)))
			continue;
		/* EFAULT: the path, or the output, could not be read; the slot stays empty. */
		if (p && ret != -EFAULT)
			for (; k < SYSBUF_PATH_ROOM - 1 && p[k]; k++)
				slot[k] = p[k];
		slot[k] = '\0';
		slot += SYSBUF_PATH_ROOM;
	}
}

bool sysbuf_call(long nr, const long a[6], void *out, uint64_t out_max, long *ret)
{
	struct sysbuf_header *h;
	struct sysbuf_record *rec;
	uint64_t paths = sysbuf_path_args(nr), base = sizeof(*rec) + sysbuf_paths_room(paths);
	uint64_t need = sizeof(*rec) + sysbuf_room(out_max, paths);

	if (ts.busy || out_max > SYSBUF_OUT_MAX || process.off)
		return false;
	ts.busy = 1;
	barrier();
	if (!(h = thread_buffer())) {
		ts.busy = 0;
		return false;
	}
	if (sizeof(*h) + h->pos + need > h->size &&
	    sysbuf_traced(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_RESET, 0, 0, 0, 0, 0) != 0) {
		ts.busy = 0;
		return false;
	}
	rec = (struct sysbuf_record *)((uint8_t *)(h + 1) + h->pos);
	rec->size = base;
	rec->nr = nr;
	for (int i = 0; i < 6; i++)
		rec->args[i] = (uint64_t)a[i];
	rec->ret = 0;
	rec->out_addr = (uint64_t)(uintptr_t)out;
	rec->out_max = out_max;
	rec->copied = 0;
	rec->commit_to = h->pos + base;
	rec->header = (uint64_t)(uintptr_t)h;
	rec->path_args = paths;
	rec->out_unit = sysbuf_out_unit(nr);
	barrier();
	*ret = rw_sysbuf_raw(rec);
	barrier();
	if (paths)
		copy_paths(rec, (char *)(rec + 1), *ret);
	barrier();
	rec->copied = 1;
	barrier();
	ts.busy = 0;
	return true;
}

bool sysbuf_reserve(uint64_t need)
{
	struct sysbuf_header *h;
	bool ok;

	if (ts.busy || process.off)
		return false;
	ts.busy = 1;
	barrier();
	ok = (h = thread_buffer()) &&
	     (sizeof(*h) + h->pos + need <= h->size ||
	      sysbuf_traced(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_RESET, 0, 0, 0, 0, 0) == 0);
	barrier();
	ts.busy = 0;
	return ok;
}

/* n, or 0 for a null pointer (which glibc's prototypes say cannot be, and programs pass). */
static uint64_t size_if(const void *p, uint64_t n)
{
	return p ? n : 0;
}

long sysbuf_errno(long ret)
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

/* Whether dev is on a local filesystem: 1 yes, 0 no, -1 not asked yet. */
static int dev_known(uint64_t dev)
{
	for (int i = 0; i < ndevs; i++)
		if (devs[i].dev == dev)
			return devs[i].local;
	return -1;
}

static bool dev_local(int fd, uint64_t dev)
{
	struct statfs sf;
	int known = dev_known(dev);
	bool local;

	if (known >= 0)
		return known;
	local =
	    sysbuf_traced(SYS_fstatfs, fd, (long)&sf, 0, 0, 0, 0) == 0 && rw_local_fs(sf.f_type);
	if (ndevs < (int)(sizeof(devs) / sizeof(devs[0]))) {
		devs[ndevs].dev = dev;
		devs[ndevs].local = local;
		ndevs++;
	}
	return local;
}

/* Whether the file is rewind's own stdout or stderr (the recorder wrote which into the header). */
static bool is_output(unsigned dev_major, unsigned dev_minor, uint64_t ino)
{
	const struct sysbuf_header *h = ts.state > 0 ? ts.buf : NULL;

	for (int i = 0; h && i < 2; i++)
		if (h->out_ino[i] && h->out_ino[i] == ino && h->out_dev_major[i] == dev_major &&
		    h->out_dev_minor[i] == dev_minor)
			return true;
	return false;
}

static uint8_t kind_on_local(unsigned mode, unsigned dev_major, unsigned dev_minor, uint64_t ino)
{
	if (S_ISDIR(mode))
		return SYSBUF_FD_LOCAL_DIR;
	if (!S_ISREG(mode))
		return SYSBUF_FD_OTHER;
	return is_output(dev_major, dev_minor, ino) ? SYSBUF_FD_LOCAL_OUTPUT : SYSBUF_FD_LOCAL;
}

uint8_t sysbuf_kind_of(unsigned mode, unsigned dev_major, unsigned dev_minor, uint64_t ino)
{
	if (dev_known((uint64_t)dev_major << 32 | dev_minor) != 1)
		return SYSBUF_FD_UNKNOWN;
	return kind_on_local(mode, dev_major, dev_minor, ino);
}

/*
 * What fd is. Looked at once per descriptor (the library or the recorder
 * clears the byte when the number is closed or replaced) with a buffered
 * statx that takes the attributes the kernel has (AT_STATX_DONT_SYNC: a
 * filesystem served by a process, FUSE, could otherwise make it wait for
 * that process), and once per device with a traced fstatfs.
 */
uint8_t sysbuf_fd_kind(int fd)
{
	struct statx stx;
	uint8_t kind;
	long ret = -1;

	if (fd < 0 || fd >= SYSBUF_FDS || off_everywhere || ts.busy)
		return SYSBUF_FD_OTHER;
	kind = fd_kinds[fd];
	if (kind != SYSBUF_FD_UNKNOWN)
		return kind;
	kind = SYSBUF_FD_OTHER;
	if (sysbuf_call(SYS_statx,
			(long[6]){fd, (long)"", AT_EMPTY_PATH | AT_STATX_DONT_SYNC,
				  STATX_TYPE | STATX_INO, (long)&stx},
			&stx, sizeof(stx), &ret) &&
	    ret == 0 && (S_ISREG(stx.stx_mode) || S_ISDIR(stx.stx_mode)) &&
	    dev_local(fd, (uint64_t)stx.stx_dev_major << 32 | stx.stx_dev_minor))
		kind =
		    kind_on_local(stx.stx_mode, stx.stx_dev_major, stx.stx_dev_minor, stx.stx_ino);
	else if (ret == 0 && (S_ISFIFO(stx.stx_mode) || S_ISSOCK(stx.stx_mode)))
		kind = sysbuf_stream_kind(fd);
	sysbuf_fd_set(fd, kind, stx.stx_dev_major, stx.stx_dev_minor, stx.stx_ino);
	return kind;
}

void sysbuf_fd_set(int fd, uint8_t kind, unsigned dev_major, unsigned dev_minor, uint64_t ino)
{
	if (fd < 0 || fd >= SYSBUF_FDS || off_everywhere)
		return;
	fd_files[fd].dev_major = dev_major;
	fd_files[fd].dev_minor = dev_minor;
	fd_files[fd].ino = ino;
	barrier();
	fd_kinds[fd] = kind;
}

bool sysbuf_fd_file(int fd)
{
	uint8_t kind = sysbuf_fd_kind(fd);

	return kind == SYSBUF_FD_LOCAL || kind == SYSBUF_FD_LOCAL_OUTPUT;
}

bool sysbuf_fd_local(int fd)
{
	uint8_t kind = sysbuf_fd_kind(fd);

	return kind == SYSBUF_FD_LOCAL || kind == SYSBUF_FD_LOCAL_OUTPUT ||
	       kind == SYSBUF_FD_LOCAL_DIR;
}

bool sysbuf_fd_writable(int fd)
{
	uint64_t n;

	if (sysbuf_fd_kind(fd) != SYSBUF_FD_LOCAL)
		return false;
	if ((n = process.shared.n) > SYSBUF_SHARED_FILES)
		return false;
	for (uint64_t i = 0; i < n; i++)
		if (process.shared.file[i].ino == fd_files[fd].ino &&
		    process.shared.file[i].dev_major == fd_files[fd].dev_major &&
		    process.shared.file[i].dev_minor == fd_files[fd].dev_minor)
			return false;
	return true;
}

bool sysbuf_paths_local(void)
{
	struct sysbuf_header *h;

	if (ts.busy || off_everywhere)
		return false;
	ts.busy = 1;
	barrier();
	h = thread_buffer();
	barrier();
	ts.busy = 0;
	return h && (h->flags & SYSBUF_PATHS_LOCAL);
}

EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	long ret;

	if (sysbuf_fd_file(fd) &&
	    sysbuf_call(SYS_read, (long[6]){fd, (long)buf, (long)count}, buf, count, &ret))
		return sysbuf_errno(ret);
	if (sysbuf_blocking_read(fd, buf, count, &ret))
		return sysbuf_errno(ret);
	REAL(read);
	return real_read(fd, buf, count);
}

static ssize_t pread_any(int fd, void *buf, size_t count, off_t off, bool *done)
{
	long ret;

	*done =
	    sysbuf_fd_file(fd) &&
	    sysbuf_call(SYS_pread64, (long[6]){fd, (long)buf, (long)count, off}, buf, count, &ret);
	return *done ? sysbuf_errno(ret) : 0;
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

	if (sysbuf_fd_local(fd) &&
	    sysbuf_call(SYS_lseek, (long[6]){fd, off, whence}, NULL, 0, &ret))
		return sysbuf_errno(ret);
	REAL(lseek);
	return real_lseek(fd, off, whence);
}

EXPORT off64_t lseek64(int fd, off64_t off, int whence)
{
	long ret;

	if (sysbuf_fd_local(fd) &&
	    sysbuf_call(SYS_lseek, (long[6]){fd, off, whence}, NULL, 0, &ret))
		return sysbuf_errno(ret);
	REAL(lseek64);
	return real_lseek64(fd, off, whence);
}

EXPORT int fstat(int fd, struct stat *st)
{
	long ret;

	if (sysbuf_fd_local(fd) &&
	    sysbuf_call(SYS_fstat, (long[6]){fd, (long)st}, st, sizeof(*st), &ret))
		return (int)sysbuf_errno(ret);
	REAL(fstat);
	return real_fstat(fd, st);
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
	long ret;

	if (sysbuf_fd_local(fd) &&
	    sysbuf_call(SYS_fstat, (long[6]){fd, (long)st}, st, sizeof(*st), &ret))
		return (int)sysbuf_errno(ret);
	REAL(fstat64);
	return real_fstat64(fd, st);
}

EXPORT int clock_gettime(clockid_t clk, struct timespec *tp)
{
	long ret;

	if (sysbuf_call(SYS_clock_gettime, (long[6]){clk, (long)tp}, tp, size_if(tp, sizeof(*tp)),
			&ret))
		return (int)sysbuf_errno(ret);
	REAL(clock_gettime);
	return real_clock_gettime(clk, tp);
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	long ret;

	if (!tz &&
	    sysbuf_call(SYS_gettimeofday, (long[6]){(long)tv}, tv, size_if(tv, sizeof(*tv)), &ret))
		return (int)sysbuf_errno(ret);
	REAL(gettimeofday);
	return real_gettimeofday(tv, tz);
}

EXPORT time_t time(time_t *tloc)
{
	long ret;

	if (sysbuf_call(SYS_time, (long[6]){0}, NULL, 0, &ret) && ret >= 0) {
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
		if (sysbuf_call(SYS_##name, (long[6]){0}, NULL, 0, &ret))                          \
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
