/*
 * openat2: RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS and RESOLVE_IN_ROOT lookups, escapes
 * that must fail with EXDEV, and struct open_how sizes (too small: EINVAL, larger with
 * non-zero tail: E2BIG, larger with zero tail: accepted).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

/* The first published struct open_how: flags, mode, resolve. */
enum { OPEN_HOW_SIZE_VER0 = 24 };

static long do_openat2(int dfd, const char *path, const void *how, size_t size)
{
	return syscall(SYS_openat2, dfd, path, how, size);
}

int main(void)
{
	char dir[] = "openat2-XXXXXX";
	struct open_how how;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK(mkdirat(dfd, "sub", 0755) == 0);
	int fd = openat(dfd, "sub/file", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, "inside", 6) == 6 && close(fd) == 0);
	CHECK(symlinkat("sub/file", dfd, "rel-link") == 0);
	CHECK(symlinkat("/etc/passwd", dfd, "abs-link") == 0);
	CHECK(symlinkat("../..", dfd, "up-link") == 0);

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY;
	how.resolve = RESOLVE_BENEATH;
	long r = do_openat2(dfd, "sub/file", &how, sizeof(how));
	CHECK(r >= 0);
	CHECK(fstat((int)r, &st) == 0 && st.st_size == 6);
	printf("openat2 sub/file beneath: ok, size %lld\n", (long long)st.st_size);
	CHECK(close((int)r) == 0);
	r = do_openat2(dfd, "rel-link", &how, sizeof(how));
	CHECK(r >= 0 && close((int)r) == 0);
	printf("openat2 rel-link beneath: ok\n");

	CHECK_ERR(do_openat2(dfd, "../x", &how, sizeof(how)), EXDEV);
	CHECK_ERR(do_openat2(dfd, "sub/../../x", &how, sizeof(how)), EXDEV);
	CHECK_ERR(do_openat2(dfd, "/etc/passwd", &how, sizeof(how)), EXDEV);
	CHECK_ERR(do_openat2(dfd, "abs-link", &how, sizeof(how)), EXDEV);
	CHECK_ERR(do_openat2(dfd, "up-link", &how, sizeof(how)), EXDEV);

	how.resolve = RESOLVE_NO_SYMLINKS;
	CHECK_ERR(do_openat2(dfd, "rel-link", &how, sizeof(how)), ELOOP);
	how.resolve = RESOLVE_IN_ROOT;
	r = do_openat2(dfd, "/sub/file", &how, sizeof(how));
	CHECK(r >= 0 && close((int)r) == 0);
	printf("openat2 /sub/file in root: ok\n");

	how.resolve = 0x80000000ULL;
	CHECK_ERR(do_openat2(dfd, "sub/file", &how, sizeof(how)), EINVAL);
	how.resolve = 0;
	how.flags = 1ULL << 40; /* flags are 64-bit here: garbage high bits are an error */
	CHECK_ERR(do_openat2(dfd, "sub/file", &how, sizeof(how)), EINVAL);
	how.flags = O_RDONLY;
	how.mode = 0644; /* mode without O_CREAT */
	CHECK_ERR(do_openat2(dfd, "sub/file", &how, sizeof(how)), EINVAL);
	how.mode = 0;

	/* Size checks: a bigger struct with a zero tail is fine, a non-zero tail is E2BIG. */
	struct {
		struct open_how how;
		uint64_t extra;
	} big;
	memset(&big, 0, sizeof(big));
	big.how.flags = O_RDONLY;
	r = do_openat2(dfd, "sub/file", &big, sizeof(big));
	CHECK(r >= 0 && close((int)r) == 0);
	printf("openat2 with larger zero-padded struct: ok\n");
	big.extra = 1;
	CHECK_ERR(do_openat2(dfd, "sub/file", &big, sizeof(big)), E2BIG);
	CHECK_ERR(do_openat2(dfd, "sub/file", &how, OPEN_HOW_SIZE_VER0 - 1), EINVAL);
	CHECK_ERR(do_openat2(dfd, "sub/file", &how, 0), EINVAL);
	CHECK_ERR(do_openat2(dfd, "sub/file", (void *)1, sizeof(how)), EFAULT);
	CHECK_ERR(do_openat2(dfd, (void *)1, &how, sizeof(how)), EFAULT);

	struct open_how *tail = tail_alloc(sizeof(*tail));
	memset(tail, 0, sizeof(*tail));
	tail->resolve = RESOLVE_BENEATH;
	r = do_openat2(dfd, "sub/file", tail, sizeof(*tail));
	CHECK(r >= 0 && close((int)r) == 0);
	CHECK_ERR(do_openat2(dfd, "sub/file", tail, sizeof(*tail) + 8), EFAULT);

	CHECK(unlinkat(dfd, "up-link", 0) == 0 && unlinkat(dfd, "abs-link", 0) == 0);
	CHECK(unlinkat(dfd, "rel-link", 0) == 0 && unlinkat(dfd, "sub/file", 0) == 0);
	CHECK(unlinkat(dfd, "sub", AT_REMOVEDIR) == 0);
	CHECK(close(dfd) == 0 && rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
