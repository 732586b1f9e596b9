/*
 * Syscall numbers the kernel does not know fail with ENOSYS, and programs
 * rely on that to probe for features: recording must let them through as
 * such. Syscalls rewind answers with ENOSYS itself (Linux AIO, io_uring,
 * bpf, userfaultfd, ...) must leave the program on its fallback path, the
 * way a kernel built without them would; natively they may work, so the
 * program prints only what holds either way.
 */
#define _GNU_SOURCE
#include <linux/aio_abi.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "check.h"

/* Numbers no x86_64 kernel gives a meaning: negative, past the table, x32's bit with garbage. */
static const long unknown[] = {-1, -2, 1000, 4095, 0x7fffffff, 0x40000000 + 4000, -4096};

static void probe_unknown(void)
{
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		errno = 0;
		long ret = syscall(unknown[i], 1, 2, 3, 4, 5, 6);

		CHECK(ret == -1 && errno == ENOSYS);
		printf("syscall(%ld) = -1 ENOSYS\n", unknown[i]);
	}
}

/* Linux AIO: works natively, ENOSYS under rewind; either way the program goes on. */
static void probe_aio(void)
{
	aio_context_t ctx = 0;
	long ret = syscall(SYS_io_setup, 8, &ctx);

	if (ret == 0) {
		CHECK(syscall(SYS_io_destroy, ctx) == 0);
	} else {
		CHECK(errno == ENOSYS);
		CHECK(ctx == 0); /* nothing was written */
	}
	printf("io_setup: usable or ENOSYS\n");
}

static void probe_optional(const char *name, long nr, long a0, long a1, long a2)
{
	errno = 0;
	long ret = syscall(nr, a0, a1, a2, 0, 0, 0);

	/* Natively: a result, EINVAL, EPERM or EFAULT for these arguments; ENOSYS without it. */
	CHECK(ret >= 0 || errno == ENOSYS || errno == EINVAL || errno == EPERM ||
	      errno == EFAULT || errno == EBADF);
	if (ret >= 0 && nr == SYS_userfaultfd)
		close((int)ret);
	printf("%s: answered\n", name);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	probe_unknown();
	probe_aio();
	probe_optional("io_uring_setup", SYS_io_uring_setup, 0, 0, 0);
	probe_optional("bpf", SYS_bpf, 0x7fff, 0, 0);
	probe_optional("userfaultfd", SYS_userfaultfd, 0, 0, 0);
	probe_optional("keyctl", SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0);
	probe_optional("map_shadow_stack", 453, 0, 4096, 0);
	/* Still a working process afterwards. */
	CHECK(getpid() > 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
