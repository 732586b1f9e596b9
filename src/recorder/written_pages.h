/*
 * The pages a recorded process wrote since a reset point, found by the
 * kernel rather than by hashing memory: userfaultfd's asynchronous write
 * protection (UFFD_FEATURE_WP_ASYNC) on every writable private mapping,
 * read and re-armed in one step by the PAGEMAP_SCAN ioctl of
 * /proc/PID/pagemap (Linux 6.7 on). A write to a protected page, by the
 * program or by the kernel on its behalf (read(2) into it), only clears
 * the page's protection bit; a scan reports the pages without it and sets
 * it again, atomically per page. There is one userfaultfd per address
 * space, made inside the process (it belongs to the mm of whoever calls
 * userfaultfd(2)) and kept by the recorder.
 *
 * Execution points take the pages written since the previous one from
 * here (record_exec_point.c), and hash memory only where an address space
 * is not tracked. REWIND_NO_WRITTEN_PAGES=1 turns tracking off;
 * REWIND_DEBUG_WRITTEN_PAGES=1 logs at each execution point what was
 * written since the previous one, 2 the ranges as well.
 */
#ifndef REWIND_RECORDER_WRITTEN_PAGES_H
#define REWIND_RECORDER_WRITTEN_PAGES_H

#include <stddef.h>
#include <stdint.h>

struct recorder;
struct recorder_mm;
struct recorder_task;

/* Pages [start, end) were written; both page-aligned. */
struct written_range {
	uint64_t start, end;
};

/*
 * Starts tracking t's address space: makes a userfaultfd in the process
 * (injected at rewind's page; the program's descriptor table ends as it
 * was), registers every writable private mapping and protects what is in
 * memory. t must be stopped, alone in its address space (after an exec, a
 * fork's child) and have rewind's page mapped. Returns 0, or a negative
 * errno when the address space is not tracked: tracking is off, the
 * kernel or a seccomp filter refuses (one warning per recording), or t
 * could not be driven. Collect then says -ENODATA and the caller does
 * without.
 */
int written_pages_attach(struct recorder *r, struct recorder_task *t);
/*
 * Tracks writes to [start, start + len) too: a mapping made or made
 * writable (mmap, mremap, brk, mprotect) after attach. Pages already in
 * memory there count as written at the next collect. A range that is not
 * a writable private mapping is harmless: only anonymous pages are ever
 * reported. 0 when t's address space is not tracked.
 */
int written_pages_track(struct recorder *r, struct recorder_task *t, uint64_t start, uint64_t len);
/*
 * The pages of t's address space written since the previous collect (or
 * the attach), as sorted, merged ranges in *ranges (malloc'd; the caller
 * frees it), n of them; those pages are protected again. -ENODATA when the
 * address space is not tracked.
 */
int written_pages_collect(struct recorder *r, struct recorder_task *t,
			  struct written_range **ranges, size_t *n);
/* Adds ranges b (sorted) to the sorted ranges *a, n of them, merging those that meet. */
void written_ranges_merge(struct written_range **a, size_t *n, const struct written_range *b,
			  size_t nb);
/* Closes what the address space's tracking holds (when its recorder_mm goes). */
void written_pages_free(struct recorder_mm *mm);

/*
 * Wiring into the recorder. A failure leaves the address space untracked
 * (with one warning per recording); recording goes on. The task may be
 * killed while a syscall is injected into it: its death has then been
 * waited for (t->t.stop is TRACEE_STOP_EXITED), and the caller records it.
 *
 * A forked child's address space is not registered (no
 * UFFD_FEATURE_EVENT_FORK): the clone event marks it, and the child is
 * attached as soon as it is stopped and known to be a process of its own,
 * at its first stop or at its parent's clone event, whichever comes
 * second, so what it writes from its first instruction on is seen. vfork
 * children share their parent's memory, which the parent's tracking sees,
 * until they exec.
 */
void written_pages_exec(struct recorder *r, struct recorder_task *t);
void written_pages_clone(struct recorder *r, struct recorder_task *child, uint64_t clone_flags);
/* Attaches t if it is a forked child waiting for it, stopped and with its clone event seen. */
void written_pages_attach_pending(struct recorder *r, struct recorder_task *t);
/* At a syscall exit (class: enum x86_sys_replay): mappings made or made writable. */
void written_pages_syscall_exit(struct recorder *r, struct recorder_task *t, int replay_class,
				const uint64_t args[6], int64_t ret);

#endif
