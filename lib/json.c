/* json.c — JSON through libjq's jv: parsing with positions, printing, jq filters. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jq.h>

#include "cli.h"
#include "json.h"

/* An error message of jq's parser names line and column ("… at line 1, column 6"). */
static void parser_error(jv v, char *err, size_t errlen)
{
	jv msg = jv_invalid_get_msg(v);

	snprintf(err, errlen, "invalid JSON: %s",
	         jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "parse error");
	jv_free(msg);
}

static void too_large(char *err, size_t errlen)
{
	snprintf(err, errlen, "JSON value larger than 1 MiB");
}

int attune_json_parse(const char *text, size_t len, jv *out, char *err, size_t errlen)
{
	jv_parser *p;
	jv v, extra;

	if (len > ATTUNE_MAX_VALUE) {
		too_large(err, errlen);
		return -1;
	}
	p = jv_parser_new(0);
	jv_parser_set_buf(p, text, (int)len, 0);
	v = jv_parser_next(p);
	if (!jv_is_valid(v)) {
		if (jv_invalid_has_msg(jv_copy(v)))
			parser_error(v, err, errlen);
		else
			snprintf(err, errlen, "invalid JSON: no value");
		jv_parser_free(p);
		return -1;
	}
	extra = jv_parser_next(p);
	jv_parser_free(p);
	if (jv_is_valid(extra) || jv_invalid_has_msg(jv_copy(extra))) {
		if (jv_is_valid(extra))
			snprintf(err, errlen, "invalid JSON: more than one value");
		else
			parser_error(jv_copy(extra), err, errlen);
		jv_free(extra);
		jv_free(v);
		return -1;
	}
	jv_free(extra);
	*out = v;
	return 0;
}

/* A parser for the common case of stored values: strict JSON in printable ASCII, with only the
 * short escapes. jq 1.6's parser costs about 170 instructions a byte; this one a tenth of that.
 * Anything else (\u escapes, other bytes, non-strict numbers, deep nesting, errors) sets bad, and
 * the caller hands the text to jq: so every value returned is the one jq would build. */
struct fastp {
	const char *p, *end;
	int depth, bad;
};

static void fp_space(struct fastp *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' || *f->p == '\t' || *f->p == '\r'))
		f->p++;
}

static jv fp_fail(struct fastp *f)
{
	f->bad = 1;
	return jv_invalid();
}

static jv fp_string(struct fastp *f)
{
	const char *start = ++f->p, *q;
	int escapes = 0;

	for (q = start; q < f->end && *q != '"'; q++) {
		if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7f)
			return fp_fail(f);
		if (*q == '\\') {
			if (++q == f->end || !*q || !strchr("\"\\/bfnrt", *q))
				return fp_fail(f);
			escapes = 1;
		}
	}
	if (q == f->end)
		return fp_fail(f);
	f->p = q + 1;
	if (!escapes)
		return jv_string_sized(start, (int)(q - start));
	char *buf = malloc((size_t)(q - start)), *b = buf;
	for (const char *c = start; c < q; c++) {
		if (*c != '\\') {
			*b++ = *c;
			continue;
		}
		switch (*++c) {
		case 'b': *b++ = '\b'; break;
		case 'f': *b++ = '\f'; break;
		case 'n': *b++ = '\n'; break;
		case 'r': *b++ = '\r'; break;
		case 't': *b++ = '\t'; break;
		default: *b++ = *c; /* " \ / */
		}
	}
	jv v = jv_string_sized(buf, (int)(b - buf));
	free(buf);
	return v;
}

static jv fp_number(struct fastp *f)
{
	const char *s = f->p;
	char num[64];
	double d;

	if (f->p < f->end && *f->p == '-')
		f->p++;
	if (f->p < f->end && *f->p == '0')
		f->p++;
	else if (f->p < f->end && *f->p >= '1' && *f->p <= '9')
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
			f->p++;
	else
		return fp_fail(f);
	if (f->p < f->end && *f->p == '.') {
		if (++f->p == f->end || *f->p < '0' || *f->p > '9')
			return fp_fail(f);
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
			f->p++;
	}
	if (f->p < f->end && (*f->p == 'e' || *f->p == 'E')) {
		if (++f->p < f->end && (*f->p == '+' || *f->p == '-'))
			f->p++;
		if (f->p == f->end || *f->p < '0' || *f->p > '9')
			return fp_fail(f);
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
			f->p++;
	}
	if (f->p - s >= (long)sizeof num)
		return fp_fail(f);
	memcpy(num, s, (size_t)(f->p - s));
	num[f->p - s] = 0;
	errno = 0;
	d = strtod(num, NULL);
	return errno ? fp_fail(f) : jv_number(d);
}

static jv fp_value(struct fastp *f);

static jv fp_container(struct fastp *f, char close)
{
	jv c = close == '}' ? jv_object() : jv_array();

	if (++f->depth > 64) {
		jv_free(c);
		return fp_fail(f);
	}
	f->p++;
	fp_space(f);
	if (f->p < f->end && *f->p == close) {
		f->p++;
		f->depth--;
		return c;
	}
	while (!f->bad) {
		jv k = jv_invalid(), v;
		if (close == '}') {
			fp_space(f);
			if (f->p == f->end || *f->p != '"')
				break;
			k = fp_string(f);
			fp_space(f);
			if (f->bad || f->p == f->end || *f->p++ != ':') {
				jv_free(k);
				break;
			}
		}
		v = fp_value(f);
		if (f->bad) {
			jv_free(k);
			jv_free(v);
			break;
		}
		c = close == '}' ? jv_object_set(c, k, v) : jv_array_append(c, v);
		fp_space(f);
		if (f->p < f->end && *f->p == ',') {
			f->p++;
			continue;
		}
		if (f->p < f->end && *f->p == close) {
			f->p++;
			f->depth--;
			return c;
		}
		break;
	}
	jv_free(c);
	return fp_fail(f);
}

static jv fp_value(struct fastp *f)
{
	static const struct { const char *word; size_t len; } lits[] = {{"true", 4}, {"false", 5}, {"null", 4}};

	fp_space(f);
	if (f->p == f->end)
		return fp_fail(f);
	switch (*f->p) {
	case '{': return fp_container(f, '}');
	case '[': return fp_container(f, ']');
	case '"': return fp_string(f);
	case 't': case 'f': case 'n':
		for (int i = 0; i < 3; i++)
			if ((size_t)(f->end - f->p) >= lits[i].len && !memcmp(f->p, lits[i].word, lits[i].len)) {
				f->p += lits[i].len;
				return i == 0 ? jv_true() : i == 1 ? jv_false() : jv_null();
			}
		return fp_fail(f);
	default: return fp_number(f);
	}
}

jv attune_json_value(const char *text, size_t len)
{
	struct fastp f = {text, text + len, 0, 0};
	jv v = fp_value(&f);

	fp_space(&f);
	if (!f.bad && f.p == f.end)
		return v;
	jv_free(v);
	return jv_parse_sized(text, (int)len);
}

int attune_json_read_fd(int fd, jv *out, char *err, size_t errlen)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int rc;

	for (;;) {
		if (len == cap) {
			if (cap > ATTUNE_MAX_VALUE) {
				free(buf);
				too_large(err, errlen);
				return -1;
			}
			cap *= 2;
			buf = realloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR && !attune_interrupted)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read input: %s", strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = attune_json_parse(buf, len, out, err, errlen);
	free(buf);
	return rc;
}

int attune_json_arg(const char *arg, jv *out, char *err, size_t errlen)
{
	if (!strcmp(arg, "-"))
		return attune_json_read_fd(0, out, err, errlen);
	return attune_json_parse(arg, strlen(arg), out, err, errlen);
}

/* A reader starts in fast mode: plain values are parsed straight from buf with the reader of
 * attune_json_value. At the first thing that parser does not take (or a value it cannot see
 * whole without waiting), jq's parser takes over for the rest of the input, first fed
 * whitespace of the same shape as what was read (newlines, then columns), so that its
 * "line L, column C" in messages count from the start of the input. */
struct attune_jreader {
	int fd;
	jv_parser *p;
	int slow;           /* jq's parser reads, from now on */
	size_t pos, len;    /* fast mode: buf[pos, len) is read but not parsed */
	size_t line, col;   /* fast mode: lines and columns read before buf[pos] */
	int fed, eof, failed;
	size_t buflen;      /* bytes of buf given to the parser last */
	size_t fed_total;   /* bytes given to the parser */
	size_t value_start; /* bytes consumed before the current value */
	size_t stalled_at;  /* where the parser last stopped without a value */
	char buf[65536];
};

struct attune_jreader *attune_jreader_new(int fd)
{
	struct attune_jreader *r = calloc(1, sizeof *r);

	r->fd = fd;
	r->p = jv_parser_new(0);
	return r;
}

static int is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Count buf[pos, to) as read; fast mode. */
static void advance(struct attune_jreader *r, size_t to)
{
	for (; r->pos < to; r->pos++)
		if (r->buf[r->pos] == '\n')
			r->line++, r->col = 0;
		else
			r->col++;
}

/* Read into buf after what is there; 0 at the end of input, -1 with err. */
static ssize_t fill(struct attune_jreader *r, size_t at, char *err, size_t errlen)
{
	ssize_t n;

	while ((n = read(r->fd, r->buf + at, sizeof r->buf - at)) < 0 && errno == EINTR && !attune_interrupted)
		;
	if (n < 0) {
		snprintf(err, errlen, "cannot read input: %s", attune_interrupted ? "interrupted" : strerror(errno));
		r->failed = 1;
	}
	r->eof = n == 0;
	return n;
}

/* Hand over to jq's parser: the shape of what was read, then what is left in buf. */
static void go_slow(struct attune_jreader *r)
{
	char ws[4096];
	size_t rest = r->len - r->pos;

	r->slow = 1;
	for (int nl = 1; nl >= 0; nl--) {
		memset(ws, nl ? '\n' : ' ', sizeof ws);
		for (size_t left = nl ? r->line : r->col; left > 0;) {
			size_t n = left < sizeof ws ? left : sizeof ws;
			jv_parser_set_buf(r->p, ws, (int)n, 1);
			jv_free(jv_parser_next(r->p)); /* whitespace: no value, no error */
			r->fed_total += n;
			left -= n;
		}
	}
	r->value_start = r->fed_total;
	memmove(r->buf, r->buf + r->pos, rest);
	jv_parser_set_buf(r->p, r->buf, (int)rest, !r->eof);
	r->buflen = rest;
	r->fed_total += rest;
	r->stalled_at = (size_t)-1;
	r->fed = 1;
}

/* Fast mode: 1 with a value, 0 at the end of input, -1 on a read error, 2 for jq to go on. */
static int fast_next(struct attune_jreader *r, jv *out, char *err, size_t errlen)
{
	for (;;) {
		size_t s = r->pos;
		while (s < r->len && is_space(r->buf[s]))
			s++;
		advance(r, s);
		if (s < r->len) {
			struct fastp f = {r->buf + s, r->buf + r->len, 0, 0};
			jv v = fp_value(&f);
			/* a number or literal is whole once whitespace (or the end of input) follows */
			if (!f.bad && (strchr("{[\"", r->buf[s]) || (f.p < f.end ? is_space(*f.p) : r->eof))) {
				advance(r, (size_t)(f.p - r->buf));
				*out = v;
				return 1;
			}
			jv_free(v);
			/* more of it may be waiting: read on without blocking, else jq decides */
			struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
			if (r->eof || r->len - s == sizeof r->buf || poll(&pfd, 1, 0) <= 0)
				return 2;
			memmove(r->buf, r->buf + s, r->len - s);
			r->len -= s;
			r->pos = 0;
		} else if (r->eof) {
			return 0;
		} else {
			r->pos = r->len = 0;
		}
		ssize_t n = fill(r, r->len, err, errlen);
		if (n < 0)
			return -1;
		r->len += (size_t)n;
	}
}

int attune_jreader_next(struct attune_jreader *r, jv *out, char *err, size_t errlen)
{
	if (r->failed) {
		snprintf(err, errlen, "input already failed");
		return -1;
	}
	if (!r->slow) {
		int rc = fast_next(r, out, err, errlen);
		if (rc != 2)
			return rc;
		go_slow(r);
	}
	for (;;) {
		if (r->fed) {
			jv v = jv_parser_next(r->p);
			size_t consumed = r->fed_total - (size_t)jv_parser_remaining(r->p);
			if (jv_is_valid(v)) {
				size_t size = consumed - r->value_start;
				r->value_start = consumed;
				if (size > ATTUNE_MAX_VALUE + 2) {
					jv_free(v);
					r->failed = 1;
					too_large(err, errlen);
					return -1;
				}
				*out = v;
				return 1;
			}
			if (jv_invalid_has_msg(jv_copy(v))) {
				parser_error(v, err, errlen);
				r->failed = 1;
				return -1;
			}
			jv_free(v);
			if (jv_parser_remaining(r->p) > 0) {
				/* jq 1.6 can stop inside a buffer without a value or a message (e.g. at an
				 * ASCII RS byte): go on with the rest, or fail if it made no progress. */
				if (consumed == r->stalled_at) {
					snprintf(err, errlen, "invalid JSON: unexpected byte at offset %zu", consumed);
					r->failed = 1;
					return -1;
				}
				r->stalled_at = consumed;
				continue;
			}
			if (r->eof)
				return 0;
			if (r->fed_total - r->value_start > ATTUNE_MAX_VALUE + sizeof r->buf) {
				r->failed = 1;
				too_large(err, errlen);
				return -1;
			}
		}
		ssize_t n = fill(r, 0, err, errlen);
		if (n < 0)
			return -1;
		jv_parser_set_buf(r->p, r->buf, (int)n, n != 0);
		r->buflen = (size_t)n;
		r->fed_total += (size_t)n;
		r->stalled_at = (size_t)-1;
		r->fed = 1;
	}
}

int attune_jreader_ready(struct attune_jreader *r)
{
	struct pollfd pfd = {.fd = r->fd, .events = POLLIN};

	if (r->failed || r->eof)
		return 1;
	for (size_t i = r->pos; !r->slow && i < r->len; i++)
		if (!is_space(r->buf[i]))
			return 1;
	if (r->slow && r->fed)
		for (size_t i = r->buflen - (size_t)jv_parser_remaining(r->p); i < r->buflen; i++)
			if (r->buf[i] != ' ' && r->buf[i] != '\t' && r->buf[i] != '\r' && r->buf[i] != '\n')
				return 1;
	return poll(&pfd, 1, 0) > 0;
}

void attune_jreader_free(struct attune_jreader *r)
{
	if (!r)
		return;
	jv_parser_free(r->p);
	free(r);
}

/* Compact output, byte for byte what jq 1.6's jv_dump_string(v, 0) gives, written in runs:
 * jq's own dumper appends one character at a time, which dominated the cost of a busy consumer. */
struct obuf {
	char *p;
	size_t n, cap;
};

static void ob_grow(struct obuf *b, size_t n)
{
	while (b->n + n + 1 > b->cap)
		b->cap = b->cap ? 2 * b->cap : 4096;
	b->p = realloc(b->p, b->cap);
}

static inline void ob_put(struct obuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap)
		ob_grow(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

/* Bytes jq writes escaped: control characters, '"', '\\' and DEL. */
static const unsigned char needs_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1, [0x7f] = 1,
};

static void ob_string(struct obuf *b, const char *s, size_t n)
{
	size_t run = 0;
	char esc[8];

	ob_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!needs_escape[c])
			continue;
		ob_put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': ob_put(b, "\\\"", 2); break;
		case '\\': ob_put(b, "\\\\", 2); break;
		case '\b': ob_put(b, "\\b", 2); break;
		case '\t': ob_put(b, "\\t", 2); break;
		case '\r': ob_put(b, "\\r", 2); break;
		case '\n': ob_put(b, "\\n", 2); break;
		case '\f': ob_put(b, "\\f", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", c);
			ob_put(b, esc, 6);
		}
	}
	ob_put(b, s + run, n - run);
	ob_put(b, "\"", 1);
}

/* A number as jq 1.6 prints it (the shortest form that reads back as d) in the common cases:
 * an integer below 1e16 in full, or one between 0.001 and 1e9 with at most 6 decimals, then
 * with the fewest that read back exactly (m / 10^k rounds as strtod does; there is only one
 * such form at that size). -1: leave it to jq, whose dtoa costs 4,000 instructions a number. */
static int ob_number(struct obuf *b, double d)
{
	static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
	double a = fabs(d);
	char buf[32], *p = buf + sizeof buf;
	long long m = 0;
	int k = 0, i = 0;

	if (a < 1e16 && a == floor(a))
		m = (long long)a;
	else if (a >= 1e-3 && a < 1e9)
		for (k = 1; k <= 6 && (double)(m = llround(a * p10[k])) / p10[k] != a; k++)
			;
	else
		return -1;
	if (k > 6)
		return -1;
	do {
		*--p = (char)('0' + m % 10);
		m /= 10;
		if (++i == k)
			*--p = '.';
	} while (m || i <= k);
	if (signbit(d))
		*--p = '-';
	ob_put(b, p, (size_t)(buf + sizeof buf - p));
	return 0;
}

static void ob_value(struct obuf *b, jv v, int depth)
{
	int first = 1;

	if (depth > 256) { /* jq 1.6 prints no deeper */
		ob_put(b, "<stripped: exceeds max depth>", 29);
		jv_free(v);
		return;
	}
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL: ob_put(b, "null", 4); break;
	case JV_KIND_TRUE: ob_put(b, "true", 4); break;
	case JV_KIND_FALSE: ob_put(b, "false", 5); break;
	case JV_KIND_STRING:
		ob_string(b, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
		break;
	case JV_KIND_NUMBER:
		if (ob_number(b, jv_number_value(v)) < 0) {
			jv t = jv_dump_string(jv_copy(v), 0);
			ob_put(b, jv_string_value(t), (size_t)jv_string_length_bytes(jv_copy(t)));
			jv_free(t);
		}
		break;
	case JV_KIND_ARRAY:
		ob_put(b, "[", 1);
		jv_array_foreach(v, i, e) {
			if (i)
				ob_put(b, ",", 1);
			ob_value(b, e, depth + 1);
		}
		ob_put(b, "]", 1);
		break;
	case JV_KIND_OBJECT:
		ob_put(b, "{", 1);
		for (int i = jv_object_iter(v); jv_object_iter_valid(v, i); i = jv_object_iter_next(v, i)) {
			jv k = jv_object_iter_key(v, i);
			if (!first)
				ob_put(b, ",", 1);
			first = 0;
			ob_string(b, jv_string_value(k), (size_t)jv_string_length_bytes(jv_copy(k)));
			jv_free(k);
			ob_put(b, ":", 1);
			ob_value(b, jv_object_iter_value(v, i), depth + 1);
		}
		ob_put(b, "}", 1);
		break;
	default: { /* invalid: as jq prints it */
		jv t = jv_dump_string(jv_copy(v), 0);
		ob_put(b, jv_string_value(t), (size_t)jv_string_length_bytes(jv_copy(t)));
		jv_free(t);
	}
	}
	jv_free(v);
}

char *attune_json_dump(jv v, size_t *len)
{
	struct obuf b = {0};

	ob_value(&b, v, 0);
	ob_put(&b, "", 0);
	b.p[b.n] = 0;
	if (len)
		*len = b.n;
	return b.p;
}

int attune_json_print(jv v, int pretty)
{
	static struct obuf b; /* reused: printing allocates nothing per value */
	int rc;

	/* attune_stdout_write: in pieces that SIGINT/SIGTERM can stop on a full pipe */
	if (pretty) {
		jv s = jv_dump_string(v, JV_PRINT_INDENT_FLAGS(2));
		rc = attune_stdout_write(jv_string_value(s), (size_t)jv_string_length_bytes(jv_copy(s)));
		jv_free(s);
	} else {
		b.n = 0;
		ob_value(&b, v, 0);
		rc = attune_stdout_write(b.p, b.n);
	}
	return rc < 0 ? -1 : attune_stdout_write("\n", 1);
}

int attune_json_print_row(const char *const *keys, jv row, int pretty)
{
	static struct obuf b;
	int n = jv_array_length(jv_copy(row));

	if (pretty) {
		jv o = jv_object();
		for (int i = 0; i < n; i++)
			o = jv_object_set(o, jv_string(keys[i]), jv_array_get(jv_copy(row), i));
		jv_free(row);
		return attune_json_print(o, pretty);
	}
	b.n = 0;
	ob_put(&b, "{", 1);
	for (int i = 0; i < n; i++) {
		if (i)
			ob_put(&b, ",", 1);
		ob_string(&b, keys[i], strlen(keys[i]));
		ob_put(&b, ":", 1);
		ob_value(&b, jv_array_get(jv_copy(row), i), 0);
	}
	ob_put(&b, "}\n", 2);
	jv_free(row);
	return attune_stdout_write(b.p, b.n);
}

struct attune_filter {
	jq_state *jq;
	char *err;
	size_t errlen;
};

static void filter_msg(void *data, jv msg)
{
	struct attune_filter *f = data;

	if (f->err && jv_get_kind(msg) == JV_KIND_STRING && !*f->err)
		snprintf(f->err, f->errlen, "%s", jv_string_value(msg));
	else if (f->err && jv_get_kind(msg) == JV_KIND_INVALID && !*f->err) {
		jv m = jv_invalid_get_msg(jv_copy(msg));
		if (jv_get_kind(m) == JV_KIND_STRING)
			snprintf(f->err, f->errlen, "%s", jv_string_value(m));
		jv_free(m);
	}
	jv_free(msg);
}

struct attune_filter *attune_filter_new(const char *program, char *err, size_t errlen)
{
	struct attune_filter *f = calloc(1, sizeof *f);

	f->jq = jq_init();
	f->err = err;
	f->errlen = errlen;
	*err = 0;
	jq_set_error_cb(f->jq, filter_msg, f);
	if (!f->jq || !jq_compile(f->jq, program)) {
		if (!*err)
			snprintf(err, errlen, "jq program does not compile");
		attune_filter_free(f);
		return NULL;
	}
	f->err = NULL;
	return f;
}

jv attune_filter_run(struct attune_filter *f, jv in)
{
	jv out = jv_array(), v;

	jq_start(f->jq, in, 0);
	while (jv_is_valid(v = jq_next(f->jq)))
		out = jv_array_append(out, v);
	if (jv_invalid_has_msg(jv_copy(v))) {
		jv msg = jv_invalid_get_msg(v);
		jv_free(out);
		if (jv_get_kind(msg) != JV_KIND_STRING)
			msg = jv_dump_string(msg, 0);
		return jv_invalid_with_msg(msg);
	}
	jv_free(v);
	return out;
}

void attune_filter_free(struct attune_filter *f)
{
	if (!f)
		return;
	if (f->jq)
		jq_teardown(&f->jq);
	free(f);
}

const char *attune_json_str(jv o, const char *key)
{
	const char *s = NULL;
	jv v;

	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return NULL;
	v = jv_object_get(jv_copy(o), jv_string(key));
	if (jv_get_kind(v) == JV_KIND_STRING)
		s = jv_string_value(v);
	jv_free(v);
	return s;
}

double attune_json_num(jv o, const char *key, double def)
{
	double x = def;
	jv v;

	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return def;
	v = jv_object_get(jv_copy(o), jv_string(key));
	if (jv_get_kind(v) == JV_KIND_NUMBER)
		x = jv_number_value(v);
	jv_free(v);
	return x;
}
