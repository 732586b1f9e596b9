/*
 * The /proc files of the replayed process that gdb reads over vFile, under
 * the recorded pid and tids: its command line, and its mappings
 * (/proc/PID/maps, which `info proc mappings` shows, and
 * /proc/PID/task/TID/maps, where gdb looks for the vDSO's extent at every
 * attach). The mappings are made from the live replay
 * process's own maps, each file that the replay mapped from its store of
 * files named by the path the recording saw, and the stack and vDSO named
 * as the kernel names them (the replay's copies are anonymous memory).
 * The answer is a memory file served like any other vFile handle.
 *
 * Any other /proc path is refused: on this machine the recorded pid is
 * nobody's, or an unrelated process's.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/procmaps.h"
#include "replayer/gdb_target.h"

/* Writes one file's contents for the process of live thread t. */
typedef int proc_writer(struct gdb_replay *g, struct tracee *t, FILE *out);

/* The vDSO's address from the auxv (AT_SYSINFO_EHDR), 0 if none. */
static uint64_t vdso_start(struct gdb_replay *g)
{
	uint64_t auxv[256];
	long n = gdb_replay_auxv(g, (uint8_t *)auxv, sizeof(auxv));

	for (long i = 0; i + 1 < n / 8; i += 2)
		if (auxv[i] == AT_SYSINFO_EHDR)
			return auxv[i + 1];
	return 0;
}

/* One line of /proc/PID/maps as the kernel writes it (show_map_vma). */
static void write_map(FILE *out, const struct procmap *m, unsigned dev_major, unsigned dev_minor,
		      uint64_t inode, const char *name)
{
	int len =
	    fprintf(out, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
		    (unsigned long long)m->start, (unsigned long long)m->end,
		    m->prot & PROT_READ ? 'r' : '-', m->prot & PROT_WRITE ? 'w' : '-',
		    m->prot & PROT_EXEC ? 'x' : '-', m->shared ? 's' : 'p',
		    (unsigned long long)m->offset, dev_major, dev_minor, (unsigned long long)inode);

	if (*name)
		fprintf(out, "%*s%s", len < 73 ? 73 - len : 0, "", name);
	fputc('\n', out);
}

/* The mappings of the process of live thread t, with the recording's names. */
static int write_maps(struct gdb_replay *g, struct tracee *t, FILE *out)
{
	const struct replay_input *in = replayer_input(&g->r);
	struct procmap *maps;
	int n = procmaps_read(t->tid, &maps);
	uint64_t vdso = vdso_start(g), sp = replayer_current_task(&g->r)->exec_sp;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const struct procmap *m = &maps[i];
		const struct replay_file *f = replay_input_recorded_file(in, m->path);

		if (f)
			write_map(out, m, major(f->dev), minor(f->dev), f->ino, f->path);
		else if (!m->inode && m->start == vdso && vdso)
			write_map(out, m, 0, 0, 0, "[vdso]");
		else if (!m->inode && !*m->path && m->start <= sp && sp < m->end)
			write_map(out, m, 0, 0, 0, "[stack]");
		else
			write_map(out, m, m->dev_major, m->dev_minor, m->inode, m->path);
	}
	free(maps);
	return 0;
}

/* The command line: the argv strings the last exec put on the stack, each ending in a NUL. */
static int write_cmdline(struct gdb_replay *g, struct tracee *t, FILE *out)
{
	uint64_t sp = replayer_current_task(&g->r)->exec_sp, argc, arg;
	char s[4096];

	if (tracee_read_mem(t, sp, &argc, 8) < 0 || argc > 100000)
		return -EIO;
	for (uint64_t i = 0; i < argc; i++) {
		int n;

		if (tracee_read_mem(t, sp + 8 * (i + 1), &arg, 8) < 0)
			return -EIO;
		if ((n = tracee_read_string(t, arg, s, sizeof(s))) < 0)
			return n;
		fwrite(s, 1, (size_t)n + 1, out);
	}
	return 0;
}

/*
 * The live thread of the file path names (/proc/PID/cmdline, /proc/PID/maps
 * or /proc/PID/task/TID/maps under the recorded ids) and how to write the
 * file, or NULL.
 */
static struct tracee *proc_file(struct gdb_replay *g, const char *path, proc_writer **writer)
{
	int pid, tid, end = 0;
	char name[16];

	if (sscanf(path, "/proc/%d/task/%d/%15[a-z]%n", &pid, &tid, name, &end) == 3 &&
	    !path[end] && pid == g->pid && !strcmp(name, "maps")) {
		*writer = write_maps;
		return gdb_replay_thread(g, tid);
	}
	end = 0;
	if (sscanf(path, "/proc/%d/%15[a-z]%n", &pid, name, &end) != 2 || path[end] ||
	    pid != g->pid)
		return NULL;
	if (!strcmp(name, "maps"))
		*writer = write_maps;
	else if (!strcmp(name, "cmdline"))
		*writer = write_cmdline;
	else
		return NULL;
	return replayer_debuggee_tracee(&g->r);
}

int gdb_replay_proc_open(struct gdb_replay *g, const char *path)
{
	proc_writer *write_file = NULL;
	struct tracee *t = proc_file(g, path, &write_file);
	char *text = NULL;
	size_t len = 0, done = 0;
	FILE *out;
	int fd, err;

	if (!t || replayer_debuggee_ended(&g->r))
		return -ENOENT;
	out = open_memstream(&text, &len);
	if (!out)
		return -errno;
	err = write_file(g, t, out);
	if (fclose(out) != 0 && !err)
		err = -ENOMEM;
	fd = err ? err : memfd_create("rewind-proc", MFD_CLOEXEC);
	if (fd < 0 && !err)
		err = -errno;
	while (!err && done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0)
			err = -errno;
		else
			done += (size_t)w;
	}
	free(text);
	if (err && fd >= 0)
		close(fd);
	return err ? err : fd;
}
