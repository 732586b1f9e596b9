/*
 * Byte layout of the trace container, shared by writer.c and reader.c (not
 * part of the public interface in trace.h). docs/trace-format.md describes
 * the same layout in prose; keep the two in step.
 */
#ifndef REWIND_TRACE_FORMAT_CONTAINER_H
#define REWIND_TRACE_FORMAT_CONTAINER_H

/* File header: magic[8], u32 major, u32 minor, u32 payload length, u32 payload CRC32. */
#define TRACE_FILE_HEADER_SIZE 24
#define TRACE_HEADER_MAX       (64u << 20)

/* Chunk header: "CHNK", u32 compressed, u32 uncompressed, u32 records, u32 CRC32. */
#define TRACE_CHUNK_MAGIC	"CHNK"
#define TRACE_CHUNK_HEADER_SIZE 20
/* A chunk is cut once its records reach this many uncompressed bytes. */
#define TRACE_CHUNK_TARGET (1u << 20)
/* Neither length of a chunk may exceed this: the reader's bound on allocations. */
#define TRACE_CHUNK_MAX (256u << 20)
/*
 * Deflate cannot expand data by more than 1032:1 (a 258-byte match in at
 * most two bits), so a larger claimed ratio is corruption and the reader
 * refuses it before allocating the output.
 */
#define TRACE_INFLATE_MAX_RATIO 1032u
/* Level 1: the writer runs in the recorder's hot path. */
#define TRACE_DEFLATE_LEVEL 1

/* Footer: "INDX", u32 chunk count, entries, u32 CRC32 of the entries, then the trailer. */
#define TRACE_INDEX_MAGIC      "INDX"
#define TRACE_INDEX_ENTRY_SIZE 20 /* u64 file offset, u64 first record, u32 records */
#define TRACE_INDEX_FIXED_SIZE 12 /* magic + count + CRC, without the entries */
/* Trailer, the last bytes of a finished file: u64 footer offset, magic[8]. */
#define TRACE_END_MAGIC	   "RWNDEND\0"
#define TRACE_TRAILER_SIZE 16

#endif
