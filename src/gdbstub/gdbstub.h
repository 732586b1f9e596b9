/*
 * The gdb remote serial protocol server. It knows nothing of ptrace or
 * traces: the replayer hands it a gdb_target (a table of operations and
 * their context) and the server turns packets into calls on it. Framing and
 * checksums, the connection, packet dispatch and the target description
 * live in separate files of src/gdbstub/.
 */
#ifndef REWIND_GDBSTUB_GDBSTUB_H
#define REWIND_GDBSTUB_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gdb_resume_kind {
	GDB_RESUME_CONTINUE,
	GDB_RESUME_STEP,	     /* one instruction */
	GDB_RESUME_REVERSE_CONTINUE, /* bc */
	GDB_RESUME_REVERSE_STEP,     /* bs */
};

enum gdb_stop_kind {
	GDB_STOP_SIGNAL,     /* stopped with signo (SIGTRAP after a step or an interrupt) */
	GDB_STOP_SWBREAK,    /* hit a software breakpoint (Z0) */
	GDB_STOP_HWBREAK,    /* hit a hardware breakpoint (Z1) */
	GDB_STOP_WATCH,	     /* watchpoint: watch_addr, watch_type (2 write, 3 read, 4 access) */
	GDB_STOP_EXITED,     /* W: exit_code */
	GDB_STOP_KILLED,     /* X: signo */
	GDB_STOP_REPLAY_END, /* T with replaylog:begin (start of history) or end of the recording */
	GDB_STOP_SYSCALL_ENTRY,	 /* catch syscall: sysno is being called */
	GDB_STOP_SYSCALL_RETURN, /* catch syscall: sysno returned */
	GDB_STOP_EXEC, /* the process exec'd exec_path (reported when gdb follows execs) */
};

struct gdb_stop {
	enum gdb_stop_kind kind;
	int signo;
	int pid, tid;
	int exit_code;
	uint64_t watch_addr;
	int watch_type;
	bool at_begin; /* GDB_STOP_REPLAY_END: the start (true) or the end (false) of the history */
	long sysno;    /* GDB_STOP_SYSCALL_* */
	const char *exec_path; /* GDB_STOP_EXEC */
	const char *note;      /* a line for gdb's console, shown before the stop (or NULL) */
};

/* One thread as `info threads` shows it. */
struct gdb_thread {
	int pid, tid;
	char name[32];
};

/*
 * Thread-local storage, for `print` of a __thread variable. gdb asks with
 * qGetTLSAddr for the address of `offset` bytes into the TLS block that
 * the module with link_map `lm` has in a thread. Finding a module's TLS
 * block needs fields of the C library's private structures, so, like
 * gdbserver does for libthread_db, the server asks gdb to look up
 * symbols that describe them (qSymbol) whenever gdb loads new objfiles.
 */
struct gdb_tls_ops {
	/* Names of the symbols to look up, NULL-terminated; may be NULL. */
	const char *const *symbols;
	/*
	 * gdb's answer for symbols[index]: its address, or found = false when
	 * gdb knows no such symbol. Each round of lookups (one per qSymbol::
	 * from gdb) asks for every symbol again, so an answer replaces the
	 * one before (a new exec loads another C library).
	 */
	void (*symbol_value)(void *ctx, int index, bool found, uint64_t value);
	/* The address of the variable; returns 0 or negative errno (gdb gets an E reply). */
	int (*get_address)(void *ctx, int tid, uint64_t offset, uint64_t lm, uint64_t *addr);
};

struct gdb_target_ops {
	/* Threads of the process being debugged; returns the count (<= max) or negative errno. */
	int (*list_threads)(void *ctx, struct gdb_thread *out, int max);
	/*
	 * Registers of a thread: the 27 words of x86_64 user_regs_struct (the
	 * order of arch/x86_64/regs.h) and its XSAVE area in standard format,
	 * with the layout given at gdb_server_create. Return 0 or negative errno.
	 */
	int (*get_regs)(void *ctx, int tid, uint64_t regs[27]);
	int (*get_xsave)(void *ctx, int tid, uint8_t *buf, size_t len);
	/* Reads memory; returns bytes read (may be short at an unmapped page) or negative errno. */
	long (*read_memory)(void *ctx, uint64_t addr, void *buf, size_t len);
	/*
	 * P and M packets (gdb calling a function of the program, say): the
	 * general registers of a thread, and memory. 0 or negative errno; NULL:
	 * registers and memory are read-only. Other registers stay read-only:
	 * writing one its own value is no change and succeeds.
	 */
	int (*set_regs)(void *ctx, int tid, const uint64_t regs[27]);
	/* The XSAVE area, as get_xsave gives it (vector registers, MXCSR); NULL: read-only. */
	int (*set_xsave)(void *ctx, int tid, const uint8_t *buf, size_t len);
	/* Memory, as gdb's selected thread tid sees it. */
	int (*write_memory)(void *ctx, int tid, uint64_t addr, const void *buf, size_t len);
	/*
	 * Runs (tid = the thread to step, or -1 for all) until something stops
	 * it, and describes the stop. poll_interrupt is called now and then
	 * while running; when it returns true (gdb sent ^C) the target stops
	 * with GDB_STOP_SIGNAL/SIGINT. Returns 0 or negative errno.
	 */
	int (*resume)(void *ctx, enum gdb_resume_kind kind, int tid, struct gdb_stop *stop,
		      bool (*poll_interrupt)(void *arg), void *poll_arg);
	/* Z/z packets: type 0 sw, 1 hw, 2 write, 3 read, 4 access watchpoint. 0, -ENOTSUP or errno.
	 */
	int (*set_breakpoint)(void *ctx, int type, uint64_t addr, int kind, bool insert);
	/* qRcmd: runs a monitor command, writes its text output; returns 0 or negative errno. */
	int (*monitor)(void *ctx, const char *cmd, char *out, size_t outlen);
	/* qXfer:auxv:read: the whole auxv of the process; returns its length or negative errno. */
	long (*read_auxv)(void *ctx, uint8_t *buf, size_t max);
	/* qXfer:exec-file:read: the program's path as the recording knew it. */
	const char *(*exec_file)(void *ctx, int pid);
	/*
	 * vFile: files gdb asks for (binaries, libraries), served from the
	 * trace's stored copies. open returns a handle >= 0 or negative errno.
	 */
	int (*file_open)(void *ctx, const char *path, int flags, int mode);
	long (*file_pread)(void *ctx, int handle, void *buf, size_t len, uint64_t offset);
	int (*file_close)(void *ctx, int handle);
	/* st_size and st_mode of an open handle, for vFile:fstat. */
	int (*file_fstat)(void *ctx, int handle, uint64_t *size, uint32_t *mode);
	/* vFile:readlink: returns length written or negative errno. */
	long (*file_readlink)(void *ctx, const char *path, char *buf, size_t len);
	/* The current stop, for '?' and after attaching. */
	void (*current_stop)(void *ctx, struct gdb_stop *stop);
	/* k / vKill / D: the session ends. */
	void (*kill)(void *ctx);
	/*
	 * QCatchSyscalls: stop at the entry and return of the syscalls in
	 * `nums` (all of them when n < 0), or of none (enable false); NULL: the
	 * packet is not supported. Returns 0 or negative errno.
	 */
	int (*catch_syscalls)(void *ctx, bool enable, const long *nums, int n);
	/*
	 * QPassSignals: the signals (Linux numbers) gdb would let through
	 * without stopping or printing, replacing the last set: a run goes on
	 * past them without a stop. NULL: the packet is not supported.
	 */
	void (*pass_signals)(void *ctx, const int *signos, int n);
	/* qGetTLSAddr and the qSymbol lookups it needs; NULL: neither is answered. */
	const struct gdb_tls_ops *tls;
};

/* XSAVE layout for the target description and register packets. */
struct gdb_xsave_layout {
	uint64_t xcr0;
	uint32_t size;
	uint32_t offset[32];
	uint32_t comp_size[32];
};

struct gdb_server;

/* Creates a server for one connection. */
struct gdb_server *gdb_server_create(const struct gdb_target_ops *ops, void *ctx,
				     const struct gdb_xsave_layout *layout);
void gdb_server_free(struct gdb_server *s);
/*
 * Listens on 127.0.0.1:port (0 = any free port; never another address),
 * returns the listening fd and stores the port, or negative errno.
 */
int gdb_listen_loopback(int port, int *bound_port);
/*
 * Listens on a local socket in a new directory only this user may enter
 * ($XDG_RUNTIME_DIR, else /tmp): its path goes to path. Returns the
 * listening fd or negative errno. gdb_unlink_private removes both.
 */
int gdb_listen_private(char *path, size_t size);
void gdb_unlink_private(const char *path);
/*
 * Accepts one connection on a listening fd; returns the connected fd or
 * negative errno (-EACCES for a local connection from another user).
 */
int gdb_accept(int listen_fd);
/* Serves packets on a connected fd until gdb detaches, kills or disconnects. Returns 0 or negative.
 */
int gdb_server_serve(struct gdb_server *s, int fd);

#endif
