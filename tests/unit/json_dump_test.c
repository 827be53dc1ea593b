/* json_dump_test.c — attune_json_dump writes exactly what jq 1.6's jv_dump_string(v, 0) writes,
 * and attune_json_value reads exactly what jv_parse_sized reads. */
#include <math.h>
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

TEST(decimals)
{
	static const double div[] = {10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 3, 7};
	static const double xs[] = {0.001, 0.0015, 0.000999, 999999999.5, 1000000000.5, 0.1234567, 123.456789,
	                            0.30000000000000004, -0.7, 9999999999999998, 1e16 - 2, -1e15};

	for (size_t i = 0; i < sizeof xs / sizeof *xs; i++)
		CHECK(same(jv_number(xs[i])));
	for (int i = -2000; i < 200000; i += i < 1000 ? 1 : i / 1000)
		for (size_t k = 0; k < sizeof div / sizeof *div; k++)
			CHECK(same(jv_number(i / div[k])));
}

TEST(deep)
{
	jv v = jv_number(1);

	for (int i = 0; i < 300; i++)
		v = i % 2 ? jv_array_append(jv_array(), v) : JV_OBJECT(jv_string("x"), v);
	CHECK(same(v));
}

TEST(object_order)
{
	jv o = jv_object();

	for (int i = 0; i < 40; i++)
		o = jv_object_set(o, jv_string_fmt("k%d", i), jv_number(i));
	for (int i = 0; i < 40; i += 3)
		o = jv_object_delete(o, jv_string_fmt("k%d", i));
	CHECK(same(jv_object_set(o, jv_string("new"), jv_true())));
}

static jv random_value(int depth)
{
	static const double p10[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7};
	int n = rand() % 16;
	unsigned long long bits;
	double d;
	char s[16];
	jv v;

	switch (depth > 4 ? rand() % 4 : rand() % 7) {
	case 0: return jv_null();
	case 1: return rand() % 2 ? jv_true() : jv_false();
	case 2:
		bits = ((unsigned long long)rand() << 40) ^ ((unsigned long long)rand() << 20) ^ (unsigned long long)rand();
		memcpy(&d, &bits, sizeof d);
		switch (rand() % 4) {
		case 0: return jv_number(d);
		case 1: return jv_number((double)(rand() - RAND_MAX / 2));
		case 2: return jv_number((rand() % 100000) / p10[rand() % 8]);
		default: return jv_number(ldexp((double)rand(), rand() % 80 - 20));
		}
	case 3:
		for (int i = 0; i < n; i++)
			s[i] = (char)(rand() % 3 ? rand() % 256 : rand() % 128);
		return jv_string_sized(s, n);
	case 4:
	case 5:
		v = jv_array();
		for (int i = 0; i < n % 5; i++)
			v = jv_array_append(v, random_value(depth + 1));
		return v;
	default:
		v = jv_object();
		for (int i = 0; i < n % 5; i++)
			v = jv_object_set(v, jv_string_fmt("%c%d", 'a' + rand() % 26, rand() % 10), random_value(depth + 1));
		return v;
	}
}

TEST(random_values)
{
	srand(11);
	for (int i = 0; i < 100000; i++)
		CHECK(same(random_value(0)));
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
	RUN(decimals);
	RUN(deep);
	RUN(object_order);
	RUN(random_values);
	RUN(reading);
	return check_done();
}
