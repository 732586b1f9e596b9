/*
 * file_read_cases: read and pread64 of regular files in the cases where
 * the answer depends on more than the file: an fd number that dup2, close
 * and a new open make another file's; an offset shared with a forked child
 * and with a dup; a buffer that ends at an inaccessible page (a short read,
 * the offset moved by what fit) or lies in read-only memory (EFAULT, the
 * offset unmoved); reads at and past the end; a file the program wrote
 * itself; a negative pread offset; fstat and lseek through the same
 * descriptors (errors too); and, beside them, files that are not regular or
 * not on a disk (a pipe, /proc).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char dir[] = "/tmp/rewind-read-cases.XXXXXX";

static int make_file(const char *name, char fill, size_t len)
{
	char path[256], *data = malloc(len);
	int fd;

	CHECK(data != NULL);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)(fill + (char)(i % 23));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, data, len) == (ssize_t)len);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	free(data);
	return fd;
}

static void show(const char *what, const char *buf, ssize_t n)
{
	printf("%s: %zd [%.*s]\n", what, n, n > 0 ? (int)n : 0, buf);
}

/* The read gave want bytes of the file filled with `fill`, from offset off. */
static void expect(const char *buf, ssize_t n, ssize_t want, char fill, size_t off)
{
	CHECK(n == want);
	for (ssize_t i = 0; i < n; i++)
		CHECK(buf[i] == (char)(fill + (char)((off + (size_t)i) % 23)));
}

static void *reader(void *arg)
{
	int fd = *(int *)arg;
	char buf[5];

	for (int i = 0; i < 20; i++)
		CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	return NULL;
}

int main(void)
{
	char buf[64];
	ssize_t n;
	int a, b, c, p[2], status;

	CHECK(mkdtemp(dir) != NULL);
	a = make_file("a", 'a', 4000);
	b = make_file("b", 'A', 3000);

	n = read(a, buf, 10);
	show("a", buf, n);
	expect(buf, n, 10, 'a', 0);
	/* The number a now names b's file, at b's offset. */
	CHECK(dup2(b, a) == a);
	n = read(a, buf, 10);
	show("a after dup2", buf, n);
	expect(buf, n, 10, 'A', 0);
	n = read(b, buf, 10); /* the same offset: a dup shares it */
	show("b", buf, n);
	expect(buf, n, 10, 'A', 10);
	CHECK(close(a) == 0);
	c = make_file("c", '0', 100);
	CHECK(c == a); /* the lowest free number again */
	n = read(c, buf, 10);
	show("c in a's number", buf, n);
	expect(buf, n, 10, '0', 0);

	/* A forked child moves the offset the parent sees next. */
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		CHECK(read(c, buf, 30) == 30);
		_exit(0);
	}
	CHECK(waitpid(child, &status, 0) == child && status == 0);
	n = read(c, buf, 10);
	show("c after child", buf, n);
	expect(buf, n, 10, '0', 40);

	/* Two threads share it too. */
	pthread_t th;
	CHECK(lseek(b, 0, SEEK_SET) == 0);
	CHECK(pthread_create(&th, NULL, reader, &b) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(lseek(b, 0, SEEK_CUR) == 100);
	printf("b offset after the thread: 100\n");

	/* Ends, and past them. */
	n = read(c, buf, sizeof(buf));
	show("c to the end", buf, n);
	expect(buf, n, 50, '0', 50);
	n = read(c, buf, sizeof(buf));
	show("c at the end", buf, n);
	CHECK(n == 0);
	n = pread(c, buf, 10, 1000);
	show("c pread past the end", buf, n);
	CHECK(n == 0);
	CHECK_ERR(pread(c, buf, 10, -5), EINVAL);

	/* What fits before an inaccessible page, and where the offset goes. */
	char *tail = tail_alloc(6);
	CHECK(lseek(b, 100, SEEK_SET) == 100);
	n = read(b, tail, 20);
	show("b into 6 bytes before a hole", tail, n);
	expect(tail, n, 6, 'A', 100);
	CHECK(lseek(b, 0, SEEK_CUR) == 106);
	n = pread(b, tail, 20, 200);
	show("b pread into the same", tail, n);
	expect(tail, n, 6, 'A', 200);
	CHECK_ERR(read(b, tail + 6, 20), EFAULT);
	CHECK(lseek(b, 0, SEEK_CUR) == 106);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED);
	CHECK_ERR(read(b, ro, 20), EFAULT);
	CHECK(lseek(b, 0, SEEK_CUR) == 106);

	/* Written, then read back through another descriptor of the same file. */
	CHECK(pwrite(b, "written here", 12, 50) == 12);
	char path[256];
	snprintf(path, sizeof(path), "%s/b", dir);
	int b2 = open(path, O_RDONLY);
	CHECK(b2 >= 0);
	n = pread(b2, buf, 16, 46);
	show("b2", buf, n);
	expect(buf, 4, 4, 'A', 46);
	CHECK(n == 16 && !memcmp(buf + 4, "written here", 12));
	CHECK(ftruncate(b, 60) == 0);
	n = pread(b2, buf, 16, 50);
	show("b2 after truncate", buf, n);
	CHECK(n == 10 && !memcmp(buf, "written he", 10));

	/* Sizes and offsets through the same descriptors, after the writes. */
	struct stat sb;
	CHECK(fstat(b, &sb) == 0 && sb.st_size == 60);
	CHECK(fstatat(b2, "", &sb, AT_EMPTY_PATH) == 0 && sb.st_size == 60);
	CHECK(syscall(SYS_fstat, b2, &sb) == 0 && S_ISREG(sb.st_mode));
	CHECK_ERR(fstat(b, (struct stat *)ro), EFAULT);
	CHECK(lseek(b2, 0, SEEK_END) == 60);
	CHECK(lseek(b2, -10, SEEK_CUR) == 50);
	n = read(b2, buf, 4);
	CHECK(n == 4 && !memcmp(buf, "writ", 4));
	CHECK_ERR(lseek(b2, -100, SEEK_CUR), EINVAL);
	CHECK_ERR(lseek(b2, 0, 42), EINVAL);
	printf("sizes and offsets: ok\n");

	/* Not answered by a copy: a pipe, and /proc. */
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "through a pipe", 14) == 14);
	n = read(p[0], buf, sizeof(buf));
	show("pipe", buf, n);
	CHECK(n == 14 && !memcmp(buf, "through a pipe", 14));
	CHECK_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
	CHECK(fstat(p[0], &sb) == 0 && S_ISFIFO(sb.st_mode));
	int st = open("/proc/self/stat", O_RDONLY);
	CHECK(st >= 0);
	n = read(st, buf, 8);
	CHECK(n > 0);
	printf("/proc/self/stat gave %zd bytes\n", n);

	unlink(path);
	snprintf(path, sizeof(path), "%s/a", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/c", dir);
	unlink(path);
	rmdir(dir);
	printf("EXIT-SUCCESS\n");
	return 0;
}
