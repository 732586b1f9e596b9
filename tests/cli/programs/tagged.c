/*
 * Prints the tag in its own read-only data and exits with a status made
 * from it, so that a copy of this program with other bytes there behaves
 * otherwise: a recording that took the stored copy for the old bytes would
 * not replay.
 */
#include <stdio.h>

static const volatile char tag[] = "TAG:AAAAAAAA";

int main(void)
{
	unsigned sum = 0;

	for (unsigned i = 4; tag[i]; i++)
		sum = sum * 31 + (unsigned char)tag[i];
	printf("tag %s sum %u\n", (const char *)tag, sum);
	return (int)(sum % 50);
}
