/*
 * Unit tests of event records (src/trace_format/event.c) with several
 * tasks: events of different tids interleave and each decodes with its own
 * register history; EV_CLONE carries the child's tid and clone flags;
 * EV_SCHED carries its pages; a child section cut short is an error; the
 * stored-files table round-trips and a damaged one is refused; the event
 * stream (event_stream.c) gives the events of a run of records in order,
 * stored-file parts to its callback, passes over unknown kinds, and keeps
 * the history before the event it read.
 *
 * Prints each failure and exits non-zero if there was any.
 */
#include "trace_format/event.h"
#include "trace_format/event_stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL test_event_codec.c:%d: ", __LINE__);                 \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

struct recorded {
	uint32_t tid;
	uint8_t kind;
	uint64_t regs[TRACE_NREGS];
	uint32_t child;
	uint64_t flags;
	uint8_t page[64];
	bool has_page;
};

static void fill_regs(uint64_t regs[TRACE_NREGS], uint32_t tid, int step)
{
	for (int i = 0; i < TRACE_NREGS; i++)
		regs[i] = (uint64_t)tid * 1000003u + (uint64_t)(i * 7 + step % 3) * 0x10001u;
}

/* A parent and two children, interleaved as a schedule would make them. */
static size_t make_events(struct recorded *ev)
{
	static const struct {
		uint32_t tid;
		uint8_t kind;
	} plan[] = {
	    {100, EV_EXEC},	     {100, EV_SYSCALL_ENTRY}, {100, EV_CLONE},
	    {101, EV_SYSCALL_ENTRY}, {100, EV_SYSCALL_EXIT},  {101, EV_SCHED},
	    {100, EV_CLONE},	     {102, EV_SYSCALL_ENTRY}, {101, EV_SYSCALL_EXIT},
	    {102, EV_EXIT},	     {101, EV_EXIT},	      {100, EV_EXIT},
	};
	size_t n = sizeof(plan) / sizeof(plan[0]);

	for (size_t i = 0; i < n; i++) {
		memset(&ev[i], 0, sizeof(ev[i]));
		ev[i].tid = plan[i].tid;
		ev[i].kind = plan[i].kind;
		fill_regs(ev[i].regs, plan[i].tid, (int)i);
		if (ev[i].kind == EV_CLONE) {
			ev[i].child = i == 2 ? 101 : 102;
			ev[i].flags = i == 2 ? 0x3d0f00 : 0x4111; /* a thread; a vfork */
		}
		if (ev[i].kind == EV_SCHED) {
			ev[i].has_page = true;
			for (size_t b = 0; b < sizeof(ev[i].page); b++)
				ev[i].page[b] = (uint8_t)(b * 13 + i);
		}
	}
	return n;
}

static void test_interleaved_tasks(void)
{
	struct recorded ev[16];
	size_t n = make_events(ev);
	struct trace_event_builder b;
	struct trace_regs_history wh = {0}, rh = {0};
	struct trace_event_arena arena;
	struct rw_buf enc[16];
	char err[128];

	trace_event_builder_init(&b);
	trace_event_arena_init(&arena);
	for (size_t i = 0; i < n; i++) {
		rw_buf_init(&enc[i]);
		trace_event_begin(&b, i, ev[i].tid, ev[i].kind, ev[i].regs);
		if (ev[i].kind == EV_CLONE)
			trace_event_add_child(&b, ev[i].child, ev[i].flags);
		if (ev[i].has_page) {
			b.flags |= EVF_EXEC_POINT;
			trace_event_add_mem(&b, 0x7000, ev[i].page, sizeof(ev[i].page));
			trace_event_add_runtime(&b, 123456789 + i);
		}
		if (ev[i].kind == EV_EXIT)
			trace_event_add_exit(&b, (int)ev[i].tid << 8);
		trace_event_encode(&b, &wh, &enc[i]);
	}
	for (size_t i = 0; i < n; i++) {
		struct trace_event d;
		int ret =
		    trace_event_decode(enc[i].data, enc[i].len, &rh, &arena, &d, err, sizeof(err));

		CHECK(ret == 0, "event %zu: decode failed: %s", i, err);
		if (ret)
			continue;
		CHECK(d.seq == i && d.tid == ev[i].tid && d.kind == ev[i].kind,
		      "event %zu: seq %llu tid %u kind %u", i, (unsigned long long)d.seq, d.tid,
		      d.kind);
		CHECK(!memcmp(d.regs, ev[i].regs, sizeof(d.regs)),
		      "event %zu (tid %u): registers differ after the delta decoding", i, d.tid);
		if (ev[i].kind == EV_CLONE)
			CHECK(d.child_tid == ev[i].child && d.clone_flags == ev[i].flags,
			      "event %zu: child %u flags 0x%llx", i, d.child_tid,
			      (unsigned long long)d.clone_flags);
		if (ev[i].has_page)
			CHECK(d.nmem == 1 && d.mem[0].addr == 0x7000 &&
				  d.mem[0].len == sizeof(ev[i].page) &&
				  !memcmp(d.mem[0].data, ev[i].page, sizeof(ev[i].page)) &&
				  (d.flags & EVF_EXEC_POINT) && d.runtime_us == 123456789 + i,
			      "event %zu: EV_SCHED pages, flags or CPU time lost", i);
		if (!ev[i].has_page)
			CHECK(!d.runtime_us, "event %zu: a CPU time it was not given", i);
		if (ev[i].kind == EV_EXIT)
			CHECK(d.exit_status == (int)ev[i].tid << 8, "event %zu: exit status 0x%x",
			      i, d.exit_status);
		CHECK(strcmp(trace_event_kind_name(d.kind), "?") != 0,
		      "event %zu: kind %u has no name", i, d.kind);
	}
	/* A child section cut short: the event is refused, not read past its end. */
	{
		struct rw_buf cut;
		struct trace_regs_history h = {0};
		struct trace_event d;

		rw_buf_init(&cut);
		rw_buf_put(&cut, enc[2].data, enc[2].len - 1);
		CHECK(trace_event_decode(cut.data, cut.len, &h, &arena, &d, err, sizeof(err)) < 0,
		      "an EV_CLONE with its child section cut short decoded");
		rw_buf_free(&cut);
		trace_regs_history_free(&h);
	}
	CHECK(!strcmp(trace_event_kind_name(EV_CLONE), "clone") &&
		  !strcmp(trace_event_kind_name(EV_SCHED), "sched"),
	      "kind names: %s, %s", trace_event_kind_name(EV_CLONE),
	      trace_event_kind_name(EV_SCHED));
	for (size_t i = 0; i < n; i++)
		rw_buf_free(&enc[i]);
	trace_event_builder_free(&b);
	trace_event_arena_free(&arena);
	trace_regs_history_free(&wh);
	trace_regs_history_free(&rh);
}

/* The stored-files table: a round trip, and refusals of a cut or altered payload. */
static void test_file_table(void)
{
	struct trace_stored_file in[3] = {
	    {{1, 2}, 2000000, 5, 2, "/usr/lib/x86_64-linux-gnu/libc.so.6"},
	    {{0xffffffffffffffffull, 7}, 0, 9, 1, ""},
	    {{3, 4}, 300, 300000, 1, "/tmp/a b"},
	};
	struct trace_stored_file *out = NULL;
	struct rw_buf b;
	size_t n = 0;

	rw_buf_init(&b);
	trace_files_encode(&b, in, 3);
	CHECK(trace_files_decode(b.data, b.len, &out, &n) == 0 && n == 3, "table: decode");
	for (size_t i = 0; out && i < n; i++)
		CHECK(out[i].hash.lo == in[i].hash.lo && out[i].hash.hi == in[i].hash.hi &&
			  out[i].size == in[i].size && out[i].first_record == in[i].first_record &&
			  out[i].records == in[i].records && !strcmp(out[i].path, in[i].path),
		      "table: entry %zu differs", i);
	trace_files_free(out, n);
	for (size_t cut = 0; cut < b.len; cut++) {
		out = NULL;
		CHECK(trace_files_decode(b.data, cut, &out, &n) == -EBADMSG && !out,
		      "table: cut at %zu bytes of %zu decoded", cut, b.len);
	}
	/* A NUL inside a path. */
	b.data[b.len - 3] = 0;
	out = NULL;
	CHECK(trace_files_decode(b.data, b.len, &out, &n) == -EBADMSG && !out,
	      "table: a path with a NUL decoded");
	/* A count larger than the payload can hold. */
	rw_buf_reset(&b);
	rw_buf_put_varint(&b, 1000000);
	CHECK(trace_files_decode(b.data, b.len, &out, &n) == -EBADMSG, "table: count 1000000");
	rw_buf_free(&b);
}

/* Records handed out one by one, as a trace reader would. */
struct fake_source {
	struct {
		uint32_t kind;
		struct rw_buf payload;
	} rec[8];
	size_t n, next;
};

static int fake_next(void *arg, uint32_t *kind, const uint8_t **payload, size_t *len)
{
	struct fake_source *f = arg;

	if (f->next == f->n)
		return 0;
	*kind = f->rec[f->next].kind;
	*payload = f->rec[f->next].payload.data;
	*len = f->rec[f->next].payload.len;
	f->next++;
	return 1;
}

static uint64_t fake_index(void *arg)
{
	return ((struct fake_source *)arg)->next - 1;
}

static int count_part(void *arg, const uint8_t *payload, size_t len)
{
	(void)payload;
	(void)len;
	++*(int *)arg;
	return 0;
}

static void test_event_stream(void)
{
	struct fake_source f = {.n = 0};
	struct trace_event_builder b;
	struct trace_regs_history wh = {0}, before = {0};
	struct trace_event_stream s;
	struct trace_event ev;
	uint64_t regs[2][TRACE_NREGS];
	int parts = 0;

	trace_event_builder_init(&b);
	for (size_t i = 0; i < 6; i++)
		rw_buf_init(&f.rec[i].payload);
	fill_regs(regs[0], 7, 0);
	fill_regs(regs[1], 7, 1);
	/* A stored file's part, an event, a kind from a newer version, an event, a broken one. */
	f.rec[0].kind = TRACE_REC_BLOB;
	trace_blob_encode(&f.rec[0].payload, (struct rw_hash){0, 0}, 3, 0, "abc", 3);
	for (int i = 0; i < 2; i++) {
		trace_event_begin(&b, (uint64_t)i, 7, EV_SYSCALL_ENTRY, regs[i]);
		trace_event_encode(&b, &wh, &f.rec[1 + 2 * i].payload);
		f.rec[1 + 2 * i].kind = TRACE_REC_EVENT;
	}
	f.rec[2].kind = 99;
	rw_buf_put(&f.rec[2].payload, "x", 1);
	f.rec[4].kind = TRACE_REC_EVENT;
	rw_buf_put(&f.rec[4].payload, f.rec[3].payload.data, 2);
	f.n = 5;
	trace_event_stream_init(&s, "fake",
				(struct trace_record_source){fake_next, fake_index, &f});
	s.on_blob = count_part;
	s.blob_arg = &parts;
	s.before = &before;
	CHECK(trace_event_stream_next(&s, &ev) == 1 && ev.seq == 0 && s.record == 1 && parts == 1,
	      "stream: first event seq %llu record %llu, %d stored parts",
	      (unsigned long long)ev.seq, (unsigned long long)s.record, parts);
	CHECK(trace_event_stream_next(&s, &ev) == 1 && ev.seq == 1 && s.record == 3 &&
		  !memcmp(ev.regs, regs[1], sizeof(ev.regs)),
	      "stream: second event seq %llu record %llu or its registers",
	      (unsigned long long)ev.seq, (unsigned long long)s.record);
	CHECK(before.n == 1 && !memcmp(before.threads[0].regs, regs[0], sizeof(regs[0])),
	      "stream: the history before the second event is not the first event's");
	fprintf(stderr, "test_event_codec: an error about record 4 is expected here:\n");
	CHECK(trace_event_stream_next(&s, &ev) < 0, "stream: a cut event record decoded");
	f.n = f.next;
	CHECK(trace_event_stream_next(&s, &ev) == 0, "stream: no end after the last record");
	trace_event_stream_free(&s);
	trace_regs_history_free(&before);
	trace_regs_history_free(&wh);
	trace_event_builder_free(&b);
	for (size_t i = 0; i < 6; i++)
		rw_buf_free(&f.rec[i].payload);
}

int main(void)
{
	test_interleaved_tasks();
	test_file_table();
	test_event_stream();
	if (failures) {
		fprintf(stderr, "test_event_codec: %d checks failed\n", failures);
		return 1;
	}
	printf("test_event_codec: all checks passed\n");
	return 0;
}
