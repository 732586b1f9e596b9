/*
 * Reading the trace ahead of the replay: a worker thread, on another CPU
 * than the replayed program when there is one, inflates and checks chunks
 * through the trace reader into batches (one per chunk) the replay loop
 * then takes in order, so decompression rarely stands in the program's way.
 * Whoever decodes a chunk also writes its stored files out (they come
 * before the events that map them, so each is complete by the time the
 * replay needs it). The contract of prefetch_next is that of
 * trace_reader_next, blob records aside.
 *
 * When the replay thread would wait (at start-up, where every stored file
 * comes before the first event, its CPU would idle for the whole time the
 * worker inflates them), it decodes the next unclaimed chunk itself with a
 * second reader positioned through the index footer. Chunks are claimed in
 * order, one decoder each, and handed out in order, so records, blob writes
 * and errors come out as from one reader; a trace without footer is read
 * by the worker alone.
 *
 * Going back (prefetch_seek, for checkpoints) stops the worker, drops what
 * was decoded ahead and starts again at the chunk that holds the record;
 * stored files already written are not written again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cpu_affinity.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "replayer/replayer.h"

/* Decoded chunks (about 1 MiB each) waiting for the replay, or being decoded. */
#define QUEUE_MAX 8

struct batch {
	struct rw_buf data; /* varint kind, varint record index, varint length, payload; repeated */
	uint64_t chunk;	    /* the chunk these records come from */
	int status; /* after the last record: 0 at the end, negative on error, 1 more follow */
	struct batch *next;
};

struct prefetch {
	struct trace_reader *reader; /* the worker's */
	struct trace_reader *helper; /* the replay thread's; NULL without an index footer */
	uint64_t nchunks;	     /* chunks in the index footer */
	struct blobstore *blobs;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *done; /* decoded, not yet taken, in chunk order */
	unsigned queued;    /* claimed and not yet taken */
	uint64_t next_claim;
	uint64_t want; /* the chunk the replay takes next */
	bool stop;
	bool halted; /* a decoder met the end or an error: claim nothing more */
	int avoid_cpu;
	bool running; /* the worker thread exists */
	struct batch *current;
	struct rw_cursor cursor;
	uint64_t last;	      /* index of the record returned last */
	uint64_t skip_below;  /* after a seek: records before this one are not returned */
	uint64_t blob_chunks; /* chunks before this one had their stored files written */
};

static struct batch *new_batch(uint64_t chunk)
{
	struct batch *b = xcalloc(1, sizeof(*b));

	rw_buf_init(&b->data);
	b->chunk = chunk;
	return b;
}

/* Decodes chunk number b->chunk with reader r into b. */
static void decode_chunk(struct prefetch *p, struct trace_reader *r, struct batch *b)
{
	int ret = 0;

	if (trace_reader_chunks(r) != b->chunk)
		ret = trace_reader_seek_chunk(r, b->chunk);
	if (!ret && p->blobs && blobstore_chunk_local(p->blobs, b->chunk)) {
		/* Its files were taken from this machine: only the CRC is checked. */
		ret = trace_reader_check_chunk(r);
		b->status = ret <= 0 ? (ret ? ret : -EIO) : 1;
		return;
	}
	if (!ret)
		ret = trace_reader_load_chunk(r);
	if (ret <= 0) {
		b->status = ret;
		return;
	}
	while (trace_reader_chunk_left(r)) {
		uint32_t kind;
		const uint8_t *payload;
		size_t len;

		if ((ret = trace_reader_next(r, &kind, &payload, &len)) <= 0) {
			b->status = ret ? ret : -EIO;
			return;
		}
		if (kind == TRACE_REC_BLOB && p->blobs) {
			if (b->chunk < p->blob_chunks)
				continue;
			ret = blobstore_add(p->blobs, payload, len);
			if (ret < 0) {
				b->status = ret;
				return;
			}
			continue;
		}
		rw_buf_put_varint(&b->data, kind);
		rw_buf_put_varint(&b->data, trace_reader_record_index(r));
		rw_buf_put_blob(&b->data, payload, len);
	}
	b->status = 1;
}

/* Under the lock: files a decoded batch in chunk order. */
static void file_batch(struct prefetch *p, struct batch *b)
{
	struct batch **at = &p->done;

	while (*at && (*at)->chunk < b->chunk)
		at = &(*at)->next;
	b->next = *at;
	*at = b;
	if (b->status != 1)
		p->halted = true;
	pthread_cond_broadcast(&p->cond);
}

static void *worker(void *arg)
{
	struct prefetch *p = arg;

	rw_cpu_avoid(p->avoid_cpu);
	for (;;) {
		struct batch *b;

		pthread_mutex_lock(&p->lock);
		while (p->queued >= QUEUE_MAX && !p->stop && !p->halted)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop || p->halted) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		b = new_batch(p->next_claim++);
		p->queued++;
		pthread_mutex_unlock(&p->lock);
		decode_chunk(p, p->reader, b);
		pthread_mutex_lock(&p->lock);
		file_batch(p, b);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

int prefetch_start(struct prefetch **out, struct trace_reader *reader, struct blobstore *blobs,
		   int replay_cpu)
{
	struct prefetch *p = xcalloc(1, sizeof(*p));

	p->reader = reader;
	p->blobs = blobs;
	p->avoid_cpu = replay_cpu;
	p->nchunks = trace_reader_indexed_chunks(reader);
	if (p->nchunks > 1 && trace_reader_open(trace_reader_path(reader), &p->helper) < 0)
		p->helper = NULL; /* the worker reads alone */
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, worker, p)) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
		trace_reader_close(p->helper);
		free(p);
		return -EAGAIN;
	}
	p->running = true;
	*out = p;
	return 0;
}

static void free_batch(struct batch *b)
{
	if (b) {
		rw_buf_free(&b->data);
		free(b);
	}
}

/* Under the lock: the next batch in order, decoding chunks here while it is not ready. */
static struct batch *take_batch(struct prefetch *p)
{
	struct batch *b;

	for (;;) {
		if (p->done && p->done->chunk == p->want)
			break;
		if (p->helper && !p->halted && p->next_claim < p->nchunks &&
		    p->queued < QUEUE_MAX) {
			b = new_batch(p->next_claim++);
			p->queued++;
			pthread_mutex_unlock(&p->lock);
			decode_chunk(p, p->helper, b);
			pthread_mutex_lock(&p->lock);
			file_batch(p, b);
			continue;
		}
		pthread_cond_wait(&p->cond, &p->lock);
	}
	b = p->done;
	p->done = b->next;
	p->queued--;
	p->want++;
	pthread_cond_broadcast(&p->cond);
	return b;
}

int prefetch_next(struct prefetch *p, uint32_t *kind, const uint8_t **payload, size_t *len)
{
	do {
		while (!p->current || !rw_cursor_left(&p->cursor)) {
			int status = p->current ? p->current->status : 1;

			if (status != 1)
				return status; /* the end (0) or an error, as often as asked */
			free_batch(p->current);
			p->current = NULL;
			if (!p->running)
				return -EIO; /* a failed seek left no reader */
			pthread_mutex_lock(&p->lock);
			p->current = take_batch(p);
			pthread_mutex_unlock(&p->lock);
			rw_cursor_init(&p->cursor, p->current->data.data, p->current->data.len);
		}
		*kind = (uint32_t)rw_get_varint(&p->cursor);
		p->last = rw_get_varint(&p->cursor);
		*payload = rw_get_blob(&p->cursor, len);
	} while (p->last < p->skip_below);
	return 1;
}

uint64_t prefetch_record_index(const struct prefetch *p)
{
	return p->last;
}

/* Stops the worker and frees what was decoded ahead; the prefetch itself stays. */
static void halt_worker(struct prefetch *p)
{
	if (!p->running)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->running = false;
	/* Every chunk claimed so far was decoded whole (or failed, which halts). */
	if (p->next_claim > p->blob_chunks)
		p->blob_chunks = p->next_claim;
	while (p->done) {
		struct batch *b = p->done;

		p->done = b->next;
		free_batch(b);
	}
	free_batch(p->current);
	p->current = NULL;
	p->queued = 0;
}

int prefetch_seek(struct prefetch *p, uint64_t record)
{
	uint64_t chunk;
	int ret;

	halt_worker(p);
	ret = trace_reader_chunk_of(p->reader, record, &chunk);
	if (ret < 0) {
		rw_error("%s: cannot go back to record %llu: its chunk is not known",
			 trace_reader_path(p->reader), (unsigned long long)record);
		return ret;
	}
	p->stop = false;
	p->halted = false;
	p->want = p->next_claim = chunk;
	p->skip_below = record;
	if (pthread_create(&p->thread, NULL, worker, p))
		return -EAGAIN;
	p->running = true;
	return 0;
}

void prefetch_stop(struct prefetch *p)
{
	if (!p)
		return;
	halt_worker(p);
	trace_reader_close(p->helper);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
