/*
 * Patched syscall sites: libc calls itself (stdio's reads, writes and
 * seeks, opendir, realpath's readlinks) where no wrapper of the syscall
 * buffer's library sees it. At the exit of a traced syscall that the
 * library could buffer, made from a `syscall` of a shared library in a
 * thread whose library has registered, the recorder replaces that
 * instruction and the compare after it with a jump to a stub it writes
 * into the library's pool (arch/x86_64/site_patch.c, preload/site_hook.c),
 * and moves the thread on to the stub's copy of the compare. The bytes
 * written are regions of the exit event and its registers say where the
 * thread goes on, so replay writes the same bytes at the same point
 * (through /proc/PID/mem, which writes read-only text).
 *
 * A thread may be anywhere when the jump is written: it is written only
 * while no other thread of the address space runs user code, none is
 * stopped or blocked in a syscall with its instruction pointer inside the
 * site (where the jump's bytes would be the middle of an instruction), none
 * runs a signal handler (whose frame may return there; a handler left by
 * siglongjmp keeps its process's sites as they are), and no vfork child
 * shares memory with its parent (replay gives that child a copy of the
 * memory, where the recording's parent would see the patch).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/x86_64/kernel_errno.h"
#include "arch/x86_64/site_patch.h"
#include "arch/x86_64/sysbuf.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "recorder/record.h"
#include "recorder/recorder.h"

#define POOL_LIBRARY "librewind_preload.so"

static bool rejected(const struct recorder_sites *s, uint64_t site)
{
	for (unsigned i = 0; i < s->nrejected; i++)
		if (s->rejected[i] == site)
			return true;
	return false;
}

/* Leaves the site alone from now on (the oldest of a full list is forgotten). */
static void reject(struct recorder_sites *s, uint64_t site)
{
	unsigned max = sizeof(s->rejected) / sizeof(s->rejected[0]);

	if (s->nrejected == max) {
		memmove(s->rejected, s->rejected + 1, (max - 1) * sizeof(s->rejected[0]));
		s->nrejected--;
	}
	s->rejected[s->nrejected++] = site;
}

static bool inside(uint64_t ip, uint64_t site, size_t len)
{
	return ip > site && ip < site + len;
}

/*
 * Whether the site may be written now: no other thread of t's address
 * space runs user code or has its instruction pointer inside the site, no
 * vfork child shares memory. 0 yes, 1 not now, negative errno.
 */
static int others_clear(struct recorder *r, struct recorder_task *t, uint64_t site, size_t len)
{
	uint64_t regs[X86_NREGS];

	for (size_t i = 0; i < r->ntasks; i++) {
		struct recorder_task *o = r->tasks[i];

		if (o->vforked || o->sysbuf.vfork_parent)
			return 1;
		if (o->mm != t->mm && o->tgid != t->tgid)
			continue;
		/* A signal frame's saved instruction pointer may be inside the site. */
		if (o->handlers)
			return 1;
		if (o == t)
			continue;
		switch (o->state) {
		case TASK_DYING:
		case TASK_NEW:
			continue;
		case TASK_RUNNING:
			return 1;
		case TASK_IN_SYSCALL:
			if (inside(o->entry_regs[X86_RIP], site, len))
				return 1;
			continue;
		default:
			if (tracee_get_regs(&o->t, regs) < 0 || inside(regs[X86_RIP], site, len))
				return 1;
		}
	}
	return 0;
}

/*
 * Whether [site, site + len) lies in an executable private mapping of a
 * file that is not the library's: no JIT's code (anonymous, or a memfd),
 * no deleted file.
 */
static bool in_library_code(struct recorder_task *t, uint64_t site, size_t len)
{
	struct recorder_sites *s = &t->mm->sites;
	struct procmap *maps = NULL;
	int n;
	bool ok = false;

	for (unsigned i = 0; i < s->ncode; i++)
		if (site >= s->code[i].start && site + len <= s->code[i].end)
			return true;
	n = procmaps_read(t->t.tid, &maps);
	for (int i = 0; i < n; i++) {
		const struct procmap *m = &maps[i];
		const char *base = strrchr(m->path, '/');

		if (site < m->start || site + len > m->end)
			continue;
		ok = (m->prot & PROT_EXEC) && !m->shared && m->path[0] == '/' &&
		     strncmp(m->path, "/memfd:", 7) && !strstr(m->path, " (deleted)") &&
		     strcmp(base + 1, POOL_LIBRARY);
		if (ok && s->ncode < sizeof(s->code) / sizeof(s->code[0])) {
			s->code[s->ncode].start = m->start;
			s->code[s->ncode++].end = m->end;
		}
		break;
	}
	free(maps);
	return ok;
}

void recorder_sites_forget_code(struct recorder_task *t, uint64_t start, uint64_t len)
{
	struct recorder_sites *s = t->mm ? &t->mm->sites : NULL;
	uint64_t end = start + len < start ? UINT64_MAX : start + len;
	unsigned kept = 0;

	for (unsigned i = 0; s && i < s->ncode; i++)
		if (s->code[i].end <= start || s->code[i].start >= end)
			s->code[kept++] = s->code[i];
	if (s)
		s->ncode = kept;
}

/* A free stub of the pool (its first byte never written), or 0 when the pool is full. */
static uint64_t take_stub(struct recorder_task *t, const struct recorder_sysbuf *b)
{
	struct recorder_sites *s = &t->mm->sites;
	uint8_t first;

	for (; s->next_stub + SYSBUF_SITE_STUB <= b->site_pool_len;
	     s->next_stub += SYSBUF_SITE_STUB) {
		uint64_t at = b->site_pool + s->next_stub;

		if (tracee_read_mem(&t->t, at, &first, 1) < 0)
			return 0;
		if (first == SYSBUF_SITE_FREE) {
			s->next_stub += SYSBUF_SITE_STUB;
			return at;
		}
	}
	return 0;
}

/*
 * Writes len bytes at addr into t and into the exit event being built. A
 * failure leaves the site as it was (a stub written without its jump is a
 * slot never used, in the replay too).
 */
static int write_patch(struct recorder *r, struct recorder_task *t, uint64_t site, uint64_t addr,
		       const void *p, size_t len)
{
	int err = tracee_write_mem(&t->t, addr, p, len);

	if (err < 0) {
		rw_debug("pid %d: cannot patch the syscall site at 0x%llx (0x%llx): %s", t->t.tid,
			 (unsigned long long)site, (unsigned long long)addr, strerror(-err));
		return err;
	}
	trace_event_add_mem(&r->eb, addr, p, len);
	return 0;
}

/* Whether t's syscall at hand comes from a site worth a look. */
static bool candidate(const struct recorder_task *t, const struct recorder_sysbuf *b,
		      const uint64_t regs[X86_NREGS])
{
	int64_t ret = (int64_t)regs[X86_RAX];
	uint64_t site = t->entry_regs[X86_RIP] - 2;

	if (!b || !b->site_pool || t->ptrace.tracer || t->syscall_stops ||
	    !sysbuf_site_buffers(t->cur_sysno) || regs[X86_RIP] != t->entry_regs[X86_RIP])
		return false;
	/* A restart moves the instruction pointer back onto the syscall after this stop. */
	if (x86_restart_code(ret))
		return false;
	return site < b->site_pool || site >= b->site_pool + b->site_pool_len;
}

int recorder_sites_patch(struct recorder *r, struct recorder_task *t, uint64_t regs[X86_NREGS])
{
	uint64_t site = t->entry_regs[X86_RIP] - 2, stub_addr, resume;
	uint8_t code[X86_SITE_MAX], stub[SYSBUF_SITE_STUB], jump[X86_SITE_MAX];
	const struct recorder_sysbuf *b = recorder_sysbuf_of_process(r, t);
	size_t len, n;
	int err;

	if (!candidate(t, b, regs) || rejected(&t->mm->sites, site))
		return 0;
	if (tracee_read_mem(&t->t, site, code, sizeof(code)) < 0 ||
	    !(len = x86_site_patchable(code, sizeof(code)))) {
		reject(&t->mm->sites, site);
		return 0;
	}
	/* Not now (the next exit of the site tries again), before the maps are read. */
	if ((err = others_clear(r, t, site, len)) != 0)
		return err < 0 ? err : 0;
	if (!in_library_code(t, site, len)) {
		reject(&t->mm->sites, site);
		return 0;
	}
	if (!(stub_addr = take_stub(t, b)) ||
	    !(n = x86_site_stub(stub, stub_addr, b->site_hook, site, code, len, &resume)) ||
	    x86_site_jump(jump, site, len, stub_addr) < 0) {
		reject(&t->mm->sites, site);
		return 0;
	}
	if (write_patch(r, t, site, stub_addr, stub, n) < 0 ||
	    write_patch(r, t, site, site, jump, len) < 0) {
		reject(&t->mm->sites, site);
		return 0;
	}
	regs[X86_RIP] = resume;
	r->eb.regs[X86_RIP] = resume;
	r->sites_patched++;
	return 1;
}
