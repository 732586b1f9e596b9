/* Reading a whole trace from the command line: header, then every event in order. */
#ifndef REWIND_CLI_TRACE_WALK_H
#define REWIND_CLI_TRACE_WALK_H

#include <stdint.h>

#include "trace_format/event.h"
#include "trace_format/event_stream.h"
#include "trace_format/header.h"
#include "trace_format/trace.h"

struct trace_walk {
	const char *path;
	struct trace_reader *reader;
	struct trace_header header;
	/* The events, read by the trace's own reader; its on_blob may be set. */
	struct trace_event_stream stream;
	struct trace_event ev;
};

int trace_walk_open(struct trace_walk *w, const char *path);
/*
 * Resolves the trace named on the command line (NULL: the latest) into
 * path_buf and opens it; on failure the walk is already closed.
 */
int trace_walk_open_named(struct trace_walk *w, const char *arg, char *path_buf, size_t len);
/* 1 with w->ev set, 0 at the end, negative after printing why. */
int trace_walk_next(struct trace_walk *w);
void trace_walk_close(struct trace_walk *w);

/*
 * The number of the last event of the trace at path (events are numbered
 * from 0), read from its last chunks through the index footer, or from
 * every record in a trace without one. 0, or a negative errno after
 * printing why (-ENODATA: no event at all).
 */
int trace_last_event(const char *path, uint64_t *last);

#endif
