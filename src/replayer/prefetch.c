/*
 * Reading the trace ahead of the replay: a worker thread, on another CPU
 * than the replayed program when there is one, pulls records through the
 * trace reader (inflating and checking chunks) into batches the replay loop
 * then takes, so decompression never stands in the program's way. It also
 * writes the stored files out itself (they come before the events that map
 * them, so each is complete by the time the replay needs it). The contract
 * of prefetch_next is that of trace_reader_next, blob records aside.
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
#include "replayer/replayer.h"

#define BATCH_BYTES (1u << 20)
#define QUEUE_MAX   8

struct batch {
	struct rw_buf data; /* varint kind, varint record index, varint length, payload; repeated */
	int status; /* after the last record: 0 at the end, negative on error, 1 more follow */
	struct batch *next;
};

struct prefetch {
	struct trace_reader *reader;
	struct blobstore *blobs;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *head, *tail;
	unsigned queued;
	bool stop;
	int avoid_cpu;
	struct batch *current;
	struct rw_cursor cursor;
	uint64_t last; /* index of the record returned last */
	/* Blobs up to this record index are written already (reading again after a seek). */
	uint64_t blobs_done;
	bool any_blob;
	bool running; /* the worker thread exists */
};

static void push(struct prefetch *p, struct batch *b)
{
	pthread_mutex_lock(&p->lock);
	while (p->queued >= QUEUE_MAX && !p->stop)
		pthread_cond_wait(&p->cond, &p->lock);
	b->next = NULL;
	if (p->tail)
		p->tail->next = b;
	else
		p->head = b;
	p->tail = b;
	p->queued++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
	struct prefetch *p = arg;
	int status = 1;

	rw_cpu_avoid(p->avoid_cpu);
	while (status == 1) {
		struct batch *b = calloc(1, sizeof(*b));

		if (!b)
			abort();
		rw_buf_init(&b->data);
		while (b->data.len < BATCH_BYTES) {
			uint32_t kind;
			const uint8_t *payload;
			size_t len;
			int ret = trace_reader_next(p->reader, &kind, &payload, &len);

			if (ret <= 0) {
				status = ret;
				break;
			}
			uint64_t index = trace_reader_record_index(p->reader);

			if (kind == TRACE_REC_BLOB && p->blobs) {
				if (p->any_blob && index <= p->blobs_done)
					continue;
				ret = blobstore_add(p->blobs, payload, len);
				if (ret < 0) {
					status = ret;
					break;
				}
				p->blobs_done = index;
				p->any_blob = true;
				continue;
			}
			rw_buf_put_varint(&b->data, kind);
			rw_buf_put_varint(&b->data, index);
			rw_buf_put_blob(&b->data, payload, len);
		}
		b->status = status;
		push(p, b);
		pthread_mutex_lock(&p->lock);
		status = p->stop ? 0 : status;
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

int prefetch_start(struct prefetch **out, struct trace_reader *reader, struct blobstore *blobs,
		   int replay_cpu)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->reader = reader;
	p->blobs = blobs;
	p->avoid_cpu = replay_cpu;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, worker, p)) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
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

int prefetch_next(struct prefetch *p, uint32_t *kind, const uint8_t **payload, size_t *len)
{
	while (!p->current || !rw_cursor_left(&p->cursor)) {
		int status = p->current ? p->current->status : 1;

		if (status != 1)
			return status; /* the end (0) or an error, as often as asked */
		free_batch(p->current);
		p->current = NULL;
		if (!p->running)
			return -EIO; /* a failed seek left no reader */
		pthread_mutex_lock(&p->lock);
		while (!p->head)
			pthread_cond_wait(&p->cond, &p->lock);
		p->current = p->head;
		p->head = p->current->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		rw_cursor_init(&p->cursor, p->current->data.data, p->current->data.len);
	}
	*kind = (uint32_t)rw_get_varint(&p->cursor);
	p->last = rw_get_varint(&p->cursor);
	*payload = rw_get_blob(&p->cursor, len);
	return 1;
}

uint64_t prefetch_record_index(const struct prefetch *p)
{
	return p->last;
}

/* Stops the worker and frees what it had read ahead; the prefetch itself stays. */
static void halt_worker(struct prefetch *p)
{
	if (!p->running)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	/* Drain what the worker is blocked on pushing so it can see the stop. */
	for (;;) {
		struct batch *b;

		pthread_mutex_lock(&p->lock);
		b = p->head;
		if (b) {
			p->head = b->next;
			if (!p->head)
				p->tail = NULL;
			p->queued--;
			pthread_cond_broadcast(&p->cond);
		}
		pthread_mutex_unlock(&p->lock);
		if (!b) {
			if (pthread_tryjoin_np(p->thread, NULL) == 0)
				break;
			sched_yield();
			continue;
		}
		free_batch(b);
	}
	p->running = false;
	/* What it pushed between the last look and its end. */
	while (p->head) {
		struct batch *b = p->head;

		p->head = b->next;
		free_batch(b);
	}
	p->tail = NULL;
	p->queued = 0;
	free_batch(p->current);
	p->current = NULL;
}

int prefetch_seek(struct prefetch *p, uint64_t record)
{
	int ret;

	halt_worker(p);
	p->stop = false;
	ret = trace_reader_seek(p->reader, record);
	if (ret < 0)
		return ret;
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
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
