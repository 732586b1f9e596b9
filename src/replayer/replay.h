/* Public entry of the replayer. */
#ifndef REWIND_REPLAYER_REPLAY_H
#define REWIND_REPLAYER_REPLAY_H

#include <stdbool.h>
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

#endif
