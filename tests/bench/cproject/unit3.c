/* One unit of the small project make -j2 builds in the benchmark. */
#include "project.h"

static int table3[64];

int unit3_value(int x)
{
	for (int i = 0; i < 64; i++)
		table3[i] = (x + i) * 3 % 97;
	int s = 0;

	for (int i = 0; i < 64; i++)
		s += table3[i];
	return s;
}
