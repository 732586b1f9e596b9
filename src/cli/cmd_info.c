/* rewind info [--json] [TRACE]: the trace header and a summary of its contents. */
#include <inttypes.h>
#include <linux/sched.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arch/x86_64/cpu.h"
#include "cli/cli.h"
#include "cli/trace_walk.h"
#include "common/log.h"

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void xcr0_names(uint64_t xcr0, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < 32 && used < outlen; i++)
		if (xcr0 & (1ull << i))
			used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? " " : "",
						 x86_xsave_component_name(i));
}

struct summary {
	uint64_t events, syscalls, execs;
	uint64_t processes, threads; /* threads: every task, each process's first too */
	bool attach;   /* it starts at processes that were running (rec -p) */
	bool detached; /* and ends letting them go on */
	uint32_t first_tid;
	int exit_status; /* of the first process */
	bool exited;
	uint64_t blobs; /* distinct stored files (parts at offset 0) */
	uint64_t blob_bytes;
};

/* Counts the stored files and their bytes, part by part. */
static int count_blob(void *arg, const uint8_t *payload, size_t len)
{
	struct summary *s = arg;
	struct rw_hash h;
	uint64_t total, off;
	const uint8_t *data;
	size_t n;

	if (trace_blob_decode(payload, len, &h, &total, &off, &data, &n) == 0) {
		s->blob_bytes += n;
		s->blobs += off == 0;
	}
	return 0;
}

static void print_text(const struct trace_walk *w, const struct summary *s)
{
	const struct trace_header *h = &w->header;
	uint32_t major, minor;
	char names[256];
	time_t t = (time_t)h->start_time;

	trace_reader_version(w->reader, &major, &minor);
	xcr0_names(h->xcr0, names, sizeof(names));
	printf("trace:          %s\n", w->path);
	printf("format version: %u.%u\n", major, minor);
	printf("size:           %" PRIu64 " bytes in %" PRIu64 " chunks%s\n",
	       trace_reader_file_size(w->reader), trace_reader_chunks(w->reader),
	       trace_reader_truncated(w->reader) ? " (truncated: no index footer)" : "");
	printf("recorded:       %s", ctime(&t));
	printf("host:           %s\n", h->hostname);
	printf("kernel:         %s\n", h->kernel_release);
	printf("cpu:            %s, %s\n", h->cpu_vendor, h->cpu_brand);
	printf("pinned to cpu:  %d\n", h->cpu);
	if (h->chaos)
		printf("chaos mode:     seed %" PRIu64 "\n", h->chaos_seed);
	printf("cpuid leaves:   %u\n", h->ncpuid);
	printf("page size:      %u\n", h->page_size);
	printf("xcr0:           0x%" PRIx64 " (%s)\n", h->xcr0, names);
	printf("xsave size:     %u bytes\n", h->xsave_size);
	for (int i = 0; i < TRACE_XSAVE_COMPONENTS; i++)
		if (h->xsave_comp_size[i])
			printf("  %-13s offset %4u size %4u\n", x86_xsave_component_name(i),
			       h->xsave_offset[i], h->xsave_comp_size[i]);
	printf("program:        %s\n", h->exe ? h->exe : "?");
	printf("command line:  ");
	for (uint32_t i = 0; i < h->argc; i++)
		printf(" %s", h->argv[i]);
	printf("\ncwd:            %s\n", h->cwd);
	printf("environment:    %u variables\n", h->envc);
	printf("events:         %" PRIu64 " (%" PRIu64 " syscalls, %" PRIu64 " program images)\n",
	       s->events, s->syscalls, s->execs);
	if (s->attach)
		printf("starts at:      an attach to running process %u (rec -p)%s\n", s->first_tid,
		       s->detached ? "; they were let go at the end" : "");
	printf("tasks:          %" PRIu64 " process%s, %" PRIu64 " thread%s\n", s->processes,
	       s->processes == 1 ? "" : "es", s->threads, s->threads == 1 ? "" : "s");
	printf("stored files:   %" PRIu64 " (%" PRIu64 " bytes)\n", s->blobs, s->blob_bytes);
	if (s->exited)
		printf("exit status:    0x%x\n", s->exit_status);
}

static void print_json(const struct trace_walk *w, const struct summary *s)
{
	const struct trace_header *h = &w->header;
	uint32_t major, minor;

	trace_reader_version(w->reader, &major, &minor);
	printf("{\"trace\":");
	json_str(w->path);
	printf(",\"version\":\"%u.%u\",\"size\":%" PRIu64 ",\"chunks\":%" PRIu64
	       ",\"truncated\":%s,\"start_time\":%" PRIu64 ",\"hostname\":",
	       major, minor, trace_reader_file_size(w->reader), trace_reader_chunks(w->reader),
	       trace_reader_truncated(w->reader) ? "true" : "false", h->start_time);
	json_str(h->hostname);
	printf(",\"kernel\":");
	json_str(h->kernel_release);
	printf(",\"cpu_vendor\":");
	json_str(h->cpu_vendor);
	printf(",\"cpu_model\":");
	json_str(h->cpu_brand);
	printf(",\"cpu\":%d,\"page_size\":%u,\"xcr0\":%" PRIu64 ",\"xsave_size\":%u", h->cpu,
	       h->page_size, h->xcr0, h->xsave_size);
	if (h->chaos)
		printf(",\"chaos_seed\":%" PRIu64, h->chaos_seed);
	printf(",\"xsave_layout\":[");
	for (int i = 0, first = 1; i < TRACE_XSAVE_COMPONENTS; i++) {
		if (!h->xsave_comp_size[i])
			continue;
		printf("%s{\"component\":%d,\"name\":\"%s\",\"offset\":%u,\"size\":%u}",
		       first ? "" : ",", i, x86_xsave_component_name(i), h->xsave_offset[i],
		       h->xsave_comp_size[i]);
		first = 0;
	}
	printf("],\"cpuid\":[");
	for (uint32_t i = 0; i < h->ncpuid; i++) {
		const struct trace_cpuid *c = &h->cpuid[i];

		printf("%s[%u,%u,%u,%u,%u,%u]", i ? "," : "", c->leaf, c->subleaf, c->eax, c->ebx,
		       c->ecx, c->edx);
	}
	printf("],\"exe\":");
	json_str(h->exe);
	printf(",\"argv\":[");
	for (uint32_t i = 0; i < h->argc; i++) {
		printf("%s", i ? "," : "");
		json_str(h->argv[i]);
	}
	printf("],\"cwd\":");
	json_str(h->cwd);
	printf(",\"env_count\":%u,\"events\":%" PRIu64 ",\"syscalls\":%" PRIu64
	       ",\"stored_files\":%" PRIu64 ",\"stored_file_bytes\":%" PRIu64,
	       h->envc, s->events, s->syscalls, s->blobs, s->blob_bytes);
	printf(",\"processes\":%" PRIu64 ",\"threads\":%" PRIu64, s->processes, s->threads);
	printf(",\"attach\":%s,\"detached\":%s", s->attach ? "true" : "false",
	       s->detached ? "true" : "false");
	if (s->exited)
		printf(",\"exit_status\":%d", s->exit_status);
	printf("}\n");
}

int cmd_info(int argc, char **argv)
{
	struct trace_walk w;
	struct summary s = {0};
	const char *arg = NULL;
	char path[PATH_MAX];
	bool json = false;
	int ret;

	static const char usage[] = "usage: rewind info [--json] [TRACE]\n"
				    "  the header of TRACE (machine, CPUID, XSAVE layout,\n"
				    "  command line) and what it holds (events, tasks,\n"
				    "  stored files); --json as one JSON object";
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if ((rc = cli_trace_operand("info", usage, argv[i], &arg)) != 1)
			return rc;
	}
	if (trace_walk_open_named(&w, arg, path, sizeof(path)) < 0)
		return 1;
	w.stream.on_blob = count_blob;
	w.stream.blob_arg = &s;
	while ((ret = trace_walk_next(&w)) > 0) {
		if (!s.events++) {
			s.first_tid = w.ev.tid;
			s.processes = s.threads = 1;
			s.attach = w.ev.kind == EV_EXEC && (w.ev.flags & EVF_ATTACH);
		} else if (w.ev.kind == EV_EXEC && (w.ev.flags & EVF_ATTACH)) {
			s.processes++; /* another process rec -p took */
			s.threads++;
		}
		s.threads += w.ev.kind == EV_THREAD;
		s.detached |= w.ev.kind == EV_EXIT && (w.ev.flags & EVF_DETACHED);
		s.syscalls += w.ev.kind == EV_SYSCALL_ENTRY;
		s.execs += w.ev.kind == EV_EXEC;
		if (w.ev.kind == EV_CLONE) {
			s.threads++;
			s.processes += !(w.ev.clone_flags & CLONE_THREAD);
		}
		if (w.ev.kind == EV_EXIT && w.ev.tid == s.first_tid) {
			s.exited = true;
			s.exit_status = w.ev.exit_status;
		}
	}
	if (ret == 0) {
		if (json)
			print_json(&w, &s);
		else
			print_text(&w, &s);
	}
	trace_walk_close(&w);
	return ret < 0 ? 1 : 0;
}
