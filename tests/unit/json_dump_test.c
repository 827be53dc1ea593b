/* json_dump_test.c — attune_json_dump writes exactly what jq 1.6's jv_dump_string(v, 0) writes,
 * and attune_json_value reads exactly what jv_parse_sized reads. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

static int same(jv v)
{
	jv ref = jv_dump_string(jv_copy(v), 0);
	size_t n;
	char *ours = attune_json_dump(v, &n);
	int ok = n == (size_t)jv_string_length_bytes(jv_copy(ref)) && !memcmp(ours, jv_string_value(ref), n);

	if (!ok)
		fprintf(stderr, "# jq:   %s\n# ours: %s\n", jv_string_value(ref), ours);
	jv_free(ref);
	free(ours);
	return ok;
}

TEST(strings)
{
	char all[256];

	for (int i = 0; i < 127; i++)
		all[i] = (char)(i + 1);
	CHECK(same(jv_string_sized(all, 127)));
	CHECK(same(jv_string("")));
	CHECK(same(jv_string("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \"q\" \\ / \x7f")));
	CHECK(same(jv_string_sized("a\0b", 3)));
	CHECK(same(jv_string("bad \xff utf-8")));
}

TEST(numbers)
{
	double xs[] = {0, -0.0, 1, -1, 3.0, 0.1, 1.5e-7, 123456789012, 1e15 - 1, 1e15, 1e16, 1e17, 1e300, -2.5,
	               0.123456, 1795620478.027705, 9007199254740993.0, 1.0 / 3};
	for (size_t i = 0; i < sizeof xs / sizeof *xs; i++)
		CHECK(same(jv_number(xs[i])));
}

TEST(nested)
{
	const char *texts[] = {
		"{\"agent_id\": \"agent-7\", \"status\": \"running\", \"progress\": 0.5, \"task\": \"step 1\"}",
		"[1, [2, {\"a\": null, \"b\": true, \"c\": false}], {}, [], \"x\\ny\"]",
		"{\"z\": 1, \"a\": {\"y\": [1.25, -3e-9, \"\\u0001\\u001f\"]}, \"\": \"empty key\"}",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		CHECK(same(jv_parse(texts[i])));
}

/* attune_json_value and jv_parse_sized read the n bytes of text as the same value, key order
 * included. */
static int reads_same_n(const char *text, size_t n)
{
	jv a = attune_json_value(text, n), b = jv_parse_sized(text, (int)n);
	int ok;

	if (!jv_is_valid(a) || !jv_is_valid(b)) {
		ok = !jv_is_valid(a) && !jv_is_valid(b);
		jv_free(a);
		jv_free(b);
	} else {
		jv da = jv_dump_string(a, 0), db = jv_dump_string(b, 0);
		ok = !strcmp(jv_string_value(da), jv_string_value(db));
		jv_free(da);
		jv_free(db);
	}
	if (!ok)
		fprintf(stderr, "# reads differently: %s\n", text);
	return ok;
}

static int reads_same(const char *text)
{
	return reads_same_n(text, strlen(text));
}

TEST(reading)
{
	const char *texts[] = {
		"{\"agent_id\": \"agent-7\", \"progress\": 0.123456, \"ok\": true, \"x\": null, \"f\": false}",
		" [1, -0, 0.5e-3, 1E+400, -1e-400, 123456789012345678901234567890, 1.7976931348623157e308] ",
		"{\"a\": 1, \"b\": 2, \"a\": 3}", "{\"esc\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}",
		"{\"u\": \"\\u00e9\\ud83d\\ude00\"}", "{\"raw\": \"h\xc3\xa9\"}", "\"bad \xff\"", "{\"del\": \"\x7f\"}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		"{}", "[]", "{ }", "[ ]", "0", "\"\"", "true", "null", "nan", "-", "01", "1.", ".5", "1e", "+1", "[1,]",
		"{\"a\":}", "{\"a\" 1}", "{1: 2}", "[1 2]", "{\"a\": 1} x", "", "   ", "tru", "[", "\"open", "{\"c\": \"\x01\"}",
		"{\"a\": [1, {\"b\": [true, false, null, \"s\"]}], \"n\": -12.5E-2}",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		CHECK(reads_same(texts[i]));
	CHECK(reads_same_n("\"\\\0@f\"", 6)); /* a backslash before a NUL byte */
	/* numbers: many random doubles written as %.17g, %.6g and %g */
	srand(7);
	for (int i = 0; i < 20000; i++) {
		unsigned long long bits = ((unsigned long long)rand() << 40) ^ ((unsigned long long)rand() << 20) ^ rand();
		double d;
		char text[64];
		memcpy(&d, &bits, sizeof d);
		if (d != d || d - d != 0)
			continue;
		snprintf(text, sizeof text, i % 3 == 0 ? "%.17g" : i % 3 == 1 ? "%.6g" : "%g", d);
		CHECK(reads_same(text));
	}
}

int main(void)
{
	RUN(strings);
	RUN(numbers);
	RUN(nested);
	RUN(reading);
	return check_done();
}
