/*
 * Writes known pages between execution points, for written_pages.sh: each
 * phase writes some pages of regions at fixed addresses, says on stderr
 * which pages of which region it wrote ("expect" lines), and ends at an
 * execution point (a SIGALRM that comes while the program computes: held
 * back, then delivered by the recorder past its time limit). With
 * REWIND_DEBUG_WRITTEN_PAGES=2 the recorder logs the written ranges there,
 * which the script compares with the expectations.
 *
 *  A  user writes; read(2) from a pipe into a fresh page; a write after
 *     mprotect took write permission away and gave it back; a mapping made
 *     read-only and later made writable; memory from brk
 *  B  the kernel writing protected pages (read(2) from a pipe, and a read
 *     of a file that the recorder answers); pages written in A again; a
 *     mapping moved by mremap (its pages in memory count as written)
 *  C  a forked child's writes, seen at the child's execution point
 *  D  after an exec of this program: a new address space
 *
 * It also prints its descriptors (stdout), which must be the same natively
 * and under rewind: the recorder's userfaultfd must not show.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE	 4096ul
#define R_ADDR	 0x200000000ul /* 64 pages */
#define Q_ADDR	 0x200100000ul /* 16 pages, made read-only */
#define R2_ADDR	 0x200200000ul /* 8 pages, moved to R2N_ADDR in B */
#define R2N_ADDR 0x200300000ul

static volatile sig_atomic_t fired;

/* One line on stderr without stdio's buffers (malloc would write the heap). */
static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(2, line, (size_t)n) != n)
		_exit(1);
}

static void die(const char *what)
{
	say("written-pages-test: %s failed\n", what);
	_exit(1);
}

static char *map_at(uint64_t addr, size_t pages, int prot)
{
	void *p = mmap((void *)addr, pages * PAGE, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)addr)
		die("mmap");
	return p;
}

static void region(const char *name, uint64_t addr, size_t pages)
{
	say("written-pages-test: pid %d region %s 0x%lx %zu\n", getpid(), name, addr, pages);
}

static void on_alarm(int sig)
{
	(void)sig;
	fired = 1;
}

/*
 * Computes until SIGALRM comes: under rewind, it comes at an execution
 * point. A signal that came before the computing did (a loaded machine
 * kept the recorder from letting setitimer return within the timer's
 * millisecond) is delivered at that syscall's end, no execution point:
 * then again, until one comes while computing.
 */
static void execution_point(void)
{
	struct itimerval it = {.it_value = {0, 1000}};
	unsigned long spins;

	do {
		fired = 0;
		spins = 0;
		if (setitimer(ITIMER_REAL, &it, NULL) < 0)
			die("setitimer");
		while (!fired)
			spins++;
	} while (spins < 1000);
}

/* Lists the descriptors and what they are: the same natively and under rewind. */
static void print_fds(const char *when)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int self = d ? dirfd(d) : -1;

	printf("fds %s:", when);
	while (d && (e = readdir(d))) {
		char path[300], target[256];
		ssize_t n;

		if (e->d_name[0] == '.' || atoi(e->d_name) == self)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		if (strstr(target, "userfaultfd"))
			printf(" %s=%s", e->d_name, target);
		else
			printf(" %s", e->d_name);
	}
	if (d)
		closedir(d);
	printf("\n");
	fflush(stdout);
}

/* Reads n bytes from a pipe into dst: the kernel writes them. */
static void pipe_read(char *dst, size_t n)
{
	int p[2];

	if (pipe(p) < 0 || write(p[1], "written by the kernel", n) != (ssize_t)n ||
	    read(p[0], dst, n) != (ssize_t)n)
		die("pipe read");
	close(p[0]);
	close(p[1]);
}

static void phase_a(char *r, char *q, char *r2, char *heap)
{
	r[1 * PAGE] = r[3 * PAGE] = r[4 * PAGE] = r[25 * PAGE] = 1;
	pipe_read(r + 7 * PAGE + 100, 5);
	r[10 * PAGE] = 1;
	if (mprotect(r + 10 * PAGE, 2 * PAGE, PROT_READ) < 0 ||
	    mprotect(r + 10 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE) < 0)
		die("mprotect");
	r[11 * PAGE] = 1;
	if (mprotect(q, 16 * PAGE, PROT_READ | PROT_WRITE) < 0)
		die("mprotect");
	q[2 * PAGE] = 1;
	r2[0] = 1;
	heap[3 * PAGE] = 1;
	say("written-pages-test: pid %d expect A R 1 3 4 7 10 11 25\n", getpid());
	say("written-pages-test: pid %d expect A Q 2\n", getpid());
	say("written-pages-test: pid %d expect A R2 0\n", getpid());
	say("written-pages-test: pid %d expect A H 3\n", getpid());
	execution_point();
}

static void phase_b(char *r, char *r2, const char *self)
{
	int fd = open(self, O_RDONLY);
	char *moved;

	pipe_read(r + 3 * PAGE + 8, 5);
	/* A regular file: the recorder answers the read, writing through process_vm_writev. */
	if (fd < 0 || read(fd, r + 25 * PAGE, 64) != 64)
		die("file read");
	close(fd);
	r[1 * PAGE] = r[10 * PAGE] = r[20 * PAGE] = r[21 * PAGE] = 2;
	moved = mremap(r2, 8 * PAGE, 8 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)R2N_ADDR);
	if (moved != (void *)R2N_ADDR)
		die("mremap");
	moved[2 * PAGE] = 2;
	region("R2N", R2N_ADDR, 8);
	say("written-pages-test: pid %d expect B R 1 3 10 20 21 25\n", getpid());
	say("written-pages-test: pid %d expect B Q\n", getpid());
	say("written-pages-test: pid %d expect B R2N 0 2\n", getpid());
	execution_point();
}

static void phase_c(char *r)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		print_fds("in the child");
		r[30 * PAGE] = r[31 * PAGE] = 3;
		region("R", R_ADDR, 64);
		say("written-pages-test: pid %d expect C R 30 31\n", getpid());
		execution_point();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("the child");
}

static void after_exec(void)
{
	char *r = map_at(R_ADDR, 64, PROT_READ | PROT_WRITE);

	print_fds("after exec");
	region("R", R_ADDR, 64);
	r[5 * PAGE] = r[6 * PAGE] = 4;
	say("written-pages-test: pid %d expect D R 5 6\n", getpid());
	execution_point();
	printf("EXIT-SUCCESS\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	char *r, *q, *r2, *heap;

	sigaction(SIGALRM, &sa, NULL);
	if (argc > 1 && !strcmp(argv[1], "after-exec")) {
		after_exec();
		return 0;
	}
	print_fds("at the start");
	r = map_at(R_ADDR, 64, PROT_READ | PROT_WRITE);
	q = map_at(Q_ADDR, 16, PROT_READ);
	r2 = map_at(R2_ADDR, 8, PROT_READ | PROT_WRITE);
	heap = sbrk(17 * PAGE);
	if (heap == (void *)-1)
		die("sbrk");
	heap = (char *)(((uintptr_t)heap + PAGE - 1) & ~(PAGE - 1));
	region("R", R_ADDR, 64);
	region("Q", Q_ADDR, 16);
	region("R2", R2_ADDR, 8);
	region("H", (uint64_t)heap, 16);
	phase_a(r, q, r2, heap);
	phase_b(r, r2, "/proc/self/exe");
	phase_c(r);
	fflush(stdout);
	execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
	die("exec");
	return 1;
}
