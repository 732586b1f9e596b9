/*
 * A line of progress on stderr for long work (a whole replay, a seek, a
 * step back through the history): the event reached and the one the work
 * goes to, rewritten in place with \r. Shown only when stderr is a
 * terminal, and only once the work has taken a second
 * (REWIND_PROGRESS_AFTER_MS sets another delay); the line is cleared when
 * the work ends.
 */
#ifndef REWIND_COMMON_PROGRESS_H
#define REWIND_COMMON_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct rw_progress {
	const char *what; /* "replaying", say */
	uint64_t end;	  /* the event the work goes to (0: not known) */
	uint64_t next_ns; /* when the line may be shown or rewritten next */
	bool on;	  /* stderr is a terminal */
	bool shown;	  /* the line is on the terminal */
};

void rw_progress_begin(struct rw_progress *p, const char *what, uint64_t end);
/* The work is at event `event`. */
void rw_progress_note(struct rw_progress *p, uint64_t event);
/* Clears the line, if it was shown. */
void rw_progress_end(struct rw_progress *p);
/* Other output comes: the line of the work under way, if shown, is cleared (and comes back). */
void rw_progress_interrupt(void);

#endif
