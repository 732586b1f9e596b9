/*
 * Error and diagnostic output. Every message is one line on stderr that
 * starts with "rewind: " and names what failed (file, event, pid, syscall).
 * Functions elsewhere return 0 or a negative errno-style code; they print
 * the message where the failure is first understood, once.
 */
#ifndef REWIND_COMMON_LOG_H
#define REWIND_COMMON_LOG_H

#include <stdarg.h>

extern int rw_verbose;

void rw_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rw_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A diagnostic the user asked for (an environment variable, say): always printed. */
void rw_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Hands every error and warning line (with its "rewind: " prefix and
 * newline) to fn instead of stderr, e.g. for a debugger's console; fn NULL
 * goes back to stderr.
 */
void rw_log_tee(void (*fn)(void *arg, const char *line), void *arg);
/*
 * How many errors were said so far: a caller whose callee failed says what
 * failed itself when the callee said nothing.
 */
unsigned long rw_errors_said(void);
/* Prints the message and exits with status 1: only for command-line level failures. */
void rw_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
