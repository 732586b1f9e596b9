/* rewind rec [-o TRACE] [--] PROG [ARGS...] */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"
#include "recorder/record.h"

static const char rec_usage[] =
    "usage: rewind rec [-o TRACE] [--] PROG [ARGS...]\n"
    "       rewind rec [-o TRACE] -p PID [-p PID...]\n"
    "  records a run of PROG; its stdio passes through and rec exits with its status\n"
    "  -o TRACE   write the trace to TRACE (a new file, mode 0600, replacing what is\n"
    "             there) instead of $REWIND_DIR/PROG-N\n"
    "  -p PID     record process PID, which is running already, from now on: every\n"
    "             thread, and the processes it starts from now on (children it\n"
    "             started before are not recorded unless named by -p too). Ends\n"
    "             when the processes do, or on SIGINT/SIGTERM to rewind: then they\n"
    "             are let go and run on unrecorded. May be given more than once\n";

#define REC_MAX_PIDS 64

int cmd_rec(int argc, char **argv)
{
	struct record_options o = {0};
	char path[PATH_MAX];
	const char *out = NULL;
	pid_t pids[REC_MAX_PIDS];
	char **pargv = NULL;
	size_t npids = 0;
	int i = 1, exit_code = 0, err;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(rec_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-o")) {
			if (i + 1 == argc || !*argv[i + 1]) {
				rw_error("rec: -o wants a trace file name (rewind rec --help)");
				return 2;
			}
			out = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "-p")) {
			char *end = NULL;
			long pid = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;

			if (!end || *end || end == argv[i + 1] || pid <= 0 || pid > INT_MAX) {
				rw_error("rec: -p wants a process id (rewind rec --help)");
				return 2;
			}
			if (npids == REC_MAX_PIDS) {
				rw_error("rec: at most %d processes with -p", REC_MAX_PIDS);
				return 2;
			}
			pids[npids++] = (pid_t)pid;
			i++;
			continue;
		}
		rw_error("rec: unknown option '%s' (rewind rec --help)", argv[i]);
		return 2;
	}
	if (npids && i < argc) {
		rw_error("rec: -p records running processes; no program is given with it");
		return 2;
	}
	if (npids) {
		for (size_t k = 0; k < npids; k++)
			if (record_attach_check(pids[k]) < 0)
				return 1;
		if (!(pargv = record_process_argv(pids[0])) || !pargv[0]) {
			free(pargv);
			rw_error("rec: cannot read the command line of process %d", pids[0]);
			return 1;
		}
		argv = pargv;
		argc = 1;
		i = 0;
		o.pids = pids;
		o.npids = npids;
	}
	if (i >= argc) {
		rw_error(
		    "rec: no program given (usage: rewind rec [-o TRACE] [--] PROG [ARGS...])");
		return 2;
	}
	if (out)
		snprintf(path, sizeof(path), "%s", out);
	else if (trace_new_path(argv[i], path, sizeof(path)) < 0)
		return 1;
	o.trace_path = path;
	o.argv = argv + i;
	err = record_run(&o, &exit_code);
	free(pargv);
	if (err == -ENOEXEC)
		return exit_code;
	if (err < 0) {
		if (access(path, F_OK) == 0)
			rw_error("recording failed; the trace so far is in %s", path);
		return 1;
	}
	if (!out)
		trace_set_latest(path);
	rw_debug("trace written to %s", path);
	return exit_code;
}
