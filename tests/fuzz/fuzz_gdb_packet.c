/*
 * Fuzz target for the gdb server, which reads whatever a client sends. The
 * input goes twice through the code: to the packet parser alone (with a
 * small size limit, in pieces of varying size), and as a whole session to
 * the server (gdb_server_feed) with an in-memory target whose operations
 * succeed, fail and stop in every way, so every request handler runs.
 * The first input byte picks the XSAVE layout the server is given.
 *
 * Besides the sanitizers' checks, it asserts that everything the server
 * sends is well framed: only acks and packets whose checksums match, none
 * longer than the packet size it advertises.
 *
 * Built like fuzz_trace_reader (see CMakeLists.txt): with libFuzzer as
 * fuzz_gdb_packet, and with standalone_driver.c as fuzz_gdb_packet_corpus,
 * which replays corpus/gdb_packet/ as a regression test.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub/internal.h"
#include "gdbstub/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_gdb_packet: %s\n", what);
		abort();
	}
}

/* ---- the in-memory target ------------------------------------------------------------ */

#define MEM_BASE 0x400000u
#define MEM_SIZE 8192u

struct fake {
	unsigned calls; /* varies the answers from one call to the next */
	uint8_t memory[MEM_SIZE];
	uint8_t xsave[4096];
	bool killed;
};

static int list_threads(void *ctx, struct gdb_thread *out, int max)
{
	struct fake *f = ctx;
	int n = (int)(f->calls++ % 3);

	for (int i = 0; i < n && i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].pid = 100;
		out[i].tid = 100 + i;
		snprintf(out[i].name, sizeof(out[i].name), "t<&\"%d\x01", i);
	}
	return n < max ? n : max;
}

static int get_regs(void *ctx, int tid, uint64_t regs[27])
{
	struct fake *f = ctx;

	if (tid == 0xbad || f->calls++ % 17 == 16)
		return -ESRCH;
	for (int i = 0; i < 27; i++)
		regs[i] = (uint64_t)tid * 0x100 + (uint64_t)i;
	return 0;
}

static int get_xsave(void *ctx, int tid, uint8_t *buf, size_t len)
{
	struct fake *f = ctx;

	(void)tid;
	if (f->calls++ % 13 == 12)
		return -EIO;
	memcpy(buf, f->xsave, len < sizeof(f->xsave) ? len : sizeof(f->xsave));
	return 0;
}

static long read_memory(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = ctx;

	if (addr < MEM_BASE || addr >= MEM_BASE + MEM_SIZE)
		return -EIO;
	if (len > MEM_BASE + MEM_SIZE - addr)
		len = MEM_BASE + MEM_SIZE - addr;
	memcpy(buf, f->memory + (addr - MEM_BASE), len);
	return (long)len;
}

static int resume(void *ctx, enum gdb_resume_kind kind, int tid, struct gdb_stop *stop,
		  bool (*poll_interrupt)(void *arg), void *poll_arg)
{
	struct fake *f = ctx;
	unsigned n = f->calls++;

	memset(stop, 0, sizeof(*stop));
	stop->pid = 100;
	stop->tid = tid > 0 ? tid : 100;
	stop->kind = (enum gdb_stop_kind)(n % 7);
	stop->signo = (int)(n % 70);
	stop->exit_code = (int)n;
	stop->watch_addr = MEM_BASE + n;
	stop->watch_type = (int)(n % 6);
	stop->at_begin = n & 1;
	if (poll_interrupt(poll_arg))
		stop->kind = GDB_STOP_SIGNAL;
	return kind == GDB_RESUME_REVERSE_STEP && n % 2 ? -ENOTSUP : 0;
}

static int set_breakpoint(void *ctx, int type, uint64_t addr, int kind, bool insert)
{
	(void)ctx;
	(void)insert;
	if (type >= 2 && kind > 8)
		return -EINVAL;
	return addr % 2 ? -ENOTSUP : 0;
}

static int monitor(void *ctx, const char *cmd, char *out, size_t outlen)
{
	(void)ctx;
	if (strcmp(cmd, "fill") == 0) {
		memset(out, '#', outlen);
		out[outlen - 1] = 0;
		return 0;
	}
	snprintf(out, outlen, "ran %s\n", cmd);
	return strlen(cmd) % 2 ? -ENOTSUP : 0;
}

static long read_auxv(void *ctx, uint8_t *buf, size_t max)
{
	struct fake *f = ctx;
	size_t n = max < 512 ? max : 512;

	memcpy(buf, f->memory, n);
	return (long)n;
}

static const char *exec_file(void *ctx, int pid)
{
	(void)ctx;
	return pid == 100 ? "/bin/fake$#}*" : NULL;
}

static int file_open(void *ctx, const char *path, int flags, int mode)
{
	(void)ctx;
	(void)flags;
	(void)mode;
	return strcmp(path, "/bin/fake") == 0 ? 7 : -ENOENT;
}

static long file_pread(void *ctx, int handle, void *buf, size_t len, uint64_t offset)
{
	struct fake *f = ctx;

	if (handle != 7)
		return -EBADF;
	if (offset >= MEM_SIZE)
		return 0;
	if (len > MEM_SIZE - offset)
		len = MEM_SIZE - offset;
	memcpy(buf, f->memory + offset, len);
	return (long)len;
}

static int file_close(void *ctx, int handle)
{
	(void)ctx;
	return handle == 7 ? 0 : -EBADF;
}

static int file_fstat(void *ctx, int handle, uint64_t *size, uint32_t *mode)
{
	(void)ctx;
	if (handle != 7)
		return -EBADF;
	*size = MEM_SIZE;
	*mode = 0100755;
	return 0;
}

static long file_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	const char *target = "/bin/fake";
	size_t n = strlen(target) < len ? strlen(target) : len;

	(void)ctx;
	if (strcmp(path, "/proc/100/exe") != 0)
		return -ENAMETOOLONG;
	memcpy(buf, target, n);
	return (long)n;
}

static void current_stop(void *ctx, struct gdb_stop *stop)
{
	(void)ctx;
	memset(stop, 0, sizeof(*stop));
	stop->kind = GDB_STOP_SIGNAL;
	stop->signo = SIGTRAP;
	stop->pid = stop->tid = 100;
}

static void kill_target(void *ctx)
{
	((struct fake *)ctx)->killed = true;
}

static const char *const tls_symbols[] = {"_thread_db_link_map_l_tls_offset",
					  "_thread_db_link_map_l_tls_modid", NULL};

static void symbol_value(void *ctx, int index, bool found, uint64_t value)
{
	check(index >= 0 && index < 2, "symbol_value for a symbol never asked for");
	((struct fake *)ctx)->calls += found ? (unsigned)value : 1;
}

static int tls_address(void *ctx, int tid, uint64_t offset, uint64_t lm, uint64_t *addr)
{
	struct fake *f = ctx;

	if (f->calls++ % 3 == 0)
		return -EAGAIN;
	*addr = lm + offset;
	return 0;
}

static const struct gdb_tls_ops fake_tls_ops = {
    .symbols = tls_symbols,
    .symbol_value = symbol_value,
    .get_address = tls_address,
};

static const struct gdb_target_ops fake_ops = {
    .list_threads = list_threads,
    .get_regs = get_regs,
    .get_xsave = get_xsave,
    .read_memory = read_memory,
    .resume = resume,
    .set_breakpoint = set_breakpoint,
    .monitor = monitor,
    .read_auxv = read_auxv,
    .exec_file = exec_file,
    .file_open = file_open,
    .file_pread = file_pread,
    .file_close = file_close,
    .file_fstat = file_fstat,
    .file_readlink = file_readlink,
    .current_stop = current_stop,
    .kill = kill_target,
    .tls = &fake_tls_ops,
};

/* ---- layouts ------------------------------------------------------------------------ */

static void pick_layout(uint8_t choice, struct gdb_xsave_layout *l)
{
	static const uint32_t amd[10] = {0, 160, 576, 0, 0, 832, 896, 1408, 0, 2432};
	static const uint32_t intel[10] = {0, 160, 576, 960, 1024, 1088, 1152, 1664, 0, 2688};

	memset(l, 0, sizeof(*l));
	switch (choice % 5) {
	case 0: /* AMD Zen 4: no MPX */
	case 1: /* Intel with MPX */
		l->xcr0 = choice % 5 == 0 ? 0x2e7 : 0x2ff;
		l->size = choice % 5 == 0 ? 2440 : 2696;
		for (int i = 0; i < 10; i++)
			l->offset[i] = choice % 5 == 0 ? amd[i] : intel[i];
		l->comp_size[2] = 256;
		l->comp_size[3] = l->comp_size[4] = 64;
		l->comp_size[5] = 64;
		l->comp_size[6] = 512;
		l->comp_size[7] = 1024;
		l->comp_size[9] = 8;
		break;
	case 2: /* AVX only */
		l->xcr0 = 0x7;
		l->size = 832;
		l->offset[2] = 576;
		l->comp_size[2] = 256;
		break;
	case 3: /* no XSAVE */
		break;
	default: /* nonsense from a damaged trace */
		l->xcr0 = ~0ull;
		l->size = 0xffffffffu;
		for (int i = 0; i < 32; i++) {
			l->offset[i] = 0xfffffff0u - (uint32_t)i;
			l->comp_size[i] = 0x100;
		}
		break;
	}
}

/* ---- the entry point ---------------------------------------------------------------- */

static void fuzz_parser(const uint8_t *data, size_t size)
{
	struct gdb_pkt_parser p;
	size_t off = 0, step = 1;

	check(gdb_pkt_parser_init(&p, 32) == 0, "parser init");
	p.verify_checksum = size % 2;
	while (off < size) {
		size_t chunk = size - off < step ? size - off : step;
		enum gdb_pkt_event ev;
		size_t used = gdb_pkt_parser_feed(&p, data + off, chunk, &ev);

		check(used <= chunk, "parser consumed more than it was given");
		check(used > 0 || ev != GDB_PKT_EV_NONE, "parser made no progress");
		if (ev == GDB_PKT_EV_PACKET) {
			size_t len;
			const uint8_t *payload = gdb_pkt_payload(&p, &len);

			check(len <= 32 && payload[len] == 0, "payload bound");
		}
		off += used;
		step = step % 61 + 1;
	}
	gdb_pkt_parser_free(&p);
}

/* Everything the server wrote must be acks and well-formed packets. */
static void check_output(const struct rw_buf *out)
{
	struct gdb_pkt_parser p;
	size_t off = 0;

	check(gdb_pkt_parser_init(&p, GDB_PACKET_SIZE) == 0, "parser init");
	while (off < out->len) {
		enum gdb_pkt_event ev;

		off += gdb_pkt_parser_feed(&p, out->data + off, out->len - off, &ev);
		check(ev != GDB_PKT_EV_BAD_CHECKSUM, "server sent a bad checksum");
		check(ev != GDB_PKT_EV_TOO_LONG, "server sent a packet longer than PacketSize");
		check(ev != GDB_PKT_EV_INTERRUPT, "server sent a raw ^C");
	}
	check(p.state == GDB_PKT_IDLE, "server left a packet unfinished");
	gdb_pkt_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake f;
	struct gdb_xsave_layout layout;
	struct gdb_server *s;
	struct rw_buf out;

	fuzz_parser(data, size);
	if (size < 1)
		return 0;

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < sizeof(f.memory); i++)
		f.memory[i] = (uint8_t)(i * 7 + (i >> 8));
	for (size_t i = 0; i < sizeof(f.xsave); i++)
		f.xsave[i] = (uint8_t)(i * 13 + 1);
	f.xsave[512] = data[0]; /* XSTATE_BV */
	pick_layout(data[0], &layout);
	s = gdb_server_create(&fake_ops, &f, &layout);
	check(s != NULL, "server create");
	rw_buf_init(&out);
	/* Two halves, so that a packet may straddle two reads. */
	if (gdb_server_feed(s, data + 1, (size - 1) / 2, &out) == 0)
		gdb_server_feed(s, data + 1 + (size - 1) / 2, size - 1 - (size - 1) / 2, &out);
	check_output(&out);
	rw_buf_free(&out);
	gdb_server_free(s);
	return 0;
}
