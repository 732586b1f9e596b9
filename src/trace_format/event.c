/* Event records: encoding and decoding; see event.h and docs/trace-format.md. */
#include "trace_format/event.h"
#include "trace_format/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

enum section_tag {
	SEC_SYSNO = 1,
	SEC_MEM = 2,
	SEC_STRING = 3,
	SEC_XBLOCK = 4,
	SEC_MAP = 5,
	SEC_EXIT = 6,
	SEC_OUTPUT = 7,
	SEC_SIGNAL = 8,
	SEC_SIGINFO = 9,
	SEC_CHILD = 10, /* EV_CLONE: child tid, clone flags (format 2.0) */
	SEC_EXPECT = 11, /* an execution point's memory: address, bytes (2.2) */
	SEC_PTRACE = 12, /* EV_PTRACE: operation, how replay reaches a stop (2.3) */
	SEC_ATTACH = 13, /* EV_EXEC with EVF_ATTACH, EV_THREAD: state found at attach (2.4) */
	SEC_RUNTIME = 14, /* a run-to point: the thread's CPU time since its previous one (2.5) */
};

/* Sanity limits for decoding untrusted input. */
#define MAX_SECTION_ITEMS (1u << 20)

void trace_regs_history_free(struct trace_regs_history *h)
{
	free(h->threads);
	h->threads = NULL;
	h->n = h->cap = 0;
}

int trace_regs_history_copy(struct trace_regs_history *dst, const struct trace_regs_history *src)
{
	if (dst->cap < src->n) {
		dst->threads = xrealloc(dst->threads, src->n * sizeof(*src->threads));
		dst->cap = src->n;
	}
	if (src->n)
		memcpy(dst->threads, src->threads, src->n * sizeof(*src->threads));
	dst->n = src->n;
	return 0;
}

static uint64_t *history_slot(struct trace_regs_history *h, uint32_t tid)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->threads[i].tid == tid)
			return h->threads[i].regs;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 8;
		h->threads = xrealloc(h->threads, h->cap * sizeof(*h->threads));
	}
	h->threads[h->n].tid = tid;
	memset(h->threads[h->n].regs, 0, sizeof(h->threads[h->n].regs));
	return h->threads[h->n++].regs;
}

void trace_event_builder_init(struct trace_event_builder *b)
{
	memset(b, 0, sizeof(*b));
	rw_buf_init(&b->sections);
}

void trace_event_builder_free(struct trace_event_builder *b)
{
	rw_buf_free(&b->sections);
}

void trace_event_begin(struct trace_event_builder *b, uint64_t seq, uint32_t tid, uint8_t kind,
		       const uint64_t regs[TRACE_NREGS])
{
	b->seq = seq;
	b->tid = tid;
	b->kind = kind;
	b->flags = 0;
	memcpy(b->regs, regs, sizeof(b->regs));
	rw_buf_reset(&b->sections);
}

void trace_event_add_sysno(struct trace_event_builder *b, long nr)
{
	rw_buf_put_u8(&b->sections, SEC_SYSNO);
	rw_buf_put_svarint(&b->sections, nr);
}

void trace_event_add_mem(struct trace_event_builder *b, uint64_t addr, const void *p, uint64_t len)
{
	rw_buf_put_u8(&b->sections, SEC_MEM);
	rw_buf_put_varint(&b->sections, addr);
	rw_buf_put_blob(&b->sections, p, (size_t)len);
}

void trace_event_add_string(struct trace_event_builder *b, int arg, const char *s)
{
	rw_buf_put_u8(&b->sections, SEC_STRING);
	rw_buf_put_u8(&b->sections, (uint8_t)arg);
	rw_buf_put_str(&b->sections, s);
}

void trace_event_add_xblock(struct trace_event_builder *b, uint8_t block, const void *p,
			    uint32_t len)
{
	rw_buf_put_u8(&b->sections, SEC_XBLOCK);
	rw_buf_put_u8(&b->sections, block);
	rw_buf_put_blob(&b->sections, p, len);
}

void trace_event_add_map(struct trace_event_builder *b, const struct trace_map *m)
{
	struct rw_buf *s = &b->sections;

	rw_buf_put_u8(s, SEC_MAP);
	rw_buf_put_varint(s, m->start);
	rw_buf_put_varint(s, m->end);
	rw_buf_put_varint(s, m->offset);
	rw_buf_put_varint(s, m->prot);
	rw_buf_put_varint(s, m->flags);
	rw_buf_put_u8(s, m->kind);
	rw_buf_put_u64(s, m->hash.lo);
	rw_buf_put_u64(s, m->hash.hi);
	rw_buf_put_varint(s, m->file_size);
	rw_buf_put_varint(s, m->dev);
	rw_buf_put_varint(s, m->ino);
	rw_buf_put_str(s, m->path ? m->path : "");
}

void trace_event_add_output(struct trace_event_builder *b, int fd, const void *p, size_t len)
{
	rw_buf_put_u8(&b->sections, SEC_OUTPUT);
	rw_buf_put_u8(&b->sections, (uint8_t)fd);
	rw_buf_put_blob(&b->sections, p, len);
}

void trace_event_add_exit(struct trace_event_builder *b, int wait_status)
{
	rw_buf_put_u8(&b->sections, SEC_EXIT);
	rw_buf_put_svarint(&b->sections, wait_status);
}

void trace_event_add_child(struct trace_event_builder *b, uint32_t tid, uint64_t clone_flags)
{
	rw_buf_put_u8(&b->sections, SEC_CHILD);
	rw_buf_put_varint(&b->sections, tid);
	rw_buf_put_varint(&b->sections, clone_flags);
}

void trace_event_add_signal(struct trace_event_builder *b, int signo)
{
	rw_buf_put_u8(&b->sections, SEC_SIGNAL);
	rw_buf_put_varint(&b->sections, (uint64_t)signo);
}

void trace_event_add_runtime(struct trace_event_builder *b, uint64_t us)
{
	rw_buf_put_u8(&b->sections, SEC_RUNTIME);
	rw_buf_put_varint(&b->sections, us);
}

void trace_event_add_ptrace(struct trace_event_builder *b, uint8_t op, uint8_t reach)
{
	rw_buf_put_u8(&b->sections, SEC_PTRACE);
	rw_buf_put_u8(&b->sections, op);
	rw_buf_put_u8(&b->sections, reach);
}

void trace_event_add_expect(struct trace_event_builder *b, uint64_t addr, const void *p,
			    uint64_t len)
{
	rw_buf_put_u8(&b->sections, SEC_EXPECT);
	rw_buf_put_varint(&b->sections, addr);
	rw_buf_put_blob(&b->sections, p, (size_t)len);
}

void trace_event_add_attach(struct trace_event_builder *b, const struct trace_attach *a)
{
	const uint64_t fields[] = {a->tgid,	     a->sigmask,	 a->altstack_sp,
				   a->altstack_flags, a->altstack_size,	 a->robust_head,
				   a->robust_len,     a->rseq_addr,	 a->rseq_len,
				   a->rseq_sig,	     a->brk,		 a->umask,
				   a->personality,    a->stack_cur,	 a->stack_max,
				   a->ctid};

	rw_buf_put_u8(&b->sections, SEC_ATTACH);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		rw_buf_put_varint(&b->sections, fields[i]);
	rw_buf_put_varint(&b->sections, a->nactions);
	for (uint32_t i = 0; i < a->nactions && i < 64; i++) {
		rw_buf_put_varint(&b->sections, a->actions[i].signo);
		rw_buf_put_varint(&b->sections, a->actions[i].handler);
		rw_buf_put_varint(&b->sections, a->actions[i].flags);
		rw_buf_put_varint(&b->sections, a->actions[i].restorer);
		rw_buf_put_varint(&b->sections, a->actions[i].mask);
	}
}

static int decode_attach(struct rw_cursor *c, struct trace_attach *a)
{
	uint64_t *fields[] = {NULL,	       &a->sigmask,	 &a->altstack_sp,
			      &a->altstack_flags, &a->altstack_size, &a->robust_head,
			      &a->robust_len,	       &a->rseq_addr};

	memset(a, 0, sizeof(*a));
	a->tgid = (uint32_t)rw_get_varint(c);
	for (size_t i = 1; i < sizeof(fields) / sizeof(fields[0]); i++)
		*fields[i] = rw_get_varint(c);
	a->rseq_len = (uint32_t)rw_get_varint(c);
	a->rseq_sig = (uint32_t)rw_get_varint(c);
	a->brk = rw_get_varint(c);
	a->umask = (uint32_t)rw_get_varint(c);
	a->personality = (uint32_t)rw_get_varint(c);
	a->stack_cur = rw_get_varint(c);
	a->stack_max = rw_get_varint(c);
	a->ctid = rw_get_varint(c);
	a->nactions = (uint32_t)rw_get_varint(c);
	if (c->bad || a->nactions > 64)
		return -1;
	for (uint32_t i = 0; i < a->nactions; i++) {
		a->actions[i].signo = (uint32_t)rw_get_varint(c);
		a->actions[i].handler = rw_get_varint(c);
		a->actions[i].flags = rw_get_varint(c);
		a->actions[i].restorer = rw_get_varint(c);
		a->actions[i].mask = rw_get_varint(c);
		if (a->actions[i].signo == 0 || a->actions[i].signo > 64)
			return -1;
	}
	return c->bad ? -1 : 0;
}

void trace_event_builder_load(struct trace_event_builder *b, const struct trace_event *ev)
{
	trace_event_begin(b, ev->seq, ev->tid, ev->kind, ev->regs);
	b->flags = ev->flags;
	if (ev->sysno >= 0)
		trace_event_add_sysno(b, ev->sysno);
	for (int i = 0; i < 6; i++)
		if (ev->strings[i])
			trace_event_add_string(b, i, ev->strings[i]);
	for (size_t i = 0; i < ev->nxblocks; i++)
		trace_event_add_xblock(b, ev->xblocks[i].block, ev->xblocks[i].data,
				       ev->xblocks[i].len);
	for (size_t i = 0; i < ev->nmaps; i++)
		trace_event_add_map(b, &ev->maps[i]);
	for (size_t i = 0; i < ev->nmem; i++)
		trace_event_add_mem(b, ev->mem[i].addr, ev->mem[i].data, ev->mem[i].len);
	if (ev->output_fd)
		trace_event_add_output(b, ev->output_fd, ev->output, ev->output_len);
	if (ev->kind == EV_EXIT)
		trace_event_add_exit(b, ev->exit_status);
	if (ev->kind == EV_SIGNAL)
		trace_event_add_signal(b, ev->signo);
	if (ev->kind == EV_CLONE)
		trace_event_add_child(b, ev->child_tid, ev->clone_flags);
	if (ev->kind == EV_PTRACE) {
		if (ev->signo)
			trace_event_add_signal(b, ev->signo);
		trace_event_add_ptrace(b, ev->ptrace_op, ev->ptrace_reach);
	}
	if (ev->siginfo)
		trace_event_add_siginfo(b, ev->siginfo, ev->siginfo_len);
	for (size_t i = 0; i < ev->nexpect; i++)
		trace_event_add_expect(b, ev->expect[i].addr, ev->expect[i].data, ev->expect[i].len);
	if (ev->attach)
		trace_event_add_attach(b, ev->attach);
	if (ev->runtime_us)
		trace_event_add_runtime(b, ev->runtime_us);
}

void trace_event_add_siginfo(struct trace_event_builder *b, const void *siginfo, size_t len)
{
	rw_buf_put_u8(&b->sections, SEC_SIGINFO);
	rw_buf_put_blob(&b->sections, siginfo, len);
}

void trace_event_encode(const struct trace_event_builder *b, struct trace_regs_history *h,
			struct rw_buf *out)
{
	uint64_t *prev = history_slot(h, b->tid);
	uint32_t mask = 0;

	for (int i = 0; i < TRACE_NREGS; i++)
		if (prev[i] != b->regs[i])
			mask |= 1u << i;
	rw_buf_put_varint(out, b->seq);
	rw_buf_put_varint(out, b->tid);
	rw_buf_put_u8(out, b->kind);
	rw_buf_put_varint(out, b->flags);
	rw_buf_put_varint(out, mask);
	for (int i = 0; i < TRACE_NREGS; i++)
		if (mask & (1u << i))
			rw_buf_put_varint(out, b->regs[i] ^ prev[i]);
	memcpy(prev, b->regs, sizeof(b->regs));
	rw_buf_put(out, b->sections.data, b->sections.len);
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	while (*cap < need)
		*cap *= 2;
	p = xrealloc(p, *cap * elem);
	return p;
}

void trace_event_arena_init(struct trace_event_arena *a)
{
	memset(a, 0, sizeof(*a));
	rw_buf_init(&a->strings);
}

void trace_event_arena_free(struct trace_event_arena *a)
{
	rw_buf_free(&a->strings);
	free(a->mem);
	free(a->maps);
	free(a->xblocks);
	free(a->expect);
	trace_event_arena_init(a);
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -EBADMSG;
}

/*
 * Strings are copied NUL-terminated into the arena; their pointers are only
 * set once decoding is done, as the arena may move while it grows.
 */
static uintptr_t arena_string(struct trace_event_arena *a, const uint8_t *p, size_t n)
{
	size_t off = a->strings.len;

	rw_buf_put(&a->strings, p, n);
	rw_buf_put_u8(&a->strings, 0);
	return off;
}

static int decode_map(struct rw_cursor *c, struct trace_event_arena *a, struct trace_map *m,
		      uintptr_t *path_off)
{
	size_t n;
	const uint8_t *p;

	m->start = rw_get_varint(c);
	m->end = rw_get_varint(c);
	m->offset = rw_get_varint(c);
	m->prot = (uint32_t)rw_get_varint(c);
	m->flags = (uint32_t)rw_get_varint(c);
	m->kind = rw_get_u8(c);
	m->hash.lo = rw_get_u64(c);
	m->hash.hi = rw_get_u64(c);
	m->file_size = rw_get_varint(c);
	m->dev = rw_get_varint(c);
	m->ino = rw_get_varint(c);
	p = rw_get_blob(c, &n);
	m->path = NULL;
	if (c->bad || m->end <= m->start || (m->start & 4095) || (m->end & 4095))
		return -1;
	*path_off = arena_string(a, p, n);
	return 0;
}

/* A section that appends an item to one of the event's lists (in the arena). */
static int decode_list_section(struct rw_cursor *c, uint8_t tag, struct trace_event_arena *a,
			       struct trace_event *ev, uintptr_t string_off[6], uintptr_t *map_off,
			       char *err, size_t errlen)
{
	const uint8_t *p;
	uint64_t addr;
	uint8_t which;
	size_t n;

	switch (tag) {
	case SEC_MEM:
	case SEC_EXPECT: {
		struct trace_mem **list = tag == SEC_MEM ? &a->mem : &a->expect;
		size_t *cap = tag == SEC_MEM ? &a->mem_cap : &a->expect_cap;
		size_t *count = tag == SEC_MEM ? &ev->nmem : &ev->nexpect;

		addr = rw_get_varint(c);
		p = rw_get_blob(c, &n);
		if (c->bad || *count >= MAX_SECTION_ITEMS)
			return fail(err, errlen,
				    tag == SEC_MEM ? "bad memory section"
						   : "bad expected-memory section");
		*list = grow(*list, cap, *count + 1, sizeof(**list));
		(*list)[(*count)++] = (struct trace_mem){addr, n, p};
		return 0;
	}
	case SEC_STRING:
		which = rw_get_u8(c);
		p = rw_get_blob(c, &n);
		if (c->bad || which >= 6)
			return fail(err, errlen, "bad string section");
		string_off[which] = arena_string(a, p, n) + 1;
		return 0;
	case SEC_XBLOCK:
		which = rw_get_u8(c);
		p = rw_get_blob(c, &n);
		if (c->bad || ev->nxblocks >= 64)
			return fail(err, errlen, "bad XSAVE section");
		a->xblocks =
		    grow(a->xblocks, &a->xblocks_cap, ev->nxblocks + 1, sizeof(*a->xblocks));
		a->xblocks[ev->nxblocks++] = (struct trace_xblock){which, (uint32_t)n, p};
		return 0;
	default: /* SEC_MAP */
		if (ev->nmaps >= MAX_SECTION_ITEMS)
			return fail(err, errlen, "too many maps");
		a->maps = grow(a->maps, &a->maps_cap, ev->nmaps + 1, sizeof(*a->maps));
		if (decode_map(c, a, &a->maps[ev->nmaps], &map_off[0]) < 0)
			return fail(err, errlen, "bad map section");
		/* map_off[0] is scratch: the caller keeps offsets per map. */
		ev->nmaps++;
		return 1;
	}
}

/* A section that sets fields of the event. */
static int decode_field_section(struct rw_cursor *c, uint8_t tag, struct trace_event_arena *a,
				struct trace_event *ev, char *err, size_t errlen)
{
	switch (tag) {
	case SEC_SYSNO:
		ev->sysno = (long)rw_get_svarint(c);
		return 0;
	case SEC_EXIT:
		ev->exit_status = (int)rw_get_svarint(c);
		return 0;
	case SEC_OUTPUT:
		ev->output_fd = rw_get_u8(c);
		ev->output = rw_get_blob(c, &ev->output_len);
		return 0;
	case SEC_SIGNAL:
		ev->signo = (int)rw_get_varint(c);
		return 0;
	case SEC_SIGINFO:
		ev->siginfo = rw_get_blob(c, &ev->siginfo_len);
		return 0;
	case SEC_CHILD:
		ev->child_tid = (uint32_t)rw_get_varint(c);
		ev->clone_flags = rw_get_varint(c);
		return 0;
	case SEC_PTRACE:
		ev->ptrace_op = rw_get_u8(c);
		ev->ptrace_reach = rw_get_u8(c);
		if (c->bad || ev->ptrace_op < PTRACE_OP_STOP || ev->ptrace_op > PTRACE_OP_RESUME ||
		    ev->ptrace_reach > PTRACE_REACH_STEP)
			return fail(err, errlen, "bad ptrace section");
		return 0;
	case SEC_RUNTIME:
		ev->runtime_us = rw_get_varint(c);
		return c->bad ? fail(err, errlen, "bad runtime section") : 0;
	case SEC_ATTACH:
		if (ev->attach || decode_attach(c, &a->attach) < 0)
			return fail(err, errlen, "bad attach section");
		ev->attach = &a->attach;
		return 0;
	default:
		snprintf(err, errlen, "unknown event section %u", tag);
		return -EBADMSG;
	}
}

/* One section of an event: 0, 1 after a map (its strings are placed later), or -EBADMSG. */
static int decode_section(struct rw_cursor *c, struct trace_event_arena *a, struct trace_event *ev,
			  uintptr_t string_off[6], uintptr_t *map_off, char *err, size_t errlen)
{
	uint8_t tag = rw_get_u8(c);

	switch (tag) {
	case SEC_MEM:
	case SEC_EXPECT:
	case SEC_STRING:
	case SEC_XBLOCK:
	case SEC_MAP:
		return decode_list_section(c, tag, a, ev, string_off, map_off, err, errlen);
	default:
		return decode_field_section(c, tag, a, ev, err, errlen);
	}
}

int trace_event_peek_seq(const uint8_t *payload, size_t len, uint64_t *seq)
{
	struct rw_cursor c;

	rw_cursor_init(&c, payload, len);
	*seq = rw_get_varint(&c);
	return c.bad ? -EBADMSG : 0;
}

int trace_event_decode(const uint8_t *payload, size_t len, struct trace_regs_history *h,
		       struct trace_event_arena *a, struct trace_event *ev, char *err,
		       size_t errlen)
{
	struct rw_cursor c;
	uint64_t *prev;
	uint32_t mask;
	uintptr_t string_off[6] = {0};
	uintptr_t *map_offs = NULL;
	size_t map_offs_cap = 0;
	int ret = 0;

	rw_cursor_init(&c, payload, len);
	memset(ev, 0, sizeof(*ev));
	ev->sysno = -1;
	ev->seq = rw_get_varint(&c);
	ev->tid = (uint32_t)rw_get_varint(&c);
	ev->kind = rw_get_u8(&c);
	ev->flags = (uint32_t)rw_get_varint(&c);
	mask = (uint32_t)rw_get_varint(&c);
	if (c.bad || ev->kind == 0 || ev->kind >= EV_KIND_MAX || (mask >> TRACE_NREGS))
		return fail(err, errlen, "bad event header");
	prev = history_slot(h, ev->tid);
	for (int i = 0; i < TRACE_NREGS; i++)
		if (mask & (1u << i))
			prev[i] ^= rw_get_varint(&c);
	memcpy(ev->regs, prev, sizeof(ev->regs));

	rw_buf_reset(&a->strings);
	while (!c.bad && rw_cursor_left(&c)) {
		uintptr_t map_off = 0;

		ret = decode_section(&c, a, ev, string_off, &map_off, err, errlen);
		if (ret < 0)
			goto out;
		if (ret == 1) {
			map_offs = grow(map_offs, &map_offs_cap, ev->nmaps, sizeof(*map_offs));
			map_offs[ev->nmaps - 1] = map_off;
		}
		ret = 0;
	}
	if (c.bad) {
		ret = fail(err, errlen, "event section runs past the record");
		goto out;
	}
	for (int i = 0; i < 6; i++)
		if (string_off[i])
			ev->strings[i] = (const char *)a->strings.data + string_off[i] - 1;
	for (size_t i = 0; i < ev->nmaps; i++)
		a->maps[i].path = (const char *)a->strings.data + map_offs[i];
	ev->mem = a->mem;
	ev->maps = a->maps;
	ev->xblocks = a->xblocks;
	ev->expect = a->expect;
out:
	free(map_offs);
	return ret;
}

const char *trace_event_kind_name(int kind)
{
	static const char *const names[] = {"?",      "exec", "syscall-entry", "syscall-exit",
					    "signal", "exit", "rdtsc",	       "signal-handler",
					    "clone",  "sched",	       "ptrace",
					    "thread"};

	return kind > 0 && kind < EV_KIND_MAX ? names[kind] : "?";
}

const char *trace_map_kind_name(int kind)
{
	static const char *const names[] = {"anon", "file", "stack",	  "vdso",
					    "vvar", "heap", "rewind-page"};

	return kind >= 0 && kind <= MAPK_INJECT ? names[kind] : "?";
}

void trace_blob_encode(struct rw_buf *out, struct rw_hash hash, uint64_t total, uint64_t offset,
		       const void *data, size_t len)
{
	rw_buf_put_u64(out, hash.lo);
	rw_buf_put_u64(out, hash.hi);
	rw_buf_put_varint(out, total);
	rw_buf_put_varint(out, offset);
	rw_buf_put(out, data, len);
}

int trace_blob_decode(const uint8_t *payload, size_t len, struct rw_hash *hash, uint64_t *total,
		      uint64_t *offset, const uint8_t **data, size_t *data_len)
{
	struct rw_cursor c;

	rw_cursor_init(&c, payload, len);
	hash->lo = rw_get_u64(&c);
	hash->hi = rw_get_u64(&c);
	*total = rw_get_varint(&c);
	*offset = rw_get_varint(&c);
	if (c.bad || *offset > *total || rw_cursor_left(&c) > *total - *offset)
		return -EBADMSG;
	*data = c.p;
	*data_len = rw_cursor_left(&c);
	return 0;
}

void trace_files_encode(struct rw_buf *out, const struct trace_stored_file *files, size_t n)
{
	rw_buf_put_varint(out, n);
	for (size_t i = 0; i < n; i++) {
		const struct trace_stored_file *f = &files[i];

		rw_buf_put_u64(out, f->hash.lo);
		rw_buf_put_u64(out, f->hash.hi);
		rw_buf_put_varint(out, f->size);
		rw_buf_put_varint(out, f->first_record);
		rw_buf_put_varint(out, f->records);
		rw_buf_put_blob(out, f->path, strlen(f->path));
	}
}

void trace_files_free(struct trace_stored_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].path);
	free(files);
}

int trace_files_decode(const uint8_t *payload, size_t len, struct trace_stored_file **files,
		       size_t *n)
{
	struct rw_cursor c;
	uint64_t count;
	struct trace_stored_file *out;
	size_t got = 0;

	rw_cursor_init(&c, payload, len);
	count = rw_get_varint(&c);
	/* An entry takes at least 20 bytes: a bound before allocating. */
	if (c.bad || count > rw_cursor_left(&c) / 20)
		return -EBADMSG;
	out = calloc(count ? count : 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (; got < count; got++) {
		struct trace_stored_file *f = &out[got];
		const uint8_t *path;
		size_t plen;

		f->hash.lo = rw_get_u64(&c);
		f->hash.hi = rw_get_u64(&c);
		f->size = rw_get_varint(&c);
		f->first_record = rw_get_varint(&c);
		f->records = rw_get_varint(&c);
		path = rw_get_blob(&c, &plen);
		if (c.bad || (plen && memchr(path, 0, plen)) ||
		    f->first_record + f->records < f->records)
			break;
		f->path = xstrndup((const char *)path, plen);
	}
	if (got < count) {
		trace_files_free(out, got);
		return -EBADMSG;
	}
	*files = out;
	*n = got;
	return 0;
}

int trace_read_file_table(struct trace_reader *rd, struct trace_stored_file **files, size_t *n)
{
	uint64_t nchunks = trace_reader_indexed_chunks(rd);
	int ret;

	if (!nchunks || trace_reader_seek_chunk(rd, nchunks - 1) < 0 ||
	    trace_reader_load_chunk(rd) <= 0)
		return -ENOENT;
	while (trace_reader_chunk_left(rd)) {
		uint32_t kind;
		const uint8_t *p;
		size_t len;

		if ((ret = trace_reader_next(rd, &kind, &p, &len)) <= 0)
			return ret ? ret : -ENOENT;
		if (kind == TRACE_REC_FILES)
			return trace_files_decode(p, len, files, n);
	}
	return -ENOENT;
}
