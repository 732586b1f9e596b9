/* rewind replay [-a] [--force] [TRACE] */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "replayer/replay.h"

int cmd_replay(int argc, char **argv)
{
	struct replay_options o = {0};
	const char *arg = NULL;
	char path[PATH_MAX];
	bool autopilot = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--autopilot"))
			autopilot = true;
		else if (!strcmp(argv[i], "--force"))
			o.force = true;
		else if (!strcmp(argv[i], "--"))
			break;
		else if (argv[i][0] == '-') {
			rw_error("replay: unknown option '%s'", argv[i]);
			return 2;
		} else if (!arg)
			arg = argv[i];
		else {
			rw_error("replay: more than one trace given ('%s', '%s')", arg, argv[i]);
			return 2;
		}
	}
	if (!autopilot) {
		rw_error("replay: debugging under gdb is not available in this build yet; use "
			 "'rewind replay -a' to replay and verify");
		return 2;
	}
	if (trace_resolve(arg, path, sizeof(path)) < 0)
		return 1;
	o.trace_path = path;
	return replay_autopilot(&o) < 0 ? 1 : 0;
}
