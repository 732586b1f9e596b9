/* rewind: record a program once, replay it as often as wanted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"

static void usage(FILE *f)
{
	fputs("usage: rewind rec [-o TRACE] [--chaos [--seed N]] [--] PROG [ARGS...]\n"
	      "                                   record a run of PROG ('record' works too)\n"
	      "       rewind rec [-o TRACE] -p PID\n"
	      "                                   record process PID, running already, from now on\n"
	      "       rewind replay [-p PID] [-g EVENT] [--force] [TRACE] [-- GDB-ARGS...]\n"
	      "                                   replay under gdb, started for you\n"
	      "       rewind replay -s PORT [-p PID] [-g EVENT] [--force] [TRACE]\n"
	      "                                   serve the replay to a gdb on 127.0.0.1:PORT\n"
	      "       rewind replay -a|--autopilot [--force] [TRACE]\n"
	      "                                   replay to the end, verify, no debugger\n"
	      "       rewind dump [--json] [--disasm] [--regs] [TRACE]\n"
	      "                                   every event, one line each\n"
	      "       rewind info [--json] [TRACE]\n"
	      "                                   the trace header and what the trace holds\n"
	      "       rewind ps [TRACE]           processes in the trace\n"
	      "       rewind COMMAND -h|--help    that command's options\n"
	      "       rewind -h|--help            this\n"
	      "TRACE defaults to the latest recording in $REWIND_DIR. Under gdb: checkpoint,\n"
	      "restart N, info checkpoints, delete checkpoint N, when, and reverse execution.\n"
	      "See the manual page rewind(1).\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *v = getenv("REWIND_VERBOSE");

	rw_verbose = v && *v && strcmp(v, "0");
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "rec") || !strcmp(argv[1], "record"))
		return cmd_rec(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dump"))
		return cmd_dump(argc - 1, argv + 1);
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ps"))
		return cmd_ps(argc - 1, argv + 1);
	rw_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return 2;
}
