/* parse_fuzz.c — libFuzzer: DURATION, ID, count, number and timestamp parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	double d;
	long n;

	memcpy(s, data, size);
	s[size] = 0;
	if (attune_parse_duration(s, &d) == 0 && (d < 0 || d > 1e9))
		abort();
	if (attune_valid_id(s) && (strlen(s) > 128 || strpbrk(s, ":*?[]\\ ")))
		abort();
	if (attune_parse_count(s, &n) == 0 && n < 1)
		abort();
	attune_parse_number(s, &d);
	attune_parse_time(s, &d);
	free(s);
	return 0;
}
