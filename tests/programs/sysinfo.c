/*
 * sysinfo: uptime, load, memory and process counts from sysinfo(2), and a bad
 * pointer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
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
	struct sysinfo si;

	memset(&si, 0xff, sizeof(si));
	CHECK(sysinfo(&si) == 0);
	printf("uptime: %ld s\n", si.uptime);
	printf("loads: %lu %lu %lu\n", si.loads[0], si.loads[1], si.loads[2]);
	printf("totalram: %lu freeram: %lu sharedram: %lu bufferram: %lu\n", si.totalram,
	       si.freeram, si.sharedram, si.bufferram);
	printf("totalswap: %lu freeswap: %lu procs: %u mem_unit: %u\n", si.totalswap, si.freeswap,
	       si.procs, si.mem_unit);
	CHECK(si.uptime > 0 && si.totalram > 0 && si.mem_unit >= 1 && si.procs >= 1);
	CHECK(si.freeram <= si.totalram && si.freeswap <= si.totalswap);
	printf("get_nprocs_conf: %d\n", get_nprocs_conf());

	struct sysinfo *tail = tail_alloc(sizeof(*tail));
	CHECK(syscall(SYS_sysinfo, tail) == 0 && tail->totalram == si.totalram);
	CHECK_ERR(syscall(SYS_sysinfo, (void *)1), EFAULT);
	printf("EXIT-SUCCESS\n");
	return 0;
}
