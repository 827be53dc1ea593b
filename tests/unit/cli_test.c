/* cli_test.c — parsers of lib/cli.c and lib/json.c (no store needed). */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "json.h"

TEST(durations)
{
	double s;

	CHECK(attune_parse_duration("1.5s", &s) == 0 && s == 1.5);
	CHECK(attune_parse_duration("250ms", &s) == 0 && fabs(s - 0.25) < 1e-9);
	CHECK(attune_parse_duration("2m", &s) == 0 && s == 120);
	CHECK(attune_parse_duration("1h", &s) == 0 && s == 3600);
	CHECK(attune_parse_duration("1d", &s) == 0 && s == 86400);
	CHECK(attune_parse_duration("3", &s) == 0 && s == 3);
	CHECK(attune_parse_duration("0", &s) == 0 && s == 0);
	const char *bad[] = {"", "s", "-1", "1x", "1.2.3", "1 s", " 1", "nan", "inf", "1e3", "0x10", ".", "1sec"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(attune_parse_duration(bad[i], &s) == -1);
}

TEST(ids)
{
	char long_id[130];

	CHECK(attune_valid_id("agent-1.b_c@host/x+y"));
	const char *bad[] = {"", "a:b", "a*", "a?", "a[", "a]", "a\\b", "a b", "a\tb", "é"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(!attune_valid_id(bad[i]));
	memset(long_id, 'a', 128);
	long_id[128] = 0;
	CHECK(attune_valid_id(long_id));
	long_id[128] = 'a';
	long_id[129] = 0;
	CHECK(!attune_valid_id(long_id));
}

TEST(counts)
{
	long n;

	CHECK(attune_parse_count("5", &n) == 0 && n == 5);
	CHECK(attune_parse_count("0", &n) == -1);
	CHECK(attune_parse_count("-1", &n) == -1);
	CHECK(attune_parse_count("5x", &n) == -1);
}

TEST(times)
{
	double t, now = 1795620478.027705;
	char buf[40];

	attune_iso_time(now, buf, sizeof buf);
	CHECK(strlen(buf) == 32 && !strcmp(buf + 26, "+00:00"));
	CHECK(attune_parse_time(buf, &t) == 0 && fabs(t - now) < 1e-5);
	CHECK(attune_parse_time("2026-11-25T15:27:58Z", &t) == 0 && t == 1795620478);
	CHECK(attune_parse_time("2026-11-25T15:27:58", &t) == 0 && t == 1795620478);
	CHECK(attune_parse_time("2026-11-25T16:27:58+01:00", &t) == 0 && t == 1795620478);
	CHECK(attune_parse_time("2026-11-25T15:27:58.5Z", &t) == 0 && t == 1795620478.5);
	CHECK(attune_parse_time("yesterday", &t) == -1);
	CHECK(attune_parse_time("2026-11-25T15:27:58+", &t) == -1);
}

TEST(random_ids)
{
	char a[32], b[32];

	attune_random_id("signal_", a, sizeof a);
	attune_random_id("signal_", b, sizeof b);
	CHECK(strlen(a) == 15 && !strncmp(a, "signal_", 7) && strspn(a + 7, "0123456789abcdef") == 8);
	CHECK(strcmp(a, b) != 0);
}

TEST(json_parse)
{
	char err[256];
	jv v;

	CHECK(attune_json_parse("{\"a\": 1}", 8, &v, err, sizeof err) == 0 && jv_get_kind(v) == JV_KIND_OBJECT);
	CHECK(attune_json_num(v, "a", 0) == 1 && attune_json_str(v, "a") == NULL);
	jv_free(v);
	CHECK(attune_json_parse("{\"a\": }", 7, &v, err, sizeof err) == -1 && strstr(err, "line 1"));
	CHECK(attune_json_parse("{}\n{}", 5, &v, err, sizeof err) == -1 && strstr(err, "more than one"));
	CHECK(attune_json_parse("  ", 2, &v, err, sizeof err) == -1);
}

TEST(json_stream)
{
	int fds[2];
	char err[256];
	jv v;
	struct attune_jreader *r;
	const char *in = "{\"n\":1} {\"n\":2}\n[3]\n{\"n\": x}\n{\"n\":5}";

	CHECK(pipe(fds) == 0);
	CHECK(write(fds[1], in, strlen(in)) == (ssize_t)strlen(in));
	close(fds[1]);
	r = attune_jreader_new(fds[0]);
	CHECK(attune_jreader_next(r, &v, err, sizeof err) == 1 && attune_json_num(v, "n", 0) == 1);
	jv_free(v);
	CHECK(attune_jreader_next(r, &v, err, sizeof err) == 1 && attune_json_num(v, "n", 0) == 2);
	jv_free(v);
	CHECK(attune_jreader_next(r, &v, err, sizeof err) == 1 && jv_get_kind(v) == JV_KIND_ARRAY);
	jv_free(v);
	CHECK(attune_jreader_next(r, &v, err, sizeof err) == -1 && strstr(err, "line 3"));
	CHECK(attune_jreader_next(r, &v, err, sizeof err) == -1);
	attune_jreader_free(r);
	close(fds[0]);
}

TEST(filters)
{
	char err[256];
	struct attune_filter *f = attune_filter_new("select(.ok) | .n", err, sizeof err);
	jv out;

	CHECK(f != NULL);
	out = attune_filter_run(f, jv_parse("{\"ok\":true,\"n\":7}"));
	CHECK(jv_array_length(jv_copy(out)) == 1);
	jv_free(out);
	out = attune_filter_run(f, jv_parse("{\"ok\":false,\"n\":7}"));
	CHECK(jv_array_length(out) == 0);
	attune_filter_free(f);
	CHECK(attune_filter_new("select(", err, sizeof err) == NULL && *err);
	f = attune_filter_new("error(\"boom\")", err, sizeof err);
	out = attune_filter_run(f, jv_null());
	CHECK(!jv_is_valid(out));
	jv_free(out);
	attune_filter_free(f);
}

int main(void)
{
	RUN(durations);
	RUN(ids);
	RUN(counts);
	RUN(times);
	RUN(random_ids);
	RUN(json_parse);
	RUN(json_stream);
	RUN(filters);
	return check_done();
}
