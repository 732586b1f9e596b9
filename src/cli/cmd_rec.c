/* rewind rec [-o TRACE] [--] PROG [ARGS...] */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"
#include "recorder/record.h"

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
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
			continue;
		}
		rw_error("rec: unknown option '%s'", argv[i]);
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
