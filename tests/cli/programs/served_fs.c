/*
 * A FUSE filesystem mounted in the middle of the run (in the mount
 * namespace the test gives it; nothing serves it, and nothing goes there):
 * a thread that registers its syscall buffer before the mount stats "/"
 * buffered, one that registers after it stats "/" the traced way. Each
 * thread's stat comes with a marker of its own in the path ("/./" or
 * "/././"), so the test can tell their events apart in the dump.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void *stat_path(void *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? NULL : path;
}

static int in_thread(const char *path)
{
	pthread_t t;
	void *ret;

	if (pthread_create(&t, NULL, stat_path, (void *)path) || pthread_join(t, &ret) || ret)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	char opts[128];
	int fd;

	if (argc != 2)
		return 2;
	if (in_thread("/./") < 0) {
		perror("stat before the mount");
		return 1;
	}
	if ((fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)) < 0) {
		perror("/dev/fuse");
		return 1;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("rewind-test", argv[1], "fuse", MS_NOSUID | MS_NODEV, opts) < 0) {
		perror("mount fuse");
		return 1;
	}
	if (in_thread("/././") < 0) {
		perror("stat after the mount");
		return 1;
	}
	umount2(argv[1], MNT_DETACH);
	printf("EXIT-SUCCESS\n");
	return 0;
}
