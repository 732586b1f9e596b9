/*
 * The trace file container: one file holding a versioned header, then
 * length-prefixed, zlib-compressed, CRC-checked chunks of records, then an
 * index footer written at close. The container knows nothing of what the
 * records mean (see event.h for that); it stores (kind, payload) pairs.
 *
 * On-disk layout (all integers little-endian) is documented in
 * docs/trace-format.md together with the version bump rules.
 *
 * A trace whose writer was killed has no footer: the reader then scans the
 * chunks and gives every record up to the last complete chunk, and reports
 * the trace as truncated. A chunk whose CRC does not match stops reading with
 * an error naming the chunk's file offset. A header whose major version is
 * not TRACE_VERSION_MAJOR is refused with a message naming both versions.
 */
#ifndef REWIND_TRACE_FORMAT_TRACE_H
#define REWIND_TRACE_FORMAT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

#define TRACE_MAGIC	    "RWNDTRC\0" /* 8 bytes at offset 0 */
#define TRACE_VERSION_MAJOR 2
#define TRACE_VERSION_MINOR 5
/* Largest record payload trace_writer_add accepts (a chunk holds at most 256 MiB). */
#define TRACE_RECORD_MAX (255u << 20)

struct trace_writer;
struct trace_reader;

/*
 * Creates path and writes the file header holding `header` (an opaque
 * payload, see header.h). The file is always a new one, mode 0600: without
 * overwrite path must not exist; with it, the file is made under a
 * temporary name next to path (O_EXCL|O_NOFOLLOW) and renamed over path
 * once the header is written, so a symlink at path is replaced, never
 * followed, and an old file's mode is not kept. A device or pipe at path
 * is written in place. Returns 0 or a negative errno, having printed a
 * message naming the file.
 */
int trace_writer_create(const char *path, bool overwrite, const void *header, size_t header_len,
			struct trace_writer **out);
/* Appends one record. Chunks are cut at about 1 MiB of uncompressed payload. */
int trace_writer_add(struct trace_writer *w, uint32_t kind, const void *payload, size_t len);
/*
 * Ends the chunk being built (if it holds records) without waiting for it
 * to be written: the next record starts a new chunk. For records a reader
 * may want to pass over as a whole, such as a stored file's.
 */
int trace_writer_cut(struct trace_writer *w);
/*
 * A copy of the chunks written from here to capture_end, made by the
 * worker as it writes them: appended to fd (a new file at tmp), which is
 * renamed to path at the end when keep is set and everything went well,
 * and removed otherwise. Begin ends the chunk being built first, so the
 * copy holds whole chunks of what was added in between only (a stored
 * file's blobs: the same chunks again in another trace, see add_chunks).
 * fd is the writer's from begin on, even when it fails. One at a time.
 */
int trace_writer_capture_begin(struct trace_writer *w, int fd, const char *tmp, const char *path);
int trace_writer_capture_end(struct trace_writer *w, bool keep);
/*
 * Appends whole chunks as they are, header and compressed bytes (a
 * capture's copy), after ending the chunk being built: their records count
 * as added. Checked first (magic, lengths, CRC32): -EINVAL, with nothing
 * added, when they are not whole, intact chunks. *ulen gets their
 * uncompressed length.
 */
int trace_writer_add_chunks(struct trace_writer *w, const uint8_t *p, size_t len, uint64_t *ulen);
/*
 * A stored file's blob records (of piece bytes each, one chunk each, as
 * the recorder adds them; not a sparse file's) taken from a store entry,
 * entry_fd named entry_path, that should hold their chunks: the worker
 * checks the entry (magic, lengths, CRC32, record count, the first
 * record's hash and size) and writes its chunks, or, when it fails,
 * removes it and deflates the records from the file itself, src_fd named
 * src_path, into the trace and a new entry. The records count as added at
 * once. Takes both descriptors.
 */
struct trace_stored_blob {
	int entry_fd, src_fd;
	const char *entry_path, *src_path;
	struct rw_hash hash;
	uint64_t size, piece;
};
int trace_writer_add_stored(struct trace_writer *w, const struct trace_stored_blob *b);
/* Records added so far: the index the next record gets. */
uint64_t trace_writer_records(const struct trace_writer *w);
/* Ends the current chunk and writes it out (so a killed recorder loses nothing before this). */
int trace_writer_flush(struct trace_writer *w);
/* Flushes, writes the index footer, closes and frees. */
int trace_writer_finish(struct trace_writer *w);
/* Closes and frees without a footer (the file stays, readable as truncated). */
void trace_writer_abandon(struct trace_writer *w);
/* Closes and frees, removing the file if this writer made it (not a device written in place). */
void trace_writer_discard(struct trace_writer *w);
/* Bytes written to the file so far. */
uint64_t trace_writer_bytes(const struct trace_writer *w);

/* Opens and checks the file header. Returns 0 or a negative errno, having printed why. */
int trace_reader_open(const char *path, struct trace_reader **out);
void trace_reader_close(struct trace_reader *r);
const void *trace_reader_header(const struct trace_reader *r, size_t *len);
void trace_reader_version(const struct trace_reader *r, uint32_t *major, uint32_t *minor);
/*
 * Next record: returns 1 and sets *kind, *payload, *len (payload valid until
 * the next call), 0 at the end of the trace, or a negative errno after
 * printing a message (corrupt chunk: names its file offset).
 */
int trace_reader_next(struct trace_reader *r, uint32_t *kind, const uint8_t **payload, size_t *len);
/*
 * Goes back to a record already read (by its index), so that the next
 * trace_reader_next returns it again. Returns 0 or a negative errno.
 */
int trace_reader_seek(struct trace_reader *r, uint64_t record);
/*
 * Chunk at a time, for readers that share out the chunks of one trace (each
 * with its own trace_reader): load_chunk loads and checks the next chunk
 * whole (1, 0 at the end, or a negative errno after printing why), whose
 * chunk_left records trace_reader_next then hands out; seek_chunk moves to
 * chunk number `chunk` (the number of chunks for the end) through the index
 * footer, or without one to a chunk read already (-EINVAL otherwise);
 * chunk_of gives the number of the chunk that holds record `record` the
 * same way.
 */
int trace_reader_load_chunk(struct trace_reader *r);
/*
 * As trace_reader_load_chunk, but the chunk is checked only as far as its
 * CRC (and its index entry) and its records are passed over uninflated:
 * for a reader that has their contents from elsewhere.
 */
int trace_reader_check_chunk(struct trace_reader *r);
uint32_t trace_reader_chunk_left(const struct trace_reader *r);
int trace_reader_seek_chunk(struct trace_reader *r, uint64_t chunk);
int trace_reader_chunk_of(const struct trace_reader *r, uint64_t record, uint64_t *chunk);
/*
 * File offset, first record and number of records of chunk number `chunk`,
 * through the index footer or, without one, of a chunk read already
 * (-EINVAL otherwise).
 */
int trace_reader_chunk_records(const struct trace_reader *r, uint64_t chunk, uint64_t *first,
			       uint32_t *count, uint64_t *offset);
/* Chunks the index footer lists (0 without one). */
uint64_t trace_reader_indexed_chunks(const struct trace_reader *r);
const char *trace_reader_path(const struct trace_reader *r);
/* True once the end was reached in a trace that has no (valid) footer. */
bool trace_reader_truncated(const struct trace_reader *r);
/* Index of the record returned last (0-based, counting every record). */
uint64_t trace_reader_record_index(const struct trace_reader *r);
/* File size and number of chunks seen so far. */
uint64_t trace_reader_file_size(const struct trace_reader *r);
uint64_t trace_reader_chunks(const struct trace_reader *r);
/* True if the file ends with a valid index footer (checked at open). */
bool trace_reader_has_footer(const struct trace_reader *r);
/* File offset of the chunk that made trace_reader_next fail, or -1 if none did. */
int64_t trace_reader_error_offset(const struct trace_reader *r);

#endif
