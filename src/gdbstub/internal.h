/*
 * What the files of src/gdbstub share and nothing else sees: the
 * connection (connection.c), the server state, and the packet handlers
 * split by family (server.c runs the session and execution control,
 * query.c the q and qXfer queries, vfile.c the host I/O of vFile).
 * Tests and the fuzzer use gdb_server_feed to drive a server without a
 * socket.
 */
#ifndef REWIND_GDBSTUB_INTERNAL_H
#define REWIND_GDBSTUB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/gdb_regs.h"
#include "common/buf.h"
#include "gdbstub/gdbstub.h"
#include "gdbstub/packet.h"

/* The largest packet payload accepted (and advertised as PacketSize). */
#define GDB_PACKET_SIZE 0x10000
#define GDB_MAX_THREADS 4096

/* One connection to gdb. fd < 0: no socket; replies go to `capture` (or nowhere). */
struct gdb_conn {
	int fd;
	struct rw_buf *capture;
	uint8_t in[16384];
	size_t in_start, in_end; /* bytes read and not yet parsed */
	bool closed;		 /* end of file or a read/write error */
	/* Interrupt scanning while the target runs: state after the bytes already scanned. */
	enum gdb_pkt_state scan_state;
	size_t scanned_end;
	bool interrupted;
};

void gdb_conn_init(struct gdb_conn *c, int fd, struct rw_buf *capture);
/* Reads more bytes into the input buffer, waiting for them; returns the count, 0 at EOF, or -errno.
 */
long gdb_conn_fill(struct gdb_conn *c);
/* Writes all bytes; returns 0 or -errno (the connection is then marked closed). */
int gdb_conn_write(struct gdb_conn *c, const void *data, size_t len);
/* Starts watching for ^C before the target runs, from the parser's current state. */
void gdb_conn_watch_interrupt(struct gdb_conn *c, enum gdb_pkt_state parser_state);
/* The poll_interrupt callback of gdb_target_ops.resume; arg is the struct gdb_conn. */
bool gdb_conn_poll_interrupt(void *arg);

struct gdb_reg_cache {
	int tid; /* 0: nothing cached */
	bool have_gpr, have_xsave;
	int gpr_err, xsave_err;
	uint64_t gpr[27];
	uint8_t *xsave;
	size_t xsave_len;
};

struct gdb_server {
	const struct gdb_target_ops *ops;
	void *ctx;
	struct gdb_xsave_layout layout;
	struct x86_gdb_regs regs;
	struct gdb_conn conn;
	struct gdb_pkt_parser parser;

	bool no_ack;	   /* QStartNoAckMode accepted */
	bool multiprocess; /* gdb announced multiprocess+: thread ids are p<pid>.<tid> */
	bool gdb_swbreak;  /* gdb understands the swbreak stop reason */
	bool gdb_hwbreak;  /* ... and hwbreak */
	bool exec_events;  /* ... and exec-events: an exec is a stop reason */
	bool lldb;	   /* the client asked qHostInfo or qProcessInfo: it is lldb */
	bool done;	   /* k, vKill or D: the session has ended */
	int pid;	   /* the process being debugged */
	int general_tid;   /* Hg: the thread g/p/m act on */
	bool exited;	   /* the last stop was an exit: no thread is left */
	struct gdb_reg_cache cache;
	struct gdb_thread *threads; /* GDB_MAX_THREADS entries for list_threads */

	struct rw_buf reply;   /* payload of the reply being built */
	struct rw_buf framed;  /* the last reply as sent, for a '-' */
	struct rw_buf scratch; /* qXfer documents being served */
	struct rw_buf monitor; /* qRcmd output */
	struct rw_buf console; /* messages while the target ran, for O packets */
	uint8_t *io_buf;       /* memory and file reads */
};

/* Syscall numbers one QCatchSyscalls packet may list. */
#define GDB_MAX_CATCH_SYSCALLS 512
/* gdb numbers its signals below 256: a longer QPassSignals list repeats some. */
#define GDB_MAX_PASS_SIGNALS 256

/* Bytes of binary data a reply can carry when every byte may need escaping. */
#define GDB_MAX_BINARY_REPLY ((GDB_PACKET_SIZE - 64) / 2)

/* Reply helpers: the payload of the current reply. */
void gdb_reply_str(struct gdb_server *s, const char *text);
void gdb_reply_fmt(struct gdb_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gdb_reply_error(struct gdb_server *s, int code);
/* Sends one packet now, outside the request/reply pairing (qRcmd's O packets). */
void gdb_send_packet(struct gdb_server *s, const void *payload, size_t len);

/*
 * Thread ids: "p<pid>.<tid>", "<tid>", "-1" (all) and "0" (any), hex.
 * Parses one at *p and moves past it; *tid is -1 for all, 0 for any.
 */
int gdb_parse_thread_id(const char **p, int *pid, int *tid);
void gdb_put_thread_id(struct gdb_server *s, struct rw_buf *out, int pid, int tid);

/* Linux's number for gdb's protocol number of a signal; 0 for one Linux has not. */
int gdb_signal_to_host(int gdb);
/* The threads of the process (none once it has exited); returns the count or negative errno. */
int gdb_list_threads(struct gdb_server *s, const struct gdb_thread **threads);
/* Forgets the registers read for gdb: the target moved (a resume, a monitor command). */
void gdb_cache_invalidate(struct gdb_server *s);

/* Packet families outside server.c. Each returns true if it recognized the packet. */
bool gdb_handle_query(struct gdb_server *s, const char *pkt, size_t len);
bool gdb_handle_vfile(struct gdb_server *s, const char *pkt, size_t len);
/* XML text: markup characters escaped, control bytes replaced (at most max bytes of text). */
void gdb_put_xml_escaped(struct rw_buf *out, const char *text, size_t max);
/*
 * The qXfer:libraries-svr4 document (svr4.c), from the auxv and memory.
 * For lldb only (s->lldb; gdb gets an error and reads memory itself): the
 * main program comes first, named by its path.
 */
int gdb_build_svr4(struct gdb_server *s, struct rw_buf *doc);

/*
 * Handles bytes as if gdb had sent them, without a socket: replies are
 * appended to out (NULL: dropped). Returns 1 once the session has ended
 * (k, vKill, D), else 0.
 */
int gdb_server_feed(struct gdb_server *s, const uint8_t *data, size_t len, struct rw_buf *out);

#endif
