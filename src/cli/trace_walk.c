/* See trace_walk.h. */
#include "cli/trace_walk.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"

int trace_walk_open(struct trace_walk *w, const char *path)
{
	const void *hp;
	size_t hlen;
	int err;

	memset(w, 0, sizeof(*w));
	w->path = path;
	if ((err = trace_reader_open(path, &w->reader)) < 0)
		return err;
	trace_event_stream_init(&w->stream, path, trace_reader_source(w->reader));
	hp = trace_reader_header(w->reader, &hlen);
	if (trace_header_decode(hp, hlen, &w->header) < 0) {
		rw_error("%s: the trace header is corrupt", path);
		return -EBADMSG;
	}
	return 0;
}

int trace_walk_open_named(struct trace_walk *w, const char *arg, char *path_buf, size_t len)
{
	int err;

	memset(w, 0, sizeof(*w));
	if ((err = trace_resolve(arg, path_buf, len)) < 0)
		return err;
	if ((err = trace_walk_open(w, path_buf)) < 0)
		trace_walk_close(w);
	return err;
}

int trace_walk_next(struct trace_walk *w)
{
	return trace_event_stream_next(&w->stream, &w->ev);
}

void trace_walk_close(struct trace_walk *w)
{
	if (w->reader)
		trace_reader_close(w->reader);
	trace_header_free(&w->header);
	trace_event_stream_free(&w->stream);
}

/* Reads up to n records, setting *last to the number of each event met. */
static int scan_events(struct trace_reader *r, uint64_t n, uint64_t *last, bool *found)
{
	uint32_t kind;
	const uint8_t *p;
	size_t len;
	int ret = 0;

	while (n-- && (ret = trace_reader_next(r, &kind, &p, &len)) > 0) {
		if (kind != TRACE_REC_EVENT)
			continue;
		if (trace_event_peek_seq(p, len, last) < 0) {
			rw_error("%s: record %llu: bad event header", trace_reader_path(r),
				 (unsigned long long)trace_reader_record_index(r));
			return -EBADMSG;
		}
		*found = true;
	}
	return ret < 0 ? ret : 0;
}

int trace_last_event(const char *path, uint64_t *last)
{
	struct trace_reader *r;
	uint64_t chunks;
	bool found = false;
	int ret;

	if ((ret = trace_reader_open(path, &r)) < 0)
		return ret;
	/* Records that are no events (the stored-files table) end a trace: go back to one. */
	chunks = trace_reader_indexed_chunks(r);
	for (uint64_t c = chunks; c-- > 0 && !found && ret >= 0;) {
		ret = trace_reader_seek_chunk(r, c);
		if (ret >= 0)
			ret = trace_reader_load_chunk(r);
		if (ret > 0)
			ret = scan_events(r, trace_reader_chunk_left(r), last, &found);
	}
	if (!chunks)
		ret = scan_events(r, UINT64_MAX, last, &found);
	trace_reader_close(r);
	if (ret < 0)
		return ret;
	if (!found) {
		rw_error("%s: the trace holds no events", path);
		return -ENODATA;
	}
	return 0;
}
