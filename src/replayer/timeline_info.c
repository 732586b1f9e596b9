/*
 * `info checkpoints` of a replay's timeline (timeline.c): each checkpoint,
 * the number the user restarts it by, where it stands, and the memory the
 * checkpoints' processes hold.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "replayer/timeline.h"

/*
 * Memory a process holds that no other one shares (kB), from smaps_rollup;
 * *rss (if not NULL) gets all it has resident.
 */
static unsigned long private_kb(pid_t pid, unsigned long *rss)
{
	char path[64], line[256];
	unsigned long total = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (rss)
		*rss = 0;
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Private_Clean: %lu", &v) == 1 ||
		    sscanf(line, "Private_Dirty: %lu", &v) == 1)
			total += v;
		else if (rss && sscanf(line, "Rss: %lu", &v) == 1)
			*rss = v;
	}
	fclose(f);
	return total;
}

void timeline_describe(const struct timeline *tl, char *out, size_t outlen)
{
	size_t len = 0;
	unsigned long kb = 0, rss = 0;

	out[0] = '\0';
	for (int i = 0; i < tl->n && len < outlen; i++) {
		const struct timeline_entry *e = &tl->e[i];
		char number[16] = "-";
		int w;

		if (e->number >= 0)
			snprintf(number, sizeof(number), "%d", e->number);
		w = snprintf(out + len, outlen - len, "%c%s: event %llu, rip 0x%llx%s%s\n",
			     i == tl->cur && tl->cur_exact ? '*' : ' ', number,
			     (unsigned long long)e->mark.seq,
			     (unsigned long long)e->mark.regs[X86_RIP],
			     e->mark.boundary ? ", between events" : "",
			     e->number > 0 ? "" : e->number == 0 ? " (the start)" : " (automatic)");

		if (w < 0)
			break;
		len += (size_t)w;
		kb += private_kb(e->cp.pid, NULL);
	}
	private_kb(replayer_current_task(tl->r)->t.tid, &rss);
	if (len < outlen)
		snprintf(out + len, outlen - len,
			 "%d checkpoints; memory only they hold: %lu kB; current process: %lu kB "
			 "resident\n",
			 tl->n, kb, rss);
}
