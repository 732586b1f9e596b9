/*
 * Packet framing and encodings of the gdb remote protocol; see packet.h.
 * gdb never escapes its commands except for binary data, and never sends a
 * raw '$' or '#' inside a packet, so a '#' always ends a packet and a '$'
 * inside one means the previous packet was cut short: parsing starts over
 * there, as gdb's own reader does.
 */
#include "gdbstub/packet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

int gdb_pkt_parser_init(struct gdb_pkt_parser *p, size_t max_payload)
{
	memset(p, 0, sizeof(*p));
	p->buf = xmalloc(max_payload + 1);
	p->max_payload = max_payload;
	p->verify_checksum = true;
	p->state = GDB_PKT_IDLE;
	p->buf[0] = 0;
	return 0;
}

void gdb_pkt_parser_free(struct gdb_pkt_parser *p)
{
	free(p->buf);
	p->buf = NULL;
}

int gdb_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void start_packet(struct gdb_pkt_parser *p)
{
	p->state = GDB_PKT_DATA;
	p->len = 0;
	p->total = 0;
	p->sum = 0;
	p->csum = 0;
	p->csum_bad_digit = false;
}

static enum gdb_pkt_event idle_byte(struct gdb_pkt_parser *p, uint8_t c)
{
	switch (c) {
	case '$':
		start_packet(p);
		return GDB_PKT_EV_NONE;
	case '+':
		return GDB_PKT_EV_ACK;
	case '-':
		return GDB_PKT_EV_NACK;
	case GDB_PKT_INTERRUPT_BYTE:
		return GDB_PKT_EV_INTERRUPT;
	default:
		return GDB_PKT_EV_NONE; /* noise between packets, ignored like gdbserver does */
	}
}

static enum gdb_pkt_event finish_packet(struct gdb_pkt_parser *p)
{
	p->state = GDB_PKT_IDLE;
	p->buf[p->len] = 0;
	if (p->verify_checksum && (p->csum_bad_digit || p->csum != p->sum))
		return GDB_PKT_EV_BAD_CHECKSUM;
	if (p->total > p->len)
		return GDB_PKT_EV_TOO_LONG;
	return GDB_PKT_EV_PACKET;
}

/* Returns the event the byte completes; *consumed is false if the byte must be fed again. */
static enum gdb_pkt_event parse_byte(struct gdb_pkt_parser *p, uint8_t c, bool *consumed)
{
	int digit;

	*consumed = true;
	switch (p->state) {
	case GDB_PKT_IDLE:
		return idle_byte(p, c);
	case GDB_PKT_DATA:
		if (c == '#') {
			p->state = GDB_PKT_CSUM1;
		} else if (c == '$') {
			start_packet(p); /* the packet before was cut short */
		} else {
			p->sum = (uint8_t)(p->sum + c);
			if (p->len < p->max_payload)
				p->buf[p->len++] = c;
			p->total++;
		}
		return GDB_PKT_EV_NONE;
	case GDB_PKT_CSUM1:
	case GDB_PKT_CSUM2:
		if (c == '$') {
			/* A new packet where the checksum should be: report this one, keep the '$'.
			 */
			*consumed = false;
			p->csum_bad_digit = true;
			return finish_packet(p);
		}
		digit = gdb_hex_digit(c);
		if (digit < 0)
			p->csum_bad_digit = true;
		else
			p->csum = (uint8_t)(p->csum << 4 | digit);
		if (p->state == GDB_PKT_CSUM1) {
			p->state = GDB_PKT_CSUM2;
			return GDB_PKT_EV_NONE;
		}
		return finish_packet(p);
	}
	return GDB_PKT_EV_NONE;
}

size_t gdb_pkt_parser_feed(struct gdb_pkt_parser *p, const uint8_t *data, size_t len,
			   enum gdb_pkt_event *ev)
{
	size_t i = 0;

	*ev = GDB_PKT_EV_NONE;
	while (i < len) {
		bool consumed;
		enum gdb_pkt_event e = parse_byte(p, data[i], &consumed);

		if (consumed)
			i++;
		if (e != GDB_PKT_EV_NONE) {
			*ev = e;
			break;
		}
	}
	return i;
}

const uint8_t *gdb_pkt_payload(const struct gdb_pkt_parser *p, size_t *len)
{
	*len = p->len;
	return p->buf;
}

bool gdb_pkt_scan_interrupt(enum gdb_pkt_state *state, const uint8_t *data, size_t len)
{
	bool seen = false;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];

		switch (*state) {
		case GDB_PKT_IDLE:
			if (c == '$')
				*state = GDB_PKT_DATA;
			else if (c == GDB_PKT_INTERRUPT_BYTE)
				seen = true;
			break;
		case GDB_PKT_DATA:
			if (c == '#')
				*state = GDB_PKT_CSUM1;
			break;
		case GDB_PKT_CSUM1:
			*state = c == '$' ? GDB_PKT_DATA : GDB_PKT_CSUM2;
			break;
		case GDB_PKT_CSUM2:
			*state = c == '$' ? GDB_PKT_DATA : GDB_PKT_IDLE;
			break;
		}
	}
	return seen;
}

uint8_t gdb_pkt_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

static const char hex_digits[] = "0123456789abcdef";

void gdb_pkt_frame(struct rw_buf *out, const void *payload, size_t len)
{
	uint8_t sum = gdb_pkt_checksum(payload, len);
	uint8_t tail[3] = {'#', (uint8_t)hex_digits[sum >> 4], (uint8_t)hex_digits[sum & 15]};

	rw_buf_put_u8(out, '$');
	rw_buf_put(out, payload, len);
	rw_buf_put(out, tail, sizeof(tail));
}

static bool needs_escape(uint8_t c)
{
	return c == '$' || c == '#' || c == '}' || c == '*';
}

void gdb_pkt_escape(struct rw_buf *out, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t *dst = rw_buf_reserve(out, 2 * len);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (needs_escape(p[i])) {
			dst[n++] = '}';
			dst[n++] = p[i] ^ 0x20;
		} else {
			dst[n++] = p[i];
		}
	}
	out->len += n;
}

long gdb_pkt_unescape(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '}') {
			if (++i == len)
				return -EINVAL;
			out[n++] = in[i] ^ 0x20;
		} else {
			out[n++] = in[i];
		}
	}
	return (long)n;
}

void gdb_hex_encode(struct rw_buf *out, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t *dst = rw_buf_reserve(out, 2 * len);

	for (size_t i = 0; i < len; i++) {
		dst[2 * i] = (uint8_t)hex_digits[p[i] >> 4];
		dst[2 * i + 1] = (uint8_t)hex_digits[p[i] & 15];
	}
	out->len += 2 * len;
}

long gdb_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outlen)
{
	if (hexlen % 2 || hexlen / 2 > outlen)
		return -EINVAL;
	for (size_t i = 0; i < hexlen / 2; i++) {
		int hi = gdb_hex_digit((unsigned char)hex[2 * i]);
		int lo = gdb_hex_digit((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(hexlen / 2);
}

int gdb_parse_hex(const char **p, uint64_t *value)
{
	const char *s = *p;
	uint64_t v = 0;
	int digit, significant = 0;

	if (gdb_hex_digit((unsigned char)*s) < 0)
		return -EINVAL;
	while ((digit = gdb_hex_digit((unsigned char)*s)) >= 0) {
		if (v || digit)
			significant++;
		if (significant > 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)digit;
		s++;
	}
	*p = s;
	*value = v;
	return 0;
}
