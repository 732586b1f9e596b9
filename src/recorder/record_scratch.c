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
#include <unistd.h>

#include "arch/x86_64/regs.h"
#include "arch/x86_64/syscall_table.h"
#include "recorder/recorder.h"

static const int arg_reg[6] = {X86_RDI, X86_RSI, X86_RDX, X86_R10, X86_R8, X86_R9};

struct want {
	int arg;
	uint64_t len;
	bool in; /* the kernel reads it too: the scratch copy starts as the program's */
};

static uint32_t read_u32(struct recorder_task *t, uint64_t addr)
{
	uint32_t v = 0;

	if (addr)
		tracee_read_mem(&t->t, addr, &v, sizeof(v));
	return v;
}

/* The pointer arguments of syscall nr the kernel writes through, with their sizes. */
static int wanted(struct recorder_task *t, long nr, const uint64_t a[6], struct want w[6])
{
	uint64_t set = 0;
	int n = 0;

#define WANT(i, l)    (w[n++] = (struct want){(i), (l), false})
#define WANT_IN(i, l) (w[n++] = (struct want){(i), (l), true})
	switch (nr) {
	case SYS_read:
	case SYS_pread64:
		WANT(1, a[2]);
		break;
	case SYS_recvfrom:
		WANT(1, a[2]);
		if (a[4] && a[5]) {
			WANT(4, read_u32(t, a[5]));
			WANT_IN(5, 4);
		}
		break;
	case SYS_accept:
	case SYS_accept4:
		if (a[1] && a[2]) {
			WANT(1, read_u32(t, a[2]));
			WANT_IN(2, 4);
		}
		break;
	case SYS_wait4:
		WANT(1, 4);
		WANT(3, 144); /* struct rusage */
		break;
	case SYS_waitid:
		WANT(2, 128); /* siginfo_t */
		WANT(4, 144);
		break;
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		if ((int)a[2] > 0)
			WANT(1, (uint64_t)(int)a[2] * 12); /* struct epoll_event, packed */
		break;
	case SYS_poll:
		WANT_IN(0, (uint64_t)(uint32_t)a[1] * 8);
		break;
	case SYS_ppoll:
		WANT_IN(0, (uint64_t)(uint32_t)a[1] * 8);
		WANT_IN(2, 16);
		break;
	case SYS_select:
	case SYS_pselect6:
		if ((int)a[0] > 0)
			set = ((uint64_t)(int)a[0] + 63) / 64 * 8;
		WANT_IN(1, set);
		WANT_IN(2, set);
		WANT_IN(3, set);
		WANT_IN(4, 16);
		break;
	case SYS_nanosleep:
		WANT(1, 16);
		break;
	case SYS_clock_nanosleep:
		WANT(3, 16);
		break;
	case SYS_rt_sigtimedwait:
		WANT(1, 128);
		break;
	case SYS_msgrcv:
		WANT(1, a[2] + 8); /* mtype, then the text */
		break;
	case SYS_mq_timedreceive:
		WANT(1, a[2]);
		WANT(3, 4);
		break;
	default:
		return 0;
	}
#undef WANT
#undef WANT_IN
	return n;
}

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
		syscall(SYS_tgkill, t->tgid, t->t.tid, resend);
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

static bool add_move(struct recorder_task *t, uint64_t real, uint64_t scratch, uint64_t len,
		     bool header)
{
	if (t->nscratch == SCRATCH_MOVES)
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

/*
 * readv, preadv, preadv2, recvmsg and recvmmsg: the buffers their iovecs
 * (and a msghdr's name and control) point to go to scratch, through copies
 * of the iovec arrays and msghdrs that point there. Returns 1 done, 0 when
 * it does not apply or fit, negative on error.
 */
static int move_vectors(struct recorder_task *t, uint64_t regs[X86_NREGS], const uint64_t a[6],
			uint64_t base)
{
	uint64_t next = base, end = base + SCRATCH_SIZE, arr, h, ts[2];

	switch (t->cur_sysno) {
	case SYS_readv:
	case SYS_preadv:
	case SYS_preadv2:
		if (move_iovecs(t, a[1], a[2], &next, end, &arr) <= 0)
			return 0;
		regs[arg_reg[1]] = arr;
		return 1;
	case SYS_recvmsg:
		if (!(h = take(&next, end, 56)) || !move_msghdr(t, a[1], h, 56, &next, end))
			return 0;
		regs[arg_reg[1]] = h;
		return 1;
	case SYS_recvmmsg:
		/* struct mmsghdr: a msghdr, then the u32 msg_len, 64 bytes in all. */
		if (!a[1] || (uint32_t)a[2] == 0 || (uint32_t)a[2] > MMSG_MOVED ||
		    !(arr = take(&next, end, (uint32_t)a[2] * 64ull)))
			return 0;
		for (uint64_t i = 0; i < (uint32_t)a[2]; i++)
			if (!move_msghdr(t, a[1] + 64 * i, arr + 64 * i, 64, &next, end))
				return 0;
		regs[arg_reg[1]] = arr;
		if (a[4]) {
			/* The timeout's time left is written back: in and out. */
			if (tracee_read_mem(&t->t, a[4], ts, sizeof(ts)) < 0 ||
			    !(h = take(&next, end, sizeof(ts))) ||
			    tracee_write_mem(&t->t, h, ts, sizeof(ts)) < 0 ||
			    !add_move(t, a[4], h, sizeof(ts), false))
				return 0;
			regs[arg_reg[4]] = h;
		}
		return 1;
	default:
		return 0;
	}
}

/*
 * The pointer arguments of the table above (w, n of them) moved to scratch
 * at base, in-out ones with the program's contents first. 1 done.
 */
static int move_simple(struct recorder_task *t, uint64_t regs[X86_NREGS], const uint64_t a[6],
		       const struct want *w, int n, uint64_t base)
{
	for (int i = 0; i < n; i++) {
		uint64_t real = a[w[i].arg], len = w[i].len;
		uint8_t *copy;

		if (!real || !len)
			continue;
		if (w[i].in) {
			/* In-out (poll's fds, select's sets, addrlen): the kernel reads it first.
			 */
			copy = malloc(len);
			if (!copy)
				abort();
			if (tracee_read_mem(&t->t, real, copy, len) == 0)
				tracee_write_mem(&t->t, base, copy, len);
			free(copy);
		}
		add_move(t, real, base, len, false);
		regs[arg_reg[w[i].arg]] = base;
		base += (len + 15) & ~15ull;
	}
	return 1;
}

int recorder_scratch_enter(struct recorder *r)
{
	struct recorder_task *t = r->cur;
	const struct x86_syscall_desc *d = x86_syscall_lookup(t->cur_sysno);
	uint64_t regs[X86_NREGS], args[6], base, used = 0;
	bool vectors = t->cur_sysno == SYS_readv || t->cur_sysno == SYS_preadv ||
		       t->cur_sysno == SYS_preadv2 || t->cur_sysno == SYS_recvmsg ||
		       t->cur_sysno == SYS_recvmmsg;
	struct want w[6];
	int n = 0, err;

	t->scratch_active = false;
	if (!d || !(d->flags & SYSF_MAY_BLOCK) || t->cur_emulated || t->cur_unsupported ||
	    t->mm->refs < 2)
		return 0;
	/* The entry event just recorded holds the registers. */
	memcpy(regs, r->eb.regs, sizeof(regs));
	x86_regs_args(regs, args);
	if (!vectors) {
		n = wanted(t, t->cur_sysno, args, w);
		for (int i = 0; i < n; i++)
			if (args[w[i].arg] && w[i].len)
				used += (w[i].len + 15) & ~15ull;
		if (!used || used > SCRATCH_SIZE)
			return 0; /* nothing to move, or too large: written in place as before */
	}
	if ((err = slot_get(t, regs)) == -ENOSPC)
		return 0;
	if (err < 0)
		return err;
	memcpy(t->scratch_entry, regs, sizeof(regs));
	t->nscratch = 0;
	base = SCRATCH_BASE + (uint64_t)(t->scratch_slot - 1) * SCRATCH_SIZE;
	err = vectors ? move_vectors(t, regs, args, base) : move_simple(t, regs, args, w, n, base);
	if (err <= 0)
		return err; /* too much to move: written in place as before */
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
		buf = malloc(n ? n : 1);
		if (!buf)
			abort();
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

int recorder_scratch_exit(struct recorder *r)
{
	struct recorder_task *t = r->cur;
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
