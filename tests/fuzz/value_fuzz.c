/* value_fuzz.c — libFuzzer, differential: attune_json_value reads every text as jq 1.6's
 * jv_parse_sized does (the same value, key order included, or both invalid). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jv a = attune_json_value((const char *)data, size), b = jv_parse_sized((const char *)data, (int)size);

	if (jv_is_valid(a) != jv_is_valid(b))
		abort();
	if (jv_is_valid(a)) {
		jv da = jv_dump_string(a, 0), db = jv_dump_string(b, 0);
		if (strcmp(jv_string_value(da), jv_string_value(db)))
			abort();
		jv_free(da);
		jv_free(db);
	} else {
		jv_free(a);
		jv_free(b);
	}
	return 0;
}
