/* /proc/PID/maps and /proc/PID/status parsers; see procmaps.h. */
#define _GNU_SOURCE
#include "procmaps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/xalloc.h"

int procmaps_read(pid_t pid, struct procmap **out)
{
	char path[64], line[1024];
	struct procmap *v = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct procmap m;
		char perms[8];
		unsigned long long start, end, off, ino;
		int name_at = 0;

		memset(&m, 0, sizeof(m));
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off,
			   &m.dev_major, &m.dev_minor, &ino, &name_at) < 7)
			continue;
		m.start = start;
		m.end = end;
		m.offset = off;
		m.inode = ino;
		m.prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
			 (perms[2] == 'x' ? PROT_EXEC : 0);
		m.shared = perms[3] == 's';
		if (name_at > 0) {
			char *name = line + name_at;

			name[strcspn(name, "\n")] = '\0';
			snprintf(m.path, sizeof(m.path), "%s", name);
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = m;
	}
	fclose(f);
	*out = v;
	return (int)n;
}

uint64_t proc_runtime_ns(pid_t tid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

uint64_t procstatus_mask(pid_t pid, const char *key)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	size_t klen = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && sscanf(line + klen, "%llx", &mask) == 1)
			break;
	fclose(f);
	return mask;
}
