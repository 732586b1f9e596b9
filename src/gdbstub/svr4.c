/*
 * qXfer:libraries-svr4:read: the shared objects of the process, read from
 * its memory as the dynamic linker keeps them (the r_debug list that the
 * main program's DT_DEBUG entry points at), found from the auxv. lldb
 * needs it to find modules when it was given no executable. gdb reads the
 * same list from memory itself, and is refused it here (gdb 13 wants
 * attributes lldb does not know). Part of the server; see internal.h.
 */
#include "gdbstub/internal.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SVR4_MAX_OBJECTS 4096
#define SVR4_AUXV_MAX	 (64 * 1024)

struct svr4_image {
	uint64_t phdr, phnum, interp_base;
	uint64_t bias, dynamic;
	char interp[256];
};

static int read_exact(struct gdb_server *s, uint64_t addr, void *buf, size_t len)
{
	long n = s->ops->read_memory(s->ctx, addr, buf, len);

	return n == (long)len ? 0 : -EIO;
}

static int read_auxv_entries(struct gdb_server *s, struct svr4_image *im)
{
	uint64_t auxv[SVR4_AUXV_MAX / 8];
	long n;

	if (!s->ops->read_auxv || (n = s->ops->read_auxv(s->ctx, (uint8_t *)auxv, sizeof(auxv))) < 0)
		return -ENOSYS;
	for (long i = 0; i + 1 < n / 8; i += 2) {
		if (auxv[i] == AT_PHDR)
			im->phdr = auxv[i + 1];
		else if (auxv[i] == AT_PHNUM)
			im->phnum = auxv[i + 1];
		else if (auxv[i] == AT_BASE)
			im->interp_base = auxv[i + 1];
	}
	return im->phdr && im->phnum ? 0 : -ENOENT;
}

/* The main program's load bias, its dynamic section and its interpreter's path. */
static int read_program_headers(struct gdb_server *s, struct svr4_image *im)
{
	Elf64_Phdr ph;
	uint64_t dyn_vaddr = 0, interp_vaddr = 0, interp_len = 0;
	bool have_bias = false;

	for (uint64_t i = 0; i < im->phnum && i < 256; i++) {
		if (read_exact(s, im->phdr + i * sizeof(ph), &ph, sizeof(ph)) < 0)
			return -EIO;
		if (ph.p_type == PT_PHDR) {
			im->bias = im->phdr - ph.p_vaddr;
			have_bias = true;
		} else if (ph.p_type == PT_DYNAMIC) {
			dyn_vaddr = ph.p_vaddr;
		} else if (ph.p_type == PT_INTERP) {
			interp_vaddr = ph.p_vaddr;
			interp_len = ph.p_filesz;
		}
	}
	if (!have_bias || !dyn_vaddr)
		return -ENOENT; /* a static program: no list */
	im->dynamic = im->bias + dyn_vaddr;
	if (interp_vaddr && interp_len < sizeof(im->interp) &&
	    read_exact(s, im->bias + interp_vaddr, im->interp, interp_len) == 0)
		im->interp[interp_len] = 0;
	return 0;
}

/* The address of r_debug (DT_DEBUG's value), 0 while the dynamic linker has not set it. */
static uint64_t find_r_debug(struct gdb_server *s, const struct svr4_image *im)
{
	Elf64_Dyn d;

	for (int i = 0; i < 512; i++) {
		if (read_exact(s, im->dynamic + (uint64_t)i * sizeof(d), &d, sizeof(d)) < 0 ||
		    d.d_tag == DT_NULL)
			return 0;
		if (d.d_tag == DT_DEBUG)
			return d.d_un.d_ptr;
	}
	return 0;
}

static void put_library(struct gdb_server *s, struct rw_buf *doc, const char *name, uint64_t lm,
			uint64_t l_addr, uint64_t l_ld)
{
	char attrs[128];

	rw_buf_put(doc, "<library name=\"", 15);
	gdb_put_xml_escaped(doc, name, strlen(name));
	rw_buf_put(doc, attrs,
		   (size_t)snprintf(attrs, sizeof(attrs),
				    "\" lm=\"0x%" PRIx64 "\" l_addr=\"0x%" PRIx64 "\" l_ld=\"0x%" PRIx64
				    "\"/>\n",
				    lm, l_addr, l_ld));
}

/* Reads a NUL-terminated path of at most len - 1 bytes. */
static int read_path(struct gdb_server *s, uint64_t addr, char *buf, size_t len)
{
	long n = s->ops->read_memory(s->ctx, addr, buf, len - 1);

	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return (int)strlen(buf);
}

/* The link_map chain: each object with a name, from the first after the main program's. */
static void put_link_maps(struct gdb_server *s, struct rw_buf *doc, uint64_t lm)
{
	char name[4096];

	for (int i = 0; lm && i < SVR4_MAX_OBJECTS; i++) {
		uint64_t f[4]; /* l_addr, l_name, l_ld, l_next */

		if (read_exact(s, lm, f, sizeof(f)) < 0)
			return;
		if (f[1] && read_path(s, f[1], name, sizeof(name)) > 0)
			put_library(s, doc, name, lm, f[0], f[2]);
		lm = f[3];
	}
}

int gdb_build_svr4(struct gdb_server *s, struct rw_buf *doc)
{
	struct svr4_image im = {0};
	uint64_t r_debug, main_lm = 0;
	char head[96];
	int err;

	/*
	 * gdb reads the dynamic linker's list itself, as it always has here
	 * (an error reply sends it there quietly); only lldb is served one.
	 */
	if (!s->lldb)
		return -ENOTSUP;
	if ((err = read_auxv_entries(s, &im)) < 0 || (err = read_program_headers(s, &im)) < 0)
		return err;
	r_debug = find_r_debug(s, &im);
	if (r_debug && read_exact(s, r_debug + 8, &main_lm, 8) < 0)
		main_lm = 0;
	/*
	 * lldb takes main-lm for the address of r_debug, and was given no
	 * executable: no main-lm, and the main program comes first, by its path.
	 */
	const char *exe = s->ops->exec_file ? s->ops->exec_file(s->ctx, s->pid) : NULL;

	snprintf(head, sizeof(head), "<library-list-svr4 version=\"1.0\">\n");
	rw_buf_put(doc, head, strlen(head));

	if (exe)
		put_library(s, doc, exe, main_lm, im.bias, im.dynamic);
	if (main_lm) {
		uint64_t next;

		if (read_exact(s, main_lm + 24, &next, 8) == 0)
			put_link_maps(s, doc, next);
	} else if (im.interp[0] && im.interp_base) {
		/* Before the dynamic linker has made its list: the linker itself. */
		put_library(s, doc, im.interp, 0, im.interp_base, 0);
	}
	rw_buf_put(doc, "</library-list-svr4>\n", 21);
	return 0;
}
