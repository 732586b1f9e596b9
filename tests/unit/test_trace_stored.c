/*
 * A stored file's chunks taken from a store entry (trace_writer_add_stored),
 * as the recorder's store of compressed files uses it: an intact entry's
 * chunks are written as they are, and the trace reads back the file's blob
 * records between the records around them; a damaged entry, or one of
 * another file, is replaced by the right chunks, deflated from the file,
 * and the trace is the same; and a file that no longer hashes as it did
 * fails the trace instead of storing other bytes under its hash.
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
#include "common/buf.h"
#include "common/hash.h"
#include "trace_format/event.h"
#include "trace_format/trace.h"

#define PIECE	  (1u << 20)
#define FILE_SIZE (2 * PIECE + 12345)

static char tmpdir[] = "/tmp/rewind-stored-XXXXXX";
static uint8_t contents[FILE_SIZE];
static struct rw_hash hash;

static char *in_tmp(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", tmpdir, name) < 0)
		abort();
	return p;
}

static void put_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

static uint8_t *load(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p = NULL;
	int fd = open(path, O_RDONLY);

	*len = 0;
	if (fd >= 0 && fstat(fd, &st) == 0 && (p = malloc((size_t)st.st_size + 1)))
		*len = read(fd, p, (size_t)st.st_size) == st.st_size ? (size_t)st.st_size : 0;
	if (fd >= 0)
		close(fd);
	return p;
}

/* Record 0 of kind 10, the file's blob records as the recorder adds them (captured into cap). */
static void write_first(const char *path, const char *cap)
{
	char *tmp = in_tmp("cap.tmp");
	struct trace_writer *w;
	struct rw_buf enc;
	int fd;

	if (trace_writer_create(path, true, "h", 1, &w) < 0)
		abort();
	rw_buf_init(&enc);
	CHECK(trace_writer_add(w, 10, "zero", 4) == 0, "record 0 added");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && trace_writer_capture_begin(w, fd, tmp, cap) == 0, "capture begins");
	for (uint64_t off = 0; off < FILE_SIZE; off += PIECE) {
		size_t n = FILE_SIZE - off < PIECE ? FILE_SIZE - off : PIECE;

		rw_buf_reset(&enc);
		trace_blob_encode(&enc, hash, FILE_SIZE, off, contents + off, n);
		CHECK(trace_writer_add(w, TRACE_REC_BLOB, enc.data, enc.len) == 0, "blob added");
	}
	CHECK(trace_writer_capture_end(w, true) == 0, "capture ends");
	CHECK(trace_writer_add(w, 14, "four", 4) == 0, "last record added");
	CHECK(trace_writer_finish(w) == 0, "%s finished", path);
	rw_buf_free(&enc);
	free(tmp);
}

/* A trace of record 0, the file's records from the entry (source src), the last record. */
static int write_from_entry(const char *path, const char *entry, const char *src)
{
	struct trace_writer *w;
	int err;

	if (trace_writer_create(path, true, "h", 1, &w) < 0)
		abort();
	CHECK(trace_writer_add(w, 10, "zero", 4) == 0, "record 0 added");
	err = trace_writer_add_stored(w, &(struct trace_stored_blob){
					     .entry_fd = open(entry, O_RDONLY),
					     .src_fd = open(src, O_RDONLY),
					     .entry_path = entry,
					     .src_path = src,
					     .hash = hash,
					     .size = FILE_SIZE,
					     .piece = PIECE,
					 });
	CHECK(err == 0 && trace_writer_records(w) == 4, "the file's records count as added (%llu)",
	      (unsigned long long)trace_writer_records(w));
	if (!err)
		err = trace_writer_add(w, 14, "four", 4);
	if (err) {
		trace_writer_discard(w);
		return err;
	}
	return trace_writer_finish(w);
}

/* path reads back as record 0, the file's blob records in order, the last record. */
static void read_back(const char *path, const char *what)
{
	struct trace_reader *r;
	const uint8_t *payload, *data;
	uint32_t kind;
	size_t len, dlen;
	uint64_t total, off, want_off = 0;
	struct rw_hash h;
	unsigned i = 0;

	if (trace_reader_open(path, &r) < 0) {
		CHECK(0, "%s: cannot open %s", what, path);
		return;
	}
	while (trace_reader_next(r, &kind, &payload, &len) == 1) {
		if (i == 0 || i == 4) {
			CHECK(kind == (i ? 14u : 10u) && len == 4, "%s: record %u is of kind %u",
			      what, i, kind);
		} else {
			bool ok =
			    kind == TRACE_REC_BLOB &&
			    trace_blob_decode(payload, len, &h, &total, &off, &data, &dlen) == 0 &&
			    rw_hash_eq(h, hash) && total == FILE_SIZE && off == want_off &&
			    !memcmp(data, contents + off, dlen);

			CHECK(ok, "%s: record %u is not the file's bytes at %llu", what, i,
			      (unsigned long long)want_off);
			want_off += ok ? dlen : 0;
		}
		i++;
	}
	CHECK(i == 5 && want_off == FILE_SIZE, "%s: %u records, %llu bytes of the file read back",
	      what, i, (unsigned long long)want_off);
	trace_reader_close(r);
}

int main(void)
{
	char *a = NULL, *b, *entry, *src, *other;
	uint8_t *saved, *now;
	size_t saved_len, now_len;

	if (!mkdtemp(tmpdir))
		return 1;
	for (size_t i = 0; i < FILE_SIZE; i++)
		contents[i] = (uint8_t)(i * 7 + (i >> 11));
	hash = rw_hash_bytes(contents, FILE_SIZE);
	a = in_tmp("a.trace");
	b = in_tmp("b.trace");
	entry = in_tmp("entry");
	src = in_tmp("file");
	other = in_tmp("other");
	put_file(src, contents, FILE_SIZE);
	write_first(a, entry);
	saved = load(entry, &saved_len);
	CHECK(saved && saved_len > 20, "the capture holds the file's chunks");

	CHECK(write_from_entry(b, entry, src) == 0, "a trace from an intact entry");
	read_back(b, "from the intact entry");

	/* A flipped byte: the entry is replaced by the same chunks again. */
	put_file(entry, saved, saved_len);
	{
		int fd = open(entry, O_WRONLY);
		uint8_t byte = saved[saved_len / 2] ^ 1;

		CHECK(fd >= 0 && pwrite(fd, &byte, 1, (off_t)(saved_len / 2)) == 1,
		      "entry damaged");
		close(fd);
	}
	CHECK(write_from_entry(b, entry, src) == 0, "a trace from a damaged entry");
	read_back(b, "from the damaged entry");
	now = load(entry, &now_len);
	CHECK(now && now_len == saved_len && !memcmp(now, saved, saved_len),
	      "the damaged entry was not replaced by the right chunks");
	free(now);

	/* Intact chunks of another file (another hash) under its name: replaced too. */
	hash.lo ^= 1;
	write_first(a, entry);
	hash.lo ^= 1;
	CHECK(write_from_entry(b, entry, src) == 0, "a trace from another file's entry");
	read_back(b, "from another file's entry");
	now = load(entry, &now_len);
	CHECK(now && now_len == saved_len && !memcmp(now, saved, saved_len),
	      "another file's entry was not replaced by the right chunks");
	free(now);

	/* The file changed since it was hashed, and the entry cannot be used: the trace fails. */
	put_file(entry, saved, saved_len / 2);
	contents[5] ^= 1;
	put_file(other, contents, FILE_SIZE);
	contents[5] ^= 1;
	CHECK(write_from_entry(b, entry, other) == -EIO,
	      "a changed file was stored under its hash");
	free(saved);

	unlink(a);
	unlink(b);
	unlink(entry);
	unlink(src);
	unlink(other);
	rmdir(tmpdir);
	free(a);
	free(b);
	free(entry);
	free(src);
	free(other);
	if (failures) {
		printf("test_trace_stored: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_trace_stored: all %d checks passed\n", checks);
	return 0;
}
