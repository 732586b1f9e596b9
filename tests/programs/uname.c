/*
 * uname: the utsname fields, through libc and the raw syscall (also into a buffer
 * ending at a page boundary), and a bad pointer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
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

int main(void)
{
	struct utsname u;

	CHECK(uname(&u) == 0);
	printf("sysname: %s\nnodename: %s\nrelease: %s\nversion: %s\nmachine: %s\n", u.sysname,
	       u.nodename, u.release, u.version, u.machine);
	printf("domainname: %s\n", u.domainname);
	CHECK(strcmp(u.sysname, "Linux") == 0);
	CHECK(strcmp(u.machine, "x86_64") == 0);

	struct utsname *tail = tail_alloc(sizeof(*tail));
	CHECK(syscall(SYS_uname, tail) == 0);
	CHECK(memcmp(tail, &u, sizeof(u)) == 0);
	printf("page-end uname matches\n");
	CHECK_ERR(syscall(SYS_uname, (void *)1), EFAULT);
	CHECK_ERR(syscall(SYS_uname, (char *)tail + 1), EFAULT);
	printf("EXIT-SUCCESS\n");
	return 0;
}
