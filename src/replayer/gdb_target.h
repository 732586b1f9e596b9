/* The replay engine behind the gdb server's target-ops table (gdb_target.c). */
#ifndef REWIND_REPLAYER_GDB_TARGET_H
#define REWIND_REPLAYER_GDB_TARGET_H

#include <stdbool.h>

#include "gdbstub/gdbstub.h"
#include "replayer/replayer.h"
#include "replayer/timeline.h"

#define PATH_MAX_LEN 4096

struct gdb_replay {
	struct replayer r;
	int pid; /* as recorded */
	char name[32];
	int files[64]; /* vFile handles */
	struct gdb_stop last;
	struct gdb_xsave_layout layout;
	struct timeline tl;
	bool killed;
};

extern const struct gdb_target_ops gdb_replay_ops;

int gdb_replay_open(struct gdb_replay *g, const struct replay_options *o);
int gdb_replay_goto(struct gdb_replay *g, uint64_t event);
void gdb_replay_close(struct gdb_replay *g);

#endif
