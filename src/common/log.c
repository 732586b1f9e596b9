/* One-line diagnostics on stderr; see log.h. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>

int rw_verbose;

__attribute__((format(printf, 2, 0))) static void emit(const char *prefix, const char *fmt,
						       va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "rewind: %s%s\n", prefix, line);
}

void rw_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void rw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning: ", fmt, ap);
	va_end(ap);
}

void rw_debug(const char *fmt, ...)
{
	va_list ap;

	if (!rw_verbose)
		return;
	va_start(ap, fmt);
	emit("debug: ", fmt, ap);
	va_end(ap);
}

void rw_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
	exit(1);
}
