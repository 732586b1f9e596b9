/*
 * Unit tests of the trace container (src/trace_format): records survive a
 * round trip across chunks, a file cut at any byte reads as truncated and
 * gives exactly the records of its complete chunks, corruption anywhere in a
 * chunk is reported with the chunk's offset, and the file header's magic,
 * CRC and major version are enforced. The test parses the layout itself
 * (docs/trace-format.md) to know where chunks start and end.
 *
 * Prints each failure and exits non-zero if there was any.
 */
#include "trace_format/trace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MiB (1024u * 1024u)

static int failures;
static char tmpdir[] = "/tmp/rw-trace-test.XXXXXX";

static void fail(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL test_trace_codec.c:%d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail(__LINE__, __VA_ARGS__);                                               \
	} while (0)

/* ---- deterministic record contents ---------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint32_t kind_of(uint64_t i)
{
	return i % 5 == 0 ? (uint32_t)(UINT32_MAX - i) : (uint32_t)(i % 300);
}

/* Half random, half repeated: compressible, but not to nothing. */
static void fill_record(uint64_t i, uint8_t *p, size_t len)
{
	uint64_t seed = mix(i + 1);

	for (size_t j = 0; j < len; j += 8) {
		uint64_t v = (j / 8) % 4 < 2 ? mix(seed + j) : seed;
		size_t n = len - j < 8 ? len - j : 8;

		memcpy(p + j, &v, n);
	}
}

/* A set of records: how many and how big each is. */
struct record_set {
	uint64_t count;
	size_t (*size_of)(uint64_t i);
	uint64_t flush_every; /* extra trace_writer_flush calls, 0 for none */
};

/* Varied sizes, zero-length ones, a 5 MiB one: spans many chunks. */
static size_t size_varied(uint64_t i)
{
	if (i == 1234)
		return 5 * MiB;
	if (i % 10 == 0)
		return 0;
	if (i % 97 == 0)
		return 200000;
	return (size_t)(mix(i * 7) % 3000);
}

/* Smaller, for sweeps that read the file hundreds of times. */
static size_t size_small(uint64_t i)
{
	if (i % 9 == 0)
		return 0;
	return (size_t)(mix(i * 13) % 6000);
}

static const struct record_set varied = {3000, size_varied, 0};
static const struct record_set small = {420, size_small, 97};

static uint8_t *scratch;
static size_t scratch_cap;

static uint8_t *scratch_for(size_t len)
{
	if (len > scratch_cap) {
		free(scratch);
		scratch = malloc(len);
		if (!scratch) {
			fprintf(stderr, "FAIL: out of memory\n");
			exit(1);
		}
		scratch_cap = len;
	}
	return scratch;
}

/* ---- files and stderr ------------------------------------------------------------------ */

static char *path_in_tmp(const char *name)
{
	static char paths[16][256];
	static int next;
	char *p = paths[next++ % 16];

	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long size;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc(size ? (size_t)size : 1);
	if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*len = (size_t)size;
	return data;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "FAIL: cannot write %s\n", path);
		exit(1);
	}
}

static int saved_stderr = -1;
static char capture_path[300];

/* Sends fd 2 to a file until capture_end, which returns what was written there. */
static void capture_begin(void)
{
	int fd;

	fflush(stderr);
	snprintf(capture_path, sizeof(capture_path), "%s/stderr.txt", tmpdir);
	fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved_stderr = dup(2);
	if (fd < 0 || saved_stderr < 0) {
		perror("capture");
		exit(1);
	}
	dup2(fd, 2);
	close(fd);
}

static char *capture_end(void)
{
	size_t len;
	uint8_t *text;
	char *s;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	text = read_file(capture_path, &len);
	s = malloc(len + 1);
	if (!s || !text) {
		fprintf(stderr, "FAIL: cannot read captured stderr\n");
		exit(1);
	}
	memcpy(s, text, len);
	s[len] = 0;
	free(text);
	return s;
}

static int count_of(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- writing and reading a record set -------------------------------------------------- */

static const char header_payload[] = "machine=test cpu=none; header payload for the codec test";

/* Writes the set; finish (footer) or abandon (no footer). Returns 0 or the error. */
static int write_set(const char *path, const struct record_set *set, bool finish)
{
	struct trace_writer *w;
	int ret;

	ret = trace_writer_create(path, true, header_payload, sizeof(header_payload), &w);
	if (ret)
		return ret;
	for (uint64_t i = 0; i < set->count && !ret; i++) {
		size_t len = set->size_of(i);
		uint8_t *p = scratch_for(len + 1);

		fill_record(i, p, len);
		ret = trace_writer_add(w, kind_of(i), len ? p : NULL, len);
		if (!ret && set->flush_every && i % set->flush_every == set->flush_every - 1)
			ret = trace_writer_flush(w);
	}
	if (ret || !finish) {
		trace_writer_abandon(w);
		return ret;
	}
	return trace_writer_finish(w);
}

struct read_result {
	int open_ret;
	int ret; /* last trace_reader_next result */
	uint64_t records;
	uint64_t chunks;
	bool truncated, has_footer, mismatch;
	int64_t error_offset;
};

/* Reads every record of path, checking each against the set. */
static struct read_result read_set(const char *path, const struct record_set *set)
{
	struct read_result res = {0};
	struct trace_reader *r;
	const uint8_t *payload;
	uint32_t kind;
	size_t len;

	res.open_ret = trace_reader_open(path, &r);
	if (res.open_ret)
		return res;
	res.has_footer = trace_reader_has_footer(r);
	while ((res.ret = trace_reader_next(r, &kind, &payload, &len)) == 1) {
		uint64_t i = res.records++;
		size_t want = i < set->count ? set->size_of(i) : 0;
		uint8_t *p = scratch_for(want + 1);

		fill_record(i, p, want);
		if (i >= set->count || kind != kind_of(i) || len != want ||
		    (len && memcmp(p, payload, len) != 0) || trace_reader_record_index(r) != i) {
			if (!res.mismatch)
				fail(__LINE__, "%s: record %llu differs (kind %u, %zu bytes)", path,
				     (unsigned long long)i, kind, len);
			res.mismatch = true;
		}
	}
	/* The end, or the error, stays put. */
	CHECK(trace_reader_next(r, &kind, &payload, &len) == res.ret,
	      "%s: next after the end did not repeat %d", path, res.ret);
	res.chunks = trace_reader_chunks(r);
	res.truncated = trace_reader_truncated(r);
	res.error_offset = trace_reader_error_offset(r);
	trace_reader_close(r);
	return res;
}

/* ---- the layout, parsed independently of the reader ------------------------------------- */

#define MAX_CHUNKS 256

struct layout {
	uint64_t data_start, footer, size;
	uint32_t nchunks;
	uint64_t offset[MAX_CHUNKS], end[MAX_CHUNKS], first[MAX_CHUNKS];
	uint32_t count[MAX_CHUNKS];
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void set_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static bool parse_layout(const uint8_t *d, size_t size, struct layout *l)
{
	const uint8_t *idx;

	memset(l, 0, sizeof(*l));
	l->size = size;
	if (size < 40 || memcmp(d, "RWNDTRC\0", 8) || memcmp(d + size - 8, "RWNDEND\0", 8))
		return false;
	l->data_start = 24 + (uint64_t)le32(d + 16);
	l->footer = le64(d + size - 16);
	if (l->footer > size - 28 || memcmp(d + l->footer, "INDX", 4))
		return false;
	l->nchunks = le32(d + l->footer + 4);
	if (l->nchunks > MAX_CHUNKS || l->footer + 28 + 20ull * l->nchunks != size)
		return false;
	idx = d + l->footer + 8;
	if (crc32(0, idx, 20 * l->nchunks) != le32(idx + 20 * l->nchunks))
		return false;
	for (uint32_t i = 0; i < l->nchunks; i++) {
		const uint8_t *e = idx + 20 * i;

		l->offset[i] = le64(e);
		l->first[i] = le64(e + 8);
		l->count[i] = le32(e + 16);
		if (memcmp(d + l->offset[i], "CHNK", 4) ||
		    le32(d + l->offset[i] + 12) != l->count[i])
			return false;
		l->end[i] = l->offset[i] + 20 + le32(d + l->offset[i] + 4);
	}
	for (uint32_t i = 0; i < l->nchunks; i++)
		if (l->end[i] != (i + 1 < l->nchunks ? l->offset[i + 1] : l->footer))
			return false;
	return l->nchunks == 0 || l->offset[0] == l->data_start;
}

static bool load_layout(const char *path, struct layout *l, uint8_t **data)
{
	size_t size;

	*data = read_file(path, &size);
	if (!*data || !parse_layout(*data, size, l)) {
		fail(__LINE__, "%s: layout does not parse as documented", path);
		free(*data);
		*data = NULL;
		return false;
	}
	return true;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_round_trip(void)
{
	const char *path = path_in_tmp("varied.rwt");
	struct read_result res;
	struct trace_reader *r;
	struct layout l;
	uint8_t *data;
	bool big_alone = false;
	uint32_t major, minor;
	size_t hlen;
	const void *h;

	CHECK(write_set(path, &varied, true) == 0, "writing %s failed", path);
	res = read_set(path, &varied);
	CHECK(res.open_ret == 0 && res.ret == 0, "%s: open %d, read %d", path, res.open_ret,
	      res.ret);
	CHECK(res.records == varied.count && !res.mismatch, "%s: read %llu of %llu records", path,
	      (unsigned long long)res.records, (unsigned long long)varied.count);
	CHECK(res.has_footer && !res.truncated, "%s: footer %d, truncated %d", path, res.has_footer,
	      res.truncated);
	CHECK(res.chunks >= 8, "%s: only %llu chunks", path, (unsigned long long)res.chunks);
	CHECK(res.error_offset == -1, "%s: error offset %lld", path, (long long)res.error_offset);

	if (trace_reader_open(path, &r) == 0) {
		h = trace_reader_header(r, &hlen);
		CHECK(hlen == sizeof(header_payload) && !memcmp(h, header_payload, hlen),
		      "%s: header payload differs", path);
		trace_reader_version(r, &major, &minor);
		CHECK(major == TRACE_VERSION_MAJOR && minor == TRACE_VERSION_MINOR,
		      "%s: version %u.%u", path, major, minor);
		trace_reader_close(r);
	}
	if (load_layout(path, &l, &data)) {
		for (uint32_t i = 0; i < l.nchunks; i++) {
			uint32_t ulen = le32(data + l.offset[i] + 8);

			CHECK(ulen <= MiB + 10000 || l.count[i] == 1,
			      "chunk %u: %u bytes in %u records", i, ulen, l.count[i]);
			if (l.first[i] == 1234 && l.count[i] == 1)
				big_alone = true;
		}
		CHECK(big_alone, "%s: the 5 MiB record does not have a chunk of its own", path);
		free(data);
	}
}

/* Reads chunk number `chunk` through seek_chunk and load_chunk; checks its records against l. */
static void check_chunk_read(const char *path, struct trace_reader *r, const struct layout *l,
			     uint32_t chunk)
{
	const uint8_t *payload;
	uint32_t kind, n = 0;
	size_t len;

	CHECK(trace_reader_seek_chunk(r, chunk) == 0, "%s: seek to chunk %u", path, chunk);
	CHECK(trace_reader_load_chunk(r) == 1, "%s: load chunk %u", path, chunk);
	CHECK(trace_reader_chunk_left(r) == l->count[chunk], "%s: chunk %u has %u records, not %u",
	      path, chunk, trace_reader_chunk_left(r), l->count[chunk]);
	while (trace_reader_chunk_left(r)) {
		uint64_t i = l->first[chunk] + n++;
		size_t want = varied.size_of(i);
		uint8_t *p = scratch_for(want + 1);

		fill_record(i, p, want);
		if (trace_reader_next(r, &kind, &payload, &len) != 1 || kind != kind_of(i) ||
		    len != want || (len && memcmp(p, payload, len)) ||
		    trace_reader_record_index(r) != i) {
			fail(__LINE__, "%s: chunk %u, record %llu differs", path, chunk,
			     (unsigned long long)i);
			return;
		}
	}
	CHECK(trace_reader_chunks(r) == chunk + 1, "%s: %llu chunks after chunk %u", path,
	      (unsigned long long)trace_reader_chunks(r), chunk);
}

/* Chunks read out of order through the index footer, as the replay's two readers do. */
static void test_chunk_seek(void)
{
	const char *path = path_in_tmp("varied.rwt");
	const char *cut = path_in_tmp("seek-no-footer.rwt");
	struct trace_reader *r;
	struct layout l;
	uint8_t *data;

	if (!load_layout(path, &l, &data))
		return;
	if (trace_reader_open(path, &r) == 0) {
		CHECK(trace_reader_indexed_chunks(r) == l.nchunks,
		      "%s: %llu indexed chunks, not %u", path,
		      (unsigned long long)trace_reader_indexed_chunks(r), l.nchunks);
		check_chunk_read(path, r, &l, l.nchunks - 1);
		check_chunk_read(path, r, &l, 2);
		check_chunk_read(path, r, &l, 0);
		check_chunk_read(path, r, &l, 1); /* the next one, no seek needed */
		CHECK(trace_reader_seek_chunk(r, l.nchunks + 1) == -EINVAL, "%s: seek past the end",
		      path);
		CHECK(trace_reader_seek_chunk(r, l.nchunks) == 0 && trace_reader_load_chunk(r) == 0,
		      "%s: the end after seeking to it", path);
		trace_reader_close(r);
	}
	/* Without a footer, only the chunks read already have a known place. */
	write_file(cut, data, l.footer);
	if (trace_reader_open(cut, &r) == 0) {
		uint64_t chunk = 99;

		CHECK(trace_reader_indexed_chunks(r) == 0, "%s: indexed chunks without a footer",
		      cut);
		CHECK(trace_reader_seek_chunk(r, 1) == -EINVAL, "%s: seek to a chunk not read",
		      cut);
		CHECK(trace_reader_chunk_of(r, l.first[1], &chunk) == -EINVAL,
		      "%s: chunk of a record not read", cut);
		check_chunk_read(cut, r, &l, 0);
		check_chunk_read(cut, r, &l, 1);
		check_chunk_read(cut, r, &l, 2);
		CHECK(trace_reader_chunk_of(r, l.first[1] + 1, &chunk) == 0 && chunk == 1,
		      "%s: record %llu is in chunk %llu, not 1", cut,
		      (unsigned long long)l.first[1] + 1, (unsigned long long)chunk);
		check_chunk_read(cut, r, &l, 1);
		CHECK(trace_reader_seek_chunk(r, 3) == -EINVAL, "%s: seek to chunk 3 not read",
		      cut);
		trace_reader_close(r);
	}
	if (trace_reader_open(path, &r) == 0) {
		uint64_t chunk = 99;

		CHECK(trace_reader_chunk_of(r, l.first[2], &chunk) == 0 && chunk == 2,
		      "%s: first record of chunk 2 is in chunk %llu", path,
		      (unsigned long long)chunk);
		CHECK(trace_reader_chunk_of(r, l.first[l.nchunks - 1] + l.count[l.nchunks - 1],
					    &chunk) == 0 &&
			  chunk == l.nchunks,
		      "%s: the end is chunk %llu", path, (unsigned long long)chunk);
		trace_reader_close(r);
	}
	free(data);
}

static size_t size_huge(uint64_t i)
{
	return i == 1 ? 64 * MiB : 10;
}

static void test_huge_record(void)
{
	const struct record_set huge = {3, size_huge, 0};
	const char *path = path_in_tmp("huge.rwt");
	struct read_result res;

	CHECK(write_set(path, &huge, true) == 0, "writing %s failed", path);
	res = read_set(path, &huge);
	CHECK(res.ret == 0 && res.records == 3 && !res.mismatch && res.chunks == 3,
	      "%s: 64 MiB record: ret %d, %llu records, %llu chunks", path, res.ret,
	      (unsigned long long)res.records, (unsigned long long)res.chunks);
	unlink(path);
}

/* Records of complete chunks that end at or before cut. */
static uint64_t records_before(const struct layout *l, uint64_t cut, uint64_t *chunks)
{
	uint64_t n = 0;

	*chunks = 0;
	for (uint32_t i = 0; i < l->nchunks && l->end[i] <= cut; i++) {
		n += l->count[i];
		(*chunks)++;
	}
	return n;
}

static void check_cut(const char *path, const struct layout *l, uint64_t cut)
{
	struct read_result res;
	uint64_t want_chunks, want = records_before(l, cut, &want_chunks);
	char *err;

	capture_begin();
	res = read_set(path, &small);
	err = capture_end();
	if (cut < l->data_start) {
		CHECK(res.open_ret < 0, "cut at %llu (inside the file header): opened",
		      (unsigned long long)cut);
	} else if (cut == l->size) {
		CHECK(res.ret == 0 && !res.truncated && res.records == small.count,
		      "uncut file: ret %d truncated %d records %llu", res.ret, res.truncated,
		      (unsigned long long)res.records);
	} else {
		CHECK(res.open_ret == 0 && res.ret == 0 && res.truncated && !res.has_footer &&
			  !res.mismatch && res.records == want && res.chunks == want_chunks,
		      "cut at %llu: open %d ret %d truncated %d footer %d: %llu records in %llu "
		      "chunks, want %llu in %llu",
		      (unsigned long long)cut, res.open_ret, res.ret, res.truncated, res.has_footer,
		      (unsigned long long)res.records, (unsigned long long)res.chunks,
		      (unsigned long long)want, (unsigned long long)want_chunks);
		CHECK(count_of(err, "warning:") == 1 && strstr(err, path),
		      "cut at %llu: want one warning naming the file, got: %s",
		      (unsigned long long)cut, err);
	}
	free(err);
}

static int compare_u64_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

static void test_truncation_sweep(void)
{
	const char *path = path_in_tmp("small.rwt"), *cut_path = path_in_tmp("cut.rwt");
	uint64_t *cuts, ncuts = 0, prev = UINT64_MAX;
	struct layout l;
	uint8_t *data;
	int fd;

	CHECK(write_set(path, &small, true) == 0, "writing %s failed", path);
	if (!load_layout(path, &l, &data))
		return;
	CHECK(l.nchunks >= 5, "%s: only %u chunks", path, l.nchunks);
	cuts = malloc(sizeof(*cuts) * (l.size / 1531 + l.data_start + 40 * l.nchunks + 200));
	for (uint64_t c = 0; c <= l.data_start + 2; c++)
		cuts[ncuts++] = c;
	for (uint64_t c = l.data_start; c < l.size; c += 1531)
		cuts[ncuts++] = c;
	for (uint32_t i = 0; i < l.nchunks; i++) {
		static const int around[] = {-1, 0, 1, 2, 3, 4, 5, 11, 19, 20, 21};

		for (size_t k = 0; k < sizeof(around) / sizeof(around[0]); k++)
			cuts[ncuts++] = l.offset[i] + (uint64_t)(int64_t)around[k];
		cuts[ncuts++] = l.end[i] - 1;
	}
	for (uint64_t c = l.footer; c <= l.size; c++)
		cuts[ncuts++] = c;

	/* Largest first, so one copy is shortened step by step. */
	qsort(cuts, ncuts, sizeof(*cuts), compare_u64_desc);
	write_file(cut_path, data, l.size);
	fd = open(cut_path, O_WRONLY);
	for (uint64_t k = 0; k < ncuts; k++) {
		if (cuts[k] == prev)
			continue;
		prev = cuts[k];
		if (ftruncate(fd, (off_t)cuts[k]) < 0)
			fail(__LINE__, "ftruncate %s: %s", cut_path, strerror(errno));
		check_cut(cut_path, &l, cuts[k]);
	}
	close(fd);

	/* The exact warning for a file that stops right after a chunk. */
	write_file(cut_path, data, l.end[2]);
	capture_begin();
	read_set(cut_path, &small);
	{
		char *err = capture_end(), want[512];

		snprintf(want, sizeof(want),
			 "rewind: warning: %s is truncated at byte %llu (no index footer): read 3 "
			 "complete chunks\n",
			 cut_path, (unsigned long long)l.end[2]);
		CHECK(strcmp(err, want) == 0, "truncation warning: got \"%s\" want \"%s\"", err,
		      want);
		free(err);
	}
	free(cuts);
	free(data);
}

/* Flips bit `mask` of byte `at` in a copy and expects -EBADMSG at chunk offset `chunk`. */
static void check_corrupt(const uint8_t *data, size_t size, uint64_t at, uint8_t mask,
			  uint64_t chunk, const struct layout *l, const char *what)
{
	const char *path = path_in_tmp("corrupt.rwt");
	uint8_t *copy = malloc(size);
	struct read_result res;
	uint64_t want_chunks, want = records_before(l, chunk, &want_chunks);
	char needle[400], *err;

	memcpy(copy, data, size);
	copy[at] ^= mask;
	write_file(path, copy, size);
	capture_begin();
	res = read_set(path, &small);
	err = capture_end();
	snprintf(needle, sizeof(needle), "rewind: %s: chunk at offset %llu: ", path,
		 (unsigned long long)chunk);
	CHECK(res.open_ret == 0 && res.ret == -EBADMSG && res.error_offset == (int64_t)chunk,
	      "%s (byte %llu): open %d ret %d error offset %lld, want -EBADMSG at %llu", what,
	      (unsigned long long)at, res.open_ret, res.ret, (long long)res.error_offset,
	      (unsigned long long)chunk);
	CHECK(res.records == want && !res.mismatch,
	      "%s: %llu records before the corrupt chunk, want %llu", what,
	      (unsigned long long)res.records, (unsigned long long)want);
	CHECK(count_of(err, needle) == 1, "%s: want one \"%s...\" message, got: %s", what, needle,
	      err);
	free(err);
	free(copy);
}

static void test_corrupt_chunks(void)
{
	const char *path = path_in_tmp("small.rwt");
	static const struct {
		unsigned at;
		uint8_t mask;
		const char *what;
	} fields[] = {
	    {0, 0x20, "chunk magic"},
	    {4, 0x01, "compressed length, low bit"},
	    {7, 0x80, "compressed length, high bit"},
	    {6, 0x01, "compressed length, into the next chunk"},
	    {8, 0x01, "uncompressed length, low bit"},
	    {11, 0x10, "uncompressed length, high bit"},
	    {12, 0x01, "record count"},
	    {16, 0x04, "chunk CRC"},
	    {20, 0x01, "first compressed byte"},
	};
	struct layout l;
	uint8_t *data;

	if (!load_layout(path, &l, &data))
		return;
	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
		check_corrupt(data, l.size, l.offset[2] + fields[k].at, fields[k].mask, l.offset[2],
			      &l, fields[k].what);
	/* Bytes spread over the compressed data of every chunk. */
	for (uint32_t i = 0; i < l.nchunks; i++)
		for (uint64_t at = l.offset[i] + 21; at < l.end[i]; at += (l.end[i] - at) / 3 + 1)
			check_corrupt(data, l.size, at, 0x40, l.offset[i], &l, "compressed data");
	/* Without a footer (cut just before it), a flipped data byte is still corruption. */
	check_corrupt(data, l.footer, l.offset[1] + 100, 0x08, l.offset[1], &l,
		      "compressed data, no footer");
	free(data);
}

/* Appends a hand-made chunk with a correct CRC to an empty trace. */
static void check_bad_chunk(const uint8_t *raw, size_t raw_len, uint32_t ulen_delta, uint32_t count,
			    bool trailing_garbage, const char *what)
{
	const char *path = path_in_tmp("handmade.rwt");
	struct trace_writer *w;
	uLongf clen = compressBound(raw_len) + 1;
	uint8_t *file = malloc(24 + sizeof(header_payload) + 20 + clen);
	size_t hdr_len, size;
	struct read_result res;
	uint8_t *hdr;
	char *err;

	if (trace_writer_create(path, true, header_payload, sizeof(header_payload), &w) != 0) {
		fail(__LINE__, "cannot create %s", path);
		free(file);
		return;
	}
	trace_writer_abandon(w);
	hdr = read_file(path, &hdr_len);
	memcpy(file, hdr, hdr_len);
	compress2(file + hdr_len + 20, &clen, raw, raw_len, 1);
	if (trailing_garbage)
		file[hdr_len + 20 + clen++] = 0x55;
	memcpy(file + hdr_len, "CHNK", 4);
	set_le32(file + hdr_len + 4, (uint32_t)clen);
	set_le32(file + hdr_len + 8, (uint32_t)raw_len + ulen_delta);
	set_le32(file + hdr_len + 12, count);
	set_le32(file + hdr_len + 16, (uint32_t)crc32(0, file + hdr_len + 20, (uInt)clen));
	size = hdr_len + 20 + clen;
	write_file(path, file, size);

	capture_begin();
	res = read_set(path, &small);
	err = capture_end();
	CHECK(res.ret == -EBADMSG && res.records == 0 && res.error_offset == (int64_t)hdr_len &&
		  strstr(err, "chunk at offset"),
	      "%s: ret %d, %llu records, error offset %lld, message: %s", what, res.ret,
	      (unsigned long long)res.records, (long long)res.error_offset, err);
	free(err);
	free(hdr);
	free(file);
}

static void test_bad_chunk_contents(void)
{
	/* kind 5, length 3, "abc"; kind 6, length 0 */
	static const uint8_t good[] = {5, 3, 'a', 'b', 'c', 6, 0};
	static const uint8_t overrun[] = {5, 3, 'a', 'b', 'c', 6, 4, 'x'};
	static const uint8_t cut_varint[] = {5, 3, 'a', 'b', 'c', 0x86};
	static const uint8_t big_kind[] = {0x80, 0x80, 0x80, 0x80, 0x10, 0};
	uint8_t *zeros = calloc(1, 2 * MiB);

	check_bad_chunk(overrun, sizeof(overrun), 0, 2, false, "record length overruns the chunk");
	check_bad_chunk(cut_varint, sizeof(cut_varint), 0, 2, false, "varint cut by the chunk end");
	check_bad_chunk(big_kind, sizeof(big_kind), 0, 1, false, "kind wider than 32 bits");
	check_bad_chunk(good, sizeof(good), 0, 3, false, "record count too high");
	check_bad_chunk(good, sizeof(good), 0, 1, false, "record count too low");
	check_bad_chunk(good, sizeof(good), 1, 2, false, "uncompressed length too high");
	check_bad_chunk(good, sizeof(good), (uint32_t)-1, 2, false, "uncompressed length too low");
	check_bad_chunk(good, sizeof(good), 300 * MiB, 2, false, "uncompressed length absurd");
	check_bad_chunk(good, sizeof(good), 200 * MiB, 2, false, "ratio impossible");
	check_bad_chunk(good, sizeof(good), 0, 2, true, "garbage after the deflate stream");
	/* 2 MiB of zeros deflate to ~2 KiB; claiming a bit more must not pass. */
	check_bad_chunk(zeros, 2 * MiB, 4096, 0, false, "zeros, uncompressed length too high");
	free(zeros);
}

static void check_open_refused(const char *path, int want_ret, const char *want_msg)
{
	struct trace_reader *r = NULL;
	char *err;
	int ret;

	capture_begin();
	ret = trace_reader_open(path, &r);
	err = capture_end();
	CHECK(ret == want_ret && !r && strstr(err, want_msg) && strstr(err, path),
	      "%s: open returned %d (want %d), message: %s (want \"%s\")", path, ret, want_ret, err,
	      want_msg);
	free(err);
}

static void test_file_header(void)
{
	const char *path = path_in_tmp("small.rwt"), *bad = path_in_tmp("header.rwt");
	struct trace_reader *r;
	uint32_t major, minor;
	size_t size;
	uint8_t *data = read_file(path, &size);

	if (!data) {
		fail(__LINE__, "cannot read %s", path);
		return;
	}
	data[24 + 5] ^= 1;
	write_file(bad, data, size);
	check_open_refused(bad, -EBADMSG, "trace file header is corrupt (CRC mismatch)");
	data[24 + 5] ^= 1;

	for (int delta = -1; delta <= 1; delta += 2) {
		char want[128];

		set_le32(data + 8, (uint32_t)(TRACE_VERSION_MAJOR + delta));
		set_le32(data + 12, 0);
		write_file(bad, data, size);
		snprintf(want, sizeof(want),
			 "trace format version %d.0 is not supported by this rewind (it reads "
			 "version %d.x)",
			 TRACE_VERSION_MAJOR + delta, TRACE_VERSION_MAJOR);
		check_open_refused(bad, -ENOTSUP, want);
	}

	set_le32(data + 8, TRACE_VERSION_MAJOR);
	set_le32(data + 12, TRACE_VERSION_MINOR);
	set_le32(data + 16, 0x7fffffff);
	write_file(bad, data, size);
	check_open_refused(bad, -EBADMSG, "file header");
	set_le32(data + 16, sizeof(header_payload));

	/* A later minor version of the same major reads. */
	set_le32(data + 12, 7);
	write_file(bad, data, size);
	if (trace_reader_open(bad, &r) == 0) {
		trace_reader_version(r, &major, &minor);
		CHECK(major == TRACE_VERSION_MAJOR && minor == 7, "minor bump: version %u.%u",
		      major, minor);
		trace_reader_close(r);
	} else {
		fail(__LINE__, "a trace of a later minor version was refused");
	}
	CHECK(read_set(bad, &small).records == small.count, "a later minor: records missing");

	data[3] = 'x';
	write_file(bad, data, size);
	check_open_refused(bad, -EINVAL, "not a rewind trace");
	write_file(bad, data, 0);
	check_open_refused(bad, -EINVAL, "not a rewind trace");
	check_open_refused(path_in_tmp("missing.rwt"), -ENOENT, "cannot open");
	free(data);
}

static void test_no_footer(void)
{
	const char *path = path_in_tmp("abandoned.rwt");
	struct read_result res;
	char *err;

	CHECK(write_set(path, &varied, false) == 0, "writing %s failed", path);
	capture_begin();
	res = read_set(path, &varied);
	err = capture_end();
	CHECK(res.open_ret == 0 && res.ret == 0 && res.records == varied.count && !res.mismatch &&
		  res.truncated && !res.has_footer,
	      "%s: abandoned trace: ret %d, %llu records, truncated %d", path, res.ret,
	      (unsigned long long)res.records, res.truncated);
	CHECK(count_of(err, "is truncated at byte") == 1 && count_of(err, "(no index footer)") == 1,
	      "%s: want one truncation warning, got: %s", path, err);
	free(err);
	unlink(path);
}

static void test_damaged_footer(void)
{
	const char *path = path_in_tmp("small.rwt"), *bad = path_in_tmp("footer.rwt");
	struct read_result res;
	struct layout l;
	uint8_t *data;
	char *err;

	if (!load_layout(path, &l, &data))
		return;
	data[l.footer + 8 + 3] ^= 1; /* inside the first index entry: CRC fails */
	write_file(bad, data, l.size);
	capture_begin();
	res = read_set(bad, &small);
	err = capture_end();
	CHECK(res.ret == 0 && !res.has_footer && res.truncated && res.records == small.count &&
		  !res.mismatch && strstr(err, "index footer"),
	      "damaged footer: ret %d footer %d truncated %d records %llu, message: %s", res.ret,
	      res.has_footer, res.truncated, (unsigned long long)res.records, err);
	free(err);
	free(data);
}

/*
 * trace_writer_cut ends chunks where the caller says (as the recorder does
 * around a stored file's records); trace_reader_check_chunk passes over a
 * chunk's records after checking its CRC, without inflating it;
 * trace_reader_chunk_records gives a chunk's place from the footer.
 */
static void test_cut_and_check(void)
{
	const char *path = path_in_tmp("cut.rwt");
	const char *bad = path_in_tmp("cut-bad.rwt");
	const char *garbled = path_in_tmp("cut-garbled.rwt");
	static const uint32_t sizes[6] = {10, 20, 30, 2000, 50, 60};
	struct trace_writer *w;
	struct trace_reader *r;
	struct layout l;
	uint8_t *data, *copy;
	uint64_t first, off;
	uint32_t count, kind;
	const uint8_t *payload;
	size_t len;

	if (trace_writer_create(path, true, "h", 1, &w) < 0) {
		fail(__LINE__, "cannot create %s", path);
		return;
	}
	for (uint64_t i = 0; i < 6; i++) {
		uint8_t *p = scratch_for(sizes[i]);

		if (i == 3 || i == 5)
			CHECK(trace_writer_cut(w) == 0 && trace_writer_cut(w) == 0,
			      "cut before %llu", (unsigned long long)i);
		CHECK(trace_writer_records(w) == i, "%llu records counted before record %llu",
		      (unsigned long long)trace_writer_records(w), (unsigned long long)i);
		fill_record(i, p, sizes[i]);
		CHECK(trace_writer_add(w, kind_of(i), p, sizes[i]) == 0, "add %llu",
		      (unsigned long long)i);
	}
	CHECK(trace_writer_finish(w) == 0, "finish %s", path);
	if (!load_layout(path, &l, &data))
		return;
	CHECK(l.nchunks == 3 && l.count[0] == 3 && l.count[1] == 2 && l.count[2] == 1,
	      "%s: cuts gave %u chunks of %u, %u, %u records", path, l.nchunks, l.count[0],
	      l.count[1], l.count[2]);
	if (trace_reader_open(path, &r) == 0) {
		CHECK(trace_reader_chunk_records(r, 1, &first, &count, &off) == 0 && first == 3 &&
			  count == 2 && off == l.offset[1],
		      "%s: chunk 1 is at %llu with records %llu+%u", path, (unsigned long long)off,
		      (unsigned long long)first, count);
		CHECK(trace_reader_chunk_records(r, 3, &first, &count, &off) == -EINVAL,
		      "%s: a chunk past the end has a place", path);
		CHECK(trace_reader_check_chunk(r) == 1 && trace_reader_chunk_left(r) == 0,
		      "%s: chunk 0 checked, its records passed over", path);
		CHECK(trace_reader_next(r, &kind, &payload, &len) == 1 &&
			  trace_reader_record_index(r) == 3 && kind == kind_of(3) &&
			  len == sizes[3],
		      "%s: after passing over chunk 0, record %llu of kind %u", path,
		      (unsigned long long)trace_reader_record_index(r), kind);
		trace_reader_close(r);
	}
	/* check_chunk still finds a damaged CRC, and names the chunk. */
	copy = malloc(l.size);
	if (!copy)
		abort();
	memcpy(copy, data, l.size);
	copy[l.offset[1] + 20 + 3] ^= 0x40;
	write_file(bad, copy, l.size);
	if (trace_reader_open(bad, &r) == 0) {
		char *err;

		CHECK(trace_reader_seek_chunk(r, 1) == 0, "%s: seek to chunk 1", bad);
		capture_begin();
		CHECK(trace_reader_check_chunk(r) < 0, "%s: a damaged chunk passes the check", bad);
		err = capture_end();
		CHECK(count_of(err, "CRC mismatch") == 1, "%s: no CRC error for chunk 1: %s", bad,
		      err);
		free(err);
		trace_reader_close(r);
	}
	/*
	 * Compressed bytes changed with the CRC made to match: the check (which
	 * does not inflate) lets the chunk through, reading it does not.
	 */
	memcpy(copy, data, l.size);
	memset(copy + l.offset[1] + 20 + 2, 0xff, 8);
	set_le32(copy + l.offset[1] + 16,
		 (uint32_t)crc32(0, copy + l.offset[1] + 20, (uInt)(l.end[1] - l.offset[1] - 20)));
	write_file(garbled, copy, l.size);
	if (trace_reader_open(garbled, &r) == 0) {
		char *err;

		CHECK(trace_reader_seek_chunk(r, 1) == 0 && trace_reader_check_chunk(r) == 1,
		      "%s: check of chunk 1 with a matching CRC", garbled);
		CHECK(trace_reader_seek_chunk(r, 1) == 0, "%s: seek back to chunk 1", garbled);
		capture_begin();
		CHECK(trace_reader_load_chunk(r) < 0, "%s: garbled chunk 1 inflated", garbled);
		err = capture_end();
		CHECK(count_of(err, "chunk at offset") == 1, "%s: no error for chunk 1: %s",
		      garbled, err);
		free(err);
		trace_reader_close(r);
	}
	free(copy);
	free(data);
}

static void test_writer_errors(void)
{
	const char *path = path_in_tmp("exists.rwt");
	struct trace_writer *w;
	uint8_t byte = 0;
	struct stat st;
	char *err;
	int ret;

	CHECK(trace_writer_create(path, false, NULL, 0, &w) == 0, "create %s", path);
	CHECK(trace_writer_bytes(w) == 24, "header of an empty payload is %llu bytes",
	      (unsigned long long)trace_writer_bytes(w));
	capture_begin();
	ret = trace_writer_add(w, 1, &byte, TRACE_RECORD_MAX + 1ul);
	err = capture_end();
	CHECK(ret == -EMSGSIZE && strstr(err, path), "oversized record: %d, message: %s", ret, err);
	free(err);
	CHECK(trace_writer_add(w, 1, &byte, 1) == 0, "add after a refused record");
	CHECK(trace_writer_finish(w) == 0, "finish %s", path);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "%s: mode %o", path,
	      st.st_mode & 0777);

	capture_begin();
	ret = trace_writer_create(path, false, NULL, 0, &w);
	err = capture_end();
	CHECK(ret == -EEXIST && strstr(err, path), "O_EXCL: %d, message: %s", ret, err);
	free(err);
	CHECK(trace_writer_create(path, true, NULL, 0, &w) == 0, "overwrite %s", path);
	if (w)
		CHECK(trace_writer_finish(w) == 0, "finish overwritten %s", path);

	if (access("/dev/full", W_OK) == 0) {
		capture_begin();
		ret = trace_writer_create("/dev/full", true, header_payload, sizeof(header_payload),
					  &w);
		err = capture_end();
		CHECK(ret == -ENOSPC && strstr(err, "/dev/full") && strstr(err, "cannot write"),
		      "/dev/full: %d, message: %s", ret, err);
		free(err);
	}
}

/* Whether path holds exactly text. */
static bool file_is(const char *path, const char *text)
{
	size_t len;
	uint8_t *data = read_file(path, &len);
	bool same = data && len == strlen(text) && !memcmp(data, text, len);

	free(data);
	return same;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write %s", path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

/*
 * An overwritten trace is a new file: a symlink at its path is replaced,
 * not followed; an old file's mode and its other links are not kept; no
 * temporary file stays. A pipe is written in place and survives a discard.
 */
static void test_writer_replaces(void)
{
	const char *outside = path_in_tmp("outside"), *slink = path_in_tmp("link.rwt");
	const char *old = path_in_tmp("old.rwt"), *other = path_in_tmp("old-other-link");
	const char *fifo = path_in_tmp("fifo.rwt");
	struct trace_writer *w;
	struct trace_reader *r;
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rfd;

	write_text(outside, "not a trace", 0644);
	CHECK(symlink(outside, slink) == 0, "symlink %s", slink);
	CHECK(trace_writer_create(slink, true, "h", 1, &w) == 0, "create over a symlink");
	CHECK(w && trace_writer_finish(w) == 0, "finish %s", slink);
	CHECK(file_is(outside, "not a trace"), "the symlink's target was written");
	CHECK(lstat(slink, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600,
	      "%s: mode %o", slink, st.st_mode);
	CHECK(trace_reader_open(slink, &r) == 0, "read %s", slink);
	if (r)
		trace_reader_close(r);

	write_text(old, "old", 0644);
	CHECK(link(old, other) == 0, "link %s", other);
	CHECK(trace_writer_create(old, true, "h", 1, &w) == 0, "create over a 0644 file");
	CHECK(w && trace_writer_finish(w) == 0, "finish %s", old);
	CHECK(stat(old, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_nlink == 1,
	      "%s: mode %o, %lu links", old, st.st_mode & 0777, (unsigned long)st.st_nlink);
	CHECK(file_is(other, "old"), "another link to the old file was written");

	CHECK(trace_writer_create(old, true, "h", 1, &w) == 0, "create %s again", old);
	if (w)
		trace_writer_discard(w);
	CHECK(access(old, F_OK) < 0, "a discarded trace stays");

	CHECK(mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	CHECK(trace_writer_create(fifo, true, "h", 1, &w) == 0, "create on a pipe");
	if (w)
		trace_writer_discard(w);
	CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "the pipe was replaced or removed");
	if (rfd >= 0)
		close(rfd);

	d = opendir(tmpdir);
	while (d && (e = readdir(d)))
		CHECK(!strstr(e->d_name, ".new-"), "temporary file %s stays", e->d_name);
	if (d)
		closedir(d);
}

static void remove_tmpdir(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip();
	test_chunk_seek();
	test_huge_record();
	test_truncation_sweep();
	test_corrupt_chunks();
	test_bad_chunk_contents();
	test_file_header();
	test_no_footer();
	test_damaged_footer();
	test_cut_and_check();
	test_writer_errors();
	test_writer_replaces();
	remove_tmpdir();
	free(scratch);
	if (failures) {
		fprintf(stderr, "test_trace_codec: %d checks failed\n", failures);
		return 1;
	}
	printf("test_trace_codec: all checks passed\n");
	return 0;
}
