/*
 * General queries (q and Q packets): feature negotiation, threads, the
 * qXfer objects (target description, auxv, executable name, thread list)
 * and monitor commands (qRcmd). Part of the server; see internal.h.
 */
#include "gdbstub/internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MONITOR_OUTPUT_MAX  (64 * 1024)
#define MONITOR_COMMAND_MAX 4096
#define AUXV_MAX	    (64 * 1024)

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* qSupported:feature;feature...: notes what gdb can do, says what we can. */
static void handle_supported(struct gdb_server *s, const char *features)
{
	char copy[1024], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", features);
	for (char *f = strtok_r(copy, ";", &save); f; f = strtok_r(NULL, ";", &save)) {
		if (strcmp(f, "multiprocess+") == 0)
			s->multiprocess = true;
		else if (strcmp(f, "swbreak+") == 0)
			s->gdb_swbreak = true;
		else if (strcmp(f, "hwbreak+") == 0)
			s->gdb_hwbreak = true;
		else if (strcmp(f, "exec-events+") == 0)
			s->exec_events = true;
	}
	gdb_reply_fmt(s,
		      "PacketSize=%x;QStartNoAckMode+;qXfer:features:read+;qXfer:auxv:read+;"
		      "qXfer:exec-file:read+;qXfer:threads:read+;qXfer:libraries-svr4:read+;"
		      "vContSupported+;",
		      GDB_PACKET_SIZE);
	gdb_reply_str(s, "swbreak+;hwbreak+;multiprocess+;ReverseContinue+;ReverseStep+;"
			 "binary-upload+;exec-events+");
	if (s->ops->catch_syscalls)
		gdb_reply_str(s, ";QCatchSyscalls+");
	if (s->ops->pass_signals)
		gdb_reply_str(s, ";QPassSignals+");
}

static void handle_thread_info(struct gdb_server *s)
{
	const struct gdb_thread *threads;
	int n = gdb_list_threads(s, &threads);

	if (n < 0) {
		gdb_reply_error(s, 1);
		return;
	}
	/* All threads in the first reply; qsThreadInfo then ends the list. */
	gdb_reply_str(s, n ? "m" : "l");
	for (int i = 0; i < n; i++) {
		if (i)
			gdb_reply_str(s, ",");
		gdb_put_thread_id(s, &s->reply, threads[i].pid > 0 ? threads[i].pid : s->pid,
				  threads[i].tid);
	}
}

/* ---- qXfer -------------------------------------------------------------------------- */

void gdb_put_xml_escaped(struct rw_buf *out, const char *text, size_t max)
{
	for (size_t i = 0; i < max && text[i]; i++) {
		switch (text[i]) {
		case '<':
			rw_buf_put(out, "&lt;", 4);
			break;
		case '>':
			rw_buf_put(out, "&gt;", 4);
			break;
		case '&':
			rw_buf_put(out, "&amp;", 5);
			break;
		case '"':
			rw_buf_put(out, "&quot;", 6);
			break;
		case '\'':
			rw_buf_put(out, "&apos;", 6);
			break;
		default:
			/* Control bytes are not allowed in XML 1.0 at all. */
			rw_buf_put_u8(out, (unsigned char)text[i] < 0x20 ? '?' : (uint8_t)text[i]);
		}
	}
}

static int build_threads_xml(struct gdb_server *s, struct rw_buf *doc)
{
	const struct gdb_thread *threads;
	int n = gdb_list_threads(s, &threads);

	if (n < 0)
		return n;
	rw_buf_put(doc, "<?xml version=\"1.0\"?>\n<threads>\n", 32);
	for (int i = 0; i < n; i++) {
		rw_buf_put(doc, "<thread id=\"", 12);
		gdb_put_thread_id(s, doc, threads[i].pid > 0 ? threads[i].pid : s->pid,
				  threads[i].tid);
		rw_buf_put(doc, "\" name=\"", 8);
		gdb_put_xml_escaped(doc, threads[i].name, sizeof(threads[i].name));
		rw_buf_put(doc, "\"/>\n", 4);
	}
	rw_buf_put(doc, "</threads>\n", 11);
	return 0;
}

static int build_auxv(struct gdb_server *s, struct rw_buf *doc)
{
	long n;

	if (!s->ops->read_auxv)
		return -ENOSYS;
	n = s->ops->read_auxv(s->ctx, rw_buf_reserve(doc, AUXV_MAX), AUXV_MAX);
	if (n < 0)
		return (int)n;
	doc->len = (size_t)(n < AUXV_MAX ? n : AUXV_MAX);
	return 0;
}

/* The annex of exec-file is the pid in hex, or empty for the current process. */
static int build_exec_file(struct gdb_server *s, const char *annex, struct rw_buf *doc)
{
	const char *path;
	uint64_t pid = (uint64_t)s->pid;

	if (*annex && (gdb_parse_hex(&annex, &pid) < 0 || *annex || pid > INT32_MAX))
		return -EINVAL;
	if (!s->ops->exec_file)
		return -ENOSYS;
	path = s->ops->exec_file(s->ctx, (int)pid);
	if (!path)
		return -ENOENT;
	rw_buf_put(doc, path, strlen(path));
	return 0;
}

/*
 * qXfer:object:read:annex:offset,length. The whole object is built for each
 * request and the slice asked for is sent: 'm' if more follows, 'l' if last.
 */
static void handle_xfer(struct gdb_server *s, const char *args)
{
	char object[32], annex[256];
	const char *colon, *p;
	uint64_t offset, length;
	size_t objlen, annexlen;
	int err;

	colon = strchr(args, ':');
	if (!colon || (objlen = (size_t)(colon - args)) >= sizeof(object) ||
	    !has_prefix(colon, ":read:"))
		return; /* writes and unknown operations: not supported */
	memcpy(object, args, objlen);
	object[objlen] = 0;
	p = colon + 6;
	colon = strchr(p, ':');
	if (!colon || (annexlen = (size_t)(colon - p)) >= sizeof(annex)) {
		gdb_reply_error(s, 1);
		return;
	}
	memcpy(annex, p, annexlen);
	annex[annexlen] = 0;
	p = colon + 1;
	if (gdb_parse_hex(&p, &offset) < 0 || *p++ != ',' || gdb_parse_hex(&p, &length) < 0 || *p) {
		gdb_reply_error(s, 1);
		return;
	}

	rw_buf_reset(&s->scratch);
	if (strcmp(object, "features") == 0)
		err = x86_gdb_tdesc_file(&s->regs, annex, &s->scratch);
	else if (strcmp(object, "auxv") == 0)
		err = build_auxv(s, &s->scratch);
	else if (strcmp(object, "exec-file") == 0)
		err = build_exec_file(s, annex, &s->scratch);
	else if (strcmp(object, "threads") == 0)
		err = build_threads_xml(s, &s->scratch);
	else if (strcmp(object, "libraries-svr4") == 0)
		err = gdb_build_svr4(s, &s->scratch);
	else
		return; /* an object not advertised */
	if (err < 0) {
		gdb_reply_error(s, 1);
		return;
	}
	if (length > GDB_MAX_BINARY_REPLY)
		length = GDB_MAX_BINARY_REPLY;
	if (offset >= s->scratch.len) {
		gdb_reply_str(s, "l");
		return;
	}
	if (length > s->scratch.len - offset)
		length = s->scratch.len - offset;
	gdb_reply_str(s, offset + length < s->scratch.len ? "m" : "l");
	gdb_pkt_escape(&s->reply, s->scratch.data + offset, length);
}

/* ---- monitor commands --------------------------------------------------------------- */

static void send_console_output(struct gdb_server *s, const char *text, size_t len)
{
	const size_t chunk = 4096;
	struct rw_buf pkt;

	rw_buf_init(&pkt);
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		rw_buf_reset(&pkt);
		rw_buf_put_u8(&pkt, 'O');
		gdb_hex_encode(&pkt, text + off, n);
		gdb_send_packet(s, pkt.data, pkt.len);
	}
	rw_buf_free(&pkt);
}

static void monitor_puts(struct rw_buf *out, const char *text)
{
	rw_buf_put(out, text, strlen(text));
}

/*
 * qRcmd,<hex command>: the target runs it; its text goes back in O packets,
 * then OK. The server adds what it knows itself to "help": writes are
 * refused because the recording is what happened.
 */
static void handle_monitor(struct gdb_server *s, const char *hex)
{
	char cmd[MONITOR_COMMAND_MAX + 1];
	char *out;
	long n = gdb_hex_decode(hex, strlen(hex), (uint8_t *)cmd, MONITOR_COMMAND_MAX);
	int err = -ENOSYS;
	bool help;

	if (n < 0) {
		gdb_reply_error(s, 1);
		return;
	}
	cmd[n] = 0;
	help = strcmp(cmd, "") == 0 || strcmp(cmd, "help") == 0;
	rw_buf_reset(&s->monitor);
	if (help)
		monitor_puts(
		    &s->monitor,
		    "This is a replay of a recording: registers and memory are read-only.\n"
		    "A function called from gdb (call f(3), print strlen(buf)) runs in a\n"
		    "throwaway copy of the thread, where the target has one; its syscalls\n"
		    "that would change anything outside the copy are refused. Execution can\n"
		    "go forward and backward (reverse-continue, reverse-stepi).\n");
	out = (char *)rw_buf_reserve(&s->monitor, MONITOR_OUTPUT_MAX + 1);
	out[0] = 0;
	if (s->ops->monitor)
		err = s->ops->monitor(s->ctx, help ? "help" : cmd, out, MONITOR_OUTPUT_MAX);
	/* A command may move the target (to a checkpoint): its registers are read anew. */
	gdb_cache_invalidate(s);
	out[MONITOR_OUTPUT_MAX] = 0;
	s->monitor.len += strlen(out);
	if (err < 0 && !help) {
		char line[MONITOR_COMMAND_MAX + 128];
		int len = snprintf(line, sizeof(line), "monitor command \"%s\" failed: %s\n", cmd,
				   err == -ENOSYS || err == -ENOTSUP ? "unknown command"
								     : strerror(-err));

		rw_buf_put(&s->monitor, line, (size_t)len < sizeof(line) ? (size_t)len : 0);
	}
	send_console_output(s, (const char *)s->monitor.data, s->monitor.len);
	gdb_reply_str(s, "OK");
}

/* ---- thread-local storage ---------------------------------------------------------- */

#define SYMBOL_NAME_MAX 256

static const char *const *tls_symbols(struct gdb_server *s)
{
	return s->ops->tls && s->ops->tls->symbols ? s->ops->tls->symbols : NULL;
}

/* Asks gdb for symbols[index] (qSymbol:<hex name>), or ends the round with OK. */
static void request_symbol(struct gdb_server *s, int index)
{
	const char *const *names = tls_symbols(s);

	if (!names || index < 0 || !names[index]) {
		gdb_reply_str(s, "OK");
		return;
	}
	gdb_reply_str(s, "qSymbol:");
	gdb_hex_encode(&s->reply, names[index], strlen(names[index]));
}

/*
 * qSymbol::                   gdb offers lookups (after loading objfiles): ask for the first
 * qSymbol:<value>:<hex name>  gdb's answer; qSymbol::<hex name> when it has no such symbol
 * Each answer is followed by the request for the next symbol of the list, then OK.
 */
static void handle_symbol(struct gdb_server *s, const char *args)
{
	const char *const *names = tls_symbols(s);
	const char *p = args;
	char name[SYMBOL_NAME_MAX + 1];
	uint64_t value = 0;
	bool found = false;
	long n;
	int index;

	if (*p != ':') {
		found = true;
		if (gdb_parse_hex(&p, &value) < 0 || *p != ':') {
			gdb_reply_error(s, 1);
			return;
		}
	}
	p++;
	if (!*p && !found) {
		request_symbol(s, 0); /* a new round */
		return;
	}
	n = gdb_hex_decode(p, strlen(p), (uint8_t *)name, SYMBOL_NAME_MAX);
	if (n <= 0) {
		gdb_reply_error(s, 1);
		return;
	}
	name[n] = 0;
	for (index = 0; names && names[index]; index++) {
		if (strcmp(names[index], name) == 0) {
			s->ops->tls->symbol_value(s->ctx, index, found, value);
			request_symbol(s, index + 1);
			return;
		}
	}
	gdb_reply_str(s, "OK"); /* not a symbol we asked for: end the round */
}

/* qGetTLSAddr:<thread-id>,<offset>,<lm>: the address of a thread-local variable. */
static void handle_tls_address(struct gdb_server *s, const char *args)
{
	uint64_t offset, lm, addr;
	int pid, tid, err;

	if (!s->ops->tls || !s->ops->tls->get_address)
		return; /* empty: gdb reports that the target has no TLS support */
	if (gdb_parse_thread_id(&args, &pid, &tid) < 0 || *args != ',' || tid < 0 ||
	    (pid > 0 && pid != s->pid)) {
		gdb_reply_error(s, 1);
		return;
	}
	args++;
	if (gdb_parse_hex(&args, &offset) < 0 || *args != ',') {
		gdb_reply_error(s, 1);
		return;
	}
	args++;
	if (gdb_parse_hex(&args, &lm) < 0 || *args || s->exited) {
		gdb_reply_error(s, 1);
		return;
	}
	err = s->ops->tls->get_address(s->ctx, tid ? tid : s->general_tid, offset, lm, &addr);
	if (err < 0) {
		gdb_reply_error(s, 1);
		return;
	}
	gdb_reply_fmt(s, "%" PRIx64, addr);
}

/*
 * QCatchSyscalls:1[;sysno]... (hex numbers; none: every syscall) or
 * QCatchSyscalls:0.
 */
static void handle_catch_syscalls(struct gdb_server *s, const char *args)
{
	long nums[GDB_MAX_CATCH_SYSCALLS];
	int n = 0, err;
	const char *p = args + 1;

	if (!s->ops->catch_syscalls) {
		return; /* the empty reply: not supported */
	}
	if ((args[0] != '0' && args[0] != '1') || (args[0] == '0' && *p)) {
		gdb_reply_error(s, 1);
		return;
	}
	while (args[0] == '1' && *p == ';') {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(p + 1, &end, 16);
		if (end == p + 1 || errno || v > 0xffff || n == GDB_MAX_CATCH_SYSCALLS ||
		    (*end && *end != ';')) {
			gdb_reply_error(s, 1);
			return;
		}
		nums[n++] = (long)v;
		p = end;
	}
	if (*p) {
		gdb_reply_error(s, 1);
		return;
	}
	err = s->ops->catch_syscalls(s->ctx, args[0] == '1', nums, n ? n : -1);
	if (err < 0)
		gdb_reply_error(s, 1);
	else
		gdb_reply_str(s, "OK");
}

/*
 * QPassSignals:[sig;]...: gdb's numbers, hex, the whole set each time (gdb
 * ends each number with ';', the last one too).
 */
static void handle_pass_signals(struct gdb_server *s, const char *p)
{
	int signos[GDB_MAX_PASS_SIGNALS];
	int n = 0;

	if (!s->ops->pass_signals)
		return; /* the empty reply: not supported */
	for (; *p; p += *p == ';') {
		char *end;
		unsigned long v;

		if (!isxdigit((unsigned char)*p)) {
			gdb_reply_error(s, 1);
			return;
		}
		errno = 0;
		v = strtoul(p, &end, 16);
		if (errno || v > 0xff || n == GDB_MAX_PASS_SIGNALS || (*end && *end != ';')) {
			gdb_reply_error(s, 1);
			return;
		}
		/* One Linux does not have is never recorded: nothing to pass. */
		if (gdb_signal_to_host((int)v) > 0)
			signos[n++] = gdb_signal_to_host((int)v);
		p = end;
	}
	s->ops->pass_signals(s->ctx, signos, n);
	gdb_reply_str(s, "OK");
}

/* ---- lldb's host and process queries ------------------------------------------------ */

static void put_hex_text(struct gdb_server *s, const char *text)
{
	for (; *text; text++)
		gdb_reply_fmt(s, "%02x", (unsigned char)*text);
}

/*
 * qHostInfo and qProcessInfo: what lldb asks before anything else, to
 * pick its x86_64 Linux plugins when no executable was given to it.
 */
static void handle_host_info(struct gdb_server *s, bool process)
{
	s->lldb = true; /* gdb asks neither */
	if (process) {
		if (s->pid <= 0) {
			gdb_reply_error(s, 1);
			return;
		}
		gdb_reply_fmt(s, "pid:%x;", s->pid);
	}
	gdb_reply_str(s, "triple:");
	put_hex_text(s, "x86_64-pc-linux-gnu");
	gdb_reply_str(s, ";ostype:linux;vendor:pc;endian:little;ptrsize:8;");
}

/* ---- dispatch ----------------------------------------------------------------------- */

bool gdb_handle_query(struct gdb_server *s, const char *pkt, size_t len)
{
	(void)len;
	if (has_prefix(pkt, "qSupported")) {
		handle_supported(s, pkt[10] == ':' ? pkt + 11 : "");
	} else if (strcmp(pkt, "QStartNoAckMode") == 0) {
		gdb_reply_str(s, "OK");
		s->no_ack = true;
	} else if (strcmp(pkt, "qC") == 0) {
		if (s->exited) {
			gdb_reply_error(s, 1);
		} else {
			gdb_reply_str(s, "QC");
			gdb_put_thread_id(s, &s->reply, s->pid, s->general_tid);
		}
	} else if (strcmp(pkt, "qfThreadInfo") == 0) {
		handle_thread_info(s);
	} else if (strcmp(pkt, "qsThreadInfo") == 0) {
		gdb_reply_str(s, "l");
	} else if (has_prefix(pkt, "qAttached")) {
		gdb_reply_str(s, "1"); /* so that quitting gdb does not try to kill a recording */
	} else if (has_prefix(pkt, "qXfer:")) {
		handle_xfer(s, pkt + 6);
	} else if (has_prefix(pkt, "qRcmd,")) {
		handle_monitor(s, pkt + 6);
	} else if (has_prefix(pkt, "qSymbol:")) {
		handle_symbol(s, pkt + 8);
	} else if (has_prefix(pkt, "QCatchSyscalls:")) {
		handle_catch_syscalls(s, pkt + 15);
	} else if (has_prefix(pkt, "QPassSignals:")) {
		handle_pass_signals(s, pkt + 13);
	} else if (strcmp(pkt, "qHostInfo") == 0 || strcmp(pkt, "qProcessInfo") == 0) {
		handle_host_info(s, pkt[1] == 'P');
	} else if (has_prefix(pkt, "qGetTLSAddr:")) {
		handle_tls_address(s, pkt + 12);
	} else {
		return false; /* qTStatus, qOffsets, qThreadExtraInfo, ...: empty */
	}
	return true;
}
