/*
 * The trace header: the machine and the command a trace was recorded from.
 * Encoded as tagged fields (varint tag + length-prefixed value); a reader
 * skips tags it does not know, so new fields need only a minor version bump.
 */
#ifndef REWIND_TRACE_FORMAT_HEADER_H
#define REWIND_TRACE_FORMAT_HEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"

struct trace_cpuid {
	uint32_t leaf, subleaf;
	uint32_t eax, ebx, ecx, edx;
};

#define TRACE_XSAVE_COMPONENTS 32

struct trace_header {
	char *kernel_release;
	char *cpu_vendor;
	char *cpu_brand;
	char *hostname;
	char *cwd;
	char *exe;	     /* the program as given on the command line, resolved */
	uint64_t start_time; /* seconds since the epoch */
	uint32_t page_size;
	int32_t cpu; /* the CPU the tracees were pinned to */
	uint64_t xcr0;
	uint32_t xsave_size;
	uint32_t xsave_offset[TRACE_XSAVE_COMPONENTS];
	uint32_t xsave_comp_size[TRACE_XSAVE_COMPONENTS];
	struct trace_cpuid *cpuid;
	uint32_t ncpuid;
	char **argv;
	uint32_t argc;
	char **envp;
	uint32_t envc;
	/* Recorded in chaos mode (rec --chaos), with the seed of its schedule. */
	bool chaos;
	uint64_t chaos_seed;
};

void trace_header_encode(const struct trace_header *h, struct rw_buf *out);
/* Returns 0 or -EBADMSG; on success *h owns allocations freed by trace_header_free. */
int trace_header_decode(const void *p, size_t len, struct trace_header *h);
void trace_header_free(struct trace_header *h);

#endif
