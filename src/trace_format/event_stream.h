/*
 * Reading a trace's events in order, for every part of rewind that walks a
 * trace (the replayer, dump, info, ps): records come from a source (the
 * trace's reader, or one reading ahead), event records are decoded against
 * the register history their deltas need, stored-file parts go to a
 * callback, and records of kinds this version does not know are passed over.
 */
#ifndef REWIND_TRACE_FORMAT_EVENT_STREAM_H
#define REWIND_TRACE_FORMAT_EVENT_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "trace_format/event.h"
#include "trace_format/trace.h"

/* Where a stream's records come from. */
struct trace_record_source {
	/* The next record: the contract of trace_reader_next. */
	int (*next)(void *arg, uint32_t *kind, const uint8_t **payload, size_t *len);
	/* The index in the trace of the record next returned last. */
	uint64_t (*index)(void *arg);
	void *arg;
};

struct trace_event_stream {
	const char *path; /* the trace, for messages */
	struct trace_record_source src;
	struct trace_regs_history history;
	struct trace_event_arena arena;
	uint64_t record; /* the index of the event read last's record */
	/*
	 * If set, gets a copy of the history as it was before the event read
	 * last: with the record's index, what reading that event again needs.
	 */
	struct trace_regs_history *before;
	/* Called with each part of a stored file, if set; a negative return ends the read. */
	int (*on_blob)(void *arg, const uint8_t *payload, size_t len);
	void *blob_arg;
};

/* The trace's own reader as a source. */
struct trace_record_source trace_reader_source(struct trace_reader *r);
void trace_event_stream_init(struct trace_event_stream *s, const char *path,
			     struct trace_record_source src);
/*
 * Reads the next event into *ev (its pointers valid until the next call):
 * 1, 0 at the end of the trace, or a negative errno after printing what
 * failed (a corrupt event names its record).
 */
int trace_event_stream_next(struct trace_event_stream *s, struct trace_event *ev);
void trace_event_stream_free(struct trace_event_stream *s);

#endif
