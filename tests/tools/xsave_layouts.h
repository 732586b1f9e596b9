/*
 * The two vendors' standard-format XSAVE layouts, for tests that show the
 * gdb server or the replayer an area laid out as the other vendor's CPUs
 * lay it out. Intel places each user component at a fixed offset
 * (opmask at 1088); AMD's CPUs, which have no MPX, move what follows AVX
 * down (opmask at 832). CPUID leaf 0xD gives each CPU's own.
 */
#ifndef REWIND_TESTS_TOOLS_XSAVE_LAYOUTS_H
#define REWIND_TESTS_TOOLS_XSAVE_LAYOUTS_H

#include <stdbool.h>
#include <string.h>

#include "arch/x86_64/cpu.h"

/* Component number and offset: AVX, MPX (Intel only), AVX-512, PKRU, AMX (Intel only). */
static const uint32_t xsave_intel_offsets[][2] = {{2, 576},  {3, 960},	 {4, 1024},
						  {5, 1088}, {6, 1152},	 {7, 1664},
						  {9, 2688}, {17, 2752}, {18, 2816}};
static const uint32_t xsave_amd_offsets[][2] = {{2, 576}, {5, 832}, {6, 896}, {7, 1408}, {9, 2432}};

/*
 * Writes into *out the layout a CPU of the vendor (amd or Intel) with the
 * components of *here would use. Components that vendor has no place for
 * are left out of out->xcr0. Returns 0, or -1 if vendor is neither.
 */
static inline int xsave_layout_of_vendor(const struct x86_xsave_layout *here, const char *vendor,
					 struct x86_xsave_layout *out)
{
	bool amd = !strcmp(vendor, "amd");
	const uint32_t(*table)[2] = amd ? xsave_amd_offsets : xsave_intel_offsets;
	size_t n = amd ? sizeof(xsave_amd_offsets) / sizeof(xsave_amd_offsets[0])
		       : sizeof(xsave_intel_offsets) / sizeof(xsave_intel_offsets[0]);

	if (!amd && strcmp(vendor, "intel"))
		return -1;
	*out = *here;
	out->xcr0 = here->xcr0 & 3;
	out->total_size = 576;
	for (int c = 2; c < X86_XSAVE_MAX_COMPONENTS; c++) {
		out->offset[c] = 0;
		out->size[c] = 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t c = table[i][0];

		if (!(here->xcr0 & (1ull << c)) || !here->size[c])
			continue;
		out->xcr0 |= 1ull << c;
		out->offset[c] = table[i][1];
		out->size[c] = here->size[c];
		if (out->offset[c] + out->size[c] > out->total_size)
			out->total_size = out->offset[c] + out->size[c];
	}
	return 0;
}

#endif
