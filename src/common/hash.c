/* Streaming 128-bit hash: two multiply-rotate lanes over 16-byte blocks. */
#include "hash.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
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

int rw_hash_fd(int fd, void *buf, size_t buflen, struct rw_hash *out, uint64_t *size)
{
	struct rw_hasher h;
	uint64_t total = 0;

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
