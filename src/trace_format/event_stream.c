/* See event_stream.h. */
#include "trace_format/event_stream.h"

#include <errno.h>
#include <string.h>

#include "common/log.h"

static int reader_next(void *arg, uint32_t *kind, const uint8_t **payload, size_t *len)
{
	return trace_reader_next(arg, kind, payload, len);
}

static uint64_t reader_index(void *arg)
{
	return trace_reader_record_index(arg);
}

struct trace_record_source trace_reader_source(struct trace_reader *r)
{
	return (struct trace_record_source){reader_next, reader_index, r};
}

void trace_event_stream_init(struct trace_event_stream *s, const char *path,
			     struct trace_record_source src)
{
	memset(s, 0, sizeof(*s));
	s->path = path;
	s->src = src;
	trace_event_arena_init(&s->arena);
}

int trace_event_stream_next(struct trace_event_stream *s, struct trace_event *ev)
{
	for (;;) {
		char err[256];
		uint32_t kind;
		const uint8_t *p;
		size_t len;
		int ret = s->src.next(s->src.arg, &kind, &p, &len);

		if (ret <= 0)
			return ret;
		if (kind == TRACE_REC_BLOB) {
			if (s->on_blob && (ret = s->on_blob(s->blob_arg, p, len)) < 0)
				return ret;
			continue;
		}
		if (kind != TRACE_REC_EVENT)
			continue; /* a newer minor version's record */
		if (s->before && trace_regs_history_copy(s->before, &s->history) < 0)
			return -ENOMEM;
		s->record = s->src.index(s->src.arg);
		ret = trace_event_decode(p, len, &s->history, &s->arena, ev, err, sizeof(err));
		if (ret < 0) {
			rw_error("%s: record %llu: %s", s->path, (unsigned long long)s->record,
				 err);
			return ret;
		}
		return 1;
	}
}

void trace_event_stream_free(struct trace_event_stream *s)
{
	trace_regs_history_free(&s->history);
	trace_event_arena_free(&s->arena);
}
