/*
 * rewind dump [--json] [--disasm] [--regs] [TRACE]: every event, one line
 * each: number, tid, kind, the syscall with decoded arguments and result,
 * the bytes the kernel wrote, and optionally all registers and the
 * instruction at the event's IP (decoded with capstone from the trace's
 * stored copies of the mapped files).
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/regs.h"
#include "arch/x86_64/syscall_table.h"
#include "cli/cli.h"
#include "cli/trace_walk.h"
#include "common/log.h"
#include "common/xalloc.h"

/* Code memory rebuilt from the trace, for --disasm. */
struct code_blob {
	struct rw_hash hash;
	uint8_t *data;
	uint64_t size;
};

struct code_region {
	uint64_t start, end;
	const uint8_t *data; /* bytes for start (may be shorter than the region) */
	uint64_t len;
};

struct code_model {
	struct code_blob *blobs;
	size_t nblobs;
	struct code_region *regions;
	size_t nregions;
	csh cs;
	bool cs_ok;
};

static int on_blob(void *opaque, const uint8_t *payload, size_t len)
{
	struct code_model *m = opaque;
	struct rw_hash h;
	uint64_t total, off;
	const uint8_t *data;
	size_t n;
	struct code_blob *b = NULL;

	if (trace_blob_decode(payload, len, &h, &total, &off, &data, &n) < 0)
		return 0;
	for (size_t i = 0; i < m->nblobs; i++)
		if (rw_hash_eq(m->blobs[i].hash, h))
			b = &m->blobs[i];
	if (!b) {
		if (total > (1ull << 32))
			return 0;
		m->blobs = xrealloc(m->blobs, (m->nblobs + 1) * sizeof(*m->blobs));
		b = &m->blobs[m->nblobs++];
		b->hash = h;
		b->size = total;
		b->data = xcalloc(1, total ? total : 1);
	}
	if (off + n <= b->size)
		memcpy(b->data + off, data, n);
	return 0;
}

static void add_region(struct code_model *m, uint64_t start, uint64_t end, const uint8_t *data,
		       uint64_t len)
{
	m->regions = xrealloc(m->regions, (m->nregions + 1) * sizeof(*m->regions));
	/* Newer regions are searched first, so a later mapping hides an older one. */
	m->regions[m->nregions++] = (struct code_region){start, end, data, len};
}

static void model_event(struct code_model *m, const struct trace_event *ev)
{
	if (ev->kind == EV_EXEC)
		m->nregions = 0;
	for (size_t i = 0; i < ev->nmaps; i++) {
		const struct trace_map *map = &ev->maps[i];

		if (map->kind != MAPK_FILE || !(map->prot & 4 /* PROT_EXEC */))
			continue;
		for (size_t b = 0; b < m->nblobs; b++)
			if (rw_hash_eq(m->blobs[b].hash, map->hash) &&
			    map->offset < m->blobs[b].size)
				add_region(m, map->start, map->end, m->blobs[b].data + map->offset,
					   m->blobs[b].size - map->offset);
	}
}

static void print_insn(struct code_model *m, uint64_t ip)
{
	for (size_t i = m->nregions; i-- > 0;) {
		const struct code_region *r = &m->regions[i];
		cs_insn *insn;
		size_t n;

		if (ip < r->start || ip >= r->end)
			continue;
		if (ip - r->start >= r->len || !m->cs_ok)
			break;
		n = cs_disasm(m->cs, r->data + (ip - r->start),
			      r->len - (ip - r->start) < 16 ? r->len - (ip - r->start) : 16, ip, 1,
			      &insn);
		if (n) {
			printf("  [%s %s]", insn[0].mnemonic, insn[0].op_str);
			cs_free(insn, n);
			return;
		}
		break;
	}
	printf("  [?]");
}

static uint64_t mem_bytes(const struct trace_event *ev)
{
	uint64_t n = 0;

	for (size_t i = 0; i < ev->nmem; i++)
		n += ev->mem[i].len;
	return n;
}

static void json_escape(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
}

/*
 * Argument strings are saved at a syscall's entry; the exit line shows them
 * too, so each thread's last entry strings are kept until its exit.
 */
struct entry_strings {
	uint32_t tid;
	char *s[6];
};

static struct entry_strings *saved_strings;
static size_t nsaved;

static struct entry_strings *strings_for(uint32_t tid)
{
	for (size_t i = 0; i < nsaved; i++)
		if (saved_strings[i].tid == tid)
			return &saved_strings[i];
	saved_strings = xrealloc(saved_strings, (nsaved + 1) * sizeof(*saved_strings));
	memset(&saved_strings[nsaved], 0, sizeof(*saved_strings));
	saved_strings[nsaved].tid = tid;
	return &saved_strings[nsaved++];
}

static void free_saved_strings(void)
{
	for (size_t i = 0; i < nsaved; i++)
		for (int a = 0; a < 6; a++)
			free(saved_strings[i].s[a]);
	free(saved_strings);
	saved_strings = NULL;
	nsaved = 0;
}

static void describe(const struct trace_event *ev, char *out, size_t outlen)
{
	uint64_t args[6];

	out[0] = '\0';
	x86_regs_args(ev->regs, args);
	if (ev->kind == EV_SYSCALL_ENTRY || ev->kind == EV_SYSCALL_EXIT) {
		struct entry_strings *es = strings_for(ev->tid);
		const char *strs[6];

		for (int a = 0; a < 6; a++) {
			if (ev->kind == EV_SYSCALL_ENTRY) {
				free(es->s[a]);
				es->s[a] = ev->strings[a] ? xstrdup(ev->strings[a]) : NULL;
			}
			strs[a] = es->s[a];
		}
		x86_syscall_format(out, outlen, ev->sysno, args, strs, x86_regs_result(ev->regs),
				   ev->kind == EV_SYSCALL_EXIT);
	} else if (ev->kind == EV_SIGNAL)
		snprintf(out, outlen, "signal %d", ev->signo);
	else if (ev->kind == EV_EXIT)
		snprintf(out, outlen, "exit status 0x%x", ev->exit_status);
	else if (ev->kind == EV_CLONE)
		snprintf(out, outlen, "child %u flags 0x%llx", ev->child_tid,
			 (unsigned long long)ev->clone_flags);
	else if (ev->kind == EV_EXEC)
		snprintf(out, outlen, "%zu mappings", ev->nmaps);
}

static void print_text(const struct trace_event *ev, bool regs)
{
	char text[1024];

	describe(ev, text, sizeof(text));
	printf("#%" PRIu64 " tid %u %s %s", ev->seq, ev->tid, trace_event_kind_name(ev->kind),
	       text);
	if (ev->nmem)
		printf("  wrote %" PRIu64 " bytes in %zu regions", mem_bytes(ev), ev->nmem);
	if (ev->nxblocks)
		printf("  xsave %zu blocks", ev->nxblocks);
	if (ev->output_len)
		printf("  output %zu bytes to fd %d", ev->output_len, ev->output_fd);
	if (ev->flags & EVF_RSEQ_CS)
		printf("  in rseq critical section (aborted)");
	if (ev->runtime_us)
		printf("  ran %.3f ms since its last point", (double)ev->runtime_us / 1000);
	printf("  rip 0x%" PRIx64, ev->regs[X86_RIP]);
	if (regs)
		for (int i = 0; i < X86_NREGS; i++)
			printf(" %s=0x%" PRIx64, x86_reg_name(i), ev->regs[i]);
	for (size_t i = 0; i < ev->nmaps; i++)
		printf("\n    map 0x%" PRIx64 "-0x%" PRIx64 " prot %u %s %s", ev->maps[i].start,
		       ev->maps[i].end, ev->maps[i].prot, trace_map_kind_name(ev->maps[i].kind),
		       ev->maps[i].path);
}

static void print_json(const struct trace_event *ev)
{
	char text[1024];

	describe(ev, text, sizeof(text));
	printf("{\"event\":%" PRIu64 ",\"tid\":%u,\"kind\":\"%s\"", ev->seq, ev->tid,
	       trace_event_kind_name(ev->kind));
	if (ev->sysno >= 0) {
		const char *name = x86_syscall_name(ev->sysno);

		printf(",\"syscall\":\"%s\",\"nr\":%ld", name ? name : "?", ev->sysno);
		if (ev->kind == EV_SYSCALL_EXIT)
			printf(",\"result\":%" PRId64, x86_regs_result(ev->regs));
	}
	printf(",\"text\":\"");
	json_escape(text);
	printf("\",\"mem_regions\":%zu,\"mem_bytes\":%" PRIu64 ",\"xsave_blocks\":[", ev->nmem,
	       mem_bytes(ev));
	for (size_t i = 0; i < ev->nxblocks; i++)
		printf("%s\"%s\"", i ? "," : "", x86_xsave_component_name(ev->xblocks[i].block));
	printf("],\"output_bytes\":%zu,\"rseq_cs\":%s,", ev->output_len,
	       ev->flags & EVF_RSEQ_CS ? "true" : "false");
	if (ev->runtime_us)
		printf("\"runtime_us\":%" PRIu64 ",", ev->runtime_us);
	printf("\"regs\":{");
	for (int i = 0; i < X86_NREGS; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", x86_reg_name(i), ev->regs[i]);
	printf("},\"maps\":[");
	for (size_t i = 0; i < ev->nmaps; i++) {
		printf("%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"prot\":%u,\"kind\":\"%s\","
		       "\"path\":\"",
		       i ? "," : "", ev->maps[i].start, ev->maps[i].end, ev->maps[i].prot,
		       trace_map_kind_name(ev->maps[i].kind));
		json_escape(ev->maps[i].path);
		printf("\"}");
	}
	printf("]");
	if (ev->kind == EV_EXIT)
		printf(",\"exit_status\":%d", ev->exit_status);
	if (ev->kind == EV_CLONE)
		printf(",\"child_tid\":%u,\"clone_flags\":%llu", ev->child_tid,
		       (unsigned long long)ev->clone_flags);
	printf("}");
}

int cmd_dump(int argc, char **argv)
{
	struct trace_walk w;
	struct code_model model = {0};
	const char *arg = NULL;
	char path[PATH_MAX];
	bool json = false, disasm = false, regs = false;
	int ret;

	static const char usage[] = "usage: rewind dump [--json] [--disasm] [--regs] [TRACE]\n"
				    "  every event of TRACE, one line each: --json as JSON\n"
				    "  objects, --disasm with the instruction at its IP,\n"
				    "  --regs with every register";
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--disasm"))
			disasm = true;
		else if (!strcmp(argv[i], "--regs"))
			regs = true;
		else if ((rc = cli_trace_operand("dump", usage, argv[i], &arg)) != 1)
			return rc;
	}
	if (trace_walk_open_named(&w, arg, path, sizeof(path)) < 0)
		return 1;
	if (disasm) {
		w.stream.on_blob = on_blob;
		w.stream.blob_arg = &model;
		model.cs_ok = cs_open(CS_ARCH_X86, CS_MODE_64, &model.cs) == CS_ERR_OK;
	}
	while ((ret = trace_walk_next(&w)) > 0) {
		if (disasm)
			model_event(&model, &w.ev);
		if (json)
			print_json(&w.ev);
		else
			print_text(&w.ev, regs);
		if (disasm && w.ev.kind != EV_EXIT)
			print_insn(&model, w.ev.regs[X86_RIP]);
		putchar('\n');
	}
	if (model.cs_ok)
		cs_close(&model.cs);
	for (size_t i = 0; i < model.nblobs; i++)
		free(model.blobs[i].data);
	free(model.blobs);
	free(model.regions);
	free_saved_strings();
	trace_walk_close(&w);
	return ret < 0 ? 1 : 0;
}
