/*
 * What the files of librewind_preload.so share: preload.c's buffered and
 * traced calls and descriptor kinds, blocking.c's calls that may block.
 */
#ifndef REWIND_PRELOAD_PRELOAD_H
#define REWIND_PRELOAD_PRELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/sysbuf.h"

extern volatile uint8_t fd_kinds[SYSBUF_FDS];

long traced_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
/* Makes syscall nr untraced, its output (at most out_max bytes at out) kept in its record. */
bool buffered(long nr, const long a[6], void *out, uint64_t out_max, long *ret);
long to_errno(long ret);
/* This thread's calls go the traced way from now on. */
void buffer_off_in_thread(void);
/* Room for need bytes of records in this thread's buffer, emptied now if need be. */
bool buffer_reserve(uint64_t need);
/* Whether fd is a regular file on a local filesystem (its kind looked at once). */
bool fd_local(int fd);

/* The kind of a pipe or socket: SYSBUF_FD_STREAM, or _STREAM_OUT for the recording's output. */
uint8_t stream_kind(int fd);
/* read(2) of a pipe or socket, buffered with the descheduling event armed. */
bool blocking_read(int fd, void *buf, size_t count, long *ret);

#endif
