/*
 * Growable byte buffer and a bounds-checked read cursor, with the little-endian
 * and LEB128 varint encodings every on-disk structure uses. A cursor that runs
 * past its end sets `bad` and returns zeros, so decoders check once at the end.
 */
#ifndef REWIND_COMMON_BUF_H
#define REWIND_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rw_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

void rw_buf_init(struct rw_buf *b);
void rw_buf_free(struct rw_buf *b);
void rw_buf_reset(struct rw_buf *b);
/* Makes room for n more bytes and returns where they go (len is not changed). */
uint8_t *rw_buf_reserve(struct rw_buf *b, size_t n);
void rw_buf_put(struct rw_buf *b, const void *p, size_t n);
void rw_buf_put_u8(struct rw_buf *b, uint8_t v);
void rw_buf_put_u32(struct rw_buf *b, uint32_t v);
void rw_buf_put_u64(struct rw_buf *b, uint64_t v);
void rw_buf_put_varint(struct rw_buf *b, uint64_t v);
/* Zig-zag signed varint. */
void rw_buf_put_svarint(struct rw_buf *b, int64_t v);
/* Varint length followed by the bytes. */
void rw_buf_put_blob(struct rw_buf *b, const void *p, size_t n);
void rw_buf_put_str(struct rw_buf *b, const char *s);

struct rw_cursor {
	const uint8_t *p;
	const uint8_t *end;
	bool bad;
};

void rw_cursor_init(struct rw_cursor *c, const void *p, size_t n);
size_t rw_cursor_left(const struct rw_cursor *c);
uint8_t rw_get_u8(struct rw_cursor *c);
uint32_t rw_get_u32(struct rw_cursor *c);
uint64_t rw_get_u64(struct rw_cursor *c);
uint64_t rw_get_varint(struct rw_cursor *c);
int64_t rw_get_svarint(struct rw_cursor *c);
/* Returns a pointer into the cursor's memory, or NULL (and bad) if short. */
const uint8_t *rw_get_bytes(struct rw_cursor *c, size_t n);
/* Varint length + bytes; *n receives the length. */
const uint8_t *rw_get_blob(struct rw_cursor *c, size_t *n);

void put_le32(uint8_t *p, uint32_t v);
void put_le64(uint8_t *p, uint64_t v);
uint32_t get_le32(const uint8_t *p);
uint64_t get_le64(const uint8_t *p);

#endif
