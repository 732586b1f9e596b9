/* One unit of the small project make -j2 builds in the benchmark. */
#include "project.h"

static int table4[64];

int unit4_value(int x)
{
	for (int i = 0; i < 64; i++)
		table4[i] = (x + i) * 4 % 97;
	int s = 0;

	for (int i = 0; i < 64; i++)
		s += table4[i];
	return s;
}
