/*
 * Writes the seed inputs of corpus/trace_reader/ into the directory given:
 * a small valid trace made by the writer, and copies of it without footer,
 * cut inside a chunk, with a corrupt chunk, with major version 2, plus an
 * empty file. Build target fuzz_trace_reader_seeds (not built by default).
 */
#include "trace_format/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = malloc(1 << 20);

	if (!f || !data) {
		perror(path);
		exit(1);
	}
	*size = fread(data, 1, 1 << 20, f);
	fclose(f);
	return data;
}

static void write_seed(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Two chunks of a few records, including an empty one; finished or abandoned. */
static void write_trace(const char *path, bool finish)
{
	static const char header[] = "seed header";
	struct trace_writer *w;
	char text[64];

	if (trace_writer_create(path, true, header, sizeof(header), &w) != 0)
		exit(1);
	for (unsigned i = 0; i < 6; i++) {
		int n = snprintf(text, sizeof(text), "record %u of the seed trace", i);

		if (trace_writer_add(w, i * 3, text, i == 2 ? 0 : (size_t)n) != 0)
			exit(1);
		if (i == 2 && trace_writer_flush(w) != 0)
			exit(1);
	}
	if (!finish)
		trace_writer_abandon(w);
	else if (trace_writer_finish(w) != 0)
		exit(1);
}

int main(int argc, char **argv)
{
	char path[4096];
	uint8_t *data;
	size_t size, first_chunk;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTPUT-DIR\n", argv[0]);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/seed-valid.rwt", argv[1]);
	write_trace(path, true);
	data = read_all(path, &size);
	first_chunk = 24 + sizeof("seed header");

	write_seed(argv[1], "seed-truncated.rwt", data, first_chunk + 30);
	data[first_chunk + 24] ^= 0x10; /* inside the first chunk's compressed bytes */
	write_seed(argv[1], "seed-corrupt-chunk.rwt", data, size);
	data[first_chunk + 24] ^= 0x10;
	data[8] = 2; /* major version */
	write_seed(argv[1], "seed-version2.rwt", data, size);
	write_seed(argv[1], "seed-empty", data, 0);
	free(data);

	snprintf(path, sizeof(path), "%s/seed-no-footer.rwt", argv[1]);
	write_trace(path, false);
	return 0;
}
