/*
 * Shared file mappings too large to snapshot whole (a 64 GiB memfd of
 * which a few pages are used): watched through the file instead of the
 * memory. The recorder keeps a descriptor of the file and, at each
 * snapshot, the hash of every page of the mapped range that is data in
 * the file (SEEK_DATA: a hole reads as zeros and has no page); a page
 * that changed, appeared or went is what a syscall changed. The cost is
 * the pages the file holds, nothing per page of the mapping's size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "recorder/recorder.h"

#define PAGE 4096u
/* Data pages watched per mapping, as many as the whole-snapshot limit allows. */
#define SPARSE_PAGES_MAX ((64u << 20) / PAGE)

static int add_page(struct sparse_page **pages, size_t *n, size_t *cap, uint64_t rel,
		    const uint8_t *data)
{
	if (*n == SPARSE_PAGES_MAX)
		return -EFBIG;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*pages = xrealloc(*pages, *cap * sizeof(**pages));
	}
	(*pages)[(*n)++] = (struct sparse_page){rel, rw_hash_bytes(data, PAGE)};
	return 0;
}

int sparse_pages_scan(int fd, uint64_t off, uint64_t len, struct sparse_page **out, size_t *nout)
{
	struct sparse_page *pages = NULL;
	size_t n = 0, cap = 0;
	uint8_t page[PAGE];
	struct stat st;
	uint64_t end;
	off_t data = (off_t)off;
	int err = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	end = off + len < (uint64_t)st.st_size ? off + len : (uint64_t)st.st_size;
	while (!err && (uint64_t)data < end && (data = lseek(fd, data, SEEK_DATA)) >= 0 &&
	       (uint64_t)data < end) {
		off_t hole = lseek(fd, data, SEEK_HOLE);
		uint64_t stop = hole < 0 || (uint64_t)hole > end ? end : (uint64_t)hole;
		uint64_t p = off + ((uint64_t)data - off) / PAGE * PAGE;

		for (; !err && p < stop; p += PAGE) {
			ssize_t got = pread(fd, page, PAGE, (off_t)p);

			if (got < 0) {
				err = -errno;
				break;
			}
			for (ssize_t i = got < 0 ? 0 : got; i < (ssize_t)PAGE; i++)
				page[i] = 0;
			err = add_page(&pages, &n, &cap, p - off, page);
		}
		data = (off_t)p;
	}
	if (err) {
		free(pages);
		return err;
	}
	*out = pages;
	*nout = n;
	return 0;
}

size_t sparse_pages_changed(const struct sparse_page *was, size_t nwas,
			    const struct sparse_page *now, size_t nnow, uint64_t **changed)
{
	size_t i = 0, j = 0, n = 0;
	uint64_t *out = xmalloc((nwas + nnow + 1) * sizeof(*out));

	while (i < nwas || j < nnow) {
		if (j == nnow || (i < nwas && was[i].rel < now[j].rel)) {
			out[n++] = was[i++].rel; /* gone: zeros now, or past the end */
		} else if (i == nwas || now[j].rel < was[i].rel) {
			out[n++] = now[j++].rel; /* new data */
		} else {
			if (!rw_hash_eq(was[i].hash, now[j].hash))
				out[n++] = now[j].rel;
			i++;
			j++;
		}
	}
	*changed = out;
	return n;
}
