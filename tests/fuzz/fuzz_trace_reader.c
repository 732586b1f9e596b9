/*
 * Fuzz target for the trace reader, the code that parses untrusted bytes
 * (a trace may come from another machine as a bug report). The input is put
 * in an in-memory file and read to the end through the public interface.
 * Besides the sanitizers' checks, it asserts that the reader's answers
 * agree with each other.
 *
 * Built two ways by tests/fuzz/CMakeLists.txt: with libFuzzer
 * (fuzz_trace_reader; run with -close_fd_mask=2 to silence the reader's
 * messages), and with standalone_driver.c (fuzz_trace_reader_corpus), which
 * replays corpus/trace_reader/ as a regression test.
 */
#define _GNU_SOURCE /* memfd_create */
#include "trace_format/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
/* Where the payload checksum goes, so reading the payloads is not optimized out. */
static volatile uint8_t payload_sum;
static char memfd_path[64];

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_trace_reader: reader inconsistency: %s\n", what);
		abort();
	}
}

static void put_input(const uint8_t *data, size_t size)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz-trace", MFD_CLOEXEC);
		if (memfd < 0) {
			perror("fuzz_trace_reader: memfd_create");
			abort();
		}
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) < 0 || (size && pwrite(memfd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz_trace_reader: writing the input");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_reader *r;
	const uint8_t *payload;
	uint64_t records = 0;
	const void *header;
	size_t len, header_len;
	uint32_t kind, major, minor;
	uint8_t sum = 0;
	int ret;

	put_input(data, size);
	if (trace_reader_open(memfd_path, &r) != 0)
		return 0;
	header = trace_reader_header(r, &header_len);
	check(header_len == 0 || header != NULL, "header payload missing");
	trace_reader_version(r, &major, &minor);
	check(major == TRACE_VERSION_MAJOR, "opened a trace of another major version");
	while ((ret = trace_reader_next(r, &kind, &payload, &len)) == 1) {
		/* Touch every byte so the sanitizers see a payload that is out of bounds. */
		for (size_t i = 0; i < len; i++)
			sum ^= payload[i];
		check(trace_reader_record_index(r) == records, "record index");
		records++;
	}
	check(ret == 0 || ret == -EBADMSG || ret == -ENOMEM || ret == -EIO, "unexpected error");
	check(trace_reader_next(r, &kind, &payload, &len) == ret, "end not sticky");
	check(!(ret == 0 && trace_reader_truncated(r) && trace_reader_has_footer(r)),
	      "truncated although it has a footer");
	check(!(ret == 0 && !trace_reader_truncated(r) && !trace_reader_has_footer(r)),
	      "complete although it has no footer");
	check(trace_reader_error_offset(r) < 0 || ret == -EBADMSG, "error offset without an error");
	check(trace_reader_file_size(r) == size, "file size");
	trace_reader_close(r);
	payload_sum = sum;
	return 0;
}
