/* report_test.c — the pieces of lib/report_read.c a shell test cannot reach: the JSON field
 * extractor against jq's parser, number and time conversion, maps, rounding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "report_impl.h"

static const struct jkey keys[] = {JKEY("a"), JKEY("b"), JKEY("c")};

/* jscan accepts what jq's parser accepts as one object (but jq 1.6's "nan" literal). */
static int agrees(const char *s)
{
	struct jval v[3];
	jv p = jv_parse(s);
	int jq_ok = jv_get_kind(p) == JV_KIND_OBJECT, ours = jscan(s, strlen(s), keys, v, 3) == 0;

	jv_free(p);
	if (jq_ok != ours)
		fprintf(stderr, "# jscan %s, jq %s: %s\n", ours ? "accepts" : "refuses", jq_ok ? "accepts" : "refuses", s);
	return jq_ok == ours;
}

TEST(extractor_validates_like_jq)
{
	const char *cases[] = {
		"{}", " { } ", "{\"a\":1}", "{\"a\":-0.5e+3,\"b\":[1,{\"x\":[]},\"s\"],\"c\":null}",
		"{\"a\":\"\\u00e9\\n\\\"\"}", "{\"a\":true,\"b\":false}", "{\"x\":{\"y\":{\"z\":{}}}}",
		"", "[]", "1", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}",
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":1-2}",
		"{\"a\":1e+}", "{\"a\":--1}", "{\"a\":.}", "{\"a\":1.5.5}", "{\"a\":e5}", "{\"a\":\"a\tb\"}", "{\"a\":tru}", "{\"a\":nul}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"unterminated}", "{\"a\":1}{}", "{\"a\":1} x",
		"{\"a\":[1,2,]}", "{\"a\":[,]}", "{a:1}", "{\"a\":'s'}",
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		CHECK(agrees(cases[i]));
}

TEST(extractor_fields)
{
	char line[] = "{\"z\":{\"a\":9},\"a\":\"x\\\"y\\u00e9\\ud83d\\ude00\",\"b\":[1,2],\"c\":-12.5e1,\"a\":\"last\"}";
	char esc[] = "{\"\\u0061\":\"t\\tab\"}";
	struct jval v[3], sub[3];
	const char *s;
	size_t n;

	CHECK(jscan(line, strlen(line), keys, v, 3) == 0);
	CHECK(v[0].kind == '"' && jv_str_of(&v[0], &s, &n) && n == 4 && !memcmp(s, "last", 4)); /* the last wins */
	CHECK(v[1].kind == '[' && v[1].len == 5);
	CHECK(jv_num_of(&v[2], 0) == -125);
	CHECK(jv_bool_of(&v[2], 7) == 7);
	jscan_sub(&v[1], keys, sub, 3); /* not an object: nothing */
	CHECK(sub[0].kind == 0);
	CHECK(jscan(esc, strlen(esc), keys, v, 3) == 0);
	CHECK(jv_str_of(&v[0], &s, &n) && n == 4 && !memcmp(s, "t\tab", 4));

	char uni[] = "{\"a\":\"x\\\"y\\u00e9\\ud83d\\ude00\\ud800z\"}";
	CHECK(jscan(uni, strlen(uni), keys, v, 3) == 0);
	CHECK(jv_str_of(&v[0], &s, &n) && n == 13 && !memcmp(s, "x\"y\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdz", 13));

	char nested[] = "{\"b\":{\"a\":{\"c\":1},\"c\":false}}";
	CHECK(jscan(nested, strlen(nested), keys, v, 3) == 0);
	jscan_sub(&v[1], keys, sub, 3);
	CHECK(sub[0].kind == '{' && jv_bool_of(&sub[2], 1) == 0);
}

TEST(numbers_as_strtod)
{
	const char *nums[] = {"01", ".5", "1.", "+2", "0", "-0", "1", "0.1", "0.000001", "123.456789", "15016.265101", "-3.5",
	                      "9007199254740993", "1e-7", "2.5E+10", "0.30000000000000004", "123456789012345678901234"};
	char buf[64];

	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		struct jval v;
		snprintf(buf, sizeof buf, "{\"a\":%s}", nums[i]);
		CHECK(jscan(buf, strlen(buf), keys, &v, 1) == 0);
		CHECK(jv_num_of(&v, -1) == strtod(nums[i], NULL));
	}
}

TEST(times)
{
	const char *ts[] = {"2026-11-25T15:27:58.027705+00:00", "2026-11-25T15:27:58.027705Z", "2026-11-25T15:27:58",
	                    "2026-11-25T15:27:58+02:00",        "2026-11-25T15:27:58-0130",     "2026-11-25 15:27:58.5",
	                    "2026-11-25",                       "1999-02-28T23:59:60Z",         "2024-02-29T00:00:00z"};
	const char *bad[] = {"", "2026-11-25T", "2026-13-01T00:00:00", "2026-11-25T15:27:58+0", "2026-11-25T15:27:58.Z",
	                     "yesterday", "2026-11-25T15:27:58 Z"};
	double a, b;

	for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
		CHECK(rtime_parse(ts[i], strlen(ts[i]), &a) == 0);
		CHECK(attune_parse_time(ts[i], &b) == 0 && a == b);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(rtime_parse(bad[i], strlen(bad[i]), &a) == -1);
	CHECK(rtime_parse("1970-01-02T00:00:01Z", 20, &a) == 0 && a == 86401);

	char day[11], text[20];
	rtime_day_text(rtime_day(1764084478.5), day);
	CHECK(!strcmp(day, "2025-11-25"));
	rtime_day_text(rtime_day(-1), day);
	CHECK(!strcmp(day, "1969-12-31"));
	rtime_day_text(rtime_day(951782400), day); /* 2000-02-29 */
	CHECK(!strcmp(day, "2000-02-29"));
	rtime_text(1764084478.9, text);
	CHECK(!strcmp(text, "2025-11-25 15:27:58"));
}

TEST(maps)
{
	struct smap m;
	char key[16];

	smap_init(&m, 2);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i % 100);
		double *v = smap_get(&m, key, strlen(key));
		v[0] += 1;
		v[1] += i;
		CHECK(!strcmp(smap_key(&m, v), key));
	}
	CHECK(m.n == 100);
	CHECK(!strcmp(m.ent[0].key, "k0") && m.ent[0].v[0] == 10 && !strcmp(m.ent[99].key, "k99"));
	CHECK(smap_find(&m, "k42", 3)[1] == 42 * 10 + 4500);
	CHECK(smap_find(&m, "nope", 4) == NULL);
	CHECK(smap_get(&m, "a\0b", 3) != smap_get(&m, "a\0c", 3));
	smap_free(&m);
}

TEST(rounding)
{
	CHECK(rround(0.125, 2) == 0.12); /* half-even on the exact value, as Python's round() */
	CHECK(rround(0.135, 2) == 0.14); /* 0.135 is 0.13500000000000000888… */
	CHECK(rround(53.33333, 1) == 53.3);
	CHECK(rround(-0.001, 2) == 0 && !signbit(rround(-0.001, 2)));
	CHECK(rdiv(1, 0) == 0 && rdiv(1, 4) == 0.25);
}

TEST(texts)
{
	jv t;

	t = t_int(1234567);
	CHECK(!strcmp(jv_string_value(t), "1,234,567"));
	jv_free(t);
	t = t_int(123);
	CHECK(!strcmp(jv_string_value(t), "123"));
	jv_free(t);
	t = t_money(-1234.5, 2);
	CHECK(!strcmp(jv_string_value(t), "-$1,234.50"));
	jv_free(t);
	t = t_money(-0.001, 2);
	CHECK(!strcmp(jv_string_value(t), "$0.00"));
	jv_free(t);
	t = t_cut("h\xc3\xa9llo", 6, 2);
	CHECK(!strcmp(jv_string_value(t), "h\xc3\xa9"));
	jv_free(t);
}

int main(void)
{
	RUN(extractor_validates_like_jq);
	RUN(extractor_fields);
	RUN(numbers_as_strtod);
	RUN(times);
	RUN(maps);
	RUN(rounding);
	RUN(texts);
	return check_done();
}
