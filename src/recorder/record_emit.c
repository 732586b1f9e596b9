/*
 * Writing events: the one place an event built in r->eb is encoded and
 * appended to the trace (recorder_emit), the XSAVE blocks that changed,
 * and a task's death. Every handler ends in these.
 */
#define _GNU_SOURCE
#include <string.h>

#include "common/xalloc.h"
#include "recorder/recorder.h"

bool recorder_at_handler_entry(const struct recorder *r, uint32_t tid)
{
	for (size_t i = 0; i < r->nat_handler_entry; i++)
		if (r->at_handler_entry[i] == tid)
			return true;
	return false;
}

/* Keeps the list of threads whose last event is a handler's entry up to date. */
static void note_handler_entry(struct recorder *r)
{
	for (size_t i = 0; i < r->nat_handler_entry; i++)
		if (r->at_handler_entry[i] == r->eb.tid) {
			r->at_handler_entry[i] = r->at_handler_entry[--r->nat_handler_entry];
			break;
		}
	if (r->eb.kind != EV_SIGNAL_HANDLER)
		return;
	if (r->nat_handler_entry == r->at_handler_entry_cap) {
		r->at_handler_entry_cap = r->at_handler_entry_cap ? 2 * r->at_handler_entry_cap : 8;
		r->at_handler_entry = xrealloc(
		    r->at_handler_entry, r->at_handler_entry_cap * sizeof(*r->at_handler_entry));
	}
	r->at_handler_entry[r->nat_handler_entry++] = r->eb.tid;
}

int recorder_emit(struct recorder *r)
{
	int err;

	note_handler_entry(r);
	rw_buf_reset(&r->enc);
	trace_event_encode(&r->eb, &r->history, &r->enc);
	r->seq++;
	err = trace_writer_add(r->writer, TRACE_REC_EVENT, r->enc.data, r->enc.len);
	return err < 0 ? err : 0;
}

int recorder_add_xsave(struct recorder *r, struct recorder_task *t, bool force)
{
	int n = tracee_get_xsave(&t->t, t->xsave_cur, r->xsave_len);
	uint8_t *tmp;

	if (n < 0)
		return n;
	/*
	 * Most syscalls find the area as the previous one left it: one
	 * comparison of the whole area (every block lies inside it) says so.
	 */
	if (!force && t->have_xsave_prev && (size_t)n == t->xsave_prev_len &&
	    !memcmp(t->xsave_cur, t->xsave_prev, (size_t)n))
		return 0;
	for (int b = x86_xsave_next_block(&r->layout, -1); b >= 0;
	     b = x86_xsave_next_block(&r->layout, b)) {
		uint32_t off, len;

		x86_xsave_block_range(&r->layout, b, &off, &len);
		if (off + len > (uint32_t)n)
			continue;
		if (force || !t->have_xsave_prev ||
		    memcmp(t->xsave_cur + off, t->xsave_prev + off, len))
			trace_event_add_xblock(&r->eb, (uint8_t)b, t->xsave_cur + off, len);
	}
	tmp = t->xsave_prev;
	t->xsave_prev = t->xsave_cur;
	t->xsave_cur = tmp;
	t->xsave_prev_len = (size_t)n;
	t->have_xsave_prev = true;
	return 0;
}

int recorder_record_death(struct recorder *r, struct recorder_task *t, int status)
{
	uint64_t regs[X86_NREGS] = {0};

	trace_event_begin(&r->eb, r->seq, (uint32_t)t->t.tid, EV_EXIT, regs);
	/* Registers are gone with the process: repeat the last ones so the delta is empty. */
	for (size_t i = 0; i < r->history.n; i++)
		if (r->history.threads[i].tid == (uint32_t)t->t.tid)
			memcpy(r->eb.regs, r->history.threads[i].regs, sizeof(r->eb.regs));
	trace_event_add_exit(&r->eb, status);
	return recorder_emit(r);
}
