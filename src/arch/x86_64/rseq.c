/* rseq critical-section aborts; see rseq.h (kernel/rseq.c: rseq_ip_fixup). */
#include "arch/x86_64/rseq.h"

#include <errno.h>

struct rseq_cs_desc {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
};

int x86_rseq_interrupt(struct tracee *t, const struct x86_rseq_area *area, uint64_t regs[X86_NREGS])
{
	struct rseq_cs_desc cs;
	uint64_t cs_ptr, zero = 0, ip = regs[X86_RIP];
	uint32_t area_flags = 0, sig;
	int err;

	if (!area->addr)
		return 0;
	if ((err = tracee_read_mem(t, area->addr + 8, &cs_ptr, sizeof(cs_ptr))) < 0)
		return err;
	if (!cs_ptr)
		return 0;
	if ((err = tracee_read_mem(t, cs_ptr, &cs, sizeof(cs))) < 0)
		return err;
	if (ip < cs.start_ip || ip - cs.start_ip >= cs.post_commit_offset) {
		/* Outside: the kernel clears a stale rseq_cs lazily; so do we. */
		return tracee_write_mem(t, area->addr + 8, &zero, sizeof(zero)) < 0 ? -EFAULT : 0;
	}
	tracee_read_mem(t, area->addr + 16, &area_flags, sizeof(area_flags));
	if ((err = tracee_read_mem(t, cs.abort_ip - 4, &sig, sizeof(sig))) < 0)
		return err;
	if (sig != area->sig)
		return -EPERM;
	if ((err = tracee_write_mem(t, area->addr + 8, &zero, sizeof(zero))) < 0)
		return err;
	if (!((cs.flags | area_flags) & X86_RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL))
		regs[X86_RIP] = cs.abort_ip;
	return 1;
}

bool x86_rseq_in_critical_section(struct tracee *t, const struct x86_rseq_area *area, uint64_t ip)
{
	struct rseq_cs_desc cs;
	uint64_t cs_ptr;

	if (!area->addr || tracee_read_mem(t, area->addr + 8, &cs_ptr, sizeof(cs_ptr)) < 0 ||
	    !cs_ptr || tracee_read_mem(t, cs_ptr, &cs, sizeof(cs)) < 0)
		return false;
	return ip >= cs.start_ip && ip - cs.start_ip < cs.post_commit_offset;
}
