/*
 * The gdb server session: reads packets from the connection, answers each
 * one through the target-ops table, and handles the packets of execution
 * control (?, c/s, vCont, bc/bs, stop replies), threads (H, T), registers
 * (g, p) and memory (m, x), and breakpoints (Z/z). Queries and host file
 * I/O are in query.c and vfile.c.
 *
 * The replay is read-only: G, P, M and X are refused with E01, which gdb
 * reports as a failure to write the register or memory.
 */
#include "gdbstub/internal.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"

#define XSAVE_MAX_SIZE (1u << 20) /* sanity bound for a recorded layout */

/* ---- replies ------------------------------------------------------------------------ */

void gdb_reply_str(struct gdb_server *s, const char *text)
{
	rw_buf_put(&s->reply, text, strlen(text));
}

void gdb_reply_fmt(struct gdb_server *s, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > 0)
		rw_buf_put(&s->reply, text,
			   (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

void gdb_reply_error(struct gdb_server *s, int code)
{
	rw_buf_reset(&s->reply);
	gdb_reply_fmt(s, "E%02x", code & 0xff);
}

void gdb_send_packet(struct gdb_server *s, const void *payload, size_t len)
{
	rw_buf_reset(&s->framed);
	gdb_pkt_frame(&s->framed, payload, len);
	gdb_conn_write(&s->conn, s->framed.data, s->framed.len);
}

/* ---- thread ids --------------------------------------------------------------------- */

/* One component of a thread id: "-1" or a hex number that fits an int. */
static int parse_id_part(const char **p, int *value)
{
	uint64_t v;

	if ((*p)[0] == '-' && (*p)[1] == '1') {
		*p += 2;
		*value = -1;
		return 0;
	}
	if (gdb_parse_hex(p, &v) < 0 || v > INT_MAX)
		return -EINVAL;
	*value = (int)v;
	return 0;
}

int gdb_parse_thread_id(const char **p, int *pid, int *tid)
{
	*pid = 0;
	if (**p != 'p')
		return parse_id_part(p, tid);
	(*p)++;
	if (parse_id_part(p, pid) < 0)
		return -EINVAL;
	if (**p != '.') {
		*tid = -1; /* "p<pid>": all threads of the process */
		return 0;
	}
	(*p)++;
	return parse_id_part(p, tid);
}

void gdb_put_thread_id(struct gdb_server *s, struct rw_buf *out, int pid, int tid)
{
	char text[40];
	int n;

	if (s->multiprocess)
		n = snprintf(text, sizeof(text), "p%x.%x", (unsigned)pid, (unsigned)tid);
	else
		n = snprintf(text, sizeof(text), "%x", (unsigned)tid);
	rw_buf_put(out, text, (size_t)n);
}

int gdb_list_threads(struct gdb_server *s, const struct gdb_thread **threads)
{
	int n;

	*threads = s->threads;
	if (s->exited)
		return 0;
	if (!s->ops->list_threads) {
		memset(s->threads, 0, sizeof(*s->threads));
		s->threads[0].pid = s->pid;
		s->threads[0].tid = s->general_tid;
		return 1;
	}
	n = s->ops->list_threads(s->ctx, s->threads, GDB_MAX_THREADS);
	return n > GDB_MAX_THREADS ? GDB_MAX_THREADS : n;
}

/* Is tid a thread of the process? */
static bool thread_exists(struct gdb_server *s, int tid)
{
	const struct gdb_thread *threads;
	int n = gdb_list_threads(s, &threads);

	for (int i = 0; i < n; i++)
		if (threads[i].tid == tid)
			return true;
	return false;
}

/* ---- signals ------------------------------------------------------------------------ */

/* gdb's signal numbers (the protocol's, from gdb's signals.def) for Linux ones. */
static const struct {
	int host, gdb;
} signal_map[] = {
    {SIGHUP, 1},     {SIGINT, 2},   {SIGQUIT, 3},   {SIGILL, 4},   {SIGTRAP, 5},  {SIGABRT, 6},
    {SIGFPE, 8},     {SIGKILL, 9},  {SIGBUS, 10},   {SIGSEGV, 11}, {SIGSYS, 12},  {SIGPIPE, 13},
    {SIGALRM, 14},   {SIGTERM, 15}, {SIGURG, 16},   {SIGSTOP, 17}, {SIGTSTP, 18}, {SIGCONT, 19},
    {SIGCHLD, 20},   {SIGTTIN, 21}, {SIGTTOU, 22},  {SIGIO, 23},   {SIGXCPU, 24}, {SIGXFSZ, 25},
    {SIGVTALRM, 26}, {SIGPROF, 27}, {SIGWINCH, 28}, {SIGUSR1, 30}, {SIGUSR2, 31}, {SIGPWR, 32},
};

static int gdb_signal_from_host(int sig)
{
	if (sig == 0)
		return 0;
	for (size_t i = 0; i < sizeof(signal_map) / sizeof(signal_map[0]); i++)
		if (signal_map[i].host == sig)
			return signal_map[i].gdb;
	/* Real-time signals: 32 and 64 were added late, so their numbers are apart. */
	if (sig == 32)
		return 77;
	if (sig >= 33 && sig <= 63)
		return 45 + (sig - 33);
	if (sig == 64)
		return 78;
	return 143; /* GDB_SIGNAL_UNKNOWN */
}

int gdb_signal_to_host(int gdb)
{
	for (size_t i = 0; i < sizeof(signal_map) / sizeof(signal_map[0]); i++)
		if (signal_map[i].gdb == gdb)
			return signal_map[i].host;
	if (gdb == 77)
		return 32;
	if (gdb >= 45 && gdb <= 75)
		return 33 + (gdb - 45);
	if (gdb == 78)
		return 64;
	return 0;
}

/* ---- registers ---------------------------------------------------------------------- */

void gdb_cache_invalidate(struct gdb_server *s)
{
	s->cache.tid = 0;
	s->cache.have_gpr = s->cache.have_xsave = false;
}

/* The thread g/p/m act on: the Hg one, or the one that stopped. */
static int general_thread(struct gdb_server *s)
{
	return s->general_tid;
}

/* Fetches the registers of tid into the cache; returns 0 or the get_regs error. */
static int load_regs(struct gdb_server *s, int tid)
{
	struct gdb_reg_cache *c = &s->cache;

	if (c->tid != tid) {
		gdb_cache_invalidate(s);
		c->tid = tid;
	}
	if (!c->have_gpr) {
		c->gpr_err = s->ops->get_regs ? s->ops->get_regs(s->ctx, tid, c->gpr) : -ENOSYS;
		c->have_gpr = true;
	}
	if (!c->have_xsave) {
		c->xsave_err = s->ops->get_xsave
				   ? s->ops->get_xsave(s->ctx, tid, c->xsave, c->xsave_len)
				   : -ENOSYS;
		c->have_xsave = true;
	}
	return c->gpr_err < 0 ? c->gpr_err : 0;
}

/* Appends register regnum in hex, or 'x's when its value is not available. */
static void put_register(struct gdb_server *s, int regnum)
{
	const struct gdb_reg_cache *c = &s->cache;
	uint8_t value[X86_GDB_MAX_REG_BYTES];
	const uint8_t *xsave = c->xsave_err < 0 ? NULL : c->xsave;
	int size = x86_gdb_reg_read(&s->regs, regnum, c->gpr, xsave, c->xsave_len, value);

	if (size > 0) {
		gdb_hex_encode(&s->reply, value, (size_t)size);
		return;
	}
	size = x86_gdb_reg_size(&s->regs, regnum);
	for (int i = 0; i < 2 * size; i++)
		rw_buf_put_u8(&s->reply, 'x');
}

static void handle_read_registers(struct gdb_server *s)
{
	if (load_regs(s, general_thread(s)) < 0) {
		gdb_reply_error(s, 1);
		return;
	}
	for (int i = 0; i < s->regs.count; i++)
		put_register(s, i);
}

static void handle_read_register(struct gdb_server *s, const char *args)
{
	uint64_t regnum;

	if (gdb_parse_hex(&args, &regnum) < 0 || *args || regnum >= (uint64_t)s->regs.count ||
	    load_regs(s, general_thread(s)) < 0) {
		gdb_reply_error(s, 1);
		return;
	}
	put_register(s, (int)regnum);
}

/* P n=value: a general register goes to the target; another may only be given its own value. */
/* After a register write: the cache goes (the target may have changed more), OK or an error. */
static void reply_written(struct gdb_server *s, int err)
{
	gdb_cache_invalidate(s);
	if (err < 0)
		gdb_reply_error(s, 1);
	else
		gdb_reply_str(s, "OK");
}

static void handle_write_register(struct gdb_server *s, const char *args)
{
	uint8_t value[X86_GDB_MAX_REG_BYTES], now[X86_GDB_MAX_REG_BYTES];
	const struct gdb_reg_cache *c = &s->cache;
	int tid = general_thread(s), size, err;
	uint64_t regnum;

	if (!s->ops->set_regs || gdb_parse_hex(&args, &regnum) < 0 || *args++ != '=' ||
	    regnum >= (uint64_t)s->regs.count || load_regs(s, tid) < 0) {
		gdb_reply_error(s, 1);
		return;
	}
	size = x86_gdb_reg_size(&s->regs, (int)regnum);
	if (gdb_hex_decode(args, strlen(args), value, sizeof(value)) != size) {
		gdb_reply_error(s, 1);
		return;
	}
	if (x86_gdb_reg_write_gpr(&s->regs, (int)regnum, s->cache.gpr, value) == 0) {
		err = s->ops->set_regs(s->ctx, tid, s->cache.gpr);
		reply_written(s, err);
		return;
	}
	if (s->ops->set_xsave && c->xsave_err >= 0 &&
	    x86_gdb_reg_write_xsave(&s->regs, (int)regnum, s->cache.xsave, c->xsave_len, value) ==
		0) {
		err = s->ops->set_xsave(s->ctx, tid, c->xsave, c->xsave_len);
		reply_written(s, err);
		return;
	}
	/* x87 control registers, or no way to write: its own value only, which changes nothing. */
	if (x86_gdb_reg_read(&s->regs, (int)regnum, c->gpr, c->xsave_err < 0 ? NULL : c->xsave,
			     c->xsave_len, now) == size &&
	    !memcmp(now, value, (size_t)size))
		gdb_reply_str(s, "OK");
	else
		gdb_reply_error(s, 1);
}

/* ---- memory ------------------------------------------------------------------------- */

/* "addr,length" */
static int parse_addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
	if (gdb_parse_hex(p, addr) < 0 || **p != ',')
		return -EINVAL;
	(*p)++;
	return gdb_parse_hex(p, len);
}

/* m (hex) and x (binary) reads; a short read returns what could be read. */
static void handle_read_memory(struct gdb_server *s, const char *args, bool binary)
{
	uint64_t addr, len;
	long n;

	if (parse_addr_len(&args, &addr, &len) < 0 || *args) {
		gdb_reply_error(s, 1);
		return;
	}
	if (len > GDB_MAX_BINARY_REPLY)
		len = GDB_MAX_BINARY_REPLY;
	if (len == 0) {
		gdb_reply_str(s, binary ? "b" : "OK");
		return;
	}
	n = s->ops->read_memory ? s->ops->read_memory(s->ctx, addr, s->io_buf, len) : -ENOSYS;
	if (n <= 0) {
		gdb_reply_error(s, 1);
		return;
	}
	if ((uint64_t)n > len)
		n = (long)len;
	if (binary) {
		rw_buf_put_u8(&s->reply, 'b');
		gdb_pkt_escape(&s->reply, s->io_buf, (size_t)n);
	} else {
		gdb_hex_encode(&s->reply, s->io_buf, (size_t)n);
	}
}

/* M addr,length:hex. (X, binary, is not taken: gdb then sends M.) */
static void handle_write_memory(struct gdb_server *s, const char *args)
{
	uint64_t addr, len;

	if (!s->ops->write_memory || parse_addr_len(&args, &addr, &len) < 0 || *args++ != ':' ||
	    len > GDB_MAX_BINARY_REPLY ||
	    gdb_hex_decode(args, strlen(args), s->io_buf, GDB_MAX_BINARY_REPLY) != (long)len ||
	    s->ops->write_memory(s->ctx, general_thread(s), addr, s->io_buf, (size_t)len) < 0) {
		gdb_reply_error(s, 1);
		return;
	}
	gdb_cache_invalidate(s);
	gdb_reply_str(s, "OK");
}

/* ---- execution control -------------------------------------------------------------- */

static void put_stop_reason(struct gdb_server *s, const struct gdb_stop *stop)
{
	static const char *const watch_names[] = {[2] = "watch", [3] = "rwatch", [4] = "awatch"};

	switch (stop->kind) {
	case GDB_STOP_SWBREAK:
		if (s->gdb_swbreak)
			gdb_reply_str(s, "swbreak:;");
		break;
	case GDB_STOP_HWBREAK:
		if (s->gdb_hwbreak)
			gdb_reply_str(s, "hwbreak:;");
		break;
	case GDB_STOP_WATCH:
		gdb_reply_fmt(s, "%s:%llx;",
			      stop->watch_type >= 2 && stop->watch_type <= 4
				  ? watch_names[stop->watch_type]
				  : "awatch",
			      (unsigned long long)stop->watch_addr);
		break;
	case GDB_STOP_EXEC:
		if (s->exec_events && stop->exec_path) {
			gdb_reply_str(s, "exec:");
			gdb_hex_encode(&s->reply, (const uint8_t *)stop->exec_path,
				       strlen(stop->exec_path));
			gdb_reply_str(s, ";");
		}
		break;
	case GDB_STOP_REPLAY_END:
		/* gdb says "No more reverse-execution history." for either end. */
		gdb_reply_str(s, stop->at_begin ? "replaylog:begin;" : "replaylog:end;");
		break;
	case GDB_STOP_SYSCALL_ENTRY:
	case GDB_STOP_SYSCALL_RETURN:
		gdb_reply_fmt(s, "%s:%lx;",
			      stop->kind == GDB_STOP_SYSCALL_ENTRY ? "syscall_entry"
								   : "syscall_return",
			      (unsigned long)stop->sysno);
		break;
	default:
		break;
	}
}

/* rip, rsp and rbp ride along with the stop, saving gdb three round trips. */
static void put_expedited_registers(struct gdb_server *s, int tid)
{
	static const char *const names[] = {"rip", "rsp", "rbp"};

	if (load_regs(s, tid) < 0)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int regnum = x86_gdb_reg_find(&s->regs, names[i]);

		if (regnum < 0)
			continue;
		gdb_reply_fmt(s, "%02x:", (unsigned)regnum);
		put_register(s, regnum);
		gdb_reply_str(s, ";");
	}
}

static void put_stop_reply(struct gdb_server *s, const struct gdb_stop *stop)
{
	int sig = stop->kind == GDB_STOP_SIGNAL ? gdb_signal_from_host(stop->signo) : 5;

	if (stop->pid > 0)
		s->pid = stop->pid;
	if (stop->kind == GDB_STOP_EXITED || stop->kind == GDB_STOP_KILLED) {
		if (stop->kind == GDB_STOP_EXITED)
			gdb_reply_fmt(s, "W%02x", stop->exit_code & 0xff);
		else
			gdb_reply_fmt(s, "X%02x", gdb_signal_from_host(stop->signo) & 0xff);
		if (s->multiprocess)
			gdb_reply_fmt(s, ";process:%x", (unsigned)s->pid);
		s->exited = true;
		return;
	}
	s->exited = false;
	if (stop->tid > 0)
		s->general_tid = stop->tid;
	gdb_reply_fmt(s, "T%02xthread:", sig & 0xff);
	gdb_put_thread_id(s, &s->reply, s->pid, s->general_tid);
	gdb_reply_str(s, ";");
	put_stop_reason(s, stop);
	put_expedited_registers(s, s->general_tid);
}

static void handle_stop_query(struct gdb_server *s)
{
	struct gdb_stop stop;

	memset(&stop, 0, sizeof(stop));
	stop.kind = GDB_STOP_SIGNAL;
	stop.signo = SIGTRAP;
	stop.pid = s->pid;
	stop.tid = s->general_tid;
	if (s->ops->current_stop)
		s->ops->current_stop(s->ctx, &stop);
	put_stop_reply(s, &stop);
}

static void console_line(void *arg, const char *line)
{
	struct gdb_server *s = arg;

	rw_buf_put(&s->console, line, strlen(line));
}

/*
 * What the target said while running (a divergence, a warning) goes to
 * gdb's console too, in O packets before the stop reply.
 */
static void send_console(struct gdb_server *s)
{
	size_t chunk = GDB_MAX_BINARY_REPLY / 2;
	struct rw_buf pkt;

	rw_buf_init(&pkt);
	for (size_t off = 0; off < s->console.len; off += chunk) {
		size_t n = s->console.len - off < chunk ? s->console.len - off : chunk;

		rw_buf_reset(&pkt);
		rw_buf_put_u8(&pkt, 'O');
		gdb_hex_encode(&pkt, s->console.data + off, n);
		gdb_send_packet(s, pkt.data, pkt.len);
	}
	rw_buf_free(&pkt);
	rw_buf_reset(&s->console);
}

static void resume(struct gdb_server *s, enum gdb_resume_kind kind, int tid)
{
	struct gdb_stop stop;
	int err;

	memset(&stop, 0, sizeof(stop));
	gdb_cache_invalidate(s);
	if (!s->ops->resume) {
		gdb_reply_error(s, 1);
		return;
	}
	gdb_conn_watch_interrupt(&s->conn, s->parser.state);
	rw_buf_reset(&s->console);
	rw_log_tee(console_line, s);
	err = s->ops->resume(s->ctx, kind, tid, &stop, gdb_conn_poll_interrupt, &s->conn);
	rw_log_tee(NULL, NULL);
	gdb_cache_invalidate(s);
	if (!err && stop.note)
		rw_buf_put(&s->console, stop.note, strlen(stop.note));
	send_console(s);
	if (err < 0) {
		rw_debug("gdb server: resume failed: %s", strerror(-err));
		gdb_reply_error(s, 1);
		return;
	}
	put_stop_reply(s, &stop);
}

/*
 * vCont;action[:thread];... in all-stop mode: a step action names the
 * thread to step (the others stay stopped while it steps, as they may in
 * all-stop); otherwise everything continues. Signals that gdb asks to
 * deliver (C/S) are ignored: the replay delivers what the recording did.
 */
static void handle_vcont(struct gdb_server *s, const char *p)
{
	enum gdb_resume_kind kind = GDB_RESUME_CONTINUE;
	bool any = false, step = false;
	int step_tid = 0;

	while (*p == ';') {
		char action = *++p;
		uint64_t sig;
		int pid, tid = 0;

		if (!action || !strchr("cCsSt", action)) {
			gdb_reply_error(s, 1);
			return;
		}
		p++;
		if ((action == 'C' || action == 'S') && gdb_parse_hex(&p, &sig) < 0) {
			gdb_reply_error(s, 1);
			return;
		}
		if (*p == ':') {
			p++;
			if (gdb_parse_thread_id(&p, &pid, &tid) < 0) {
				gdb_reply_error(s, 1);
				return;
			}
		}
		if ((action == 's' || action == 'S') && !step) {
			step = true;
			step_tid = tid;
		}
		any |= action != 't';
	}
	if (*p || !any) {
		gdb_reply_error(s, 1);
		return;
	}
	if (step) {
		kind = GDB_RESUME_STEP;
		resume(s, kind, step_tid > 0 ? step_tid : general_thread(s));
	} else {
		resume(s, kind, -1);
	}
}

/* c/s [addr], C/S sig[;addr]: resuming at another address would change the replay. */
static void handle_legacy_resume(struct gdb_server *s, char op)
{
	bool step = op == 's' || op == 'S';

	resume(s, step ? GDB_RESUME_STEP : GDB_RESUME_CONTINUE, step ? general_thread(s) : -1);
}

/* ---- threads, breakpoints ----------------------------------------------------------- */

static void handle_set_thread(struct gdb_server *s, const char *p)
{
	char which = *p++;
	int pid, tid;

	if ((which != 'g' && which != 'c') || gdb_parse_thread_id(&p, &pid, &tid) < 0 || *p) {
		gdb_reply_error(s, 1);
		return;
	}
	if (which == 'g' && tid > 0) {
		if (!thread_exists(s, tid)) {
			gdb_reply_error(s, 1);
			return;
		}
		s->general_tid = tid;
	}
	/* Hc and "any"/"all" threads keep the thread that last stopped. */
	gdb_reply_str(s, "OK");
}

static void handle_thread_alive(struct gdb_server *s, const char *p)
{
	int pid, tid;

	if (gdb_parse_thread_id(&p, &pid, &tid) < 0 || *p || tid <= 0 || s->exited ||
	    !thread_exists(s, tid))
		gdb_reply_error(s, 1);
	else
		gdb_reply_str(s, "OK");
}

/* Z/z type,addr,kind[;cond...]: conditions are not advertised, so none come. */
static void handle_breakpoint(struct gdb_server *s, const char *p, bool insert)
{
	uint64_t type, addr, kind;
	int err;

	if (gdb_parse_hex(&p, &type) < 0 || *p++ != ',' || parse_addr_len(&p, &addr, &kind) < 0) {
		gdb_reply_error(s, 1);
		return;
	}
	if (type > 4 || !s->ops->set_breakpoint)
		return; /* empty: not supported */
	err = s->ops->set_breakpoint(s->ctx, (int)type, addr, (int)kind, insert);
	if (err == -ENOTSUP)
		return;
	if (err < 0)
		gdb_reply_error(s, 1);
	else
		gdb_reply_str(s, "OK");
}

static void end_session(struct gdb_server *s)
{
	if (s->ops->kill)
		s->ops->kill(s->ctx);
	s->done = true;
}

/* ---- dispatch ----------------------------------------------------------------------- */

static bool handle_v_packet(struct gdb_server *s, const char *pkt, size_t len)
{
	if (strncmp(pkt, "vCont?", 6) == 0) {
		gdb_reply_str(s, "vCont;c;C;s;S");
	} else if (strncmp(pkt, "vCont;", 6) == 0) {
		handle_vcont(s, pkt + 5);
	} else if (strncmp(pkt, "vKill", 5) == 0) {
		gdb_reply_str(s, "OK");
		end_session(s);
	} else if (strncmp(pkt, "vFile:", 6) == 0) {
		return gdb_handle_vfile(s, pkt, len);
	} else {
		return false; /* vMustReplyEmpty, vRun, vAttach, ...: empty */
	}
	return true;
}

/* Handles one packet; returns false if no reply must be sent (k). */
static bool dispatch(struct gdb_server *s, const char *pkt, size_t len)
{
	switch (pkt[0]) {
	case '?':
		handle_stop_query(s);
		break;
	case 'g':
		handle_read_registers(s);
		break;
	case 'p':
		handle_read_register(s, pkt + 1);
		break;
	case 'P':
		handle_write_register(s, pkt + 1);
		break;
	case 'M':
		handle_write_memory(s, pkt + 1);
		break;
	case 'X':
		if (!s->ops->write_memory)
			gdb_reply_error(s, 1); /* the recording cannot be changed */
		break; /* else unsupported: gdb sends M */
	case 'G':
		gdb_reply_error(s, 1); /* P is the way: registers one by one */
		break;
	case 'm':
	case 'x':
		handle_read_memory(s, pkt + 1, pkt[0] == 'x');
		break;
	case 'c':
	case 'C':
	case 's':
	case 'S':
		handle_legacy_resume(s, pkt[0]);
		break;
	case 'b':
		if (strcmp(pkt, "bc") == 0)
			resume(s, GDB_RESUME_REVERSE_CONTINUE, -1);
		else if (strcmp(pkt, "bs") == 0)
			resume(s, GDB_RESUME_REVERSE_STEP, general_thread(s));
		break;
	case 'H':
		handle_set_thread(s, pkt + 1);
		break;
	case 'T':
		handle_thread_alive(s, pkt + 1);
		break;
	case 'Z':
	case 'z':
		handle_breakpoint(s, pkt + 1, pkt[0] == 'Z');
		break;
	case 'k':
		end_session(s);
		if (!s->lldb)
			return false; /* gdb expects no reply */
		gdb_reply_str(s, "X09"); /* lldb waits for the process's end */
		break;
	case 'D':
		gdb_reply_str(s, "OK");
		end_session(s);
		break;
	case 'q':
	case 'Q':
		gdb_handle_query(s, pkt, len);
		break;
	case 'v':
		handle_v_packet(s, pkt, len);
		break;
	default:
		break; /* unknown: the empty reply tells gdb so */
	}
	return true;
}

static void handle_packet(struct gdb_server *s)
{
	size_t len;
	const char *pkt = (const char *)gdb_pkt_payload(&s->parser, &len);
	bool was_no_ack = s->no_ack;

	if (!s->no_ack)
		gdb_conn_write(&s->conn, "+", 1);
	rw_buf_reset(&s->reply);
	if (dispatch(s, pkt, len))
		gdb_send_packet(s, s->reply.data, s->reply.len);
	/* QStartNoAckMode: the OK above was the last packet that gdb acknowledges. */
	if (s->no_ack && !was_no_ack)
		s->parser.verify_checksum = false;
}

static void handle_event(struct gdb_server *s, enum gdb_pkt_event ev)
{
	switch (ev) {
	case GDB_PKT_EV_PACKET:
		handle_packet(s);
		break;
	case GDB_PKT_EV_BAD_CHECKSUM:
		rw_debug("gdb server: packet with a bad checksum");
		if (!s->no_ack)
			gdb_conn_write(&s->conn, "-", 1);
		break;
	case GDB_PKT_EV_TOO_LONG:
		rw_debug("gdb server: packet longer than %d bytes refused", GDB_PACKET_SIZE);
		if (!s->no_ack)
			gdb_conn_write(&s->conn, "+", 1);
		gdb_send_packet(s, "E01", 3);
		break;
	case GDB_PKT_EV_NACK:
		if (s->framed.len)
			gdb_conn_write(&s->conn, s->framed.data, s->framed.len);
		break;
	default:
		break; /* acks; a ^C while nothing runs has nothing to stop */
	}
}

/* Parses and answers every complete packet in the input buffer. */
static void process_input(struct gdb_server *s)
{
	struct gdb_conn *c = &s->conn;

	while (c->in_start < c->in_end && !s->done) {
		enum gdb_pkt_event ev;

		c->in_start += gdb_pkt_parser_feed(&s->parser, c->in + c->in_start,
						   c->in_end - c->in_start, &ev);
		if (ev != GDB_PKT_EV_NONE)
			handle_event(s, ev);
	}
}

/* ---- the session -------------------------------------------------------------------- */

struct gdb_server *gdb_server_create(const struct gdb_target_ops *ops, void *ctx,
				     const struct gdb_xsave_layout *layout)
{
	struct x86_xsave_layout xl;
	struct gdb_server *s = xcalloc(1, sizeof(*s));

	s->ops = ops;
	s->ctx = ctx;
	s->layout = *layout;
	memset(&xl, 0, sizeof(xl));
	xl.xcr0 = layout->xcr0;
	xl.total_size = layout->size <= XSAVE_MAX_SIZE ? layout->size : 0;
	memcpy(xl.offset, layout->offset, sizeof(xl.offset));
	memcpy(xl.size, layout->comp_size, sizeof(xl.size));
	x86_gdb_regs_init(&s->regs, &xl);
	s->cache.xsave_len = xl.total_size > 512 ? xl.total_size : 512;
	s->cache.xsave = xcalloc(1, s->cache.xsave_len);
	s->io_buf = xmalloc(GDB_MAX_BINARY_REPLY);
	s->threads = xcalloc(GDB_MAX_THREADS, sizeof(*s->threads));
	gdb_pkt_parser_init(&s->parser, GDB_PACKET_SIZE);
	rw_buf_init(&s->reply);
	rw_buf_init(&s->framed);
	rw_buf_init(&s->scratch);
	rw_buf_init(&s->monitor);
	rw_buf_init(&s->console);
	gdb_conn_init(&s->conn, -1, NULL);
	s->pid = -1;
	return s;
}

void gdb_server_free(struct gdb_server *s)
{
	if (!s)
		return;
	gdb_pkt_parser_free(&s->parser);
	rw_buf_free(&s->reply);
	rw_buf_free(&s->framed);
	rw_buf_free(&s->scratch);
	rw_buf_free(&s->monitor);
	rw_buf_free(&s->console);
	free(s->cache.xsave);
	free(s->io_buf);
	free(s->threads);
	free(s);
}

/* Learns the process and thread from the target's current stop, once. */
static void session_start(struct gdb_server *s)
{
	struct gdb_stop stop;

	if (s->pid >= 0)
		return;
	memset(&stop, 0, sizeof(stop));
	if (s->ops->current_stop)
		s->ops->current_stop(s->ctx, &stop);
	s->pid = stop.pid > 0 ? stop.pid : 1;
	s->general_tid = stop.tid > 0 ? stop.tid : s->pid;
	s->exited = stop.kind == GDB_STOP_EXITED || stop.kind == GDB_STOP_KILLED;
}

int gdb_server_serve(struct gdb_server *s, int fd)
{
	gdb_conn_init(&s->conn, fd, NULL);
	session_start(s);
	while (!s->done) {
		if (s->conn.in_start == s->conn.in_end) {
			long n = gdb_conn_fill(&s->conn);

			if (n < 0 && n != -ECONNRESET) {
				rw_error("gdb server: reading from gdb: %s", strerror((int)-n));
				return (int)n;
			}
			if (n <= 0) {
				if (s->parser.state != GDB_PKT_IDLE)
					rw_debug("gdb server: connection closed inside a packet");
				return 0; /* gdb went away */
			}
		}
		process_input(s);
		if (s->conn.closed && s->conn.in_start == s->conn.in_end)
			return 0;
	}
	return 0;
}

int gdb_server_feed(struct gdb_server *s, const uint8_t *data, size_t len, struct rw_buf *out)
{
	struct gdb_conn *c = &s->conn;

	c->fd = -1;
	c->capture = out;
	session_start(s);
	while (len && !s->done) {
		size_t room, n;

		if (c->in_start == c->in_end)
			c->in_start = c->in_end = 0;
		room = sizeof(c->in) - c->in_end;
		n = len < room ? len : room;
		memcpy(c->in + c->in_end, data, n);
		c->in_end += n;
		data += n;
		len -= n;
		process_input(s);
	}
	c->in_start = c->in_end = 0;
	return s->done ? 1 : 0;
}
