/* The small C project make -j2 builds in the benchmark. */
#include <stdio.h>

#include "project.h"

int main(void)
{
	printf("%d\n", unit1_value(1) + unit2_value(2) + unit3_value(3) + unit4_value(4) +
			   unit5_value(5) + unit6_value(6));
	return 0;
}
