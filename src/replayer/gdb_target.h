/*
 * The replay engine behind the gdb server's target-ops table (gdb_target.c,
 * gdb_procfs.c, gdb_tls.c): internal to src/replayer/. The command line
 * serves a replay through replay.h.
 */
#ifndef REWIND_REPLAYER_GDB_TARGET_H
#define REWIND_REPLAYER_GDB_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "gdbstub/gdbstub.h"
#include "replayer/replay.h"
#include "replayer/replayer.h"
#include "replayer/timeline.h"

#define PATH_MAX_LEN 4096

/*
 * What gdb told the TLS support (gdb_tls.c) through symbol lookups: the
 * addresses of the C library's own descriptions of link_map fields.
 */
#define GDB_REPLAY_TLS_SYMBOLS 2
struct gdb_replay_tls {
	bool known[GDB_REPLAY_TLS_SYMBOLS];
	uint64_t addr[GDB_REPLAY_TLS_SYMBOLS];
};

struct gdb_replay {
	struct replayer r;
	int pid;		/* as recorded: the process gdb looks at */
	char exe[PATH_MAX_LEN]; /* its program */
	char name[32];
	int files[64]; /* vFile handles */
	struct gdb_stop last;
	char note[160]; /* the console line of the last stop (gdb_stop.note) */
	struct gdb_xsave_layout layout;
	struct timeline tl;
	bool killed;
	struct gdb_replay_tls tls;
};

extern const struct gdb_target_ops gdb_replay_ops;
/* qGetTLSAddr and its symbol lookups on a replay (gdb_tls.c). */
extern const struct gdb_tls_ops gdb_replay_tls_ops;

/* The live tracee of the thread gdb knows as tid, or NULL. */
struct tracee *gdb_replay_thread(struct gdb_replay *g, int tid);
/* The auxv the kernel put on the stack at the last exec, after argv and envp. */
long gdb_replay_auxv(struct gdb_replay *g, uint8_t *buf, size_t max);
/*
 * Opens a /proc file of the replayed process as the recording would show
 * it (gdb_procfs.c: its maps, under the recorded pid and tids); returns a
 * file descriptor or a negative errno (-ENOENT for any other path).
 */
int gdb_replay_proc_open(struct gdb_replay *g, const char *path);

#endif
