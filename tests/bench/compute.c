/*
 * Benchmark: a compute-bound loop (about a second natively) with hardly any
 * system calls, so recording and replay overhead shows as time spent outside
 * the program's own code. Usage: compute [ITERATIONS]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	uint64_t iterations = argc > 1 ? strtoull(argv[1], NULL, 10) : 400000000ULL;
	uint64_t x = 88172645463325252ULL, sum = 0;
	double acc = 0;

	for (uint64_t i = 0; i < iterations; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += x >> 60;
		if ((i & 0xffff) == 0)
			acc += sqrt((double)(x >> 11));
	}
	printf("%llu iterations: sum %llu acc %.6e\n", (unsigned long long)iterations,
	       (unsigned long long)sum, acc);
	return 0;
}
