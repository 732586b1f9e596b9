/*
 * Trace writer: gathers records into a chunk buffer, deflates each chunk
 * (level 1, the recorder waits on this) and writes it with its header in a
 * single write, so a recorder killed between chunks leaves a file that reads
 * as truncated at a chunk boundary. The index footer is built as chunks go
 * out and written by trace_writer_finish. Layout: docs/trace-format.md.
 *
 * Compression and writing run on a worker thread that may use another CPU
 * than the recorder (which is pinned with its tracees): a full chunk is
 * handed over and the recorder fills the next one meanwhile. Up to
 * WRITER_QUEUE_MAX chunks wait (so start-up, which stores every library,
 * does not wait on compression); flush and finish wait for the worker to be
 * done.
 *
 * A write error is remembered: it is printed once, and every later call
 * returns it without writing.
 *
 * The file is always a new one (a trace holds the program's memory): made
 * under a temporary name next to its path and renamed into place once the
 * file header is in it, see open_trace_file.
 */
#define _GNU_SOURCE
#include "trace_format/trace.h"
#include "trace_format/container.h"
#include "trace_format/event.h"

#include "common/buf.h"
#include "common/cpu_affinity.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Buffers grown past this by one large record are freed after its chunk... */
#define WRITER_KEEP_BUFFER (4u << 20)
/*
 * ...but for one of at most this many bytes, kept for the next large
 * record (an execution point's expected memory, megabytes each time):
 * growing a fresh buffer to that size costs a page fault per page.
 */
#define WRITER_SPARE_MAX (64u << 20)
/* Chunks that may wait for the worker before the recorder waits too. */
#define WRITER_QUEUE_MAX 64

/* A copy of the chunks written between capture begin and end, kept as a file (see trace.h). */
struct writer_capture {
	int fd;
	char *tmp, *path;
	bool failed;  /* the worker's: a write of the copy failed */
	bool dropped; /* the recorder's, set before the end job is queued: not to be kept */
};

struct writer_job {
	struct rw_buf data;
	uint32_t records;
	uint64_t first_record;
	bool raw; /* data is a whole chunk as written: header and compressed bytes */
	struct writer_capture *capture; /* the chunk also goes there */
	bool capture_end;		/* then the capture is closed and named (or dropped) */
	struct writer_stored *stored;	/* or a stored file's chunks (trace_writer_add_stored) */
	struct writer_job *next;
};

/* A stored file's blob records, from a store entry or the file (trace_writer_add_stored). */
struct writer_stored {
	int entry_fd, src_fd;
	char *entry_path, *src_path;
	struct rw_hash hash;
	uint64_t size, piece;
};

struct trace_writer {
	int fd;
	char *path;
	bool created;	 /* path is a file this writer made (not a device written in place) */
	int error;	 /* first write error, sticky (set by the worker under lock) */
	uint64_t offset; /* bytes written (worker's, once started) */
	uint64_t records;
	struct rw_buf chunk; /* records of the chunk being built */
	uint32_t chunk_records;
	/* Chunks handed to the worker, oldest first; job is the one it works on. */
	struct writer_job *queue_head, *queue_tail, *free_jobs;
	unsigned queued;
	struct writer_job *job;
	struct writer_capture *capture; /* of the chunks handed over now, or NULL */
	bool stopping, worker_started;
	int recorder_cpu; /* the CPU the creating thread ran on when the worker started */
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct rw_buf out;   /* chunk header + compressed bytes (worker) */
	struct rw_buf index; /* encoded index entries, one per chunk written */
	struct rw_buf spare; /* a large buffer a written chunk left (under lock), or none */
	uint32_t chunks;
	z_stream zs;
};

static int write_all(struct trace_writer *w, const uint8_t *p, size_t n)
{
	if (w->error)
		return w->error;
	while (n) {
		ssize_t done = write(w->fd, p, n);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0) {
			int err = done < 0 ? errno : EIO;

			rw_error("%s: cannot write at byte %llu: %s", w->path,
				 (unsigned long long)w->offset, strerror(err));
			w->error = -err;
			return w->error;
		}
		p += done;
		n -= (size_t)done;
		w->offset += (uint64_t)done;
	}
	return 0;
}

static void stop_worker(struct trace_writer *w);
static void capture_finish(struct trace_writer *w, struct writer_capture *c);

static void writer_free(struct trace_writer *w)
{
	stop_worker(w);
	if (w->capture) {
		w->capture->dropped = true;
		capture_finish(w, w->capture);
	}
	deflateEnd(&w->zs);
	while (w->free_jobs) {
		struct writer_job *j = w->free_jobs;

		w->free_jobs = j->next;
		rw_buf_free(&j->data);
		free(j);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	rw_buf_free(&w->chunk);
	rw_buf_free(&w->out);
	rw_buf_free(&w->index);
	rw_buf_free(&w->spare);
	free(w->path);
	free(w);
}

static int writer_close(struct trace_writer *w)
{
	int ret = w->error;

	if (close(w->fd) < 0 && !ret) {
		ret = -errno;
		rw_error("%s: cannot close: %s", w->path, strerror(errno));
	}
	writer_free(w);
	return ret;
}

static int write_file_header(struct trace_writer *w, const void *header, size_t header_len)
{
	uint8_t fixed[TRACE_FILE_HEADER_SIZE];
	int ret;

	memcpy(fixed, TRACE_MAGIC, 8);
	put_le32(fixed + 8, TRACE_VERSION_MAJOR);
	put_le32(fixed + 12, TRACE_VERSION_MINOR);
	put_le32(fixed + 16, (uint32_t)header_len);
	put_le32(fixed + 20, (uint32_t)crc32(0, header, (uInt)header_len));
	ret = write_all(w, fixed, sizeof(fixed));
	if (!ret)
		ret = write_all(w, header, header_len);
	return ret;
}

/* path with a random suffix, next to it: the temporary name a new trace is made under. */
static char *temp_name(const char *path, int attempt)
{
	size_t len = strlen(path) + 16;
	char *tmp = xmalloc(len);
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)getpid() * 2654435761u + (uint32_t)attempt;
	snprintf(tmp, len, "%s.new-%08x", path, r);
	return tmp;
}

/*
 * Opens the file a trace is written to. A trace holds the program's memory,
 * so it never goes through whatever is at path: a symlink there would be
 * followed, an old file would keep its mode and its other links. A new file
 * is made next to path under a temporary name with O_EXCL|O_NOFOLLOW, mode
 * 0600, and *tmp is set to that name (the caller renames it over path).
 * Without overwrite path itself is made that way. An existing device or
 * pipe at path (/dev/null, say) is written in place. Returns an fd or a
 * negative errno.
 */
static int open_trace_file(const char *path, bool overwrite, char **tmp)
{
	const int create = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd = -EEXIST;

	*tmp = NULL;
	if (!overwrite) {
		fd = open(path, create, 0600);
		return fd < 0 ? -errno : fd;
	}
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode) &&
	    !S_ISDIR(st.st_mode)) {
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	for (int attempt = 0; attempt < 100 && fd == -EEXIST; attempt++) {
		free(*tmp);
		*tmp = temp_name(path, attempt);
		fd = open(*tmp, create, 0600);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0) {
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

int trace_writer_create(const char *path, bool overwrite, const void *header, size_t header_len,
			struct trace_writer **out)
{
	struct trace_writer *w;
	char *tmp;
	int ret;

	*out = NULL;
	if (header_len > TRACE_HEADER_MAX) {
		rw_error("%s: trace header of %zu bytes is larger than the %u allowed", path,
			 header_len, TRACE_HEADER_MAX);
		return -EMSGSIZE;
	}
	w = xcalloc(1, sizeof(*w));
	w->path = xstrdup(path);
	rw_buf_init(&w->chunk);
	rw_buf_init(&w->out);
	rw_buf_init(&w->spare);
	rw_buf_init(&w->index);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (deflateInit(&w->zs, TRACE_DEFLATE_LEVEL) != Z_OK) {
		rw_error("%s: cannot set up zlib compression", path);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w->path);
		free(w);
		return -ENOMEM;
	}
	w->fd = open_trace_file(path, overwrite, &tmp);
	if (w->fd < 0) {
		ret = w->fd;
		rw_error("%s: cannot create the trace: %s", path, strerror(-ret));
		writer_free(w);
		return ret;
	}
	w->created = tmp || !overwrite;
	ret = write_file_header(w, header, header_len);
	/* In place as soon as it reads as a trace: a recorder killed later leaves it there. */
	if (!ret && tmp && rename(tmp, path) < 0) {
		ret = -errno;
		rw_error("%s: cannot create the trace: rename from %s: %s", path, tmp,
			 strerror(errno));
	}
	if (ret && w->created)
		unlink(tmp ? tmp : path);
	free(tmp);
	if (ret) {
		writer_close(w);
		return ret;
	}
	*out = w;
	return 0;
}

/* Deflates in into w->out behind room for the chunk header. */
static void compress_chunk(struct trace_writer *w, const struct rw_buf *in)
{
	uLong bound;
	int zret;

	bound = deflateBound(&w->zs, (uLong)in->len);
	rw_buf_reset(&w->out);
	rw_buf_reserve(&w->out, TRACE_CHUNK_HEADER_SIZE + bound);
	deflateReset(&w->zs);
	w->zs.next_in = in->data;
	w->zs.avail_in = (uInt)in->len;
	w->zs.next_out = w->out.data + TRACE_CHUNK_HEADER_SIZE;
	w->zs.avail_out = (uInt)bound;
	zret = deflate(&w->zs, Z_FINISH);
	/* deflateBound guarantees the output fits in one call. */
	assert(zret == Z_STREAM_END);
	(void)zret;
	w->out.len = TRACE_CHUNK_HEADER_SIZE + (size_t)w->zs.total_out;
}

/* Worker side: the chunk's bytes appended to the capture too (its failure only drops the copy). */
static void capture_chunk(struct writer_capture *c, const uint8_t *p, size_t n)
{
	while (n && !c->failed) {
		ssize_t done = write(c->fd, p, n);

		if (done < 0 && errno == EINTR)
			continue;
		c->failed = done <= 0;
		if (done > 0) {
			p += done;
			n -= (size_t)done;
		}
	}
}

/* Worker side: the capture's copy named, or dropped when it failed or the trace did. */
static void capture_finish(struct trace_writer *w, struct writer_capture *c)
{
	if (close(c->fd) < 0)
		c->failed = true;
	if (c->failed || c->dropped || w->error || rename(c->tmp, c->path) < 0)
		unlink(c->tmp);
	free(c->tmp);
	free(c->path);
	free(c);
}

/* Worker side: a whole chunk (header and compressed bytes) written, with its index entry. */
static int put_chunk(struct trace_writer *w, const uint8_t *p, size_t n, uint64_t first_record,
		     uint32_t records, struct writer_capture *c)
{
	int ret;

	rw_buf_put_u64(&w->index, w->offset);
	rw_buf_put_u64(&w->index, first_record);
	rw_buf_put_u32(&w->index, records);
	w->chunks++;
	ret = write_all(w, p, n);
	if (c && !ret)
		capture_chunk(c, p, n);
	return ret;
}

/* Worker side: records (a chunk's uncompressed bytes) deflated and written as a chunk. */
static int deflate_chunk(struct trace_writer *w, const struct rw_buf *in, uint64_t first_record,
			 uint32_t records, struct writer_capture *c)
{
	uint32_t clen;
	uint8_t *h;

	compress_chunk(w, in);
	clen = (uint32_t)(w->out.len - TRACE_CHUNK_HEADER_SIZE);
	assert(clen <= TRACE_CHUNK_MAX && in->len <= TRACE_CHUNK_MAX);
	h = w->out.data;
	memcpy(h, TRACE_CHUNK_MAGIC, 4);
	put_le32(h + 4, clen);
	put_le32(h + 8, (uint32_t)in->len);
	put_le32(h + 12, records);
	put_le32(h + 16, (uint32_t)crc32(0, h + TRACE_CHUNK_HEADER_SIZE, clen));
	return put_chunk(w, w->out.data, w->out.len, first_record, records, c);
}

static int write_stored(struct trace_writer *w);

/* Worker side: compresses and writes the job chunk (or a raw one as it is), adds its index entry.
 */
static int write_job(struct trace_writer *w)
{
	struct writer_job *j = w->job;
	int ret;

	if (j->stored)
		ret = write_stored(w);
	else if (j->raw)
		ret = j->data.len ? put_chunk(w, j->data.data, j->data.len, j->first_record,
					      j->records, j->capture)
				  : 0; /* only a capture's end */
	else
		ret = deflate_chunk(w, &j->data, j->first_record, j->records, j->capture);
	if (j->data.cap > WRITER_KEEP_BUFFER) {
		pthread_mutex_lock(&w->lock);
		if (!w->spare.data && j->data.cap <= WRITER_SPARE_MAX) {
			w->spare = j->data;
			rw_buf_init(&j->data);
		}
		pthread_mutex_unlock(&w->lock);
		rw_buf_free(&j->data);
		rw_buf_free(&w->out);
	}
	rw_buf_reset(&j->data);
	return ret;
}

static void *worker_main(void *arg)
{
	struct trace_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		int ret;

		while (!w->queue_head && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->queue_head)
			break;
		w->job = w->queue_head;
		pthread_mutex_unlock(&w->lock);
		ret = w->error ? w->error : write_job(w);
		if (w->job->capture_end)
			capture_finish(w, w->job->capture);
		pthread_mutex_lock(&w->lock);
		if (ret && !w->error)
			w->error = ret;
		w->queue_head = w->job->next;
		if (!w->queue_head)
			w->queue_tail = NULL;
		w->queued--;
		w->job->next = w->free_jobs;
		w->free_jobs = w->job;
		w->job = NULL;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void *worker_entry(void *arg)
{
	struct trace_writer *w = arg;

	rw_cpu_avoid(w->recorder_cpu); /* off the recorder's CPU when there is another */
	return worker_main(w);
}

/* Waits until at most max chunks are queued; returns the sticky error. */
static int wait_queue(struct trace_writer *w, unsigned max)
{
	int err;

	pthread_mutex_lock(&w->lock);
	while (w->queued > max)
		pthread_cond_wait(&w->cond, &w->lock);
	err = w->error;
	pthread_mutex_unlock(&w->lock);
	return err;
}

static int wait_idle(struct trace_writer *w)
{
	return wait_queue(w, 0);
}

static void stop_worker(struct trace_writer *w)
{
	if (!w->worker_started)
		return;
	wait_idle(w);
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->worker, NULL);
	w->worker_started = false;
}

/* A job to fill (waiting if the queue is full), or NULL with *err set. */
static struct writer_job *new_job(struct trace_writer *w, int *err)
{
	struct writer_job *j;

	if ((*err = wait_queue(w, WRITER_QUEUE_MAX - 1)) != 0)
		return NULL;
	if (!w->worker_started) {
		w->recorder_cpu = sched_getcpu();
		w->worker_started = pthread_create(&w->worker, NULL, worker_entry, w) == 0;
	}
	pthread_mutex_lock(&w->lock);
	j = w->free_jobs;
	if (j)
		w->free_jobs = j->next;
	pthread_mutex_unlock(&w->lock);
	if (!j) {
		j = xcalloc(1, sizeof(*j));
		rw_buf_init(&j->data);
	}
	j->raw = false;
	j->stored = NULL;
	j->capture = w->capture;
	j->capture_end = false;
	j->next = NULL;
	return j;
}

/* Queues j for the worker (or writes it here when there is no worker thread). */
static int enqueue(struct trace_writer *w, struct writer_job *j)
{
	pthread_mutex_lock(&w->lock);
	if (w->queue_tail)
		w->queue_tail->next = j;
	else
		w->queue_head = j;
	w->queue_tail = j;
	w->queued++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (!w->worker_started) {
		/* No thread: write it here. */
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_mutex_unlock(&w->lock);
		worker_main(w);
		w->stopping = false;
		return w->error;
	}
	return 0;
}

/* Hands the chunk being built to the worker (waiting if the queue is full). */
static int hand_over(struct trace_writer *w)
{
	int err;
	struct writer_job *j = new_job(w, &err);

	if (!j)
		return err;
	/* The job takes the chunk's buffer; the chunk takes the job's old (empty) one. */
	{
		struct rw_buf tmp = j->data;

		j->data = w->chunk;
		w->chunk = tmp;
	}
	j->records = w->chunk_records;
	j->first_record = w->records - w->chunk_records;
	w->chunk_records = 0;
	return enqueue(w, j);
}

int trace_writer_flush(struct trace_writer *w)
{
	int err = wait_idle(w);

	if (err)
		return err;
	if (w->chunk_records && (err = hand_over(w)))
		return err;
	return wait_idle(w);
}

/* A full chunk goes to the worker without waiting for it to be written. */
static int chunk_full(struct trace_writer *w)
{
	return hand_over(w);
}

/* An empty chunk about to take a record of size bytes takes the spare buffer if it holds it. */
static void take_spare(struct trace_writer *w, size_t size)
{
	pthread_mutex_lock(&w->lock);
	if (!w->chunk.len && w->spare.data && w->spare.cap >= size) {
		rw_buf_free(&w->chunk);
		w->chunk = w->spare;
		rw_buf_reset(&w->chunk);
		rw_buf_init(&w->spare);
	}
	pthread_mutex_unlock(&w->lock);
}

int trace_writer_add(struct trace_writer *w, uint32_t kind, const void *payload, size_t len)
{
	/* Two varints of at most 5 bytes each: kind is 32 bits, len < 2^35. */
	size_t record_size = len + 10;
	int ret;

	if (len > TRACE_RECORD_MAX) {
		rw_error("%s: record of kind %u is %zu bytes, larger than the %u a trace can hold",
			 w->path, kind, len, TRACE_RECORD_MAX);
		return -EMSGSIZE;
	}
	if (w->chunk_records && w->chunk.len + record_size > TRACE_CHUNK_TARGET) {
		ret = chunk_full(w);
		if (ret)
			return ret;
	}
	if (w->chunk.cap - w->chunk.len < record_size && record_size > TRACE_CHUNK_TARGET)
		take_spare(w, record_size);
	rw_buf_put_varint(&w->chunk, kind);
	rw_buf_put_varint(&w->chunk, len);
	rw_buf_put(&w->chunk, payload, len);
	w->chunk_records++;
	w->records++;
	if (w->chunk.len >= TRACE_CHUNK_TARGET)
		return chunk_full(w);
	return 0;
}

int trace_writer_cut(struct trace_writer *w)
{
	return w->chunk_records ? hand_over(w) : 0;
}

/* A capture into fd, the temporary file tmp, to be named path. */
static struct writer_capture *capture_new(int fd, const char *tmp, const char *path)
{
	struct writer_capture *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->tmp = xstrdup(tmp);
	c->path = xstrdup(path);
	return c;
}

int trace_writer_capture_begin(struct trace_writer *w, int fd, const char *tmp, const char *path)
{
	int err = trace_writer_cut(w); /* what was added before is not the capture's */

	if (err || w->capture) {
		close(fd);
		unlink(tmp);
		return err;
	}
	w->capture = capture_new(fd, tmp, path);
	return 0;
}

int trace_writer_capture_end(struct trace_writer *w, bool keep)
{
	struct writer_capture *c = w->capture;
	struct writer_job *j;
	int err = 0, err2;

	if (!c)
		return 0;
	if (keep)
		err = trace_writer_cut(w); /* its last chunk goes with it */
	w->capture = NULL;
	c->dropped = !keep || err;
	if (!(j = new_job(w, &err2))) {
		/* No job to end it with: it ends here, once the worker is done with it. */
		wait_idle(w);
		c->dropped = true;
		capture_finish(w, c);
		return err ? err : err2;
	}
	rw_buf_reset(&j->data);
	j->raw = true;
	j->records = 0;
	j->first_record = w->records;
	j->capture = c;
	j->capture_end = true;
	err2 = enqueue(w, j);
	return err ? err : err2;
}

/* The chunks at p: 0 when [p, p + len) is one or more whole, intact ones, else -EINVAL. */
static int check_chunks(const uint8_t *p, size_t len, uint64_t *records, uint64_t *ulen)
{
	size_t off = 0;

	*records = *ulen = 0;
	while (off < len) {
		const uint8_t *h = p + off;
		uint32_t clen;

		if (len - off < TRACE_CHUNK_HEADER_SIZE || memcmp(h, TRACE_CHUNK_MAGIC, 4) != 0)
			return -EINVAL;
		clen = get_le32(h + 4);
		if (clen > TRACE_CHUNK_MAX || get_le32(h + 8) > TRACE_CHUNK_MAX ||
		    len - off - TRACE_CHUNK_HEADER_SIZE < clen ||
		    get_le32(h + 16) != (uint32_t)crc32(0, h + TRACE_CHUNK_HEADER_SIZE, clen))
			return -EINVAL;
		*records += get_le32(h + 12);
		*ulen += get_le32(h + 8);
		off += TRACE_CHUNK_HEADER_SIZE + clen;
	}
	return len ? 0 : -EINVAL;
}

/* Whether the first record of the first chunk at p is a blob of hash and size, at offset 0. */
static bool first_blob_is(const uint8_t *p, size_t len, struct rw_hash hash, uint64_t size)
{
	uint8_t head[64];
	z_stream zs = {0};
	struct rw_cursor c;
	struct rw_hash h;
	uint64_t total, offset, kind, rec_len;
	const uint8_t *data;
	size_t data_len, got;
	int zret;

	if (len < TRACE_CHUNK_HEADER_SIZE || inflateInit(&zs) != Z_OK)
		return false;
	zs.next_in = (uint8_t *)p + TRACE_CHUNK_HEADER_SIZE;
	zs.avail_in = (uInt)(len - TRACE_CHUNK_HEADER_SIZE);
	zs.next_out = head;
	zs.avail_out = sizeof(head);
	zret = inflate(&zs, Z_SYNC_FLUSH);
	got = sizeof(head) - zs.avail_out;
	inflateEnd(&zs);
	if (zret != Z_OK && zret != Z_STREAM_END)
		return false;
	rw_cursor_init(&c, head, got);
	kind = rw_get_varint(&c);
	rec_len = rw_get_varint(&c);
	if (c.bad || kind != TRACE_REC_BLOB || rec_len < 18)
		return false;
	if (trace_blob_decode(c.p, rw_cursor_left(&c), &h, &total, &offset, &data, &data_len) < 0)
		return false;
	return rw_hash_eq(h, hash) && total == size && offset == 0;
}

/* Worker side: the whole store entry read into buf; whether it is the stored file's chunks. */
static bool entry_holds(struct writer_stored *s, struct rw_buf *buf, uint64_t records)
{
	uint64_t got, ulen;
	struct stat st;

	rw_buf_reset(buf);
	if (fstat(s->entry_fd, &st) < 0 || st.st_size <= 0)
		return false;
	rw_buf_reserve(buf, (size_t)st.st_size);
	while (buf->len < (size_t)st.st_size) {
		ssize_t n = pread(s->entry_fd, buf->data + buf->len, (size_t)st.st_size - buf->len,
				  (off_t)buf->len);

		if (n <= 0)
			return false;
		buf->len += (size_t)n;
	}
	return check_chunks(buf->data, buf->len, &got, &ulen) == 0 && got == records &&
	       first_blob_is(buf->data, buf->len, s->hash, s->size);
}

/* Worker side: the checked chunks at p written as they are. */
static int put_chunks(struct trace_writer *w, const uint8_t *p, size_t len, uint64_t first_record,
		      struct writer_capture *c)
{
	int ret = 0;

	for (size_t off = 0; off < len && !ret;) {
		size_t n = TRACE_CHUNK_HEADER_SIZE + get_le32(p + off + 4);
		uint32_t records = get_le32(p + off + 12);

		ret = put_chunk(w, p + off, n, first_record, records, c);
		first_record += records;
		off += n;
	}
	return ret;
}

/* Worker side: a new store entry at path, written as the chunks go (NULL: none). */
static struct writer_capture *capture_open(const char *path)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid()) >= (int)sizeof(tmp) ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return NULL;
	return capture_new(fd, tmp, path);
}

/*
 * Worker side: the store entry is damaged or another file's: it goes, and
 * the stored file's blob records are deflated from the file itself, one
 * chunk each as the recorder adds them, into the trace and a new entry.
 */
static int deflate_source(struct trace_writer *w, struct writer_stored *s, struct writer_job *j)
{
	struct writer_capture *c;
	struct rw_hasher hasher;
	struct rw_buf payload;
	uint8_t *piece = xmalloc(s->piece);
	uint64_t off = 0;
	int ret = 0;

	unlink(s->entry_path);
	c = capture_open(s->entry_path);
	rw_buf_init(&payload);
	rw_hasher_init(&hasher);
	for (uint32_t i = 0; i < j->records && !ret; i++) {
		size_t want = (size_t)(s->size - off < s->piece ? s->size - off : s->piece);
		ssize_t n = want ? pread(s->src_fd, piece, want, (off_t)off) : 0;

		if (n < 0 || (size_t)n != want) {
			int e = n < 0 ? errno : EIO;

			rw_error("cannot store %s in the trace: %s", s->src_path,
				 n < 0 ? strerror(e) : "it shrank while it was stored");
			ret = -e;
			break;
		}
		rw_hasher_update(&hasher, piece, (size_t)n);
		rw_buf_reset(&payload);
		trace_blob_encode(&payload, s->hash, s->size, off, piece, (size_t)n);
		rw_buf_reset(&j->data);
		rw_buf_put_varint(&j->data, TRACE_REC_BLOB);
		rw_buf_put_varint(&j->data, payload.len);
		rw_buf_put(&j->data, payload.data, payload.len);
		ret = deflate_chunk(w, &j->data, j->first_record + i, 1, c);
		off += (uint64_t)n;
	}
	/* Later than the recorder hashed it: what it holds now must be what was hashed. */
	if (!ret && !rw_hash_eq(rw_hasher_final(&hasher), s->hash)) {
		rw_error("cannot store %s in the trace: it changed while it was stored", s->src_path);
		ret = -EIO;
	}
	rw_buf_free(&payload);
	free(piece);
	if (c) {
		c->dropped = ret != 0;
		capture_finish(w, c);
	}
	return ret;
}

/* Worker side: a stored file's chunks, from its store entry when that holds them. */
static int write_stored(struct trace_writer *w)
{
	struct writer_job *j = w->job;
	struct writer_stored *s = j->stored;
	int ret;

	if (entry_holds(s, &j->data, j->records))
		ret = put_chunks(w, j->data.data, j->data.len, j->first_record, j->capture);
	else
		ret = deflate_source(w, s, j);
	close(s->entry_fd);
	close(s->src_fd);
	free(s->entry_path);
	free(s->src_path);
	free(s);
	j->stored = NULL;
	return ret;
}

int trace_writer_add_stored(struct trace_writer *w, const struct trace_stored_blob *b)
{
	struct writer_stored *s;
	struct writer_job *j;
	int err = trace_writer_cut(w);

	if (err || !(j = new_job(w, &err))) {
		close(b->entry_fd);
		close(b->src_fd);
		return err;
	}
	s = xcalloc(1, sizeof(*s));
	*s = (struct writer_stored){b->entry_fd, b->src_fd, xstrdup(b->entry_path),
				    xstrdup(b->src_path), b->hash, b->size, b->piece};
	j->stored = s;
	j->records = (uint32_t)(b->size ? (b->size + b->piece - 1) / b->piece : 1);
	j->first_record = w->records;
	w->records += j->records;
	return enqueue(w, j);
}

int trace_writer_add_chunks(struct trace_writer *w, const uint8_t *p, size_t len, uint64_t *ulen)
{
	uint64_t records;
	size_t off = 0;
	int err;

	if ((err = check_chunks(p, len, &records, ulen)) != 0 || (err = trace_writer_cut(w)) != 0)
		return err;
	while (off < len) {
		size_t n = TRACE_CHUNK_HEADER_SIZE + get_le32(p + off + 4);
		struct writer_job *j = new_job(w, &err);

		if (!j)
			return err;
		rw_buf_reset(&j->data);
		rw_buf_put(&j->data, p + off, n);
		j->raw = true;
		j->records = get_le32(p + off + 12);
		j->first_record = w->records;
		w->records += j->records;
		if ((err = enqueue(w, j)) != 0)
			return err;
		off += n;
	}
	return 0;
}

uint64_t trace_writer_records(const struct trace_writer *w)
{
	return w->records;
}

static int write_footer(struct trace_writer *w)
{
	struct rw_buf footer;
	int ret;

	rw_buf_init(&footer);
	rw_buf_put(&footer, TRACE_INDEX_MAGIC, 4);
	rw_buf_put_u32(&footer, w->chunks);
	rw_buf_put(&footer, w->index.data, w->index.len);
	rw_buf_put_u32(&footer, (uint32_t)crc32(0, w->index.data, (uInt)w->index.len));
	rw_buf_put_u64(&footer, w->offset);
	rw_buf_put(&footer, TRACE_END_MAGIC, 8);
	ret = write_all(w, footer.data, footer.len);
	rw_buf_free(&footer);
	return ret;
}

int trace_writer_finish(struct trace_writer *w)
{
	if (!trace_writer_flush(w))
		write_footer(w);
	stop_worker(w);
	return writer_close(w);
}

void trace_writer_abandon(struct trace_writer *w)
{
	/* Keep what was added: the file reads as truncated after the last chunk. */
	trace_writer_flush(w);
	writer_close(w);
}

void trace_writer_discard(struct trace_writer *w)
{
	if (w->created)
		unlink(w->path);
	writer_close(w);
}

uint64_t trace_writer_bytes(const struct trace_writer *w)
{
	return w->offset;
}
