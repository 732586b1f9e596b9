/* Public entry of the recorder: run a program under ptrace and write its trace. */
#ifndef REWIND_RECORDER_RECORD_H
#define REWIND_RECORDER_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct record_options {
	const char *trace_path; /* where to write */
	char **argv;		/* program and its arguments */
	/* rec -p: the running processes to record instead (argv: the first one's command line). */
	const pid_t *pids;
	size_t npids;
	/* rec --chaos: random slices and a random next task, from chaos_seed. */
	bool chaos;
	uint64_t chaos_seed;
};

/*
 * Records argv[0] with its arguments. Returns 0 and sets *exit_code to what
 * rec should exit with (the program's status, or 128+signal), or a negative
 * errno after printing why recording failed.
 */
int record_run(const struct record_options *o, int *exit_code);
/* The command line of process pid, as an argv (free with free()), or NULL. */
char **record_process_argv(pid_t pid);
/* 0 when pid names a process rec -p may take; else says why not and returns a negative errno. */
int record_attach_check(pid_t pid);

#endif
