/* time_test — attune_parse_time's fixed-form fast path reads every time as strptime + timegm do. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cli.h"

/* The reference: the general path alone (strptime, timegm, sscanf). */
static int reference(const char *s, double *t)
{
	struct tm tm = {0};
	const char *p;
	double frac = 0;
	long off = 0;

	if (!(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) && !(p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm))) {
		p = strptime(s, "%Y-%m-%d", &tm);
		if (!p || *p)
			return -1;
	}
	if (*p == '.') {
		char *end;
		frac = strtod(p, &end);
		p = end;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm, n = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 && sscanf(p + 1, "%2d%2d%n", &hh, &mm, &n) != 2)
			return -1;
		off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
		p += 1 + n;
	}
	if (*p)
		return -1;
	*t = (double)timegm(&tm) - (double)off + frac;
	return 0;
}

static int same(const char *s)
{
	double a = -1, b = -1;
	int ra = attune_parse_time(s, &a), rb = reference(s, &b);

	if (ra != rb || (ra == 0 && a != b)) {
		fprintf(stderr, "# %s: %d %.6f, reference %d %.6f\n", s, ra, a, rb, b);
		return 0;
	}
	return 1;
}

TEST(forms)
{
	static const char *const times[] = {
		"2026-11-25T15:27:58.027705+00:00", "2026-11-25T15:27:58.027705-00:00", "2026-11-25T15:27:58Z",
		"2026-11-25T15:27:58", "2026-11-25 15:27:58.5", "2026-11-25", "2026-11-25T15:27:58.1+05:30",
		"2026-11-25T15:27:58-0800", "2026-02-30T00:00:00", "2024-02-29T23:59:60", "2024-12-31T23:59:61",
		"1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "1900-03-01T00:00:00", "0001-01-01T00:00:00",
		"9999-12-31T23:59:59", "2026-13-01T00:00:00", "2026-00-10T00:00:00", "2026-11-32T00:00:00",
		"2026-11-25T24:00:00", "2026-11-25T15:60:00", "2026-11-25T15:27:62", "2026-11-25t15:27:58",
		"2026-1-25T15:27:58", " 2026-11-25T15:27:58", "2026-11-25T15:27:58.", "2026-11-25T15:27:58.5x", "2026-11-25T15:27:58.5e1Z",
		"2026-11-25T15:27:58.1234567890123456789Z", "2026-11-25T15:27:58.999999999999999Z",
		"2026-11-25T15:27:58+00:00x", "2026-11-25T15:27:58+0", "2026-11-25T15:27", "", "now",
	};
	for (size_t i = 0; i < sizeof times / sizeof *times; i++)
		CHECK(same(times[i]));
	CHECK(attune_parse_time(NULL, &(double){0}) == -1);
}

TEST(random_times)
{
	char s[64];

	srand(7);
	for (int i = 0; i < 200000; i++) {
		int n = snprintf(s, sizeof s, "%04d-%02d-%02d%c%02d:%02d:%02d.", 1800 + rand() % 400, 1 + rand() % 12,
		                 1 + rand() % 31, rand() % 2 ? 'T' : ' ', rand() % 24, rand() % 60, rand() % 62);
		for (int d = rand() % 19; d > 0; d--)
			s[n++] = (char)('0' + rand() % 10);
		snprintf(s + n, sizeof s - (size_t)n, "%s", (const char *[]){"+00:00", "Z", "", "-03:00", "+0130", "e2Z"}[rand() % 6]);
		CHECK(same(s));
	}
}

/* The reference: gmtime_r and strftime. */
static void iso_reference(double t, char *buf, size_t len)
{
	time_t s = (time_t)floor(t);
	long us = lround((t - (double)s) * 1e6);
	struct tm tm;
	char date[32];

	if (us >= 1000000) {
		s++;
		us -= 1000000;
	}
	gmtime_r(&s, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ld+00:00", date, us);
}

TEST(iso_time)
{
	static const double times[] = {0, -1, -0.0000004, 0.9999996, 86399.9999996, 951782400, 1795620478.027705,
	                               -2208988800.5, 253402300799.999999, 4102444800};
	char a[64], b[64];
	double back;

	for (int i = 0; i < 200010; i++) {
		double t = i < 10 ? times[i] : (double)(rand() % 2000000000) * (rand() % 2 ? 2 : -1) + rand() % 1000000 / 1e6;
		attune_iso_time(t, a, sizeof a);
		iso_reference(t, b, sizeof b);
		if (strcmp(a, b))
			fprintf(stderr, "# %.6f: %s, reference %s\n", t, a, b);
		CHECK(!strcmp(a, b));
		CHECK(t > 253402300799.0 || (attune_parse_time(a, &back) == 0 && fabs(back - t) < 1e-5));
	}
}

int main(void)
{
	RUN(forms);
	RUN(random_times);
	RUN(iso_time);
	return check_done();
}
