/* Public entry of the recorder: run a program under ptrace and write its trace. */
#ifndef REWIND_RECORDER_RECORD_H
#define REWIND_RECORDER_RECORD_H

#include <stdbool.h>

struct record_options {
	const char *trace_path; /* where to write */
	char **argv;		/* program and its arguments */
};

/*
 * Records argv[0] with its arguments. Returns 0 and sets *exit_code to what
 * rec should exit with (the program's status, or 128+signal), or a negative
 * errno after printing why recording failed.
 */
int record_run(const struct record_options *o, int *exit_code);

#endif
