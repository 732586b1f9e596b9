/*
 * What the syscall buffer library's files share (preload.c: the buffer,
 * the call, what is known of descriptors and devices; preload_files.c: the
 * wrappers of file syscalls; blocking.c: calls that may block). Nothing
 * here is exported from the library.
 */
#ifndef REWIND_PRELOAD_PRELOAD_H
#define REWIND_PRELOAD_PRELOAD_H

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/sysbuf.h"

#define EXPORT __attribute__((visibility("default")))

/* libc's own function name, looked up once. */
#define REAL(name)                                                                                 \
	static __typeof__(name) *real_##name;                                                      \
	if (!real_##name)                                                                          \
	real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

/*
 * Makes syscall nr untraced, its output (at most out_max bytes at out)
 * kept in the record. false when it cannot be buffered: the caller goes
 * the traced way.
 */
bool sysbuf_call(long nr, const long a[6], void *out, uint64_t out_max, long *ret);
/* A syscall the recorder sees (and records) as any other. */
long sysbuf_traced(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
/* ret as libc returns it: -1 with errno set for an error. */
long sysbuf_errno(long ret);

/* What fd is (enum sysbuf_fd_kind), asked of the kernel once; SYSBUF_FD_OTHER: not buffered. */
uint8_t sysbuf_fd_kind(int fd);
/* Whether fd is a regular file on a local filesystem. */
bool sysbuf_fd_file(int fd);
/* Whether fd is a local regular file or directory. */
bool sysbuf_fd_local(int fd);
/* Whether a write to fd may go untraced: a local file, not rewind's output, not mapped shared. */
bool sysbuf_fd_writable(int fd);
/* Sets what a descriptor the library opened (or closed: SYSBUF_FD_UNKNOWN) is, and its file. */
void sysbuf_fd_set(int fd, uint8_t kind, unsigned dev_major, unsigned dev_minor, uint64_t ino);
/* The kind of a file of that mode, device and inode (stat's), or SYSBUF_FD_OTHER. */
uint8_t sysbuf_kind_of(unsigned mode, unsigned dev_major, unsigned dev_minor, uint64_t ino);
/* Whether paths may be resolved untraced (no filesystem a process may serve is mounted). */
bool sysbuf_paths_local(void);
/* Room for need bytes of records in this thread's buffer, emptied now if need be. */
bool sysbuf_reserve(uint64_t need);

/* The kind of a pipe or socket: SYSBUF_FD_STREAM, or _STREAM_OUT for the recording's output. */
uint8_t sysbuf_stream_kind(int fd);
/* read(2) of a pipe or socket, buffered with the descheduling event armed. */
bool sysbuf_blocking_read(int fd, void *buf, size_t count, long *ret);
/* write(2) of a pipe or socket, buffered with the descheduling event armed. */
bool sysbuf_blocking_write(int fd, const void *buf, size_t count, long *ret);

/*
 * The calls whose buffering takes more than a check of their descriptor
 * (preload_files.c), shared by the wrappers and the hook of patched
 * syscall sites (site_hook.c): true when buffered, the raw result in *ret.
 */
/* Whether a call on path relative to dirfd may be buffered. */
bool sysbuf_path_ok(int dirfd, const char *path);
/* fcntl's commands that never wait and change nothing a read depends on. */
bool sysbuf_fcntl(int fd, int cmd, long arg, long *ret);
/* close of a local file or directory, its kind forgotten before and after. */
bool sysbuf_close(int fd, long *ret);
/* openat of what a buffered stat finds to be a file, a directory or a new file in one. */
bool sysbuf_open(int dirfd, const char *path, int flags, unsigned mode, long *ret);
/* The pool of site stubs and the hook, for the thread's buffer header (site_hook.c). */
void sysbuf_site_header(struct sysbuf_header *h);

#endif
