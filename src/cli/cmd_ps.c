/*
 * rewind ps [TRACE]: the processes recorded in a trace, in the order they
 * started: pid, parent pid, exit status and command line. Processes come
 * from the first program image and from EV_CLONE events without
 * CLONE_THREAD; the command line is read from the stack of the process's
 * last exec (argc and argv at rsp, as the kernel laid them out), or is
 * its parent's when it never exec'd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "arch/x86_64/regs.h"
#include "cli/cli.h"
#include "cli/trace_walk.h"
#include "common/xalloc.h"
#include "replayer/replay.h"
#include "common/log.h"

struct ps_proc {
	uint32_t pid, ppid;
	int status; /* -1 while unknown */
	char *cmd;
	char *exe;	/* its program, as the recording knew it */
	uint64_t start; /* the first event after its first exec, or its creation */
	bool exec_seen;
};

struct ps_state {
	struct ps_proc *procs;
	size_t nprocs;
	struct {
		uint32_t tid, tgid;
	} * tasks;
	size_t ntasks;
};

static uint32_t tgid_of(const struct ps_state *s, uint32_t tid)
{
	for (size_t i = s->ntasks; i-- > 0;)
		if (s->tasks[i].tid == tid)
			return s->tasks[i].tgid;
	return tid;
}

static void add_task(struct ps_state *s, uint32_t tid, uint32_t tgid)
{
	s->tasks = xrealloc(s->tasks, (s->ntasks + 1) * sizeof(*s->tasks));
	s->tasks[s->ntasks].tid = tid;
	s->tasks[s->ntasks++].tgid = tgid;
}

static struct ps_proc *find_proc(struct ps_state *s, uint32_t pid)
{
	for (size_t i = s->nprocs; i-- > 0;)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

static struct ps_proc *add_proc(struct ps_state *s, uint32_t pid, uint32_t ppid, const char *cmd)
{
	struct ps_proc *p;

	s->procs = xrealloc(s->procs, (s->nprocs + 1) * sizeof(*s->procs));
	p = &s->procs[s->nprocs++];
	p->pid = pid;
	p->ppid = ppid;
	p->status = -1;
	p->cmd = xstrdup(cmd ? cmd : "?");
	p->exe = NULL;
	p->start = 0;
	p->exec_seen = false;
	return p;
}

/* The command line of an exec from its stack: argv joined by spaces, or NULL. */
static char *exec_command_line(const struct trace_event *ev)
{
	uint64_t sp = ev->regs[X86_RSP], argc, ptr;
	char *out = NULL;
	size_t len = 0;

	if (replay_event_read(ev, sp, &argc, 8) != 8 || argc > 4096)
		return NULL;
	for (uint64_t i = 0; i < argc; i++) {
		char arg[1024];
		size_t n;

		if (replay_event_read(ev, sp + 8 + 8 * i, &ptr, 8) != 8)
			break;
		n = replay_event_read(ev, ptr, arg, sizeof(arg) - 1);
		arg[n] = '\0';
		n = strlen(arg);
		out = xrealloc(out, len + n + 2);
		if (len)
			out[len++] = ' ';
		memcpy(out + len, arg, n + 1);
		len += n;
	}
	return out;
}

static void on_event(struct ps_state *s, const struct trace_event *ev, const struct trace_header *h)
{
	uint32_t tgid = tgid_of(s, ev->tid);
	struct ps_proc *p = find_proc(s, tgid);

	switch (ev->kind) {
	case EV_EXEC: {
		char *cmd = exec_command_line(ev);

		if (!p) {
			p = add_proc(s, ev->tid, 0, NULL);
			add_task(s, ev->tid, ev->tid);
			free(p->cmd);
			p->cmd = NULL;
			/* The first image: the recorded command line, should its stack not say. */
			for (uint32_t i = 0; !cmd && i < h->argc; i++) {
				size_t old = p->cmd ? strlen(p->cmd) : 0;

				p->cmd = xrealloc(p->cmd, old + strlen(h->argv[i]) + 2);
				sprintf(p->cmd + old, "%s%s", old ? " " : "", h->argv[i]);
			}
		}
		if (cmd) {
			free(p->cmd);
			p->cmd = cmd;
		}
		if (!p->exec_seen) {
			char *exe = replay_exec_program(ev);

			p->exec_seen = true;
			if (p->ppid) /* the first image is where a replay starts anyway */
				p->start = ev->seq + 1;
			if (exe || !p->exe) {
				free(p->exe);
				p->exe = exe ? exe : h->exe ? xstrdup(h->exe) : NULL;
			}
		}
		break;
	}
	case EV_CLONE:
		if (ev->clone_flags & CLONE_THREAD) {
			add_task(s, ev->child_tid, tgid);
			break;
		}
		add_task(s, ev->child_tid, ev->child_tid);
		{
			const char *exe = p && p->exe ? p->exe : NULL;
			struct ps_proc *c = add_proc(s, ev->child_tid, tgid, p ? p->cmd : NULL);

			c->start = ev->seq + 1;
			c->exe = exe ? xstrdup(exe) : NULL;
		}
		break;
	case EV_EXIT:
		if (p && ev->tid == p->pid)
			p->status = ev->exit_status;
		break;
	default:
		break;
	}
}

static void ps_free(struct ps_state *s)
{
	for (size_t i = 0; i < s->nprocs; i++) {
		free(s->procs[i].cmd);
		free(s->procs[i].exe);
	}
	free(s->procs);
	free(s->tasks);
}

static void print_procs(const struct ps_state *s)
{
	printf("PID\tPPID\tEXIT\tCMD\n");
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct ps_proc *p = &s->procs[i];
		int st = p->status;

		printf("%u\t", p->pid);
		if (p->ppid)
			printf("%u\t", p->ppid);
		else
			printf("-\t");
		if (st < 0)
			printf("?");
		else if (WIFEXITED(st))
			printf("%d", WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			printf("sig%d", WTERMSIG(st));
		printf("\t%s\n", p->cmd ? p->cmd : "?");
	}
}

int cmd_ps(int argc, char **argv)
{
	struct ps_state s = {0};
	struct trace_walk w;
	char path[PATH_MAX];
	const char *arg = NULL;
	int ret;

	static const char usage[] = "usage: rewind ps [TRACE]\n"
				    "  the processes of TRACE in the order they started:\n"
				    "  pid, parent, exit status, command line (the pids\n"
				    "  'rewind replay -p' takes)";
	int rc;

	for (int i = 1; i < argc; i++) {
		if ((rc = cli_trace_operand("ps", usage, argv[i], &arg)) != 1)
			return rc;
	}
	if (trace_walk_open_named(&w, arg, path, sizeof(path)) < 0)
		return 1;
	while ((ret = trace_walk_next(&w)) > 0)
		on_event(&s, &w.ev, &w.header);
	if (ret == 0)
		print_procs(&s);
	ps_free(&s);
	trace_walk_close(&w);
	return ret < 0 ? 1 : 0;
}

/* "1, 2, 3" or "1, 2, ... and 40 more": the processes of the trace, for a message. */
static void list_pids(const struct ps_state *s, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < s->nprocs && used < len; i++) {
		if (i == 12) {
			snprintf(out + used, len - used, " and %zu more", s->nprocs - i);
			return;
		}
		used += (size_t)snprintf(out + used, len - used, "%s%u", i ? ", " : "",
					 s->procs[i].pid);
	}
}

int ps_find_process(const char *path, const char *pid_arg, uint32_t pid, uint64_t *start,
		    char **exe)
{
	struct ps_state s = {0};
	struct ps_proc *p;
	struct trace_walk w;
	char pids[160];
	int ret;

	if ((ret = trace_walk_open(&w, path)) < 0)
		return ret;
	while ((ret = trace_walk_next(&w)) > 0)
		on_event(&s, &w.ev, &w.header);
	/* A cut trace still has the processes it got to. */
	p = pid ? find_proc(&s, pid) : NULL;
	if (!p) {
		list_pids(&s, pids, sizeof(pids));
		rw_error("replay: -p %s: %s has no such process; its processes are %s", pid_arg,
			 path, s.nprocs ? pids : "none");
		ret = -ESRCH;
	} else {
		*start = p->start;
		*exe = p->exe ? xstrdup(p->exe) : NULL;
		ret = 0;
	}
	ps_free(&s);
	trace_walk_close(&w);
	return ret;
}
