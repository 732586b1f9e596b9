/* rewind ps [TRACE]: the processes recorded in a trace. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cli/cli.h"
#include "cli/trace_walk.h"
#include "common/log.h"

int cmd_ps(int argc, char **argv)
{
	struct trace_walk w;
	char path[PATH_MAX];
	int ret, pid = -1, status = -1;
	const char *arg = argc > 1 ? argv[1] : NULL;

	if (trace_walk_open_named(&w, arg, path, sizeof(path)) < 0)
		return 1;
	while ((ret = trace_walk_next(&w)) > 0) {
		if (pid < 0)
			pid = (int)w.ev.tid;
		if (w.ev.kind == EV_EXIT && (int)w.ev.tid == pid)
			status = w.ev.exit_status;
	}
	if (ret == 0) {
		printf("PID\tPPID\tEXIT\tCMD\n%d\t-\t", pid);
		if (status < 0)
			printf("?");
		else if (WIFEXITED(status))
			printf("%d", WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			printf("sig%d", WTERMSIG(status));
		putchar('\t');
		for (uint32_t i = 0; i < w.header.argc; i++)
			printf("%s%s", i ? " " : "", w.header.argv[i]);
		putchar('\n');
	}
	trace_walk_close(&w);
	return ret < 0 ? 1 : 0;
}
