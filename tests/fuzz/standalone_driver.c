/*
 * Runs a libFuzzer entry point over saved inputs, without libFuzzer: every
 * file given, and every regular file in each directory given. This turns a
 * fuzz corpus into a regression test that any compiler can build. Exits 0
 * when all inputs ran (a crash ends the process), 1 if there was nothing to
 * run or an input could not be read.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, got;
	FILE *f = fopen(path, "rb");

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (cap - size < 65536) {
			cap = cap ? 2 * cap : 65536;
			data = realloc(data, cap);
			if (!data) {
				fprintf(stderr, "%s: out of memory\n", path);
				fclose(f);
				return -1;
			}
		}
		got = fread(data + size, 1, cap - size, f);
		size += got;
	} while (got);
	if (ferror(f)) {
		perror(path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "running %s (%zu bytes)\n", path, size);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the regular files of dir in name order; returns how many, or -1. */
static int run_dir(const char *dir)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	int ran = 0;
	DIR *d = opendir(dir);

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
		}
		if (!names || !(names[n++] = strdup(de->d_name))) {
			fprintf(stderr, "%s: out of memory\n", dir);
			exit(1);
		}
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0)
				ran = -1;
			else if (ran >= 0)
				ran++;
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	int total = 0;
	struct stat st;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR-OR-FILE...\n", argv[0]);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int ran;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		ran = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0;
		if (ran < 0)
			return 1;
		total += ran;
	}
	if (!total) {
		fprintf(stderr, "no inputs found\n");
		return 1;
	}
	printf("ran %d inputs\n", total);
	return 0;
}
