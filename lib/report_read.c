/* report_read.c — streaming the telemetry files, a validating JSON field extractor, fast
 * ISO-8601 times, aggregate maps and report windows. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "report_impl.h"

/* --- streaming lines ---------------------------------------------------------------- */

void rsrc_init(struct rsrc *s, const struct attune_report_opts *o)
{
	memset(s, 0, sizeof *s);
	s->o = o;
	s->buf = malloc(RLINE_MAX + 1);
	s->started = attune_monotonic();
}

void rsrc_free(struct rsrc *s)
{
	free(s->buf);
	s->buf = NULL;
}

void rsrc_plan(struct rsrc *s, char *const *paths, size_t n)
{
	struct stat st;

	for (size_t i = 0; i < n; i++)
		if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
			s->total += (double)st.st_size;
}

static void progress(struct rsrc *s, size_t n)
{
	double now;

	s->done += (double)n;
	if (!s->o->progress)
		return;
	now = attune_monotonic();
	if (now - s->started >= 1.0 && now - s->reported >= 0.25) {
		s->reported = now;
		s->o->progress(s->o->progress_ctx, s->done, s->total > s->done ? s->total : s->done);
	}
}

static int one_line(char *line, size_t len, int (*fn)(void *, char *, size_t), void *ctx)
{
	while (len && strchr(" \t\r", line[len - 1]))
		len--;
	while (len && strchr(" \t\r", *line))
		line++, len--;
	if (!len)
		return 0;
	line[len] = 0;
	return fn(ctx, line, len);
}

int rsrc_lines(struct rsrc *s, const char *path, int (*fn)(void *ctx, char *line, size_t len), void *ctx,
               char *err, size_t errlen)
{
	char *buf = s->buf, *nl;
	size_t start = 0, end = 0;
	int fd, eof = 0, skipping = 0, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		while ((nl = memchr(buf + start, '\n', end - start))) {
			size_t len = (size_t)(nl - (buf + start));
			if (skipping)
				skipping = 0; /* the tail of an overlong line */
			else if ((rc = one_line(buf + start, len, fn, ctx)))
				goto out;
			start += len + 1;
		}
		if (eof) {
			if (end > start && !skipping)
				rc = one_line(buf + start, end - start, fn, ctx);
			break;
		}
		if (start) {
			memmove(buf, buf + start, end - start);
			end -= start;
			start = 0;
		}
		if (end == RLINE_MAX) {
			s->skipped += !skipping;
			skipping = 1;
			end = 0;
		}
		ssize_t n = read(fd, buf + end, RLINE_MAX - end);
		if (n < 0 && errno == EINTR && !attune_interrupted)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		eof = n == 0;
		end += (size_t)n;
		progress(s, (size_t)n);
	}
out:
	close(fd);
	return rc;
}

struct records {
	struct rsrc *s;
	const char *tsfield;
	double since;
	int (*fn)(void *ctx, jv rec, double t);
	void *ctx;
};

static int record_line(void *ctx, char *line, size_t len)
{
	struct records *r = ctx;
	jv rec = jv_parse_sized(line, (int)len);
	const char *ts;
	double t;
	int rc = 0;

	if (jv_get_kind(rec) != JV_KIND_OBJECT || !(ts = attune_json_str(rec, r->tsfield)) ||
	    rtime_parse(ts, strlen(ts), &t) < 0)
		r->s->skipped++;
	else if (t >= r->since)
		rc = r->fn(r->ctx, rec, t);
	jv_free(rec);
	return rc;
}

int rsrc_records(struct rsrc *s, const char *path, const char *tsfield, double since,
                 int (*fn)(void *ctx, jv rec, double t), void *ctx, char *err, size_t errlen)
{
	struct records r = {s, tsfield, since, fn, ctx};

	return rsrc_lines(s, path, record_line, &r, err, errlen);
}

char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

void paths_free(char **p)
{
	for (size_t i = 0; p && p[i]; i++)
		free(p[i]);
	free(p);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **usage_paths(const char *home, size_t *n)
{
	char *dir = path_join(home, "telemetry");
	DIR *d = opendir(dir);
	struct dirent *e;
	char **p = malloc(sizeof *p * 2);
	size_t k = 0, cap = 2;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len <= 12 || strncmp(e->d_name, "usage.", 6) || strcmp(e->d_name + len - 6, ".jsonl"))
			continue;
		if (k + 3 > cap) /* this one, usage.jsonl and the NULL */
			p = realloc(p, sizeof *p * (cap *= 2));
		p[k++] = path_join(dir, e->d_name);
	}
	if (d)
		closedir(d);
	qsort(p, k, sizeof *p, by_name);
	p[k++] = path_join(dir, "usage.jsonl");
	p[k] = NULL;
	free(dir);
	*n = k;
	return p;
}

/* --- the field extractor --------------------------------------------------------------- */

#define MAX_DEPTH 256

/* 1 for the bytes that end a run of plain string characters. */
static const unsigned char special[256] = {
	[0 ... 31] = 1, ['"'] = 1, ['\\'] = 1,
};

static const unsigned char numeric[256] = {
	['0' ... '9'] = 1, ['.'] = 1, ['e'] = 1, ['E'] = 1, ['+'] = 1, ['-'] = 1,
};

static const char *ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Does any of 8 bytes end a run of plain string characters ('"', '\\', < 0x20)? */
static uint64_t special8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');

	return (((q - ones) & ~q) | ((b - ones) & ~b) | ((v - ones * 0x20) & ~v)) & high;
}

/* p after the opening quote; returns the closing quote, or NULL. */
static const char *scan_string(const char *p, const char *e, char *esc)
{
	for (;;) {
		uint64_t v;
		while (e - p >= 8 && (memcpy(&v, p, 8), !special8(v)))
			p += 8;
		while (p < e && !special[(unsigned char)*p])
			p++;
		if (p >= e || *p != '\\')
			return p < e && *p == '"' ? p : NULL;
		*esc = 1;
		if (++p >= e)
			return NULL;
		if (*p == 'u') {
			if (e - p < 5 || hex(p[1]) < 0 || hex(p[2]) < 0 || hex(p[3]) < 0 || hex(p[4]) < 0)
				return NULL;
			p += 5;
		} else if (strchr("\"\\/bfnrt", *p) && *p) {
			p++;
		} else {
			return NULL;
		}
	}
}

static const char *digits(const char *p, const char *e)
{
	const char *q = p;

	while (q < e && *q >= '0' && *q <= '9')
		q++;
	return q > p ? q : NULL;
}

/* A number as JSON writes it; or, like jq 1.6, any run of [0-9.eE+-] that strtod reads whole
 * ("01", "1.", ".5", "+1"), so that both readers skip the same lines. */
static const char *scan_number(const char *p, const char *e)
{
	const char *start = p, *end = p, *q;
	char tmp[64], *stop;

	while (end < e && numeric[(unsigned char)*end])
		end++;
	if (p < e && *p == '-')
		p++;
	if (p < e && *p == '0')
		p++;
	else if (!(p = digits(p, e)))
		goto lax;
	if (p < e && *p == '.' && !(p = digits(p + 1, e)))
		goto lax;
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (!(p = digits(p, e)))
			goto lax;
	}
	if (p == end)
		return p;
lax:
	if (end == start || end - start >= (long)sizeof tmp)
		return NULL;
	memcpy(tmp, start, (size_t)(end - start));
	tmp[end - start] = 0;
	strtod(tmp, &stop);
	q = start + (stop - tmp);
	return q == end ? end : NULL;
}

static const char *scan_members(const char *p, const char *e, int depth, const struct jkey *keys, struct jval *vals,
                                int nk);

static const char *scan_value(const char *p, const char *e, int depth, struct jval *out)
{
	const char *start = p, *q;
	char esc = 0, kind;

	if (p >= e)
		return NULL;
	switch (*p) {
	case '"':
		if (!(q = scan_string(p + 1, e, &esc)))
			return NULL;
		if (out) {
			out->v = p + 1;
			out->len = (size_t)(q - p - 1);
			out->kind = '"';
			out->esc = esc;
		}
		return q + 1;
	case '{':
	case '[':
		if (depth >= MAX_DEPTH)
			return NULL;
		kind = *p;
		if (kind == '{') {
			q = scan_members(p + 1, e, depth + 1, NULL, NULL, 0);
		} else {
			q = ws(p + 1, e);
			if (q < e && *q == ']') {
				q++;
			} else {
				for (;;) {
					if (!(q = scan_value(ws(q, e), e, depth + 1, NULL)))
						return NULL;
					q = ws(q, e);
					if (q < e && *q == ',') {
						q++;
						continue;
					}
					if (q < e && *q == ']') {
						q++;
						break;
					}
					return NULL;
				}
			}
		}
		if (q && out) {
			out->v = start;
			out->len = (size_t)(q - start);
			out->kind = kind;
		}
		return q;
	case 't':
		kind = 't', q = e - p >= 4 && !memcmp(p, "true", 4) ? p + 4 : NULL;
		break;
	case 'f':
		kind = 'f', q = e - p >= 5 && !memcmp(p, "false", 5) ? p + 5 : NULL;
		break;
	case 'n':
		kind = 'z', q = e - p >= 4 && !memcmp(p, "null", 4) ? p + 4 : NULL;
		break;
	default:
		kind = 'n', q = scan_number(p, e);
	}
	if (q && out) {
		out->v = start;
		out->len = (size_t)(q - start);
		out->kind = kind;
	}
	return q;
}

static size_t unescape(char *s, size_t n);

/* Which wanted key is this member name? -1 if none. */
static int key_index(const char *k, size_t len, char esc, const struct jkey *keys, int nk)
{
	char tmp[64];

	if (esc) {
		if (len >= sizeof tmp)
			return -1;
		memcpy(tmp, k, len);
		len = unescape(tmp, len);
		k = tmp;
	}
	for (int i = 0; i < nk; i++)
		if (keys[i].len == len && keys[i].name[0] == k[0] && !memcmp(keys[i].name, k, len))
			return i;
	return -1;
}

/* p after '{'; returns after '}', or NULL. */
static const char *scan_members(const char *p, const char *e, int depth, const struct jkey *keys, struct jval *vals,
                                int nk)
{
	p = ws(p, e);
	if (p < e && *p == '}')
		return p + 1;
	for (;;) {
		const char *k, *q;
		char esc = 0;
		int i;

		if (p >= e || *p != '"' || !(q = scan_string(p + 1, e, &esc)))
			return NULL;
		k = p + 1;
		p = ws(q + 1, e);
		if (p >= e || *p != ':')
			return NULL;
		p = ws(p + 1, e);
		i = nk ? key_index(k, (size_t)(q - k), esc, keys, nk) : -1;
		if (!(p = scan_value(p, e, depth, i >= 0 ? &vals[i] : NULL)))
			return NULL;
		p = ws(p, e);
		if (p < e && *p == ',') {
			p = ws(p + 1, e);
			continue;
		}
		return p < e && *p == '}' ? p + 1 : NULL;
	}
}

int jscan(const char *s, size_t n, const struct jkey *keys, struct jval *vals, int nk)
{
	const char *e = s + n, *p = ws(s, e);

	memset(vals, 0, sizeof *vals * (size_t)nk);
	if (p >= e || *p != '{' || !(p = scan_members(p + 1, e, 1, keys, vals, nk)))
		return -1;
	return ws(p, e) == e ? 0 : -1;
}

void jscan_sub(const struct jval *v, const struct jkey *keys, struct jval *vals, int nk)
{
	memset(vals, 0, sizeof *vals * (size_t)nk);
	if (v->kind == '{')
		scan_members(v->v + 1, v->v + v->len, 1, keys, vals, nk);
}

static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

double jv_num_of(const struct jval *v, double def)
{
	const char *p, *e;
	uint64_t m = 0;
	int nd = 0, frac = 0, neg;
	char tmp[400];

	if (v->kind != 'n')
		return def;
	p = v->v;
	e = p + v->len;
	neg = *p == '-';
	p += neg;
	for (; p < e && *p >= '0' && *p <= '9'; p++, nd++)
		m = m * 10 + (uint64_t)(*p - '0');
	if (p < e && *p == '.')
		for (p++; p < e && *p >= '0' && *p <= '9'; p++, nd++, frac++)
			m = m * 10 + (uint64_t)(*p - '0');
	/* Exact integer and exact power of ten: one correctly rounded division, as strtod. */
	if (p == e && nd <= 19 && m <= (1ULL << 53) && frac <= 22) {
		double x = frac ? (double)m / pow10[frac] : (double)m;
		return neg ? -x : x;
	}
	if (v->len >= sizeof tmp)
		return def;
	memcpy(tmp, v->v, v->len);
	tmp[v->len] = 0;
	return strtod(tmp, NULL);
}

int jv_bool_of(const struct jval *v, int def)
{
	return v->kind == 't' ? 1 : v->kind == 'f' ? 0 : def;
}

static size_t put_utf8(char *w, unsigned cp)
{
	if (cp < 0x80) {
		w[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		w[0] = (char)(0xC0 | cp >> 6);
		w[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		w[0] = (char)(0xE0 | cp >> 12);
		w[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		w[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	w[0] = (char)(0xF0 | cp >> 18);
	w[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	w[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	w[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static unsigned hex4(const char *p)
{
	return (unsigned)(hex(p[0]) << 12 | hex(p[1]) << 8 | hex(p[2]) << 4 | hex(p[3]));
}

/* Escapes were checked by scan_string; the result is never longer than the input. */
static size_t unescape(char *s, size_t n)
{
	const char *r = s, *e = s + n;
	char *w = s;

	while (r < e) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r++) {
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u': {
			unsigned cp = hex4(r);
			r += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && e - r >= 6 && r[0] == '\\' && r[1] == 'u' &&
			    hex4(r + 2) >= 0xDC00 && hex4(r + 2) < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(r + 2) - 0xDC00);
				r += 6;
			} else if (cp >= 0xD800 && cp < 0xE000) {
				cp = 0xFFFD;
			}
			w += put_utf8(w, cp);
			break;
		}
		default: *w++ = r[-1];
		}
	}
	return (size_t)(w - s);
}

int jv_str_of(struct jval *v, const char **s, size_t *n)
{
	if (v->kind != '"')
		return 0;
	if (v->esc) {
		v->len = unescape((char *)v->v, v->len);
		v->esc = 0;
	}
	*s = v->v;
	*n = v->len;
	return 1;
}

/* --- time -------------------------------------------------------------------------------- */

static long days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int num2(const char *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

int rtime_parse(const char *s, size_t n, double *t)
{
	const char *p = s + 19, *e = s + n;
	int y1, y2, mo, d, h, mi, sec;
	long off = 0;
	double frac = 0;
	char tmp[64];

	/* The common forms here; anything else through attune_parse_time. */
	if (n < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		goto slow;
	y1 = num2(s), y2 = num2(s + 2), mo = num2(s + 5), d = num2(s + 8);
	h = num2(s + 11), mi = num2(s + 14), sec = num2(s + 17);
	if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 60)
		goto slow;
	if (p < e && *p == '.') {
		uint64_t f = 0;
		int k = 0;
		for (p++; p < e && *p >= '0' && *p <= '9'; p++, k++)
			if (k < 18)
				f = f * 10 + (uint64_t)(*p - '0');
		if (k == 0 || k > 18)
			goto slow;
		frac = (double)f / (k <= 22 ? pow10[k] : 1);
	}
	if (p < e && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (p < e && (*p == '+' || *p == '-')) {
		int oh, om;
		if (e - p == 6 && p[3] == ':')
			oh = num2(p + 1), om = num2(p + 4);
		else if (e - p == 5)
			oh = num2(p + 1), om = num2(p + 3);
		else
			goto slow;
		if (oh < 0 || om < 0)
			goto slow;
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p = e;
	}
	if (p != e)
		goto slow;
	*t = (double)(days_from_civil(y1 * 100 + y2, mo, d) * 86400L + h * 3600L + mi * 60L + sec - off) + frac;
	return 0;
slow:
	if (n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	return attune_parse_time(tmp, t);
}

long rtime_day(double t)
{
	return (long)floor(t / 86400);
}

void rtime_day_text(long z, char *buf)
{
	long era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = (y + (m <= 2)) % 10000;
	buf[0] = (char)('0' + y / 1000), buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10), buf[3] = (char)('0' + y % 10), buf[4] = '-';
	buf[5] = (char)('0' + m / 10), buf[6] = (char)('0' + m % 10), buf[7] = '-';
	buf[8] = (char)('0' + d / 10), buf[9] = (char)('0' + d % 10), buf[10] = 0;
}

void rtime_text(double t, char *buf)
{
	time_t s = (time_t)floor(t);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* --- maps -------------------------------------------------------------------------------- */

void smap_init(struct smap *m, size_t nv)
{
	memset(m, 0, sizeof *m);
	m->nv = nv;
}

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static size_t slot(const struct smap *m, const char *key, size_t klen, uint64_t h)
{
	size_t i = (size_t)h & (m->icap - 1);

	while (m->idx[i]) {
		const struct smap_ent *e = &m->ent[m->idx[i] - 1];
		if (e->hash == h && e->klen == klen && !memcmp(e->key, key, klen))
			break;
		i = (i + 1) & (m->icap - 1);
	}
	return i;
}

double *smap_find(const struct smap *m, const char *key, size_t klen)
{
	size_t i;

	if (!m->icap)
		return NULL;
	i = slot(m, key, klen, fnv(key, klen));
	return m->idx[i] ? m->ent[m->idx[i] - 1].v : NULL;
}

const char *smap_key(const struct smap *m, const double *v)
{
	return (const char *)(v + m->nv);
}

double *smap_get(struct smap *m, const char *key, size_t klen)
{
	uint64_t h = fnv(key, klen);
	struct smap_ent *e;
	size_t i;

	if (2 * (m->n + 1) > m->icap) {
		m->icap = m->icap ? m->icap * 2 : 16;
		free(m->idx);
		m->idx = calloc(m->icap, sizeof *m->idx);
		for (size_t k = 0; k < m->n; k++)
			m->idx[slot(m, m->ent[k].key, m->ent[k].klen, m->ent[k].hash)] = (uint32_t)k + 1;
	}
	i = slot(m, key, klen, h);
	if (m->idx[i])
		return m->ent[m->idx[i] - 1].v;
	if (m->n == m->cap)
		m->ent = realloc(m->ent, sizeof *m->ent * (m->cap = m->cap ? m->cap * 2 : 16));
	e = &m->ent[m->n];
	e->v = calloc(1, sizeof(double) * m->nv + klen + 1);
	e->key = (char *)(e->v + m->nv);
	memcpy(e->key, key, klen);
	e->klen = klen;
	e->hash = h;
	m->idx[i] = (uint32_t)++m->n;
	return e->v;
}

struct order {
	const struct smap *m;
	int (*cmp)(const struct smap_ent *a, const struct smap_ent *b);
};

static int order_cmp(const void *a, const void *b, void *ctx)
{
	const struct order *o = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = o->cmp(&o->m->ent[i], &o->m->ent[j]);

	return c ? c : (i > j) - (i < j);
}

size_t *smap_order(const struct smap *m, int (*cmp)(const struct smap_ent *a, const struct smap_ent *b))
{
	struct order o = {m, cmp};
	size_t *ix = malloc(sizeof *ix * (m->n + 1));

	for (size_t i = 0; i < m->n; i++)
		ix[i] = i;
	qsort_r(ix, m->n, sizeof *ix, order_cmp, &o);
	return ix;
}

int smap_by_key(const struct smap_ent *a, const struct smap_ent *b)
{
	int c = memcmp(a->key, b->key, a->klen < b->klen ? a->klen : b->klen);

	return c ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

int smap_by_first_desc(const struct smap_ent *a, const struct smap_ent *b)
{
	return (a->v[0] < b->v[0]) - (a->v[0] > b->v[0]);
}

void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->ent[i].v);
	free(m->ent);
	free(m->idx);
	memset(m, 0, sizeof *m);
}

/* --- windows ---------------------------------------------------------------------------- */

void rwin_init(struct rwin *w, const struct attune_report_opts *o, double def_days, double def_hours)
{
	double n = -1;

	w->hours = def_hours > 0;
	if (o->hours > 0)
		n = o->hours, w->hours = 1;
	else if (o->days > 0)
		n = o->days, w->hours = 0;
	else if (def_hours > 0)
		n = def_hours;
	else if (def_days > 0)
		n = def_days;
	if (n < 0) {
		w->since = -INFINITY;
		w->days = -1;
		snprintf(w->label, sizeof w->label, "all time");
		return;
	}
	w->days = w->hours ? n / 24 : n;
	w->since = o->now - w->days * 86400;
	snprintf(w->label, sizeof w->label, "last %g %s%s", n, w->hours ? "hour" : "day", n == 1 ? "" : "s");
}

jv rwin_days(const struct rwin *w)
{
	return w->days < 0 ? jv_null() : jv_number(w->days);
}

jv rwin_hours(const struct rwin *w)
{
	return w->days < 0 ? jv_null() : jv_number(w->days * 24);
}
