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

#define GDB_DIVERT_MAX_BPS 32

/* gdb calling a function of the program, in a throwaway copy of one thread (gdb_divert.c). */
struct gdb_diversion {
	bool on;
	int tid;		  /* the thread's recorded tid */
	struct tracee t;	  /* its copy */
	uint64_t regs0[X86_NREGS]; /* the thread's registers where the copy was made */
	bool wrote_memory;
	bool ran; /* a call ran in it (not only a `set var`) */
	int nbps; /* gdb's breakpoints, in the copy's memory */
	struct {
		uint64_t addr;
		uint8_t orig;
	} bps[GDB_DIVERT_MAX_BPS];
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
	struct gdb_diversion div;
};

extern const struct gdb_target_ops gdb_replay_ops;
/* qGetTLSAddr and its symbol lookups on a replay (gdb_tls.c). */
extern const struct gdb_tls_ops gdb_replay_tls_ops;

/* The copy a call runs in, when tid is its thread (or tid <= 0); else NULL. */
struct tracee *gdb_divert_tracee(struct gdb_replay *g, int tid);
/* gdb writes registers or memory: into the copy, made first. 0 or negative errno. */
int gdb_divert_set_regs(struct gdb_replay *g, int tid, const uint64_t regs[X86_NREGS]);
int gdb_divert_set_xsave(struct gdb_replay *g, int tid, const uint8_t *buf, size_t len);
int gdb_divert_write_mem(struct gdb_replay *g, int tid, uint64_t addr, const void *buf,
			 size_t len);
/* A breakpoint in the copy's memory. */
int gdb_divert_breakpoint(struct gdb_replay *g, uint64_t addr, bool insert);
/* Runs the copy (one instruction when step) to its next stop. 0 or negative errno. */
int gdb_divert_resume(struct gdb_replay *g, bool step, struct gdb_stop *stop,
		      bool (*poll_interrupt)(void *arg), void *poll_arg);
/* Kills the copy; with why (what ends it), says that memory changes are dropped. */
void gdb_divert_end(struct gdb_replay *g, const char *why);
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
