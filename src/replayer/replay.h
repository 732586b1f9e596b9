/* The replayer as the command line uses it: the only replayer header outside src/replayer/. */
#ifndef REWIND_REPLAYER_REPLAY_H
#define REWIND_REPLAYER_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct replay_options {
	const char *trace_path;
	bool force; /* replay even where the machine check says it may not work */
	/* Under a debugger: the recorded pid of the process it looks at (0: the first one). */
	uint32_t pid;
	/* That process's program, as the recording knew it (NULL: the first program's). */
	const char *exe;
	/* The trace's last event, for the progress shown on a terminal (0: not known). */
	uint64_t last_event;
};

/*
 * Replays the whole trace without a debugger, verifying every event and
 * writing the recorded program's terminal output. Returns 0 when the replay
 * matched the recording to its end, or a negative errno after printing what
 * diverged or failed.
 */
int replay_autopilot(const struct replay_options *o);

/*
 * A replay served to gdb over the remote protocol (gdb_target.c): gdb looks
 * at one process of the recorded tree (options.pid, or the first one), the
 * others being replayed along with it, and can go backwards.
 */
struct gdb_replay;
struct gdb_server;
/*
 * Opens the trace and builds its first program image; *out is NULL on
 * failure. 0 or a negative errno after printing what failed.
 */
int gdb_replay_open(struct gdb_replay **out, const struct replay_options *o);
/* Replays without gdb up to event `event` (the next event to replay). */
int gdb_replay_goto(struct gdb_replay *g, uint64_t event);
/*
 * The history gdb can go back through starts here (where its process
 * starts, say): checkpoints before are dropped. 0 or negative errno.
 */
int gdb_replay_start_history(struct gdb_replay *g);
/* A gdb server on the replay (gdbstub/gdbstub.h). */
struct gdb_server *gdb_replay_server(struct gdb_replay *g);
/* Ends the replay and frees g. */
void gdb_replay_close(struct gdb_replay *g);

struct trace_event;
/* Bytes at addr from an event's memory sections: how many could be read. */
size_t replay_event_read(const struct trace_event *ev, uint64_t addr, void *buf, size_t len);
/*
 * The program an EV_EXEC event ran: the mapped file holding its entry point
 * (the auxv's AT_ENTRY, above argv and envp on the new stack, as the event
 * stored it). malloc'd, or NULL.
 */
char *replay_exec_program(const struct trace_event *ev);

#endif
