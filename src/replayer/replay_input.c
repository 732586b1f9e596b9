/*
 * The trace a replay reads: its header, the stored files (taken from this
 * machine where it has them, else extracted as their records come), and
 * its events in order, read ahead by another thread (prefetch.c) and
 * decoded by the trace's one event reader (trace_format/event_stream.h).
 * Also what the replayer keeps of every event as it goes: the recorded
 * XSAVE area of each task, and the files the recording mapped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "replayer/replayer.h"

int replay_input_open(struct replay_input *in, const char *path)
{
	const void *hp;
	size_t hlen;
	int err;

	in->path = path;
	if ((err = trace_reader_open(path, &in->reader)) < 0)
		return err;
	hp = trace_reader_header(in->reader, &hlen);
	if (trace_header_decode(hp, hlen, &in->header) < 0) {
		rw_error("%s: the trace header is corrupt", path);
		return -EBADMSG;
	}
	return 0;
}

int replay_input_find_files(struct replay_input *in, size_t xsave_len)
{
	uint32_t major, minor;
	int err;

	in->rec_xsave_before = xcalloc(1, xsave_len);
	if ((err = blobstore_init(&in->blobs)) < 0)
		return err;
	blobstore_use_local(&in->blobs, in->reader);
	trace_reader_version(in->reader, &major, &minor);
	in->blobs.shared_exact = major > 2 || (major == 2 && minor >= 1);
	return 0;
}

static int prefetch_source_next(void *arg, uint32_t *kind, const uint8_t **payload, size_t *len)
{
	return prefetch_next(arg, kind, payload, len);
}

static uint64_t prefetch_source_index(void *arg)
{
	return prefetch_record_index(arg);
}

static int add_blob(void *arg, const uint8_t *payload, size_t len)
{
	return blobstore_add(arg, payload, len);
}

int replay_input_start(struct replay_input *in, int cpu)
{
	int err = prefetch_start(&in->prefetch, in->reader, &in->blobs, cpu);

	if (err < 0)
		return err;
	trace_event_stream_init(&in->stream, in->path,
				(struct trace_record_source){prefetch_source_next,
							     prefetch_source_index, in->prefetch});
	in->stream.on_blob = add_blob;
	in->stream.blob_arg = &in->blobs;
	return 0;
}

void replay_input_close(struct replay_input *in)
{
	blobstore_cleanup(&in->blobs);
	prefetch_stop(in->prefetch);
	if (in->reader)
		trace_reader_close(in->reader);
	trace_header_free(&in->header);
	trace_event_stream_free(&in->stream);
	free(in->rec_xsave_before);
	trace_regs_history_free(&in->hist_before);
	for (size_t i = 0; i < in->nfiles; i++)
		free(in->files[i].path);
	free(in->files);
}

/* Remembers the path of every file the recording mapped, for the debugger's vFile requests. */
static void track_files(struct replay_input *in, const struct trace_event *ev)
{
	for (size_t i = 0; i < ev->nmaps; i++) {
		const struct trace_map *m = &ev->maps[i];
		bool known = false;

		if (m->kind != MAPK_FILE || !m->path || !*m->path)
			continue;
		for (size_t f = 0; f < in->nfiles && !known; f++)
			known = !strcmp(in->files[f].path, m->path) &&
				rw_hash_eq(in->files[f].hash, m->hash);
		if (known)
			continue;
		in->files = xrealloc(in->files, (in->nfiles + 1) * sizeof(*in->files));
		in->files[in->nfiles].path = xstrdup(m->path);
		in->files[in->nfiles].dev = m->dev;
		in->files[in->nfiles].ino = m->ino;
		in->files[in->nfiles++].hash = m->hash;
	}
}

const struct replay_file *replay_input_recorded_file(const struct replay_input *in,
						     const char *live)
{
	size_t dirlen = strlen(in->blobs.dir);
	unsigned long long dev, ino;
	const char *name;
	char hex[33];
	int end = 0;

	if (!dirlen || strncmp(live, in->blobs.dir, dirlen) || live[dirlen] != '/')
		return NULL;
	name = live + dirlen + 1;
	if (sscanf(name, "shared-%llx-%llx%n", &dev, &ino, &end) == 2 &&
	    (!name[end] || !strcmp(name + end, " (deleted)"))) {
		for (size_t i = in->nfiles; i-- > 0;)
			if (in->files[i].dev == dev && in->files[i].ino == ino)
				return &in->files[i];
		return NULL;
	}
	for (size_t i = in->nfiles; i-- > 0;) {
		rw_hash_hex(in->files[i].hash, hex);
		if (!strncmp(name, hex, 32) && (!name[32] || !strcmp(name + 32, " (deleted)")))
			return &in->files[i];
	}
	return NULL;
}

const struct replay_file *replay_input_find_file(const struct replay_input *in, const char *path)
{
	for (size_t i = in->nfiles; i-- > 0;)
		if (!strcmp(in->files[i].path, path))
			return &in->files[i];
	return NULL;
}

void replay_input_file_copy(const struct replay_input *in, const struct replay_file *f, char *out,
			    size_t outlen)
{
	blobstore_path(&in->blobs, f->hash, out, outlen);
}

int replay_input_next(struct replay_input *in, struct trace_event *ev)
{
	int ret;

	in->stream.before = in->keep_before ? &in->hist_before : NULL;
	if ((ret = trace_event_stream_next(&in->stream, ev)) > 0)
		track_files(in, ev);
	return ret;
}

int replay_input_save(const struct replay_input *in, bool pending, const struct trace_event *ev,
		      struct replay_input_pos *pos)
{
	const struct trace_regs_history *h = pending ? &in->hist_before : &in->stream.history;

	pos->record = pending ? in->stream.record : in->stream.record + 1;
	pos->seq = ev->seq;
	return trace_regs_history_copy(&pos->history, h);
}

int replay_input_restore(struct replay_input *in, const struct replay_input_pos *pos)
{
	int err = prefetch_seek(in->prefetch, pos->record);

	if (!err)
		err = trace_regs_history_copy(&in->stream.history, &pos->history);
	return err;
}

void replay_input_pos_free(struct replay_input_pos *pos)
{
	trace_regs_history_free(&pos->history);
}

/* Keeps the recorded XSAVE area of r->ev's task equal to the recording's as of r->ev. */
static void track_recorded_xsave(struct replayer *r)
{
	uint8_t *rec_xsave = replay_tasks_rec_xsave(&r->tasks, r->ev.tid);

	if (r->ev.kind == EV_THREAD)
		return; /* a new task's: it starts from them (replay_attach.c) */
	for (size_t i = 0; i < r->ev.nxblocks; i++) {
		const struct trace_xblock *x = &r->ev.xblocks[i];
		uint32_t off, len;

		if (x86_xsave_block_range(&r->layout, x->block, &off, &len) == 0 && len == x->len &&
		    off + len <= r->xsave_len)
			memcpy(rec_xsave + off, x->data, len);
	}
}

int replayer_next_event(struct replayer *r)
{
	int ret = replay_input_next(&r->in, &r->ev);

	if (ret <= 0)
		return ret;
	if (r->in.keep_before) {
		/* The area this event's blocks change, as it was before them. */
		memcpy(r->in.rec_xsave_before, replay_tasks_rec_xsave(&r->tasks, r->ev.tid),
		       r->xsave_len);
		r->in.rec_xsave_before_tid = r->ev.tid;
	}
	track_recorded_xsave(r);
	return 1;
}
