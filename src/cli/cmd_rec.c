/* rewind rec [-o TRACE] [--] PROG [ARGS...] */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"
#include "recorder/record.h"

static const char rec_usage[] =
    "usage: rewind rec [-o TRACE] [--] PROG [ARGS...]\n"
    "  records a run of PROG; its stdio passes through and rec exits with its status\n"
    "  -o TRACE   write the trace to TRACE (a new file, mode 0600, replacing what is\n"
    "             there) instead of $REWIND_DIR/PROG-N\n";

int cmd_rec(int argc, char **argv)
{
	struct record_options o = {0};
	char path[PATH_MAX];
	const char *out = NULL;
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
		rw_error("rec: unknown option '%s' (rewind rec --help)", argv[i]);
		return 2;
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
