/*
 * trace_edit: writes a copy of a trace with one change, for tests that
 * check how rewind handles a trace that does not match the program.
 *
 *   trace_edit IN OUT reg EVENT REGNAME VALUE   set a register of one event
 *   trace_edit IN OUT header-xcr0 VALUE         set XCR0 in the header
 *   trace_edit IN OUT header-xsave-offset COMPONENT VALUE
 *                                               move one XSAVE component in the header's layout
 *   trace_edit IN OUT header-xsave-layout intel|amd
 *                                               the header's XSAVE layout (offsets, size, CPUID
 *                                               leaf 0xD) as that vendor's CPUs lay out its
 *                                               components (tests/tools/xsave_layouts.h)
 *   trace_edit IN OUT xblock EVENT BLOCK OFFSET XOR
 *                                               flip bits of a byte of an event's XSAVE block
 *   trace_edit IN OUT header-cpuid-or LEAF SUBLEAF REG VALUE
 *                                               set bits in a CPUID leaf (REG: eax ebx ecx edx)
 *   trace_edit IN OUT move EVENT AFTER          move event EVENT up to just after event AFTER
 *                                               (the events between follow it; numbers stay
 *                                               in order)
 *   trace_edit IN OUT garble-file PATH           a byte-for-byte copy in which the compressed
 *                                               bytes of the first chunk of the file stored from
 *                                               PATH are garbled and the chunk's CRC made to
 *                                               match them; prints that chunk's offset
 *
 * VALUE is parsed with strtoull base 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "arch/x86_64/regs.h"
#include "common/buf.h"
#include "xsave_layouts.h"
#include "trace_format/event.h"
#include "trace_format/header.h"
#include "trace_format/trace.h"

/* The garble-file edit: works on the file's bytes, not through the writer. */
static int garble_file(const char *from, const char *to, const char *path)
{
	struct trace_reader *in;
	struct trace_stored_file *files = NULL;
	size_t nfiles = 0, size;
	uint64_t chunk, first, offset;
	uint32_t count, clen;
	uint8_t *d;
	FILE *f;
	int ret = 1;

	if (trace_reader_open(from, &in) < 0)
		return 1;
	if (trace_read_file_table(in, &files, &nfiles) < 0) {
		fprintf(stderr, "trace_edit: %s has no stored-files table\n", from);
		trace_reader_close(in);
		return 1;
	}
	for (size_t i = 0; i < nfiles; i++) {
		if (strcmp(files[i].path, path))
			continue;
		if (trace_reader_chunk_of(in, files[i].first_record, &chunk) < 0 ||
		    trace_reader_chunk_records(in, chunk, &first, &count, &offset) < 0)
			break;
		f = fopen(from, "rb");
		if (!f || fseek(f, 0, SEEK_END) < 0)
			break;
		size = (size_t)ftell(f);
		d = malloc(size);
		rewind(f);
		if (!d || fread(d, 1, size, f) != size) {
			fclose(f);
			free(d);
			break;
		}
		fclose(f);
		clen = get_le32(d + offset + 4);
		if (clen < 64) {
			free(d);
			break;
		}
		memset(d + offset + 20 + clen / 2, 0x5a, 16);
		put_le32(d + offset + 16, (uint32_t)crc32(0, d + offset + 20, clen));
		f = fopen(to, "wb");
		if (f && fwrite(d, 1, size, f) == size && fclose(f) == 0) {
			printf("%llu\n", (unsigned long long)offset);
			ret = 0;
		}
		free(d);
		break;
	}
	if (ret)
		fprintf(stderr, "trace_edit: cannot garble the file stored from %s in %s\n", path,
			from);
	trace_files_free(files, nfiles);
	trace_reader_close(in);
	return ret;
}

/*
 * The header-xsave-layout edit: each component the vendor has a place for
 * moves there, in the offsets, the total size and CPUID leaf 0xD (subleaf
 * 0's EBX is the size for XCR0, subleaf i's EBX component i's offset).
 */
static int set_vendor_layout(struct trace_header *h, const char *vendor)
{
	struct x86_xsave_layout from = {.xcr0 = h->xcr0, .total_size = h->xsave_size}, to;

	memcpy(from.offset, h->xsave_offset, sizeof(from.offset));
	memcpy(from.size, h->xsave_comp_size, sizeof(from.size));
	if (xsave_layout_of_vendor(&from, vendor, &to) < 0)
		return -1;
	h->xsave_size = 576;
	for (int c = 2; c < TRACE_XSAVE_COMPONENTS; c++) {
		if (to.size[c])
			h->xsave_offset[c] = to.offset[c];
		if (h->xsave_comp_size[c] &&
		    h->xsave_offset[c] + h->xsave_comp_size[c] > h->xsave_size)
			h->xsave_size = h->xsave_offset[c] + h->xsave_comp_size[c];
	}
	for (uint32_t i = 0; i < h->ncpuid; i++) {
		struct trace_cpuid *c = &h->cpuid[i];

		if (c->leaf == 0xd && c->subleaf == 0)
			c->ebx = h->xsave_size;
		else if (c->leaf == 0xd && c->subleaf >= 2 && c->subleaf < TRACE_XSAVE_COMPONENTS &&
			 to.size[c->subleaf])
			c->ebx = to.offset[c->subleaf];
	}
	return 0;
}

/* The move edit: the events after AFTER held back until EVENT is written. */
#define MOVE_HELD 64
struct move {
	uint64_t event, after;
	struct trace_event_builder held[MOVE_HELD];
	size_t nheld;
};

static void put_event(struct trace_writer *out, struct trace_event_builder *b,
		      struct trace_regs_history *hout, struct rw_buf *enc)
{
	rw_buf_reset(enc);
	trace_event_encode(b, hout, enc);
	trace_writer_add(out, TRACE_REC_EVENT, enc->data, enc->len);
}

/*
 * The event in b: 1 when the move holds it back, 2 when it is EVENT, written
 * with those held after it, else 0 (written as it is).
 */
static int move_event(struct move *m, struct trace_writer *out, struct trace_event_builder *b,
		      struct trace_regs_history *hout, struct rw_buf *enc)
{
	struct trace_event_builder *h = &m->held[m->nheld];

	if (b->seq > m->after && b->seq < m->event) {
		trace_event_builder_init(h);
		trace_event_begin(h, b->seq, b->tid, b->kind, b->regs);
		h->flags = b->flags;
		rw_buf_put(&h->sections, b->sections.data, b->sections.len);
		m->nheld++;
		return 1;
	}
	if (b->seq != m->event || m->nheld != m->event - m->after - 1)
		return 0;
	b->seq = m->after + 1;
	put_event(out, b, hout, enc);
	for (size_t i = 0; i < m->nheld; i++) {
		m->held[i].seq++;
		put_event(out, &m->held[i], hout, enc);
		trace_event_builder_free(&m->held[i]);
	}
	m->nheld = 0;
	return 2;
}

static int find_reg(const char *name)
{
	for (int i = 0; i < X86_NREGS; i++)
		if (!strcmp(x86_reg_name(i), name))
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	struct trace_reader *in;
	struct trace_writer *out;
	struct trace_header h;
	struct trace_regs_history hin = {0}, hout = {0};
	struct trace_event_arena arena;
	struct trace_event_builder b;
	struct rw_buf hb, enc;
	const void *hp;
	size_t hlen;
	uint64_t edit_event = 0, value = 0;
	int edit_reg = -1, ret, changed = 0;
	bool edit_xcr0 = false;
	const char *layout_vendor = NULL;
	int xsave_comp = -1, cpuid_reg = -1, xblock = -1;
	uint32_t xblock_offset = 0;
	uint32_t cpuid_leaf = 0, cpuid_sub = 0;
	static struct move move;

	if (argc >= 5 && !strcmp(argv[3], "garble-file"))
		return garble_file(argv[1], argv[2], argv[4]);
	if (argc >= 7 && !strcmp(argv[3], "reg")) {
		edit_event = strtoull(argv[4], NULL, 0);
		edit_reg = find_reg(argv[5]);
		value = strtoull(argv[6], NULL, 0);
		if (edit_reg < 0) {
			fprintf(stderr, "trace_edit: unknown register %s\n", argv[5]);
			return 2;
		}
	} else if (argc >= 6 && !strcmp(argv[3], "move")) {
		move.event = strtoull(argv[4], NULL, 0);
		move.after = strtoull(argv[5], NULL, 0);
		if (move.after >= move.event || move.event - move.after - 1 > MOVE_HELD) {
			fprintf(stderr, "trace_edit: event %s cannot move up after %s\n", argv[4],
				argv[5]);
			return 2;
		}
	} else if (argc >= 5 && !strcmp(argv[3], "header-xcr0")) {
		edit_xcr0 = true;
		value = strtoull(argv[4], NULL, 0);
	} else if (argc >= 8 && !strcmp(argv[3], "xblock")) {
		edit_event = strtoull(argv[4], NULL, 0);
		xblock = atoi(argv[5]);
		xblock_offset = (uint32_t)strtoul(argv[6], NULL, 0);
		value = strtoull(argv[7], NULL, 0);
	} else if (argc >= 6 && !strcmp(argv[3], "header-xsave-offset")) {
		xsave_comp = atoi(argv[4]);
		value = strtoull(argv[5], NULL, 0);
		if (xsave_comp < 0 || xsave_comp >= TRACE_XSAVE_COMPONENTS)
			return 2;
	} else if (argc >= 5 && !strcmp(argv[3], "header-xsave-layout")) {
		layout_vendor = argv[4];
	} else if (argc >= 8 && !strcmp(argv[3], "header-cpuid-or")) {
		static const char *const regs[] = {"eax", "ebx", "ecx", "edx"};

		cpuid_leaf = (uint32_t)strtoul(argv[4], NULL, 0);
		cpuid_sub = (uint32_t)strtoul(argv[5], NULL, 0);
		for (int i = 0; i < 4; i++)
			if (!strcmp(argv[6], regs[i]))
				cpuid_reg = i;
		value = strtoull(argv[7], NULL, 0);
		if (cpuid_reg < 0)
			return 2;
	} else {
		fprintf(stderr,
			"usage: trace_edit IN OUT reg EVENT REG VALUE | header-xcr0 VALUE | "
			"header-xsave-offset COMPONENT VALUE | header-xsave-layout intel|amd | "
			"header-cpuid-or LEAF SUBLEAF REG VALUE | move EVENT AFTER | "
			"garble-file PATH\n");
		return 2;
	}
	if (trace_reader_open(argv[1], &in) < 0)
		return 1;
	hp = trace_reader_header(in, &hlen);
	if (trace_header_decode(hp, hlen, &h) < 0)
		return 1;
	if (edit_xcr0) {
		h.xcr0 = value;
		changed = 1;
	}
	if (layout_vendor) {
		if (set_vendor_layout(&h, layout_vendor) < 0) {
			fprintf(stderr, "trace_edit: no XSAVE layout for %s\n", layout_vendor);
			return 2;
		}
		changed = 1;
	}
	if (xsave_comp >= 0 && h.xsave_comp_size[xsave_comp]) {
		h.xsave_offset[xsave_comp] = (uint32_t)value;
		changed = 1;
	}
	for (uint32_t i = 0; cpuid_reg >= 0 && i < h.ncpuid; i++) {
		struct trace_cpuid *c = &h.cpuid[i];
		uint32_t *regs[4] = {&c->eax, &c->ebx, &c->ecx, &c->edx};

		if (c->leaf == cpuid_leaf && c->subleaf == cpuid_sub) {
			*regs[cpuid_reg] |= (uint32_t)value;
			changed = 1;
		}
	}
	rw_buf_init(&hb);
	rw_buf_init(&enc);
	trace_header_encode(&h, &hb);
	if (trace_writer_create(argv[2], true, hb.data, hb.len, &out) < 0)
		return 1;
	trace_event_arena_init(&arena);
	trace_event_builder_init(&b);
	for (;;) {
		uint32_t kind;
		const uint8_t *p;
		size_t len;
		struct trace_event ev;
		char err[256];

		ret = trace_reader_next(in, &kind, &p, &len);
		if (ret <= 0)
			break;
		if (kind != TRACE_REC_EVENT) {
			trace_writer_add(out, kind, p, len);
			continue;
		}
		if (trace_event_decode(p, len, &hin, &arena, &ev, err, sizeof(err)) < 0) {
			fprintf(stderr, "trace_edit: %s\n", err);
			return 1;
		}
		if (xblock >= 0 && ev.seq == edit_event) {
			static struct trace_xblock blocks[64];
			static uint8_t data[64][4096];

			for (size_t i = 0; i < ev.nxblocks && i < 64; i++) {
				blocks[i] = ev.xblocks[i];
				if (blocks[i].block != xblock || xblock_offset >= blocks[i].len ||
				    blocks[i].len > sizeof(data[i]))
					continue;
				memcpy(data[i], blocks[i].data, blocks[i].len);
				data[i][xblock_offset] ^= (uint8_t)value;
				blocks[i].data = data[i];
				changed = 1;
			}
			ev.xblocks = blocks;
		}
		trace_event_builder_load(&b, &ev);
		if (edit_reg >= 0 && ev.seq == edit_event) {
			b.regs[edit_reg] = value;
			changed = 1;
		}
		if (move.event && (ret = move_event(&move, out, &b, &hout, &enc)) != 0) {
			changed |= ret == 2;
			continue;
		}
		put_event(out, &b, &hout, &enc);
	}
	trace_event_arena_free(&arena);
	trace_event_builder_free(&b);
	trace_regs_history_free(&hin);
	trace_regs_history_free(&hout);
	trace_header_free(&h);
	rw_buf_free(&hb);
	rw_buf_free(&enc);
	trace_reader_close(in);
	if (trace_writer_finish(out) < 0 || ret < 0)
		return 1;
	if (!changed) {
		fprintf(stderr, "trace_edit: nothing matched the edit\n");
		return 1;
	}
	return 0;
}
