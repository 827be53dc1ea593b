/* json_fuzz.c — libFuzzer: one JSON text, and the same bytes as a stream of values. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	int fds[2];
	jv v;

	if (attune_json_parse((const char *)data, size, &v, err, sizeof err) == 0)
		free(attune_json_dump(v, NULL));
	if (size > 60000 || pipe(fds) < 0)
		return 0;
	if (write(fds[1], data, size) != (ssize_t)size)
		abort();
	close(fds[1]);
	struct attune_jreader *r = attune_jreader_new(fds[0]);
	while (attune_jreader_next(r, &v, err, sizeof err) == 1)
		jv_free(v);
	attune_jreader_free(r);
	close(fds[0]);
	return 0;
}
