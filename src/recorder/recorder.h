/* Recorder internals shared by the files of src/recorder/. */
#ifndef REWIND_RECORDER_RECORDER_H
#define REWIND_RECORDER_RECORDER_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/rseq.h"
#include "arch/x86_64/tracee.h"
#include "common/buf.h"
#include "common/hash.h"
#include "trace_format/event.h"
#include "trace_format/trace.h"

/* rewind's page in every recorded address space: a syscall instruction to inject with. */
#define REWIND_INJECT_PAGE 0x70000000ull

struct stored_file {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	struct rw_hash hash;
};

struct stdio_identity {
	dev_t dev;
	ino_t ino;
	bool valid;
};

struct shared_map {
	uint64_t start, end;
	uint8_t *snapshot;
	size_t valid;
};

struct page_hash {
	uint64_t addr;
	uint64_t hash;
};

struct recorder {
	const char *trace_path;
	struct trace_writer *writer;
	struct tracee t;
	uint64_t seq;
	int cpu;
	struct trace_event_builder eb;
	struct trace_regs_history history;
	struct rw_buf enc;
	struct rw_buf scratch;
	struct x86_xsave_layout layout;
	uint8_t *xsave_prev, *xsave_cur;
	size_t xsave_len;
	size_t xsave_prev_len; /* bytes the kernel gave for xsave_prev */
	bool have_xsave_prev;
	/* Files already stored in the trace, by identity and by content hash. */
	struct stored_file *files;
	size_t nfiles, files_cap;
	struct rw_hash *hashes;
	size_t nhashes, hashes_cap;
	struct stdio_identity out_id[3];
	/* The syscall between its entry and exit stops. */
	long cur_sysno;
	bool cur_emulated;
	bool exec_pending;
	/* MAP_SHARED file mappings watched for changes made through their file. */
	struct shared_map *shared;
	size_t nshared;
	/* Why the syscall in progress could not be recorded if it succeeds, or NULL. */
	const char *cur_unsupported;
	/* No user instruction ran since the last syscall exit (or exec): a signal delivered now is
	 * at a boundary. */
	bool at_boundary;
	uint64_t boundary_regs[X86_NREGS]; /* registers at that exit */
	/* Signals held back until the next syscall exit, oldest first. */
	struct {
		siginfo_t info;
	} held[32];
	size_t nheld;
	bool resend_pending;
	int resend_signo;
	/* Execution points (record_exec_point.c). */
	timer_t limit_timer;
	bool have_timer;
	volatile bool timer_fired;
	bool kick_sent;
	struct page_hash *page_hashes; /* as of the last execution point, sorted */
	size_t npage_hashes;
	/* The syscall a restart_syscall continues. */
	long restart_nr;
	/* rseq registration (emulated: never given to the kernel). */
	struct x86_rseq_area rseq;
};

/* Encodes and appends the event in r->eb. */
int recorder_emit(struct recorder *r);
/* Adds the blocks of the XSAVE area that changed since the last call (all with force). */
int recorder_add_xsave(struct recorder *r, bool force);
/* At the exit stop of an execve: sets up rewind's page, patches the vDSO, records EV_EXEC. */
int recorder_record_exec(struct recorder *r);
/*
 * Stores the file at open_path (/proc/PID/fd/N or /proc/PID/map_files/...)
 * in the trace unless already there; sets m's hash, file size and identity.
 * Returns -ENODEV for something that is not a regular file.
 */
int recorder_store_file(struct recorder *r, const char *open_path, struct trace_map *m);

/*
 * A signal-delivery stop for sig: records and delivers it, or holds it back.
 * *pass_sig receives the signal to resume with (0 when already delivered or held).
 * Returns 0, 1 when the thread died delivering it, or a negative errno.
 */
int recorder_signal_stop(struct recorder *r, int sig, int *pass_sig);
/* At a syscall exit: sends the oldest held-back signal again. */
void recorder_resend_held(struct recorder *r);

int recorder_exec_point_init(struct recorder *r);
void recorder_exec_point_fini(struct recorder *r);
/* Lets the time limit interrupt waits for the tracee (after tracee_init). */
void recorder_exec_point_attach(struct recorder *r);
/* Arms (or disarms) the time limit for held-back signals. */
void recorder_time_limit(struct recorder *r, bool arm);
int recorder_add_exec_point_pages(struct recorder *r);

void recorder_shared_add(struct recorder *r, uint64_t start, uint64_t end);
void recorder_shared_remove(struct recorder *r, uint64_t start, uint64_t end);
void recorder_shared_clear(struct recorder *r);
void recorder_shared_snapshot(struct recorder *r);
void recorder_shared_diff(struct recorder *r);

#endif
