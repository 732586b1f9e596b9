/*
 * The unit tests' CHECK(cond, fmt, ...): counts the check, and prints
 * what failed (the test goes on; main returns failures != 0).
 */
#ifndef REWIND_TESTS_UNIT_CHECK_H
#define REWIND_TESTS_UNIT_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		checks++;                                                                          \
		if (!(cond)) {                                                                     \
			failures++;                                                                \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);                                \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
		}                                                                                  \
	} while (0)

#endif
