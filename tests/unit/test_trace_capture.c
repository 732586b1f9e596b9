/*
 * The writer's capture of whole chunks and their reuse in another trace
 * (trace_writer_capture_begin/end, trace_writer_add_chunks), as the
 * recorder's store of compressed stored files uses them: the captured file
 * holds exactly the chunks written in between, a trace that adds them
 * reads back every record in order, damaged chunks are refused with
 * nothing added, and a capture not kept leaves no file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "trace_format/trace.h"

static char tmpdir[] = "/tmp/rewind-capture-XXXXXX";

static char *in_tmp(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", tmpdir, name) < 0)
		abort();
	return p;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 9));
}

static uint8_t *load(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p;
	int fd = open(path, O_RDONLY);

	*len = 0;
	if (fd < 0 || fstat(fd, &st) < 0 || !(p = malloc((size_t)st.st_size + 1))) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*len = read(fd, p, (size_t)st.st_size) == st.st_size ? (size_t)st.st_size : 0;
	close(fd);
	return p;
}

static const size_t sizes[5] = {100, 300000, 1500000, 40, 70};

/* Writes records 0..4 into path; 1..3 captured into cap (kept as keep says). */
static void write_captured(const char *path, const char *cap, bool keep)
{
	char *tmp = in_tmp("cap.tmp");
	struct trace_writer *w;
	static uint8_t buf[1500000];
	int fd;

	if (trace_writer_create(path, true, "h", 1, &w) < 0)
		abort();
	for (unsigned i = 0; i < 5; i++) {
		if (i == 1) {
			fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
			CHECK(fd >= 0 && trace_writer_capture_begin(w, fd, tmp, cap) == 0,
			      "capture begins");
		}
		if (i == 4)
			CHECK(trace_writer_capture_end(w, keep) == 0, "capture ends");
		fill(buf, sizes[i], i);
		CHECK(trace_writer_add(w, 10 + i, buf, sizes[i]) == 0, "record %u added", i);
	}
	CHECK(trace_writer_finish(w) == 0, "%s finished", path);
	CHECK(access(tmp, F_OK) < 0, "the capture's temporary file stayed");
	free(tmp);
}

/* Reads path back: records of kinds 10..14 with their contents, in order. */
static void read_back(const char *path, const char *what)
{
	static uint8_t want[1500000];
	struct trace_reader *r;
	const uint8_t *payload;
	uint32_t kind;
	size_t len;
	unsigned i = 0;

	if (trace_reader_open(path, &r) < 0) {
		CHECK(0, "%s: cannot open %s", what, path);
		return;
	}
	while (trace_reader_next(r, &kind, &payload, &len) == 1 && i < 5) {
		fill(want, sizes[i], i);
		CHECK(kind == 10 + i && len == sizes[i] && !memcmp(payload, want, len),
		      "%s: record %u is of kind %u and %zu bytes", what, i, kind, len);
		i++;
	}
	CHECK(i == 5, "%s: %u records read back", what, i);
	trace_reader_close(r);
}

int main(void)
{
	char *a, *b, *cap, *none;
	struct trace_writer *w;
	uint8_t *chunks, rec0[100], rec4[70];
	uint64_t ulen;
	size_t len;

	if (!mkdtemp(tmpdir))
		return 1;
	a = in_tmp("a.trace");
	b = in_tmp("b.trace");
	cap = in_tmp("captured");
	none = in_tmp("dropped");
	write_captured(a, cap, true);
	read_back(a, "the capturing trace");
	chunks = load(cap, &len);
	CHECK(chunks && len > 20 && !memcmp(chunks, "CHNK", 4), "the capture holds chunks");

	/* Another trace: record 0, the captured chunks (records 1..3), record 4. */
	if (chunks && trace_writer_create(b, true, "h", 1, &w) == 0) {
		fill(rec0, sizeof(rec0), 0);
		fill(rec4, sizeof(rec4), 4);
		CHECK(trace_writer_add(w, 10, rec0, sizeof(rec0)) == 0, "record 0 added");
		chunks[len / 2] ^= 1;
		CHECK(trace_writer_add_chunks(w, chunks, len, &ulen) == -EINVAL &&
			  trace_writer_records(w) == 1,
		      "damaged chunks added");
		chunks[len / 2] ^= 1;
		CHECK(trace_writer_add_chunks(w, chunks, len - 1, &ulen) == -EINVAL,
		      "a cut chunk added");
		CHECK(trace_writer_add_chunks(w, chunks, len, &ulen) == 0 &&
			  trace_writer_records(w) == 4 && ulen > sizes[1] + sizes[2] + sizes[3],
		      "captured chunks not added as records 1..3 (%llu records)",
		      (unsigned long long)trace_writer_records(w));
		CHECK(trace_writer_add(w, 14, rec4, sizeof(rec4)) == 0, "record 4 added");
		CHECK(trace_writer_finish(w) == 0, "%s finished", b);
		read_back(b, "the trace of reused chunks");
	}
	free(chunks);

	write_captured(a, none, false);
	CHECK(access(none, F_OK) < 0, "a capture not kept left its file");
	unlink(a);
	unlink(b);
	unlink(cap);
	rmdir(tmpdir);
	free(a);
	free(b);
	free(cap);
	free(none);
	if (failures) {
		printf("test_trace_capture: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_trace_capture: all %d checks passed\n", checks);
	return 0;
}
