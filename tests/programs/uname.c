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

#include "check.h"

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
