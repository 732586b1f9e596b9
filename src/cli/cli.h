/* Subcommands of the rewind command line. */
#ifndef REWIND_CLI_CLI_H
#define REWIND_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

int cmd_rec(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_ps(int argc, char **argv);
/*
 * The process pid of a trace: the event its debugging starts at (the one
 * after its first exec, or after the clone that made it; 0 for the first
 * process) and its program (malloc'd, or NULL). A pid the trace lacks
 * (pid 0 for a -p value that is no pid at all) is refused with a message
 * naming pid_arg, as -p gave it, and listing the trace's processes.
 * 0 or negative errno, said.
 */
int ps_find_process(const char *path, const char *pid_arg, uint32_t pid, uint64_t *start,
		    char **exe);

/* The directory traces live in ($REWIND_DIR, else $XDG_DATA_HOME/rewind, else
 * ~/.local/share/rewind). */
int trace_dir(char *out, size_t outlen);
/*
 * A new trace path for a program: DIR/NAME-N, the first N not taken. Creates
 * DIR and its missing parents (0700); a directory that exists keeps its mode.
 */
int trace_new_path(const char *prog, char *out, size_t outlen);
/* Points DIR/latest-trace at path. */
void trace_set_latest(const char *path);
/* The trace named on the command line, or the latest one. Prints why when there is none. */
int trace_resolve(const char *arg, char *out, size_t outlen);
/*
 * An argument of a command that takes at most one TRACE and no option
 * other than its own: -h/--help prints usage, another option or a second
 * trace is refused with a message. Returns 1 when it was the trace (stored
 * in *trace), or the command's exit status: 0 after the help, 2 on error.
 */
int cli_trace_operand(const char *cmd, const char *usage, const char *a, const char **trace);

/*
 * Writes the init file of the gdb that replay starts (gdb_init.c) beside
 * the socket sock, in its private directory; its path goes to path
 * (emptied on failure). 0 or negative errno, said.
 */
int gdb_init_write(const char *sock, char *path, size_t size);

#endif
