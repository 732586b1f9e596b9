/*
 * remote_mem_misc: kernel interfaces that reach another process's memory
 * or that few programs use. process_vm_writev and process_vm_readv between
 * two recorded processes; writes through /proc/PID/mem of a child (pwrite
 * and lseek + write) and of the process itself; set_thread_area and
 * get_thread_area (32-bit TLS entries of the GDT); a software perf counter
 * enabled, disabled, reset and read through ioctl; a bridge ioctl
 * (SIOCBRDELBR) and a device-private one on a socket, which fail.
 */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <linux/sockios.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char target[64] = "child's own bytes";
static char own[32] = "before";

/* The child waits for a byte, then says what its buffer holds and exits 0. */
static void remote_writes(void)
{
	int go[2], st;
	char path[64], back[64];

	CHECK(pipe(go) == 0);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;

		CHECK(read(go[0], &c, 1) == 1);
		printf("child sees: %s\n", target);
		fflush(stdout);
		_exit(0);
	}
	struct iovec local = {.iov_base = "VMWRITE", .iov_len = 7};
	struct iovec remote = {.iov_base = target, .iov_len = 7};
	CHECK(process_vm_writev(pid, &local, 1, &remote, 1, 0) == 7);

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, "+PWRITE", 7, (off_t)(uintptr_t)(target + 7)) == 7);
	CHECK(lseek(fd, (off_t)(uintptr_t)(target + 14), SEEK_SET) >= 0);
	CHECK(write(fd, "+WRITE", 7) == 7);
	close(fd);

	struct iovec in = {.iov_base = back, .iov_len = sizeof(back)};
	struct iovec from = {.iov_base = target, .iov_len = sizeof(back)};
	CHECK(process_vm_readv(pid, &in, 1, &from, 1, 0) == sizeof(back));
	printf("parent reads back: %s\n", back);
	CHECK(write(go[1], "g", 1) == 1);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(go[0]);
	close(go[1]);
}

static void self_mem_write(void)
{
	int fd = open("/proc/self/mem", O_RDWR);

	CHECK(fd >= 0);
	CHECK(lseek(fd, (off_t)(uintptr_t)own, SEEK_SET) >= 0);
	CHECK(write(fd, "written", 8) == 8);
	close(fd);
	printf("own buffer after a write to /proc/self/mem: %s\n", own);
	CHECK(strcmp(own, "written") == 0);
}

static void thread_area(void)
{
	struct user_desc d;
	long r;

	memset(&d, 0, sizeof(d));
	d.entry_number = (unsigned)-1;
	d.base_addr = 0x1000;
	d.limit = 0xfff;
	d.seg_32bit = 1;
	d.useable = 1;
	r = syscall(SYS_set_thread_area, &d);
	printf("set_thread_area: %ld %s entry %u\n", r, r ? strerrorname_np(errno) : "",
	       r == 0 ? d.entry_number : 0);
	if (r != 0)
		return; /* a kernel without 32-bit TLS entries */
	struct user_desc g;

	memset(&g, 0, sizeof(g));
	g.entry_number = d.entry_number;
	CHECK(syscall(SYS_get_thread_area, &g) == 0);
	printf("get_thread_area: base 0x%x limit 0x%x seg_32bit %u\n", g.base_addr, g.limit,
	       g.seg_32bit);
	CHECK(g.base_addr == 0x1000 && g.limit == 0xfff && g.seg_32bit == 1);
}

static void perf_counter(void)
{
	struct perf_event_attr a;
	uint64_t v1 = 0, v2 = 0, v3 = 0;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0) {
		printf("perf_event_open: %s\n", strerrorname_np(errno));
		return; /* perf_event_paranoid, or a container's filter */
	}
	CHECK(ioctl(fd, PERF_EVENT_IOC_RESET, 0) == 0);
	CHECK(ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) == 0);
	for (volatile int i = 0; i < 2000000; i++)
		;
	CHECK(ioctl(fd, PERF_EVENT_IOC_DISABLE, 0) == 0);
	CHECK(read(fd, &v1, sizeof(v1)) == sizeof(v1));
	CHECK(read(fd, &v2, sizeof(v2)) == sizeof(v2));
	CHECK(ioctl(fd, PERF_EVENT_IOC_RESET, 0) == 0);
	CHECK(read(fd, &v3, sizeof(v3)) == sizeof(v3));
	printf("perf task clock: %llu ns, %llu while disabled, %llu after reset\n",
	       (unsigned long long)v1, (unsigned long long)v2, (unsigned long long)v3);
	CHECK(v1 > 0 && v1 == v2 && v3 == 0);
	close(fd);
}

static void bridge_ioctl(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	CHECK(s >= 0);
	errno = 0;
	int r = ioctl(s, SIOCBRDELBR, "rewind-none0");
	printf("SIOCBRDELBR on a socket: %d %s\n", r, r < 0 ? "fails" : "succeeds");
	CHECK(r < 0);
	char priv[64] = {0};
	r = ioctl(s, SIOCDEVPRIVATE + 3, priv); /* a number rewind does not know */
	printf("SIOCDEVPRIVATE+3 on a socket: %d %s\n", r, r < 0 ? strerrorname_np(errno) : "");
	CHECK(r < 0);
	close(s);
}

int main(void)
{
	remote_writes();
	self_mem_write();
	thread_area();
	perf_counter();
	bridge_ioctl();
	printf("EXIT-SUCCESS\n");
	return 0;
}
