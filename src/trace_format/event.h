/*
 * Trace records and their encoding. The container (trace.h) stores
 * (kind, payload) records; this file defines the record kinds and encodes
 * events.
 *
 * An event is one stop that matters: global sequence number, tid, kind and
 * the full register snapshot (stored as the fields that changed since that
 * thread's previous event, so a reader must decode events in order),
 * followed by optional sections: syscall number, memory the kernel wrote,
 * saved argument strings, changed XSAVE blocks, mappings, output to the
 * terminal, exit status. Unknown section tags end decoding of an event with
 * an error, so new sections need a minor version bump and must be appended
 * at the end by older-reader-safe rules (see docs/trace-format.md).
 */
#ifndef REWIND_TRACE_FORMAT_EVENT_H
#define REWIND_TRACE_FORMAT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/hash.h"

#define TRACE_NREGS 27

/* Record kinds in the container. */
enum trace_record_kind {
	TRACE_REC_EVENT = 1,
	TRACE_REC_BLOB = 2,  /* part of a stored file: hash, total size, offset, bytes */
	TRACE_REC_FILES = 3, /* the table of stored files, the last record (2.1) */
};

enum trace_event_kind {
	EV_EXEC = 1, /* a new program image: maps and their contents, registers, XSAVE */
	EV_SYSCALL_ENTRY = 2,
	EV_SYSCALL_EXIT = 3,
	EV_SIGNAL = 4,	       /* a signal delivered to the thread */
	EV_EXIT = 5,	       /* the thread/process ended: wait status */
	EV_RDTSC = 6,	       /* rdtsc/rdtscp trapped and emulated: registers after it */
	EV_SIGNAL_HANDLER = 7, /* at a handler's first instruction: the frame the kernel wrote */
	EV_CLONE = 8,	       /* a clone/fork/vfork made a task: its tid and clone flags (2.0) */
	EV_SCHED = 9, /* the thread was preempted at an execution point: state to restore (2.0) */
	/*
	 * A stop of the thread for a tracer inside the recording, or its
	 * resumption with what that tracer changed: registers, memory (2.3).
	 */
	EV_PTRACE = 10,
	/*
	 * A thread of a process that `rec -p` took over, other than the one
	 * whose EV_EXEC (flag EVF_ATTACH) made the process image: its
	 * registers, whole XSAVE area and thread state (SEC_ATTACH) (2.4).
	 */
	EV_THREAD = 11,
	EV_KIND_MAX,
};

/* Event flags. */
#define EVF_EMULATED_AT_RECORD 0x1 /* the recorder did not let the kernel run this syscall */
#define EVF_SIGNAL_SYNC                                                                            \
	0x2 /* EV_SIGNAL: a fault of the instruction at rip (happens again by itself) */
#define EVF_SIGNAL_HANDLED                                                                         \
	0x4		    /* EV_SIGNAL: the program had a handler; EV_SIGNAL_HANDLER follows     \
			     */
#define EVF_RSEQ_CS    0x8  /* rip was inside an rseq critical section: it was aborted */
#define EVF_EXEC_POINT 0x10 /* EV_SIGNAL at an arbitrary instruction: state to restore */
/*
 * EV_SCHED or EV_SIGNAL at an execution point that replay reaches by
 * running the thread to it (2.2): rip is a site (arch/x86_64/run_to.h),
 * and its expected-memory sections hold the bytes that tell the recorded
 * visit of it from the others (the stack around rsp, the pages that
 * changed). No pages to restore.
 */
#define EVF_RUN_TO 0x20
/*
 * EV_EXEC: the image of a process that was running when rewind attached
 * to it (rec -p), not one an execve made; its SEC_ATTACH section holds the
 * kernel state of the process and of its thread (2.4). On EV_THREAD and on
 * that EV_EXEC, EVF_RSEQ_CS says the thread was stopped inside an rseq
 * critical section and moved to its abort handler.
 */
#define EVF_ATTACH 0x40
/* EV_EXIT: not an end but rewind letting the task go on unrecorded (rec -p stopped) (2.4). */
#define EVF_DETACHED 0x80

/*
 * In a map's flags, beside the MAP_* bits (a bit mmap does not use): a
 * private mapping of a file that may be mapped shared too. Its pages that
 * the program has not written show the file's page cache, stores through
 * the shared mappings included, so replay maps it from the file's working
 * copy rather than from the stored copy.
 */
#define TRACE_MAP_WORKING_COPY (1u << 24)

/* EV_PTRACE: what happened (its SEC_PTRACE section). */
enum trace_ptrace_op {
	PTRACE_OP_STOP = 1,   /* the thread stopped for its tracer here */
	PTRACE_OP_RESUME = 2, /* its tracer resumed it: registers and memory as they are now */
};

/* How replay brings the thread to a PTRACE_OP_STOP. */
enum trace_ptrace_reach {
	PTRACE_REACH_NONE = 0,	  /* it is there already: its last event left it there */
	PTRACE_REACH_SYSCALL = 1, /* it runs to its next syscall entry */
	PTRACE_REACH_SIGNAL = 2,  /* it runs until the signal (a fault) stops it */
	PTRACE_REACH_STEP = 3,	  /* one instruction, single-stepped */
};

enum trace_map_kind {
	MAPK_ANON = 0,
	MAPK_FILE = 1,	/* contents from the stored file with this hash */
	MAPK_STACK = 2, /* grows down */
	MAPK_VDSO = 3,
	MAPK_VVAR = 4,
	MAPK_HEAP = 5,
	MAPK_INJECT = 6, /* rewind's own page with a syscall instruction */
};

struct trace_mem {
	uint64_t addr;
	uint64_t len;
	const uint8_t *data;
};

struct trace_map {
	uint64_t start, end, offset;
	uint32_t prot;	/* PROT_* */
	uint32_t flags; /* MAP_* as the mapping was made */
	uint8_t kind;	/* enum trace_map_kind */
	struct rw_hash hash;
	uint64_t file_size;
	uint64_t dev,
	    ino; /* the file's identity while recording: shared mappings of one file share pages */
	const char *path; /* as the recorded program knew it */
};

/* A signal's action as rt_sigaction gives it (SEC_ATTACH). */
struct trace_sigaction {
	uint32_t signo;
	uint64_t handler, flags, restorer, mask;
};

/*
 * The kernel state of a thread, and on an EV_EXEC of its process, that
 * rewind found when it attached (SEC_ATTACH, 2.4). Thread: signal mask,
 * alternate stack, robust list, rseq registration. Process (EV_EXEC only,
 * else zero): its program break, umask, personality, RLIMIT_STACK and the
 * signal actions that are not SIG_DFL.
 */
struct trace_attach {
	uint32_t tgid;
	uint64_t sigmask;
	uint64_t altstack_sp, altstack_flags, altstack_size;
	uint64_t robust_head, robust_len;
	uint64_t rseq_addr;
	uint32_t rseq_len, rseq_sig;
	uint64_t brk;
	uint32_t umask, personality;
	uint64_t stack_cur, stack_max;
	/* Where its clear-child-tid word seems to be (ptrace cannot read it): its tid in its TCB. */
	uint64_t ctid;
	uint32_t nactions;
	struct trace_sigaction actions[64];
};

struct trace_xblock {
	uint8_t block; /* see arch/x86_64/cpu.h */
	uint32_t len;
	const uint8_t *data;
};

struct trace_event {
	uint64_t seq;
	uint32_t tid;
	uint8_t kind;
	uint32_t flags;
	uint64_t regs[TRACE_NREGS];
	long sysno; /* syscall events; -1 otherwise */
	int signo;
	const uint8_t *siginfo; /* EV_SIGNAL: the kernel's siginfo_t (128 bytes) */
	size_t siginfo_len;
	int exit_status;      /* EV_EXIT: wait status */
	uint32_t child_tid;   /* EV_CLONE: the new task */
	uint64_t clone_flags; /* EV_CLONE: CLONE_* and the exit signal, as clone(2) takes them */
	uint8_t ptrace_op;    /* EV_PTRACE: enum trace_ptrace_op */
	uint8_t ptrace_reach; /* EV_PTRACE stop: enum trace_ptrace_reach */
	int output_fd;	      /* 1 or 2 when the syscall wrote to the recording's stdout/stderr */
	const uint8_t *output;
	size_t output_len;
	const char *strings[6];
	size_t nmem, nmaps, nxblocks, nexpect;
	struct trace_mem *expect; /* memory an execution point must find as it is here (2.2) */
	struct trace_mem *mem;
	struct trace_map *maps;
	struct trace_xblock *xblocks;
	const struct trace_attach *attach; /* EV_EXEC with EVF_ATTACH, EV_THREAD (2.4) */
	/* A run-to point: CPU time the thread ran since its previous one, in µs; 0: none (2.5). */
	uint64_t runtime_us;
};

/* Per-thread register history for delta encoding; one per writer and per reader. */
struct trace_regs_history {
	struct {
		uint32_t tid;
		uint64_t regs[TRACE_NREGS];
	} * threads;
	size_t n, cap;
};

void trace_regs_history_free(struct trace_regs_history *h);
/* Makes dst a copy of src (to decode again from that point); returns 0. */
int trace_regs_history_copy(struct trace_regs_history *dst, const struct trace_regs_history *src);

/*
 * Builder for an event being recorded: the fixed part plus the sections,
 * appended already encoded so a builder costs no allocation per event.
 */
struct trace_event_builder {
	uint64_t seq;
	uint32_t tid;
	uint8_t kind;
	uint32_t flags;
	uint64_t regs[TRACE_NREGS];
	struct rw_buf sections;
};

void trace_event_builder_init(struct trace_event_builder *b);
void trace_event_builder_free(struct trace_event_builder *b);
/* Starts a new event (sections cleared). */
void trace_event_begin(struct trace_event_builder *b, uint64_t seq, uint32_t tid, uint8_t kind,
		       const uint64_t regs[TRACE_NREGS]);
void trace_event_add_sysno(struct trace_event_builder *b, long nr);
void trace_event_add_mem(struct trace_event_builder *b, uint64_t addr, const void *p, uint64_t len);
void trace_event_add_string(struct trace_event_builder *b, int arg, const char *s);
void trace_event_add_xblock(struct trace_event_builder *b, uint8_t block, const void *p,
			    uint32_t len);
void trace_event_add_map(struct trace_event_builder *b, const struct trace_map *m);
void trace_event_add_output(struct trace_event_builder *b, int fd, const void *p, size_t len);
void trace_event_add_exit(struct trace_event_builder *b, int wait_status);
void trace_event_add_child(struct trace_event_builder *b, uint32_t tid, uint64_t clone_flags);
void trace_event_add_signal(struct trace_event_builder *b, int signo);
void trace_event_add_ptrace(struct trace_event_builder *b, uint8_t op, uint8_t reach);
void trace_event_add_runtime(struct trace_event_builder *b, uint64_t us);
void trace_event_add_siginfo(struct trace_event_builder *b, const void *siginfo, size_t len);
void trace_event_add_attach(struct trace_event_builder *b, const struct trace_attach *a);
void trace_event_add_expect(struct trace_event_builder *b, uint64_t addr, const void *p,
			    uint64_t len);

/* Loads a decoded event into a builder, sections and all (for tools that rewrite traces). */
void trace_event_builder_load(struct trace_event_builder *b, const struct trace_event *ev);

/* Encodes the builder's event into out (appended), updating the history. */
void trace_event_encode(const struct trace_event_builder *b, struct trace_regs_history *h,
			struct rw_buf *out);

/* Storage a decoded event points into; reused from one event to the next. */
struct trace_event_arena {
	struct rw_buf strings;
	struct trace_mem *mem;
	struct trace_map *maps;
	struct trace_xblock *xblocks;
	struct trace_mem *expect;
	size_t mem_cap, maps_cap, xblocks_cap, expect_cap;
	struct trace_attach attach;
};

void trace_event_arena_init(struct trace_event_arena *a);
void trace_event_arena_free(struct trace_event_arena *a);

/*
 * Decodes one event payload. Pointers in *ev point into payload or into
 * arena, valid until either changes. Returns 0 or -EBADMSG with a message
 * in err.
 */
int trace_event_decode(const uint8_t *payload, size_t len, struct trace_regs_history *h,
		       struct trace_event_arena *arena, struct trace_event *ev, char *err,
		       size_t errlen);

/* An event payload's number alone, without the register history: 0 or -EBADMSG. */
int trace_event_peek_seq(const uint8_t *payload, size_t len, uint64_t *seq);

const char *trace_event_kind_name(int kind);
const char *trace_map_kind_name(int kind);

/* Blob records (stored file parts). */
void trace_blob_encode(struct rw_buf *out, struct rw_hash hash, uint64_t total, uint64_t offset,
		       const void *data, size_t len);
int trace_blob_decode(const uint8_t *payload, size_t len, struct rw_hash *hash, uint64_t *total,
		      uint64_t *offset, const uint8_t **data, size_t *data_len);

/*
 * The stored-files table (TRACE_REC_FILES): for each stored file, its hash
 * and size, the records that hold it (all of them its blob records), and
 * the path it was stored from, so that a replay on the recording machine
 * can take an identical file from there instead of inflating the records.
 */
struct trace_stored_file {
	struct rw_hash hash;
	uint64_t size;
	uint64_t first_record; /* its blob records are [first_record, first_record + records) */
	uint64_t records;
	char *path; /* NUL-terminated; owned by the table */
};

void trace_files_encode(struct rw_buf *out, const struct trace_stored_file *files, size_t n);
/* Returns 0 with a malloc'ed array (free with trace_files_free) or -EBADMSG. */
int trace_files_decode(const uint8_t *payload, size_t len, struct trace_stored_file **files,
		       size_t *n);
void trace_files_free(struct trace_stored_file *files, size_t n);
struct trace_reader;
/*
 * Reads the stored-files table of a trace with an index footer: the
 * TRACE_REC_FILES record in its last chunk. Returns 0, -ENOENT where there
 * is none (no footer, an older or unfinished trace), or another negative
 * errno. Leaves the reader after the last chunk.
 */
int trace_read_file_table(struct trace_reader *rd, struct trace_stored_file **files, size_t *n);

#endif
