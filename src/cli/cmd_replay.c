/*
 * rewind replay [-a] [-s PORT] [-g EVENT] [-p PID] [--force] [TRACE] [-- GDB-ARGS...]
 *
 * Without -a the replay is served to gdb over the remote protocol: rewind
 * starts gdb connected through a local socket in a directory only this
 * user may enter, removed once gdb is connected (or, with -s, waits for a
 * gdb on that loopback port). gdb looks at one process of the recorded tree, the
 * first one or the one -p names, from its first exec on (or from its
 * creation when it never execs); the others are replayed along with it.
 *
 * Every option value is checked before anything runs, against the trace
 * where it names a part of it: a bad one is one line naming it and what
 * would do (the trace's processes, its range of events).
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
#include "cli/trace_walk.h"
#include "common/cpu_affinity.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "gdbstub/gdbstub.h"
#include "replayer/replay.h"

static pid_t start_gdb(const char *sock, const char *init, char **gdb_args, int ngdb_args)
{
	char target[160];
	/* gdb -q -l N -ix INIT -ex TARGET, the user's arguments, NULL. */
	char **argv = xcalloc((size_t)ngdb_args + 10, sizeof(*argv));
	pid_t pid;
	int n = 0;

	snprintf(target, sizeof(target), "target remote %s", sock);
	argv[n++] = "gdb";
	argv[n++] = "-q";
	/*
	 * gdb gives a reply 2 s by default, then sends its next packet and
	 * takes the late reply for that one's: a replay that starts slowly (a
	 * loaded machine, a large trace) must not break the session.
	 */
	argv[n++] = "-l";
	argv[n++] = "10000";
	if (init[0]) {
		/* Read before anything else, -nx or not: rewind's own commands. */
		argv[n++] = "-ix";
		argv[n++] = (char *)init;
	}
	argv[n++] = "-ex";
	argv[n++] = target;
	for (int i = 0; i < ngdb_args; i++)
		argv[n++] = gdb_args[i];
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		/*
		 * Not on the replay's CPU only, where rewind pinned itself: gdb's
		 * work (its start, reading symbols, each stop) goes where a CPU is
		 * free, and on a busy machine waits for that one CPU less.
		 */
		rw_cpu_any();
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
	struct gdb_replay *g = NULL;
	struct gdb_server *server = NULL;
	int lfd = -1, cfd = -1, bound = 0, gdb_status = 0, err;
	char sock[108] = "", init[128] = "";
	pid_t gdb = -1;

	signal(SIGPIPE, SIG_IGN);
	err = gdb_replay_open(&g, o);
	if (!err && goto_event)
		err = gdb_replay_goto(g, goto_event);
	/* gdb's process starts there: so does the history it can go back through. */
	if (!err && o->pid && gdb_replay_start_history(g) < 0)
		rw_warn("no checkpoint where process %u starts: going backwards is not possible",
			o->pid);
	/* Started here, gdb connects through a socket only this user can reach. */
	if (!err)
		lfd = launch ? gdb_listen_private(sock, sizeof(sock))
			     : gdb_listen_loopback(port, &bound);
	if (!err && lfd < 0)
		err = lfd;
	if (err)
		goto out;
	if (launch) {
		/* gdb handles ^C and passes it on as an interrupt packet. */
		signal(SIGINT, SIG_IGN);
		gdb_init_write(sock, init, sizeof(init));
		gdb = start_gdb(sock, init, gdb_args, ngdb_args);
	} else {
		fprintf(stderr,
			"rewind: serving the replay on 127.0.0.1:%d; connect with: gdb -ex 'target "
			"remote 127.0.0.1:%d'\n",
			bound, bound);
	}
	cfd = wait_connection(lfd, gdb, &gdb_status);
	if (init[0])
		unlink(init);
	gdb_unlink_private(sock);
	if (cfd < 0) {
		err = cfd;
		gdb = -1;
		goto out;
	}
	server = gdb_replay_server(g);
	err = gdb_server_serve(server, cfd);
out:
	if (server)
		gdb_server_free(server);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	if (init[0])
		unlink(init);
	gdb_unlink_private(sock);
	if (g)
		gdb_replay_close(g);
	if (gdb > 0) {
		while (waitpid(gdb, &gdb_status, 0) < 0 && errno == EINTR)
			;
		return WIFEXITED(gdb_status) ? WEXITSTATUS(gdb_status) : 1;
	}
	return err < 0 ? 1 : 0;
}

static const char replay_usage[] =
    "usage: rewind replay [-p PID] [-g EVENT] [--force] [TRACE] [-- GDB-ARGS...]\n"
    "           replay under gdb, started for you and connected through a local\n"
    "           socket only you can reach\n"
    "       rewind replay -s PORT [-p PID] [-g EVENT] [--force] [TRACE]\n"
    "           serve the replay to a gdb that connects to 127.0.0.1:PORT\n"
    "       rewind replay -a [--force] [TRACE]\n"
    "           replay to the end without a debugger, verifying every event\n"
    "  -a, --autopilot\n"
    "             replay every process to the end without a debugger, verifying\n"
    "  -s PORT    serve the replay on 127.0.0.1:PORT instead of starting gdb\n"
    "  -p PID     gdb looks at process PID of the trace ('rewind ps' lists them)\n"
    "  -g EVENT   gdb starts at event EVENT ('rewind dump' numbers them)\n"
    "  --force    replay even where the machine check says it may not work\n"
    "  -h, --help this\n"
    "TRACE defaults to the latest recording in $REWIND_DIR.\n";

/* The command line of replay, its values unchecked. */
struct replay_args {
	const char *trace, *port, *event, *pid;
	bool autopilot, force, help;
	int gdb_args; /* argv index of the first argument for gdb */
};

/* Fills *a from argv: 0, or 2 after saying what is wrong. */
static int parse_args(int argc, char **argv, struct replay_args *a)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char **value = !strcmp(argv[i], "-s")   ? &a->port
				     : !strcmp(argv[i], "-g") ? &a->event
				     : !strcmp(argv[i], "-p") ? &a->pid
							      : NULL;

		if (value) {
			if (i + 1 == argc) {
				rw_error("replay: %s wants a value (rewind replay --help)",
					 argv[i]);
				return 2;
			}
			*value = argv[++i];
		} else if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--autopilot"))
			a->autopilot = true;
		else if (!strcmp(argv[i], "--force"))
			a->force = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			a->help = true;
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-') {
			rw_error("replay: unknown option '%s' (rewind replay --help)", argv[i]);
			return 2;
		} else if (!a->trace)
			a->trace = argv[i];
		else {
			rw_error("replay: more than one trace given ('%s', '%s')", a->trace,
				 argv[i]);
			return 2;
		}
	}
	a->gdb_args = i;
	return 0;
}

/* s as a decimal number no larger than max: digits only, no sign, no spaces. */
static bool parse_decimal(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *out <= max;
}

/* -g's value: an event of the trace. 0, or 1 or 2 (the exit status) after saying why not. */
static int check_event(const char *path, const char *arg, uint64_t *event)
{
	uint64_t last;

	if (trace_last_event(path, &last) < 0)
		return 1;
	if (parse_decimal(arg, last, event))
		return 0;
	if (parse_decimal(arg, UINT64_MAX, event))
		rw_error("replay: -g %s is past the last event of %s: its events are 0 to %llu",
			 arg, path, (unsigned long long)last);
	else
		rw_error("replay: -g wants an event number from 0 to %llu, not '%s'",
			 (unsigned long long)last, arg);
	return 2;
}

/* -p's value: a process of the trace, where gdb starts and its program. 0, 1 or 2. */
static int check_pid(const char *path, const char *arg, struct replay_options *o,
		     uint64_t *goto_event, bool have_goto)
{
	uint64_t pid, start;
	char *exe = NULL;
	int ret;

	if (!parse_decimal(arg, INT32_MAX, &pid))
		pid = 0;
	ret = ps_find_process(path, arg, (uint32_t)pid, &start, &exe);
	if (ret < 0)
		return ret == -ESRCH ? 2 : 1;
	if (have_goto && *goto_event < start) {
		rw_error("replay: process %s starts at event %llu, after -g %llu", arg,
			 (unsigned long long)start, (unsigned long long)*goto_event);
		free(exe);
		return 2;
	}
	if (!have_goto)
		*goto_event = start;
	o->pid = (uint32_t)pid;
	o->exe = exe;
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_args a = {0};
	struct replay_options o = {0};
	char path[PATH_MAX];
	uint64_t port = 0, goto_event = 0;
	int ret;

	if ((ret = parse_args(argc, argv, &a)))
		return ret;
	if (a.help) {
		fputs(replay_usage, stdout);
		return 0;
	}
	if (a.port && (!parse_decimal(a.port, 65535, &port) || port == 0)) {
		rw_error("replay: -s wants a port number from 1 to 65535, not '%s'", a.port);
		return 2;
	}
	if (trace_resolve(a.trace, path, sizeof(path)) < 0)
		return 1;
	o.trace_path = path;
	o.force = a.force;
	if (a.event && (ret = check_event(path, a.event, &goto_event)))
		return ret;
	if (a.pid && (ret = check_pid(path, a.pid, &o, &goto_event, a.event != NULL)))
		return ret;
	if (a.autopilot) {
		/* For the progress shown on a terminal: where the replay goes. */
		if (isatty(STDERR_FILENO) && trace_last_event(path, &o.last_event) < 0)
			o.last_event = 0;
		if (a.port || a.event || a.pid)
			rw_warn("replay: -a replays every process to the end without a debugger: "
				"-s, -g and -p apply under gdb only");
		ret = replay_autopilot(&o) < 0 ? 1 : 0;
	} else {
		ret =
		    serve(&o, (int)port, goto_event, argv + a.gdb_args, argc - a.gdb_args, !a.port);
	}
	free((char *)o.exe);
	return ret;
}
