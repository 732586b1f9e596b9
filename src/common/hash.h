/*
 * 128-bit content hash for de-duplicating stored file copies and for page
 * hashes. Not cryptographic: it names contents the recorder itself read.
 */
#ifndef REWIND_COMMON_HASH_H
#define REWIND_COMMON_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rw_hash {
	uint64_t lo, hi;
};

struct rw_hasher {
	uint64_t a, b;
	uint64_t total;
	uint8_t tail[16];
	size_t tail_len;
};

void rw_hasher_init(struct rw_hasher *h);
void rw_hasher_update(struct rw_hasher *h, const void *p, size_t n);
struct rw_hash rw_hasher_final(struct rw_hasher *h);
struct rw_hash rw_hash_bytes(const void *p, size_t n);
/*
 * Hashes what the file fd holds from offset 0 to its end, reading through
 * buf; sets *size to the bytes read. Returns 0 or a negative errno.
 */
int rw_hash_fd(int fd, void *buf, size_t buflen, struct rw_hash *out, uint64_t *size);

/*
 * A large file that is mostly holes (a 64 GiB memfd with a few pages
 * written) gets another hash: over its size and the blocks of 64 KiB that
 * are not all zeros, each with its index, read by skipping holes
 * (SEEK_DATA), so it costs what the file holds, not its size. The same
 * contents give the same hash whatever the holes; its high half is
 * RW_HASH_SPARSE_TAG, which is how a reader knows which hash to check
 * against. rw_hash_fd picks it for a file of at least 64 MiB whose
 * allocated blocks cover less than half of it.
 */
#define RW_HASH_SPARSE_TAG 0x5350415253453031ull /* "SPARSE01" */

static inline bool rw_hash_is_sparse(struct rw_hash h)
{
	return h.hi == RW_HASH_SPARSE_TAG;
}

/* rw_hash_fd with the hash of the kind given, sparse or not. */
int rw_hash_fd_kind(int fd, void *buf, size_t buflen, bool sparse, struct rw_hash *out,
		    uint64_t *size);
/* Whether a file this size with this many allocated 512-byte blocks is hashed as sparse. */
bool rw_hash_sparse_file(uint64_t size, uint64_t blocks);

static inline bool rw_hash_eq(struct rw_hash a, struct rw_hash b)
{
	return a.lo == b.lo && a.hi == b.hi;
}

/* 32 hex digits + NUL. */
void rw_hash_hex(struct rw_hash h, char out[33]);

#endif
