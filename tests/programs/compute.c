/*
 * compute: pure computation with almost no system calls: an integer loop, a hash, a
 * small sieve, double-precision libm (sin, exp, log, pow, sqrt; glibc picks FMA/AVX2
 * variants at start-up) and a vectorisable float loop; checks known results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

static uint64_t integer_sum(uint64_t n)
{
	uint64_t s = 0;
	for (uint64_t i = 1; i <= n; i++)
		s += i * i % 1000003;
	return s;
}

static int sieve(int n)
{
	static unsigned char composite[1000001];
	int count = 0;

	for (int i = 2; i <= n; i++) {
		if (composite[i])
			continue;
		count++;
		for (long j = (long)i * i; j <= n; j += i)
			composite[j] = 1;
	}
	return count;
}

static double series(int n)
{
	double s = 0;
	for (int k = 0; k < n; k++)
		s += (k % 2 ? -1.0 : 1.0) / (2.0 * k + 1.0);
	return 4.0 * s;
}

static float dot(const float *a, const float *b, int n)
{
	float s = 0;
	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

int main(void)
{
	static float a[4096], b[4096];

	uint64_t s = integer_sum(20000000);
	printf("integer sum: %llu\n", (unsigned long long)s);
	CHECK(s == 9997949923550ULL);

	uint64_t h = 1469598103934665603ULL;
	for (uint32_t i = 0; i < 5000000; i++)
		h = (h ^ i) * 1099511628211ULL;
	printf("fnv64 of 0..4999999: %016llx\n", (unsigned long long)h);
	CHECK(h == 0x8f951097d5722683ULL);

	int primes = sieve(1000000);
	printf("primes below one million: %d\n", primes);
	CHECK(primes == 78498);

	double pi = series(10000000);
	printf("Leibniz pi: %.12f\n", pi);
	CHECK(fabs(pi - M_PI) < 1e-6);

	double acc = 0;
	for (int i = 1; i <= 200000; i++) {
		double x = i * 0.001;
		acc += sin(x) * exp(-x / 100.0) + log(x) + pow(x, 0.3) + sqrt(x) + atan2(x, 3.0);
	}
	printf("libm accumulation: %.10e\n", acc);
	CHECK(isfinite(acc) && acc > 0);
	printf("sin(1)=%.17g exp(1)=%.17g log(10)=%.17g pow(2,0.5)=%.17g\n", sin(1.0), exp(1.0),
	       log(10.0), pow(2.0, 0.5));
	CHECK(fabs(exp(1.0) - M_E) < 1e-15 && fabs(pow(2.0, 0.5) - M_SQRT2) < 1e-15);
	CHECK(fabs(log(10.0) - M_LN10) < 1e-15 && fabs(sin(1.0) - 0.8414709848078965) < 1e-15);

	for (int i = 0; i < 4096; i++) {
		a[i] = (float)(i % 17) * 0.25f;
		b[i] = (float)(i % 13) * 0.5f;
	}
	float d = dot(a, b, 4096);
	printf("float dot product: %.3f\n", (double)d);
	CHECK(d > 0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
