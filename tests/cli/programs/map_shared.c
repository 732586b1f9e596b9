/*
 * map_shared FILE [hold READY]: maps FILE (one page, created if need be)
 * MAP_SHARED. With "hold", stores a mark there, creates READY and waits
 * to be killed; without, prints what the page holds and exits.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd = argc > 1 ? open(argv[1], O_RDWR | O_CREAT, 0600) : -1;
	char *p;

	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return 2;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 3;
	if (argc > 3 && !strcmp(argv[2], "hold")) {
		strcpy(p, "held");
		close(open(argv[3], O_WRONLY | O_CREAT, 0600));
		for (;;)
			pause();
	}
	printf("page: %s\n", p);
	return 0;
}
