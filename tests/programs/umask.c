/*
 * umask: the file mode creation mask applies to open, mkdir and mknod; umask returns
 * the previous mask.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static unsigned mode_of(const char *path)
{
	struct stat st;

	CHECK(stat(path, &st) == 0);
	return st.st_mode & 07777;
}

int main(void)
{
	char dir[] = "umask-XXXXXX";

	mode_t initial = umask(022);
	printf("initial umask %03o\n", initial);
	CHECK(umask(022) == 022);
	CHECK(mkdtemp(dir) != NULL);
	CHECK(chdir(dir) == 0);

	int fd = open("f022", O_CREAT | O_WRONLY, 0777);
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(mkdir("d022", 0777) == 0);
	printf("umask 022: file %03o dir %03o\n", mode_of("f022"), mode_of("d022"));
	CHECK(mode_of("f022") == 0755 && mode_of("d022") == 0755);

	CHECK(umask(077) == 022);
	fd = open("f077", O_CREAT | O_WRONLY, 0666);
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(mkdir("d077", 0777) == 0);
	CHECK(mknod("fifo077", S_IFIFO | 0666, 0) == 0);
	printf("umask 077: file %03o dir %03o fifo %03o\n", mode_of("f077"), mode_of("d077"),
	       mode_of("fifo077"));
	CHECK(mode_of("f077") == 0600 && mode_of("d077") == 0700 && mode_of("fifo077") == 0600);

	/* Only the permission bits are kept; chmod ignores the mask. */
	CHECK(umask(0777 | 07000) == 077);
	CHECK(umask(0) == 0777);
	fd = open("f000", O_CREAT | O_WRONLY, 0640);
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(mode_of("f000") == 0640);
	CHECK(umask(0777) == 0);
	CHECK(chmod("f000", 0664) == 0 && mode_of("f000") == 0664);
	printf("umask 777: chmod still sets %03o\n", mode_of("f000"));
	umask(initial);

	const char *files[] = {"f022", "f077", "fifo077", "f000"};
	for (int i = 0; i < 4; i++)
		CHECK(unlink(files[i]) == 0);
	CHECK(rmdir("d022") == 0 && rmdir("d077") == 0);
	CHECK(chdir("..") == 0 && rmdir(dir) == 0);
	CHECK_ERR(access(dir, F_OK), ENOENT);
	printf("EXIT-SUCCESS\n");
	return 0;
}
