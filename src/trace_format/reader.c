/*
 * Trace reader: checks the file header at open, looks for the index footer,
 * then streams the chunks in file order, inflating one at a time and handing
 * out its records. Layout: docs/trace-format.md.
 *
 * Every length read from the file is checked against the file size and the
 * limits in container.h before anything is allocated, so a corrupt or
 * hostile file costs at most one chunk's worth of memory. A chunk is checked
 * whole (CRC, inflate, record framing, record count) before its first record
 * is returned, so a corrupt chunk yields no records at all.
 */
#include "trace_format/trace.h"
#include "trace_format/container.h"

#include "common/buf.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/*
 * Fuzzing builds accept any CRC: a fuzzer cannot forge one, and would never
 * get past it to the inflate and record parsing behind it.
 */
static bool crc_matches(uint32_t computed, uint32_t stored)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	(void)computed;
	(void)stored;
	return true;
#else
	return computed == stored;
#endif
}

struct trace_reader {
	int fd;
	char *path;
	uint64_t file_size;
	uint32_t major, minor;
	uint8_t *header;
	size_t header_len;

	uint64_t data_start; /* first chunk */
	uint64_t data_end;   /* footer start, or the file size without a footer */
	bool has_footer;
	uint32_t index_chunks;
	uint8_t *index; /* encoded index entries of a valid footer */

	uint64_t pos; /* next chunk header */
	uint64_t chunks;
	uint64_t next_record;
	uint64_t last_record;
	bool at_end;
	bool truncated;
	int error; /* sticky once a chunk was found corrupt */
	int64_t error_offset;

	uint8_t *cbuf, *ubuf; /* compressed and uncompressed chunk */
	size_t ccap, ucap;
	struct rw_cursor records; /* the rest of the current chunk */
	uint32_t chunk_left;
	z_stream zs;
	bool zs_ready;

	/* Every chunk loaded so far, for seeking back (a trace without footer too). */
	struct seen_chunk {
		uint64_t offset, first_record;
		uint32_t count;
	} * seen;
	size_t nseen, seen_cap;
};

/* Reads exactly n bytes at off; a short read means the file shrank under us. */
static int read_at(struct trace_reader *r, uint64_t off, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t got = pread(r->fd, p, n, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno;

			rw_error("%s: cannot read at byte %llu: %s", r->path,
				 (unsigned long long)off, strerror(err));
			return -err;
		}
		if (got == 0) {
			rw_error("%s: file ended at byte %llu while reading it (was it truncated "
				 "meanwhile?)",
				 r->path, (unsigned long long)off);
			return -EIO;
		}
		p += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/* Grows *buf to at least n bytes; the caller has bounded n already. */
static int reserve(struct trace_reader *r, uint8_t **buf, size_t *cap, size_t n)
{
	uint8_t *p;

	if (*cap >= n && *buf)
		return 0;
	p = realloc(*buf, n ? n : 1);
	if (!p) {
		rw_error("%s: out of memory reading the trace (%zu bytes)", r->path, n);
		return -ENOMEM;
	}
	*buf = p;
	*cap = n;
	return 0;
}

static int open_file(const char *path, struct trace_reader *r)
{
	struct stat st;

	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		int err = errno;

		rw_error("%s: cannot open: %s", path, strerror(err));
		return -err;
	}
	if (fstat(r->fd, &st) < 0) {
		int err = errno;

		rw_error("%s: cannot stat: %s", path, strerror(err));
		return -err;
	}
	if (!S_ISREG(st.st_mode)) {
		rw_error("%s: not a rewind trace (not a regular file)", path);
		return -EINVAL;
	}
	r->file_size = (uint64_t)st.st_size;
	return 0;
}

static int read_file_header(struct trace_reader *r)
{
	uint8_t fixed[TRACE_FILE_HEADER_SIZE];
	uint32_t crc;
	int ret;

	if (r->file_size < 8) {
		rw_error("%s: not a rewind trace (only %llu bytes)", r->path,
			 (unsigned long long)r->file_size);
		return -EINVAL;
	}
	ret = read_at(r, 0, fixed, 8);
	if (ret)
		return ret;
	if (memcmp(fixed, TRACE_MAGIC, 8) != 0) {
		rw_error("%s: not a rewind trace (bad magic)", r->path);
		return -EINVAL;
	}
	if (r->file_size < TRACE_FILE_HEADER_SIZE) {
		rw_error("%s: trace is truncated inside its file header (%llu bytes)", r->path,
			 (unsigned long long)r->file_size);
		return -EBADMSG;
	}
	ret = read_at(r, 8, fixed + 8, TRACE_FILE_HEADER_SIZE - 8);
	if (ret)
		return ret;
	/* The version comes first: another major may lay out the rest differently. */
	r->major = get_le32(fixed + 8);
	r->minor = get_le32(fixed + 12);
	if (r->major != TRACE_VERSION_MAJOR) {
		rw_error("%s: trace format version %u.%u is not supported by this rewind (it reads "
			 "version %u.x)",
			 r->path, r->major, r->minor, TRACE_VERSION_MAJOR);
		return -ENOTSUP;
	}
	r->header_len = get_le32(fixed + 16);
	crc = get_le32(fixed + 20);
	if (r->header_len > TRACE_HEADER_MAX ||
	    r->header_len > r->file_size - TRACE_FILE_HEADER_SIZE) {
		rw_error("%s: trace is truncated or corrupt in its file header (header payload of "
			 "%zu bytes, file of %llu bytes)",
			 r->path, r->header_len, (unsigned long long)r->file_size);
		return -EBADMSG;
	}
	r->header = malloc(r->header_len ? r->header_len : 1);
	if (!r->header) {
		rw_error("%s: out of memory reading the trace header", r->path);
		return -ENOMEM;
	}
	ret = read_at(r, TRACE_FILE_HEADER_SIZE, r->header, r->header_len);
	if (ret)
		return ret;
	if (!crc_matches((uint32_t)crc32(0, r->header, (uInt)r->header_len), crc)) {
		rw_error("%s: trace file header is corrupt (CRC mismatch)", r->path);
		return -EBADMSG;
	}
	r->data_start = TRACE_FILE_HEADER_SIZE + (uint64_t)r->header_len;
	return 0;
}

/* Checks the entries of a footer at footer_offset: in order, contiguous record numbers. */
static bool index_is_consistent(const struct trace_reader *r, const uint8_t *entries,
				uint32_t count, uint64_t footer_offset)
{
	uint64_t expect_offset = r->data_start;
	uint64_t expect_record = 0;

	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = entries + (size_t)i * TRACE_INDEX_ENTRY_SIZE;
		uint64_t offset = get_le64(e);

		if ((i == 0 && offset != r->data_start) || offset < expect_offset ||
		    get_le64(e + 8) != expect_record)
			return false;
		expect_offset = offset + TRACE_CHUNK_HEADER_SIZE;
		expect_record += get_le32(e + 16);
	}
	return count ? expect_offset <= footer_offset : footer_offset == r->data_start;
}

/*
 * Looks for a valid footer. Any problem only means "no footer": the chunks
 * are then read up to the end of the file and the trace counts as truncated.
 * Returns 0, or a negative errno for a read error.
 */
static int read_footer(struct trace_reader *r)
{
	uint8_t trailer[TRACE_TRAILER_SIZE], fixed[8], crc[4];
	uint64_t footer_offset, entries_len;
	uint32_t count;
	uint8_t *entries;
	int ret;

	r->data_end = r->file_size;
	if (r->file_size - r->data_start < TRACE_INDEX_FIXED_SIZE + TRACE_TRAILER_SIZE)
		return 0;
	ret = read_at(r, r->file_size - TRACE_TRAILER_SIZE, trailer, sizeof(trailer));
	if (ret)
		return ret;
	footer_offset = get_le64(trailer);
	if (memcmp(trailer + 8, TRACE_END_MAGIC, 8) != 0 || footer_offset < r->data_start ||
	    footer_offset > r->file_size - TRACE_INDEX_FIXED_SIZE - TRACE_TRAILER_SIZE)
		return 0;
	ret = read_at(r, footer_offset, fixed, sizeof(fixed));
	if (ret)
		return ret;
	count = get_le32(fixed + 4);
	entries_len = r->file_size - TRACE_TRAILER_SIZE - TRACE_INDEX_FIXED_SIZE - footer_offset;
	if (memcmp(fixed, TRACE_INDEX_MAGIC, 4) != 0 ||
	    entries_len != (uint64_t)count * TRACE_INDEX_ENTRY_SIZE) {
		rw_debug("%s: no valid index footer at byte %llu", r->path,
			 (unsigned long long)footer_offset);
		return 0;
	}
	entries = malloc(entries_len ? entries_len : 1);
	if (!entries) {
		rw_error("%s: out of memory reading the index footer", r->path);
		return -ENOMEM;
	}
	ret = read_at(r, footer_offset + 8, entries, entries_len);
	if (!ret)
		ret = read_at(r, footer_offset + 8 + entries_len, crc, sizeof(crc));
	if (ret || !crc_matches((uint32_t)crc32(0, entries, (uInt)entries_len), get_le32(crc)) ||
	    !index_is_consistent(r, entries, count, footer_offset)) {
		if (!ret)
			rw_debug("%s: index footer at byte %llu is corrupt, ignoring it", r->path,
				 (unsigned long long)footer_offset);
		free(entries);
		return ret;
	}
	r->has_footer = true;
	r->index = entries;
	r->index_chunks = count;
	r->data_end = footer_offset;
	return 0;
}

int trace_reader_open(const char *path, struct trace_reader **out)
{
	struct trace_reader *r;
	int ret;

	*out = NULL;
	r = xcalloc(1, sizeof(*r));
	r->path = xstrdup(path);
	r->fd = -1;
	r->error_offset = -1;
	ret = open_file(path, r);
	if (!ret)
		ret = read_file_header(r);
	if (!ret)
		ret = read_footer(r);
	if (ret) {
		trace_reader_close(r);
		return ret;
	}
	r->pos = r->data_start;
	*out = r;
	return 0;
}

void trace_reader_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->zs_ready)
		inflateEnd(&r->zs);
	free(r->cbuf);
	free(r->ubuf);
	free(r->index);
	free(r->seen);
	free(r->header);
	free(r->path);
	free(r);
}

static int chunk_error(struct trace_reader *r, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int chunk_error(struct trace_reader *r, uint64_t off, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rw_error("%s: chunk at offset %llu: %s", r->path, (unsigned long long)off, what);
	r->error = -EBADMSG;
	r->error_offset = (int64_t)off;
	return r->error;
}

/* The chunks ended at a point where a trace without footer may end. */
static int end_truncated(struct trace_reader *r, bool damaged_footer)
{
	bool again = r->truncated; /* reached once more after going back */

	r->at_end = true;
	r->truncated = true;
	if (again)
		return 0;
	if (damaged_footer)
		rw_warn("%s: index footer at byte %llu is damaged or incomplete: read %llu "
			"complete chunks",
			r->path, (unsigned long long)r->pos, (unsigned long long)r->chunks);
	else
		rw_warn("%s is truncated at byte %llu (no index footer): read %llu complete chunks",
			r->path, (unsigned long long)r->file_size, (unsigned long long)r->chunks);
	return 0;
}

/* No more chunk headers fit before data_end. */
static int end_of_chunks(struct trace_reader *r)
{
	uint64_t left = r->data_end - r->pos;
	uint8_t magic[4];
	int ret;

	if (r->has_footer) {
		if (left)
			return chunk_error(r, r->pos, "chunk header runs into the index footer");
		if (r->chunks != r->index_chunks) {
			rw_error("%s: index footer lists %u chunks but the file holds %llu",
				 r->path, r->index_chunks, (unsigned long long)r->chunks);
			r->error = -EBADMSG;
			return r->error;
		}
		r->at_end = true;
		return 0;
	}
	if (left >= 4) {
		ret = read_at(r, r->pos, magic, 4);
		if (ret)
			return ret;
		if (!memcmp(magic, TRACE_INDEX_MAGIC, 4))
			return end_truncated(r, true);
		if (memcmp(magic, TRACE_CHUNK_MAGIC, 4) != 0)
			return chunk_error(r, r->pos, "bad chunk magic");
	}
	return end_truncated(r, false);
}

static int check_against_index(struct trace_reader *r, uint64_t off, uint32_t count)
{
	const uint8_t *e;

	if (!r->has_footer)
		return 0;
	if (r->chunks >= r->index_chunks)
		return chunk_error(r, off, "not listed in the index footer (%u chunks)",
				   r->index_chunks);
	e = r->index + r->chunks * TRACE_INDEX_ENTRY_SIZE;
	if (get_le64(e) != off || get_le64(e + 8) != r->next_record || get_le32(e + 16) != count)
		return chunk_error(r, off,
				   "does not match index entry %llu (offset %llu, first record "
				   "%llu, %u records)",
				   (unsigned long long)r->chunks, (unsigned long long)get_le64(e),
				   (unsigned long long)get_le64(e + 8), get_le32(e + 16));
	return 0;
}

static int inflate_chunk(struct trace_reader *r, uint64_t off, uint32_t clen, uint32_t ulen)
{
	int zret;

	if (!r->zs_ready) {
		if (inflateInit(&r->zs) != Z_OK) {
			rw_error("%s: cannot set up zlib decompression", r->path);
			return -ENOMEM;
		}
		r->zs_ready = true;
	} else {
		inflateReset(&r->zs);
	}
	r->zs.next_in = r->cbuf;
	r->zs.avail_in = clen;
	r->zs.next_out = r->ubuf;
	r->zs.avail_out = ulen;
	zret = inflate(&r->zs, Z_FINISH);
	if (zret == Z_STREAM_END && r->zs.total_out == ulen && r->zs.avail_in == 0)
		return 0;
	if (zret == Z_STREAM_END && r->zs.avail_in)
		return chunk_error(r, off, "%u bytes follow the compressed data", r->zs.avail_in);
	if (zret == Z_STREAM_END || (zret == Z_BUF_ERROR && r->zs.avail_out == 0))
		return chunk_error(r, off,
				   "uncompressed length is not the %u bytes its header says", ulen);
	if (r->zs.msg)
		return chunk_error(r, off, "inflate failed: %s", r->zs.msg);
	if (zret == Z_BUF_ERROR)
		return chunk_error(r, off, "inflate failed: compressed data ends early");
	return chunk_error(r, off, "inflate failed: zlib error %d", zret);
}

/* Walks the records of the inflated chunk and checks their framing and number. */
static int check_records(struct trace_reader *r, uint64_t off, uint32_t ulen, uint32_t count)
{
	struct rw_cursor c;
	uint64_t seen = 0;

	rw_cursor_init(&c, r->ubuf, ulen);
	while (rw_cursor_left(&c)) {
		uint64_t kind = rw_get_varint(&c);
		size_t len;

		rw_get_blob(&c, &len);
		if (c.bad)
			return chunk_error(r, off, "record %llu of the chunk overruns it",
					   (unsigned long long)seen);
		if (kind > UINT32_MAX)
			return chunk_error(r, off, "record %llu of the chunk has kind %llu",
					   (unsigned long long)seen, (unsigned long long)kind);
		seen++;
	}
	if (seen != count)
		return chunk_error(r, off, "holds %llu records, its header says %u",
				   (unsigned long long)seen, count);
	rw_cursor_init(&r->records, r->ubuf, ulen);
	r->chunk_left = count;
	return 0;
}

/*
 * Loads the chunk at r->pos: 1 when loaded, 0 at the end, or a negative
 * errno. Without `records`, the chunk is only checked up to its CRC and
 * its records are passed over uninflated.
 */
static int load_next_chunk(struct trace_reader *r, bool records)
{
	uint64_t off = r->pos, left = r->data_end - r->pos;
	uint8_t h[TRACE_CHUNK_HEADER_SIZE];
	uint32_t clen, ulen, count;
	int ret;

	if (left < TRACE_CHUNK_HEADER_SIZE)
		return end_of_chunks(r);
	ret = read_at(r, off, h, sizeof(h));
	if (ret)
		return ret;
	if (memcmp(h, TRACE_CHUNK_MAGIC, 4) != 0) {
		if (!r->has_footer && !memcmp(h, TRACE_INDEX_MAGIC, 4))
			return end_truncated(r, true);
		return chunk_error(r, off, "bad chunk magic");
	}
	clen = get_le32(h + 4);
	ulen = get_le32(h + 8);
	count = get_le32(h + 12);
	if (clen > TRACE_CHUNK_MAX || ulen > TRACE_CHUNK_MAX)
		return chunk_error(r, off, "absurd length (%u compressed, %u uncompressed)", clen,
				   ulen);
	if (clen > left - TRACE_CHUNK_HEADER_SIZE) {
		if (!r->has_footer)
			return end_truncated(r, false);
		return chunk_error(r, off, "%u compressed bytes run into the index footer", clen);
	}
	if ((uint64_t)ulen > (uint64_t)clen * TRACE_INFLATE_MAX_RATIO)
		return chunk_error(r, off, "%u uncompressed bytes cannot come from %u compressed",
				   ulen, clen);
	ret = check_against_index(r, off, count);
	if (!ret)
		ret = reserve(r, &r->cbuf, &r->ccap, clen);
	if (!ret)
		ret = reserve(r, &r->ubuf, &r->ucap, ulen);
	if (!ret)
		ret = read_at(r, off + TRACE_CHUNK_HEADER_SIZE, r->cbuf, clen);
	if (ret)
		return ret;
	if (!crc_matches((uint32_t)crc32(0, r->cbuf, clen), get_le32(h + 16)))
		return chunk_error(r, off, "CRC mismatch");
	if (records) {
		ret = inflate_chunk(r, off, clen, ulen);
		if (!ret)
			ret = check_records(r, off, ulen, count);
		if (ret)
			return ret;
	}
	if (r->chunks == r->nseen) {
		if (r->nseen == r->seen_cap) {
			size_t cap = r->seen_cap ? 2 * r->seen_cap : 64;
			r->seen = xrealloc(r->seen, cap * sizeof(*r->seen));
			r->seen_cap = cap;
		}
		r->seen[r->nseen++] = (struct seen_chunk){off, r->next_record, count};
	}
	if (!records)
		r->next_record += count;
	r->pos = off + TRACE_CHUNK_HEADER_SIZE + clen;
	r->chunks++;
	return 1;
}

static int load_chunk(struct trace_reader *r, bool records)
{
	int ret;

	if (r->error)
		return r->error;
	if (r->at_end)
		return 0;
	r->chunk_left = 0;
	ret = load_next_chunk(r, records);
	if (ret < 0 && !r->error)
		r->error = ret;
	return ret;
}

int trace_reader_load_chunk(struct trace_reader *r)
{
	return load_chunk(r, true);
}

int trace_reader_check_chunk(struct trace_reader *r)
{
	return load_chunk(r, false);
}

uint32_t trace_reader_chunk_left(const struct trace_reader *r)
{
	return r->chunk_left;
}

int trace_reader_seek_chunk(struct trace_reader *r, uint64_t chunk)
{
	const uint8_t *e;

	if (r->error)
		return r->error;
	if (!r->has_footer) {
		/*
		 * Without the footer, only chunks read already have a known place,
		 * and the one after the last read (where the reader stands).
		 */
		if (chunk == r->nseen && chunk == r->chunks) {
			r->chunk_left = 0;
			if (chunk)
				r->next_record =
				    r->seen[chunk - 1].first_record + r->seen[chunk - 1].count;
			return 0;
		}
		if (chunk >= r->nseen)
			return -EINVAL;
		r->chunk_left = 0;
		r->at_end = false;
		r->chunks = chunk;
		r->pos = r->seen[chunk].offset;
		r->next_record = r->seen[chunk].first_record;
		return 0;
	}
	if (chunk > r->index_chunks)
		return -EINVAL;
	r->chunk_left = 0;
	r->at_end = false;
	r->chunks = chunk;
	if (chunk == r->index_chunks) {
		r->pos = r->data_end;
		return 0;
	}
	/* index_is_consistent() checked the entries against the file at open. */
	e = r->index + chunk * TRACE_INDEX_ENTRY_SIZE;
	r->pos = get_le64(e);
	r->next_record = get_le64(e + 8);
	return 0;
}

int trace_reader_chunk_of(const struct trace_reader *r, uint64_t record, uint64_t *chunk)
{
	size_t n = r->has_footer ? r->index_chunks : r->nseen, lo = 0, hi = n;
	uint64_t first, count;

	/* The last chunk whose first record is at or before `record`. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		first = r->has_footer ? get_le64(r->index + mid * TRACE_INDEX_ENTRY_SIZE + 8)
				      : r->seen[mid].first_record;
		if (first <= record)
			lo = mid;
		else
			hi = mid;
	}
	if (!n)
		return -EINVAL;
	if (r->has_footer) {
		const uint8_t *e = r->index + lo * TRACE_INDEX_ENTRY_SIZE;

		first = get_le64(e + 8);
		count = get_le32(e + 16);
	} else {
		first = r->seen[lo].first_record;
		count = r->seen[lo].count;
	}
	if (record < first || record > first + count)
		return -EINVAL;
	/* Just past the last record of the last chunk: the end. */
	*chunk = record == first + count ? lo + 1 : lo;
	return 0;
}

int trace_reader_chunk_records(const struct trace_reader *r, uint64_t chunk, uint64_t *first,
			       uint32_t *count, uint64_t *offset)
{
	if (r->has_footer && chunk < r->index_chunks) {
		const uint8_t *e = r->index + chunk * TRACE_INDEX_ENTRY_SIZE;

		*offset = get_le64(e);
		*first = get_le64(e + 8);
		*count = get_le32(e + 16);
		return 0;
	}
	if (r->has_footer || chunk >= r->nseen)
		return -EINVAL;
	*offset = r->seen[chunk].offset;
	*first = r->seen[chunk].first_record;
	*count = r->seen[chunk].count;
	return 0;
}

uint64_t trace_reader_indexed_chunks(const struct trace_reader *r)
{
	return r->has_footer ? r->index_chunks : 0;
}

const char *trace_reader_path(const struct trace_reader *r)
{
	return r->path;
}

int trace_reader_next(struct trace_reader *r, uint32_t *kind, const uint8_t **payload, size_t *len)
{
	while (!r->chunk_left) {
		int ret;

		if (r->error)
			return r->error;
		if (r->at_end)
			return 0;
		ret = load_next_chunk(r, true);
		if (ret < 0 && !r->error)
			r->error = ret; /* an I/O error is as final as corruption */
		if (ret <= 0)
			return ret;
	}
	/* check_records has validated the framing of the whole chunk. */
	*kind = (uint32_t)rw_get_varint(&r->records);
	*payload = rw_get_blob(&r->records, len);
	r->chunk_left--;
	r->last_record = r->next_record++;
	return 1;
}

int trace_reader_seek(struct trace_reader *r, uint64_t record)
{
	size_t lo = 0, hi = r->nseen;
	int ret;

	if (r->error)
		return r->error;
	/* The last chunk whose first record is at or before `record`. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->seen[mid].first_record <= record)
			lo = mid;
		else
			hi = mid;
	}
	if (!r->nseen || record > r->seen[lo].first_record + r->seen[lo].count) {
		rw_error("%s: cannot go back to record %llu: not read yet", r->path,
			 (unsigned long long)record);
		return -EINVAL;
	}
	r->pos = r->seen[lo].offset;
	r->chunks = lo;
	r->next_record = r->seen[lo].first_record;
	r->chunk_left = 0;
	r->at_end = false;
	ret = load_next_chunk(r, true);
	if (ret <= 0)
		return ret < 0 ? ret : -EIO;
	while (r->next_record < record) {
		size_t len;

		rw_get_varint(&r->records);
		rw_get_blob(&r->records, &len);
		r->chunk_left--;
		r->next_record++;
	}
	return 0;
}

const void *trace_reader_header(const struct trace_reader *r, size_t *len)
{
	*len = r->header_len;
	return r->header;
}

void trace_reader_version(const struct trace_reader *r, uint32_t *major, uint32_t *minor)
{
	*major = r->major;
	*minor = r->minor;
}

bool trace_reader_truncated(const struct trace_reader *r)
{
	return r->truncated;
}

uint64_t trace_reader_record_index(const struct trace_reader *r)
{
	return r->last_record;
}

uint64_t trace_reader_file_size(const struct trace_reader *r)
{
	return r->file_size;
}

uint64_t trace_reader_chunks(const struct trace_reader *r)
{
	return r->chunks;
}

bool trace_reader_has_footer(const struct trace_reader *r)
{
	return r->has_footer;
}

int64_t trace_reader_error_offset(const struct trace_reader *r)
{
	return r->error_offset;
}
