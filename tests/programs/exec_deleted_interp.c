/*
 * exec_deleted_interp: a program started from a file with no path (a
 * memfd) whose ELF interpreter has no path either: a copy of the loader
 * in another memfd, named to the kernel as /proc/self/fd/9. Both show in
 * /proc/PID/maps as "/memfd:... (deleted)". The recorder must store the
 * program (through /proc/PID/exe if nothing else) and the loader (its
 * pages, when /proc/PID/map_files is closed to it), and replay must run
 * the loader from what was stored.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define INTERP_FD   9
#define INTERP_PATH "/proc/self/fd/9"

#ifndef MFD_EXEC
#define MFD_EXEC 0x10u
#endif

extern char **environ;

/* A memfd that may be executed (MFD_EXEC where the kernel knows it). */
static int exec_memfd(const char *name, unsigned flags)
{
	int fd = memfd_create(name, flags | MFD_EXEC);

	return fd >= 0 ? fd : memfd_create(name, flags);
}

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	buf = malloc((size_t)st.st_size);
	CHECK(buf != NULL);
	CHECK(read(fd, buf, (size_t)st.st_size) == st.st_size);
	CHECK(close(fd) == 0);
	*len = (size_t)st.st_size;
	return buf;
}

/* The PT_INTERP string of the ELF image in buf. */
static char *interp_of(char *buf, size_t len)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + eh->e_phoff);

	CHECK(len > sizeof(*eh) && eh->e_phoff + eh->e_phnum * sizeof(*ph) <= len);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP && ph[i].p_offset + ph[i].p_filesz <= len &&
		    ph[i].p_filesz > sizeof(INTERP_PATH))
			return buf + ph[i].p_offset;
	CHECK(!"a PT_INTERP long enough");
	return NULL;
}

/* The path /proc/self/maps gives for the mapping that holds addr. */
static const char *mapped_from(unsigned long addr)
{
	static char line[512];
	char *path = NULL;
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long lo, hi;

	CHECK(f != NULL);
	while (!path && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= addr && addr < hi)
			path = strchr(line, '/');
	fclose(f);
	CHECK(path != NULL);
	path[strcspn(path, "\n")] = '\0';
	return path;
}

/* Runs from the memfds: prints where it and its loader come from, and uses libc. */
static int run_child(void)
{
	char *words = strdup("loaded by a loader with no path");

	printf("program from %s\n", mapped_from((unsigned long)run_child));
	printf("loader from %s\n", mapped_from(getauxval(AT_BASE)));
	CHECK(words != NULL);
	printf("%s: %zu bytes\n", words, strlen(words));
	free(words);
	printf("EXIT-SUCCESS\n");
	return 0;
}

int main(int argc, char **argv)
{
	size_t len, interp_len;
	char *image, *interp, *loader;
	int prog_fd, interp_fd;

	if (argc > 1 && !strcmp(argv[1], "child"))
		return run_child();
	image = read_file("/proc/self/exe", &len);
	interp = interp_of(image, len);
	loader = read_file(interp, &interp_len);

	interp_fd = exec_memfd("rewind-loader", 0);
	CHECK(interp_fd >= 0);
	CHECK(write(interp_fd, loader, interp_len) == (ssize_t)interp_len);
	CHECK(dup2(interp_fd, INTERP_FD) == INTERP_FD);
	CHECK(close(interp_fd) == 0);

	/* The loader's path in the program's copy: padded with zeros to its old length. */
	memset(interp, 0, strlen(interp));
	memcpy(interp, INTERP_PATH, sizeof(INTERP_PATH));
	prog_fd = exec_memfd("rewind-program", MFD_CLOEXEC);
	CHECK(prog_fd >= 0);
	CHECK(write(prog_fd, image, len) == (ssize_t)len);
	fflush(stdout);
	fexecve(prog_fd, (char *[]){argv[0], "child", NULL}, environ);
	CHECK(!"fexecve");
	return 1;
}
