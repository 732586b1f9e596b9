/*
 * The hook of patched syscall sites. The recorder replaces a `syscall` of
 * libc (or another shared library) and the instruction after it with a
 * jump to a stub it writes into this library's pool (arch/x86_64/
 * site_patch.c has the stub's bytes, recorder/record_sites.c the patching):
 * libc's own calls (stdio's reads, writes and seeks, opendir, realpath's
 * readlinks), which no wrapper of preload_files.c sees, then come here.
 *
 * The hook keeps every register but rcx and r11 (the syscall instruction's
 * own) and the status flags (which the compare after the site sets). The
 * library is compiled without vector registers (-mgeneral-regs-only) and
 * calls no libc function on this path, so the vector state needs no
 * saving. It buffers the call with the wrappers' rules and returns rcx 1
 * and the result in rax, or rcx 0 and the stub
 * makes the call itself from a `syscall` of its own, traced, with the
 * site's registers: calls this library does not buffer, a signal
 * handler's call made while the thread is in the library, a process whose
 * buffer is off.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "preload/preload.h"

#define SITE_POOL_SIZE (64 << 10)

__asm__(".pushsection .text.rw_site_pool, \"ax\", @progbits\n"
	".balign 4096\n"
	".globl rw_site_pool\n"
	".hidden rw_site_pool\n"
	"rw_site_pool:\n"
	"	.fill 65536, 1, 0xcc\n"
	".popsection\n");

/*
 * Called by a stub with rsp below the red zone. Saves the arguments (the
 * callee-saved registers are the dispatcher's to keep). The status flags
 * are not kept: a site is patched only where a compare follows its
 * syscall, and sets them all again. Nor is there a pushf/popf pair, which,
 * single-stepped (a debugger's stepi, going back under gdb), would put the
 * step's trap flag into the program's own flags; libc's code runs with the
 * direction flag clear, as the dispatcher's needs.
 */
__asm__(".text\n"
	".globl rw_site_hook\n"
	".hidden rw_site_hook\n"
	".type rw_site_hook, @function\n"
	"rw_site_hook:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	sub $64, %rsp\n"
	"	and $-16, %rsp\n"
	"	mov %rdi, 0(%rsp)\n"
	"	mov %rsi, 8(%rsp)\n"
	"	mov %rdx, 16(%rsp)\n"
	"	mov %r10, 24(%rsp)\n"
	"	mov %r8, 32(%rsp)\n"
	"	mov %r9, 40(%rsp)\n"
	"	mov %rax, 48(%rsp)\n"
	"	mov %rax, %rdi\n"
	"	mov %rsp, %rsi\n"
	"	lea 56(%rsp), %rdx\n"
	"	call rw_site_dispatch\n"
	"	mov %eax, %ecx\n"
	"	mov 0(%rsp), %rdi\n"
	"	mov 8(%rsp), %rsi\n"
	"	mov 16(%rsp), %rdx\n"
	"	mov 24(%rsp), %r10\n"
	"	mov 32(%rsp), %r8\n"
	"	mov 40(%rsp), %r9\n"
	"	mov 48(%rsp), %rax\n"
	"	jrcxz 1f\n"
	"	mov 56(%rsp), %rax\n"
	"1:	mov %rbp, %rsp\n"
	"	pop %rbp\n"
	"	ret\n"
	".size rw_site_hook, . - rw_site_hook\n");

extern const char rw_site_pool[], rw_site_hook[];
int rw_site_dispatch(long nr, const long *a, long *ret);

void sysbuf_site_header(struct sysbuf_header *h)
{
	h->site_pool = (uint64_t)(uintptr_t)rw_site_pool;
	h->site_pool_len = SITE_POOL_SIZE;
	h->site_hook = (uint64_t)(uintptr_t)rw_site_hook;
}

/*
 * The thread registers its buffer when the library is loaded, not at its
 * first wrapped call: the recorder patches a process's sites only once
 * the library there has told it where its pool is, and a program may make
 * all its calls through libc's own functions.
 */
__attribute__((constructor)) static void site_init(void)
{
	(void)sysbuf_paths_local();
}

static bool call_out(long nr, const long a[6], long out, uint64_t out_max, long *ret)
{
	return sysbuf_call(nr, a, (void *)out, out ? out_max : 0, ret);
}

/* Calls on descriptors. -1: not one of them. */
static int on_fd(long nr, const long *a, long *ret)
{
	int fd = (int)a[0];

	switch (nr) {
	case SYS_read:
	case SYS_pread64:
		return sysbuf_fd_file(fd) && call_out(nr, a, a[1], (uint64_t)a[2], ret);
	case SYS_write:
	case SYS_pwrite64:
	case SYS_ftruncate:
		return sysbuf_fd_writable(fd) && sysbuf_call(nr, a, NULL, 0, ret);
	case SYS_lseek:
	case SYS_fsync:
	case SYS_fdatasync:
	case SYS_fchmod:
		return sysbuf_fd_local(fd) && sysbuf_call(nr, a, NULL, 0, ret);
	case SYS_fstat:
		return sysbuf_fd_local(fd) && call_out(nr, a, a[1], sizeof(struct stat), ret);
	case SYS_getdents64:
		return sysbuf_fd_kind(fd) == SYSBUF_FD_LOCAL_DIR &&
		       call_out(nr, a, a[1], (uint64_t)a[2], ret);
	case SYS_close:
		return sysbuf_close(fd, ret);
	case SYS_fcntl:
		return sysbuf_fcntl(fd, (int)a[1], a[2], ret);
	default:
		return -1;
	}
}

/* Calls on paths; those without a directory descriptor made as their *at form. */
static int on_path(long nr, const long *a, long *ret)
{
	const char *p0 = (const char *)a[0], *p1 = (const char *)a[1];

	switch (nr) {
	case SYS_newfstatat:
		return sysbuf_path_ok((int)a[0], p1) &&
		       call_out(nr, a, a[2], sizeof(struct stat), ret);
	case SYS_statx:
		return sysbuf_path_ok((int)a[0], p1) &&
		       call_out(nr, a, a[4], sizeof(struct statx), ret);
	case SYS_readlinkat:
		return sysbuf_path_ok((int)a[0], p1) && call_out(nr, a, a[2], (uint64_t)a[3], ret);
	case SYS_readlink:
		return sysbuf_path_ok(AT_FDCWD, p0) &&
		       call_out(SYS_readlinkat, (long[6]){AT_FDCWD, a[0], a[1], a[2]}, a[1],
				(uint64_t)a[2], ret);
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_unlinkat:
	case SYS_mkdirat:
		return sysbuf_path_ok((int)a[0], p1) && sysbuf_call(nr, a, NULL, 0, ret);
	case SYS_access:
		return sysbuf_path_ok(AT_FDCWD, p0) &&
		       sysbuf_call(SYS_faccessat, (long[6]){AT_FDCWD, a[0], a[1]}, NULL, 0, ret);
	case SYS_unlink:
		return sysbuf_path_ok(AT_FDCWD, p0) &&
		       sysbuf_call(SYS_unlinkat, (long[6]){AT_FDCWD, a[0], 0}, NULL, 0, ret);
	case SYS_mkdir:
		return sysbuf_path_ok(AT_FDCWD, p0) &&
		       sysbuf_call(SYS_mkdirat, (long[6]){AT_FDCWD, a[0], a[1]}, NULL, 0, ret);
	case SYS_renameat:
		return sysbuf_path_ok((int)a[0], p1) && sysbuf_path_ok((int)a[2], (char *)a[3]) &&
		       sysbuf_call(nr, a, NULL, 0, ret);
	case SYS_rename:
		return sysbuf_path_ok(AT_FDCWD, p0) && sysbuf_path_ok(AT_FDCWD, p1) &&
		       sysbuf_call(SYS_renameat, (long[6]){AT_FDCWD, a[0], AT_FDCWD, a[1]}, NULL, 0,
				   ret);
	case SYS_openat:
		return sysbuf_open((int)a[0], p1, (int)a[2], (unsigned)a[3], ret);
	default:
		return -1;
	}
}

/*
 * Calls that read the kernel's state, and a handler's change (replay
 * makes that one itself, at its event). -1: not one of them.
 */
static int on_query(long nr, const long *a, long *ret)
{
	switch (nr) {
	case SYS_rt_sigaction: /* struct kernel_sigaction: handler, flags, restorer, mask */
		return call_out(nr, a, a[2], a[3] == 8 ? 32 : 0, ret);
	case SYS_prlimit64:
		return !a[2] && call_out(nr, a, a[3], sizeof(struct rlimit), ret);
	case SYS_getrlimit:
		return call_out(nr, a, a[1], sizeof(struct rlimit), ret);
	case SYS_getcwd:
		return call_out(nr, a, a[0], (uint64_t)a[1], ret);
	default:
		return -1;
	}
}

/*
 * Changes of the address space, and advice on it (thread stacks given
 * back): the recorder takes them in at the flush (record_sysbuf.c),
 * replay makes them itself at their events. A mapping
 * of a file, or a shared one, goes the traced way: the recorder stores the
 * file or watches the mapping before the program can touch it. -1: not
 * one of them.
 */
static int on_memory(long nr, const long *a, long *ret)
{
	switch (nr) {
	case SYS_mmap:
		return (a[3] & (MAP_TYPE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_HUGETLB)) ==
			   (MAP_PRIVATE | MAP_ANONYMOUS) &&
		       sysbuf_call(nr, a, NULL, 0, ret);
	case SYS_madvise:
		/* Not MADV_REMOVE (a hole in a file) nor the populating ones, which may wait. */
		return a[2] >= 0 && a[2] <= MADV_PAGEOUT && a[2] != MADV_REMOVE &&
		       sysbuf_call(nr, a, NULL, 0, ret);
	case SYS_brk:
	case SYS_mprotect:
	case SYS_munmap:
		return sysbuf_call(nr, a, NULL, 0, ret);
	default:
		return -1;
	}
}

/* 1: the call nr with arguments a was buffered, its raw result in *ret; 0: make it traced. */
__attribute__((used)) int rw_site_dispatch(long nr, const long *a, long *ret)
{
	int done;

	if (!sysbuf_site_buffers(nr))
		return 0;
	if ((done = on_fd(nr, a, ret)) >= 0 || (done = on_path(nr, a, ret)) >= 0 ||
	    (done = on_query(nr, a, ret)) >= 0 || (done = on_memory(nr, a, ret)) >= 0)
		return done;
	/* The ids and the like: nothing to look at. */
	return sysbuf_call(nr, a, NULL, 0, ret);
}
