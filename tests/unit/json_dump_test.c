/* json_dump_test.c — attune_json_dump writes exactly what jq 1.6's jv_dump_string(v, 0) writes. */
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

int main(void)
{
	RUN(strings);
	RUN(numbers);
	RUN(nested);
	return check_done();
}
