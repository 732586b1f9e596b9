/*
 * The x86_64 target description for gdb and register values by remote
 * number; see gdb_regs.h. Register names, sizes and types are those gdb's
 * i386/amd64 code looks for by name when it validates a description
 * (features org.gnu.gdb.i386.*): a name gdb does not know, or a missing
 * one, makes gdb reject the whole description.
 *
 * XSAVE offsets of the extended components always come from the recorded
 * layout (CPUID leaf 0xD of the recording machine), never from Intel's
 * usual numbers: AMD CPUs without MPX put the opmask state at 832, not 1088.
 */
#include "arch/x86_64/gdb_regs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/regs.h"

/* XSAVE state components (XCR0 / XSTATE_BV bits). */
enum {
	XCOMP_X87 = 0,
	XCOMP_SSE = 1,
	XCOMP_AVX = 2,
	XCOMP_OPMASK = 5,
	XCOMP_ZMM_HI256 = 6,
	XCOMP_HI16_ZMM = 7,
	XCOMP_PKRU = 9,
};

/* Legacy (FXSAVE) region, the same in every XSAVE format. */
#define FXSAVE_FCW	 0
#define FXSAVE_FSW	 2
#define FXSAVE_FTW	 4 /* abridged tag: one bit per physical register, 1 = valid */
#define FXSAVE_FOP	 6
#define FXSAVE_FIP	 8
#define FXSAVE_FDP	 16
#define FXSAVE_MXCSR	 24
#define FXSAVE_ST0	 32
#define FXSAVE_XMM0	 160
#define FXSAVE_SIZE	 512
#define XSAVE_XSTATE_BV	 512
#define XSAVE_HEADER_END 576

#define MXCSR_INIT 0x1f80u
#define FCW_INIT   0x037fu
#define FTAG_EMPTY 0xffffu

static const struct {
	const char *file, *name;
} features[X86_GDB_NFEATURES] = {
    [X86_GDB_FEATURE_CORE] = {"64bit-core.xml", "org.gnu.gdb.i386.core"},
    [X86_GDB_FEATURE_SSE] = {"64bit-sse.xml", "org.gnu.gdb.i386.sse"},
    [X86_GDB_FEATURE_LINUX] = {"64bit-linux.xml", "org.gnu.gdb.i386.linux"},
    [X86_GDB_FEATURE_SEGMENTS] = {"64bit-segments.xml", "org.gnu.gdb.i386.segments"},
    [X86_GDB_FEATURE_AVX] = {"64bit-avx.xml", "org.gnu.gdb.i386.avx"},
    [X86_GDB_FEATURE_AVX512] = {"64bit-avx512.xml", "org.gnu.gdb.i386.avx512"},
    [X86_GDB_FEATURE_PKEYS] = {"64bit-pkeys.xml", "org.gnu.gdb.i386.pkeys"},
};

/* ---- building the register set ------------------------------------------------------- */

static void add_reg(struct x86_gdb_regs *r, int feature, const char *name, unsigned bits,
		    const char *type, const char *group, int source, int component, uint32_t where)
{
	struct x86_gdb_reg *g;

	if (r->count >= X86_GDB_MAX_REGS)
		return; /* cannot happen: the largest set has 149 registers */
	g = &r->reg[r->count++];
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->feature = (uint8_t)feature;
	g->source = (uint8_t)source;
	g->component = (uint8_t)component;
	g->bits = (uint16_t)bits;
	g->where = where;
	g->type = type;
	g->group = group;
	r->features |= 1u << feature;
}

static void add_xsave_reg(struct x86_gdb_regs *r, int feature, const char *name, unsigned bits,
			  const char *type, int component, uint32_t offset)
{
	add_reg(r, feature, name, bits, type, NULL, X86_GDB_SRC_XSAVE, component, offset);
}

static void add_core(struct x86_gdb_regs *r)
{
	static const struct {
		const char *name;
		int gpr;
		const char *type;
	} gprs[] = {
	    {"rax", X86_RAX, "int64"},	  {"rbx", X86_RBX, "int64"},	{"rcx", X86_RCX, "int64"},
	    {"rdx", X86_RDX, "int64"},	  {"rsi", X86_RSI, "int64"},	{"rdi", X86_RDI, "int64"},
	    {"rbp", X86_RBP, "data_ptr"}, {"rsp", X86_RSP, "data_ptr"}, {"r8", X86_R8, "int64"},
	    {"r9", X86_R9, "int64"},	  {"r10", X86_R10, "int64"},	{"r11", X86_R11, "int64"},
	    {"r12", X86_R12, "int64"},	  {"r13", X86_R13, "int64"},	{"r14", X86_R14, "int64"},
	    {"r15", X86_R15, "int64"},	  {"rip", X86_RIP, "code_ptr"},
	};
	static const struct {
		const char *name;
		int gpr;
		const char *type;
	} words[] = {
	    {"eflags", X86_EFLAGS, "i386_eflags"},
	    {"cs", X86_CS, "int32"},
	    {"ss", X86_SS, "int32"},
	    {"ds", X86_DS, "int32"},
	    {"es", X86_ES, "int32"},
	    {"fs", X86_FS, "int32"},
	    {"gs", X86_GS, "int32"},
	};
	static const char *const x87_ctrl[] = {"fctrl", "fstat", "ftag",  "fiseg",
					       "fioff", "foseg", "fooff", "fop"};
	const int f = X86_GDB_FEATURE_CORE;
	char name[8];

	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++)
		add_reg(r, f, gprs[i].name, 64, gprs[i].type, NULL, X86_GDB_SRC_GPR, 0,
			(uint32_t)gprs[i].gpr);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		add_reg(r, f, words[i].name, 32, words[i].type, NULL, X86_GDB_SRC_GPR32, 0,
			(uint32_t)words[i].gpr);
	for (unsigned i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "st%u", i);
		add_xsave_reg(r, f, name, 80, "i387_ext", XCOMP_X87, FXSAVE_ST0 + 16 * i);
	}
	for (unsigned i = 0; i < 8; i++)
		add_reg(r, f, x87_ctrl[i], 32, "int", "float", X86_GDB_SRC_X87_CTRL, XCOMP_X87, i);
}

static void add_sse_linux_segments(struct x86_gdb_regs *r)
{
	char name[8];

	for (unsigned i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "xmm%u", i);
		add_xsave_reg(r, X86_GDB_FEATURE_SSE, name, 128, "vec128", XCOMP_SSE,
			      FXSAVE_XMM0 + 16 * i);
	}
	add_reg(r, X86_GDB_FEATURE_SSE, "mxcsr", 32, "i386_mxcsr", "vector", X86_GDB_SRC_MXCSR,
		XCOMP_SSE, FXSAVE_MXCSR);
	add_reg(r, X86_GDB_FEATURE_LINUX, "orig_rax", 64, "int", NULL, X86_GDB_SRC_GPR, 0,
		X86_ORIG_RAX);
	add_reg(r, X86_GDB_FEATURE_SEGMENTS, "fs_base", 64, "int", NULL, X86_GDB_SRC_GPR, 0,
		X86_FS_BASE);
	add_reg(r, X86_GDB_FEATURE_SEGMENTS, "gs_base", 64, "int", NULL, X86_GDB_SRC_GPR, 0,
		X86_GS_BASE);
}

/* True if component c is enabled and `need` bytes of it fit the recorded area. */
static bool component_usable(const struct x86_xsave_layout *l, int c, uint32_t need)
{
	uint64_t end = (uint64_t)l->offset[c] + need;

	return (l->xcr0 >> c & 1) && l->offset[c] >= XSAVE_HEADER_END && l->size[c] >= need &&
	       end <= l->total_size;
}

static void add_avx(struct x86_gdb_regs *r)
{
	uint32_t base = r->layout.offset[XCOMP_AVX];
	char name[8];

	for (unsigned i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "ymm%uh", i);
		add_xsave_reg(r, X86_GDB_FEATURE_AVX, name, 128, "uint128", XCOMP_AVX,
			      base + 16 * i);
	}
}

/*
 * AVX-512 state is three components: opmask k0-7, ZMM_Hi256 (bits 256-511
 * of zmm0-15) and Hi16_ZMM (all 512 bits of zmm16-31, so xmm16-31 and
 * ymm16h-31h come from there too).
 */
static void add_avx512(struct x86_gdb_regs *r)
{
	const int f = X86_GDB_FEATURE_AVX512;
	uint32_t kmask = r->layout.offset[XCOMP_OPMASK];
	uint32_t hi256 = r->layout.offset[XCOMP_ZMM_HI256];
	uint32_t hi16 = r->layout.offset[XCOMP_HI16_ZMM];
	char name[8];

	for (unsigned i = 16; i < 32; i++) {
		snprintf(name, sizeof(name), "xmm%u", i);
		add_xsave_reg(r, f, name, 128, "vec128", XCOMP_HI16_ZMM, hi16 + 64 * (i - 16));
	}
	for (unsigned i = 16; i < 32; i++) {
		snprintf(name, sizeof(name), "ymm%uh", i);
		add_xsave_reg(r, f, name, 128, "uint128", XCOMP_HI16_ZMM,
			      hi16 + 64 * (i - 16) + 16);
	}
	for (unsigned i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "k%u", i);
		add_xsave_reg(r, f, name, 64, "uint64", XCOMP_OPMASK, kmask + 8 * i);
	}
	for (unsigned i = 0; i < 32; i++) {
		snprintf(name, sizeof(name), "zmm%uh", i);
		if (i < 16)
			add_xsave_reg(r, f, name, 256, "v2ui128", XCOMP_ZMM_HI256, hi256 + 32 * i);
		else
			add_xsave_reg(r, f, name, 256, "v2ui128", XCOMP_HI16_ZMM,
				      hi16 + 64 * (i - 16) + 32);
	}
}

void x86_gdb_regs_init(struct x86_gdb_regs *r, const struct x86_xsave_layout *layout)
{
	const struct x86_xsave_layout *l = &r->layout;
	bool avx;

	memset(r, 0, sizeof(*r));
	r->layout = *layout;
	add_core(r);
	add_sse_linux_segments(r);
	avx = component_usable(l, XCOMP_AVX, 256);
	if (avx)
		add_avx(r);
	/* gdb accepts AVX-512 registers only next to the AVX ones. */
	if (avx && component_usable(l, XCOMP_OPMASK, 64) &&
	    component_usable(l, XCOMP_ZMM_HI256, 512) && component_usable(l, XCOMP_HI16_ZMM, 1024))
		add_avx512(r);
	if (component_usable(l, XCOMP_PKRU, 4))
		add_xsave_reg(r, X86_GDB_FEATURE_PKEYS, "pkru", 32, "uint32", XCOMP_PKRU,
			      l->offset[XCOMP_PKRU]);
}

int x86_gdb_reg_find(const struct x86_gdb_regs *r, const char *name)
{
	for (int i = 0; i < r->count; i++)
		if (strcmp(r->reg[i].name, name) == 0)
			return i;
	return -1;
}

int x86_gdb_reg_size(const struct x86_gdb_regs *r, int regnum)
{
	if (regnum < 0 || regnum >= r->count)
		return 0;
	return r->reg[regnum].bits / 8;
}

/* ---- the description ---------------------------------------------------------------- */

static void put_text(struct rw_buf *out, const char *s)
{
	rw_buf_put(out, s, strlen(s));
}

static void put_fmt(struct rw_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put_fmt(struct rw_buf *out, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		rw_buf_put(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* A flags type: one field per named bit. */
static void put_flags(struct rw_buf *out, const char *id, const char *const *bits, int nbits)
{
	put_fmt(out, "  <flags id=\"%s\" size=\"4\">\n", id);
	for (int i = 0; i < nbits; i++)
		if (bits[i])
			put_fmt(out, "    <field name=\"%s\" start=\"%d\" end=\"%d\"/>\n", bits[i],
				i, i);
	put_text(out, "  </flags>\n");
}

static void put_eflags_type(struct rw_buf *out)
{
	/* Bit 1 is always set; gdb names it "" so that it shows in no list. */
	static const char *const bits[22] = {
	    [0] = "CF",	 [1] = "",    [2] = "PF",   [4] = "AF",	  [6] = "ZF",  [7] = "SF",
	    [8] = "TF",	 [9] = "IF",  [10] = "DF",  [11] = "OF",  [14] = "NT", [16] = "RF",
	    [17] = "VM", [18] = "AC", [19] = "VIF", [20] = "VIP", [21] = "ID",
	};

	put_flags(out, "i386_eflags", bits, 22);
}

static void put_mxcsr_type(struct rw_buf *out)
{
	static const char *const bits[16] = {
	    "IE", "DE", "ZE", "OE", "UE", "PE", "DAZ", "IM",
	    "DM", "ZM", "OM", "UM", "PM", NULL, NULL,  "FZ",
	};

	put_flags(out, "i386_mxcsr", bits, 16);
}

/* The 128-bit vector union gdb shows for xmm registers ($xmm0.v4_int32 and so on). */
static void put_vec128_type(struct rw_buf *out)
{
	static const struct {
		const char *vector, *element, *field;
		int count;
	} views[] = {
	    {"v8bf16", "bfloat16", "v8_bfloat16", 8}, {"v8h", "ieee_half", "v8_half", 8},
	    {"v4f", "ieee_single", "v4_float", 4},    {"v2d", "ieee_double", "v2_double", 2},
	    {"v16i8", "int8", "v16_int8", 16},	      {"v8i16", "int16", "v8_int16", 8},
	    {"v4i32", "int32", "v4_int32", 4},	      {"v2i64", "int64", "v2_int64", 2},
	};
	const size_t n = sizeof(views) / sizeof(views[0]);

	for (size_t i = 0; i < n; i++)
		put_fmt(out, "  <vector id=\"%s\" type=\"%s\" count=\"%d\"/>\n", views[i].vector,
			views[i].element, views[i].count);
	put_text(out, "  <union id=\"vec128\">\n");
	for (size_t i = 0; i < n; i++)
		put_fmt(out, "    <field name=\"%s\" type=\"%s\"/>\n", views[i].field,
			views[i].vector);
	put_text(out, "    <field name=\"uint128\" type=\"uint128\"/>\n  </union>\n");
}

static void put_feature(const struct x86_gdb_regs *r, int feature, struct rw_buf *out)
{
	put_text(out, "<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n");
	put_fmt(out, "<feature name=\"%s\">\n", features[feature].name);
	switch (feature) {
	case X86_GDB_FEATURE_CORE:
		put_eflags_type(out);
		break;
	case X86_GDB_FEATURE_SSE:
		put_vec128_type(out);
		put_mxcsr_type(out);
		break;
	case X86_GDB_FEATURE_AVX512:
		/* Types belong to their feature: vec128 is defined again here. */
		put_vec128_type(out);
		put_text(out, "  <vector id=\"v2ui128\" type=\"uint128\" count=\"2\"/>\n");
		break;
	default:
		break;
	}
	for (int i = 0; i < r->count; i++) {
		const struct x86_gdb_reg *g = &r->reg[i];

		if (g->feature != feature)
			continue;
		put_fmt(out, "  <reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%d\"", g->name,
			g->bits, g->type, i);
		if (g->group)
			put_fmt(out, " group=\"%s\"", g->group);
		put_text(out, "/>\n");
	}
	put_text(out, "</feature>\n");
}

int x86_gdb_tdesc_file(const struct x86_gdb_regs *r, const char *annex, struct rw_buf *out)
{
	if (strcmp(annex, "target.xml") == 0) {
		put_text(out,
			 "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
			 "<target version=\"1.0\">\n"
			 "  <architecture>i386:x86-64</architecture>\n"
			 "  <osabi>GNU/Linux</osabi>\n");
		for (int f = 0; f < X86_GDB_NFEATURES; f++)
			if (r->features >> f & 1)
				put_fmt(out, "  <xi:include href=\"%s\"/>\n", features[f].file);
		put_text(out, "</target>\n");
		return 0;
	}
	for (int f = 0; f < X86_GDB_NFEATURES; f++) {
		if ((r->features >> f & 1) && strcmp(annex, features[f].file) == 0) {
			put_feature(r, f, out);
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- values ------------------------------------------------------------------------- */

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/*
 * The full x87 tag word from FXSAVE's abridged one, the way gdb's
 * i387_supply_fxsave rebuilds it: a valid register is tagged valid (0),
 * zero (1) or special (2) by its contents; an empty one is 3. Bits 2k+1:2k
 * of the tag word belong to physical register k, which is ST((k - TOP) mod 8).
 */
static uint32_t x87_full_tag(const uint8_t *fx)
{
	unsigned top = (get_le16(fx + FXSAVE_FSW) >> 11) & 7;
	uint8_t abridged = fx[FXSAVE_FTW];
	uint32_t tag = 0;

	for (unsigned phys = 0; phys < 8; phys++) {
		const uint8_t *st = fx + FXSAVE_ST0 + 16 * ((phys + 8 - top) % 8);
		unsigned exponent = get_le16(st + 8) & 0x7fff;
		bool integer = st[7] & 0x80;
		uint64_t fraction = get_le64(st) & 0x7fffffffffffffffull;
		unsigned t;

		if (!(abridged >> phys & 1))
			t = 3;
		else if (exponent == 0x7fff)
			t = 2;
		else if (exponent == 0)
			t = (fraction == 0 && !integer) ? 1 : 2;
		else
			t = integer ? 0 : 2;
		tag |= t << (2 * phys);
	}
	return tag;
}

/*
 * fctrl..fop, zero-extended to 32 bits. In 64-bit mode FXSAVE stores the
 * instruction and operand pointers as 64-bit offsets; like gdb (amd64
 * supply_fxsave), fiseg and foseg show their upper halves.
 */
static uint32_t x87_ctrl_value(const uint8_t *fx, uint32_t which)
{
	switch (which) {
	case 0:
		return get_le16(fx + FXSAVE_FCW);
	case 1:
		return get_le16(fx + FXSAVE_FSW);
	case 2:
		return x87_full_tag(fx);
	case 3:
		return get_le32(fx + FXSAVE_FIP + 4);
	case 4:
		return get_le32(fx + FXSAVE_FIP);
	case 5:
		return get_le32(fx + FXSAVE_FDP + 4);
	case 6:
		return get_le32(fx + FXSAVE_FDP);
	default:
		return get_le16(fx + FXSAVE_FOP) & 0x7ff;
	}
}

static uint32_t x87_ctrl_init(uint32_t which)
{
	return which == 0 ? FCW_INIT : which == 2 ? FTAG_EMPTY : 0;
}

/*
 * XSTATE_BV of the area: which components hold saved state. An FXSAVE-only
 * area (no XSAVE on the recording machine) always holds x87 and SSE state.
 */
static uint64_t xstate_bv(const struct x86_gdb_regs *r, const uint8_t *xsave, size_t len)
{
	if (r->layout.xcr0 == 0 || r->layout.total_size <= FXSAVE_SIZE)
		return 1u << XCOMP_X87 | 1u << XCOMP_SSE;
	if (len < XSAVE_XSTATE_BV + 8)
		return ~0ull; /* no header: nothing is known to be initial, reads will fall short */
	return get_le64(xsave + XSAVE_XSTATE_BV);
}

static int read_xsave_reg(const struct x86_gdb_reg *g, uint64_t bv, const uint8_t *xsave,
			  size_t len, uint8_t *out)
{
	size_t size = g->bits / 8u;

	if (!(bv >> g->component & 1)) {
		memset(out, 0, size); /* the initial state of every component but x87 control */
		return (int)size;
	}
	if ((uint64_t)g->where + size > len)
		return -ENODATA;
	memcpy(out, xsave + g->where, size);
	return (int)size;
}

int x86_gdb_reg_write_xsave(const struct x86_gdb_regs *r, int regnum, uint8_t *xsave,
			    size_t xsave_len, const uint8_t *value)
{
	const struct x86_gdb_reg *g;
	uint8_t now[X86_GDB_MAX_REG_BYTES];
	size_t size, where;
	bool in_use;

	if (regnum < 0 || regnum >= r->count)
		return -EINVAL;
	g = &r->reg[regnum];
	if (g->source != X86_GDB_SRC_XSAVE && g->source != X86_GDB_SRC_MXCSR)
		return -EINVAL;
	size = g->source == X86_GDB_SRC_MXCSR ? 4 : g->bits / 8u;
	where = g->source == X86_GDB_SRC_MXCSR ? FXSAVE_MXCSR : g->where;
	in_use = g->source == X86_GDB_SRC_MXCSR
		     ? (xstate_bv(r, xsave, xsave_len) & (1u << XCOMP_SSE | 1u << XCOMP_AVX)) != 0
		     : (xstate_bv(r, xsave, xsave_len) >> g->component & 1) != 0;
	if (!in_use) {
		/* Initial: only its own value (setting the bit would need the whole component). */
		if (x86_gdb_reg_read(r, regnum, NULL, xsave, xsave_len, now) != (int)size)
			return -ENOTSUP;
		return memcmp(now, value, size) ? -ENOTSUP : 0;
	}
	if (where + size > xsave_len)
		return -ENOTSUP;
	memcpy(xsave + where, value, size);
	return 0;
}

int x86_gdb_reg_write_gpr(const struct x86_gdb_regs *r, int regnum, uint64_t gpr[27],
			  const uint8_t *value)
{
	const struct x86_gdb_reg *g;
	uint64_t v = 0;

	if (regnum < 0 || regnum >= r->count)
		return -EINVAL;
	g = &r->reg[regnum];
	if (g->source != X86_GDB_SRC_GPR && g->source != X86_GDB_SRC_GPR32)
		return -EINVAL;
	for (int i = g->source == X86_GDB_SRC_GPR ? 7 : 3; i >= 0; i--)
		v = v << 8 | value[i];
	gpr[g->where] = g->source == X86_GDB_SRC_GPR ? v : (gpr[g->where] & ~0xffffffffull) | v;
	return 0;
}

int x86_gdb_reg_read(const struct x86_gdb_regs *r, int regnum, const uint64_t gpr[27],
		     const uint8_t *xsave, size_t xsave_len, uint8_t *out)
{
	const struct x86_gdb_reg *g;
	uint64_t bv;
	uint32_t v;

	if (regnum < 0 || regnum >= r->count)
		return -EINVAL;
	g = &r->reg[regnum];
	switch (g->source) {
	case X86_GDB_SRC_GPR:
		put_le64(out, gpr[g->where]);
		return 8;
	case X86_GDB_SRC_GPR32:
		put_le32(out, (uint32_t)gpr[g->where]);
		return 4;
	default:
		break;
	}
	if (!xsave)
		return -ENODATA;
	bv = xstate_bv(r, xsave, xsave_len);
	switch (g->source) {
	case X86_GDB_SRC_X87_CTRL:
		if (!(bv >> XCOMP_X87 & 1))
			v = x87_ctrl_init(g->where);
		else if (xsave_len < FXSAVE_ST0 + 16 * 8)
			return -ENODATA;
		else
			v = x87_ctrl_value(xsave, g->where);
		put_le32(out, v);
		return 4;
	case X86_GDB_SRC_MXCSR:
		/* XSAVE writes MXCSR along with SSE or AVX state; with neither it is initial. */
		if (!(bv & (1u << XCOMP_SSE | 1u << XCOMP_AVX)))
			v = MXCSR_INIT;
		else if (xsave_len < FXSAVE_MXCSR + 4)
			return -ENODATA;
		else
			v = get_le32(xsave + FXSAVE_MXCSR);
		put_le32(out, v);
		return 4;
	default:
		return read_xsave_reg(g, bv, xsave, xsave_len, out);
	}
}
