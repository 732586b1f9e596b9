/* rewind rec [-o TRACE] [--chaos [--seed N]] [--] PROG [ARGS...] */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"
#include "recorder/record.h"

static const char rec_usage[] =
    "usage: rewind rec [-v] [-o TRACE] [--chaos [--seed N]] [--] PROG [ARGS...]\n"
    "       rewind rec [-v] [-o TRACE] -p PID [-p PID]...\n"
    "  records a run of PROG; its stdio passes through and rec exits with its status\n"
    "  -o TRACE   write the trace to TRACE (a new file, mode 0600, replacing what is\n"
    "             there) instead of $REWIND_DIR/PROG-N\n"
    "  -p PID     record process PID, which is running already, from now on: every\n"
    "             thread, and the processes it starts from now on (children it\n"
    "             started before are not recorded unless named by -p too). Ends\n"
    "             when the processes do, or on SIGINT/SIGTERM to rewind: then they\n"
    "             are let go and run on unrecorded. -p may be given again for\n"
    "             other processes (up to 64), all recorded in one trace\n"
    "  --chaos    chaos mode: threads and processes are preempted after random, mostly\n"
    "             very short, slices and the next one to run is picked at random, so\n"
    "             races show up in the recording; it replays like any other\n"
    "  --seed N   the chaos schedule's random seed (a number; default: a random\n"
    "             one), kept in the trace (rewind info shows it)\n"
    "  -v         say what the recorder does (as REWIND_VERBOSE=1): whether the\n"
    "             syscall buffer is used (REWIND_NO_SYSCALL_BUFFER=1 turns it off)\n";

/* Processes one rec -p takes over at most. */
#define REC_MAX_PIDS 64

/* What the options say, besides the record_options they fill. */
struct rec_args {
	const char *out;
	pid_t pids[REC_MAX_PIDS];
	size_t npids;
	bool seed_given;
};

/* A number for option opt from text into *v; 0, or -1 after saying what is wrong. */
static int parse_u64(const char *opt, const char *text, uint64_t *v)
{
	char *end = NULL;

	errno = 0;
	*v = text && *text != '-' ? strtoull(text, &end, 0) : 0;
	if (!end || *end || end == text || errno) {
		rw_error("rec: %s wants a number, not '%s' (rewind rec --help)", opt,
			 text ? text : "");
		return -1;
	}
	return 0;
}

/*
 * The option at argv[*i] (which starts with '-'): fills o and a, moves *i
 * past its value. Returns 0, 1 for --help (printed), or 2 after an error.
 */
static int parse_option(int argc, char **argv, int *i, struct record_options *o,
			struct rec_args *a)
{
	const char *opt = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
		fputs(rec_usage, stdout);
		return 1;
	}
	if (!strcmp(opt, "--chaos")) {
		o->chaos = true;
		return 0;
	}
	if (!strcmp(opt, "-v")) {
		rw_verbose = 1;
		return 0;
	}
	if (!strcmp(opt, "--seed")) {
		(*i)++;
		a->seed_given = true;
		return parse_u64(opt, val, &o->chaos_seed) < 0 ? 2 : 0;
	}
	if (!strcmp(opt, "-o")) {
		if (!val || !*val) {
			rw_error("rec: -o wants a trace file name (rewind rec --help)");
			return 2;
		}
		a->out = val;
		(*i)++;
		return 0;
	}
	if (!strcmp(opt, "-p")) {
		char *end = NULL;
		long pid = val ? strtol(val, &end, 10) : 0;

		if (!end || *end || end == val || pid <= 0 || pid > INT_MAX) {
			rw_error("rec: -p wants a process id (rewind rec --help)");
			return 2;
		}
		if (a->npids == REC_MAX_PIDS) {
			rw_error("rec: -p may be given at most %d times", REC_MAX_PIDS);
			return 2;
		}
		for (size_t k = 0; k < a->npids; k++)
			if (a->pids[k] == (pid_t)pid) {
				rw_error("rec: process %ld is named twice", pid);
				return 2;
			}
		a->pids[a->npids++] = (pid_t)pid;
		(*i)++;
		return 0;
	}
	rw_error("rec: unknown option '%s' (rewind rec --help)", opt);
	return 2;
}

int cmd_rec(int argc, char **argv)
{
	struct record_options o = {0};
	struct rec_args a = {0};
	char path[PATH_MAX];
	const char *out;
	pid_t *pids;
	char **pargv = NULL;
	size_t npids;
	int i = 1, exit_code = 0, err;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if ((err = parse_option(argc, argv, &i, &o, &a)) != 0)
			return err == 1 ? 0 : err;
	}
	if (a.seed_given && !o.chaos) {
		rw_error("rec: --seed is the chaos schedule's seed: give --chaos too");
		return 2;
	}
	if (o.chaos && !a.seed_given && getrandom(&o.chaos_seed, sizeof(o.chaos_seed), 0) < 0)
		o.chaos_seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	out = a.out;
	npids = a.npids;
	pids = a.pids;
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
			rw_error("recording failed (%s); the trace so far is in %s", strerror(-err),
				 path);
		return 1;
	}
	if (!out)
		trace_set_latest(path);
	rw_debug("trace written to %s", path);
	return exit_code;
}
