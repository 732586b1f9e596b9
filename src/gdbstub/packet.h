/*
 * Framing of the gdb remote serial protocol, with no I/O: a parser state
 * machine fed the bytes gdb sends ("$payload#cs" packets, '+'/'-' acks and
 * the out-of-band ^C), and helpers to frame, escape and hex-encode what the
 * server sends back. The parser keeps at most max_payload bytes of a
 * packet: a longer one is read to its end and reported as too long, so a
 * misbehaving client cannot make the server grow without bound.
 */
#ifndef REWIND_GDBSTUB_PACKET_H
#define REWIND_GDBSTUB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define GDB_PKT_INTERRUPT_BYTE 0x03

enum gdb_pkt_state {
	GDB_PKT_IDLE,  /* between packets: '$', '+', '-' and ^C mean something, the rest is noise */
	GDB_PKT_DATA,  /* after '$', up to '#' */
	GDB_PKT_CSUM1, /* after '#' */
	GDB_PKT_CSUM2,
};

enum gdb_pkt_event {
	GDB_PKT_EV_NONE,	 /* the bytes given were consumed without completing anything */
	GDB_PKT_EV_PACKET,	 /* a whole packet: see gdb_pkt_payload */
	GDB_PKT_EV_ACK,		 /* '+' */
	GDB_PKT_EV_NACK,	 /* '-': resend the last reply */
	GDB_PKT_EV_INTERRUPT,	 /* ^C outside a packet */
	GDB_PKT_EV_BAD_CHECKSUM, /* a packet whose checksum does not match (or is not hex) */
	GDB_PKT_EV_TOO_LONG,	 /* a packet longer than max_payload, with a good checksum */
};

struct gdb_pkt_parser {
	enum gdb_pkt_state state;
	bool verify_checksum; /* false in no-ack mode, as gdbserver does */
	uint8_t *buf;	      /* max_payload + 1 bytes: the payload is NUL-terminated */
	size_t max_payload;
	size_t len;   /* payload bytes kept */
	size_t total; /* payload bytes seen, kept or not */
	uint8_t sum;  /* running checksum of the payload */
	uint8_t csum; /* checksum sent by gdb */
	bool csum_bad_digit;
};

/* Returns 0 (out of memory exits, common/xalloc.h). */
int gdb_pkt_parser_init(struct gdb_pkt_parser *p, size_t max_payload);
void gdb_pkt_parser_free(struct gdb_pkt_parser *p);

/*
 * Consumes bytes up to and including the first one that completes an
 * event, stores the event in *ev (GDB_PKT_EV_NONE if all bytes were used
 * without one) and returns how many bytes were consumed. Feed the rest
 * again to get the following events.
 */
size_t gdb_pkt_parser_feed(struct gdb_pkt_parser *p, const uint8_t *data, size_t len,
			   enum gdb_pkt_event *ev);
/* The payload of the last GDB_PKT_EV_PACKET, raw (still escaped), NUL-terminated. */
const uint8_t *gdb_pkt_payload(const struct gdb_pkt_parser *p, size_t *len);

/*
 * Looks for an interrupt in bytes that the parser has not consumed yet,
 * without consuming them: advances *state as the parser would, and returns
 * true if a ^C shows up between packets.
 */
bool gdb_pkt_scan_interrupt(enum gdb_pkt_state *state, const uint8_t *data, size_t len);

uint8_t gdb_pkt_checksum(const void *data, size_t len);
/* Appends "$payload#cs". */
void gdb_pkt_frame(struct rw_buf *out, const void *payload, size_t len);
/* Appends binary data escaped for a reply: '$', '#', '}' and '*' become '}' and byte ^ 0x20. */
void gdb_pkt_escape(struct rw_buf *out, const void *data, size_t len);
/*
 * Undoes the escaping of binary data in a packet (X, vFile:pwrite); out
 * may equal in. Returns the decoded length, or -EINVAL for a dangling '}'.
 */
long gdb_pkt_unescape(const uint8_t *in, size_t len, uint8_t *out);

/* Appends len bytes as lowercase hex. */
void gdb_hex_encode(struct rw_buf *out, const void *data, size_t len);
/* Decodes 2 * n hex digits; returns n, or -EINVAL on odd length or a non-hex digit. */
long gdb_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outlen);
/* Value of one hex digit, or -1. */
int gdb_hex_digit(int c);
/*
 * Parses a hex number at *p (at least one digit, at most 16 significant),
 * moves *p past it; returns 0 or -EINVAL.
 */
int gdb_parse_hex(const char **p, uint64_t *value);

#endif
