/*
 * rewind replay [-a] [-s PORT] [-g EVENT] [-p PID] [--force] [TRACE] [-- GDB-ARGS...]
 *
 * Without -a the replay is served to gdb over the remote protocol on a
 * loopback port: rewind starts gdb connected to it (or, with -s, waits for
 * one on that port). gdb looks at one process of the recorded tree, the
 * first one or the one -p names, from its first exec on (or from its
 * creation when it never execs); the others are replayed along with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"
#include "gdbstub/gdbstub.h"
#include "replayer/gdb_target.h"
#include "replayer/replay.h"

static pid_t start_gdb(int port, char **gdb_args, int ngdb_args)
{
	char target[64];
	char **argv = calloc((size_t)ngdb_args + 6, sizeof(*argv));
	pid_t pid;
	int n = 0;

	if (!argv)
		abort();
	snprintf(target, sizeof(target), "target remote 127.0.0.1:%d", port);
	argv[n++] = "gdb";
	argv[n++] = "-q";
	argv[n++] = "-ex";
	argv[n++] = target;
	for (int i = 0; i < ngdb_args; i++)
		argv[n++] = gdb_args[i];
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		execvp("gdb", argv);
		rw_error("cannot run gdb: %s", strerror(errno));
		_exit(127);
	}
	free(argv);
	return pid;
}

/* Waits for gdb to connect; gives up if the gdb we started has already exited. */
static int wait_connection(int lfd, pid_t gdb, int *gdb_status)
{
	for (;;) {
		struct pollfd p = {lfd, POLLIN, 0};
		int n = poll(&p, 1, 200);

		if (n > 0)
			return gdb_accept(lfd);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (gdb > 0 && waitpid(gdb, gdb_status, WNOHANG) == gdb) {
			rw_error("gdb exited before connecting to the replay");
			return -ECONNABORTED;
		}
	}
}

static int serve(const struct replay_options *o, int port, uint64_t goto_event, char **gdb_args,
		 int ngdb_args, bool launch)
{
	struct gdb_replay *g = calloc(1, sizeof(*g));
	struct gdb_server *server = NULL;
	int lfd = -1, cfd = -1, bound = 0, gdb_status = 0, err;
	pid_t gdb = -1;

	if (!g)
		abort();
	signal(SIGPIPE, SIG_IGN);
	err = gdb_replay_open(g, o);
	if (!err && goto_event)
		err = gdb_replay_goto(g, goto_event);
	/* gdb's process starts there: so does the history it can go back through. */
	if (!err && o->pid && timeline_reset(&g->tl) < 0)
		rw_warn("no checkpoint where process %u starts: going backwards is not possible",
			o->pid);
	if (!err && (lfd = gdb_listen_loopback(port, &bound)) < 0)
		err = lfd;
	if (err)
		goto out;
	if (launch) {
		/* gdb handles ^C and passes it on as an interrupt packet. */
		signal(SIGINT, SIG_IGN);
		gdb = start_gdb(bound, gdb_args, ngdb_args);
	} else {
		fprintf(stderr,
			"rewind: serving the replay on 127.0.0.1:%d; connect with: gdb -ex 'target "
			"remote 127.0.0.1:%d'\n",
			bound, bound);
	}
	cfd = wait_connection(lfd, gdb, &gdb_status);
	if (cfd < 0) {
		err = cfd;
		gdb = -1;
		goto out;
	}
	server = gdb_server_create(&gdb_replay_ops, g, &g->layout);
	if (!server) {
		err = -ENOMEM;
		goto out;
	}
	err = gdb_server_serve(server, cfd);
out:
	if (server)
		gdb_server_free(server);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	gdb_replay_close(g);
	free(g);
	if (gdb > 0) {
		while (waitpid(gdb, &gdb_status, 0) < 0 && errno == EINTR)
			;
		return WIFEXITED(gdb_status) ? WEXITSTATUS(gdb_status) : 1;
	}
	return err < 0 ? 1 : 0;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_options o = {0};
	const char *arg = NULL;
	char path[PATH_MAX], *end;
	const char *only_pid = NULL;
	char *exe = NULL;
	int ret;
	bool autopilot = false;
	int port = -1, i;
	uint64_t goto_event = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--autopilot"))
			autopilot = true;
		else if (!strcmp(argv[i], "--force"))
			o.force = true;
		else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			port = (int)strtol(argv[++i], &end, 10);
			if (*end || port <= 0 || port > 65535) {
				rw_error("replay: -s wants a port number, not '%s'", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "-g") && i + 1 < argc) {
			goto_event = strtoull(argv[++i], &end, 10);
			if (*end) {
				rw_error("replay: -g wants an event number, not '%s'", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
			only_pid = argv[++i];
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-') {
			rw_error("replay: unknown option '%s'", argv[i]);
			return 2;
		} else if (!arg)
			arg = argv[i];
		else {
			rw_error("replay: more than one trace given ('%s', '%s')", arg, argv[i]);
			return 2;
		}
	}
	if (trace_resolve(arg, path, sizeof(path)) < 0)
		return 1;
	o.trace_path = path;
	if (autopilot)
		return replay_autopilot(&o) < 0 ? 1 : 0;
	if (only_pid) {
		unsigned long pid = strtoul(only_pid, &end, 10);
		uint64_t start;

		if (*end || !*only_pid || pid == 0 || pid > INT32_MAX) {
			rw_error("replay: -p wants a process id, not '%s'", only_pid);
			return 2;
		}
		if (ps_find_process(path, (uint32_t)pid, &start, &exe) < 0)
			return 1;
		if (goto_event && goto_event < start) {
			rw_error("replay: process %lu starts at event %llu, after -g %llu", pid,
				 (unsigned long long)start, (unsigned long long)goto_event);
			free(exe);
			return 2;
		}
		if (!goto_event)
			goto_event = start;
		o.pid = (uint32_t)pid;
		o.exe = exe;
	}
	ret = serve(&o, port > 0 ? port : 0, goto_event, argv + i, argc - i, port <= 0);
	free(exe);
	return ret;
}
