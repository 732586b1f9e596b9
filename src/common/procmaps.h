/* Parsing /proc/PID/maps into a list of mappings, and masks of /proc/PID/status. */
#ifndef REWIND_COMMON_PROCMAPS_H
#define REWIND_COMMON_PROCMAPS_H

#include <stdint.h>
#include <sys/types.h>

struct procmap {
	uint64_t start, end, offset;
	int prot;   /* PROT_* */
	int shared; /* 's' in the permissions */
	uint64_t inode;
	unsigned dev_major, dev_minor;
	char path[512]; /* "" for anonymous; "[stack]", "[vdso]", ... */
};

/* Returns the number of mappings (array in *out, malloc'd) or a negative errno. */
int procmaps_read(pid_t pid, struct procmap **out);
/*
 * A hex mask line of /proc/PID/status, key with its colon ("SigCgt:",
 * "SigIgn:", ...); 0 if the file or the line is missing.
 */
uint64_t procstatus_mask(pid_t pid, const char *key);
/* The CPU time thread tid has run, in ns (/proc/TID/schedstat); 0 if it cannot be read. */
uint64_t proc_runtime_ns(pid_t tid);

#endif
