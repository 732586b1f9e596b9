/* Public entry of the replayer. */
#ifndef REWIND_REPLAYER_REPLAY_H
#define REWIND_REPLAYER_REPLAY_H

#include <stdbool.h>

struct replay_options {
	const char *trace_path;
	bool force; /* replay even where the machine check says it may not work */
};

/*
 * Replays the whole trace without a debugger, verifying every event and
 * writing the recorded program's terminal output. Returns 0 when the replay
 * matched the recording to its end, or a negative errno after printing what
 * diverged or failed.
 */
int replay_autopilot(const struct replay_options *o);

#endif
