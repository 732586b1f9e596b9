/* One unit of the small project make -j2 builds in the benchmark. */
#include "project.h"

static int table2[64];

int unit2_value(int x)
{
	for (int i = 0; i < 64; i++)
		table2[i] = (x + i) * 2 % 97;
	int s = 0;

	for (int i = 0; i < 64; i++)
		s += table2[i];
	return s;
}
