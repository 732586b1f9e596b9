/*
 * Before replaying: can this machine run what the recording machine ran?
 * A program picks code paths by CPUID and XCR0 at start-up (glibc's
 * ifuncs), so a trace that used a feature this CPU lacks would fault or
 * diverge: it is refused, naming the features, unless forced. XSAVE data
 * needs no such care: the trace stores it per component, and the replayer
 * places each component at this machine's offset (CPUID leaf 0xD), so a
 * different layout is converted component by component.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "replayer/replayer.h"

static void component_names(uint64_t mask, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < 64 && used < outlen; i++)
		if (mask & (1ull << i))
			used += (size_t)snprintf(out + used, outlen - used, "%s%s",
						 used ? ", " : "", x86_xsave_component_name(i));
}

int replayer_check_machine(struct replayer *r, bool force)
{
	const struct trace_header *h = &r->in.header;
	struct x86_cpuid_leaf *here = NULL;
	uint64_t lacking = h->xcr0 & ~r->layout.xcr0;
	char names[512];
	int nhere = x86_cpuid_collect_features(&here), refused = 0;

	if (lacking) {
		component_names(lacking, names, sizeof(names));
		rw_error("%s: recorded on a CPU with XSAVE state this one lacks (XCR0 0x%llx here, "
			 "0x%llx in the trace): %s%s",
			 r->in.path, (unsigned long long)r->layout.xcr0,
			 (unsigned long long)h->xcr0, names, force ? "; going on (--force)" : "");
		refused = 1;
	}
	if (nhere > 0 && h->ncpuid &&
	    x86_cpuid_missing_features((const struct x86_cpuid_leaf *)h->cpuid, (int)h->ncpuid,
				       here, nhere, names, sizeof(names)) > 0) {
		rw_error("%s: recorded on a CPU with features this one lacks: %s%s", r->in.path,
			 names, force ? "; going on (--force)" : "");
		refused = 1;
	}
	free(here);
	for (int i = 2; i < TRACE_XSAVE_COMPONENTS && i < X86_XSAVE_MAX_COMPONENTS; i++) {
		if (!h->xsave_comp_size[i] || !r->layout.size[i])
			continue;
		if (h->xsave_comp_size[i] != r->layout.size[i]) {
			rw_error("%s: XSAVE component %s is %u bytes in the trace, %u here",
				 r->in.path, x86_xsave_component_name(i), h->xsave_comp_size[i],
				 r->layout.size[i]);
			refused = 1;
		} else if (h->xsave_offset[i] != r->layout.offset[i]) {
			rw_debug("XSAVE component %s is at byte %u in the trace and %u here: "
				 "converted",
				 x86_xsave_component_name(i), h->xsave_offset[i],
				 r->layout.offset[i]);
		}
	}
	if (refused && !force) {
		rw_error("%s: not replaying on this machine (use --force to try anyway)",
			 r->in.path);
		return -ENOTSUP;
	}
	return 0;
}
