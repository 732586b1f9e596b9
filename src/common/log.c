/* One-line diagnostics on stderr; see log.h. */
#include "log.h"
#include "progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

int rw_verbose;
static unsigned long errors_said;

static void (*tee_fn)(void *arg, const char *line);
static void *tee_arg;

void rw_log_tee(void (*fn)(void *arg, const char *line), void *arg)
{
	tee_fn = fn;
	tee_arg = arg;
}

__attribute__((format(printf, 3, 0))) static void emit(const char *prefix, bool tee,
						       const char *fmt, va_list ap)
{
	char line[8192], out[8300];

	vsnprintf(line, sizeof(line), fmt, ap);
	snprintf(out, sizeof(out), "rewind: %s%s\n", prefix, line);
	rw_progress_interrupt();
	if (tee && tee_fn)
		tee_fn(tee_arg, out); /* the console it goes to is on the same terminal */
	else
		fputs(out, stderr);
}

unsigned long rw_errors_said(void)
{
	return errors_said;
}

void rw_error(const char *fmt, ...)
{
	va_list ap;

	errors_said++;
	va_start(ap, fmt);
	emit("", true, fmt, ap);
	va_end(ap);
}

void rw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning: ", true, fmt, ap);
	va_end(ap);
}

void rw_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", false, fmt, ap);
	va_end(ap);
}

void rw_debug(const char *fmt, ...)
{
	va_list ap;

	if (!rw_verbose)
		return;
	va_start(ap, fmt);
	emit("debug: ", false, fmt, ap);
	va_end(ap);
}

void rw_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", true, fmt, ap);
	va_end(ap);
	exit(1);
}
