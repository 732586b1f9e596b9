/*
 * kernel_misc: calls that real programs make now and then, each as the
 * kernel documents it: pidfd_getfd of a child's descriptor, seccomp with a
 * NULL filter (EFAULT), a thread that busy-waits with sched_yield for a
 * SCHED_IDLE thread (it must get to run), a blocked signal mask carried
 * across execve, and an rseq area registered, unregistered and registered
 * again (cpu_id follows the thread each time; run with glibc's own
 * registration off, else the first register is EBUSY and that part is
 * skipped).
 */
#define _GNU_SOURCE
#include <linux/rseq.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "check.h"

#define RSEQ_SIG 0x53053053

static void pidfd_steal(void)
{
	int ready[2], done[2];
	char buf[32] = {0};

	CHECK(pipe(ready) == 0 && pipe(done) == 0);
	pid_t child = fork();

	CHECK(child >= 0);
	if (child == 0) {
		int fd = memfd_create("secret", 0);
		char c;

		if (fd < 0 || write(fd, "from the child", 14) != 14 ||
		    write(ready[1], &fd, sizeof(fd)) != sizeof(fd))
			_exit(1);
		_exit(read(done[0], &c, 1) == 1 ? 0 : 1);
	}
	int target, pidfd, fd, st;

	CHECK(read(ready[0], &target, sizeof(target)) == sizeof(target));
	CHECK((pidfd = (int)syscall(SYS_pidfd_open, child, 0)) >= 0);
	CHECK((fd = (int)syscall(SYS_pidfd_getfd, pidfd, target, 0)) >= 0);
	CHECK(pread(fd, buf, sizeof(buf) - 1, 0) == 14);
	printf("pidfd_getfd: the child's memfd says \"%s\"\n", buf);
	CHECK_ERR(syscall(SYS_pidfd_getfd, pidfd, 999, 0), EBADF);
	CHECK(write(done[1], "x", 1) == 1);
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(fd);
	close(pidfd);
}

static volatile int idle_ran;

static void *idle_thread(void *arg)
{
	struct sched_param p = {0};

	(void)arg;
	CHECK(sched_setscheduler(0, SCHED_IDLE, &p) == 0);
	idle_ran = 1;
	return NULL;
}

static void yield_to_idle(void)
{
	pthread_t t;
	long yields = 0;

	CHECK(pthread_create(&t, NULL, idle_thread, NULL) == 0);
	while (!idle_ran) {
		sched_yield();
		yields++;
	}
	CHECK(pthread_join(t, NULL) == 0);
	printf("sched_yield: the SCHED_IDLE thread ran (%s)\n", yields ? "after yields" : "at once");
}

static struct rseq area __attribute__((aligned(32)));

static void rseq_again(void)
{
	for (int round = 0; round < 3; round++) {
		area.cpu_id = RSEQ_CPU_ID_UNINITIALIZED;
		long ret = syscall(SYS_rseq, &area, sizeof(area), 0, RSEQ_SIG);

		if (ret != 0 && errno == EBUSY && round == 0) {
			printf("rseq: glibc holds the registration\n");
			return;
		}
		CHECK(ret == 0);
		CHECK(area.cpu_id == (uint32_t)sched_getcpu() && area.cpu_id_start == area.cpu_id);
		CHECK_ERR(syscall(SYS_rseq, &area, sizeof(area), 0, RSEQ_SIG), EBUSY);
		CHECK(syscall(SYS_rseq, &area, sizeof(area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0);
		CHECK_ERR(syscall(SYS_rseq, &area, sizeof(area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
			  EINVAL);
	}
	printf("rseq: registered three times, cpu_id right each time\n");
}

int main(int argc, char **argv)
{
	sigset_t set;

	if (argc > 1 && !strcmp(argv[1], "after-exec")) {
		CHECK(sigprocmask(SIG_BLOCK, NULL, &set) == 0);
		CHECK(sigismember(&set, SIGUSR1) == 1 && sigismember(&set, SIGUSR2) == 0);
		CHECK(raise(SIGUSR1) == 0); /* blocked: it waits */
		CHECK(sigpending(&set) == 0 && sigismember(&set, SIGUSR1) == 1);
		printf("execve kept the blocked mask; SIGUSR1 pending\nEXIT-SUCCESS\n");
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	pidfd_steal();
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK_ERR(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL), EFAULT);
	yield_to_idle();
	rseq_again();
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
	CHECK(0);
}
