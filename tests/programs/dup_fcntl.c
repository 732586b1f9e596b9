/*
 * dup_fcntl: dup, dup2, dup3 and fcntl (F_DUPFD_CLOEXEC, F_GETFL/F_SETFL, F_GETFD/F_SETFD,
 * F_GETLK/F_SETLK/F_OFD_GETLK); duplicates share the file offset.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	char path[] = "dup-XXXXXX";
	char buf[16];
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10);
	int d = dup(fd);
	CHECK(d >= 0 && d != fd);
	CHECK(lseek(fd, 3, SEEK_SET) == 3 && lseek(d, 0, SEEK_CUR) == 3);
	CHECK(read(d, buf, 2) == 2 && lseek(fd, 0, SEEK_CUR) == 5);
	printf("dup %d -> %d shares the offset\n", fd, d);

	CHECK(dup2(fd, 20) == 20);
	CHECK(dup2(20, 20) == 20);
	CHECK(fcntl(20, F_GETFD) == 0);
	CHECK(dup3(fd, 21, O_CLOEXEC) == 21 && fcntl(21, F_GETFD) == FD_CLOEXEC);
	CHECK_ERR(dup3(21, 21, 0), EINVAL);
	CHECK_ERR(dup3(fd, 22, 0x4), EINVAL);
	CHECK_ERR(dup2(999, 23), EBADF);
	CHECK_ERR(dup(-1), EBADF);
	CHECK(fcntl(23, F_GETFD) == -1 && errno == EBADF);
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	printf("F_DUPFD_CLOEXEC from 100: %d, flags %d\n", high, fcntl(high, F_GETFD));
	CHECK(high == 100 && fcntl(high, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(fd, F_DUPFD, 100) == 101);
	CHECK_ERR(fcntl(fd, F_DUPFD, -1), EINVAL);

	int fl = fcntl(fd, F_GETFL);
	printf("F_GETFL: accmode %d append %d nonblock %d\n", fl & O_ACCMODE, !!(fl & O_APPEND),
	       !!(fl & O_NONBLOCK));
	CHECK((fl & O_ACCMODE) == O_RDWR && !(fl & O_APPEND));
	CHECK(fcntl(fd, F_SETFL, fl | O_APPEND | O_NONBLOCK) == 0);
	int fl2 = fcntl(d, F_GETFL); /* status flags belong to the open file, shared */
	CHECK((fl2 & O_APPEND) && (fl2 & O_NONBLOCK));
	CHECK(fcntl(fd, F_SETFL, fl) == 0);
	printf("F_SETFL visible through the duplicate\n");
	CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC && fcntl(d, F_GETFD) == 0);
	printf("F_SETFD only on one descriptor\n");

	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
	CHECK(fcntl(fd, F_GETLK, &lk) == 0);
	printf("F_GETLK on unlocked file: type %s\n", lk.l_type == F_UNLCK ? "F_UNLCK" : "?");
	CHECK(lk.l_type == F_UNLCK);
	lk = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
	CHECK(fcntl(fd, F_SETLK, &lk) == 0);
	/* Our own process lock never conflicts with us... */
	lk.l_type = F_WRLCK;
	CHECK(fcntl(d, F_GETLK, &lk) == 0 && lk.l_type == F_UNLCK);
	/* ...but an open file description lock on another open of the file does. */
	int other = open(path, O_RDWR);
	CHECK(other >= 0);
	struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 1};
	CHECK(fcntl(other, F_OFD_GETLK, &ofd) == 0);
	printf("F_OFD_GETLK sees type %s start %lld len %lld pid %d\n",
	       ofd.l_type == F_WRLCK ? "F_WRLCK" : "other", (long long)ofd.l_start,
	       (long long)ofd.l_len, ofd.l_pid);
	CHECK(ofd.l_type == F_WRLCK && ofd.l_start == 0 && ofd.l_len == 5 && ofd.l_pid == getpid());
	lk.l_type = F_UNLCK;
	CHECK(fcntl(fd, F_SETLK, &lk) == 0);
	ofd = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 1};
	CHECK(fcntl(other, F_OFD_GETLK, &ofd) == 0 && ofd.l_type == F_UNLCK);
	CHECK_ERR(syscall(SYS_fcntl, fd, F_GETLK, (void *)1), EFAULT);
	lk.l_type = 99;
	CHECK_ERR(fcntl(fd, F_SETLK, &lk), EINVAL);
	CHECK_ERR(fcntl(fd, 9999), EINVAL);
	CHECK_ERR(fcntl(999, F_GETFL), EBADF);

	int closing[] = {other, 101, 100, 21, 20, d, fd};
	for (size_t i = 0; i < sizeof(closing) / sizeof(closing[0]); i++)
		CHECK(close(closing[i]) == 0);
	CHECK(unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
