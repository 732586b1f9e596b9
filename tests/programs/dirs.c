/*
 * dirs: mkdir/mkdirat/rmdir and listing a directory with opendir/readdir
 * (getdents64 underneath), in a private mkdtemp directory.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *dir)
{
	char *names[64];
	int count = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	CHECK(d != NULL);
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		char type = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : '?';
		char *entry = malloc(strlen(e->d_name) + 3);

		CHECK(entry != NULL && count < 64);
		sprintf(entry, "%c %s", type, e->d_name);
		names[count++] = entry;
	}
	CHECK(errno == 0);
	CHECK(closedir(d) == 0);
	qsort(names, (size_t)count, sizeof(names[0]), compare_names);
	printf("%s: %d entries\n", dir, count);
	for (int i = 0; i < count; i++) {
		printf("  %s\n", names[i]);
		free(names[i]);
	}
}

int main(void)
{
	char dir[] = "dirs-XXXXXX";
	char path[128];
	int dfd;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(chdir(dir) == 0);
	CHECK(mkdir("alpha", 0755) == 0);
	CHECK(mkdir("beta", 0700) == 0);
	CHECK(mkdir("alpha/sub", 0755) == 0);
	CHECK_ERR(mkdir("alpha", 0755), EEXIST);
	CHECK_ERR(mkdir("missing/sub", 0755), ENOENT);
	dfd = open("beta", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK(mkdirat(dfd, "inner", 0755) == 0);
	for (int i = 0; i < 12; i++) {
		snprintf(path, sizeof(path), "alpha/file%02d", i);
		int fd = open(path, O_WRONLY | O_CREAT, 0644);
		CHECK(fd >= 0);
		CHECK(close(fd) == 0);
	}
	CHECK(chdir("..") == 0);

	snprintf(path, sizeof(path), "%s/alpha", dir);
	list_dir(dir);
	list_dir(path);
	CHECK(opendir("does-not-exist") == NULL && errno == ENOENT);
	printf("opendir(does-not-exist) = NULL ENOENT\n");

	CHECK(chdir(dir) == 0);
	CHECK_ERR(rmdir("alpha"), ENOTEMPTY);
	CHECK_ERR(rmdir("alpha/file00"), ENOTDIR);
	CHECK_ERR(rmdir("nothing"), ENOENT);
	for (int i = 0; i < 12; i++) {
		snprintf(path, sizeof(path), "alpha/file%02d", i);
		CHECK(unlink(path) == 0);
	}
	CHECK(rmdir("alpha/sub") == 0);
	CHECK(rmdir("alpha") == 0);
	CHECK(unlinkat(dfd, "inner", AT_REMOVEDIR) == 0);
	CHECK(close(dfd) == 0);
	CHECK(rmdir("beta") == 0);
	CHECK(chdir("..") == 0);
	list_dir(dir);
	CHECK(rmdir(dir) == 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
