/*
 * memfd_mmap: memfd_create, sizing and writing it, a shared mapping that sees file
 * writes and whose writes the file sees, sealing, and the /proc name of a memfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char buf[64], link[64], name[256];
	struct stat st;

	int fd = memfd_create("rewind-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(fd >= 0);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, name, sizeof(name) - 1);
	CHECK(n > 0);
	name[n] = 0;
	printf("memfd %d is '%s'\n", fd, name);
	CHECK(strcmp(name, "/memfd:rewind-test (deleted)") == 0);

	CHECK(ftruncate(fd, (off_t)(2 * page)) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)(2 * page));
	CHECK(pwrite(fd, "written with pwrite", 19, 100) == 19);

	char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	printf("mapping sees: '%.19s'\n", m + 100);
	CHECK(memcmp(m + 100, "written with pwrite", 19) == 0 && m[0] == 0);
	memcpy(m + page + 7, "stored in the mapping", 21);
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, 21, (off_t)page + 7) == 21);
	printf("pread sees: '%s'\n", buf);
	CHECK(strcmp(buf, "stored in the mapping") == 0);

	/* A second, read-only mapping of the same memory agrees. */
	const char *ro = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, (off_t)page);
	CHECK(ro != MAP_FAILED && memcmp(ro + 7, "stored", 6) == 0);
	m[page + 7] = 'S';
	CHECK(ro[7] == 'S');
	printf("second mapping agrees\n");

	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	int seals = fcntl(fd, F_GET_SEALS);
	printf("seals: %#x\n", seals);
	CHECK(seals == (F_SEAL_SHRINK | F_SEAL_GROW));
	CHECK_ERR(ftruncate(fd, (off_t)page), EPERM);
	CHECK_ERR(pwrite(fd, "x", 1, (off_t)(2 * page)), EPERM);
	CHECK(pwrite(fd, "y", 1, 0) == 1 && m[0] == 'y');
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) == 0);
	CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);

	int plain = memfd_create("no-sealing", 0);
	CHECK(plain >= 0);
	CHECK(fcntl(plain, F_GET_SEALS) == F_SEAL_SEAL);
	CHECK_ERR(fcntl(plain, F_ADD_SEALS, F_SEAL_SHRINK), EPERM);
	CHECK(close(plain) == 0);
	CHECK_ERR(memfd_create("bad-flags", 0x1000), EINVAL);
	CHECK_ERR(syscall(SYS_memfd_create, (void *)1, 0), EFAULT);
	memset(name, 'n', 255);
	name[255] = 0;
	CHECK_ERR(memfd_create(name, 0), EINVAL);

	CHECK(munmap((void *)ro, page) == 0 && munmap(m, 2 * page) == 0);
	CHECK(close(fd) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
