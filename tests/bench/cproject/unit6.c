/* One unit of the small project make -j2 builds in the benchmark. */
#include "project.h"

static int table6[64];

int unit6_value(int x)
{
	for (int i = 0; i < 64; i++)
		table6[i] = (x + i) * 6 % 97;
	int s = 0;

	for (int i = 0; i < 64; i++)
		s += table6[i];
	return s;
}
