/*
 * The recorder's session: starts the program under ptrace pinned to one
 * CPU with its tracer (or takes running processes over, record_attach.c),
 * opens the trace and writes its header, runs the scheduler
 * (record_sched.c) to the end and finishes the trace. What each stop
 * records is in the handlers' files (record_syscall.c, record_signal.c,
 * record_exec.c, ...); events are written by record_emit.c.
 */
#define _GNU_SOURCE
#include "recorder/record.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/sysbuf.h"
#include "common/cpu_affinity.h"
#include "common/log.h"
#include "common/procmaps.h"
#include "common/xalloc.h"
#include "recorder/recorder.h"
#include "trace_format/header.h"

extern char **environ;

_Static_assert(TRACE_NREGS == X86_NREGS, "trace and arch register counts");

static void stdio_identity(struct stdio_identity *id, int fd)
{
	struct stat st;

	id->valid = fstat(fd, &st) == 0;
	if (id->valid) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
	}
}

static char *resolve_program(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/') || !path)
		return realpath(prog, NULL);
	while (*path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog);
		if (access(buf, X_OK) == 0)
			return realpath(buf, NULL);
		path += len + (path[len] == ':');
	}
	return NULL;
}

static char *process_exe(pid_t pid)
{
	char path[64], exe[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return NULL;
	exe[n] = '\0';
	return xstrdup(exe);
}

char **record_process_argv(pid_t pid)
{
	char path[64], buf[65536], **argv, *strings;
	size_t n = 0, argc = 0;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	while (n < sizeof(buf) - 1 && (got = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)got;
	close(fd);
	if (n && buf[n - 1])
		buf[n++] = '\0';
	for (size_t i = 0; i < n; i++)
		argc += !buf[i];
	/* One block: the pointers, then the strings. */
	argv = xmalloc((argc + 1) * sizeof(*argv) + n + 1);
	strings = (char *)(argv + argc + 1);
	memcpy(strings, buf, n);
	argc = 0;
	for (size_t i = 0; i < n; i += strlen(strings + i) + 1)
		argv[argc++] = strings + i;
	argv[argc] = NULL;
	return argv;
}

static void fill_header(struct recorder *r, const struct record_options *o, struct trace_header *h,
			struct x86_cpuid_leaf *leaves, int nleaves)
{
	static struct utsname uts;
	static char vendor[13], brand[49], cwd[4096], host[256];
	uint32_t envc = 0;

	uname(&uts);
	gethostname(host, sizeof(host) - 1);
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	x86_cpu_vendor(leaves, nleaves, vendor);
	x86_cpu_brand(leaves, nleaves, brand);
	memset(h, 0, sizeof(*h));
	h->kernel_release = uts.release;
	h->cpu_vendor = vendor;
	h->cpu_brand = brand;
	h->hostname = host;
	h->cwd = cwd;
	h->exe = o->npids ? process_exe(o->pids[0]) : resolve_program(o->argv[0]);
	h->start_time = (uint64_t)time(NULL);
	h->page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	h->cpu = r->cpu;
	h->xcr0 = r->layout.xcr0;
	h->xsave_size = r->layout.total_size;
	for (int i = 0; i < TRACE_XSAVE_COMPONENTS; i++) {
		h->xsave_offset[i] = r->layout.offset[i];
		h->xsave_comp_size[i] = r->layout.size[i];
	}
	_Static_assert(sizeof(struct trace_cpuid) == sizeof(struct x86_cpuid_leaf), "cpuid");
	h->cpuid = (struct trace_cpuid *)leaves;
	h->ncpuid = (uint32_t)nleaves;
	for (h->argc = 0; o->argv[h->argc]; h->argc++)
		;
	h->argv = o->argv;
	while (environ[envc])
		envc++;
	h->envp = environ;
	h->envc = envc;
	h->chaos = o->chaos;
	h->chaos_seed = o->chaos_seed;
}

static int open_trace(struct recorder *r, const struct record_options *o)
{
	struct x86_cpuid_leaf *leaves = NULL;
	struct trace_header h;
	struct rw_buf hb;
	int nleaves = x86_cpuid_collect(&leaves);
	int err;

	if (nleaves < 0)
		return nleaves;
	fill_header(r, o, &h, leaves, nleaves);
	rw_buf_init(&hb);
	trace_header_encode(&h, &hb);
	err = trace_writer_create(o->trace_path, true, hb.data, hb.len, &r->writer);
	rw_buf_free(&hb);
	free(h.exe);
	free(leaves);
	return err;
}

/*
 * The recorder's seccomp filter: every syscall stops the task
 * (SECCOMP_RET_TRACE, a PTRACE_EVENT_SECCOMP stop) before it runs. A task
 * resumed with PTRACE_CONT then costs one stop per syscall where
 * PTRACE_SYSCALL costs two, and the tracer may answer the syscall itself
 * from that stop (record_emulate.c). With the syscall buffer, the syscall
 * instruction at REWIND_UNTRACED_SYSCALL runs without a stop: its calls
 * are logged by the preload library (record_sysbuf.c). The filter sees the
 * address after the instruction (the return address it saved).
 */
static bool install_filter(bool sysbuf)
{
	const uint64_t untraced = REWIND_UNTRACED_SYSCALL + X86_SYSCALL_INSN_LEN;
	const uint32_t ip = offsetof(struct seccomp_data, instruction_pointer);
	struct sock_filter insn[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)untraced, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip + 4),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(untraced >> 32), 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | RECORDER_FILTER_DATA),
	};
	struct sock_fprog prog = {.len = 6, .filter = insn};

	if (!sysbuf) {
		prog.len = 1;
		prog.filter = &insn[5];
	}

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
		return true;
	/* Without CAP_SYS_ADMIN a filter needs no_new_privs, as under rr. */
	return errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0;
}

/* Whether pid runs under a seccomp filter (the status file says "Seccomp: 2"). */
static bool under_filter(pid_t pid)
{
	return procstatus_mask(pid, "Seccomp:") == 2;
}

static void child_exec(const struct record_options *o, const struct recorder *r)
    __attribute__((noreturn));
static void child_exec(const struct record_options *o, const struct recorder *r)
{
	/*
	 * The recorder ignores these for itself; an ignored signal stays ignored
	 * across exec, and replay starts the program with the defaults.
	 */
	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	recorder_stop_child();
	/* A process group of its own: what it signals to its group stays in the recording. */
	setpgid(0, 0);
	rw_cpu_pin(r->cpu);
	/* The same layout in every run: replay maps everything at the recorded addresses. */
	personality(ADDR_NO_RANDOMIZE);
	/* rdtsc/rdtscp fault, so their values can be logged; the flag survives exec. */
	prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
	/* Stopped until the recorder has seized it (and its SIGCONT ends the stop). */
	raise(SIGSTOP);
	/* After the stop: the tracer has set PTRACE_O_TRACESECCOMP by now. */
	if (r->use_seccomp && !install_filter(r->sysbuf))
		rw_warn("no seccomp filter (%s): every syscall costs two stops", strerror(errno));
	execvpe(o->argv[0], o->argv, recorder_sysbuf_environ(r));
	rw_error("cannot run %s: %s", o->argv[0], strerror(errno));
	_exit(127);
}

static void recorder_free(struct recorder *r)
{
	trace_event_builder_free(&r->eb);
	trace_regs_history_free(&r->history);
	rw_buf_free(&r->enc);
	rw_buf_free(&r->scratch);
	free(r->files);
	trace_files_free(r->stored, r->nstored);
	free(r->checked_shared);
	free(r->at_handler_entry);
	free(r->ptrace_dead);
	for (size_t i = 0; i < r->nattach_procs; i++)
		free(r->attach_procs[i].vdso_was);
	free(r->attach_procs);
	recorder_tasks_free(r);
	recorder_exec_point_fini(r);
	recorder_sysbuf_free(r);
	recorder_chunk_cache_fini(r);
	recorder_file_ids_fini(r);
}

/*
 * The child stopped itself; it is seized (PTRACE_SEIZE, so that its group
 * stops can be left in place and their end seen: PTRACE_LISTEN) and
 * continued. Every task traced from it by the clone options is seized too.
 */
static int seize_stopped_child(struct recorder *r, struct recorder_task *t, const char *prog)
{
	pid_t pid = t->t.tid;
	int st;

	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st)) {
		rw_error("cannot start %s: pid %d did not stop", prog, pid);
		return -ECHILD;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0,
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL |
		       PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		       (r->use_seccomp ? PTRACE_O_TRACESECCOMP : 0)) < 0) {
		int err = -errno;

		rw_error("cannot trace %s (pid %d): ptrace: %s", prog, pid, strerror(-err));
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return err;
	}
	/* Seized while stopped, it reports that group stop; SIGCONT ends it. */
	st = tracee_wait(&t->t);
	if (st < 0 || !WIFSTOPPED(st) || kill(pid, SIGCONT) < 0) {
		rw_error("cannot start %s under ptrace", prog);
		return -ECHILD;
	}
	return 0;
}

static int start_tracee(struct recorder *r, const struct record_options *o)
{
	struct recorder_task *t;
	pid_t pid;
	int st, err;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_exec(o, r);
	t = recorder_task_add(r, pid, pid);
	memcpy(t->cpus, r->cpus, sizeof(r->cpus));
	r->first_pid = pid;
	if ((err = seize_stopped_child(r, t, o->argv[0])) < 0)
		return err;
	setpgid(pid, pid); /* as the child did: whichever comes first */
	recorder_terminal_give(r, pid);
	/*
	 * Run to the exec event; the program's own first stop is its execve
	 * exit. rewind's own syscalls before it (execvp's tries), the end of
	 * its first stop and the SIGCONT that ended it go on.
	 */
	do
		st = tracee_resume(&t->t, PTRACE_CONT, 0);
	while (st >= 0 && WIFSTOPPED(st) &&
	       ((st >> 16) == PTRACE_EVENT_SECCOMP || (st >> 16) == PTRACE_EVENT_STOP ||
		(!(st >> 16) && WSTOPSIG(st) == SIGCONT)));
	if (st < 0)
		return st;
	if (t->t.stop == TRACEE_STOP_EXITED)
		return -ENOEXEC; /* the child said why */
	if ((st >> 16) != PTRACE_EVENT_EXEC) {
		rw_error("%s: unexpected stop 0x%x before exec", o->argv[0], st);
		return -EPROTO;
	}
	t->t.stop = TRACEE_STOP_SYSCALL_ENTRY;
	t->exec_pending = true;
	st = tracee_resume(&t->t, PTRACE_SYSCALL, 0);
	if (st < 0)
		return st;
	if (t->t.stop != TRACEE_STOP_SYSCALL_EXIT)
		return -EPROTO;
	if (r->use_seccomp && !under_filter(pid)) {
		r->use_seccomp = false;
		t->syscall_stops = true;
	}
	t->exec_pending = false;
	t->state = TASK_READY;
	return recorder_record_exec(r, t);
}

/* The trace's last records and its footer, after the last task is gone. */
static int finish_trace(struct recorder *r, int err)
{
	if (err && r->attached)
		recorder_detach_all(r); /* an attached program is not ended for rewind's failure */
	else if (err)
		recorder_kill_all(r);
	recorder_terminal_take_back(r);
	if (recorder_write_file_table(r) < 0 && !err)
		err = -EIO;
	if (trace_writer_finish(r->writer) < 0 && !err)
		err = -EIO;
	recorder_chunk_cache_fini(r);
	recorder_file_ids_fini(r);
	if (!err && r->stop.signo)
		rw_error("recording stopped by SIG%s: %llu events in %s",
			 sigabbrev_np(r->stop.signo), (unsigned long long)r->seq, r->trace_path);
	return err;
}

int record_run(const struct record_options *o, int *exit_code)
{
	struct recorder r;
	int status = 0, err;

	memset(&r, 0, sizeof(r));
	trace_event_builder_init(&r.eb);
	rw_buf_init(&r.enc);
	rw_buf_init(&r.scratch);
	r.trace_path = o->trace_path;
	r.cpu = rw_cpu_pick(-1);
	if (sched_getaffinity(0, sizeof(r.cpus), (cpu_set_t *)r.cpus) < 0)
		r.cpus[r.cpu / 64] |= 1ull << (r.cpu % 64);
	/*
	 * A filter above rewind's (a container's, say) could answer a syscall
	 * with an errno before rewind's filter stops it: then PTRACE_SYSCALL
	 * stops, which come before any filter, see every syscall.
	 */
	r.use_seccomp = !getenv("REWIND_NO_SECCOMP") && !under_filter(getpid());
	if (!o->npids)
		recorder_sysbuf_init(&r);
	recorder_chunk_cache_init(&r);
	r.run_to = !getenv("REWIND_RUN_TO") || strcmp(getenv("REWIND_RUN_TO"), "0");
	r.chaos = o->chaos;
	r.chaos_state = (o->chaos_seed ^ 0x9e3779b97f4a7c15ull) | 1;
	rw_cpu_pin(r.cpu);
	x86_xsave_layout_probe(&r.layout);
	r.xsave_len = r.layout.total_size ? r.layout.total_size : 4096;
	stdio_identity(&r.out_id[1], 1);
	stdio_identity(&r.out_id[2], 2);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	err = recorder_exec_point_init(&r);
	if (!err)
		err = recorder_stop_init(&r);
	if (!err)
		err = open_trace(&r, o);
	if (err) {
		recorder_stop_fini(&r);
		recorder_free(&r);
		return err;
	}
	err = o->npids ? recorder_attach(&r, o->pids, o->npids) : start_tracee(&r, o);
	if (err < 0 && o->npids) {
		*exit_code = 1;
		trace_writer_discard(r.writer);
		recorder_stop_fini(&r);
		recorder_free(&r);
		return -ENOEXEC;
	}
	if (err == -ENOEXEC) {
		*exit_code = 127;
		recorder_terminal_take_back(&r);
		trace_writer_discard(r.writer);
		recorder_stop_fini(&r);
		recorder_free(&r);
		return err;
	}
	if (!err)
		err = recorder_schedule(&r);
	status = r.first_status;
	err = finish_trace(&r, err);
	recorder_stop_fini(&r);
	recorder_free(&r);
	if (err)
		return err;
	if (r.stop.signo)
		*exit_code = 128 + r.stop.signo;
	else if (WIFEXITED(status))
		*exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*exit_code = 128 + WTERMSIG(status);
	return 0;
}
