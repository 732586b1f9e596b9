/*
 * Allocation. rewind's own structures, tables that grow by an item and
 * buffers of a size rewind sets or bounds are allocated here: when memory
 * runs out, one line names the size and rewind exits with status 1 (a
 * tracer that lost track of its tracees cannot go on sensibly; they die
 * with it, PTRACE_O_EXITKILL). Buffers whose size comes from outside and
 * has no bound (a record's length read from a trace, a program's mapping
 * copied whole) use malloc instead, and their users return -ENOMEM with a
 * message naming what they were reading.
 */
#ifndef REWIND_COMMON_XALLOC_H
#define REWIND_COMMON_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size) __attribute__((malloc, returns_nonnull));
void *xcalloc(size_t n, size_t size) __attribute__((malloc, returns_nonnull));
void *xrealloc(void *p, size_t size) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));

#endif
