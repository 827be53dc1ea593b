/* stream_test.c — lib/stream.c without a store: --from positions and entry decoding. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "json.h"
#include "stream.h"

TEST(positions)
{
	char c[ATTUNE_ID_MAX];

	CHECK(attune_stream_parse_from("$", c) == 0 && !strcmp(c, "$"));
	CHECK(attune_stream_parse_from("0", c) == 0 && !strcmp(c, "0-0"));
	CHECK(attune_stream_parse_from("1795620478028", c) == 0 && !strcmp(c, "1795620478028-0"));
	CHECK(attune_stream_parse_from("1795620478028-7", c) == 0 && !strcmp(c, "1795620478028-7"));
	/* a time: just before its millisecond, so that XREAD (after the cursor) starts at it */
	CHECK(attune_stream_parse_from("2026-11-25T15:27:58.028+00:00", c) == 0 &&
	      !strcmp(c, "1795620478027-9223372036854775807"));
	CHECK(attune_stream_parse_from("2026-11-25T15:27:58.028Z", c) == 0 &&
	      !strcmp(c, "1795620478027-9223372036854775807"));
	CHECK(attune_stream_parse_from("2026-11-25T15:27:58.028", c) == 0 &&
	      !strcmp(c, "1795620478027-9223372036854775807"));
	CHECK(attune_stream_parse_from("1970-01-01T00:00:00Z", c) == 0 && !strcmp(c, "0-0"));
	const char *bad[] = {"", "$$", "-1", "1-", "-", "1-2-3", "12x", "x", "1 ", "+1", "99999999999999999999999",
	                     "2026-13-45T99:00:00Z", "yesterday"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(attune_stream_parse_from(bad[i], c) == -1);
}

/* The event of an entry with the given fields (name, value pairs, NULL-terminated), as text. */
static char *decode(const char *id, const char **kv)
{
	const char *f[8], *v[8];
	size_t l[8], n = 0;

	for (; kv[2 * n]; n++) {
		f[n] = kv[2 * n];
		v[n] = kv[2 * n + 1];
		l[n] = strlen(v[n]);
	}
	struct attune_entry e = {.nfields = n, .fields = f, .values = v, .lens = l};
	snprintf(e.id, sizeof e.id, "%s", id);
	return attune_json_dump(attune_stream_event(&e), NULL);
}

TEST(decoding)
{
	char *s;

	s = decode("5-1", (const char *[]){"event_type", "deploy", "timestamp", "2026-01-05T10:00:00.123456+00:00",
	                                   "data", "{\"a\": [1, 2.5], \"b\": \"\\u00e9\"}", "source", "ci", NULL});
	CHECK(!strcmp(s, "{\"event_id\":\"5-1\",\"event_type\":\"deploy\",\"timestamp\":"
	                 "\"2026-01-05T10:00:00.123456+00:00\",\"data\":{\"a\":[1,2.5],\"b\":\"\xc3\xa9\"},"
	                 "\"source\":\"ci\"}"));
	free(s);
	/* attune-ai's defaults: unknown type, now, {}, attune; field order does not matter */
	s = decode("6-0", (const char *[]){"data", "not json", "timestamp", "not a time", NULL});
	CHECK(!strncmp(s, "{\"event_id\":\"6-0\",\"event_type\":\"unknown\",\"timestamp\":\"20", 55));
	CHECK(strstr(s, "+00:00\",\"data\":{},\"source\":\"attune\"}") != NULL);
	free(s);
	s = decode("7-0", (const char *[]){"data", "[1, 2]", "timestamp", "2026-01-05T10:00:00", NULL});
	CHECK(strstr(s, "\"timestamp\":\"2026-01-05T10:00:00\",\"data\":{}") != NULL);
	free(s);
	s = decode("8-0", (const char *[]){NULL});
	CHECK(strstr(s, "\"event_type\":\"unknown\"") && strstr(s, "\"data\":{}"));
	free(s);
	/* impossible dates in the canonical form are not timestamps */
	s = decode("9-0", (const char *[]){"timestamp", "2026-13-05T10:00:00.000000+00:00", NULL});
	CHECK(strstr(s, "2026-13-05") == NULL);
	free(s);
}

int main(void)
{
	RUN(positions);
	RUN(decoding);
	return check_done();
}
