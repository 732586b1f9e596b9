/*
 * MAP_SHARED file mappings: the kernel changes their pages whenever the
 * file changes (a write, pwrite, ftruncate, copy_file_range of the same
 * file), and replay emulates those syscalls without touching any file. So
 * while such mappings exist, the recorder snapshots them at each syscall
 * entry and stores the bytes that differ at the exit as memory the kernel
 * wrote. Programs without shared file mappings pay nothing.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "recorder/recorder.h"

#define SHARED_WATCH_MAX (64u << 20) /* bytes watched in all; more is warned about */

void recorder_shared_add(struct recorder *r, uint64_t start, uint64_t end)
{
	struct shared_map *m;

	if (end - start > SHARED_WATCH_MAX) {
		rw_warn("pid %d: shared file mapping 0x%llx-0x%llx is too large to watch; changes "
			"made to its file by syscalls will not replay",
			r->cur->t.tid, (unsigned long long)start, (unsigned long long)end);
		return;
	}
	r->cur->shared = realloc(r->cur->shared, (r->cur->nshared + 1) * sizeof(*r->cur->shared));
	if (!r->cur->shared)
		abort();
	m = &r->cur->shared[r->cur->nshared++];
	m->start = start;
	m->end = end;
	m->snapshot = malloc(end - start);
	if (!m->snapshot)
		abort();
}

/* Forgets the watched mappings that overlap [start, end) (munmap, mremap, MAP_FIXED). */
void recorder_shared_remove(struct recorder *r, uint64_t start, uint64_t end)
{
	size_t keep = 0;

	for (size_t i = 0; i < r->cur->nshared; i++) {
		struct shared_map *m = &r->cur->shared[i];

		if (m->start < end && start < m->end) {
			free(m->snapshot);
			continue;
		}
		r->cur->shared[keep++] = *m;
	}
	r->cur->nshared = keep;
}

void recorder_shared_clear(struct recorder *r)
{
	recorder_shared_remove(r, 0, ~0ull);
}

void recorder_shared_snapshot(struct recorder *r)
{
	for (size_t i = 0; i < r->cur->nshared; i++) {
		struct shared_map *m = &r->cur->shared[i];
		size_t len = m->end - m->start;
		size_t got = tracee_read_mem_partial(&r->cur->t, m->start, m->snapshot, len);

		/* Past the end of the file: those pages cannot be read and are left alone. */
		m->valid = got;
	}
}

/* Adds what the syscall changed in the watched mappings to the event being built. */
void recorder_shared_diff(struct recorder *r)
{
	uint8_t page[4096];

	for (size_t i = 0; i < r->cur->nshared; i++) {
		struct shared_map *m = &r->cur->shared[i];

		for (size_t off = 0; off < m->valid; off += sizeof(page)) {
			size_t len = m->valid - off < sizeof(page) ? m->valid - off : sizeof(page);

			if (tracee_read_mem(&r->cur->t, m->start + off, page, len) < 0)
				break;
			if (memcmp(page, m->snapshot + off, len))
				trace_event_add_mem(&r->eb, m->start + off, page, len);
		}
	}
}
