/* Streaming 128-bit hash: two multiply-rotate lanes over 16-byte blocks. */
#define _GNU_SOURCE
#include "hash.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define K1 0x9e3779b97f4a7c15ull
#define K2 0xc2b2ae3d27d4eb4full
#define K3 0x165667b19e3779f9ull

static uint64_t rotl(uint64_t v, int r)
{
	return (v << r) | (v >> (64 - r));
}

static uint64_t mix(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	v *= 0xc4ceb9fe1a85ec53ull;
	v ^= v >> 33;
	return v;
}

/* Inlined here: the hash runs over every stored file at record and replay. */
static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void block(struct rw_hasher *h, const uint8_t *p)
{
	uint64_t x = load_le64(p), y = load_le64(p + 8);

	h->a = rotl(h->a ^ (x * K1), 31) * K2 + y;
	h->b = rotl(h->b ^ (y * K2), 29) * K3 + x;
}

void rw_hasher_init(struct rw_hasher *h)
{
	h->a = K3;
	h->b = K1;
	h->total = 0;
	h->tail_len = 0;
}

void rw_hasher_update(struct rw_hasher *h, const void *data, size_t n)
{
	const uint8_t *p = data;

	h->total += n;
	if (h->tail_len) {
		size_t take = 16 - h->tail_len;

		if (take > n)
			take = n;
		memcpy(h->tail + h->tail_len, p, take);
		h->tail_len += take;
		p += take;
		n -= take;
		if (h->tail_len < 16)
			return;
		block(h, h->tail);
		h->tail_len = 0;
	}
	for (; n >= 16; p += 16, n -= 16)
		block(h, p);
	memcpy(h->tail, p, n);
	h->tail_len = n;
}

struct rw_hash rw_hasher_final(struct rw_hasher *h)
{
	uint8_t last[16] = {0};
	struct rw_hash r;

	memcpy(last, h->tail, h->tail_len);
	last[15] ^= (uint8_t)(0x80 | h->tail_len);
	block(h, last);
	r.lo = mix(h->a ^ h->total ^ rotl(h->b, 17));
	r.hi = mix(h->b + K2 * h->total + rotl(h->a, 41));
	return r;
}

struct rw_hash rw_hash_bytes(const void *p, size_t n)
{
	struct rw_hasher h;

	rw_hasher_init(&h);
	rw_hasher_update(&h, p, n);
	return rw_hasher_final(&h);
}

#define SPARSE_BLOCK (64u << 10)

bool rw_hash_sparse_file(uint64_t size, uint64_t blocks)
{
	return size >= (64ull << 20) && blocks * 512 < size / 2;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* Hashes the 64 KiB block at index blk (of a file of total bytes) unless it is all zeros. */
static int sparse_block(int fd, uint8_t *buf, uint64_t blk, uint64_t total, struct rw_hasher *h)
{
	uint64_t off = blk * SPARSE_BLOCK;
	size_t len = total - off < SPARSE_BLOCK ? (size_t)(total - off) : SPARSE_BLOCK;
	ssize_t n = pread(fd, buf, len, (off_t)off);

	if (n < 0)
		return -errno;
	if ((size_t)n < len)
		memset(buf + n, 0, len - (size_t)n); /* cut meanwhile: read as zeros */
	if (!all_zero(buf, len)) {
		rw_hasher_update(h, &blk, sizeof(blk));
		rw_hasher_update(h, buf, len);
	}
	return 0;
}

static int hash_sparse(int fd, uint8_t *buf, struct rw_hash *out, uint64_t *size)
{
	struct rw_hasher h;
	struct stat st;
	uint64_t next = 0; /* the first block not hashed yet */
	off_t data = 0;
	int err = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	rw_hasher_init(&h);
	while (!err && (uint64_t)data < (uint64_t)st.st_size &&
	       (data = lseek(fd, data, SEEK_DATA)) >= 0) {
		off_t hole = lseek(fd, data, SEEK_HOLE);
		uint64_t end = hole < 0 ? (uint64_t)st.st_size : (uint64_t)hole;
		uint64_t blk = (uint64_t)data / SPARSE_BLOCK;

		end = end < (uint64_t)st.st_size ? end : (uint64_t)st.st_size;
		for (blk = blk > next ? blk : next; !err && blk * SPARSE_BLOCK < end; blk++)
			err = sparse_block(fd, buf, blk, (uint64_t)st.st_size, &h);
		next = blk;
		data = (off_t)(next * SPARSE_BLOCK);
	}
	if (data < 0 && errno != ENXIO)
		err = -errno;
	if (err)
		return err;
	rw_hasher_update(&h, &st.st_size, sizeof(st.st_size));
	*out = rw_hasher_final(&h);
	out->lo ^= out->hi;
	out->hi = RW_HASH_SPARSE_TAG;
	*size = (uint64_t)st.st_size;
	return 0;
}

int rw_hash_fd(int fd, void *buf, size_t buflen, struct rw_hash *out, uint64_t *size)
{
	struct stat st;
	bool sparse = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		      rw_hash_sparse_file((uint64_t)st.st_size, (uint64_t)st.st_blocks);

	return rw_hash_fd_kind(fd, buf, buflen, sparse, out, size);
}

int rw_hash_fd_kind(int fd, void *buf, size_t buflen, bool sparse, struct rw_hash *out,
		    uint64_t *size)
{
	struct rw_hasher h;
	uint64_t total = 0;

	if (sparse) {
		if (buflen < SPARSE_BLOCK)
			return -EINVAL;
		return hash_sparse(fd, buf, out, size);
	}
	rw_hasher_init(&h);
	for (;;) {
		ssize_t n = pread(fd, buf, buflen, (off_t)total);

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		rw_hasher_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	*out = rw_hasher_final(&h);
	*size = total;
	return 0;
}

void rw_hash_hex(struct rw_hash h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.hi, (unsigned long long)h.lo);
}
