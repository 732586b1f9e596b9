/* One unit of the small project make -j2 builds in the benchmark. */
#include "project.h"

static int table1[64];

int unit1_value(int x)
{
	for (int i = 0; i < 64; i++)
		table1[i] = (x + i) * 1 % 97;
	int s = 0;

	for (int i = 0; i < 64; i++)
		s += table1[i];
	return s;
}
