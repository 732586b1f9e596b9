/* Trace header fields; see header.h. */
#include "trace_format/header.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

enum header_tag {
	H_KERNEL = 1,
	H_VENDOR = 2,
	H_BRAND = 3,
	H_HOSTNAME = 4,
	H_CWD = 5,
	H_EXE = 6,
	H_START_TIME = 7,
	H_PAGE_SIZE = 8,
	H_CPU = 9,
	H_XCR0 = 10,
	H_XSAVE_LAYOUT = 11, /* size, then (component, offset, size) triples */
	H_CPUID = 12,	     /* repeated: one leaf per field */
	H_ARG = 13,	     /* repeated */
	H_ENV = 14,	     /* repeated */
	H_CHAOS_SEED = 15,   /* only in a chaos-mode recording (format 2.4 on) */
};

static void put_field_str(struct rw_buf *b, int tag, const char *s)
{
	rw_buf_put_varint(b, (uint64_t)tag);
	rw_buf_put_str(b, s ? s : "");
}

static void put_field_u64(struct rw_buf *b, int tag, uint64_t v)
{
	struct rw_buf tmp;

	rw_buf_init(&tmp);
	rw_buf_put_varint(&tmp, v);
	rw_buf_put_varint(b, (uint64_t)tag);
	rw_buf_put_blob(b, tmp.data, tmp.len);
	rw_buf_free(&tmp);
}

void trace_header_encode(const struct trace_header *h, struct rw_buf *out)
{
	struct rw_buf tmp;

	put_field_str(out, H_KERNEL, h->kernel_release);
	put_field_str(out, H_VENDOR, h->cpu_vendor);
	put_field_str(out, H_BRAND, h->cpu_brand);
	put_field_str(out, H_HOSTNAME, h->hostname);
	put_field_str(out, H_CWD, h->cwd);
	put_field_str(out, H_EXE, h->exe);
	put_field_u64(out, H_START_TIME, h->start_time);
	put_field_u64(out, H_PAGE_SIZE, h->page_size);
	put_field_u64(out, H_CPU, (uint64_t)(uint32_t)h->cpu);
	put_field_u64(out, H_XCR0, h->xcr0);
	if (h->chaos)
		put_field_u64(out, H_CHAOS_SEED, h->chaos_seed);

	rw_buf_init(&tmp);
	rw_buf_put_varint(&tmp, h->xsave_size);
	for (int i = 0; i < TRACE_XSAVE_COMPONENTS; i++) {
		if (!h->xsave_comp_size[i])
			continue;
		rw_buf_put_varint(&tmp, (uint64_t)i);
		rw_buf_put_varint(&tmp, h->xsave_offset[i]);
		rw_buf_put_varint(&tmp, h->xsave_comp_size[i]);
	}
	rw_buf_put_varint(out, H_XSAVE_LAYOUT);
	rw_buf_put_blob(out, tmp.data, tmp.len);
	for (uint32_t i = 0; i < h->ncpuid; i++) {
		const struct trace_cpuid *c = &h->cpuid[i];

		rw_buf_reset(&tmp);
		rw_buf_put_u32(&tmp, c->leaf);
		rw_buf_put_u32(&tmp, c->subleaf);
		rw_buf_put_u32(&tmp, c->eax);
		rw_buf_put_u32(&tmp, c->ebx);
		rw_buf_put_u32(&tmp, c->ecx);
		rw_buf_put_u32(&tmp, c->edx);
		rw_buf_put_varint(out, H_CPUID);
		rw_buf_put_blob(out, tmp.data, tmp.len);
	}
	rw_buf_free(&tmp);
	for (uint32_t i = 0; i < h->argc; i++)
		put_field_str(out, H_ARG, h->argv[i]);
	for (uint32_t i = 0; i < h->envc; i++)
		put_field_str(out, H_ENV, h->envp[i]);
}

static char *dup_blob(const uint8_t *p, size_t n)
{
	char *s = xmalloc(n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int push_str(char ***v, uint32_t *n, const uint8_t *p, size_t len)
{
	if (*n >= (1u << 20))
		return -EBADMSG;
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = dup_blob(p, len);
	(*v)[*n] = NULL;
	return 0;
}

static void set_str(char **dst, const uint8_t *p, size_t n)
{
	free(*dst);
	*dst = dup_blob(p, n);
}

static int decode_field(struct trace_header *h, uint64_t tag, const uint8_t *p, size_t n)
{
	struct rw_cursor c;

	rw_cursor_init(&c, p, n);
	switch (tag) {
	case H_KERNEL:
		set_str(&h->kernel_release, p, n);
		break;
	case H_VENDOR:
		set_str(&h->cpu_vendor, p, n);
		break;
	case H_BRAND:
		set_str(&h->cpu_brand, p, n);
		break;
	case H_HOSTNAME:
		set_str(&h->hostname, p, n);
		break;
	case H_CWD:
		set_str(&h->cwd, p, n);
		break;
	case H_EXE:
		set_str(&h->exe, p, n);
		break;
	case H_START_TIME:
		h->start_time = rw_get_varint(&c);
		break;
	case H_PAGE_SIZE:
		h->page_size = (uint32_t)rw_get_varint(&c);
		break;
	case H_CPU:
		h->cpu = (int32_t)rw_get_varint(&c);
		break;
	case H_XCR0:
		h->xcr0 = rw_get_varint(&c);
		break;
	case H_XSAVE_LAYOUT:
		h->xsave_size = (uint32_t)rw_get_varint(&c);
		while (!c.bad && rw_cursor_left(&c)) {
			uint64_t idx = rw_get_varint(&c);
			uint32_t off = (uint32_t)rw_get_varint(&c);
			uint32_t size = (uint32_t)rw_get_varint(&c);

			if (idx >= TRACE_XSAVE_COMPONENTS)
				return -EBADMSG;
			h->xsave_offset[idx] = off;
			h->xsave_comp_size[idx] = size;
		}
		break;
	case H_CPUID: {
		struct trace_cpuid l;

		l.leaf = rw_get_u32(&c);
		l.subleaf = rw_get_u32(&c);
		l.eax = rw_get_u32(&c);
		l.ebx = rw_get_u32(&c);
		l.ecx = rw_get_u32(&c);
		l.edx = rw_get_u32(&c);
		if (c.bad || h->ncpuid >= 4096)
			return -EBADMSG;
		h->cpuid = xrealloc(h->cpuid, (h->ncpuid + 1) * sizeof(*h->cpuid));
		h->cpuid[h->ncpuid++] = l;
		break;
	}
	case H_ARG:
		return push_str(&h->argv, &h->argc, p, n);
	case H_ENV:
		return push_str(&h->envp, &h->envc, p, n);
	case H_CHAOS_SEED:
		h->chaos = true;
		h->chaos_seed = rw_get_varint(&c);
		break;
	default:
		break; /* a newer minor version's field */
	}
	return c.bad ? -EBADMSG : 0;
}

int trace_header_decode(const void *p, size_t len, struct trace_header *h)
{
	struct rw_cursor c;

	memset(h, 0, sizeof(*h));
	rw_cursor_init(&c, p, len);
	while (rw_cursor_left(&c)) {
		uint64_t tag = rw_get_varint(&c);
		size_t n;
		const uint8_t *v = rw_get_blob(&c, &n);

		if (c.bad || decode_field(h, tag, v, n) < 0) {
			trace_header_free(h);
			return -EBADMSG;
		}
	}
	return 0;
}

static void free_strv(char **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void trace_header_free(struct trace_header *h)
{
	free(h->kernel_release);
	free(h->cpu_vendor);
	free(h->cpu_brand);
	free(h->hostname);
	free(h->cwd);
	free(h->exe);
	free(h->cpuid);
	free_strv(h->argv, h->argc);
	free_strv(h->envp, h->envc);
	memset(h, 0, sizeof(*h));
}
