/*
 * The history of a replay as a line of checkpoints, and going backwards
 * along it (timeline.c). Without a hardware counter a point of the history
 * is named by the next event to replay and the registers there; points in
 * one stretch between two events are ordered by the forward runs that
 * found them.
 */
#ifndef REWIND_REPLAYER_TIMELINE_H
#define REWIND_REPLAYER_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "replayer/replayer.h"

/* A point of the history. */
struct timeline_mark {
	uint64_t seq;	/* the next event to replay */
	bool boundary;	/* no program code ran since the event before seq */
	bool at_signal; /* at the delivery stop of the signal event seq */
	bool finished;	/* the program has ended */
	uint32_t tid;	/* the recorded tid of the thread there: the one whose event is next */
	uint64_t regs[X86_NREGS]; /* that thread's */
};

struct timeline_entry {
	struct replay_checkpoint cp;
	struct timeline_mark mark;
	int id;			/* unique, in the order they were taken */
	int number;		/* what the user restarts it by: 0 the start, 1... `checkpoint`'s, -1 none */
	struct replay_stop why; /* the stop it was taken at (a watchpoint's, say) */
	bool user;		/* made by `monitor checkpoint`: never thinned */
};

struct timeline {
	struct replayer *r;
	struct timeline_entry *e; /* in the order of the history */
	int n, cap;
	int cur;	/* the last entry at or before the current point */
	bool cur_exact; /* the current point is entry cur itself */
	int next_id;
	int next_number; /* the next `checkpoint`'s number */
	bool internal;		  /* searching: no periodic checkpoints */
	bool loose_end;		  /* stepping back from the end of the history */
	uint64_t events_since;	  /* events replayed since the last periodic checkpoint */
	uint64_t last_ns;	  /* when the last periodic checkpoint was taken */
	unsigned long long steps; /* instructions stepped by the last reverse step (for tests) */
};

/* What a reverse run stopped at. */
enum timeline_stop {
	TIMELINE_STOP_BREAKPOINT, /* a user breakpoint, the latest hit before the start point */
	TIMELINE_STOP_STEP,	  /* one instruction back */
	TIMELINE_STOP_BEGIN,	  /* the start of the history */
};

/* Starts the timeline of a replay just opened: checkpoint 0 is its start. */
/*
 * Whether the replay has had more than one task: checkpoints (forks of one
 * thread) are then neither taken nor restored.
 */
/* No checkpoint to go back to (none could be taken where the history starts). */
bool timeline_empty(const struct timeline *tl);
/* The history starts here: every checkpoint is dropped and one taken now. 0 or negative errno. */
int timeline_reset(struct timeline *tl);
int timeline_init(struct timeline *tl, struct replayer *r);
void timeline_free(struct timeline *tl);
/* The replay stopped for the debugger after running forward: remembers the point. */
void timeline_note_stop(struct timeline *tl, const struct replay_stop *why);
/*
 * Goes back to the latest user breakpoint or watchpoint hit before now (or
 * the start); *hit says which (REPLAY_STOP_BREAKPOINT or _WATCH).
 */
int timeline_reverse_continue(struct timeline *tl, enum timeline_stop *stop,
			      struct replay_stop *hit);
/* Goes back one instruction (a syscall instruction and its event count as one). */
int timeline_reverse_step(struct timeline *tl, enum timeline_stop *stop);
/* `monitor checkpoint`: a checkpoint here; returns its number (1, 2, ...) or negative errno. */
int timeline_user_checkpoint(struct timeline *tl);
/* `monitor restart N`: back (or forward) to checkpoint N (0: the start); -ENOENT for none. */
int timeline_restart(struct timeline *tl, int number);
/* `monitor delete checkpoint N`: N is no longer the user's (-ENOENT for none, and for 0). */
int timeline_delete(struct timeline *tl, int number);
/* `monitor info checkpoints`: one line per checkpoint. */
void timeline_describe(const struct timeline *tl, char *out, size_t outlen);
/* The current point. */
void timeline_mark_now(const struct timeline *tl, struct timeline_mark *m);

#endif
