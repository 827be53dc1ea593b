/* url_fuzz.c — libFuzzer: store URL parsing; the printable form never holds the password. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *shown = NULL, err[256];
	struct store_url u;

	memcpy(s, data, size);
	s[size] = 0;
	if (store_url_parse(s, &u, &shown, err, sizeof err) == 0) {
		char needle[300];
		snprintf(needle, sizeof needle, ":%s@", u.password ? u.password : "");
		if (!shown || (u.password && strstr(shown, needle)))
			abort();
	}
	store_url_free(&u);
	free(shown);
	free(s);
	return 0;
}
