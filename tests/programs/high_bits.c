/*
 * high_bits: system calls whose int arguments (descriptors, whence, flags, modes)
 * carry garbage in the upper 32 bits of the register; the kernel ignores those bits,
 * so these calls behave as if the bits were clear.
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

#define GARBAGE 0xdeadbeef00000000UL

int main(void)
{
	char path[] = "high-XXXXXX";
	char buf[16];
	struct stat st;

	int fd = mkstemp(path);
	CHECK(fd >= 0);
	unsigned long gfd = GARBAGE | (unsigned)fd;

	CHECK(syscall(SYS_write, gfd, "0123456789", 10) == 10);
	CHECK(syscall(SYS_lseek, gfd, 2, GARBAGE | SEEK_SET) == 2);
	memset(buf, 0, sizeof(buf));
	CHECK(syscall(SYS_read, gfd, buf, 4) == 4);
	printf("read through fd with high bits: '%s'\n", buf);
	CHECK(strcmp(buf, "2345") == 0);
	CHECK(syscall(SYS_pread64, gfd, buf, 3, 7) == 3 && memcmp(buf, "789", 3) == 0);
	CHECK(syscall(SYS_fstat, gfd, &st) == 0 && st.st_size == 10);
	CHECK(syscall(SYS_fchmod, gfd, GARBAGE | 0640) == 0);
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640);
	printf("fchmod with high bits in mode: %o\n", st.st_mode & 0777);
	CHECK(syscall(SYS_fcntl, gfd, GARBAGE | F_GETFD) == 0);

	long d = syscall(SYS_dup3, gfd, GARBAGE | 40, GARBAGE | O_CLOEXEC);
	printf("dup3 with high bits: %ld\n", d);
	CHECK(d == 40 && fcntl(40, F_GETFD) == FD_CLOEXEC);
	long o = syscall(SYS_openat, (unsigned long)(GARBAGE | (unsigned)AT_FDCWD), path,
			 GARBAGE | O_RDONLY);
	CHECK(o >= 0);
	CHECK(read((int)o, buf, 2) == 2 && memcmp(buf, "01", 2) == 0);
	printf("openat with high bits in dirfd and flags: ok\n");
	CHECK(syscall(SYS_close, GARBAGE | (unsigned long)o) == 0);
	CHECK(syscall(SYS_close, GARBAGE | 40) == 0);
	CHECK_ERR(fcntl(40, F_GETFD), EBADF);
	CHECK(syscall(SYS_ftruncate, gfd, 4) == 0 && fstat(fd, &st) == 0 && st.st_size == 4);

	/* The same calls with the low half invalid still fail the usual way. */
	CHECK_ERR(syscall(SYS_read, GARBAGE | 999, buf, 4), EBADF);
	CHECK_ERR(syscall(SYS_lseek, gfd, 0, GARBAGE | 77), EINVAL);
	CHECK(syscall(SYS_close, gfd) == 0);
	CHECK_ERR(close(fd), EBADF);
	CHECK(unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
