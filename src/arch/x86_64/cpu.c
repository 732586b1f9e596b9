/* CPUID, XCR0 and XSAVE layout probing; see cpu.h. */
#include "arch/x86_64/cpu.h"

#include <cpuid.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

static void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

/* Leaves whose output depends on the subleaf in ECX. */
static int max_subleaf(uint32_t leaf, const uint32_t r0[4])
{
	switch (leaf) {
	case 0x4:
	case 0x8000001d:
		return 16; /* cache levels: stop at type 0 below */
	case 0x7:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1d:
	case 0x20:
	case 0x23:
		return (int)r0[0] + 1;
	case 0xb:
	case 0x1f:
	case 0x80000026:
		return 8;
	case 0xd:
		return 64;
	case 0xf:
	case 0x10:
	case 0x12:
		return 4;
	default:
		return 1;
	}
}

static int collect_range(uint32_t first, struct x86_cpuid_leaf **v, int n, size_t *cap)
{
	uint32_t r[4];
	uint32_t last;

	cpuid_count(first, 0, r);
	last = r[0];
	if (last < first || last - first > 0x100)
		last = first;
	for (uint32_t leaf = first; leaf <= last; leaf++) {
		uint32_t r0[4];
		int subs;

		cpuid_count(leaf, 0, r0);
		subs = max_subleaf(leaf, r0);
		for (int s = 0; s < subs && s < 64; s++) {
			cpuid_count(leaf, (uint32_t)s, r);
			if (s > 0 && (leaf == 0x4 || leaf == 0x8000001d) && (r[0] & 0x1f) == 0)
				break;
			if (s > 0 && (leaf == 0xb || leaf == 0x1f) && ((r[2] >> 8) & 0xff) == 0)
				break;
			if (s > 0 && leaf == 0xd && !r[0] && !r[1] && !r[2] && !r[3])
				continue;
			if ((size_t)n == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*v = xrealloc(*v, *cap * sizeof(**v));
			}
			(*v)[n++] =
			    (struct x86_cpuid_leaf){leaf, (uint32_t)s, r[0], r[1], r[2], r[3]};
		}
	}
	return n;
}

int x86_cpuid_collect(struct x86_cpuid_leaf **out)
{
	struct x86_cpuid_leaf *v = NULL;
	size_t cap = 0;
	int n = collect_range(0, &v, 0, &cap);

	if (n >= 0)
		n = collect_range(0x80000000u, &v, n, &cap);
	if (n < 0) {
		free(v);
		return n;
	}
	*out = v;
	return n;
}

uint64_t x86_read_xcr0(void)
{
	uint32_t eax, edx;

	__asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return ((uint64_t)edx << 32) | eax;
}

void x86_xsave_layout_probe(struct x86_xsave_layout *l)
{
	uint32_t r[4];

	memset(l, 0, sizeof(*l));
	l->xcr0 = x86_read_xcr0();
	cpuid_count(0xd, 0, r);
	l->total_size = r[1];
	l->offset[0] = 0;
	l->size[0] = 160;
	l->offset[1] = 160;
	l->size[1] = 256;
	for (int i = 2; i < X86_XSAVE_MAX_COMPONENTS; i++) {
		if (!(l->xcr0 & (1ull << i)))
			continue;
		cpuid_count(0xd, (uint32_t)i, r);
		l->size[i] = r[0];
		l->offset[i] = r[1];
	}
}

static void copy_regs(char *dst, const uint32_t *regs, int n)
{
	memcpy(dst, regs, (size_t)n * 4);
}

void x86_cpu_vendor(const struct x86_cpuid_leaf *leaves, int n, char vendor[13])
{
	memset(vendor, 0, 13);
	for (int i = 0; i < n; i++) {
		if (leaves[i].leaf == 0 && leaves[i].subleaf == 0) {
			uint32_t r[3] = {leaves[i].ebx, leaves[i].edx, leaves[i].ecx};

			copy_regs(vendor, r, 3);
		}
	}
}

void x86_cpu_brand(const struct x86_cpuid_leaf *leaves, int n, char brand[49])
{
	memset(brand, 0, 49);
	for (int i = 0; i < n; i++) {
		uint32_t l = leaves[i].leaf;

		if (l >= 0x80000002u && l <= 0x80000004u && leaves[i].subleaf == 0) {
			uint32_t r[4] = {leaves[i].eax, leaves[i].ebx, leaves[i].ecx,
					 leaves[i].edx};

			copy_regs(brand + (l - 0x80000002u) * 16, r, 4);
		}
	}
	/* Trim the leading spaces some vendors pad with. */
	size_t skip = strspn(brand, " ");
	memmove(brand, brand + skip, 49 - skip);
}

const char *x86_xsave_component_name(int idx)
{
	static const char *const names[] = {
	    "x87",	"SSE", "AVX",  "BNDREGS",     "BNDCSR",	      "opmask", "ZMM_Hi256",
	    "Hi16_ZMM", "PT",  "PKRU", "PASID",	      "CET_U",	      "CET_S",	"HDC",
	    "UINTR",	"LBR", "HWP",  "AMX_TILECFG", "AMX_TILEDATA",
	};

	if (idx == X86_XBLOCK_LEGACY_REST)
		return "legacy-rest";
	if (idx == X86_XBLOCK_HEADER)
		return "xsave-header";
	if (idx >= 0 && (size_t)idx < sizeof(names) / sizeof(names[0]))
		return names[idx];
	return "unknown";
}

int x86_xsave_block_range(const struct x86_xsave_layout *l, int block, uint32_t *off, uint32_t *len)
{
	if (block == X86_XBLOCK_LEGACY_REST) {
		*off = 416;
		*len = 96;
		return 0;
	}
	if (block == X86_XBLOCK_HEADER) {
		*off = 512;
		*len = 64;
		return 0;
	}
	if (block < 0 || block >= X86_XSAVE_MAX_COMPONENTS || !l->size[block])
		return -1;
	if ((uint64_t)l->offset[block] + l->size[block] > l->total_size)
		return -1;
	*off = l->offset[block];
	*len = l->size[block];
	return 0;
}

int x86_xsave_next_block(const struct x86_xsave_layout *l, int prev)
{
	uint32_t off, len;

	for (int b = prev + 1; b < 64; b++) {
		if (b >= X86_XSAVE_MAX_COMPONENTS && b != X86_XBLOCK_LEGACY_REST &&
		    b != X86_XBLOCK_HEADER)
			continue;
		if (x86_xsave_block_range(l, b, &off, &len) == 0)
			return b;
	}
	return -1;
}

struct feature_bit {
	uint32_t leaf, subleaf;
	uint8_t reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	uint8_t bit;
	const char *name;
};

/* The bits user code commonly dispatches on (glibc's ifuncs, compilers' -march). */
static const struct feature_bit feature_bits[] = {
    {1, 0, 2, 0, "sse3"},
    {1, 0, 2, 1, "pclmulqdq"},
    {1, 0, 2, 9, "ssse3"},
    {1, 0, 2, 12, "fma"},
    {1, 0, 2, 19, "sse4_1"},
    {1, 0, 2, 20, "sse4_2"},
    {1, 0, 2, 22, "movbe"},
    {1, 0, 2, 23, "popcnt"},
    {1, 0, 2, 25, "aes"},
    {1, 0, 2, 26, "xsave"},
    {1, 0, 2, 28, "avx"},
    {1, 0, 2, 29, "f16c"},
    {1, 0, 2, 30, "rdrand"},
    {1, 0, 3, 25, "sse"},
    {1, 0, 3, 26, "sse2"},
    {7, 0, 1, 0, "fsgsbase"},
    {7, 0, 1, 3, "bmi1"},
    {7, 0, 1, 5, "avx2"},
    {7, 0, 1, 8, "bmi2"},
    {7, 0, 1, 9, "erms"},
    {7, 0, 1, 16, "avx512f"},
    {7, 0, 1, 17, "avx512dq"},
    {7, 0, 1, 18, "rdseed"},
    {7, 0, 1, 19, "adx"},
    {7, 0, 1, 21, "avx512ifma"},
    {7, 0, 1, 28, "avx512cd"},
    {7, 0, 1, 29, "sha"},
    {7, 0, 1, 30, "avx512bw"},
    {7, 0, 1, 31, "avx512vl"},
    {7, 0, 2, 1, "avx512vbmi"},
    {7, 0, 2, 3, "pku"},
    {7, 0, 2, 6, "avx512vbmi2"},
    {7, 0, 2, 8, "gfni"},
    {7, 0, 2, 9, "vaes"},
    {7, 0, 2, 10, "vpclmulqdq"},
    {7, 0, 2, 11, "avx512vnni"},
    {7, 0, 2, 12, "avx512bitalg"},
    {7, 0, 2, 14, "avx512vpopcntdq"},
    {7, 0, 2, 22, "rdpid"},
    {7, 0, 3, 4, "fsrm"},
    {7, 0, 3, 8, "avx512vp2intersect"},
    {7, 0, 3, 22, "amx-bf16"},
    {7, 0, 3, 23, "avx512fp16"},
    {7, 0, 3, 24, "amx-tile"},
    {7, 0, 3, 25, "amx-int8"},
    {7, 1, 0, 4, "avx-vnni"},
    {7, 1, 0, 5, "avx512bf16"},
    {0xd, 1, 0, 0, "xsaveopt"},
    {0xd, 1, 0, 1, "xsavec"},
    {0xd, 1, 0, 3, "xsaves"},
    {0x80000001u, 0, 2, 5, "lzcnt"},
    {0x80000001u, 0, 2, 6, "sse4a"},
    {0x80000001u, 0, 3, 27, "rdtscp"},
};

int x86_cpuid_collect_features(struct x86_cpuid_leaf **out)
{
	size_t nbits = sizeof(feature_bits) / sizeof(feature_bits[0]);
	struct x86_cpuid_leaf *v = xcalloc(nbits, sizeof(*v));
	uint32_t r[4], max_basic, max_ext;
	int n = 0;

	cpuid_count(0, 0, r);
	max_basic = r[0];
	cpuid_count(0x80000000u, 0, r);
	max_ext = r[0];
	for (size_t i = 0; i < nbits; i++) {
		const struct feature_bit *f = &feature_bits[i];
		bool seen = false;

		for (int k = 0; k < n && !seen; k++)
			seen = v[k].leaf == f->leaf && v[k].subleaf == f->subleaf;
		if (seen || f->leaf > (f->leaf >= 0x80000000u ? max_ext : max_basic))
			continue;
		cpuid_count(f->leaf, f->subleaf, r);
		v[n++] = (struct x86_cpuid_leaf){f->leaf, f->subleaf, r[0], r[1], r[2], r[3]};
	}
	*out = v;
	return n;
}

static int leaf_bit(const struct x86_cpuid_leaf *v, int n, const struct feature_bit *f)
{
	for (int i = 0; i < n; i++) {
		if (v[i].leaf != f->leaf || v[i].subleaf != f->subleaf)
			continue;
		uint32_t regs[4] = {v[i].eax, v[i].ebx, v[i].ecx, v[i].edx};

		return (regs[f->reg] >> f->bit) & 1;
	}
	return 0;
}

int x86_cpuid_missing_features(const struct x86_cpuid_leaf *recorded, int nrecorded,
			       const struct x86_cpuid_leaf *here, int nhere, char *out,
			       size_t outlen)
{
	size_t used = 0;
	int missing = 0;

	if (outlen)
		out[0] = '\0';
	for (size_t i = 0; i < sizeof(feature_bits) / sizeof(feature_bits[0]); i++) {
		const struct feature_bit *f = &feature_bits[i];

		if (!leaf_bit(recorded, nrecorded, f) || leaf_bit(here, nhere, f))
			continue;
		missing++;
		if (used < outlen)
			used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? " " : "",
						 f->name);
	}
	return missing;
}
