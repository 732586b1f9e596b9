/*
 * Scratch buffers for syscalls that may block in a threaded process.
 *
 * While a thread is blocked in read(), wait4(), epoll_wait() and the like,
 * another thread of its process may run user code. The kernel writes the
 * syscall's results whenever the syscall completes, so that other thread
 * could see them before the blocked thread's exit event is in the trace,
 * and replay, which writes them at that event, would differ. So in a
 * process with more than one thread, the output pointers of such a
 * syscall are pointed at a scratch area of rewind's (a page range mapped
 * into the process at SCRATCH_BASE, one slot per thread) for the time of
 * the syscall: the kernel writes there, unseen by the program. At the
 * exit stop, once no other thread of the process is running user code
 * (the exit is deferred until then: see record_sched.c), the bytes the
 * syscall wrote are copied to where the program asked, the registers get
 * the program's pointers back, and the exit event records those writes
 * as usual. The trace never mentions the scratch area, and replay never
 * maps it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arch/x86_64/regs.h"
#include "arch/x86_64/syscall_table.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"

static const int arg_reg[6] = {X86_RDI, X86_RSI, X86_RDX, X86_R10, X86_R8, X86_R9};

/* Any other task of t's address space that is running user code now. */
bool recorder_scratch_others_run(const struct recorder *r, const struct recorder_task *t)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i] != t && r->tasks[i]->mm == t->mm &&
		    r->tasks[i]->state == TASK_RUNNING)
			return true;
	return false;
}

/*
 * Runs syscall nr in t, stopped at the entry of another one (entry holds
 * its registers), and comes back to that same entry stop. A signal that
 * stops the task on the way is sent again afterwards; rewind's own
 * preemption SIGSTOP is dropped (the task is not running user code).
 */
static int inject_at_entry(struct recorder_task *t, const uint64_t entry[X86_NREGS], long nr,
			   const uint64_t args[6], int64_t *ret)
{
	uint64_t regs[X86_NREGS];
	int resend = 0, st, err;

	memcpy(regs, entry, sizeof(regs));
	regs[X86_ORIG_RAX] = (uint64_t)nr;
	for (int i = 0; i < 6; i++)
		regs[arg_reg[i]] = args[i];
	if ((err = tracee_set_regs(&t->t, regs)) < 0)
		return err;
	for (int phase = 0; phase < 2;) {
		if ((st = tracee_resume(&t->t, PTRACE_SYSCALL, 0)) < 0)
			return st;
		if (t->t.stop == TRACEE_STOP_EXITED)
			return -ESRCH;
		if (t->t.stop == TRACEE_STOP_OTHER) {
			int sig = WSTOPSIG(st);

			if (sig == SIGSTOP && t->kick_preempt)
				t->kick_preempt = false;
			else if (!(st >> 16))
				resend = sig;
			/* Back to where the syscall stop left it. */
			t->t.stop = phase ? TRACEE_STOP_SYSCALL_EXIT : TRACEE_STOP_SYSCALL_ENTRY;
			continue;
		}
		if (phase == 0) {
			if ((err = tracee_get_regs(&t->t, regs)) < 0)
				return err;
			*ret = (int64_t)regs[X86_RAX];
			memcpy(regs, entry, sizeof(regs));
			regs[X86_RIP] -= X86_SYSCALL_INSN_LEN;
			regs[X86_RAX] = entry[X86_ORIG_RAX];
			regs[X86_ORIG_RAX] = (uint64_t)-1;
			if ((err = tracee_set_regs(&t->t, regs)) < 0)
				return err;
		}
		phase++;
	}
	if (resend)
		recorder_send_again(t, resend);
	return 0;
}

/* The task's slot in the scratch range, mapped on first use; 0 or negative errno. */
static int slot_get(struct recorder_task *t, const uint64_t entry[X86_NREGS])
{
	struct recorder_mm *mm = t->mm;

	if (t->scratch_slot)
		return 0;
	for (int s = 0; s < SCRATCH_SLOTS; s++) {
		uint64_t args[6] = {SCRATCH_BASE + (uint64_t)s * SCRATCH_SIZE,
				    SCRATCH_SIZE,
				    PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
					MAP_FIXED_NOREPLACE,
				    (uint64_t)-1,
				    0};
		int64_t ret;
		int err;

		if (mm->scratch_used[s])
			continue;
		if (!mm->scratch_mapped[s]) {
			if ((err = inject_at_entry(t, entry, SYS_mmap, args, &ret)) < 0)
				return err;
			if ((uint64_t)ret != args[0])
				continue; /* taken by the program (or a copy a fork left) */
			mm->scratch_mapped[s] = true;
		}
		mm->scratch_used[s] = true;
		t->scratch_slot = s + 1;
		return 0;
	}
	return -ENOSPC;
}

/* len bytes of scratch at *next, 16-aligned, or 0 when they do not fit before end. */
static uint64_t take(uint64_t *next, uint64_t end, uint64_t len)
{
	uint64_t a = *next, need = (len + 15) & ~15ull;

	if (len > end - a || need > end - a)
		return 0;
	*next = a + need;
	return a;
}

#define PAGE_BYTES 4096u

/*
 * Whether every page of len bytes at addr is mapped and readable in t (one
 * byte of each read with process_vm_readv, which obeys page protections;
 * a write would trip the written-page tracker's write protection). If not,
 * the syscall writes in place and fails as natively (EFAULT, a pipe keeping
 * its bytes), rather than into scratch with a copy-back that cannot be made.
 */
static bool mapped(const struct recorder_task *t, uint64_t addr, uint64_t len)
{
	struct iovec local[SCRATCH_SIZE / PAGE_BYTES + 2], remote[SCRATCH_SIZE / PAGE_BYTES + 2];
	uint8_t bytes[SCRATCH_SIZE / PAGE_BYTES + 2];
	size_t n = 0;

	if (len > SCRATCH_SIZE || addr + len < addr)
		return false;
	for (uint64_t a = addr; a < addr + len; a = (a | (PAGE_BYTES - 1)) + 1) {
		local[n] = (struct iovec){&bytes[n], 1};
		remote[n] = (struct iovec){(void *)a, 1};
		n++;
	}
	return process_vm_readv(t->t.tid, local, n, remote, n, 0) == (ssize_t)n;
}

static bool add_move(struct recorder_task *t, uint64_t real, uint64_t scratch, uint64_t len,
		     bool header)
{
	if (t->nscratch == SCRATCH_MOVES || !mapped(t, real, len))
		return false;
	t->scratch[t->nscratch++] = (struct scratch_move){real, scratch, len, header, {0, 0, 0}};
	return true;
}

#define IOV_MOVED 64

/*
 * An iovec array of n entries at real: its buffers go to scratch, and a
 * copy of the array pointing at them, whose address is in *moved. 0 when
 * it does not fit.
 */
static int move_iovecs(struct recorder_task *t, uint64_t real, uint64_t n, uint64_t *next,
		       uint64_t end, uint64_t *moved)
{
	uint64_t iov[2 * IOV_MOVED], arr;

	if (!real || n == 0 || n > IOV_MOVED || tracee_read_mem(&t->t, real, iov, n * 16) < 0 ||
	    !(arr = take(next, end, n * 16)))
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t b;

		if (!iov[2 * i] || !iov[2 * i + 1])
			continue;
		if (!(b = take(next, end, iov[2 * i + 1])) ||
		    !add_move(t, iov[2 * i], b, iov[2 * i + 1], false))
			return 0;
		iov[2 * i] = b;
	}
	if (tracee_write_mem(&t->t, arr, iov, n * 16) < 0)
		return 0;
	*moved = arr;
	return 1;
}

/*
 * The msghdr at real (len bytes of it: a recvmmsg entry has its msg_len
 * after it): a copy at h pointing at scratch for its name, iovecs and
 * control data. 1 done, 0 when it does not fit.
 */
static int move_msghdr(struct recorder_task *t, uint64_t real, uint64_t h, uint64_t len,
		       uint64_t *next, uint64_t end)
{
	uint64_t m[7], p; /* name, namelen, iov, iovlen, control, controllen, flags */
	struct scratch_move *hm;

	if (!real || tracee_read_mem(&t->t, real, m, sizeof(m)) < 0 ||
	    !add_move(t, real, h, len, true))
		return 0;
	hm = &t->scratch[t->nscratch - 1];
	hm->ptrs[0] = m[0];
	hm->ptrs[1] = m[2];
	hm->ptrs[2] = m[4];
	if (m[0] && (uint32_t)m[1]) {
		if (!(p = take(next, end, (uint32_t)m[1])) ||
		    !add_move(t, m[0], p, (uint32_t)m[1], false))
			return 0;
		m[0] = p;
	}
	if (m[2] && move_iovecs(t, m[2], m[3], next, end, &m[2]) <= 0)
		return 0;
	if (m[4] && m[5]) {
		if (!(p = take(next, end, m[5])) || !add_move(t, m[4], p, m[5], false))
			return 0;
		m[4] = p;
	}
	return tracee_write_mem(&t->t, h, m, sizeof(m)) == 0;
}

#define MMSG_MOVED 16
/* struct msghdr; struct mmsghdr is one and the u32 msg_len, 64 bytes. */
#define MSGHDR_BYTES  56
#define MMSGHDR_BYTES 64

/* What the syscall table says the syscall in progress may write (x86_syscall_entry_regions). */
struct entry_plan {
	struct recorder_task *t;
	struct x86_entry_region r[8];
	int n;
};

static int plan_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return tracee_read_mem(&((struct entry_plan *)opaque)->t->t, addr, buf, len);
}

static int plan_add(void *opaque, const struct x86_entry_region *reg)
{
	struct entry_plan *p = opaque;

	if (p->n == (int)(sizeof(p->r) / sizeof(p->r[0])))
		return -E2BIG;
	p->r[p->n++] = *reg;
	return 0;
}

/*
 * Whether the plan is worth a scratch slot: iovecs or msghdrs to move (they
 * are sized as they move), or plain buffers that all fit.
 */
static bool plan_fits(const struct entry_plan *p, const uint64_t a[6])
{
	uint64_t used = 0;
	bool vectors = false;

	for (int i = 0; i < p->n; i++) {
		if (p->r[i].kind != X86_ENTRY_BYTES)
			vectors = true;
		else if (a[p->r[i].arg] && p->r[i].len)
			used += p->r[i].len > SCRATCH_SIZE ? SCRATCH_SIZE + 1
							   : (p->r[i].len + 15) & ~15ull;
	}
	return vectors || (used > 0 && used <= SCRATCH_SIZE);
}

/* len bytes at real go to scratch; in-out ones (poll's fds, addrlen) with the program's bytes. */
static int move_bytes(struct recorder_task *t, uint64_t real, uint64_t len, bool in, uint64_t *next,
		      uint64_t end, uint64_t *moved)
{
	uint64_t b;
	uint8_t *copy;
	int ok;

	if (!(b = take(next, end, len)))
		return 0;
	if (in) {
		copy = xmalloc(len);
		ok = tracee_read_mem(&t->t, real, copy, len) == 0 &&
		     tracee_write_mem(&t->t, b, copy, len) == 0;
		free(copy);
		if (!ok)
			return 0;
	}
	if (!add_move(t, real, b, len, false))
		return 0;
	*moved = b;
	return 1;
}

/* recvmmsg's vector of n struct mmsghdr. */
static int move_mmsghdrs(struct recorder_task *t, uint64_t real, uint64_t n, uint64_t *next,
			 uint64_t end, uint64_t *moved)
{
	uint64_t arr;

	if (n == 0 || n > MMSG_MOVED || !(arr = take(next, end, n * MMSGHDR_BYTES)))
		return 0;
	for (uint64_t i = 0; i < n; i++)
		if (!move_msghdr(t, real + MMSGHDR_BYTES * i, arr + MMSGHDR_BYTES * i,
				 MMSGHDR_BYTES, next, end))
			return 0;
	*moved = arr;
	return 1;
}

/*
 * One region of the plan to scratch between *next and end: the argument's
 * register then points at the copy. 1 done (or nothing to do), 0 when it
 * does not fit.
 */
static int move_region(struct recorder_task *t, uint64_t regs[X86_NREGS], const uint64_t a[6],
		       const struct x86_entry_region *reg, uint64_t *next, uint64_t end)
{
	uint64_t real = a[reg->arg], moved = 0, h;
	int done = 0;

	switch (reg->kind) {
	case X86_ENTRY_BYTES:
		if (!real || !reg->len)
			return 1;
		done = move_bytes(t, real, reg->len, reg->in, next, end, &moved);
		break;
	case X86_ENTRY_IOVECS:
		done = move_iovecs(t, real, reg->len, next, end, &moved);
		break;
	case X86_ENTRY_MSGHDR:
		done = (h = take(next, end, MSGHDR_BYTES)) &&
		       move_msghdr(t, real, h, MSGHDR_BYTES, next, end);
		moved = h;
		break;
	case X86_ENTRY_MMSGHDRS:
		done = real && move_mmsghdrs(t, real, reg->len, next, end, &moved);
		break;
	}
	if (done > 0)
		regs[arg_reg[reg->arg]] = moved;
	return done > 0;
}

int recorder_scratch_enter(struct recorder *r, struct recorder_task *t)
{
	const struct x86_syscall_desc *d = x86_syscall_lookup(t->cur_sysno);
	struct entry_plan plan = {.t = t};
	struct x86_sys_entry_ctx ctx = {
	    .nr = t->cur_sysno, .read_mem = plan_read, .region = plan_add, .opaque = &plan};
	uint64_t regs[X86_NREGS], base, next, end;
	int err;

	t->scratch_active = false;
	if (!d || !(d->flags & SYSF_MAY_BLOCK) || t->cur_emulated || t->cur_unsupported ||
	    t->mm->refs < 2)
		return 0;
	/* The entry event just recorded holds the registers. */
	memcpy(regs, r->eb.regs, sizeof(regs));
	x86_regs_args(regs, ctx.args);
	if (x86_syscall_entry_regions(&ctx) < 0 || !plan_fits(&plan, ctx.args))
		return 0; /* nothing to move, or too large: written in place */
	if ((err = slot_get(t, regs)) == -ENOSPC)
		return 0;
	if (err < 0)
		return err;
	memcpy(t->scratch_entry, regs, sizeof(regs));
	t->nscratch = 0;
	base = SCRATCH_BASE + (uint64_t)(t->scratch_slot - 1) * SCRATCH_SIZE;
	next = base;
	end = base + SCRATCH_SIZE;
	for (int i = 0; i < plan.n; i++)
		if (!move_region(t, regs, ctx.args, &plan.r[i], &next, end))
			return 0; /* too much to move: written in place */
	if ((err = tracee_set_regs(&t->t, regs)) < 0)
		return err;
	t->scratch_active = true;
	return 0;
}

struct copy_back {
	struct recorder_task *t;
	int err;
};

static int read_cb(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return tracee_read_mem(&((struct copy_back *)opaque)->t->t, addr, buf, len);
}

/* A region the syscall wrote: inside scratch, it goes where the program asked. */
static int copy_cb(void *opaque, uint64_t addr, uint64_t len)
{
	struct copy_back *c = opaque;
	struct recorder_task *t = c->t;

	for (int i = 0; i < t->nscratch; i++) {
		const struct scratch_move *m = &t->scratch[i];
		uint64_t off, n;
		uint8_t *buf;

		if (addr < m->scratch || addr >= m->scratch + m->len)
			continue;
		off = addr - m->scratch;
		n = len < m->len - off ? len : m->len - off;
		buf = xmalloc(n ? n : 1);
		if (tracee_read_mem(&t->t, addr, buf, n) < 0 ||
		    tracee_write_mem(&t->t, m->real + off, buf, n) < 0)
			c->err = -EFAULT;
		free(buf);
		/* A msghdr's pointers are the program's, not the copy's. */
		for (uint64_t f = 0; m->header && f < 48 && c->err == 0; f += 16)
			if (f >= off && f + 8 <= off + n &&
			    tracee_write_mem(&t->t, m->real + f, &m->ptrs[f / 16], 8) < 0)
				c->err = -EFAULT;
	}
	return 0;
}

int recorder_scratch_exit(struct recorder *r, struct recorder_task *t)
{
	uint64_t regs[X86_NREGS];
	struct x86_sys_out_ctx ctx;
	struct copy_back c = {t, 0};
	int err;

	if (!t->scratch_active)
		return 0;
	t->scratch_active = false;
	if ((err = tracee_get_regs(&t->t, regs)) < 0)
		return err;
	ctx = (struct x86_sys_out_ctx){.nr = t->cur_sysno,
				       .ret = x86_regs_result(regs),
				       .read_mem = read_cb,
				       .emit = copy_cb,
				       .opaque = &c};
	x86_regs_args(regs, ctx.args);
	x86_syscall_output_regions(&ctx);
	/* The program's own pointers again, as the syscall left every other register. */
	for (int i = 0; i < 6; i++)
		regs[arg_reg[i]] = t->scratch_entry[arg_reg[i]];
	if ((err = tracee_set_regs(&t->t, regs)) < 0)
		return err;
	return c.err;
}

void recorder_scratch_release(struct recorder_task *t)
{
	if (t->scratch_slot && t->mm)
		t->mm->scratch_used[t->scratch_slot - 1] = false;
	t->scratch_slot = 0;
	t->scratch_active = false;
}

void recorder_scratch_inherit(struct recorder_mm *child, const struct recorder_mm *parent)
{
	memcpy(child->scratch_mapped, parent->scratch_mapped, sizeof(child->scratch_mapped));
}
