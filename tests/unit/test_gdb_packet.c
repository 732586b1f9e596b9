/*
 * Unit tests of the gdb server's pure parts: the packet parser (checksums,
 * escapes, acks, ^C, over-long and cut packets, no-ack mode), the binary
 * and hex encodings, register values built from a hand-made XSAVE area at
 * the offsets of a given layout (XSTATE_BV bits set and clear), the target
 * description per XCR0, and a few requests through the whole server with
 * an in-memory target.
 *
 * Prints each failure and exits non-zero if there was any.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/gdb_regs.h"
#include "arch/x86_64/regs.h"
#include "gdbstub/internal.h"
#include "gdbstub/packet.h"

static int failures;

static void fail(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL test_gdb_packet.c:%d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail(__LINE__, __VA_ARGS__);                                               \
	} while (0)

/* ---- parser ------------------------------------------------------------------------- */

struct events {
	enum gdb_pkt_event ev[16];
	char payload[16][128];
	int n;
};

/* Feeds text in pieces of `step` bytes and collects the events. */
static void feed(struct gdb_pkt_parser *p, const void *data, size_t len, size_t step,
		 struct events *out)
{
	const uint8_t *d = data;
	size_t off = 0;

	out->n = 0;
	while (off < len) {
		size_t chunk = len - off < step ? len - off : step;

		while (chunk) {
			enum gdb_pkt_event ev;
			size_t used = gdb_pkt_parser_feed(p, d + off, chunk, &ev);

			off += used;
			chunk -= used;
			if (ev != GDB_PKT_EV_NONE && out->n < 16) {
				size_t plen;
				const uint8_t *pl = gdb_pkt_payload(p, &plen);

				out->ev[out->n] = ev;
				snprintf(out->payload[out->n], sizeof(out->payload[0]), "%.*s",
					 (int)(plen < 127 ? plen : 127), (const char *)pl);
				out->n++;
			}
		}
	}
}

static void test_framing(void)
{
	struct gdb_pkt_parser p;
	struct events e;
	static const char *const samples[] = {"?", "g", "qSupported:multiprocess+;swbreak+",
					      "vCont;s:p1.2;c:p1.-1"};

	CHECK(gdb_pkt_parser_init(&p, 256) == 0, "parser init");
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct rw_buf b;

		rw_buf_init(&b);
		gdb_pkt_frame(&b, samples[i], strlen(samples[i]));
		for (size_t step = 1; step <= b.len; step++) {
			feed(&p, b.data, b.len, step, &e);
			CHECK(e.n == 1 && e.ev[0] == GDB_PKT_EV_PACKET &&
				  strcmp(e.payload[0], samples[i]) == 0,
			      "round trip of %s in pieces of %zu", samples[i], step);
		}
		rw_buf_free(&b);
	}
	feed(&p, "$?#3f", 5, 5, &e);
	CHECK(e.n == 1 && e.ev[0] == GDB_PKT_EV_PACKET, "known checksum of '?'");
	feed(&p, "$?#3F", 5, 5, &e);
	CHECK(e.n == 1 && e.ev[0] == GDB_PKT_EV_PACKET, "uppercase checksum digits");

	/* Acks, ^C and noise between packets. */
	feed(&p, "+-\x03xyz\r\n$g#67", 13, 13, &e);
	CHECK(e.n == 4 && e.ev[0] == GDB_PKT_EV_ACK && e.ev[1] == GDB_PKT_EV_NACK &&
		  e.ev[2] == GDB_PKT_EV_INTERRUPT && e.ev[3] == GDB_PKT_EV_PACKET &&
		  strcmp(e.payload[3], "g") == 0,
	      "acks, interrupt, noise, packet: got %d events", e.n);

	/* Bad checksums, then the parser goes on. */
	feed(&p, "$?#00$?#3f", 10, 10, &e);
	CHECK(e.n == 2 && e.ev[0] == GDB_PKT_EV_BAD_CHECKSUM && e.ev[1] == GDB_PKT_EV_PACKET,
	      "bad checksum then a good packet");
	feed(&p, "$?#zz", 5, 5, &e);
	CHECK(e.n == 1 && e.ev[0] == GDB_PKT_EV_BAD_CHECKSUM, "non-hex checksum");
	feed(&p, "$?#3$?#3f", 9, 2, &e);
	CHECK(e.n == 2 && e.ev[0] == GDB_PKT_EV_BAD_CHECKSUM && e.ev[1] == GDB_PKT_EV_PACKET,
	      "a '$' inside the checksum starts the next packet");

	/* No '#': a new '$' starts over. */
	feed(&p, "$qSupported$?#3f", 16, 3, &e);
	CHECK(e.n == 1 && e.ev[0] == GDB_PKT_EV_PACKET && strcmp(e.payload[0], "?") == 0,
	      "packet without '#' abandoned");

	/* A cut packet leaves the parser inside it, with no event. */
	feed(&p, "$m1000,", 7, 7, &e);
	CHECK(e.n == 0 && p.state == GDB_PKT_DATA, "truncated packet");
	feed(&p, "4#", 2, 2, &e);
	CHECK(e.n == 0 && p.state == GDB_PKT_CSUM1, "truncated checksum");
	p.state = GDB_PKT_IDLE;

	/* ^C inside a packet is data (binary X payloads may hold 0x03). */
	{
		const char raw[] = "X0,1:\x03";
		struct rw_buf b;

		rw_buf_init(&b);
		gdb_pkt_frame(&b, raw, 6);
		feed(&p, b.data, b.len, b.len, &e);
		CHECK(e.n == 1 && e.ev[0] == GDB_PKT_EV_PACKET, "0x03 inside a packet");
		rw_buf_free(&b);
	}

	/* No-ack mode: checksums are not checked. */
	p.verify_checksum = false;
	feed(&p, "$?#00", 5, 5, &e);
	CHECK(e.n == 1 && e.ev[0] == GDB_PKT_EV_PACKET, "no-ack mode ignores the checksum");
	p.verify_checksum = true;
	gdb_pkt_parser_free(&p);
}

static void test_too_long(void)
{
	struct gdb_pkt_parser p;
	struct events e;
	struct rw_buf b;
	char big[300];

	CHECK(gdb_pkt_parser_init(&p, 64) == 0, "parser init");
	memset(big, 'a', sizeof(big));
	rw_buf_init(&b);
	gdb_pkt_frame(&b, big, sizeof(big));
	rw_buf_put(&b, "$?#3f", 5);
	feed(&p, b.data, b.len, 7, &e);
	CHECK(e.n == 2 && e.ev[0] == GDB_PKT_EV_TOO_LONG && e.ev[1] == GDB_PKT_EV_PACKET &&
		  strcmp(e.payload[1], "?") == 0,
	      "over-long packet, then a good one");
	CHECK(p.len <= 64, "kept no more than the limit");

	/* Over-long with a wrong checksum is a bad checksum. */
	rw_buf_reset(&b);
	rw_buf_put_u8(&b, '$');
	rw_buf_put(&b, big, sizeof(big));
	rw_buf_put(&b, "#00", 3);
	feed(&p, b.data, b.len, b.len, &e);
	CHECK(e.n == 1 && e.ev[0] == GDB_PKT_EV_BAD_CHECKSUM, "over-long with a bad checksum");

	/* Exactly at the limit is fine. */
	rw_buf_reset(&b);
	gdb_pkt_frame(&b, big, 64);
	feed(&p, b.data, b.len, b.len, &e);
	CHECK(e.n == 1 && e.ev[0] == GDB_PKT_EV_PACKET, "packet of exactly the limit");
	rw_buf_free(&b);
	gdb_pkt_parser_free(&p);
}

static void test_scan_interrupt(void)
{
	enum gdb_pkt_state st = GDB_PKT_IDLE;

	CHECK(gdb_pkt_scan_interrupt(&st, (const uint8_t *)"\x03", 1), "^C between packets");
	st = GDB_PKT_IDLE;
	CHECK(!gdb_pkt_scan_interrupt(&st, (const uint8_t *)"$X0,1:\x03", 7) && st == GDB_PKT_DATA,
	      "^C inside a packet is not an interrupt");
	CHECK(gdb_pkt_scan_interrupt(&st, (const uint8_t *)"#00+\x03", 5) && st == GDB_PKT_IDLE,
	      "^C after the packet ends");
}

static void test_encodings(void)
{
	uint8_t all[256], back[256];
	struct rw_buf b;
	long n;
	uint64_t v;
	const char *s;

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	rw_buf_init(&b);
	gdb_pkt_escape(&b, all, sizeof(all));
	CHECK(b.len == 256 + 4, "escaping adds one byte for each of $ # } *");
	for (size_t i = 0; i < b.len; i++) {
		uint8_t c = b.data[i];

		CHECK(c != '$' && c != '#' && c != '*', "escaped output has a raw %#x", c);
		if (c == '}')
			i++;
	}
	n = gdb_pkt_unescape(b.data, b.len, back);
	CHECK(n == 256 && memcmp(back, all, 256) == 0, "unescape(escape(x)) == x");
	CHECK(gdb_pkt_unescape((const uint8_t *)"ab}", 3, back) == -EINVAL, "dangling escape");
	n = gdb_pkt_unescape((const uint8_t *)"}]}\x03}\x04}\x0a", 8, back);
	CHECK(n == 4 && memcmp(back, "}#$*", 4) == 0, "the four escaped bytes");

	rw_buf_reset(&b);
	gdb_hex_encode(&b, "\x00\xff\x12", 3);
	CHECK(b.len == 6 && memcmp(b.data, "00ff12", 6) == 0, "hex encode");
	CHECK(gdb_hex_decode("00fF12", 6, back, 3) == 3 && back[1] == 0xff, "hex decode");
	CHECK(gdb_hex_decode("0g", 2, back, 3) == -EINVAL, "bad hex digit");
	CHECK(gdb_hex_decode("123", 3, back, 3) == -EINVAL, "odd hex length");
	CHECK(gdb_hex_decode("00112233", 8, back, 3) == -EINVAL, "hex output too small");
	s = "ffffffffffffffff,";
	CHECK(gdb_parse_hex(&s, &v) == 0 && v == UINT64_MAX && *s == ',', "64-bit hex");
	s = "10000000000000000";
	CHECK(gdb_parse_hex(&s, &v) == -EINVAL, "hex overflow");
	s = "000000000000000000001";
	CHECK(gdb_parse_hex(&s, &v) == 0 && v == 1, "leading zeros");
	s = "x";
	CHECK(gdb_parse_hex(&s, &v) == -EINVAL, "no digits");
	rw_buf_free(&b);
}

/* ---- registers ---------------------------------------------------------------------- */

/* An AMD Zen 4 layout: no MPX, so opmask comes right after AVX at 832. */
static void amd_layout(struct x86_xsave_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->xcr0 = 0x2e7;
	l->total_size = 2440;
	l->offset[1] = 160;
	l->size[1] = 256;
	l->size[0] = 160;
	l->offset[2] = 576;
	l->size[2] = 256;
	l->offset[5] = 832;
	l->size[5] = 64;
	l->offset[6] = 896;
	l->size[6] = 512;
	l->offset[7] = 1408;
	l->size[7] = 1024;
	l->offset[9] = 2432;
	l->size[9] = 8;
}

static int read_reg(const struct x86_gdb_regs *r, const char *name, const uint64_t *gpr,
		    const uint8_t *xsave, size_t len, uint8_t *out)
{
	int regnum = x86_gdb_reg_find(r, name);

	if (regnum < 0) {
		fail(__LINE__, "no register %s", name);
		return -1;
	}
	return x86_gdb_reg_read(r, regnum, gpr, xsave, len, out);
}

static void test_numbering(void)
{
	static const struct {
		const char *name;
		int regnum;
	} expected[] = {
	    {"rax", 0},	      {"rsp", 7},      {"rip", 16},	{"eflags", 17}, {"gs", 23},
	    {"st0", 24},      {"fctrl", 32},   {"fop", 39},	{"xmm0", 40},	{"mxcsr", 56},
	    {"orig_rax", 57}, {"fs_base", 58}, {"gs_base", 59}, {"ymm0h", 60},	{"ymm15h", 75},
	    {"xmm16", 76},    {"ymm16h", 92},  {"k0", 108},	{"k7", 115},	{"zmm0h", 116},
	    {"zmm31h", 147},  {"pkru", 148},
	};
	struct x86_xsave_layout l;
	struct x86_gdb_regs *r = calloc(1, sizeof(*r));

	amd_layout(&l);
	x86_gdb_regs_init(r, &l);
	CHECK(r->count == 149, "register count %d", r->count);
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		CHECK(x86_gdb_reg_find(r, expected[i].name) == expected[i].regnum,
		      "%s is %d, expected %d", expected[i].name,
		      x86_gdb_reg_find(r, expected[i].name), expected[i].regnum);
	CHECK(x86_gdb_reg_size(r, 24) == 10 && x86_gdb_reg_size(r, 116) == 32 &&
		  x86_gdb_reg_size(r, 17) == 4 && x86_gdb_reg_size(r, 149) == 0,
	      "register sizes");

	/* AVX without AVX-512 or PKRU: pkru follows nothing, avx512 is absent. */
	l.xcr0 = 0x7;
	x86_gdb_regs_init(r, &l);
	CHECK(r->count == 76 && x86_gdb_reg_find(r, "k0") < 0, "AVX only: %d registers", r->count);
	/* FXSAVE only. */
	memset(&l, 0, sizeof(l));
	x86_gdb_regs_init(r, &l);
	CHECK(r->count == 60 && x86_gdb_reg_find(r, "ymm0h") < 0, "no XSAVE: %d registers",
	      r->count);
	/* An opmask offset outside the area: AVX-512 is left out, not served from wrong bytes. */
	amd_layout(&l);
	l.offset[5] = 4000;
	x86_gdb_regs_init(r, &l);
	CHECK(x86_gdb_reg_find(r, "k0") < 0 && x86_gdb_reg_find(r, "ymm0h") == 60 &&
		  x86_gdb_reg_find(r, "pkru") == 76,
	      "bad opmask offset drops avx512 only");
	free(r);
}

static void put_f80(uint8_t *st, uint64_t mantissa, uint16_t sign_exp)
{
	put_le64(st, mantissa);
	st[8] = (uint8_t)sign_exp;
	st[9] = (uint8_t)(sign_exp >> 8);
}

static void test_values(void)
{
	struct x86_xsave_layout l;
	struct x86_gdb_regs *r = calloc(1, sizeof(*r));
	uint8_t *xs = calloc(1, 2440), v[64], expect[64];
	uint64_t gpr[27];
	int n;

	for (int i = 0; i < 27; i++)
		gpr[i] = 0x1000 + (uint64_t)i;
	gpr[X86_EFLAGS] = 0xffffffff00000246ull;
	amd_layout(&l);
	x86_gdb_regs_init(r, &l);

	/* General registers. */
	n = read_reg(r, "rip", gpr, xs, 2440, v);
	CHECK(n == 8 && get_le64(v) == 0x1000 + X86_RIP, "rip");
	n = read_reg(r, "eflags", gpr, xs, 2440, v);
	CHECK(n == 4 && get_le32(v) == 0x246, "eflags is 32 bits");
	n = read_reg(r, "fs_base", gpr, xs, 2440, v);
	CHECK(n == 8 && get_le64(v) == 0x1000 + X86_FS_BASE, "fs_base");
	n = read_reg(r, "orig_rax", gpr, NULL, 0, v);
	CHECK(n == 8 && get_le64(v) == 0x1000 + X86_ORIG_RAX, "orig_rax without XSAVE");

	/* Every component in its initial state (XSTATE_BV = 0), whatever the bytes say. */
	memset(xs, 0xa5, 2440);
	put_le64(xs + 512, 0);
	n = read_reg(r, "k1", gpr, xs, 2440, v);
	CHECK(n == 8 && get_le64(v) == 0, "k1 in init state reads 0");
	n = read_reg(r, "zmm0h", gpr, xs, 2440, v);
	memset(expect, 0, 32);
	CHECK(n == 32 && memcmp(v, expect, 32) == 0, "zmm0h in init state");
	CHECK(read_reg(r, "fctrl", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x37f, "fctrl init");
	CHECK(read_reg(r, "ftag", gpr, xs, 2440, v) == 4 && get_le32(v) == 0xffff, "ftag init");
	CHECK(read_reg(r, "fstat", gpr, xs, 2440, v) == 4 && get_le32(v) == 0, "fstat init");
	CHECK(read_reg(r, "mxcsr", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x1f80, "mxcsr init");
	CHECK(read_reg(r, "xmm3", gpr, xs, 2440, v) == 16 && get_le64(v) == 0, "xmm3 init");
	CHECK(read_reg(r, "pkru", gpr, xs, 2440, v) == 4 && get_le32(v) == 0, "pkru init");

	/* Now with state: values at the layout's offsets, not Intel's usual ones. */
	memset(xs, 0, 2440);
	put_le64(xs + 512, 0x2e7);
	put_le64(xs + 832 + 8, 0x5a5a5a5a12345678ull);	/* k1 */
	put_le64(xs + 1088 + 8, 0xdeadbeefdeadbeefull); /* where Intel would put k1 */
	for (int i = 0; i < 32; i++)
		xs[896 + i] = (uint8_t)(0x40 + i); /* zmm0h */
	for (int i = 0; i < 64; i++)
		xs[1408 + 64 + i] = (uint8_t)(0x80 + i); /* zmm17, all 512 bits */
	put_le32(xs + 2432, 0x55555554);
	put_le32(xs + 24, 0x9fc0); /* mxcsr */
	for (int i = 0; i < 16; i++)
		xs[160 + 16 * 2 + i] = (uint8_t)(0x20 + i); /* xmm2 */
	for (int i = 0; i < 16; i++)
		xs[576 + 16 * 2 + i] = (uint8_t)(0x30 + i); /* ymm2h */

	CHECK(read_reg(r, "k1", gpr, xs, 2440, v) == 8 && get_le64(v) == 0x5a5a5a5a12345678ull,
	      "k1 from the opmask offset 832: %#llx", (unsigned long long)get_le64(v));
	CHECK(read_reg(r, "zmm0h", gpr, xs, 2440, v) == 32 && v[0] == 0x40 && v[31] == 0x5f,
	      "zmm0h from ZMM_Hi256");
	CHECK(read_reg(r, "xmm17", gpr, xs, 2440, v) == 16 && v[0] == 0x80 && v[15] == 0x8f,
	      "xmm17 from Hi16_ZMM");
	CHECK(read_reg(r, "ymm17h", gpr, xs, 2440, v) == 16 && v[0] == 0x90 && v[15] == 0x9f,
	      "ymm17h from Hi16_ZMM");
	CHECK(read_reg(r, "zmm17h", gpr, xs, 2440, v) == 32 && v[0] == 0xa0 && v[31] == 0xbf,
	      "zmm17h from Hi16_ZMM");
	CHECK(read_reg(r, "xmm2", gpr, xs, 2440, v) == 16 && v[0] == 0x20 && v[15] == 0x2f, "xmm2");
	CHECK(read_reg(r, "ymm2h", gpr, xs, 2440, v) == 16 && v[0] == 0x30, "ymm2h");
	CHECK(read_reg(r, "pkru", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x55555554, "pkru");
	CHECK(read_reg(r, "mxcsr", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x9fc0, "mxcsr");

	/* Opmask alone back to its initial state. */
	put_le64(xs + 512, 0x2e7 & ~(1ull << 5));
	CHECK(read_reg(r, "k1", gpr, xs, 2440, v) == 8 && get_le64(v) == 0,
	      "k1 with its bit clear");
	CHECK(read_reg(r, "zmm0h", gpr, xs, 2440, v) == 32 && v[0] == 0x40, "zmm0h unaffected");
	/* MXCSR is saved with AVX state even when SSE state is initial. */
	put_le64(xs + 512, 1u << 2);
	CHECK(read_reg(r, "mxcsr", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x9fc0,
	      "mxcsr with only the AVX bit");
	CHECK(read_reg(r, "xmm2", gpr, xs, 2440, v) == 16 && v[0] == 0, "xmm2 with SSE bit clear");

	/* x87: TOP = 6, st0 = pi (physical 6), st1 = 0.0 (physical 7), the rest empty. */
	put_le64(xs + 512, 1);
	put_le32(xs + 0, 0x037f);
	xs[2] = 0x00;
	xs[3] = 6 << 3;					 /* fstat: TOP in bits 11-13 */
	xs[4] = 0xc0;					 /* abridged tag: physical 6 and 7 valid */
	put_le32(xs + 6, 0xffff);			 /* fop, 11 bits of it */
	put_le64(xs + 8, 0x0000123400005678ull);	 /* 64-bit FIP */
	put_le64(xs + 16, 0x00009abc0000def0ull);	 /* 64-bit FDP */
	put_f80(xs + 32, 0xc90fdaa22168c235ull, 0x4000); /* pi */
	put_f80(xs + 48, 0, 0);				 /* +0.0 */
	CHECK(read_reg(r, "ftag", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x4fff,
	      "ftag %#x, expected 0x4fff (valid, zero, six empty)", get_le32(v));
	CHECK(read_reg(r, "fstat", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x3000, "fstat");
	CHECK(read_reg(r, "fop", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x7ff, "fop is 11 bits");
	CHECK(read_reg(r, "fioff", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x5678, "fioff");
	CHECK(read_reg(r, "fiseg", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x1234, "fiseg");
	CHECK(read_reg(r, "fooff", gpr, xs, 2440, v) == 4 && get_le32(v) == 0xdef0, "fooff");
	CHECK(read_reg(r, "foseg", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x9abc, "foseg");
	CHECK(read_reg(r, "st0", gpr, xs, 2440, v) == 10 && memcmp(v, xs + 32, 10) == 0, "st0");
	put_f80(xs + 48, 0xc000000000000000ull, 0x7fff); /* a NaN: special */
	CHECK(read_reg(r, "ftag", gpr, xs, 2440, v) == 4 && get_le32(v) == 0x8fff, "ftag special");

	/* An area too short for the register: unavailable, not garbage. */
	put_le64(xs + 512, 0x2e7);
	CHECK(read_reg(r, "pkru", gpr, xs, 2000, v) == -ENODATA, "short area");
	CHECK(read_reg(r, "k1", gpr, NULL, 0, v) == -ENODATA, "no area");
	CHECK(x86_gdb_reg_read(r, 149, gpr, xs, 2440, v) == -EINVAL, "unknown regnum");
	free(xs);
	free(r);
}

static bool contains(const struct rw_buf *b, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, text, n) == 0)
			return true;
	return false;
}

static void test_description(void)
{
	struct x86_xsave_layout l;
	struct x86_gdb_regs *r = calloc(1, sizeof(*r));
	struct rw_buf b;

	rw_buf_init(&b);
	amd_layout(&l);
	x86_gdb_regs_init(r, &l);
	CHECK(x86_gdb_tdesc_file(r, "target.xml", &b) == 0, "target.xml");
	CHECK(contains(&b, "<architecture>i386:x86-64</architecture>") &&
		  contains(&b, "<osabi>GNU/Linux</osabi>") && contains(&b, "64bit-avx512.xml") &&
		  contains(&b, "64bit-pkeys.xml") && contains(&b, "64bit-segments.xml"),
	      "target.xml includes every feature");
	rw_buf_reset(&b);
	CHECK(
	    x86_gdb_tdesc_file(r, "64bit-avx512.xml", &b) == 0 &&
		contains(&b, "<reg name=\"k0\" bitsize=\"64\" type=\"uint64\" regnum=\"108\"/>") &&
		contains(&b, "<union id=\"vec128\">") &&
		contains(&b, "<vector id=\"v2ui128\" type=\"uint128\" count=\"2\"/>"),
	    "avx512 feature");
	rw_buf_reset(&b);
	CHECK(x86_gdb_tdesc_file(r, "64bit-core.xml", &b) == 0 &&
		  contains(&b, "<flags id=\"i386_eflags\" size=\"4\">") &&
		  contains(&b, "type=\"i387_ext\"") &&
		  contains(&b, "<reg name=\"fop\" bitsize=\"32\" type=\"int\" regnum=\"39\" "
			       "group=\"float\"/>"),
	      "core feature");
	CHECK(x86_gdb_tdesc_file(r, "../etc/passwd", &b) == -ENOENT, "unknown annex");
	l.xcr0 = 0x3;
	x86_gdb_regs_init(r, &l);
	rw_buf_reset(&b);
	CHECK(x86_gdb_tdesc_file(r, "target.xml", &b) == 0 && !contains(&b, "avx") &&
		  !contains(&b, "pkeys"),
	      "target.xml without AVX");
	CHECK(x86_gdb_tdesc_file(r, "64bit-avx.xml", &b) == -ENOENT, "absent feature file");
	rw_buf_free(&b);
	free(r);
}

/* ---- the server, with an in-memory target -------------------------------------------- */

static uint8_t fake_xsave[2440];
static const uint8_t fake_memory[8] = {0x55, 0x48, 0x89, 0xe5, 0x24, 0x23, 0x7d, 0x2a};

static void fake_current_stop(void *ctx, struct gdb_stop *stop)
{
	(void)ctx;
	memset(stop, 0, sizeof(*stop));
	stop->kind = GDB_STOP_SIGNAL;
	stop->signo = 5;
	stop->pid = stop->tid = 0x64;
}

static int fake_get_regs(void *ctx, int tid, uint64_t regs[27])
{
	(void)ctx;
	(void)tid;
	for (int i = 0; i < 27; i++)
		regs[i] = (uint64_t)i;
	return 0;
}

static int fake_get_xsave(void *ctx, int tid, uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)tid;
	memcpy(buf, fake_xsave, len < sizeof(fake_xsave) ? len : sizeof(fake_xsave));
	return 0;
}

static long fake_read_memory(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr < 0x1000 || addr >= 0x1000 + sizeof(fake_memory))
		return -EIO;
	if (len > 0x1000 + sizeof(fake_memory) - addr)
		len = 0x1000 + sizeof(fake_memory) - addr;
	memcpy(buf, fake_memory + (addr - 0x1000), len);
	return (long)len;
}

static void fake_kill(void *ctx)
{
	*(int *)ctx = 1;
}

static const struct gdb_target_ops fake_ops = {
    .current_stop = fake_current_stop,
    .get_regs = fake_get_regs,
    .get_xsave = fake_get_xsave,
    .read_memory = fake_read_memory,
    .kill = fake_kill,
};

/* Sends one framed packet; returns what the server wrote. */
static const char *request(struct gdb_server *s, const char *payload, struct rw_buf *out,
			   int *ended)
{
	struct rw_buf pkt;

	rw_buf_init(&pkt);
	gdb_pkt_frame(&pkt, payload, strlen(payload));
	rw_buf_reset(out);
	*ended = gdb_server_feed(s, pkt.data, pkt.len, out);
	rw_buf_put_u8(out, 0);
	out->len--;
	rw_buf_free(&pkt);
	return (const char *)out->data;
}

/* True if the output is "+$<payload>#cs" (or "$<payload>#cs" when no ack is expected). */
static bool reply_is(const char *out, bool ack, const char *payload)
{
	char expect[512];
	struct rw_buf b;
	bool same;

	rw_buf_init(&b);
	if (ack)
		rw_buf_put_u8(&b, '+');
	gdb_pkt_frame(&b, payload, strlen(payload));
	snprintf(expect, sizeof(expect), "%.*s", (int)b.len, (const char *)b.data);
	same = strcmp(out, expect) == 0;
	if (!same)
		fprintf(stderr, "  got '%s', expected '%s'\n", out, expect);
	rw_buf_free(&b);
	return same;
}

static void test_server(void)
{
	struct gdb_xsave_layout layout;
	struct x86_xsave_layout l;
	struct gdb_server *s;
	struct rw_buf out;
	int killed = 0, ended;
	const char *r;

	amd_layout(&l);
	memset(&layout, 0, sizeof(layout));
	layout.xcr0 = l.xcr0;
	layout.size = l.total_size;
	memcpy(layout.offset, l.offset, sizeof(layout.offset));
	memcpy(layout.comp_size, l.size, sizeof(layout.comp_size));
	memset(fake_xsave, 0, sizeof(fake_xsave));
	put_le64(fake_xsave + 512, 0x2e7);
	put_le64(fake_xsave + 832 + 8, 0x1122334455667788ull);

	s = gdb_server_create(&fake_ops, &killed, &layout);
	CHECK(s != NULL, "server create");
	if (!s)
		return;
	rw_buf_init(&out);
	r = request(s, "qSupported:multiprocess+;swbreak+;hwbreak+", &out, &ended);
	CHECK(strstr(r, "PacketSize=10000;") && strstr(r, "qXfer:features:read+") &&
		  strstr(r, "ReverseContinue+") && strstr(r, "multiprocess+"),
	      "qSupported: %s", r);
	r = request(s, "?", &out, &ended);
	CHECK(strncmp(r, "+$T05thread:p64.64;10:1000000000000000;", 39) == 0, "stop reply: %s", r);
	r = request(s, "p6d", &out, &ended); /* k1 */
	CHECK(reply_is(r, true, "8877665544332211"), "p of k1");
	r = request(s, "p0", &out, &ended); /* rax: index 10 of user_regs_struct */
	CHECK(reply_is(r, true, "0a00000000000000"), "p of rax");
	r = request(s, "p95", &out, &ended);
	CHECK(reply_is(r, true, "E01"), "p of a register that does not exist");
	r = request(s, "g", &out, &ended);
	CHECK(strlen(r) == 1 + 1 + 2 * 2420 + 3, "g reply length %zu", strlen(r));
	r = request(s, "m1000,8", &out, &ended);
	CHECK(reply_is(r, true, "554889e524237d2a"), "m");
	r = request(s, "m1004,100", &out, &ended);
	CHECK(reply_is(r, true, "24237d2a"), "short m");
	r = request(s, "m0,4", &out, &ended);
	CHECK(reply_is(r, true, "E01"), "m of unmapped memory");
	r = request(s, "x1004,4", &out, &ended);
	CHECK(reply_is(r, true, "b}\x04}\x03}]}\x0a"), "x escapes $ # } *");
	r = request(s, "M1000,1:00", &out, &ended);
	CHECK(reply_is(r, true, "E01"), "M refused");
	r = request(s, "P0=0100000000000000", &out, &ended);
	CHECK(reply_is(r, true, "E01"), "P refused");
	r = request(s, "Z0,1000,1", &out, &ended);
	CHECK(reply_is(r, true, ""), "Z0 without target support: empty");
	r = request(s, "qfThreadInfo", &out, &ended);
	CHECK(reply_is(r, true, "mp64.64"), "thread list without list_threads");
	r = request(s, "Hgp64.64", &out, &ended);
	CHECK(reply_is(r, true, "OK"), "Hg");
	r = request(s, "Hgp64.65", &out, &ended);
	CHECK(reply_is(r, true, "E01"), "Hg of an unknown thread");
	r = request(s, "qXfer:features:read:target.xml:0,20", &out, &ended);
	CHECK(reply_is(r, true, "m<?xml version=\"1.0\"?>\n<!DOCTYPE "), "qXfer first slice");
	r = request(s, "qXfer:features:read:nope.xml:0,20", &out, &ended);
	CHECK(reply_is(r, true, "E01"), "qXfer unknown annex");
	r = request(s, "", &out, &ended);
	CHECK(reply_is(r, true, ""), "empty packet gets an empty reply");
	r = request(s, "vMustReplyEmpty", &out, &ended);
	CHECK(reply_is(r, true, ""), "vMustReplyEmpty");
	r = request(s, "vFile:open:2f6574632f706173737764,1,1a4", &out, &ended);
	CHECK(reply_is(r, true, "F-1,1e"), "vFile:open for writing");
	r = request(s, "qSymbol::", &out, &ended);
	CHECK(reply_is(r, true, "OK"), "qSymbol:: without TLS support: no symbols wanted");
	r = request(s, "qGetTLSAddr:p64.64,0,1000", &out, &ended);
	CHECK(reply_is(r, true, ""), "qGetTLSAddr without TLS support: empty");
	r = request(s, "QPassSignals:e", &out, &ended);
	CHECK(reply_is(r, true, ""), "QPassSignals without target support: empty");
	r = request(s, "QStartNoAckMode", &out, &ended);
	CHECK(reply_is(r, true, "OK"), "QStartNoAckMode");
	r = request(s, "qC", &out, &ended);
	CHECK(reply_is(r, false, "QCp64.64"), "no '+' once in no-ack mode");
	r = request(s, "k", &out, &ended);
	CHECK(ended == 1 && killed == 1 && out.len == 0, "k ends the session with no reply");
	rw_buf_free(&out);
	gdb_server_free(s);
}

/* ---- thread-local storage: qSymbol and qGetTLSAddr ------------------------------------ */

struct fake_tls {
	int calls;
	int last_tid;
	int index;
	bool found;
	uint64_t value;
};

static const char *const fake_tls_symbols[] = {"sym_a", "sym_b", NULL};

static void fake_symbol_value(void *ctx, int index, bool found, uint64_t value)
{
	struct fake_tls *t = ctx;

	t->index = index;
	t->found = found;
	t->value = value;
}

/* The "address" is lm + offset; lm 0 is a module without TLS. */
static int fake_tls_address(void *ctx, int tid, uint64_t offset, uint64_t lm, uint64_t *addr)
{
	struct fake_tls *t = ctx;

	t->calls++;
	t->last_tid = tid;
	if (!lm)
		return -ENOENT;
	*addr = lm + offset;
	return 0;
}

static const struct gdb_tls_ops fake_tls_ops = {
    .symbols = fake_tls_symbols,
    .symbol_value = fake_symbol_value,
    .get_address = fake_tls_address,
};

static const struct gdb_target_ops fake_tls_target = {
    .current_stop = fake_current_stop,
    .get_regs = fake_get_regs,
    .tls = &fake_tls_ops,
};

static void test_tls(void)
{
	/* Malformed requests: each gets E01 and never reaches the target. */
	static const char *const malformed[] = {
	    "qGetTLSAddr:",
	    "qGetTLSAddr:p64.64",
	    "qGetTLSAddr:p64.64,",
	    "qGetTLSAddr:p64.64,10",
	    "qGetTLSAddr:p64.64,10,",
	    "qGetTLSAddr:p64.64,10,2000x",
	    "qGetTLSAddr:p64.64,,2000",
	    "qGetTLSAddr:p64.64,10;2000",
	    "qGetTLSAddr:p64.64,10,20000000000000000",
	    "qGetTLSAddr:p64.64,-1,2000",
	    "qGetTLSAddr:-1,10,2000",
	    "qGetTLSAddr:p64,10,2000", /* all threads of a process */
	    "qGetTLSAddr:p65.64,10,2000",
	    "qGetTLSAddr:zz,10,2000",
	    "qSymbol:zz:73796d5f61",
	    "qSymbol:12:",
	    "qSymbol:12:73796d5f6",
	    "qSymbol:12:7g",
	    "qSymbol:1234",
	};
	struct gdb_xsave_layout layout = {.xcr0 = 3, .size = 512};
	struct fake_tls t = {.index = -1};
	struct gdb_server *s = gdb_server_create(&fake_tls_target, &t, &layout);
	struct rw_buf out;
	const char *r;
	int ended;

	CHECK(s != NULL, "server create");
	if (!s)
		return;
	rw_buf_init(&out);
	request(s, "qSupported:multiprocess+", &out, &ended);
	r = request(s, "qSymbol::", &out, &ended);
	CHECK(reply_is(r, true, "qSymbol:73796d5f61"), "qSymbol:: asks for the first symbol");
	r = request(s, "qSymbol:7ffff7f649a0:73796d5f61", &out, &ended);
	CHECK(reply_is(r, true, "qSymbol:73796d5f62") && t.index == 0 && t.found &&
		  t.value == 0x7ffff7f649a0ull,
	      "an answer is passed on and the next symbol asked for");
	r = request(s, "qSymbol::73796d5f62", &out, &ended);
	CHECK(reply_is(r, true, "OK") && t.index == 1 && !t.found, "an unknown symbol; then OK");
	r = request(s, "qSymbol:10:6f74686572", &out, &ended);
	CHECK(reply_is(r, true, "OK") && t.index == 1, "a symbol not asked for ends the round");

	r = request(s, "qGetTLSAddr:p64.64,10,7ffff7ffe2e0", &out, &ended);
	CHECK(reply_is(r, true, "7ffff7ffe2f0") && t.last_tid == 0x64, "qGetTLSAddr");
	r = request(s, "qGetTLSAddr:64,0,1000", &out, &ended);
	CHECK(reply_is(r, true, "1000"), "qGetTLSAddr with a bare thread id");
	r = request(s, "qGetTLSAddr:p64.64,10,0", &out, &ended);
	CHECK(reply_is(r, true, "E01"), "the target's error is E01");
	t.calls = 0;
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		r = request(s, malformed[i], &out, &ended);
		CHECK(reply_is(r, true, "E01"), "malformed '%s' gets E01", malformed[i]);
	}
	CHECK(t.calls == 0, "no malformed request reached the target (%d did)", t.calls);
	r = request(s, "?", &out, &ended);
	CHECK(strncmp(r, "+$T05", 5) == 0, "the server still answers: %s", r);
	rw_buf_free(&out);
	gdb_server_free(s);
}

/* ---- signals gdb lets pass: QPassSignals ---------------------------------------------- */

struct fake_pass {
	int calls;
	int n;
	int signos[8];
};

static void fake_pass_signals(void *ctx, const int *signos, int n)
{
	struct fake_pass *f = ctx;

	f->calls++;
	f->n = n;
	memcpy(f->signos, signos, (size_t)(n < 8 ? n : 8) * sizeof(*signos));
}

static const struct gdb_target_ops fake_pass_target = {
    .current_stop = fake_current_stop,
    .get_regs = fake_get_regs,
    .pass_signals = fake_pass_signals,
};

static void test_pass_signals(void)
{
	static const char *const malformed[] = {
	    "QPassSignals:zz",	"QPassSignals:;e", "QPassSignals:e,1b",
	    "QPassSignals:100", "QPassSignals:-1",
	};
	struct gdb_xsave_layout layout = {.xcr0 = 3, .size = 512};
	struct fake_pass f = {0};
	struct gdb_server *s = gdb_server_create(&fake_pass_target, &f, &layout);
	struct rw_buf out;
	const char *r;
	int ended;

	CHECK(s != NULL, "server create");
	if (!s)
		return;
	rw_buf_init(&out);
	r = request(s, "qSupported:multiprocess+", &out, &ended);
	CHECK(strstr(r, ";QPassSignals+") != NULL, "qSupported offers QPassSignals: %s", r);
	/* gdb's SIGALRM (14), SIGPROF (27), SIGUSR1 (30), its first real-time signal (45). */
	r = request(s, "QPassSignals:e;1b;1e;2d;", &out, &ended);
	CHECK(reply_is(r, true, "OK") && f.calls == 1 && f.n == 4 && f.signos[0] == SIGALRM &&
		  f.signos[1] == SIGPROF && f.signos[2] == SIGUSR1 && f.signos[3] == 33,
	      "QPassSignals gives Linux's numbers (%d: %d %d %d %d)", f.n, f.signos[0], f.signos[1],
	      f.signos[2], f.signos[3]);
	/* gdb's SIGLWP (34) has no Linux signal: nothing of it is recorded. */
	r = request(s, "QPassSignals:22;e", &out, &ended); /* the last ';' may be left out */
	CHECK(reply_is(r, true, "OK") && f.n == 1 && f.signos[0] == SIGALRM,
	      "a signal Linux has not is left out");
	r = request(s, "QPassSignals:", &out, &ended);
	CHECK(reply_is(r, true, "OK") && f.calls == 3 && f.n == 0, "an empty set passes none");
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		r = request(s, malformed[i], &out, &ended);
		CHECK(reply_is(r, true, "E01"), "malformed '%s' gets E01", malformed[i]);
	}
	CHECK(f.calls == 3, "no malformed set reached the target (%d did)", f.calls - 3);
	rw_buf_free(&out);
	gdb_server_free(s);
}

int main(void)
{
	test_framing();
	test_too_long();
	test_scan_interrupt();
	test_encodings();
	test_numbering();
	test_values();
	test_description();
	test_server();
	test_tls();
	test_pass_signals();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("test_gdb_packet: all passed\n");
	return 0;
}
