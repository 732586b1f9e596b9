/*
 * truncate: truncate and ftruncate growing (zero fill) and shrinking a file, on a
 * read-only descriptor (EINVAL), negative lengths and missing files.
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

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			int err_ = errno;                                                          \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond, err_,          \
			       strerror(err_));                                                    \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_ERR(call, want)                                                                      \
	do {                                                                                       \
		errno = 0;                                                                         \
		long ret_ = (long)(call);                                                          \
		int err_ = errno;                                                                  \
		if (ret_ != -1 || err_ != (want)) {                                                \
			printf("FAIL line %d: %s = %ld errno %d, want -1 %s\n", __LINE__, #call,   \
			       ret_, err_, strerrorname_np(want));                                 \
			exit(1);                                                                   \
		}                                                                                  \
		printf("%s = -1 %s\n", #call, strerrorname_np(want));                              \
	} while (0)

/* A buffer of SIZE bytes whose last byte is the last byte of a page followed by PROT_NONE. */
__attribute__((unused)) static void *tail_alloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (size + page - 1) / page * page;
	char *p =
	    mmap(NULL, len + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	CHECK(mprotect(p + len, page, PROT_NONE) == 0);
	return p + len - size;
}

static long long size_of(const char *path)
{
	struct stat st;

	CHECK(stat(path, &st) == 0);
	return (long long)st.st_size;
}

int main(void)
{
	char path[] = "truncate-XXXXXX";
	char buf[32];
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, "abcdefghijklmnopqrstuvwxyz", 26) == 26);
	CHECK(truncate(path, 10) == 0);
	printf("after truncate 10: %lld\n", size_of(path));
	CHECK(size_of(path) == 10);
	CHECK(truncate(path, 20) == 0 && size_of(path) == 20);
	CHECK(pread(fd, buf, sizeof(buf), 0) == 20);
	CHECK(memcmp(buf, "abcdefghij\0\0\0\0\0\0\0\0\0\0", 20) == 0);
	printf("grown to 20: tail is zeros\n");
	CHECK(truncate(path, 1 << 20) == 0 && size_of(path) == 1 << 20);
	CHECK(ftruncate(fd, 0) == 0 && size_of(path) == 0);
	CHECK(pread(fd, buf, sizeof(buf), 0) == 0);
	CHECK(lseek(fd, 0, SEEK_CUR) == 26); /* the offset is not changed */
	printf("ftruncate 0: empty, offset still 26\n");

	int ro = open(path, O_RDONLY);
	CHECK(ro >= 0);
	CHECK_ERR(ftruncate(ro, 5), EINVAL);
	CHECK(close(ro) == 0);
	CHECK_ERR(truncate(path, -1), EINVAL);
	CHECK_ERR(truncate("missing-file", 5), ENOENT);
	CHECK_ERR(truncate(".", 5), EISDIR);
	CHECK_ERR(syscall(SYS_truncate, (void *)1, 5), EFAULT);
	CHECK_ERR(ftruncate(999, 5), EBADF);
	CHECK(close(fd) == 0 && unlink(path) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
