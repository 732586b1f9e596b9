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

#include "check.h"

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
