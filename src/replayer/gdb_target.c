/*
 * The replay engine as the gdb server's target: registers and memory of
 * the replayed process, forward execution through replayer_run, software
 * breakpoints, the auxv and the program's files served from the trace.
 * gdb sees the recorded pid and tid, not the replay process's.
 */
#define _GNU_SOURCE
#include "replayer/gdb_target.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"

#define MAX_FILES 64
#define KICK_MS	  100

#define NO_HISTORY                                                                                 \
	"no checkpoint of the replay could be taken where its history starts: going backwards "    \
	"and checkpoints are not supported in this session"

static struct gdb_replay *ctx_of(void *ctx)
{
	return ctx;
}

static int list_threads(void *ctx, struct gdb_thread *out, int max)
{
	struct gdb_replay *g = ctx_of(ctx);
	uint32_t tids[256];
	size_t n = replayer_debuggee_threads(&g->r, tids, max < 256 ? (size_t)max : 256);

	for (size_t i = 0; i < n; i++) {
		out[i].pid = g->pid;
		out[i].tid = (int)tids[i];
		snprintf(out[i].name, sizeof(out[i].name), "%s", g->name);
	}
	return (int)n;
}

struct tracee *gdb_replay_thread(struct gdb_replay *g, int tid)
{
	struct replay_task *task = tid > 0 ? replayer_debuggee_thread(&g->r, (uint32_t)tid) : NULL;

	/* The other threads are stopped tracees too: ptrace reads their registers. */
	return task ? &task->t : NULL;
}

/* The recorded tid of the task the replay runs now (the one a stop happened in). */
static int current_tid(struct gdb_replay *g)
{
	return (int)replayer_current_task(&g->r)->rec_tid;
}

/* The thread gdb reads: a function call's copy of it while the call runs. */
static struct tracee *thread_for_gdb(struct gdb_replay *g, int tid)
{
	struct tracee *t = gdb_divert_tracee(g, tid);

	return t ? t : gdb_replay_thread(g, tid);
}

static int get_regs(void *ctx, int tid, uint64_t regs[27])
{
	struct tracee *t = thread_for_gdb(ctx_of(ctx), tid);

	return t ? tracee_get_regs(t, regs) : -ESRCH;
}

static int get_xsave(void *ctx, int tid, uint8_t *buf, size_t len)
{
	struct tracee *t = thread_for_gdb(ctx_of(ctx), tid);
	int n = t ? tracee_get_xsave(t, buf, len) : -ESRCH;

	return n < 0 ? n : 0;
}

static long read_memory(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct gdb_replay *g = ctx_of(ctx);
	struct tracee *t = gdb_divert_tracee(g, -1);
	size_t n;

	if (!t)
		t = replayer_debuggee_tracee(&g->r);
	n = t ? tracee_read_mem_partial(t, addr, buf, len) : 0;
	return n ? (long)n : -EFAULT;
}

/* Writes start a function call's copy of the thread (gdb_divert.c): the replay stays as it is. */
static int set_regs(void *ctx, int tid, const uint64_t regs[27])
{
	struct gdb_replay *g = ctx_of(ctx);

	return gdb_divert_set_regs(g, tid > 0 ? tid : current_tid(g), regs);
}

static int set_xsave(void *ctx, int tid, const uint8_t *buf, size_t len)
{
	struct gdb_replay *g = ctx_of(ctx);

	return gdb_divert_set_xsave(g, tid > 0 ? tid : current_tid(g), buf, len);
}

static int write_memory(void *ctx, int tid, uint64_t addr, const void *buf, size_t len)
{
	struct gdb_replay *g = ctx_of(ctx);

	/* A call's copy holds the process's memory, whichever thread it is of. */
	if (g->div.on)
		tid = g->div.tid;
	return gdb_divert_write_mem(g, tid > 0 ? tid : current_tid(g), addr, buf, len);
}

static void to_gdb_stop(struct gdb_replay *g, const struct replay_stop *rs, struct gdb_stop *s)
{
	memset(s, 0, sizeof(*s));
	s->pid = g->pid;
	s->tid = current_tid(g);
	s->signo = SIGTRAP;
	switch (rs->kind) {
	case REPLAY_STOP_BREAKPOINT:
		s->kind = GDB_STOP_SWBREAK;
		break;
	case REPLAY_STOP_STEP:
	case REPLAY_STOP_KICK:
		s->kind = GDB_STOP_SIGNAL;
		break;
	case REPLAY_STOP_INTERRUPT:
		s->kind = GDB_STOP_SIGNAL;
		s->signo = SIGINT;
		break;
	case REPLAY_STOP_SIGNAL:
		s->kind = GDB_STOP_SIGNAL;
		s->signo = rs->signo;
		break;
	case REPLAY_STOP_EXITED:
		if (WIFSIGNALED(rs->exit_status)) {
			s->kind = GDB_STOP_KILLED;
			s->signo = WTERMSIG(rs->exit_status);
		} else {
			s->kind = GDB_STOP_EXITED;
			s->exit_code = WEXITSTATUS(rs->exit_status);
		}
		break;
	case REPLAY_STOP_WATCH:
		s->kind = GDB_STOP_WATCH;
		s->watch_addr = rs->addr;
		s->watch_type = rs->watch_type;
		break;
	case REPLAY_STOP_SYSCALL_ENTRY:
	case REPLAY_STOP_SYSCALL_RETURN:
		s->kind = rs->kind == REPLAY_STOP_SYSCALL_ENTRY ? GDB_STOP_SYSCALL_ENTRY
								: GDB_STOP_SYSCALL_RETURN;
		s->sysno = rs->sysno;
		break;
	case REPLAY_STOP_END:
	case REPLAY_STOP_HISTORY_END:
		s->kind = GDB_STOP_REPLAY_END;
		s->at_begin = false;
		break;
	case REPLAY_STOP_EXEC:
		s->kind = GDB_STOP_EXEC;
		s->exec_path = g->exe;
		break;
	}
}

/* The debugger's process runs another program now: gdb is told its path. */
static void note_exec(struct gdb_replay *g)
{
	char *exe = replay_exec_program(replayer_event(&g->r)), base[PATH_MAX_LEN];

	if (!exe)
		return;
	snprintf(g->exe, sizeof(g->exe), "%s", exe);
	snprintf(base, sizeof(base), "%s", exe);
	snprintf(g->name, sizeof(g->name), "%s", basename(base));
	free(exe);
}

/*
 * At the end of the history, what gdb's console says: where, and how the
 * program goes on from there when that is its exit (not replayed: the
 * process stays for the debugger to look at).
 */
static const char *end_note(struct gdb_replay *g)
{
	size_t len = sizeof(g->note);
	int n = snprintf(g->note, len,
			 "rewind: the replay reached the end of the recording (event %" PRIu64 ")",
			 replayer_next_seq(&g->r)),
	    st;

	/* In gdb's own words for an exit, the code in octal. */
	if (!replayer_end_ahead(&g->r, &st))
		snprintf(g->note + n, len - (size_t)n, "\n");
	else if (WIFSIGNALED(st))
		snprintf(g->note + n, len - (size_t)n, ": process %d is killed by signal %d (%s) there\n",
			 g->pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (WEXITSTATUS(st) == 0)
		snprintf(g->note + n, len - (size_t)n, ": process %d exits normally there\n",
			 g->pid);
	else
		snprintf(g->note + n, len - (size_t)n,
			 ": process %d exits with code %02o there\n", g->pid,
			 (unsigned)WEXITSTATUS(st));
	return g->note;
}

static int resume(void *ctx, enum gdb_resume_kind kind, int tid, struct gdb_stop *stop,
		  bool (*poll_interrupt)(void *arg), void *poll_arg)
{
	struct gdb_replay *g = ctx_of(ctx);
	struct replay_stop rs = {0};
	uint64_t regs[X86_NREGS];
	int err;

	/* A call under way runs in its copy; anything else ends the copy first. */
	if (g->div.on && (kind == GDB_RESUME_CONTINUE || kind == GDB_RESUME_STEP) &&
	    tracee_get_regs(&g->div.t, regs) == 0 && memcmp(regs, g->div.regs0, sizeof(regs)))
		return gdb_divert_resume(g, kind == GDB_RESUME_STEP, stop, poll_interrupt, poll_arg);
	gdb_divert_end(g, "the replay goes on");
	if (kind == GDB_RESUME_REVERSE_CONTINUE || kind == GDB_RESUME_REVERSE_STEP) {
		struct rw_progress meter;
		enum timeline_stop ts;

		if (timeline_empty(&g->tl)) {
			rw_error("%s", NO_HISTORY);
			return -ENOTSUP;
		}
		/* Replaying forward from checkpoints, at most up to here. */
		rw_progress_begin(&meter, "going back", replayer_next_seq(&g->r));
		replayer_set_progress(&g->r, &meter);
		err = kind == GDB_RESUME_REVERSE_CONTINUE
			  ? timeline_reverse_continue(&g->tl, &ts, &rs)
			  : timeline_reverse_step(&g->tl, &ts);
		replayer_set_progress(&g->r, NULL);
		rw_progress_end(&meter);
		if (err < 0)
			return err;
		memset(stop, 0, sizeof(*stop));
		stop->pid = g->pid;
		stop->tid = current_tid(g);
		stop->signo = SIGTRAP;
		stop->kind = ts == TIMELINE_STOP_BREAKPOINT ? GDB_STOP_SWBREAK
			     : ts == TIMELINE_STOP_BEGIN    ? GDB_STOP_REPLAY_END
							    : GDB_STOP_SIGNAL;
		stop->at_begin = ts == TIMELINE_STOP_BEGIN;
		if (ts == TIMELINE_STOP_BREAKPOINT && rs.kind == REPLAY_STOP_WATCH)
			to_gdb_stop(g, &rs, stop);
		g->last = *stop;
		return 0;
	}
	/* gdb steps one thread; the replay runs the others' events up to its next move. */
	if (kind == GDB_RESUME_STEP)
		replayer_step_thread(&g->r, (uint32_t)(tid > 0 ? tid : current_tid(g)));
	err = replayer_run(&g->r, kind == GDB_RESUME_STEP ? REPLAY_MODE_STEP : REPLAY_MODE_CONTINUE,
			   &rs, poll_interrupt, poll_arg);
	if (err < 0)
		return err;
	if (rs.kind == REPLAY_STOP_EXEC)
		note_exec(g);
	timeline_note_stop(&g->tl, &rs);
	to_gdb_stop(g, &rs, stop);
	if (rs.kind == REPLAY_STOP_HISTORY_END || rs.kind == REPLAY_STOP_END)
		stop->note = end_note(g);
	g->last = *stop;
	return 0;
}

static int catch_syscalls(void *ctx, bool enable, const long *nums, int n)
{
	return replayer_catch_syscalls(&ctx_of(ctx)->r, enable, nums, n);
}

static void pass_signals(void *ctx, const int *signos, int n)
{
	replayer_pass_signals(&ctx_of(ctx)->r, signos, n);
}

static int set_breakpoint(void *ctx, int type, uint64_t addr, int kind, bool insert)
{
	struct gdb_replay *g = ctx_of(ctx);

	int err;

	/* Hardware breakpoints become software ones: the replay is ours to patch. */
	if (type == 0 || type == 1) {
		err = replayer_set_breakpoint(&g->r, addr, insert);
		/* A function call's copy gets them too, in its memory. */
		return err < 0 || !g->div.on ? err : gdb_divert_breakpoint(g, addr, insert);
	}
	return replayer_set_watch(&ctx_of(ctx)->r, type, addr, (uint64_t)kind, insert);
}

/* N of a monitor command's argument: a decimal number, else -1. */
static int checkpoint_number(const char *arg)
{
	char *end;
	long n = strtol(arg, &end, 10);

	return *arg && !*end && n >= 0 && n < INT32_MAX ? (int)n : -1;
}

/*
 * `monitor restart N`: the replay is moved behind gdb's back, so the stop
 * gdb may ask for again ('?') is one here, in the current task.
 */
static int monitor_restart(struct gdb_replay *g, const char *arg, char *out, size_t outlen)
{
	int n = checkpoint_number(arg), err = n < 0 ? -ENOENT : timeline_restart(&g->tl, n);
	uint64_t regs[27];

	if (err == -ENOENT) {
		snprintf(out, outlen, "No checkpoint %s.\n", arg);
		return 0;
	}
	if (err < 0)
		return err;
	g->last = (struct gdb_stop){
	    .kind = GDB_STOP_SIGNAL, .signo = SIGTRAP, .pid = g->pid, .tid = current_tid(g)};
	if (get_regs(g, current_tid(g), regs) < 0)
		regs[X86_RIP] = 0;
	snprintf(out, outlen, "Back at checkpoint %d (event %" PRIu64 ", pc 0x%" PRIx64 ").\n", n,
		 replayer_next_seq(&g->r), regs[X86_RIP]);
	return 0;
}

static void monitor_checkpoint(struct gdb_replay *g, char *out, size_t outlen)
{
	int n = timeline_user_checkpoint(&g->tl);

	if (n < 0)
		snprintf(out, outlen, "No checkpoint here: %s\n", strerror(-n));
	else
		snprintf(out, outlen, "Checkpoint %d at event %" PRIu64 "\n", n,
			 replayer_next_seq(&g->r));
}

static void monitor_delete(struct gdb_replay *g, const char *arg, char *out, size_t outlen)
{
	int n = checkpoint_number(arg);

	if (n == 0)
		snprintf(out, outlen, "Checkpoint 0 is the start of the history: it stays.\n");
	else if (n < 0 || timeline_delete(&g->tl, n) < 0)
		snprintf(out, outlen, "No checkpoint %s.\n", arg);
}

static void monitor_info(struct gdb_replay *g, char *out, size_t outlen)
{
	const struct replay_input *in = replayer_input(&g->r);

	snprintf(out, outlen,
		 "Trace: %s\nProgram: %s (pid %d while recording)\nRecorded on: %s, "
		 "kernel %s\nXCR0: 0x%" PRIx64 "\n",
		 in->path, g->exe[0] ? g->exe : "?", g->pid,
		 in->header.cpu_brand ? in->header.cpu_brand : "?",
		 in->header.kernel_release ? in->header.kernel_release : "?", in->header.xcr0);
}

static int monitor(void *ctx, const char *cmd, char *out, size_t outlen)
{
	struct gdb_replay *g = ctx_of(ctx);
	bool history = !strcmp(cmd, "checkpoint") || !strncmp(cmd, "restart ", 8) ||
		       !strncmp(cmd, "delete checkpoint ", 18);

	if (history)
		gdb_divert_end(g, "the replay moves to a checkpoint");

	if (!strcmp(cmd, "when")) {
		snprintf(out, outlen, "Current event: %" PRIu64 "\n", replayer_next_seq(&g->r));
	} else if (!strcmp(cmd, "info")) {
		monitor_info(g, out, outlen);
	} else if (history && timeline_empty(&g->tl)) {
		snprintf(out, outlen, "%s\n", NO_HISTORY);
	} else if (!strcmp(cmd, "checkpoint")) {
		monitor_checkpoint(g, out, outlen);
	} else if (!strcmp(cmd, "info checkpoints")) {
		timeline_describe(&g->tl, out, outlen);
	} else if (!strncmp(cmd, "restart ", 8)) {
		return monitor_restart(g, cmd + 8, out, outlen);
	} else if (!strncmp(cmd, "delete checkpoint ", 18)) {
		monitor_delete(g, cmd + 18, out, outlen);
	} else {
		snprintf(out, outlen,
			 "Unknown rewind command '%s'. Commands: when, info, checkpoint, info "
			 "checkpoints, restart N, delete checkpoint N.\n",
			 cmd);
	}
	return 0;
}

long gdb_replay_auxv(struct gdb_replay *g, uint8_t *buf, size_t max)
{
	struct replay_task *task = replayer_current_task(&g->r);
	struct tracee *t = &task->t;
	uint64_t sp = task->exec_sp, argc, word = 1;
	size_t n = 0;

	if (tracee_read_mem(t, sp, &argc, 8) < 0 || argc > 100000)
		return -EIO;
	sp += 8 * (argc + 2); /* argc, argv[], NULL */
	while (word && tracee_read_mem(t, sp, &word, 8) == 0)
		sp += 8; /* envp[], NULL */
	for (;;) {
		uint64_t pair[2];

		if (n + sizeof(pair) > max || tracee_read_mem(t, sp, pair, sizeof(pair)) < 0)
			return -EIO;
		memcpy(buf + n, pair, sizeof(pair));
		n += sizeof(pair);
		sp += sizeof(pair);
		if (pair[0] == 0) /* AT_NULL */
			return (long)n;
	}
}

static long read_auxv(void *ctx, uint8_t *buf, size_t max)
{
	return gdb_replay_auxv(ctx_of(ctx), buf, max);
}

static const char *exec_file(void *ctx, int pid)
{
	(void)pid;
	return ctx_of(ctx)->exe;
}

/*
 * A file the recording mapped is served from the trace, the replayed
 * process's /proc files by gdb_replay_proc_open; anything else from this
 * machine.
 */
static int file_open(void *ctx, const char *path, int flags, int mode)
{
	struct gdb_replay *g = ctx_of(ctx);
	const struct replay_input *in = replayer_input(&g->r);
	const struct replay_file *f;
	char blob[320];
	int fd = -1;

	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	if (!strncmp(path, "/proc/", 6) && (fd = gdb_replay_proc_open(g, path)) < 0)
		return fd;
	if (fd < 0 && (f = replay_input_find_file(in, path))) {
		replay_input_file_copy(in, f, blob, sizeof(blob));
		fd = open(blob, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 && g->exe[0] && !strcmp(path, g->exe))
		return -ENOENT;
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (int h = 0; h < MAX_FILES; h++) {
		if (g->files[h] < 0) {
			g->files[h] = fd;
			return h;
		}
	}
	close(fd);
	return -EMFILE;
}

static int handle_fd(struct gdb_replay *g, int handle)
{
	return handle >= 0 && handle < MAX_FILES ? g->files[handle] : -1;
}

static long file_pread(void *ctx, int handle, void *buf, size_t len, uint64_t offset)
{
	int fd = handle_fd(ctx_of(ctx), handle);
	ssize_t n;

	if (fd < 0)
		return -EBADF;
	n = pread(fd, buf, len, (off_t)offset);
	return n < 0 ? -errno : n;
}

static int file_close(void *ctx, int handle)
{
	struct gdb_replay *g = ctx_of(ctx);
	int fd = handle_fd(g, handle);

	if (fd < 0)
		return -EBADF;
	close(fd);
	g->files[handle] = -1;
	return 0;
}

static int file_fstat(void *ctx, int handle, uint64_t *size, uint32_t *mode)
{
	int fd = handle_fd(ctx_of(ctx), handle);
	struct stat st;

	if (fd < 0)
		return -EBADF;
	if (fstat(fd, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	*mode = st.st_mode;
	return 0;
}

static long file_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	struct gdb_replay *g = ctx_of(ctx);
	char exe_link[64];
	ssize_t n;

	snprintf(exe_link, sizeof(exe_link), "/proc/%d/exe", g->pid);
	if (!strcmp(path, exe_link) && g->exe[0]) {
		size_t l = strlen(g->exe);

		if (l > len)
			l = len;
		memcpy(buf, g->exe, l);
		return (long)l;
	}
	if (!strncmp(path, "/proc/", 6))
		return -ENOENT; /* the recorded pid is not the replay's here */
	n = readlink(path, buf, len);
	return n < 0 ? -errno : n;
}

static void current_stop(void *ctx, struct gdb_stop *stop)
{
	*stop = ctx_of(ctx)->last;
}

static void kill_replay(void *ctx)
{
	gdb_divert_end(ctx_of(ctx), NULL);
	ctx_of(ctx)->killed = true;
}

const struct gdb_target_ops gdb_replay_ops = {
    .list_threads = list_threads,
    .get_regs = get_regs,
    .get_xsave = get_xsave,
    .read_memory = read_memory,
    .set_regs = set_regs,
    .set_xsave = set_xsave,
    .write_memory = write_memory,
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
    .kill = kill_replay,
    .tls = &gdb_replay_tls_ops,
    .catch_syscalls = catch_syscalls,
    .pass_signals = pass_signals,
};

/* What gdb is told of the CPU's XSAVE layout: this machine's. */
static void set_layout(struct gdb_replay *g)
{
	const struct x86_xsave_layout *l = replayer_xsave_layout(&g->r);

	g->layout.xcr0 = l->xcr0;
	g->layout.size = l->total_size;
	for (int i = 0; i < 32; i++) {
		g->layout.offset[i] = l->offset[i];
		g->layout.comp_size[i] = l->size[i];
	}
}

/* gdb's process, its program and its name, as the first image or -p names them. */
static void name_process(struct gdb_replay *g, const struct replay_options *o)
{
	const char *recorded = replayer_input(&g->r)->header.exe;
	char exe[PATH_MAX_LEN], *first;

	g->pid = o->pid ? (int)o->pid : (int)replayer_event(&g->r)->tid;
	/* The program the first image runs (a script's interpreter, say), as its exec mapped it. */
	first = o->exe ? NULL : replay_exec_program(replayer_event(&g->r));
	snprintf(g->exe, sizeof(g->exe), "%s",
		 o->exe	    ? o->exe
		 : first    ? first
		 : recorded ? recorded
			    : "");
	free(first);
	snprintf(exe, sizeof(exe), "%s", g->exe[0] ? g->exe : "program");
	snprintf(g->name, sizeof(g->name), "%s", basename(exe));
}

static int open_replay(struct gdb_replay *g, const struct replay_options *o)
{
	int err;

	for (int h = 0; h < MAX_FILES; h++)
		g->files[h] = -1;
	if ((err = replayer_open(&g->r, o)) < 0)
		return err;
	name_process(g, o);
	replayer_debug_process(&g->r, (uint32_t)g->pid);
	g->last = (struct gdb_stop){
	    .kind = GDB_STOP_SIGNAL, .signo = SIGTRAP, .pid = g->pid, .tid = g->pid};
	set_layout(g);
	/* Checkpoints every KICK_MS of replay in long stretches without events. */
	if ((err = replayer_enable_kicks(&g->r, KICK_MS)) < 0)
		return err;
	/* Orphaned checkpoint processes come back to rewind, which reaps them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return timeline_init(&g->tl, &g->r);
}

int gdb_replay_open(struct gdb_replay **out, const struct replay_options *o)
{
	struct gdb_replay *g = xcalloc(1, sizeof(*g));
	int err;

	*out = NULL;
	if ((err = open_replay(g, o)) < 0) {
		gdb_replay_close(g);
		return err;
	}
	*out = g;
	return 0;
}

int gdb_replay_start_history(struct gdb_replay *g)
{
	return timeline_reset(&g->tl);
}

struct gdb_server *gdb_replay_server(struct gdb_replay *g)
{
	return gdb_server_create(&gdb_replay_ops, g, &g->layout);
}

/* Replays without the debugger up to event `event` (the next event to replay). */
int gdb_replay_goto(struct gdb_replay *g, uint64_t event)
{
	struct replay_stop rs;
	struct rw_progress meter;
	int err;

	rw_progress_begin(&meter, "going to the event asked for", event);
	replayer_set_progress(&g->r, &meter);
	replayer_stop_before(&g->r, event);
	/* Through the execs on the way, gdb to see the program there is at the end. */
	while ((err = replayer_run(&g->r, REPLAY_MODE_CONTINUE, &rs, NULL, NULL)) == 0 &&
	       rs.kind == REPLAY_STOP_EXEC)
		note_exec(g);
	replayer_stop_before(&g->r, 0);
	replayer_set_progress(&g->r, NULL);
	rw_progress_end(&meter);
	if (err < 0)
		return err;
	timeline_note_stop(&g->tl, &rs);
	to_gdb_stop(g, &rs, &g->last);
	if (rs.kind == REPLAY_STOP_INTERRUPT)
		g->last.signo = SIGTRAP;
	return 0;
}

void gdb_replay_close(struct gdb_replay *g)
{
	for (int h = 0; h < MAX_FILES; h++)
		if (g->files[h] >= 0)
			close(g->files[h]);
	gdb_divert_end(g, NULL);
	timeline_free(&g->tl);
	replayer_close(&g->r);
	free(g);
}
