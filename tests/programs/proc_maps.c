/*
 * proc_maps: reads /proc/self/maps and checks that it shows the stack, the program's
 * own text, and an anonymous mapping just made (at its address, with its protection).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv)
{
	static char maps[1 << 20];
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = 0;

	char *m = mmap(NULL, 3 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	CHECK(mprotect(m + page, page, PROT_READ | PROT_WRITE) == 0);

	int fd = open("/proc/self/maps", O_RDONLY);
	CHECK(fd >= 0);
	for (;;) {
		ssize_t n =
		    read(fd, maps + len, 1000); /* small reads: maps is generated per read */
		CHECK(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
		CHECK(len + 1000 < sizeof(maps));
	}
	CHECK(close(fd) == 0);
	maps[len] = 0;
	fputs(maps, stdout);

	int lines = 0, stack = 0, vdso = 0, found_rw = 0, found_r = 0, own_text = 0;
	uintptr_t main_addr = (uintptr_t)&main;
	for (char *line = strtok(maps, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long start, end;
		char perms[8];
		CHECK(sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3);
		lines++;
		stack |= strstr(line, "[stack]") != NULL;
		vdso |= strstr(line, "[vdso]") != NULL;
		if (start == (uintptr_t)m + page && end == start + page)
			found_rw = strcmp(perms, "rw-p") == 0;
		if (start == (uintptr_t)m && end == start + page)
			found_r = strcmp(perms, "r--p") == 0;
		if (main_addr >= start && main_addr < end)
			own_text = perms[2] == 'x';
	}
	printf("%d mappings; stack %d vdso %d; new mapping split r--p %d rw-p %d; main in "
	       "executable mapping %d\n",
	       lines, stack, vdso, found_r, found_rw, own_text);
	CHECK(stack && found_rw && found_r && own_text);
	(void)argc;
	(void)argv;
	CHECK(munmap(m, 3 * page) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
