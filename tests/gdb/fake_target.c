/*
 * gdbstub_fake: the gdb server of src/gdbstub in front of a live process
 * instead of a replay, so the real gdb can be pointed at it in tests. The
 * program is started under ptrace and stopped at its first instruction;
 * the target ops read its registers, XSAVE area and memory through ptrace,
 * and resume it with PTRACE_CONT / PTRACE_SINGLESTEP, software breakpoints
 * being int3 bytes written only while it runs. Files are served from the
 * host. A live process has no past: reverse execution stops at once at
 * the start of the history.
 *
 * usage: gdbstub_fake [--xcr0 MASK] [--pkru-at OFFSET] [--xsave-layout intel|amd]
 *                     PORT-FILE PROG [ARGS...]
 * --xcr0 keeps only these XCR0 bits in the layout given to the server, to
 * check the descriptions of machines with fewer features (0: no XSAVE).
 * --pkru-at claims a PKRU component at OFFSET of the XSAVE area, for
 * machines without one: its XSTATE_BV bit stays clear, so it reads as 0.
 * --xsave-layout serves the XSAVE area moved, component by component, to
 * that vendor's layout (tests/tools/xsave_layouts.h), with that layout
 * given to the server: an AMD area on an Intel machine and the reverse.
 * Listens on 127.0.0.1 (any free port, written to PORT-FILE once
 * listening), serves one connection, then kills the program. Exits 0 when
 * the session ended normally.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tools/xsave_layouts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/regs.h"
#include "gdbstub/gdbstub.h"

#define MAX_BREAKPOINTS 64

struct breakpoint {
	uint64_t addr;
	uint8_t saved;
};

struct fake {
	pid_t pid;
	bool gone;
	int pending_signal; /* a signal the program got, delivered when it resumes */
	struct gdb_stop stop;
	struct breakpoint bp[MAX_BREAKPOINTS];
	int nbp;
	char exe[PATH_MAX];
	/* With --xsave-layout: this machine's layout and the one served. */
	bool convert;
	struct x86_xsave_layout here, served;
};

static int list_threads(void *ctx, struct gdb_thread *out, int max)
{
	struct fake *f = ctx;
	char path[64];
	FILE *comm;

	if (f->gone || max < 1)
		return 0;
	memset(out, 0, sizeof(*out));
	out->pid = out->tid = f->pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", f->pid);
	comm = fopen(path, "r");
	if (comm) {
		if (fgets(out->name, sizeof(out->name), comm))
			out->name[strcspn(out->name, "\n")] = 0;
		fclose(comm);
	}
	return 1;
}

static int get_user_regs(struct fake *f, struct user_regs_struct *r)
{
	return ptrace(PTRACE_GETREGS, f->pid, NULL, r) < 0 ? -errno : 0;
}

static int get_regs(void *ctx, int tid, uint64_t regs[27])
{
	struct user_regs_struct r;
	int err = get_user_regs(ctx, &r);

	(void)tid;
	if (err == 0)
		x86_regs_to_array(&r, regs);
	return err;
}

/* Moves each component of an area laid out as `from` to its place in `to`. */
static void convert_xsave(const uint8_t *in, const struct x86_xsave_layout *from, uint8_t *out,
			  size_t len, const struct x86_xsave_layout *to)
{
	uint64_t xstate_bv;

	memset(out, 0, len);
	memcpy(out, in, 576); /* legacy region and header */
	memcpy(&xstate_bv, out + 512, sizeof(xstate_bv));
	xstate_bv &= to->xcr0;
	memcpy(out + 512, &xstate_bv, sizeof(xstate_bv));
	for (int c = 2; c < X86_XSAVE_MAX_COMPONENTS; c++) {
		uint32_t from_off, from_len, to_off, to_len;

		if (x86_xsave_block_range(from, c, &from_off, &from_len) == 0 &&
		    x86_xsave_block_range(to, c, &to_off, &to_len) == 0 && from_len == to_len &&
		    to_off + to_len <= len)
			memcpy(out + to_off, in + from_off, to_len);
	}
}

static int get_xsave(void *ctx, int tid, uint8_t *buf, size_t len)
{
	struct fake *f = ctx;
	static uint8_t live[16384];
	struct iovec iov = {.iov_base = f->convert ? live : buf,
			    .iov_len = f->convert ? sizeof(live) : len};

	(void)tid;
	if (ptrace(PTRACE_GETREGSET, f->pid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	if (f->convert)
		convert_xsave(live, &f->here, buf, len, &f->served);
	return 0;
}

static long read_memory(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = ctx;
	char path[64];
	size_t done = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", f->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(addr + done));

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	return done ? (long)done : -EIO;
}

static int poke_byte(struct fake *f, uint64_t addr, uint8_t value, uint8_t *old)
{
	long word;

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, f->pid, (void *)addr, NULL);
	if (errno)
		return -errno;
	if (old)
		*old = (uint8_t)word;
	word = (word & ~0xffL) | value;
	return ptrace(PTRACE_POKETEXT, f->pid, (void *)addr, (void *)word) < 0 ? -errno : 0;
}

static void insert_breakpoints(struct fake *f, bool insert)
{
	for (int i = 0; i < f->nbp; i++) {
		struct breakpoint *b = &f->bp[i];

		if (insert)
			poke_byte(f, b->addr, 0xcc, &b->saved);
		else
			poke_byte(f, b->addr, b->saved, NULL);
	}
}

static bool breakpoint_at(struct fake *f, uint64_t addr)
{
	for (int i = 0; i < f->nbp; i++)
		if (f->bp[i].addr == addr)
			return true;
	return false;
}

/* Turns a wait status into a stop; an int3 of ours moves rip back onto the breakpoint. */
static void describe_stop(struct fake *f, int status, struct gdb_stop *stop)
{
	struct user_regs_struct r;

	memset(stop, 0, sizeof(*stop));
	stop->pid = stop->tid = f->pid;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		f->gone = true;
		stop->kind = WIFEXITED(status) ? GDB_STOP_EXITED : GDB_STOP_KILLED;
		stop->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
		stop->signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		return;
	}
	stop->kind = GDB_STOP_SIGNAL;
	stop->signo = WSTOPSIG(status);
	if (stop->signo == SIGTRAP && get_user_regs(f, &r) == 0 && breakpoint_at(f, r.rip - 1)) {
		r.rip--;
		ptrace(PTRACE_SETREGS, f->pid, NULL, &r);
		stop->kind = GDB_STOP_SWBREAK;
	} else if (stop->signo != SIGTRAP) {
		f->pending_signal = stop->signo;
	}
}

static int step(struct fake *f, int *status)
{
	int sig = f->pending_signal;

	f->pending_signal = 0;
	if (ptrace(PTRACE_SINGLESTEP, f->pid, NULL, (void *)(long)sig) < 0)
		return -errno;
	return waitpid(f->pid, status, 0) < 0 ? -errno : 0;
}

/* Continues until the program stops, polling for gdb's ^C every millisecond. */
static int cont(struct fake *f, int *status, bool (*poll_interrupt)(void *), void *arg)
{
	const struct timespec ms = {0, 1000000};
	int sig = f->pending_signal;
	bool interrupted = false;
	pid_t r;

	f->pending_signal = 0;
	insert_breakpoints(f, true);
	if (ptrace(PTRACE_CONT, f->pid, NULL, (void *)(long)sig) < 0)
		return -errno;
	while ((r = waitpid(f->pid, status, WNOHANG)) == 0) {
		if (!interrupted && poll_interrupt(arg)) {
			interrupted = true;
			kill(f->pid, SIGSTOP);
		}
		nanosleep(&ms, NULL);
	}
	if (r < 0)
		return -errno;
	if (WIFSTOPPED(*status))
		insert_breakpoints(f, false);
	if (interrupted && WIFSTOPPED(*status) && WSTOPSIG(*status) == SIGSTOP)
		*status = (SIGINT << 8) | 0x7f; /* shown to gdb as the SIGINT of its ^C */
	return 0;
}

static int resume(void *ctx, enum gdb_resume_kind kind, int tid, struct gdb_stop *stop,
		  bool (*poll_interrupt)(void *arg), void *poll_arg)
{
	struct fake *f = ctx;
	struct user_regs_struct r;
	int status, err;

	(void)tid;
	if (f->gone)
		return -ESRCH;
	if (kind == GDB_RESUME_REVERSE_CONTINUE || kind == GDB_RESUME_REVERSE_STEP) {
		/* A live process has no past: its history begins where it stands. */
		memset(stop, 0, sizeof(*stop));
		stop->kind = GDB_STOP_REPLAY_END;
		stop->at_begin = true;
		stop->pid = stop->tid = f->pid;
		f->stop = *stop;
		return 0;
	}
	if (f->gone)
		return -ESRCH;
	/* Standing on a breakpoint: step off it first, or its int3 would stop us at once. */
	if (kind == GDB_RESUME_STEP ||
	    (get_user_regs(f, &r) == 0 && breakpoint_at(f, r.rip) && f->pending_signal == 0)) {
		err = step(f, &status);
		if (err < 0)
			return err;
		if (kind == GDB_RESUME_STEP || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
			describe_stop(f, status, stop);
			f->stop = *stop;
			return 0;
		}
	}
	err = cont(f, &status, poll_interrupt, poll_arg);
	if (err < 0)
		return err;
	describe_stop(f, status, stop);
	if (stop->kind == GDB_STOP_SIGNAL && stop->signo == SIGINT)
		f->pending_signal = 0;
	f->stop = *stop;
	return 0;
}

static int set_breakpoint(void *ctx, int type, uint64_t addr, int kind, bool insert)
{
	struct fake *f = ctx;

	(void)kind;
	if (type != 0 && type != 1)
		return -ENOTSUP;
	for (int i = 0; i < f->nbp; i++) {
		if (f->bp[i].addr == addr) {
			if (!insert)
				f->bp[i] = f->bp[--f->nbp];
			return 0;
		}
	}
	if (!insert)
		return 0;
	if (f->nbp == MAX_BREAKPOINTS)
		return -ENOSPC;
	f->bp[f->nbp++].addr = addr;
	return 0;
}

static int monitor(void *ctx, const char *cmd, char *out, size_t outlen)
{
	struct fake *f = ctx;

	if (strcmp(cmd, "help") == 0)
		snprintf(out, outlen, "fake target commands: help, pid\n");
	else if (strcmp(cmd, "pid") == 0)
		snprintf(out, outlen, "pid %d\n", f->pid);
	else
		return -ENOTSUP;
	return 0;
}

static long read_auxv(void *ctx, uint8_t *buf, size_t max)
{
	struct fake *f = ctx;
	char path[64];
	size_t done = 0;
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", f->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < max && (n = read(fd, buf + done, max - done)) > 0)
		done += (size_t)n;
	close(fd);
	return n < 0 ? -EIO : (long)done;
}

static const char *exec_file(void *ctx, int pid)
{
	struct fake *f = ctx;

	return pid == f->pid ? f->exe : NULL;
}

static int file_open(void *ctx, const char *path, int flags, int mode)
{
	int fd = open(path, flags | O_CLOEXEC, mode);

	(void)ctx;
	return fd < 0 ? -errno : fd;
}

static long file_pread(void *ctx, int handle, void *buf, size_t len, uint64_t offset)
{
	ssize_t n = pread(handle, buf, len, (off_t)offset);

	(void)ctx;
	return n < 0 ? -errno : n;
}

static int file_close(void *ctx, int handle)
{
	(void)ctx;
	return close(handle) < 0 ? -errno : 0;
}

static int file_fstat(void *ctx, int handle, uint64_t *size, uint32_t *mode)
{
	struct stat st;

	(void)ctx;
	if (fstat(handle, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	*mode = st.st_mode;
	return 0;
}

static long file_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	ssize_t n = readlink(path, buf, len);

	(void)ctx;
	return n < 0 ? -errno : n;
}

static void current_stop(void *ctx, struct gdb_stop *stop)
{
	*stop = ((struct fake *)ctx)->stop;
}

static void kill_program(void *ctx)
{
	struct fake *f = ctx;

	if (!f->gone) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->gone = true;
	}
}

static const struct gdb_target_ops fake_ops = {
    .list_threads = list_threads,
    .get_regs = get_regs,
    .get_xsave = get_xsave,
    .read_memory = read_memory,
    .resume = resume,
    .set_breakpoint = set_breakpoint,
    .monitor = monitor,
    .read_auxv = read_auxv,
    .exec_file = exec_file,
    .file_open = file_open,
    .file_pread = file_pread,
    .file_close = file_close,
    .file_fstat = file_fstat,
    .file_readlink = file_readlink,
    .current_stop = current_stop,
    .kill = kill_program,
};

/* Starts prog stopped at its first instruction (the exec SIGTRAP). */
static int start_program(struct fake *f, char **argv)
{
	int status;

	f->pid = fork();
	if (f->pid < 0)
		return -errno;
	if (f->pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (waitpid(f->pid, &status, 0) < 0 || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
		fprintf(stderr, "gdbstub_fake: %s did not stop at exec\n", argv[0]);
		return -ECHILD;
	}
	ptrace(PTRACE_SETOPTIONS, f->pid, NULL, (void *)(long)PTRACE_O_EXITKILL);
	f->stop.kind = GDB_STOP_SIGNAL;
	f->stop.signo = SIGTRAP;
	f->stop.pid = f->stop.tid = f->pid;
	return 0;
}

/* The layout given to the server: this machine's, or with --xsave-layout that vendor's. */
static int layout_for_server(struct fake *f, const char *vendor, uint64_t xcr0_mask,
			     struct gdb_xsave_layout *out)
{
	struct x86_xsave_layout l;

	x86_xsave_layout_probe(&f->here);
	l = f->here;
	if (vendor) {
		if (xsave_layout_of_vendor(&f->here, vendor, &f->served) < 0) {
			fprintf(stderr, "gdbstub_fake: no XSAVE layout for %s\n", vendor);
			return -1;
		}
		f->convert = true;
		l = f->served;
	}
	memset(out, 0, sizeof(*out));
	out->xcr0 = l.xcr0 & xcr0_mask;
	out->size = out->xcr0 ? l.total_size : 512; /* no XSAVE: the FXSAVE area */
	memcpy(out->offset, l.offset, sizeof(out->offset));
	memcpy(out->comp_size, l.size, sizeof(out->comp_size));
	return 0;
}

static int write_port_file(const char *path, int port)
{
	char tmp[PATH_MAX];
	FILE *out;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	out = fopen(tmp, "w");
	if (!out)
		return -1;
	fprintf(out, "%d\n", port);
	if (fclose(out) != 0)
		return -1;
	return rename(tmp, path); /* readers never see a half-written file */
}

int main(int argc, char **argv)
{
	static struct fake f;
	struct gdb_xsave_layout layout;
	struct gdb_server *server;
	uint64_t xcr0_mask = ~0ull;
	uint32_t pkru_offset = 0;
	const char *vendor = NULL;
	int listen_fd, fd, port, ret;

	for (; argc > 2 && strncmp(argv[1], "--", 2) == 0; argc -= 2, argv += 2) {
		if (strcmp(argv[1], "--xcr0") == 0)
			xcr0_mask = strtoull(argv[2], NULL, 0);
		else if (strcmp(argv[1], "--pkru-at") == 0)
			pkru_offset = (uint32_t)strtoul(argv[2], NULL, 0);
		else if (strcmp(argv[1], "--xsave-layout") == 0)
			vendor = argv[2];
		else
			break;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: gdbstub_fake [--xcr0 MASK] [--pkru-at OFFSET] "
				"[--xsave-layout intel|amd] PORT-FILE PROG [ARGS...]\n");
		return 2;
	}
	if (!realpath(argv[2], f.exe)) {
		perror(argv[2]);
		return 1;
	}
	if (layout_for_server(&f, vendor, xcr0_mask, &layout) < 0)
		return 1;
	if (start_program(&f, argv + 2) < 0)
		return 1;
	if (pkru_offset) {
		layout.xcr0 |= 1u << 9;
		layout.offset[9] = pkru_offset;
		layout.comp_size[9] = 8;
	}
	listen_fd = gdb_listen_loopback(0, &port);
	if (listen_fd < 0 || write_port_file(argv[1], port) < 0) {
		kill_program(&f);
		return 1;
	}
	fd = gdb_accept(listen_fd);
	close(listen_fd);
	server = fd >= 0 ? gdb_server_create(&fake_ops, &f, &layout) : NULL;
	ret = server ? gdb_server_serve(server, fd) : -1;
	gdb_server_free(server);
	if (fd >= 0)
		close(fd);
	kill_program(&f);
	return ret == 0 ? 0 : 1;
}
