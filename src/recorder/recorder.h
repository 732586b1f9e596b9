/* Recorder internals shared by the files of src/recorder/. */
#ifndef REWIND_RECORDER_RECORDER_H
#define REWIND_RECORDER_RECORDER_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/rseq.h"
#include "arch/x86_64/tracee.h"
#include "common/buf.h"
#include "common/hash.h"
#include "trace_format/event.h"
#include "trace_format/trace.h"

/* Scratch buffers for blocking syscalls of threaded processes (record_scratch.c). */
#define SCRATCH_BASE  0x70100000ull
#define SCRATCH_SIZE  0x100000ull
#define SCRATCH_SLOTS 64

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

/* A page of a sparsely watched shared mapping: its offset in the mapping, and its hash. */
struct sparse_page {
	uint64_t rel;
	struct rw_hash hash;
};

struct shared_map {
	uint64_t start, end;
	uint64_t dev, ino, offset; /* the file, and where in it the mapping starts */
	uint8_t *snapshot;
	size_t valid;
	/* Watched sparsely (too large to snapshot): rewind's descriptor of the file, or -1. */
	int fd;
	struct sparse_page *pages;
	size_t npages;
	/* Changed by another process's syscall, not stored yet: [dirty_lo, dirty_hi) bytes in. */
	uint64_t dirty_lo, dirty_hi;
};

/* A process rec -p took over: what it gives back at detach (record_attach.c). */
struct recorder_attached {
	pid_t tgid;
	uint64_t vdso;	   /* the vDSO's address, 0: none */
	uint8_t *vdso_was; /* its bytes before rewind patched them */
	size_t vdso_len;
};

struct page_hash {
	uint64_t addr;
	uint64_t hash;
};

/*
 * Page hashes of an address space as of its last execution point, shared
 * by the threads of a process.
 */
struct recorder_mm {
	unsigned refs;
	struct page_hash *hashes; /* sorted */
	size_t n;
	bool threaded; /* more than one thread used it since the last execution point */
	/*
	 * The hashes are not of the last execution point: its pages were
	 * found by written-page tracking (written_pages.c), which then failed.
	 */
	bool hashes_stale;
	/* 1 + what the program last gave PR_SET_DUMPABLE (record_emulate.c), 0: nothing. */
	uint8_t dumpable_set;
	/* MAP_SHARED file mappings watched for changes made through their file (record_shared.c).
	 */
	struct shared_map *shared;
	size_t nshared;
	unsigned shared_gen;
	/*
	 * watched_gen + 1 of the recorder when the syscall buffer's table of
	 * shared files in this address space last got every watched file of
	 * the recording (record_sysbuf.c), or 0: its buffered writes are to
	 * none of them then.
	 */
	unsigned table_gen;
	/* Scratch slots mapped in this address space, and those a live task holds. */
	bool scratch_mapped[SCRATCH_SLOTS], scratch_used[SCRATCH_SLOTS];
	/* Its userfaultfd tracking of written pages (written_pages.c), or NULL. */
	struct written_pages *written;
	/*
	 * Pages the tracking reported at a vfork and its end (each report
	 * protects them again), owed to the next execution point: sorted ranges.
	 */
	struct written_range *owed;
	size_t nowed;
	/* Patched syscall sites (record_sites.c): copied whole by a fork. */
	struct recorder_sites {
		uint64_t next_stub;    /* stubs in the pool before it are taken */
		uint64_t rejected[32]; /* sites looked at and left alone, the latest last */
		unsigned nrejected;
		/*
		 * Library code found in /proc/PID/maps, [start, end) each, until
		 * a change of the address space there (recorder_sites_forget_code).
		 */
		struct {
			uint64_t start, end;
		} code[8];
		unsigned ncode;
	} sites;
};

/* An output argument moved to scratch for the syscall in progress. */
struct scratch_move {
	uint64_t real, scratch, len;
	bool header;	  /* a msghdr: its pointers are put back after the copy */
	uint64_t ptrs[3]; /* the program's msg_name, msg_iov and msg_control there */
};
#define SCRATCH_MOVES 80

/* Where a task stands with a tracer inside the recording (record_ptrace.c). */
enum ptrace_stop_kind {
	PTRACE_STOP_NONE = 0, /* not stopped for its tracer */
	PTRACE_STOP_ENTRY,    /* at a syscall entry whose entry event is not recorded yet */
	PTRACE_STOP_AFTER,    /* after an event (syscall exit, exec, first stop): user code next */
	PTRACE_STOP_SIGNAL,   /* in a real signal-delivery stop: the tracer says what goes on */
	PTRACE_STOP_KERNEL,   /* in a syscall (a fork event): back into the kernel next */
	PTRACE_STOP_EXIT,     /* at a syscall's exit stop (vfork done): its exit event next */
};

/*
 * The tracer a recorded thread has inside the recording. rewind is the
 * real tracer of every task, so ptrace by the program is emulated: the
 * thread is held at its stops, the tracer's requests are answered from the
 * real thread, and its waits see the stops (record_ptrace.c).
 */
struct recorder_ptrace {
	pid_t tracer; /* the tracing thread, 0: none */
	pid_t tracer_tgid;
	unsigned options; /* PTRACE_O_* as the tracer set them */
	bool seized;
	/* Attached by a clone event: its first stop is the tracer's. */
	bool auto_attached;
	enum ptrace_stop_kind stop;
	bool reported; /* the tracer's wait has seen the stop */
	int status;    /* the stop's wait status */
	int request;   /* how it was resumed last: PTRACE_CONT, PTRACE_SYSCALL, PTRACE_SINGLESTEP */
	unsigned long eventmsg;
	siginfo_t si;
	bool entry_seen; /* the entry stop of the syscall at hand was reported */
	bool exit_event_seen; /* its PTRACE_EVENT_EXIT stop was reported: it ends now */
	bool skip;	 /* the tracer made that syscall -1: the kernel skips it */
	bool resumed;	 /* resumed by the tracer: the scheduler carries on with it */
	int resume_sig;
	int inject_sig;	 /* a signal the tracer passed, sent again: delivered without a stop */
	bool interrupt;	 /* PTRACE_INTERRUPT: a stop at the next syscall boundary */
	bool stop_sent;	 /* the SIGSTOP of an ATTACH or INTERRUPT is on its way */
	bool sync;	 /* the signal of its stop is a fault of the instruction at rip */
	bool wait_kick;	 /* as a tracer: a SIGSTOP interrupts its wait in the kernel */
	unsigned queued; /* stops that follow this one (an exec's), PTRACE_Q_* */
	uint64_t dr[8];	 /* the debug registers as the tracer set them */
	struct rw_buf pokes; /* what the tracer wrote into its memory at this stop */
	/* As a tracer: its wait waits for a tracee's stop; woken, it is answered or runs. */
	bool waiting;
	int wake;
	/* A vfork child whose exec or end the tracer hears of before the vfork returns. */
	pid_t vfork_done;
};

/*
 * A thread's in-process syscall buffer (record_sysbuf.c,
 * arch/x86_64/sysbuf.h): where it is, how much of it is in the trace.
 */
struct recorder_sysbuf {
	uint64_t addr; /* its header in the thread's memory, 0: none registered */
	uint64_t size;
	uint64_t consumed; /* bytes of records after the header already in the trace */
	uint64_t window_lo, window_hi; /* the library's code between a syscall and its commit */
	uint64_t fd_kinds, fd_kinds_len; /* the process's descriptor kinds */
	uint64_t process;		 /* the process's struct sysbuf_process */
	bool vfork_parent; /* a vfork child appends to it: consumed is read again at the exit */
	/*
	 * Read at a syscall's entry stop: at its exit stop, which follows with
	 * no user code between, nothing can have been committed since.
	 */
	bool read_at_entry;
	/* The library's pool of stubs for patched syscall sites and their hook (record_sites.c). */
	uint64_t site_pool, site_pool_len, site_hook;
};

/*
 * A thread's descheduling event (record_desched.c): the perf event whose
 * signal says a buffered call that may block is waiting in the kernel.
 */
struct recorder_desched {
	bool on;	/* registered: copy and fd are valid */
	int copy;	/* rewind's descriptor of the event (pidfd_getfd) */
	int fd;		/* the program's */
	bool traced;	/* the call of rec goes on traced: resumed with PTRACE_SYSCALL */
	bool in_call;	/* that call's entry is recorded, its exit not yet */
	bool pass_exit; /* the exit of an untraced syscall seen at its entry: passed over */
	uint64_t rec;	/* the record of that call */
	uint64_t skip;	/* a record whose call is in the trace already: the flush leaves it out */
};

/* Where a task is in the recorder's schedule (record_sched.c). */
enum task_state {
	TASK_NEW,	 /* made by a clone; its first stop (PTRACE_EVENT_STOP) not seen yet */
	TASK_READY,	 /* stopped at a recorded stop, waiting for its turn to run */
	TASK_RUNNING,	 /* resumed in user code: the one task that may run it */
	TASK_IN_SYSCALL, /* resumed inside a syscall; user code waits for its exit stop */
	TASK_DYING,	 /* its process is being ended by the kernel: only its death is recorded */
	TASK_STOPPED,	 /* in a group stop (PTRACE_LISTEN) until a SIGCONT ends it */
};

/*
 * One traced thread and what the recorder keeps for it. Threads of one
 * process each have their own; the execution-point page hashes and the
 * shared-mapping watch list are per address space (mm).
 */
struct recorder_task {
	struct tracee t;
	pid_t tgid; /* its process */
	enum task_state state;
	int pass_sig;	   /* the signal to resume it with */
	bool kick_preempt; /* a SIGSTOP was sent to end its time slice */
	bool yield_at_event; /* its slice ended just before an event: it yields after that one */
	/*
	 * Where its last execution point was, and whether it spins: a round
	 * of its loop through the point's site changed no register, or it
	 * was preempted twice at one instruction with no event of its own in
	 * between. A spinning thread gets one tick, not a whole slice, before
	 * it yields.
	 */
	uint64_t last_point_ip;
	bool spinning;
	unsigned ticks;	   /* scheduler ticks since it was last resumed */
	bool lone_slice;   /* this slice is a lone process's (record_sched.c) */
	bool lone_checked; /* lone_slice was looked at this slice */
	uint64_t point_runtime_ns; /* its CPU time at its last run-to point (record_run_to.c) */
	uint8_t *xsave_prev, *xsave_cur;
	size_t xsave_prev_len; /* bytes the kernel gave for xsave_prev */
	bool have_xsave_prev;
	/*
	 * Its last event is an rt_sigreturn's exit: a signal pending there
	 * waits for user code to run (else a timer faster than the recording
	 * of a handler's round trip would run the handler for ever).
	 */
	bool after_sigreturn;
	/* The syscall between its entry and exit stops, and its registers at the entry. */
	long cur_sysno;
	uint64_t entry_regs[X86_NREGS];
	/* A pidfd of its process, to borrow its file descriptors (-1: not open yet, -2: none). */
	int pidfd;
	/* Its descriptors looked at for answered calls, and the recorder's copies (-1: none). */
	struct {
		int prog_fd, fd;
		unsigned flags; /* fd's status flags (F_GETFL) */
	} borrowed[8];
	int nborrowed;
	bool cur_emulated;
	bool exec_pending;
	/* Why the syscall in progress could not be recorded if it succeeds, or NULL. */
	const char *cur_unsupported;
	/* No user instruction ran since the last syscall exit (or exec): a signal delivered now is
	 * at a boundary. */
	bool at_boundary;
	/* Its syscall in progress may change files: shared mappings were snapshotted at its entry. */
	bool shared_snapped;
	uint64_t boundary_regs[X86_NREGS]; /* registers at that exit */
	/* Signals held back until the next syscall exit, oldest first. */
	struct {
		siginfo_t info;
	} held[32];
	size_t nheld;
	bool warned_held_full; /* said once that held-back signals were dropped */
	bool resend_pending;
	int resend_signo;
	int sigstops_resent; /* the program's SIGSTOPs rewind sent again (recorder_send_again) */
	bool kick_sent;
	/*
	 * A kick found the oldest held signal blocked (the thread runs a
	 * handler that blocks it): no more kicks until its next syscall exit,
	 * which gives it back to the kernel (recorder_resend_held).
	 */
	bool held_blocked;
	/*
	 * Held standard signals rewind blocked in the kernel mask meanwhile
	 * (recorder_unblock_held takes them out before the program could see
	 * the mask): more of them stay pending there and merge, with no stop.
	 */
	uint64_t sigmask_added;
	bool step_trap_sent; /* the SIGTRAP after an emulated rdtsc run with the trap flag */
	struct recorder_mm *mm;
	/*
	 * It made a child that shares its memory until exec (vfork): the pages
	 * written meanwhile are stored at its exit. They are those written-page
	 * tracking reports then (vfork_tracked), or else those whose hashes
	 * differ from vfork_hashes, its memory at the vfork.
	 */
	bool vforked, vfork_tracked;
	bool vfork_child; /* made by a vfork, in its parent's memory until it execs */
	struct page_hash *vfork_hashes;
	size_t nvfork_hashes;
	/* The syscall a restart_syscall continues. */
	long restart_nr;
	/* The CPUs it may run on as the program sees them (rewind pins it to one): 1024 bits. */
	uint64_t cpus[16];
	/* rseq registration (emulated: never given to the kernel). */
	struct x86_rseq_area rseq;
	/* Its scratch slot + 1 (0: none yet), and the syscall in progress's moved arguments. */
	int scratch_slot;
	bool scratch_active;
	uint64_t scratch_entry[X86_NREGS];
	struct scratch_move scratch[SCRATCH_MOVES];
	int nscratch;
	/*
	 * Signal handlers it runs (deliveries less rt_sigreturns): a frame may
	 * return into a syscall site, so none is patched meanwhile (record_sites.c).
	 */
	unsigned handlers;
	/* Its syscall-exit stop waits for no other thread of its process to run user code. */
	bool exit_deferred;
	/* Tasks made by its clone in progress that wait for the clone's exit event to run. */
	unsigned clone_children;
	/* A task made by a clone: it waits for the parent's clone exit before its first run. */
	pid_t clone_parent;
	/*
	 * CLONE_UNTRACED taken out of a clone in progress: 1 from rdi (clone),
	 * else the address of clone3's flags word; given back at the clone event
	 * (in the child at its first stop).
	 */
	uint64_t untraced_at;
	/*
	 * What another process wrote into its memory while it ran user code
	 * (record_remote_mem.c): addresses, lengths and bytes, recorded after
	 * its next syscall event.
	 */
	struct rw_buf remote_pending;
	/*
	 * Its syscall entries are seen by PTRACE_SYSCALL stops rather than by
	 * the recorder's seccomp filter: there is no such filter, or the
	 * program set a filter of its own, whose verdict (an errno, say) would
	 * come before the recorder's stop and hide the syscall from it.
	 */
	bool syscall_stops;
	pid_t parent_tgid; /* the process whose child it is (0: rewind) */
	/* rec -p: its PR_GET_TSC mode when rewind took it over (0: a task made since). */
	int attach_tsc;
	/* rec -p: a stop signal, not rewind's, met in calls rewind injected: sent again after. */
	int attach_stop_sig;
	/* rec -p's detach took rewind's pages out of its process through this task. */
	bool gave_back_process;
	struct recorder_ptrace ptrace;
	struct recorder_sysbuf sysbuf;
	struct recorder_desched desched;
};

struct recorder {
	const char *trace_path;
	struct trace_writer *writer;
	char *chunk_cache;	 /* the store of compressed stored files, or NULL */
	bool chunk_cache_added; /* this recording added to it */
	/* The store of file hashes (record_file_ids.c), read at its first use. */
	struct file_id *file_ids;
	size_t nfile_ids;
	int file_ids_fd;
	bool file_ids_loaded;
	uint64_t seq;
	int cpu;
	uint64_t cpus[16]; /* the CPUs rewind could run on before it pinned itself to cpu */
	struct trace_event_builder eb;
	struct trace_regs_history history;
	/*
	 * The threads whose last event is a handler's entry: nothing below
	 * that rsp is live (the frame was put below the interrupted code's
	 * red zone), so fingerprints leave it out as dead memory.
	 */
	uint32_t *at_handler_entry;
	size_t nat_handler_entry, at_handler_entry_cap;
	struct rw_buf enc;
	struct rw_buf scratch;
	struct x86_xsave_layout layout;
	size_t xsave_len;
	/* Files already stored in the trace, by identity and by content hash. */
	struct stored_file *files;
	size_t nfiles, files_cap;
	struct trace_stored_file *stored; /* by content: the table written at the end */
	size_t nstored, stored_cap;
	struct stdio_identity out_id[3];
	/*
	 * Every live task. The task a stop is handled for is passed to each
	 * handler (t); the recorder keeps no "current" task.
	 */
	struct recorder_task **tasks;
	size_t ntasks, tasks_cap;
	/* The task that may run user code now (one at a time), or NULL. */
	struct recorder_task *running;
	size_t rr_next;	     /* where the round robin looks for a ready task next */
	unsigned shared_gen; /* visits every address space once (record_shared.c) */
	/* Goes up when a file is first watched in any address space (record_shared.c). */
	unsigned watched_gen;
	/* Shared files looked for in the processes outside the recording, once each. */
	struct {
		uint64_t dev, ino;
	} * checked_shared;
	size_t nchecked_shared;
	/* Tasks start under a seccomp filter that stops them at every syscall entry. */
	bool use_seccomp;
	/* Devices whose filesystem was looked at: may reads there be answered (record_emulate.c)?
	 */
	struct {
		dev_t dev;
		bool local;
	} fs_seen[32];
	size_t nfs_seen;
	uint64_t fingerprint_rsp; /* rsp of the execution point whose fingerprint is made */
	/*
	 * Words its expected memory leaves out: what the kernel wrote for
	 * another thread's clone that is still in progress (record_run_to.c).
	 */
	struct expect_hole {
		uint64_t addr, len;
	} expect_holes[32];
	int nexpect_holes;
	/* Execution points that replay runs to, not restores (REWIND_RUN_TO=0 turns it off). */
	bool run_to;
	/* rec --chaos: the schedule's random state (record_sched.c). */
	bool chaos;
	uint64_t chaos_state;
	/* The task that gave the slot up last: chaos hands it to another when one is ready. */
	const struct recorder_task *chaos_yielded;
	pid_t first_pid;
	int first_status; /* wait status of the first process, rec's exit status */
	/* Execution points (record_exec_point.c). */
	timer_t limit_timer;
	bool have_timer;
	volatile bool timer_fired;
	/*
	 * Tracking of written pages (written_pages.c): its mode (0: not read from
	 * the environment yet), and whether the kernel refused it.
	 */
	struct {
		int mode;
		bool warned, refused, probed;
	} written_pages;
	/* The scheduler's periodic tick (record_sched.c). */
	timer_t sched_timer;
	bool have_sched_timer;
	volatile bool sched_fired;
	/* Ending a recording from outside, and the time between chunks (record_stop.c). */
	struct {
		timer_t cut_timer;
		bool have_cut_timer;
		volatile bool cut_fired;
		int signo;  /* the signal that stopped the recording, or 0 */
		int tty_fd; /* the controlling terminal, or -1 */
		pid_t pgid; /* the program's process group */
	} stop;
	/* Ends of tracees that are not their tracer's children, for its wait (record_ptrace.c). */
	struct {
		pid_t tracer_tgid, tid;
		int status;
	} * ptrace_dead;
	size_t nptrace_dead;
	long ptrace_warned[16]; /* requests said to be unsupported, once each */
	size_t nptrace_warned;
	/* rec -p: the processes were running when rewind took them over (record_attach.c). */
	bool attached;
	bool attaching; /* their images are being stored: only pages no file gives */
	struct recorder_attached *attach_procs;
	size_t nattach_procs;
	/* The syscall buffer's library is preloaded into the program (record_sysbuf.c). */
	bool sysbuf, sysbuf_said;
	uint64_t sysbuf_records, traced_syscalls; /* counted for rec -v */
	bool desched_said; /* rec -v said whether calls that may block are buffered */
	uint64_t sites_patched;
	char *sysbuf_library;
	char **sysbuf_env; /* the program's environment, with the library in LD_PRELOAD */
	/*
	 * Whether a served filesystem is mounted, as last read for the mount
	 * namespace mnt_ino; poll_fd (its mountinfo, open: 1 + the fd, 0 for
	 * none) reports a change of its mounts.
	 */
	struct {
		uint64_t mnt_ino;
		int poll_fd;
		bool served;
	} mounts;
};

/*
 * At the exit of t's syscall (its exit event begun, regs its registers):
 * patches the syscall's site to go through the syscall buffer's library
 * when it can (record_sites.c). 1 if it did: regs and the event say where
 * the thread goes on, and the caller sets the thread's registers.
 */
int recorder_sites_patch(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS]);
/* Mappings of t's address space in [start, start + len) changed: their maps are read again. */
void recorder_sites_forget_code(struct recorder_task *t, uint64_t start, uint64_t len);
/*
 * At t's syscall entry (its event recorded): answers the syscall in the
 * tracer if it can, recording its exit event; 1 if it did (the task is to
 * be resumed with PTRACE_CONT), 0 if the kernel is to run it, or negative
 * errno (record_emulate.c).
 */
int recorder_answer(struct recorder *r, struct recorder_task *t);
/*
 * A change of the address space the syscall buffer made (brk, mprotect,
 * munmap, an anonymous private mmap), taken in at its exit event as a
 * traced one's exit would (record_syscall.c); 0 for any other call.
 */
int recorder_buffered_mapping(struct recorder *r, struct recorder_task *t, long nr,
			      const uint64_t args[6], int64_t ret);
/*
 * Drops every borrowed descriptor: at a syscall that may make an fd number
 * another file's (x86_syscall_fds_change).
 */
void recorder_forget_fds(struct recorder *r);
void recorder_task_forget_fds(struct recorder_task *t);
/*
 * The recorder's copy of t's descriptor prog_fd, borrowed as answered
 * calls borrow it (kept until the next syscall that may change what the
 * number names), and its status flags in *flags; -1 when the descriptor
 * is not one calls may be answered on (not a regular file on a local
 * filesystem, opened O_DIRECT or write-only, or no pidfd_getfd here).
 */
int recorder_borrow_fd(struct recorder *r, struct recorder_task *t, int prog_fd,
		       unsigned *flags);
/*
 * The program sees the CPUs it would natively, though rewind runs it on
 * one: sched_setaffinity of a recorded task is answered here (its mask
 * kept, the task left where it is), and what sched_getaffinity wrote is
 * replaced by that mask before the exit is recorded (record_emulate.c).
 */
bool recorder_affinity_answered(struct recorder *r, struct recorder_task *t, long nr,
				const uint64_t args[6]);
int64_t recorder_affinity_set(struct recorder *r, struct recorder_task *t, const uint64_t args[6]);
void recorder_affinity_get(struct recorder *r, struct recorder_task *t, const uint64_t args[6],
			   int64_t ret);
/*
 * PR_SET_DUMPABLE never reaches the kernel: the recorder keeps the value
 * and answers PR_GET_DUMPABLE with it (record_emulate.c).
 */
bool recorder_dumpable_answered(const struct recorder_task *t, long nr, const uint64_t args[6]);
int64_t recorder_dumpable_answer(struct recorder_task *t, const uint64_t args[6]);

/*
 * ptrace inside the recording (record_ptrace.c, record_ptrace_stop.c).
 * ptrace is answered at its exit stop (the kernel skips it), and so are
 * wait4 and waitid when a tracee's stop is there to report; a wait that
 * would block for one holds the tracer at its entry instead.
 */
bool recorder_ptrace_answered(struct recorder *r, struct recorder_task *tracer, long nr,
			      const uint64_t args[6]);
int64_t recorder_ptrace_answer(struct recorder *r, struct recorder_task *tracer, long nr,
			       const uint64_t args[6]);
/* After the entry event of t's wait: 1 when it is held until a tracee stops. */
int recorder_ptrace_wait_holds(struct recorder *r, struct recorder_task *t);
/* Whether t is held for ptrace: stopped for its tracer, or a tracer waiting. */
bool recorder_ptrace_held(const struct recorder_task *t);
/* The request t is to be resumed into user code with (PTRACE_SINGLESTEP when stepped), or 0. */
int recorder_ptrace_user_request(struct recorder_task *t);
/*
 * Stops for the tracer, each returning 1 when t is held there, 0 when it
 * goes on, or a negative errno: at a syscall entry stop (before its entry
 * event), after an exit or exec event, at a signal's delivery (deliver() in
 * record_signal.c), at a fork event of the parent, at a child's first stop.
 * They leave the schedule alone: for a held task, the scheduler takes it
 * off the slot (record_sched.c).
 */
int recorder_ptrace_entry_stop(struct recorder *r, struct recorder_task *t);
int recorder_ptrace_after_exit(struct recorder *r, struct recorder_task *t, bool exec);
/*
 * The data of rewind's own filter's SECCOMP_RET_TRACE: a seccomp stop with
 * other data is a filter of the program's asking for its tracer.
 */
#define RECORDER_FILTER_DATA 0x7277
/*
 * At the seccomp stop that follows a syscall's entry stop, t's own
 * filter's SECCOMP_RET_TRACE: a stop for a tracer that set
 * PTRACE_O_TRACESECCOMP (1, held), else the syscall skipped with ENOSYS (0).
 */
int recorder_ptrace_seccomp_stop(struct recorder *r, struct recorder_task *t);
/* At a vfork's exit stop, before its exit event: PTRACE_EVENT_VFORK_DONE (1 held, 0 none). */
int recorder_ptrace_vfork_done(struct recorder *r, struct recorder_task *t);
int recorder_ptrace_signal_stop(struct recorder *r, struct recorder_task *t, const siginfo_t *si,
				bool sync);
int recorder_ptrace_clone(struct recorder *r, struct recorder_task *parent,
			  struct recorder_task *child, uint64_t flags, int event);
int recorder_ptrace_child_ready(struct recorder *r, struct recorder_task *t);
/* t ended: its tracer hears of it, its tracees are detached or killed (PTRACE_O_EXITKILL). */
void recorder_ptrace_task_died(struct recorder *r, struct recorder_task *t, int status);
/*
 * A task its tracer resumed, or a held tracer woken, for the scheduler to
 * carry on with (NULL: none). For a resumed one, its EV_PTRACE resume
 * event is recorded first (recorder_ptrace_resume_event).
 */
struct recorder_task *recorder_ptrace_next_resumed(struct recorder *r);
struct recorder_task *recorder_ptrace_next_woken(struct recorder *r);
int recorder_ptrace_resume_event(struct recorder *r, struct recorder_task *t,
				 enum ptrace_stop_kind *kind);
/* Delivers si now, as deliver() would without a tracer: the signal the tracer passed. */
int recorder_signal_deliver(struct recorder *r, struct recorder_task *t, const siginfo_t *si,
			    bool sync, int *pass_sig);
void recorder_ptrace_free(struct recorder_task *t);
/*
 * A fault's signal sig, to be passed to tid, that the kernel would drop:
 * tid is the init of a pid namespace (SIGNAL_UNKILLABLE), which a fault
 * kills only when it is not traced (force_sig_info_to_task).
 */
bool recorder_signal_unkillable_fault(pid_t tid, int sig);

/* Bytes a tracer wrote into t, stopped for it: written in replay at t's resume event. */
void recorder_ptrace_remember_poke(struct recorder_task *t, uint64_t addr, const void *p,
				   size_t len);

/*
 * record_remote_mem.c, at a syscall's exit: what it wrote into a process's
 * memory (process_vm_writev, writes to /proc/PID/mem). The writer's own
 * goes into its exit event, a tracee's to its pokes; other processes' into
 * `other`, for recorder_remote_mem_emit once the exit event is written.
 */
void recorder_remote_mem_written(struct recorder *r, struct recorder_task *t, long nr,
				 const uint64_t args[6], int64_t ret, struct rw_buf *other);
int recorder_remote_mem_emit(struct recorder *r, const struct rw_buf *other);
/* After a syscall event of t: what other processes wrote into it meanwhile, if given now. */
int recorder_remote_mem_flush(struct recorder *r, struct recorder_task *t);

/*
 * Syscall entry and exit stops (record_syscall.c), rdtsc traps
 * (record_signal.c) and the end of t (record_emit.c).
 */
int recorder_handle_entry(struct recorder *r, struct recorder_task *t);
int recorder_handle_exit(struct recorder *r, struct recorder_task *t);
/* Appends t's syscall event, then what other processes wrote into t meanwhile. */
int recorder_emit_syscall(struct recorder *r, struct recorder_task *t);
/* 1 when the SIGSEGV at this stop was an rdtsc trap (recorded), 0 if not, or negative errno. */
int recorder_handle_tsc_trap(struct recorder *r, struct recorder_task *t);
int recorder_record_death(struct recorder *r, struct recorder_task *t, int status);

/*
 * The in-process syscall buffer (record_sysbuf.c). recorder_sysbuf_init
 * decides whether it is used; recorder_sysbuf_environ is the environment
 * the program is started with (the library in LD_PRELOAD). At every stop of t, before
 * anything of it is recorded: its buffered syscalls into the trace;
 * returns 0, 1 when the stop is one of the untraced instruction's seen
 * through PTRACE_SYSCALL stops (it goes on unrecorded), RECORDER_TASK_ENDED,
 * or a negative errno. Clones copy or drop the registration, an exec drops
 * it. recorder_sysbuf_answer answers REWIND_SYSCALL_SYSBUF at its exit;
 * recorder_sysbuf_fds_closed, at the exit of a syscall that closes or
 * replaces descriptors, clears what the library knew of them.
 */
void recorder_sysbuf_init(struct recorder *r);
char **recorder_sysbuf_environ(const struct recorder *r);
void recorder_sysbuf_free(struct recorder *r);
int recorder_sysbuf_stop(struct recorder *r, struct recorder_task *t, int st);
/*
 * The library's registration in t's process (its descriptor kinds, its
 * pool of stubs): t's own, or another thread's; NULL: none.
 */
const struct recorder_sysbuf *recorder_sysbuf_of_process(struct recorder *r,
							 const struct recorder_task *t);
void recorder_sysbuf_clone(struct recorder_task *parent, struct recorder_task *child,
			   uint64_t flags);
void recorder_sysbuf_forget(struct recorder_task *t);
int64_t recorder_sysbuf_answer(struct recorder *r, struct recorder_task *t, const uint64_t args[6]);
/* After a syscall that may map or unmap files shared: the library's table of those files. */
int recorder_sysbuf_mappings_changed(struct recorder *r, struct recorder_task *t);
/*
 * Whether a buffered write of t's process may be to a file another process
 * maps shared: its library's table lacks a file watched since it was made.
 */
bool recorder_sysbuf_writes_watched(struct recorder *r, const struct recorder_task *t);
int recorder_sysbuf_fds_closed(struct recorder *r, struct recorder_task *t, long nr,
			       const uint64_t args[6]);
/* At a clone's exit: a thread sharing its creator's TLS turns the process's buffering off. */
int recorder_sysbuf_cloned(struct recorder *r, struct recorder_task *t, long nr,
			   const uint64_t args[6], int64_t ret);

/* Whether t's signal stop for sig is its descheduling event's (its siginfo names the event). */
bool recorder_desched_is_signal(struct recorder_task *t, int sig);
/*
 * Such a signal met where no buffered call waits (t stepped in user code):
 * dropped, its event disabled until the library arms it again, or each stop
 * (a context switch) would raise another. 0 or a negative errno.
 */
int recorder_desched_drop(struct recorder_task *t);
/*
 * Buffered calls that may block (record_desched.c). recorder_desched_register
 * and recorder_desched_stream answer SYSBUF_OP_DESCHED and SYSBUF_OP_STREAM.
 * recorder_desched_stop, at every stop of a task with a buffer before its
 * records are written: a negative errno, 0 (not its business), 1 (the stop
 * goes on unrecorded: an untraced syscall seen through PTRACE_SYSCALL) or 2
 * (a buffered call that blocked, recorded as a traced syscall from here
 * on). recorder_desched_signal, at a signal stop once the records are
 * written: 1 for the descheduling signal (the stop goes on unrecorded, the
 * signal dropped), else 0, the call the signal came after recorded so that
 * the signal is at its exit. recorder_desched_skip says whether the
 * record at addr is in the trace already (the flush leaves it out);
 * recorder_desched_traced whether t is resumed with PTRACE_SYSCALL.
 */
int64_t recorder_desched_register(struct recorder *r, struct recorder_task *t, int64_t fd);
int64_t recorder_desched_stream(struct recorder *r, struct recorder_task *t, int64_t fd);
int recorder_desched_stop(struct recorder *r, struct recorder_task *t, int st);
int recorder_desched_signal(struct recorder *r, struct recorder_task *t, int st);
bool recorder_desched_skip(struct recorder_task *t, uint64_t addr);
bool recorder_desched_traced(const struct recorder_task *t);
void recorder_desched_release(struct recorder_task *t);

/* Tasks and the schedule (record_sched.c). */
struct recorder_task *recorder_task_add(struct recorder *r, pid_t tid, pid_t tgid);
/*
 * Runs every task to its end, one at a time; 0 or negative errno. When a
 * stop signal comes (recorder_stop_requested), every task is killed and its
 * death recorded, and r->stop.signo says which signal it was.
 */
int recorder_schedule(struct recorder *r);
/* Kills and reaps every task left (after an error). */
void recorder_kill_all(struct recorder *r);
void recorder_tasks_free(struct recorder *r);
/*
 * At a stop of t in user code: records an execution point (EV_SCHED)
 * where it is preempted, at a site a few steps on. Returns 1 when recorded,
 * 0 when the thread's next event comes first (none is needed), or
 * RECORDER_TASK_ENDED when it died meanwhile (wait status in t.wait_status).
 */
int recorder_preempt_point(struct recorder *r, struct recorder_task *t);
/*
 * An EV_SCHED where t stands, at a site (how EXEC_POINT_RUN_TO) or not
 * (EXEC_POINT_RESTORE): replay's way to that execution point, for what
 * happens there next (a traced thread's stop for its tracer).
 */
int recorder_exec_point_event(struct recorder *r, struct recorder_task *t, int how);
#define RECORDER_TASK_ENDED 2
/* No site came within the steps allowed (a loop of short instructions, say). */
#define RECORDER_NO_SITE 3
/* How an execution point is recorded: replay runs to it, or restores its state (no site). */
#define EXEC_POINT_RUN_TO  1
#define EXEC_POINT_RESTORE 2
/*
 * Whether another thread of t's process is a vfork's parent whose child
 * has not exec'd. The child writes the process's memory (its stack below
 * the parent's), which replay's copy of it writes only at the vfork's
 * exit: t's execution points meanwhile are ones replay restores, none it
 * runs to (it would expect the child's writes there before they come).
 */
bool recorder_in_vforked_mm(const struct recorder *r, const struct recorder_task *t);
/* Whether resuming a thread with these registers restarts the syscall a dropped signal interrupted. */
bool recorder_restarts_syscall(const uint64_t regs[X86_NREGS]);
/*
 * Single-steps t to a site for an execution point (record_run_to.c),
 * regs updated: 1 there, 0 when its next event comes first, or as above.
 */
int recorder_step_to_site(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS]);
/*
 * The same, then on around the loop the site is in, if it is a short one,
 * back to the site: *spins says whether every register came back as it
 * was there (a thread that waits on memory another thread writes; at
 * most a counter in memory changes). The point is at the site it stands at
 * then (the same, or the next one on where no short loop brought it back).
 */
int recorder_step_to_site_probing(struct recorder *r, struct recorder_task *t,
				  uint64_t regs[X86_NREGS], bool *spins);
/*
 * rec --chaos: a few single steps more (0-7, at random) from where the
 * preemption stopped t, so the point is not always where the CPU happens
 * to take interrupts in a tight loop (after a store, say) but often
 * between a load and its store. Returns as recorder_step_to_site.
 */
int recorder_chaos_steps(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS]);
/* The chaos schedule's next random number (record_sched.c). */
uint64_t recorder_chaos_random(struct recorder *r);
/* The stack window and changed pages of an execution point at regs, as fingerprint sections. */
int recorder_add_fingerprint(struct recorder *r, struct recorder_task *t,
			     const uint64_t regs[X86_NREGS]);
/* The file position of t's fd now, from /proc/PID/fdinfo, or -1. */
long long recorder_fd_position(struct recorder *r, struct recorder_task *t, int fd);
/* Adds len bytes at addr as expected memory, less the ranges left out (expect_holes). */
void recorder_add_expect(struct recorder *r, uint64_t addr, const uint8_t *data, size_t len);
int recorder_add_exec_point_hashes(struct recorder *r, struct recorder_task *t);

/* Encodes and appends the event in r->eb (record_emit.c). */
int recorder_emit(struct recorder *r);
/* Whether tid's last event is a handler's entry (recorder_emit keeps the list). */
bool recorder_at_handler_entry(const struct recorder *r, uint32_t tid);
/* Adds the blocks of the XSAVE area that changed since the last call (all with force). */
int recorder_add_xsave(struct recorder *r, struct recorder_task *t, bool force);
/* At the exit stop of an execve: sets up rewind's page, patches the vDSO, records EV_EXEC. */
int recorder_record_exec(struct recorder *r, struct recorder_task *t);
/* Maps rewind's page into t's process (regs: its registers, put back after). */
int recorder_map_inject_page(struct recorder *r, struct recorder_task *t,
			     const uint64_t regs[X86_NREGS]);
/* Records t's address space as an EV_EXEC with flags and, for rec -p, attach's state. */
int recorder_record_image(struct recorder *r, struct recorder_task *t,
			  const uint64_t regs[X86_NREGS], uint32_t flags,
			  const struct trace_attach *attach);

/*
 * rec -p (record_attach.c): the pages of [start, end) of t that are
 * not what the mapping's file or zero pages give (anonymous pages in
 * memory or swapped), added to the event; at a stop request (record_detach.c),
 * every task let go as it was found, rewind's changes taken back, its detach
 * recorded.
 */
int recorder_attach_contents(struct recorder *r, struct recorder_task *t, uint64_t start,
			     uint64_t end);
int recorder_detach_all(struct recorder *r);
/* Checks that pid may be attached to, saying why not; then takes each process over. */
int recorder_attach_check(pid_t pid);
int recorder_attach(struct recorder *r, const pid_t *pids, size_t npids);
/*
 * Shared by taking over (record_attach.c) and letting go (record_detach.c):
 * a syscall injected at rewind's page from any stop but a syscall entry
 * (a SIGSTOP met on the way noted by recorder_attach_note_stop); the
 * signals of tasks [first, first + n) blocked, or given their masks back;
 * the task of tid; a thread moved back to the syscall the kernel restarts.
 */
int recorder_attach_inject(struct recorder_task *t, const uint64_t regs[X86_NREGS], long nr,
			   uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, int64_t *ret);
void recorder_attach_note_stop(void *arg, int st);
int recorder_attach_block_signals(struct recorder *r, size_t first, size_t n, uint64_t *masks,
				  bool block);
struct recorder_task *recorder_attach_find_task(struct recorder *r, pid_t tid);
void recorder_attach_rewind_restart(struct recorder_task *t, uint64_t regs[X86_NREGS]);
/*
 * Stores the file at open_path (/proc/PID/fd/N or /proc/PID/map_files/...)
 * in the trace unless already there; sets m's hash, file size and identity.
 * Returns -ENODEV for something that is not a regular file.
 */
int recorder_store_file(struct recorder *r, struct recorder_task *t, const char *open_path,
			struct trace_map *m);
/* The same for the file open at fd, a descriptor of the recorder's (named open_path). */
int recorder_store_open_file(struct recorder *r, int fd, const char *open_path,
			     struct trace_map *m);
/* Stores t's memory [m->start, m->end) as m's file contents (a System V segment). */
int recorder_store_memory(struct recorder *r, struct recorder_task *t, struct trace_map *m);
/*
 * The store of compressed stored files (record_chunk_cache.c): init finds
 * it (none: chunk_cache NULL), add puts a file's chunks from it into the
 * trace (*done) when it has an entry for them (fd, the file open, named
 * path, is read instead when the entry turns out damaged), capture/end
 * keep the chunks the writer makes for a file being stored, fini keeps the
 * store within its limit. A stored file's blob records hold
 * RECORDER_BLOB_PIECE bytes each.
 */
#define RECORDER_BLOB_PIECE (1u << 20)
void recorder_chunk_cache_init(struct recorder *r);
void recorder_chunk_cache_fini(struct recorder *r);
int recorder_chunk_cache_add(struct recorder *r, int fd, const char *path, struct rw_hash hash,
			     uint64_t size, bool *done);
int recorder_chunk_cache_capture(struct recorder *r, struct rw_hash hash);
int recorder_chunk_cache_end(struct recorder *r, bool keep);
/*
 * The store of file hashes (record_file_ids.c): find gives the hash an
 * earlier recording found for a file of st's identity, add keeps one.
 */
bool recorder_file_ids_find(struct recorder *r, const struct stat *st, struct rw_hash *hash);
void recorder_file_ids_add(struct recorder *r, const struct stat *st, struct rw_hash hash);
void recorder_file_ids_fini(struct recorder *r);
/* Writes the stored-files table, the trace's last record, before the writer finishes. */
int recorder_write_file_table(struct recorder *r);

/*
 * A signal-delivery stop for sig: records and delivers it, or holds it back.
 * *pass_sig receives the signal to resume with (0 when already delivered or held).
 * Returns 0, 1 when the thread died delivering it, or a negative errno.
 */
int recorder_signal_stop(struct recorder *r, struct recorder_task *t, int sig, int *pass_sig);
/*
 * Whether si is a SIGSTOP of rewind's that nothing waits for any more: a
 * preemption's or a kick's sent after the thread had stopped already (its
 * stop not yet seen), whose stop then did the work of both. It is dropped:
 * passed on, it would stop the program for good.
 */
bool recorder_stale_sigstop(const struct recorder_task *t, const siginfo_t *si);
/*
 * Sends t the program's signal sig again (one that came while rewind drove
 * t): a SIGSTOP so sent is the program's, never taken for a stale one.
 */
void recorder_send_again(struct recorder_task *t, int sig);
/* Whether sig's default action ends the process (it is not ignored, stopped or continued). */
bool recorder_signal_kills_by_default(int sig);
/* At a syscall exit or entry: sends the oldest held-back signal again. */
void recorder_resend_held(struct recorder *r, struct recorder_task *t);
/* The signals blocked while held (sigmask_added) taken out of t's mask again. */
void recorder_unblock_held(struct recorder_task *t);

/* The recorder's timers: each a SIGALRM to the recorder's thread, told apart by its value. */
enum recorder_timer {
	RECORDER_TIMER_LIMIT, /* a held-back signal waited too long (record_exec_point.c) */
	RECORDER_TIMER_SCHED, /* the scheduler's tick */
	RECORDER_TIMER_CUT,   /* the writer's chunk is due (record_stop.c) */
	RECORDER_TIMER_STOP,  /* only interrupts the scheduler's wait */
};
int recorder_timer_create(timer_t *timer, enum recorder_timer which);
int recorder_exec_point_init(struct recorder *r);
void recorder_exec_point_fini(struct recorder *r);
/* Lets the time limit interrupt waits for the task (after tracee_init). */
void recorder_exec_point_attach(struct recorder *r, struct recorder_task *t);
/* After a wait was interrupted: stops the running task if a held-back signal waited too long. */
void recorder_exec_point_kick(struct recorder *r);
/* The scheduler's tick every RECORDER_TICK_MS, armed while there is more than one task. */
#define RECORDER_TICK_MS 5
void recorder_sched_tick(struct recorder *r, bool arm);
/* The same, the first tick after first_ns (a short slice); 0 disarms. */
void recorder_sched_tick_after(struct recorder *r, long first_ns);
/* The slice of a thread that spins (preempted twice at one instruction, no syscall between). */
#define RECORDER_SPIN_SLICE_NS 50000L
/* Arms (or disarms) the time limit for held-back signals. */
void recorder_time_limit(struct recorder *r, bool arm);
int recorder_add_exec_point_pages(struct recorder *r, struct recorder_task *t);
/* A new address space's hashes (none yet), another reference to one, and dropping one. */
struct recorder_mm *recorder_mm_new(void);
struct recorder_mm *recorder_mm_get(struct recorder_mm *mm);
void recorder_mm_put(struct recorder_mm *mm);
/*
 * A vfork child writes into its parent's memory until it execs or exits;
 * replay makes it a copy instead. At the vfork the parent's pages are
 * hashed, and at its syscall exit every page that changed is added to
 * that event, so replay gives the parent what the child wrote.
 */
int recorder_vfork_snapshot(struct recorder *r, struct recorder_task *t);
int recorder_add_vfork_pages(struct recorder *r, struct recorder_task *t);

/* The watch list of shared file mappings (record_shared.c), of t's address space. */
/* open_path: where rewind can open the file, for a mapping too large to snapshot (or NULL). */
void recorder_shared_add(struct recorder *r, struct recorder_task *t, const struct trace_map *m,
			 const char *open_path);
void recorder_shared_remove(struct recorder *r, struct recorder_task *t, uint64_t start,
			    uint64_t end);
void recorder_shared_clear(struct recorder *r, struct recorder_task *t);
/*
 * Sparse watching (record_shared_sparse.c): the pages of [off, off + len)
 * of the file at fd that are data, as offsets from off and hashes; and the
 * offsets of the pages that differ between two such lists (malloc'd).
 */
int sparse_pages_scan(int fd, uint64_t off, uint64_t len, struct sparse_page **out, size_t *n);
size_t sparse_pages_changed(const struct sparse_page *was, size_t nwas,
			    const struct sparse_page *now, size_t nnow, uint64_t **changed);
/* mremap moved or resized [old, old + old_len) to [addr, addr + len). */
void recorder_shared_remapped(struct recorder *r, struct recorder_task *t, uint64_t old,
			      uint64_t old_len, uint64_t addr, uint64_t len);
void recorder_shared_free(struct recorder_mm *mm);
/* A forked child's address space watches what its parent's did. */
void recorder_shared_inherit(struct recorder_mm *child, const struct recorder_mm *parent);
/* Whether any recorded process has a watched mapping. */
bool recorder_shared_any(struct recorder *r);
/* Whether syscall nr of t, with args, may change the pages of a watched shared mapping. */
bool recorder_shared_syscall_may_change(struct recorder *r, struct recorder_task *t, long nr,
					const uint64_t args[6]);
void recorder_shared_snapshot(struct recorder *r);
/*
 * After the entry event of t's syscall: in a threaded process, the
 * pointers a blocking syscall writes through go to t's scratch slot.
 * At its exit stop, before the exit is recorded: what the syscall wrote
 * goes where the program asked and the registers get its pointers back.
 */
int recorder_scratch_enter(struct recorder *r, struct recorder_task *t);
int recorder_scratch_exit(struct recorder *r, struct recorder_task *t);
/*
 * What other processes' syscalls changed in t's watched mappings since its
 * last event, added to the event being built (the part of
 * recorder_shared_diff for a call that changes no file).
 */
void recorder_shared_marked(struct recorder *r, struct recorder_task *t);
/* Whether another task of t's address space is running user code. */
bool recorder_scratch_others_run(const struct recorder *r, const struct recorder_task *t);
void recorder_scratch_release(struct recorder_task *t);
void recorder_scratch_inherit(struct recorder_mm *child, const struct recorder_mm *parent);
void recorder_shared_diff(struct recorder *r, struct recorder_task *t);
/*
 * A write t made untraced (the syscall buffer's), to a file t's process
 * does not map shared: what it changed in other processes' shared
 * mappings since their last snapshot, marked for their next syscall exit;
 * then a new snapshot. recorder_shared_any_other: whether another address
 * space has shared mappings at all.
 */
bool recorder_shared_any_other(struct recorder *r, const struct recorder_task *t);
void recorder_shared_diff_others(struct recorder *r, struct recorder_task *t);
/* Whether a private mapping of the file open at fd may see stores through shared ones. */
bool recorder_shared_file_may_change(struct recorder *r, struct recorder_task *t,
				     const char *fdpath, int fd);
/* The same for a file open with these status flags, of this identity. */
bool recorder_shared_open_may_change(struct recorder *r, unsigned flags, const struct stat *st);
/* The System V segment shmat attached at addr goes into the event as a shared mapping. */
int recorder_shm_attached(struct recorder *r, struct recorder_task *t, uint64_t addr);

/*
 * Ending a recording from outside (record_stop.c): handlers for SIGTERM,
 * SIGINT and SIGHUP (those not ignored at start) and the timer that cuts
 * the writer's chunk; fini puts the signals back as they were.
 */
int recorder_stop_init(struct recorder *r);
void recorder_stop_fini(struct recorder *r);
/* In the program's process before its exec: the signals as rewind found them. */
void recorder_stop_child(void);
/* The signal that asked for the recording to stop, or 0. */
int recorder_stop_requested(void);
/* Hands the writer its chunk when the cut timer fired since the last call. */
int recorder_cut_if_due(struct recorder *r);
/* The terminal to the program's process group pgid if rewind's group holds it, and back. */
void recorder_terminal_give(struct recorder *r, pid_t pgid);
void recorder_terminal_take_back(struct recorder *r);
/*
 * The program's first process is in a group-stop for sig: for a job-control
 * stop (SIGTSTP, SIGTTIN, SIGTTOU) under a controlling terminal rewind stops
 * too, until its shell continues it, then passes the terminal and a SIGCONT
 * on to the program.
 */
void recorder_job_stopped(struct recorder *r, int sig);

#endif
