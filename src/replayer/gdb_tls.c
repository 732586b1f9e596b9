/*
 * Thread-local variables on a replay: the answer to gdb's qGetTLSAddr.
 *
 * gdb names a module by the address of its link_map (the dynamic loader's
 * record of a loaded object) and a variable by its offset in the module's
 * TLS block; the block of a module in a thread is found as glibc's
 * libthread_db finds it (nptl_db/td_thr_tlsbase.c): the module id and the
 * static TLS offset are read from the link_map, then the block is at
 * tp - offset for a module in static TLS (every module loaded at startup),
 * or where the thread's dtv entry for the module id points for one loaded
 * later by dlopen.
 *
 * Where l_tls_modid and l_tls_offset lie in struct link_map is private to
 * glibc and changes between versions. glibc describes its own layout for
 * libthread_db in symbols of libc.so (_thread_db_link_map_l_tls_modid:
 * the field's size in bits, an element count and its offset), so, as
 * gdbserver does for libthread_db, the server asks gdb for those symbols
 * (qSymbol) and the descriptions are read from the recorded C library's
 * memory. Without them (a C library whose symbols gdb does not have) the
 * offsets are found by matching link_maps against the dtv: a module in
 * static TLS has dtv[modid] == tp - l_tls_offset, and l_tls_modid follows
 * l_tls_offset.
 */
#include "replayer/gdb_target.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "arch/x86_64/tls.h"
#include "common/log.h"

enum tls_symbol {
	TLS_SYM_L_TLS_OFFSET,
	TLS_SYM_L_TLS_MODID,
};

static const char *const tls_symbol_names[GDB_REPLAY_TLS_SYMBOLS + 1] = {
    [TLS_SYM_L_TLS_OFFSET] = "_thread_db_link_map_l_tls_offset",
    [TLS_SYM_L_TLS_MODID] = "_thread_db_link_map_l_tls_modid",
    NULL,
};

/* glibc's l_tls_offset values that are no offset (elf/dl-tls.c, for TLS_TCB_AT_TP). */
#define NO_TLS_OFFSET		  0
#define FORCED_DYNAMIC_TLS_OFFSET ((uint64_t)-1)
/* A dtv entry for a block not allocated yet is TLS_DTV_UNALLOCATED, -1: odd, never a block. */
#define DTV_UNALLOCATED_BIT 1

/* Bounds that keep garbage from being taken for loader data. */
#define MAX_MODULES	     4096
#define MAX_STATIC_TLS	     (1ull << 24)
#define MAX_FIELD_OFFSET     4096 /* struct link_map is about 1.1 KiB in glibc 2.36 */
#define LINK_MAP_PUBLIC_SIZE 40	  /* l_addr, l_name, l_ld, l_next, l_prev (<link.h>) */
#define LINK_MAP_NEXT	     24
#define LINK_MAP_PREV	     32
#define MAX_LINK_MAPS	     1024

/* A thread's TLS anchors. */
struct thread_tls {
	uint64_t tp;  /* thread pointer: the TCB */
	uint64_t dtv; /* &dtv[0] */
	uint64_t dtv_len;
};

/* Offsets of l_tls_offset and l_tls_modid in struct link_map. */
struct link_map_fields {
	uint64_t tls_offset, tls_modid;
};

static int read_word(struct gdb_replay *g, uint64_t addr, uint64_t *value)
{
	return tracee_read_mem(&replayer_current_task(&g->r)->t, addr, value, sizeof(*value));
}

static void symbol_value(void *ctx, int index, bool found, uint64_t value)
{
	struct gdb_replay *g = ctx;

	if (index < 0 || index >= GDB_REPLAY_TLS_SYMBOLS)
		return;
	g->tls.known[index] = found;
	g->tls.addr[index] = found ? value : 0;
}

/* The thread pointer and the dtv; -EAGAIN before the loader has set up TLS. */
static int read_thread_tls(struct gdb_replay *g, int tid, struct thread_tls *th)
{
	uint64_t regs[X86_NREGS], self, len_addr;
	struct tracee *t = gdb_replay_thread(g, tid);
	int err = t ? tracee_get_regs(t, regs) : -ESRCH;

	if (err < 0)
		return err;
	th->tp = x86_tls_thread_pointer(regs);
	/* The loader points fs_base at a TCB whose first word is its own address. */
	if (!th->tp || read_word(g, th->tp + X86_TLS_TCB_SELF, &self) < 0 || self != th->tp) {
		rw_debug("qGetTLSAddr: no thread control block at fs_base 0x%" PRIx64
			 " (TLS not set up yet)",
			 th->tp);
		return -EAGAIN;
	}
	err = read_word(g, th->tp + X86_TLS_TCB_DTV, &th->dtv);
	len_addr = th->dtv - X86_TLS_DTV_ENTRY_SIZE;
	if (err < 0 || read_word(g, len_addr, &th->dtv_len) < 0 || th->dtv_len > MAX_MODULES) {
		rw_debug("qGetTLSAddr: no readable dtv at 0x%" PRIx64 " (TCB 0x%" PRIx64 ")",
			 th->dtv, th->tp);
		return -EFAULT;
	}
	return 0;
}

/* The block dtv[modid] points to, or 0 when the thread has none for it. */
static uint64_t dtv_block(struct gdb_replay *g, const struct thread_tls *th, uint64_t modid)
{
	uint64_t block;

	if (modid < 1 || modid > th->dtv_len ||
	    read_word(g, th->dtv + modid * X86_TLS_DTV_ENTRY_SIZE, &block) < 0 ||
	    (block & DTV_UNALLOCATED_BIT))
		return 0;
	return block;
}

/* A field's offset from glibc's description of it: {size in bits, count, offset}. */
static int described_field(struct gdb_replay *g, enum tls_symbol sym, uint64_t *offset)
{
	uint32_t desc[3];

	if (!g->tls.known[sym] || tracee_read_mem(&replayer_current_task(&g->r)->t,
						  g->tls.addr[sym], desc, sizeof(desc)) < 0)
		return -ENOENT;
	if (desc[0] != 64 || desc[1] != 1 || desc[2] >= MAX_FIELD_OFFSET) {
		rw_debug("qGetTLSAddr: %s at 0x%" PRIx64 " describes a field of %u bits at %u",
			 tls_symbol_names[sym], g->tls.addr[sym], desc[0], desc[2]);
		return -EINVAL;
	}
	*offset = desc[2];
	return 0;
}

/*
 * Where in one link_map a (l_tls_offset, l_tls_modid) pair matches the
 * dtv; returns the offset of l_tls_offset, or 0 unless exactly one does.
 */
static uint64_t match_link_map(struct gdb_replay *g, const struct thread_tls *th, uint64_t map)
{
	uint64_t words[MAX_FIELD_OFFSET / 8], found = 0;
	size_t n =
	    tracee_read_mem_partial(&replayer_current_task(&g->r)->t, map, words, sizeof(words)) /
	    8;
	int matches = 0;

	for (size_t i = LINK_MAP_PUBLIC_SIZE / 8; i + 1 < n; i++) {
		uint64_t off = words[i], modid = words[i + 1];

		if (off == NO_TLS_OFFSET || off >= MAX_STATIC_TLS || off > th->tp)
			continue;
		if (dtv_block(g, th, modid) == x86_tls_static_block(th->tp, off)) {
			found = i * 8;
			matches++;
		}
	}
	return matches == 1 ? found : 0;
}

/*
 * The field offsets found by matching the loader's list of link_maps (the
 * one lm is on) against the dtv: the offset most maps agree on.
 */
static int matched_fields(struct gdb_replay *g, const struct thread_tls *th, uint64_t lm,
			  struct link_map_fields *f)
{
	uint64_t map = lm, prev, votes[MAX_FIELD_OFFSET / 8] = {0}, best = 0;

	for (int i = 0; i < MAX_LINK_MAPS && read_word(g, map + LINK_MAP_PREV, &prev) == 0 && prev;
	     i++)
		map = prev;
	for (int i = 0; i < MAX_LINK_MAPS && map; i++) {
		uint64_t at = match_link_map(g, th, map);

		if (at)
			votes[at / 8]++;
		if (read_word(g, map + LINK_MAP_NEXT, &map) < 0)
			break;
	}
	for (size_t i = 1; i < MAX_FIELD_OFFSET / 8; i++)
		if (votes[i] > votes[best])
			best = i;
	if (!votes[best]) {
		rw_debug("qGetTLSAddr: no link_map on the list of 0x%" PRIx64
			 " matches the dtv at 0x%" PRIx64,
			 lm, th->dtv);
		return -ENOENT;
	}
	f->tls_offset = best * 8;
	f->tls_modid = best * 8 + 8;
	return 0;
}

static int link_map_fields(struct gdb_replay *g, const struct thread_tls *th, uint64_t lm,
			   struct link_map_fields *f)
{
	if (described_field(g, TLS_SYM_L_TLS_OFFSET, &f->tls_offset) == 0 &&
	    described_field(g, TLS_SYM_L_TLS_MODID, &f->tls_modid) == 0)
		return 0;
	return matched_fields(g, th, lm, f);
}

/*
 * The module's TLS block in the thread, as td_thr_tlsbase finds it. A
 * block in static TLS is at tp - offset in every thread, even one whose
 * dtv is older than the module; otherwise the dtv entry, unless the
 * thread has not touched the module's variables yet (-EAGAIN).
 */
static int module_block(struct gdb_replay *g, const struct thread_tls *th, uint64_t modid,
			uint64_t static_offset, uint64_t *block)
{
	if (static_offset != NO_TLS_OFFSET && static_offset != FORCED_DYNAMIC_TLS_OFFSET) {
		if (static_offset >= MAX_STATIC_TLS || static_offset > th->tp)
			return -EINVAL;
		*block = x86_tls_static_block(th->tp, static_offset);
		return 0;
	}
	*block = dtv_block(g, th, modid);
	if (!*block) {
		rw_debug("qGetTLSAddr: module %" PRIu64 " has no TLS block in this thread yet",
			 modid);
		return -EAGAIN;
	}
	return 0;
}

static int get_address(void *ctx, int tid, uint64_t offset, uint64_t lm, uint64_t *addr)
{
	struct gdb_replay *g = ctx;
	struct link_map_fields f;
	struct thread_tls th;
	uint64_t modid, static_offset, block;
	int err;

	if (replayer_finished(&g->r))
		return -ESRCH;
	err = read_thread_tls(g, tid, &th);
	if (err < 0)
		return err;
	err = link_map_fields(g, &th, lm, &f);
	if (err < 0)
		return err;
	if (read_word(g, lm + f.tls_modid, &modid) < 0 ||
	    read_word(g, lm + f.tls_offset, &static_offset) < 0) {
		rw_debug("qGetTLSAddr: cannot read the link_map at 0x%" PRIx64, lm);
		return -EFAULT;
	}
	if (modid < 1 || modid > MAX_MODULES) {
		rw_debug("qGetTLSAddr: the module at 0x%" PRIx64 " has no TLS (id %" PRIu64 ")", lm,
			 modid);
		return -ENOENT;
	}
	err = module_block(g, &th, modid, static_offset, &block);
	if (err < 0)
		return err;
	*addr = block + offset;
	return 0;
}

const struct gdb_tls_ops gdb_replay_tls_ops = {
    .symbols = tls_symbol_names,
    .symbol_value = symbol_value,
    .get_address = get_address,
};
