/* Byte buffers and cursors; see buf.h. */
#include "buf.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

void rw_buf_init(struct rw_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void rw_buf_free(struct rw_buf *b)
{
	free(b->data);
	rw_buf_init(b);
}

void rw_buf_reset(struct rw_buf *b)
{
	b->len = 0;
}

uint8_t *rw_buf_reserve(struct rw_buf *b, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap - b->len < n)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	return b->data + b->len;
}

void rw_buf_put(struct rw_buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	memcpy(rw_buf_reserve(b, n), p, n);
	b->len += n;
}

void rw_buf_put_u8(struct rw_buf *b, uint8_t v)
{
	rw_buf_put(b, &v, 1);
}

void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t get_le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void rw_buf_put_u32(struct rw_buf *b, uint32_t v)
{
	put_le32(rw_buf_reserve(b, 4), v);
	b->len += 4;
}

void rw_buf_put_u64(struct rw_buf *b, uint64_t v)
{
	put_le64(rw_buf_reserve(b, 8), v);
	b->len += 8;
}

void rw_buf_put_varint(struct rw_buf *b, uint64_t v)
{
	uint8_t *p = rw_buf_reserve(b, 10);
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	b->len += n;
}

void rw_buf_put_svarint(struct rw_buf *b, int64_t v)
{
	rw_buf_put_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void rw_buf_put_blob(struct rw_buf *b, const void *p, size_t n)
{
	rw_buf_put_varint(b, n);
	rw_buf_put(b, p, n);
}

void rw_buf_put_str(struct rw_buf *b, const char *s)
{
	rw_buf_put_blob(b, s, strlen(s));
}

void rw_cursor_init(struct rw_cursor *c, const void *p, size_t n)
{
	c->p = p;
	c->end = c->p + n;
	c->bad = false;
}

size_t rw_cursor_left(const struct rw_cursor *c)
{
	return (size_t)(c->end - c->p);
}

const uint8_t *rw_get_bytes(struct rw_cursor *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || rw_cursor_left(c) < n) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	return p;
}

uint8_t rw_get_u8(struct rw_cursor *c)
{
	const uint8_t *p = rw_get_bytes(c, 1);

	return p ? *p : 0;
}

uint32_t rw_get_u32(struct rw_cursor *c)
{
	const uint8_t *p = rw_get_bytes(c, 4);

	return p ? get_le32(p) : 0;
}

uint64_t rw_get_u64(struct rw_cursor *c)
{
	const uint8_t *p = rw_get_bytes(c, 8);

	return p ? get_le64(p) : 0;
}

uint64_t rw_get_varint(struct rw_cursor *c)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t byte = rw_get_u8(c);

		if (c->bad)
			return 0;
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

int64_t rw_get_svarint(struct rw_cursor *c)
{
	uint64_t v = rw_get_varint(c);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

const uint8_t *rw_get_blob(struct rw_cursor *c, size_t *n)
{
	uint64_t len = rw_get_varint(c);

	if (c->bad || len > rw_cursor_left(c)) {
		c->bad = true;
		*n = 0;
		return NULL;
	}
	*n = (size_t)len;
	return rw_get_bytes(c, (size_t)len);
}
