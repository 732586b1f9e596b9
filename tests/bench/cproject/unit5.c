/* One unit of the small project make -j2 builds in the benchmark. */
#include "project.h"

static int table5[64];

int unit5_value(int x)
{
	for (int i = 0; i < 64; i++)
		table5[i] = (x + i) * 5 % 97;
	int s = 0;

	for (int i = 0; i < 64; i++)
		s += table5[i];
	return s;
}
