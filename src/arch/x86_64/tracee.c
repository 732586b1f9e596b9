/* Tracee registers, memory and syscall injection; see tracee.h. */
#define _GNU_SOURCE
#include "arch/x86_64/tracee.h"
#include "arch/x86_64/sysbuf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"

_Static_assert(REWIND_UNTRACED_SYSCALL == REWIND_INJECT_PAGE + 0x40 &&
		   REWIND_UNTRACED_SYSCALL + 3 - REWIND_INJECT_PAGE == REWIND_PAGE_CODE_LEN,
	       "the untraced syscall lies in rewind's page");

void rewind_page_code(uint8_t code[REWIND_PAGE_CODE_LEN])
{
	uint8_t *untraced = code + (REWIND_UNTRACED_SYSCALL - REWIND_INJECT_PAGE);

	memset(code, 0, REWIND_PAGE_CODE_LEN);
	code[0] = 0x0f; /* syscall; int3 */
	code[1] = 0x05;
	code[2] = 0xcc;
	untraced[0] = 0x0f; /* syscall; ret */
	untraced[1] = 0x05;
	untraced[2] = 0xc3;
}

void tracee_init(struct tracee *t, pid_t tid)
{
	t->tid = tid;
	t->mem_fd = -1;
	t->stop = TRACEE_STOP_OTHER;
	t->seccomp_entry = t->seccomp_repeat = false;
	t->wait_status = 0;
	t->on_wait_interrupted = NULL;
	t->on_wait_arg = NULL;
	t->kick_pending = t->report_kick = t->kicked = false;
}

void tracee_release(struct tracee *t)
{
	if (t->mem_fd >= 0)
		close(t->mem_fd);
	t->mem_fd = -1;
}

int tracee_get_regs(struct tracee *t, uint64_t regs[X86_NREGS])
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r) < 0)
		return -errno;
	x86_regs_to_array(&r, regs);
	return 0;
}

int tracee_set_regs(struct tracee *t, const uint64_t regs[X86_NREGS])
{
	struct user_regs_struct r;

	x86_regs_from_array(&r, regs);
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r) < 0)
		return -errno;
	return 0;
}

int tracee_get_xsave(struct tracee *t, void *buf, size_t len)
{
	struct iovec iov = {buf, len};

	if (ptrace(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	return (int)iov.iov_len;
}

int tracee_set_xsave(struct tracee *t, const void *buf, size_t len)
{
	struct iovec iov = {(void *)buf, len};

	if (ptrace(PTRACE_SETREGSET, t->tid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	return 0;
}

static int open_mem(struct tracee *t)
{
	char path[64];

	if (t->mem_fd >= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", t->tid);
	t->mem_fd = open(path, O_RDWR | O_CLOEXEC);
	return t->mem_fd < 0 ? -errno : 0;
}

size_t tracee_read_mem_partial(struct tracee *t, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)addr, len};
	ssize_t n = process_vm_readv(t->tid, &local, 1, &remote, 1, 0);
	size_t done;

	if (n == (ssize_t)len)
		return len;
	/* process_vm_readv stops at a bad page; /proc/PID/mem also reads PROT_NONE-less holes. */
	done = n > 0 ? (size_t)n : 0;
	if (open_mem(t) < 0)
		return done;
	while (done < len) {
		ssize_t m = pread(t->mem_fd, (char *)buf + done, len - done, (off_t)(addr + done));

		if (m <= 0)
			break;
		done += (size_t)m;
	}
	return done;
}

int tracee_read_mem(struct tracee *t, uint64_t addr, void *buf, size_t len)
{
	return tracee_read_mem_partial(t, addr, buf, len) == len ? 0 : -EFAULT;
}

int tracee_write_mem(struct tracee *t, uint64_t addr, const void *buf, size_t len)
{
	size_t done = 0;
	int err = open_mem(t);

	if (err)
		return err;
	while (done < len) {
		ssize_t n =
		    pwrite(t->mem_fd, (const char *)buf + done, len - done, (off_t)(addr + done));

		if (n <= 0)
			return n < 0 ? -errno : -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

int tracee_read_string(struct tracee *t, uint64_t addr, char *buf, size_t max)
{
	size_t got = 0;

	while (got + 1 < max) {
		/* Read up to the end of the page so a string at a page end is fine. */
		size_t chunk = 4096 - ((addr + got) & 4095);
		size_t n;
		char *nul;

		if (chunk > max - 1 - got)
			chunk = max - 1 - got;
		n = tracee_read_mem_partial(t, addr + got, buf + got, chunk);
		nul = memchr(buf + got, '\0', n);
		if (nul)
			return (int)(nul - buf);
		got += n;
		if (n < chunk)
			break;
	}
	buf[got] = '\0';
	return got ? (int)got : -EFAULT;
}

static void classify(struct tracee *t, int status, int request)
{
	t->wait_status = status;
	t->seccomp_repeat = false;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		t->stop = TRACEE_STOP_EXITED;
		return;
	}
	if (WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_SECCOMP) {
		if (t->stop == TRACEE_STOP_SYSCALL_ENTRY && !t->seccomp_entry) {
			t->seccomp_repeat = true;
			return;
		}
		t->stop = TRACEE_STOP_SYSCALL_ENTRY;
		t->seccomp_entry = true;
		return;
	}
	t->seccomp_entry = false;
	if (WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80)) {
		if (request == PTRACE_SYSEMU || request == PTRACE_SYSEMU_SINGLESTEP)
			t->stop = TRACEE_STOP_SYSEMU_ENTRY;
		else if (t->stop == TRACEE_STOP_SYSCALL_ENTRY)
			t->stop = TRACEE_STOP_SYSCALL_EXIT;
		else
			t->stop = TRACEE_STOP_SYSCALL_ENTRY;
		return;
	}
	/* An exec replaced the address space an open /proc/PID/mem refers to. */
	if (WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_EXEC && t->mem_fd >= 0) {
		close(t->mem_fd);
		t->mem_fd = -1;
	}
	/*
	 * Exec and clone events arrive between a syscall's entry and exit: keep
	 * the syscall state.
	 */
	if (WIFSTOPPED(status) &&
	    ((status >> 16) == PTRACE_EVENT_EXEC || (status >> 16) == PTRACE_EVENT_CLONE ||
	     (status >> 16) == PTRACE_EVENT_FORK || (status >> 16) == PTRACE_EVENT_VFORK))
		return;
	t->stop = TRACEE_STOP_OTHER;
}

int tracee_wait(struct tracee *t)
{
	int status;

	for (;;) {
		pid_t r = waitpid(t->tid, &status, __WALL);

		if (r == t->tid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	classify(t, status, -1);
	return status;
}

int tracee_resume_nowait(struct tracee *t, int request, int sig)
{
	enum tracee_stop before = t->stop;

	if (ptrace((enum __ptrace_request)request, t->tid, 0, (void *)(long)sig) < 0)
		return -errno;
	/* Resuming an entry stop with SYSEMU skips the syscall: no exit stop follows. */
	if (before == TRACEE_STOP_SYSEMU_ENTRY && request != PTRACE_SYSEMU &&
	    request != PTRACE_SYSEMU_SINGLESTEP)
		t->stop =
		    TRACEE_STOP_SYSCALL_ENTRY; /* the skipped syscall still reports its exit */
	else if (before == TRACEE_STOP_SYSEMU_ENTRY)
		t->stop = TRACEE_STOP_OTHER;
	else if (before == TRACEE_STOP_SYSCALL_ENTRY && request == PTRACE_CONT)
		t->stop = TRACEE_STOP_OTHER; /* the syscall runs on with no exit stop */
	return 0;
}

void tracee_note_status(struct tracee *t, int status, int request)
{
	classify(t, status, request);
}

int tracee_resume(struct tracee *t, int request, int sig)
{
	int status, err = tracee_resume_nowait(t, request, sig);

	if (err < 0)
		return err;
	for (;;) {
		pid_t r = waitpid(t->tid, &status, __WALL);

		if (r == t->tid && t->kick_pending && WIFSTOPPED(status) &&
		    WSTOPSIG(status) == SIGSTOP && !(status >> 16)) {
			t->kick_pending = false;
			if (t->report_kick) {
				t->kicked = true;
				break;
			}
			/* Our own interruption, unwanted here: on as asked. */
			if (ptrace((enum __ptrace_request)request, t->tid, 0, 0) < 0)
				return -errno;
			continue;
		}
		if (r == t->tid && WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_SECCOMP &&
		    t->stop == TRACEE_STOP_SYSCALL_ENTRY && !t->seccomp_entry) {
			/* The same syscall's seccomp stop after its entry stop: on to its exit. */
			if (ptrace((enum __ptrace_request)request, t->tid, 0, 0) < 0)
				return -errno;
			continue;
		}
		if (r == t->tid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r < 0 && t->on_wait_interrupted)
			t->on_wait_interrupted(t->on_wait_arg);
	}
	if (t->kicked) {
		t->wait_status = status;
		t->stop = TRACEE_STOP_OTHER;
		return status;
	}
	classify(t, status, request);
	return status;
}

static int expect(struct tracee *t, enum tracee_stop want, const char *what)
{
	if (t->stop == want)
		return 0;
	if (t->stop == TRACEE_STOP_EXITED) {
		rw_error("tid %d: exited while %s", t->tid, what);
		return -ESRCH;
	}
	/* Not ESRCH: the task is alive, in a stop nobody will end; its caller must not wait. */
	rw_error("tid %d: unexpected stop (status 0x%x) while %s", t->tid, t->wait_status, what);
	return -EPROTO;
}

/*
 * From any stop but a syscall entry: sets registers `in` with rip at the
 * syscall instruction at insn_addr and no syscall pending. From a
 * PTRACE_SYSEMU entry stop, first takes the exit stop the skipped syscall
 * reports.
 */
static int place_at_insn(struct tracee *t, uint64_t insn_addr, const uint64_t in[X86_NREGS])
{
	uint64_t regs[X86_NREGS];
	int err;

	memcpy(regs, in, sizeof(regs));
	regs[X86_RIP] = insn_addr;
	regs[X86_ORIG_RAX] = (uint64_t)-1;
	if ((err = tracee_set_regs(t, regs)) < 0)
		return err;
	if (t->stop != TRACEE_STOP_SYSEMU_ENTRY)
		return 0;
	if ((err = tracee_resume(t, PTRACE_SYSCALL, 0)) < 0)
		return err;
	return expect(t, TRACEE_STOP_SYSCALL_EXIT, "injecting a syscall");
}

/* Sets the registers for a syscall of ours and stops the tracee at its entry. */
static int enter_syscall(struct tracee *t, uint64_t insn_addr, const uint64_t in[X86_NREGS])
{
	uint64_t regs[X86_NREGS];
	int err;

	if (t->stop == TRACEE_STOP_SYSCALL_ENTRY) {
		/* The pending syscall is replaced by ours: the kernel runs orig_rax. */
		memcpy(regs, in, sizeof(regs));
		regs[X86_ORIG_RAX] = in[X86_RAX];
		regs[X86_RIP] = insn_addr + X86_SYSCALL_INSN_LEN;
		return tracee_set_regs(t, regs);
	}
	if ((err = place_at_insn(t, insn_addr, in)))
		return err;
	if ((err = tracee_resume(t, PTRACE_SYSCALL, 0)) < 0)
		return err;
	return expect(t, TRACEE_STOP_SYSCALL_ENTRY, "injecting a syscall");
}

int tracee_syscall_at(struct tracee *t, uint64_t insn_addr, const uint64_t in[X86_NREGS],
		      uint64_t out[X86_NREGS])
{
	int err = enter_syscall(t, insn_addr, in);

	if (err)
		return err;
	if ((err = tracee_resume(t, PTRACE_SYSCALL, 0)) < 0)
		return err;
	if ((err = expect(t, TRACEE_STOP_SYSCALL_EXIT, "injecting a syscall")))
		return err;
	return tracee_get_regs(t, out);
}

int tracee_syscall_step(struct tracee *t, uint64_t insn_addr, const uint64_t in[X86_NREGS],
			uint64_t out[X86_NREGS])
{
	int err, st;

	if (t->stop == TRACEE_STOP_SYSCALL_ENTRY)
		return tracee_syscall_at(t, insn_addr, in, out);
	if ((err = place_at_insn(t, insn_addr, in)))
		return err;
	/* The single-step trap comes after the syscall has run: one stop. */
	if ((st = tracee_resume(t, PTRACE_SINGLESTEP, 0)) < 0)
		return st;
	if (t->stop != TRACEE_STOP_OTHER || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP) {
		expect(t, TRACEE_STOP_OTHER, "single-stepping an injected syscall");
		return -ESRCH;
	}
	if ((err = tracee_get_regs(t, out)) < 0)
		return err;
	if (out[X86_RIP] != insn_addr + X86_SYSCALL_INSN_LEN) {
		rw_error("tid %d: an injected syscall stopped at 0x%llx, not after its instruction",
			 t->tid, (unsigned long long)out[X86_RIP]);
		return -ESRCH;
	}
	return 0;
}

int tracee_clone_at(struct tracee *t, uint64_t insn_addr, const uint64_t in[X86_NREGS],
		    pid_t *child, uint64_t out[X86_NREGS])
{
	unsigned long msg = 0;
	int err, status, event;

	if ((err = enter_syscall(t, insn_addr, in)))
		return err;
	if ((err = tracee_resume(t, PTRACE_SYSCALL, 0)) < 0)
		return err;
	event = t->wait_status >> 16;
	if (t->stop == TRACEE_STOP_SYSCALL_EXIT) {
		/* Failed: no child. */
		if ((err = tracee_get_regs(t, out)) < 0)
			return err;
		return (int64_t)out[X86_RAX] < 0 ? (int)out[X86_RAX] : -EPROTO;
	}
	if (t->stop == TRACEE_STOP_EXITED || !WIFSTOPPED(t->wait_status) ||
	    (event != PTRACE_EVENT_CLONE && event != PTRACE_EVENT_FORK &&
	     event != PTRACE_EVENT_VFORK)) {
		rw_error("tid %d: unexpected stop (status 0x%x) while cloning it", t->tid,
			 t->wait_status);
		return -ESRCH;
	}
	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &msg) < 0)
		return -errno;
	if ((err = tracee_resume(t, PTRACE_SYSCALL, 0)) < 0)
		return err;
	if ((err = expect(t, TRACEE_STOP_SYSCALL_EXIT, "cloning it")) ||
	    (err = tracee_get_regs(t, out)))
		return err;
	/* The copy starts in a SIGSTOP delivery stop. */
	while (waitpid((pid_t)msg, &status, __WALL) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFSTOPPED(status)) {
		rw_error("tid %d: its copy %lu ended at once (status 0x%x)", t->tid, msg, status);
		return -ESRCH;
	}
	*child = (pid_t)msg;
	return 0;
}

int tracee_fork_at(struct tracee *t, uint64_t insn_addr, const uint64_t base[X86_NREGS],
		   pid_t *child)
{
	uint64_t in[X86_NREGS], out[X86_NREGS];

	memcpy(in, base, sizeof(in));
	in[X86_RAX] = SYS_clone;
	in[X86_RSI] = in[X86_RDX] = in[X86_R10] = in[X86_R8] = 0;
	/*
	 * The copy is the tracee's sibling, never its child: the tracer's wait
	 * for a traced process that is not its own child only detaches it, and
	 * it stays a zombie of its parent (copy_process gives a CLONE_PARENT
	 * child the caller's parent and exit signal). A sibling's end goes to
	 * the tracee's parent, the tracer itself when the tracee is its child,
	 * and is never reported to the program; its wait then reaps it.
	 */
	in[X86_RDI] = CLONE_PARENT;
	return tracee_clone_at(t, insn_addr, in, child, out);
}

static int tracee_inject_how(struct tracee *t, bool step, uint64_t insn_addr,
			     const uint64_t base[X86_NREGS], long nr, uint64_t a0, uint64_t a1,
			     uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, int64_t *ret)
{
	uint64_t in[X86_NREGS], out[X86_NREGS];
	int err;

	memcpy(in, base, sizeof(in));
	in[X86_RAX] = (uint64_t)nr;
	in[X86_RDI] = a0;
	in[X86_RSI] = a1;
	in[X86_RDX] = a2;
	in[X86_R10] = a3;
	in[X86_R8] = a4;
	in[X86_R9] = a5;
	err = step ? tracee_syscall_step(t, insn_addr, in, out)
		   : tracee_syscall_at(t, insn_addr, in, out);
	if (err)
		return err;
	*ret = (int64_t)out[X86_RAX];
	return 0;
}

int tracee_inject_past_signals(struct tracee *t, uint64_t insn_addr,
			       const uint64_t base[X86_NREGS], long nr, const uint64_t args[4],
			       int64_t *ret, void (*passed)(void *arg, int status), void *arg)
{
	uint64_t in[X86_NREGS];
	int st, err;

	memcpy(in, base, sizeof(in));
	in[X86_RIP] = insn_addr;
	in[X86_ORIG_RAX] = (uint64_t)-1;
	in[X86_RAX] = (uint64_t)nr;
	in[X86_RDI] = args[0];
	in[X86_RSI] = args[1];
	in[X86_RDX] = args[2];
	in[X86_R10] = args[3];
	in[X86_R8] = in[X86_R9] = 0;
	if ((err = tracee_set_regs(t, in)) < 0)
		return err;
	for (int stops = 0; stops < 16; stops++) {
		if ((st = tracee_resume(t, PTRACE_SYSCALL, 0)) < 0)
			return st;
		switch (t->stop) {
		case TRACEE_STOP_EXITED:
			return -ESRCH;
		case TRACEE_STOP_SYSCALL_ENTRY:
			break;
		case TRACEE_STOP_SYSCALL_EXIT:
			if ((err = tracee_get_regs(t, in)) < 0)
				return err;
			*ret = (int64_t)in[X86_RAX];
			return 0;
		default:
			/* Before the syscall ran: resumed without the signal, it runs now. */
			passed(arg, st);
			break;
		}
	}
	rw_error("tid %d: an injected syscall %ld did not end", t->tid, nr);
	return -EPROTO;
}

int tracee_inject(struct tracee *t, uint64_t insn_addr, const uint64_t base[X86_NREGS], long nr,
		  uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		  int64_t *ret)
{
	return tracee_inject_how(t, false, insn_addr, base, nr, a0, a1, a2, a3, a4, a5, ret);
}

int tracee_inject_step(struct tracee *t, uint64_t insn_addr, const uint64_t base[X86_NREGS],
		       long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5, int64_t *ret)
{
	return tracee_inject_how(t, true, insn_addr, base, nr, a0, a1, a2, a3, a4, a5, ret);
}
