/* Replayer internals shared by the files of src/replayer/. */
#ifndef REWIND_REPLAYER_REPLAYER_H
#define REWIND_REPLAYER_REPLAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/rseq.h"
#include "arch/x86_64/run_to.h"
#include "arch/x86_64/tracee.h"
#include "common/hash.h"
#include "common/progress.h"
#include "trace_format/event.h"
#include "trace_format/event_stream.h"
#include "trace_format/header.h"
#include "trace_format/trace.h"
#include "replayer/replay.h"

/*
 * Where in rewind's page the replayer writes path strings for injected
 * opens: after the page's code and the syscall buffer's feed stub.
 */
#define REWIND_INJECT_SCRATCH (REWIND_INJECT_PAGE + 512)

/* Records read ahead on a worker thread (prefetch.c); same contract as trace_reader_next. */
struct prefetch;
struct blobstore;
/* Starts reading ahead; blob records are written into blobs by the worker, not returned. */
int prefetch_start(struct prefetch **out, struct trace_reader *reader, struct blobstore *blobs,
		   int replay_cpu);
int prefetch_next(struct prefetch *p, uint32_t *kind, const uint8_t **payload, size_t *len);
/* Index in the trace of the record prefetch_next returned last. */
uint64_t prefetch_record_index(const struct prefetch *p);
/* Reads again from an earlier record (by index); blobs already written are not written again. */
int prefetch_seek(struct prefetch *p, uint64_t record);
void prefetch_stop(struct prefetch *p);

struct blobstore {
	char dir[256]; /* this replay's files: <hash>, shared-<dev>-<ino> */
	/*
	 * The files store shared by replays (<cache>/files, see blobstore.c),
	 * or "" without one; `added` says this replay put files there.
	 */
	char cache[256];
	bool added;
	/*
	 * The trace stores a shared mapping's file as it is at each mmap (2.1
	 * on; before, a file with the same size and time was not hashed again):
	 * the working copy can be brought back to it.
	 */
	bool shared_exact;
	/* Working copies for MAP_SHARED mappings, one per recorded file identity. */
	struct {
		uint64_t dev, ino;
	} * shared;
	size_t nshared;
	/*
	 * Chunks whose records are all blob records of files taken from the
	 * recording machine's own copies (blobstore_use_local): checked, not
	 * inflated. One byte per chunk of the index footer; NULL for none.
	 */
	uint8_t *local_chunks;
	uint64_t nchunks;
};

/* Syscall numbers a debugger can catch. */
#define REPLAY_MAX_SYSNO 1024

enum replay_mode {
	REPLAY_MODE_CONTINUE, /* to the end, a breakpoint, or an interrupt */
	REPLAY_MODE_STEP, /* one instruction (a syscall instruction and its event count as one) */
};

enum replay_stop_kind {
	REPLAY_STOP_BREAKPOINT, /* at a breakpoint's address, the instruction not yet run */
	REPLAY_STOP_STEP,
	REPLAY_STOP_INTERRUPT,
	REPLAY_STOP_SIGNAL, /* a recorded signal is about to be delivered: signo */
	REPLAY_STOP_EXITED, /* the program ended: exit_status */
	REPLAY_STOP_END,    /* the trace ended before the program did */
	/* At the program's exit syscall, before it runs (stop_before_exit): the end of history. */
	REPLAY_STOP_HISTORY_END,
	/* A watchpoint fired (after the instruction or the emulated syscall that hit it): addr. */
	REPLAY_STOP_WATCH,
	REPLAY_STOP_KICK, /* inside replayer_run only: the periodic interruption */
	/* A caught syscall: in front of its instruction, not run yet (like HISTORY_END): sysno. */
	REPLAY_STOP_SYSCALL_ENTRY,
	REPLAY_STOP_SYSCALL_RETURN, /* a caught syscall has returned: sysno */
	REPLAY_STOP_EXEC, /* the debugger's process exec'd (r->ev is the EV_EXEC, applied) */
};

struct replay_stop {
	enum replay_stop_kind kind;
	int exit_status;
	int signo;
	uint64_t addr;	 /* REPLAY_STOP_BREAKPOINT: where */
	unsigned owners; /* REPLAY_STOP_BREAKPOINT: who set it (REPLAY_BP_*) */
	int watch_type;	 /* REPLAY_STOP_WATCH: 2 write, 3 read, 4 access (gdb's Z types) */
	long sysno;	 /* REPLAY_STOP_SYSCALL_* */
};

/* A watchpoint as gdb set it; it takes one or more of the CPU's four debug registers. */
struct replay_watch {
	uint64_t addr, len;
	int type; /* 2 write, 3 read, 4 access */
	/* A read watchpoint's value, to tell reads from writes (x86 has no read-only kind). */
	uint8_t old[32];
	bool have_old;
};
#define REPLAY_MAX_WATCHES 4

/* A file the recording mapped, by the path the program knew it by. */
struct replay_file {
	char *path;
	struct rw_hash hash;
	uint64_t dev, ino; /* the file's identity while recording (a shared mapping's copy) */
};

/* Who wants a breakpoint: the debugger's user, or rewind finding a point of the history. */
#define REPLAY_BP_USER	   1u
#define REPLAY_BP_INTERNAL 2u
#define REPLAY_BP_COUNT	   4u /* counting the runs of one instruction */

struct replay_breakpoint {
	uint64_t addr;
	uint8_t orig;
	bool inserted;
	unsigned owners;
};

#define REPLAY_MAX_BREAKPOINTS 256

/*
 * A recorded thread or process and its replay (replay_tasks.c). The
 * replayer works on the current one, r->tasks.cur.
 */
struct replay_task {
	uint32_t rec_tid, rec_tgid; /* as recorded */
	struct tracee t;	    /* the live task */
	uint64_t brk;		    /* the emulated program break, 0 until the first brk */
	uint64_t exec_sp;	    /* rsp at the last exec: argc, argv, envp, auxv above it */
	/* The program's rseq registration, as the recorder emulated it. */
	struct x86_rseq_area rseq;
	/* The XSAVE area as recorded, rebuilt from every event's changed blocks. */
	uint8_t *rec_xsave;
	/* A signal to pass when the tracee is next resumed (delivered without a handler). */
	int pass_sig;
	/* Stopped at the entry of this syscall; its exit event is still to come. */
	bool in_syscall;
	bool cloned; /* its clone/fork syscall has made the child (EV_CLONE) */
	uint64_t entry[X86_NREGS];
	/* The syscall whose exit was applied last, while a signal may still come at its exit. */
	bool last_valid;
	uint64_t last_entry[X86_NREGS];
	int64_t last_result;
	/* exit/exit_group ran or its process was killed: its end is only to be reaped. */
	bool exiting;
	bool dead;
	bool reaped; /* its end was waited for already: wait status in end_status */
	int end_status;
	/* The watchpoints (r->watch_gen) its debug registers hold; they are per thread. */
	unsigned dr_gen;
	/*
	 * Kernel state of the thread that ptrace cannot read back, as the
	 * replay's syscalls set it: its clear-child-tid word (clone's
	 * CLONE_CHILD_CLEARTID, set_tid_address) and its alternate signal
	 * stack (stack_t). A checkpoint's threads are made again with them.
	 */
	uint64_t ctid;
	uint64_t altstack[3];
	bool has_altstack;
	/* Where it stopped for a tracer inside the recording (replay_ptrace.c). */
	uint8_t ptrace_at;
	/* Resumed by that tracer with a single step: a syscall it runs saved the trap flag. */
	bool ptrace_step;
	/*
	 * The memory words its last run to an execution point compared
	 * (run_to.c): a spin's counter, say. Its next one compares them at
	 * once where its expected memory holds them.
	 */
	uint64_t point_words[X86_SITE_MAX_WORDS];
	int npoint_words;
	uint64_t tramp_hint; /* where its last trampoline was mapped (run_to.c) */
	/*
	 * A run of its buffered syscalls is in the feed area (replay_sysbuf.c),
	 * taken in full when the thread's `next` there is feed_end; feed_off:
	 * its address space has no room for the area. No run is tried before
	 * event feed_skip (one that could not be fed ends there).
	 */
	bool feed_active, feed_off;
	uint64_t feed_end, feed_skip;
};

#define REPLAY_PTRACE_AT_NONE	0
#define REPLAY_PTRACE_AT_ENTRY	1 /* at a syscall entry: its entry event needs no run */
#define REPLAY_PTRACE_AT_SIGNAL 2 /* at a fault's delivery: an EV_SIGNAL of it delivers it */

/* Every task of the trace so far (dead ones too), each allocated on its own (replay_tasks.c). */
struct replay_tasks {
	struct replay_task **all;
	size_t n;
	struct replay_task *cur; /* the task whose event is replayed, or was last */
};

/*
 * The trace a replay reads (replay_input.c): its reader and the thread
 * reading ahead, its header, the stored files, the event decoding state.
 */
struct replay_input {
	const char *path;
	struct trace_reader *reader;
	struct prefetch *prefetch;
	struct trace_header header;
	struct trace_event_stream stream;
	struct blobstore blobs;
	/* Every file the recording mapped so far, for the debugger (vFile, /proc/PID/maps). */
	struct replay_file *files;
	size_t nfiles;
	/*
	 * When checkpoints are taken, the decoding state before the event read
	 * last is kept, so that a checkpoint with that event pending can read it
	 * again.
	 */
	bool keep_before;
	struct trace_regs_history hist_before;
	uint8_t *rec_xsave_before;
	uint32_t rec_xsave_before_tid; /* whose recorded XSAVE area rec_xsave_before is */
};

/* Where in the trace a checkpoint reads on from. */
struct replay_input_pos {
	uint64_t record; /* the trace record to read next */
	uint64_t seq;	 /* the number of the event read last */
	struct trace_regs_history history;
};

/*
 * Where the replay stands in the history, as far as the replayer's own
 * state goes: what a checkpoint copies and a restore puts back, whole
 * (checkpoint.c). A field that has to come back with a checkpoint belongs
 * here.
 */
struct replay_progress {
	/* The event in r->ev has been read but not reached yet (a debugger stop came first). */
	bool have_pending;
	bool pending_prepared; /* its signal was sent / its execution point restored */
	bool pending_at_stop;  /* the pending signal's delivery stop was reached and reported */
	/* The current task ran the program's code since the last event was applied. */
	bool ran;
	bool finished; /* the program has ended, with exit_status */
	int exit_status;
	bool exit_reported; /* the end of the history was shown, at the exit syscall */
	/*
	 * Under a debugger (stop_before_exit), the replay stands at the end of
	 * its history: the exit syscall, a cut trace's end or a divergence.
	 * Forward runs stop here again; only going back leaves it.
	 */
	bool at_end;
	/* The process the debugger looks at has ended (its last task): what it is told. */
	bool debug_exited;
	int debug_exit_status;
};

/* What the debugger was shown at the last stop, about that stop only: a restore clears it. */
struct replay_last_stop {
	/*
	 * Stopped in front of a syscall instruction, with rcx and r11 as the
	 * syscall left them: the end of the history (the syscall not run or not
	 * recorded) or a caught syscall's entry.
	 */
	bool at_history_end;
	uint64_t entry_reported; /* 1 + the entry event whose catch was reported */
	long catch_return;	 /* 1 + the caught syscall whose return is to be reported */
};

/*
 * The debugger's side of a replay (replay_debug.c): how it runs, why it
 * stopped, breakpoints, watchpoints and caught syscalls, and which process
 * it looks at.
 */
struct replay_debug {
	enum replay_mode mode;
	/* Why the run stopped for the debugger (replayer_run hands it over). */
	struct replay_stop stop;
	struct replay_last_stop last_stop;
	/*
	 * The recorded pid of the process the debugger looks at (0: every task
	 * is looked at). The other processes of the tree are replayed along with
	 * it and never stop the replay; its breakpoints and watchpoints live in
	 * its own memory and threads only.
	 */
	uint32_t tgid;
	bool report_signals; /* stop before delivering a recorded signal */
	bool report_execs;   /* stop after an exec of the debugger's process */
	/* Stop once at the exit syscall, so a debugger can still look and go back. */
	bool stop_before_exit;
	bool debugger; /* a debugger looks at the replay: buffered calls stop one by one */
	/* The program's terminal output is not written (searching the history). */
	bool quiet;
	uint64_t stop_at_event; /* when non-zero, replayer_run stops before reaching this event */
	/*
	 * In STEP mode, the recorded tid of the thread to step (0: the current
	 * task): other tasks' events on the way are replayed as in CONTINUE
	 * mode. Reset by replayer_run.
	 */
	uint32_t step_tid;
	struct replay_breakpoint bps[REPLAY_MAX_BREAKPOINTS];
	int nbps;
	/* A breakpoint left out while stepping over it (replayer_run in STEP mode). */
	bool step_over;
	uint64_t step_over_addr;
	/*
	 * The execution point just applied found the thread there already: no
	 * instruction ran, so a step is not over (the thread stood at a
	 * breakpoint gdb had been told of, and steps over it now).
	 */
	bool point_in_place;
	struct replay_watch watches[REPLAY_MAX_WATCHES];
	int nwatches;
	pid_t dr_tid; /* the tracee whose debug registers hold the watchpoints (0: none yet) */
	/* Bumped at each watchpoint change: a task whose dr_gen differs gets them again. */
	unsigned watch_gen;
	/* The event just applied wrote memory a watchpoint covers. */
	bool event_watch;
	uint64_t event_watch_addr;
	int event_watch_type;
	/* Syscalls a debugger catches (catch syscall): all, or those in the bitmap. */
	bool catch_syscalls, catch_all;
	uint8_t catch_set[REPLAY_MAX_SYSNO / 8];
	/*
	 * Recorded signals the debugger lets through without a stop (bit s - 1
	 * for signal s): delivered at once, except while searching the history.
	 */
	uint64_t pass_signals;
};

/* What a replay calls back into while it runs (the timeline's checkpoints), and its timer. */
struct replay_hooks {
	/* Called after each event applied in CONTINUE mode; a non-zero return stops the run. */
	int (*after_event)(void *arg);
	/*
	 * Periodic interruptions of long runs without events (replayer_enable_kicks):
	 * on_kick is called at each.
	 */
	void (*on_kick)(void *arg);
	void *arg; /* of both */
	unsigned kick_ms;
	timer_t kick_timer;
	/* The last interruption came while running a thread to an execution point. */
	bool kick_in_stretch;
	/*
	 * The run to an execution point (event stretch_seq, live thread
	 * stretch_tid, its CPU time stretch_start_ns then) has gone on far
	 * longer than the recording's (replayer_stretch_overdue): the timer
	 * interrupts it, and the divergence is reported.
	 */
	uint64_t stretch_seq, stretch_start_ns;
	pid_t stretch_tid;
	bool stretch_overdue;
	/*
	 * A thread runs to an execution point now: an interruption there takes
	 * no checkpoint, so the timer interrupts it only for the debugger's ^C.
	 */
	bool in_stretch;
	/* The run's check for the debugger's ^C (replayer_run's poll_interrupt), or NULL. */
	bool (*poll_interrupt)(void *arg);
	void *poll_arg;
	/* Long work under way, told of each event applied (NULL: none). */
	struct rw_progress *progress;
};

struct replayer {
	struct replay_input in;
	struct trace_event ev; /* the event read last, being replayed */
	struct replay_tasks tasks;
	struct replay_progress progress;
	struct replay_debug debug;
	struct replay_hooks hooks;
	struct x86_xsave_layout layout;
	uint8_t *xsave; /* the live XSAVE area, read into here */
	size_t xsave_len;
	uint8_t *feed_buf; /* a syscall buffer feed being made (replay_sysbuf.c) */
	/* Counted for rewind's verbose output. */
	struct {
		uint64_t resumes; /* of a thread toward an event */
		uint64_t fed;	  /* buffered syscalls answered in the thread */
	} stats;
};

/*
 * Makes this replay's directory: in the cache directory (REWIND_CACHE_DIR,
 * else $XDG_CACHE_HOME/rewind, else ~/.cache/rewind) when it can be used,
 * else in $TMPDIR or /tmp.
 */
int blobstore_init(struct blobstore *b);
/*
 * Removes this replay's directory; first adds each complete stored file
 * extracted from the trace (its contents checked against its hash) to the
 * files store, and keeps the store within its size limit.
 */
void blobstore_cleanup(struct blobstore *b);
/*
 * Where the trace ends with a stored-files table and an index footer, takes
 * each stored file from the files store if it is there, else from its
 * recorded path if the file there has the same size and hash (adding it to
 * the store), instead of from the trace; marks the chunks of its blob
 * records in local_chunks. Reads the trace's last chunk with reader and
 * leaves it at chunk 0. Any failure leaves the file to the trace's copy.
 */
void blobstore_use_local(struct blobstore *b, struct trace_reader *reader);
/* True if the replay has chunk number `chunk`'s contents from local files. */
bool blobstore_chunk_local(const struct blobstore *b, uint64_t chunk);
/* Writes one part of a stored file. */
int blobstore_add(struct blobstore *b, const uint8_t *payload, size_t len);
/*
 * Path of the file a mapping is made from: the extracted copy of its
 * stored contents, or for a shared mapping the working copy of its
 * recorded file (made from the stored contents on first use), so that
 * shared mappings of one file share their pages as they did.
 */
int blobstore_map_path(struct blobstore *b, const struct trace_map *m, char *out, size_t outlen);
/* Path of the extracted copy of the file with this hash. */
void blobstore_path(const struct blobstore *b, struct rw_hash h, char *out, size_t outlen);

/*
 * The timeline's view of the engine (replay_history.c): timeline.c reads
 * and sets the replay through these.
 */
struct replay_where {
	bool finished;		  /* the replay reached the end: nothing else is set */
	uint64_t seq;		  /* the next event */
	bool boundary;		  /* no user instruction ran since the last event */
	bool at_signal;		  /* stopped at a signal not yet delivered */
	uint32_t tid;		  /* the recorded thread that runs next */
	struct replay_task *task; /* its task */
};
void replayer_where(struct replayer *r, struct replay_where *w);
/* Whether the replay has more than one task. */
bool replayer_threaded(const struct replayer *r);
/* The current task runs user code (outside replayer_run): no longer at an event's boundary. */
void replayer_note_ran(struct replayer *r);
/*
 * after_event after each event of a CONTINUE run and on_kick at each
 * kick, both given arg, and the events' state kept for going back; NULL
 * after_event ends all that.
 */
void replayer_set_history_hooks(struct replayer *r, int (*after_event)(void *arg),
				void (*on_kick)(void *arg), void *arg);
/* The program's terminal output is not written (while the history is searched). */
void replayer_set_quiet(struct replayer *r, bool quiet);
/* Whether the last stop shown to the debugger was at the end of the history. */
bool replayer_stopped_at_history_end(const struct replayer *r);
/* A breakpoint at addr of one of owners (REPLAY_BP_*; 0: any); a watchpoint at addr. */
bool replayer_breakpoint_at(const struct replayer *r, uint64_t addr, unsigned owners);
bool replayer_watch_at(const struct replayer *r, uint64_t addr);
/*
 * Takes every breakpoint out of the program and of the table into bps
 * (REPLAY_MAX_BREAKPOINTS of room), returning how many; and puts them back.
 */
int replayer_take_breakpoints(struct replayer *r, struct replay_breakpoint *bps);
void replayer_give_breakpoints(struct replayer *r, const struct replay_breakpoint *bps, int n);
/* The next STEP run steps thread tid (0: the current one), over a breakpoint at over_addr. */
void replayer_set_step(struct replayer *r, uint32_t tid, bool over, uint64_t over_addr);

/* Opens a trace and builds its first program image in a stopped replay process. */
int replayer_open(struct replayer *r, const struct replay_options *o);
void replayer_close(struct replayer *r);
/*
 * Replays forward in the given mode until the program ends, the trace
 * ends, a breakpoint, a completed step, or poll_interrupt returns true.
 * Returns 0 with *stop filled, or a negative errno after printing what
 * diverged.
 */
int replayer_run(struct replayer *r, enum replay_mode mode, struct replay_stop *stop,
		 bool (*poll_interrupt)(void *arg), void *poll_arg);
/* Stops at the entry and return of syscalls nums (all when n < 0), or of none. */
int replayer_catch_syscalls(struct replayer *r, bool enable, const long *nums, int n);
/* The signals (Linux numbers) delivered without a stop from now on; the others stop. */
void replayer_pass_signals(struct replayer *r, const int *signos, int n);
/*
 * Whether the debugger is shown signal signo before its delivery (see
 * pass_signals); always: even when it lets the signal pass.
 */
bool replayer_reports_signal(const struct replayer *r, int signo, bool always);
int replayer_set_breakpoint(struct replayer *r, uint64_t addr, bool insert);
/*
 * Interrupts the program every ms milliseconds of a CONTINUE run (not while
 * quiet), calling r->on_kick there: checkpoints in long stretches without
 * events, and gdb's ^C answered there. 0 or negative errno.
 */
/*
 * Whether the current task's run to its execution point has taken more CPU
 * time than its recording allows: 5 s plus 20 times what the thread ran
 * there while recorded (run_to.c). A trace without those times: never.
 */
bool replayer_stretch_overdue(struct replayer *r);
int replayer_enable_kicks(struct replayer *r, unsigned ms);
/*
 * Z2-Z4: a watchpoint on [addr, addr+len) in the CPU's debug registers.
 * Writes the replayer makes for an emulated syscall fire write and access
 * watchpoints too. 0, -ENOSPC when the debug registers are used up, or -EINVAL.
 */
int replayer_set_watch(struct replayer *r, int type, uint64_t addr, uint64_t len, bool insert);
/* Puts int3 at every breakpoint that is mapped / takes them all out of the program's code. */
void replayer_breakpoints_insert(struct replayer *r);
void replayer_breakpoints_remove(struct replayer *r);
/* The same for one owner (REPLAY_BP_*): a breakpoint stays while anyone wants it. */
int replayer_set_breakpoint_for(struct replayer *r, uint64_t addr, unsigned owner, bool insert);

/*
 * A checkpoint: a stopped fork of the replayed process and the replayer's
 * own state at that point, to come back to (checkpoint.c).
 */
/* The contents of a shared mapping at a checkpoint (a fork shares it, not copies it). */
struct replay_shared_copy {
	uint64_t start, len;
	uint8_t *data;
	size_t proc; /* in the memory of the checkpoint's process proc */
};

/* A live thread of a checkpoint: what its re-creation gives the new thread. */
struct replay_thread_state {
	uint64_t regs[X86_NREGS];
	uint8_t *xsave;
	uint64_t sigmask;
	uint64_t robust_head, robust_len;
};

struct replay_checkpoint {
	/*
	 * One stopped fork per live process, of its first thread (the other
	 * threads are made at restore), and the task index of that leader.
	 */
	pid_t *procs;
	size_t *proc_leader;
	size_t nprocs;
	pid_t pid; /* procs[0] */
	struct replay_shared_copy *shared;
	size_t nshared;
	enum tracee_stop *proc_stop; /* the stop each fork is in */
	struct replay_input_pos pos;
	struct replay_progress progress;
	/* The task table as it was (a copy of each task), and its threads' state. */
	struct replay_tasks tasks;
	struct replay_thread_state *threads; /* per task; live ones only */
};

/* Takes a checkpoint of the replay as it is now. 0 or negative errno. */
int replay_checkpoint_take(struct replay_checkpoint *cp, struct replayer *r);
/* Makes the replay what it was at cp (cp stays usable). 0 or negative errno. */
int replay_checkpoint_restore(struct replay_checkpoint *cp, struct replayer *r);
/* Ends cp's process and frees it. */
void replay_checkpoint_free(struct replay_checkpoint *cp);
/* Compares the trace's CPU and XSAVE state with this machine's; refuses unless force. */
int replayer_check_machine(struct replayer *r, bool force);
/*
 * Applying one event to the current task (replay.c dispatches on its
 * kind): 0 applied, 1 the program ended, 2 a debugger stop came first (the
 * event stays pending), 3 applied and the next event already read (it
 * waits at a syscall entry whose exit comes later), or negative errno.
 */
int replayer_apply_syscall_entry(struct replayer *r);
/* The exit (or EV_EXEC) in r->ev of the syscall entered with registers entry. */
int replayer_apply_syscall_exit(struct replayer *r, const uint64_t entry[X86_NREGS]);
int replayer_apply_clone(struct replayer *r);
int replayer_apply_signal(struct replayer *r);
int replayer_apply_rdtsc(struct replayer *r);
int replayer_apply_sched(struct replayer *r);
/* EV_EXIT: the task's end, by its exit syscall, a signal or its process's end. */
int replayer_apply_exit(struct replayer *r);
/* Before an EV_EXEC: the other threads of the process end (replay_lifecycle.c). */
int replayer_exec_takeover(struct replayer *r);
/* Runs exit or exit_group (replay_lifecycle.c). */
int replayer_exit_syscall(struct replayer *r, const uint64_t entry[X86_NREGS]);
/* The current task has ended with wait status st: 1 when the program has, 0, or -EPROTO. */
int replayer_check_exit(struct replayer *r, int st);
/* Before a task's event: a syscall the kernel restarted without a signal (replay_syscall.c). */
int replayer_restart_without_signal(struct replayer *r);
/* Reports registers that differ from the recording as a divergence; returns -EPROTO. */
int replayer_diverged(struct replayer *r, const uint64_t recorded[X86_NREGS],
		      const uint64_t live[X86_NREGS], const char *what);
/* A syscall's name, "?" for one the table does not know. */
const char *replay_sys_name(long nr);
/* The debugger (replay_debug.c). Whether it catches syscall nr (never while searching). */
bool replayer_catches(const struct replayer *r, long nr);
/* Programs the watchpoints into the current task's debug registers. */
int replayer_apply_watches(struct replayer *r);
/* Notes the values under read watchpoints: a hit that changed one was a write. */
void replayer_watch_remember(struct replayer *r);
/* After an emulated syscall: the first write or access watchpoint its memory touched. */
void replayer_watch_event_writes(struct replayer *r);
/* After an exec of the debugger's process: its breakpoints and watchpoints are gone. */
void replayer_forget_debugger_state(struct replayer *r);

/*
 * The engine as the debugger's side sees and drives it (replay_debug.c;
 * gdb_target.c, gdb_procfs.c and gdb_tls.c use these rather than the
 * replayer's fields). Serves the replay to a debugger looking at process
 * tgid: stops before recorded signals, after its execs, and once at the
 * end of the history.
 */
void replayer_debug_process(struct replayer *r, uint32_t tgid);
/* The next STEP run steps thread tid (see replay_debug.step_tid). */
void replayer_step_thread(struct replayer *r, uint32_t tid);
/* Runs stop before event seq (0: no such stop). */
void replayer_stop_before(struct replayer *r, uint64_t seq);
const struct replay_input *replayer_input(const struct replayer *r);
/* The event read last: the exec a REPLAY_STOP_EXEC stopped after, say. */
const struct trace_event *replayer_event(const struct replayer *r);
/* The number of the next event to replay. */
uint64_t replayer_next_seq(const struct replayer *r);
const struct x86_xsave_layout *replayer_xsave_layout(const struct replayer *r);
/* The program has ended (its last task). */
bool replayer_finished(const struct replayer *r);
/* The process the debugger looks at has ended, or the whole program. */
bool replayer_debuggee_ended(const struct replayer *r);
/*
 * A copy of one thread of the replay, forked where it stands (its
 * registers in regs), stopped under ptrace: for a function call by the
 * debugger. -EBUSY at a signal's stop. 0 or negative errno.
 */
int replayer_fork_thread(struct replayer *r, struct replay_task *task, uint64_t regs[X86_NREGS],
			 pid_t *child);
/* The addresses of the debugger's own breakpoints (at most max); returns their count. */
size_t replayer_user_breakpoints(const struct replayer *r, uint64_t *addrs, size_t max);
/* Long work under way (a seek, a search of the history) is told of each event; NULL: none. */
void replayer_set_progress(struct replayer *r, struct rw_progress *p);
/* Tells that progress (if any) where the replay is now. */
void replayer_note_progress(const struct replayer *r);
/*
 * At the end of the history in front of the process's end (an exit
 * syscall, or a fault that kills it): true, with the wait status it ends with.
 */
bool replayer_end_ahead(const struct replayer *r, int *wstatus);
/* The task whose event or code ran last: the one a stop is reported in. */
struct replay_task *replayer_current_task(struct replayer *r);
/* A thread of the debugger's process that has not ended or begun its exit, by recorded tid. */
struct replay_task *replayer_debuggee_thread(struct replayer *r, uint32_t tid);
/* The recorded tids of those threads: how many (at most max). */
size_t replayer_debuggee_threads(const struct replayer *r, uint32_t *tids, size_t max);
/*
 * Resumes the current task toward the pending event's stop (replay.c):
 * REPLAY_REACHED with the wait status in *status, REPLAY_DEBUG_STOP when a
 * breakpoint, step, watchpoint or interruption came first, or negative.
 */
#define REPLAY_REACHED	  0
#define REPLAY_DEBUG_STOP 1
int replayer_reach(struct replayer *r, int request, int *status);
/* 1 when the live XSAVE area equals the recorded one, else reports a divergence (-EPROTO). */
int replayer_check_xsave(struct replayer *r, const char *what);
/* Reports a stop other than the one expected as a divergence; returns -EPROTO. */
int replayer_unexpected_stop(struct replayer *r, const char *expected);
/*
 * Runs the current task to the execution point of the pending event (an
 * EVF_RUN_TO event, run_to.c): 0 when it stands there with the recorded
 * registers, 2 at a debugger stop on the way, or negative errno.
 */
int replayer_run_to_point(struct replayer *r);
/* The trace (replay_input.c). Opens it and reads its header; 0 or negative errno. */
int replay_input_open(struct replay_input *in, const char *path);
/* Takes the stored files from this machine where it has them (blobstore_use_local). */
int replay_input_find_files(struct replay_input *in, size_t xsave_len);
/* Starts reading ahead on CPU cpu's neighbour (prefetch_start). */
int replay_input_start(struct replay_input *in, int cpu);
void replay_input_close(struct replay_input *in);
/* Reads the next event into *ev; 1, 0 at the end, or negative errno. */
int replay_input_next(struct replay_input *in, struct trace_event *ev);
/* Where to read on from: ev (the event read last) again when pending, else the one after. */
int replay_input_save(const struct replay_input *in, bool pending, const struct trace_event *ev,
		      struct replay_input_pos *pos);
/* Reads on from pos (the events are decoded as they were there). */
int replay_input_restore(struct replay_input *in, const struct replay_input_pos *pos);
void replay_input_pos_free(struct replay_input_pos *pos);
/* The file the recording mapped last under path (its recorded path), or NULL. */
const struct replay_file *replay_input_find_file(const struct replay_input *in, const char *path);
/*
 * The recorded file behind a mapping of the replay's store file `live` (its
 * files are named by content hash, a shared mapping's working copy
 * shared-DEV-INO), or NULL. Of several paths with the same contents, the
 * one the trace named last.
 */
const struct replay_file *replay_input_recorded_file(const struct replay_input *in,
						     const char *live);
/* The path of the replay's copy of a file the recording mapped. */
void replay_input_file_copy(const struct replay_input *in, const struct replay_file *f, char *out,
			    size_t outlen);
/* Reads the next event into r->ev, storing blobs on the way; 1, 0 at the end, or negative. */
int replayer_next_event(struct replayer *r);
/*
 * A tracer inside the recording (replay_ptrace.c): the current task's
 * EV_PTRACE event (0 applied, 2 a debugger stop, or negative errno); what
 * its stop means for the task's next event; whether that stop left it at
 * the entry of the syscall its next event enters (taken once).
 */
int replayer_apply_ptrace(struct replayer *r);
void replayer_ptrace_note(struct replayer *r);
bool replayer_ptrace_take_entry(struct replayer *r);
/* Whether the current task's tracer last resumed it with a single step. */
bool replayer_ptrace_stepped(const struct replayer *r);
/*
 * The syscall buffer in replay (replay_sysbuf.c). Before the pending entry
 * of a buffered syscall is reached: hands the run of buffered syscalls it
 * starts to the thread, to be taken without stops on its way to the event
 * after the run (3, that event read), or 0 (none: the entry is replayed
 * as any other), or negative errno.
 */
int replayer_sysbuf_feed(struct replayer *r);
/*
 * The current task reached the event after its fed run: the run must be
 * taken in full (else a divergence naming the call, -EPROTO); the feed is
 * put away. 0 or negative errno.
 */
int replayer_sysbuf_settle(struct replayer *r);
/* At a syscall-entry stop: a buffered syscall made by the feed stub shown as recorded. */
int replayer_sysbuf_entry_regs(struct replayer *r, uint64_t live[X86_NREGS]);
/* Inside a fed run: the event of the next call the thread has not taken, in *seq. */
bool replayer_sysbuf_next_seq(const struct replayer *r, uint64_t *seq);
/* Where a syscall whose instruction is at insn is run for real. */
uint64_t replayer_sysbuf_syscall_at(uint64_t insn);
/* Runs one syscall in the tracee through rewind's page. */
int replayer_inject(struct replayer *r, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4, uint64_t a5, int64_t *ret);
/* Tasks (replay_tasks.c). A table starts with one task, its recorded tid 0 until set. */
int replay_tasks_init(struct replay_tasks *ts, size_t xsave_len);
void replay_tasks_free(struct replay_tasks *ts);
/* The task recorded as tid (the latest one: a tid may be reused), or NULL. */
struct replay_task *replay_tasks_find(const struct replay_tasks *ts, uint32_t tid);
/* Makes the task recorded as tid the current one; 0 or -ESRCH (no such task). */
int replay_tasks_switch(struct replay_tasks *ts, uint32_t tid);
/* The recorded XSAVE area being rebuilt for tid's events. */
uint8_t *replay_tasks_rec_xsave(const struct replay_tasks *ts, uint32_t tid);
/*
 * Adds a task for a child the current task made now, with its program break,
 * exec stack and recorded XSAVE area.
 */
struct replay_task *replay_tasks_add(struct replay_tasks *ts, uint32_t rec_tid, uint32_t rec_tgid,
				     pid_t live, size_t xsave_len);
/* After the process rec_tgid ended or is ending: all its tasks are exiting. */
void replay_tasks_exiting(struct replay_tasks *ts, uint32_t rec_tgid);
/* Sets the program break of every task of the current one's process. */
void replay_tasks_set_brk(struct replay_tasks *ts, uint64_t brk);
/* Live tasks left, of process tgid (0: of any). */
size_t replay_tasks_alive(const struct replay_tasks *ts, uint32_t tgid);
/* Tasks that have not ended and are not ending (their exit has not run), of tgid (0: any). */
size_t replay_tasks_running(const struct replay_tasks *ts, uint32_t tgid);
/* dst becomes a copy of src, each task with its own recorded XSAVE area. */
void replay_tasks_dup(struct replay_tasks *dst, const struct replay_tasks *src, size_t xsave_len);
/* The live task recorded as tid, or NULL. */
struct replay_task *replay_tasks_find_live(const struct replay_tasks *ts, uint32_t tid);
/* Whether a task has a live thread that is not on its way out. */
bool replay_task_running(const struct replay_task *task);
/* Whether the current task belongs to the process the debugger looks at (r->debug_tgid). */
bool replayer_in_debuggee(const struct replayer *r);
/*
 * A running task of the process the debugger looks at (of the current
 * task's process when there is no such choice), whose memory holds the
 * breakpoints; NULL when that process has ended.
 */
struct tracee *replayer_debuggee_tracee(struct replayer *r);
/* Makes a running task of the debugger's process the current one; 0 or -ESRCH. */
int replayer_switch_to_debuggee(struct replayer *r);
/* Makes the task recorded as tid the current one; 0 or -EBADMSG (no such task) after saying so. */
int replayer_switch_task(struct replayer *r, uint32_t tid);

/* Replaces the tracee's whole address space with the one in the EV_EXEC event r->ev. */
int replayer_apply_exec(struct replayer *r);
/*
 * rec -p traces (replay_attach.c): after the first image, the state the
 * process was found in; at an EV_THREAD, the thread made and given its own.
 */
int replayer_apply_attach(struct replayer *r);
int replayer_apply_thread(struct replayer *r);
/* An EV_EXEC with EVF_ATTACH of another process of the same rec -p: made, then built. */
int replayer_apply_attached_process(struct replayer *r);
/* Opens the stored copy of a file in the tracee; returns the tracee's fd or negative errno. */
int replayer_open_map_file(struct replayer *r, const struct trace_map *m, bool writable);
/* Writes every memory section of r->ev into the tracee. */
int replayer_write_mem(struct replayer *r);
/* shmat and shmdt of a System V segment (replay_mm.c), the recorded ones having succeeded. */
int replayer_shmat(struct replayer *r);
int replayer_shmdt(struct replayer *r, uint64_t addr);

#endif
