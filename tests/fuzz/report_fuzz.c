/* report_fuzz.c — libFuzzer, differential: attune-report's line parser (jscan, the fast field
 * extractor of lib/report_read.c) against jq 1.6's jv_parse_sized. A line is a record for both
 * or for neither; the fields it extracts have the kind, number and text jq reads; nested
 * objects (jscan_sub) and timestamps (rtime_parse) are read without fault. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_impl.h"

static const struct jkey keys[] = {JKEY("ts"), JKEY("a"), JKEY("b"), JKEY("tokens"), JKEY("k\"")};
enum { NK = sizeof keys / sizeof *keys };
static const struct jkey subkeys[] = {JKEY("input"), JKEY("a")};

static int ascii(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] >= 0x80)
			return 0;
	return 1;
}

/* Known differences, both where jscan follows JSON (and Python's json, which attune-ai
 * writes with) and jq 1.6 does not: jq refuses a lone UTF-16 surrogate escape ("\ud800"), which
 * jscan reads as U+FFFD; jq takes raw control characters inside strings and NUL bytes between
 * tokens, which jscan refuses. */
static int lone_surrogate(jv j)
{
	int yes = 0;

	if (!jv_is_valid(j) && jv_invalid_has_msg(jv_copy(j))) {
		jv m = jv_invalid_get_msg(jv_copy(j));
		yes = jv_get_kind(m) == JV_KIND_STRING && strstr(jv_string_value(m), "surrogate") != NULL;
		jv_free(m);
	}
	return yes;
}

static int has_control(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' && d[i] != '\r')
			return 1;
	return 0;
}

/* The jq kind jscan should have seen for a member. */
static char kind_of(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING: return '"';
	case JV_KIND_NUMBER: return 'n';
	case JV_KIND_TRUE: return 't';
	case JV_KIND_FALSE: return 'f';
	case JV_KIND_NULL: return 'z';
	case JV_KIND_OBJECT: return '{';
	case JV_KIND_ARRAY: return '[';
	default: return 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jval v[NK], sub[2];
	char *line;
	jv j;
	int ours, theirs;

	if (size > 65536)
		return 0;
	line = malloc(size + 1); /* writable, as rsrc_lines gives it: jv_str_of unescapes in place */
	memcpy(line, data, size);
	line[size] = 0;
	ours = jscan(line, size, keys, v, NK) == 0;
	j = jv_parse_sized((const char *)data, (int)size);
	theirs = jv_is_valid(j) && jv_get_kind(j) == JV_KIND_OBJECT;
	if (ours != theirs && !(ours ? lone_surrogate(j) : has_control(data, size)))
		abort();
	ours &= theirs;
	for (int i = 0; ours && i < NK; i++) {
		jv m = jv_object_get(jv_copy(j), jv_string_sized(keys[i].name, (int)keys[i].len));
		const char *s;
		size_t n;
		double t;

		if (v[i].kind != (jv_is_valid(m) ? kind_of(m) : 0))
			abort();
		if (v[i].kind == 'n' && jv_number_value(m) != jv_num_of(&v[i], NAN) &&
		    !(isnan(jv_number_value(m)) && isnan(jv_num_of(&v[i], 0))))
			abort();
		if (v[i].kind == '{')
			jscan_sub(&v[i], subkeys, sub, 2);
		if (jv_str_of(&v[i], &s, &n)) {
			/* jq also replaces invalid UTF-8; on ASCII lines the texts are the same */
			if (ascii(data, size) && ((size_t)jv_string_length_bytes(jv_copy(m)) != n ||
			                          memcmp(jv_string_value(m), s, n)))
				abort();
			rtime_parse(s, n, &t);
		}
		jv_free(m);
	}
	jv_free(j);
	free(line);
	return 0;
}
