/* Writes a few lines with syscalls in between: the subject of the trace-tampering tests. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[64];
	int fd = open("/etc/hostname", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;

	buf[n > 0 ? n : 0] = '\0';
	for (int i = 0; i < 5; i++)
		printf("line %d of %s\n", i, argc > 1 ? argv[1] : "writer");
	printf("hostname has %zu bytes\n", strlen(buf));
	printf("EXIT-SUCCESS\n");
	return 0;
}
