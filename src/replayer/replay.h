/* Public entry of the replayer. */
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
};

/*
 * Replays the whole trace without a debugger, verifying every event and
 * writing the recorded program's terminal output. Returns 0 when the replay
 * matched the recording to its end, or a negative errno after printing what
 * diverged or failed.
 */
int replay_autopilot(const struct replay_options *o);

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
