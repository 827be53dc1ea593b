/* helplog.c — attune-ai's help-query log (HelpTracker): append and summarise, no store. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "feedback.h"
#include "json.h"

#define QUERIES_FILE "help_queries.jsonl"
#define UNMATCHED_FILE "help_unmatched.jsonl"

/* $ATTUNE_HOME/telemetry, or ~/.attune/telemetry */
static void logdir(char *buf, size_t len)
{
	const char *home = getenv("ATTUNE_HOME"), *h = getenv("HOME");

	if (home && *home)
		snprintf(buf, len, "%s/telemetry", home);
	else
		snprintf(buf, len, "%s/.attune/telemetry", h && *h ? h : ".");
}

static int errno_status(int e)
{
	return e == EACCES || e == EPERM || e == EROFS ? EXIT_NOPERM : EXIT_UNAVAILABLE;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return errno_status(errno);
		}
		if (!(*p = c))
			return 0;
	}
}

/* One line, one write(): O_APPEND makes concurrent appends land whole. Consumes rec. */
static int append_line(const char *path, jv rec, char *err, size_t errlen)
{
	size_t n;
	char *line = attune_json_dump(rec, &n);
	ssize_t w;
	int fd, rc = 0;

	line = realloc(line, n + 2);
	line[n++] = '\n';
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		free(line);
		return errno_status(errno);
	}
	do
		w = write(fd, line, n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n) {
		snprintf(err, errlen, "cannot write %s: %s", path, w < 0 ? strerror(errno) : "short write");
		rc = w < 0 ? errno_status(errno) : EXIT_UNAVAILABLE;
	}
	if (close(fd) < 0 && rc == 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		rc = errno_status(errno);
	}
	free(line);
	return rc;
}

int attune_feedback_query(struct attune_helpquery *q, jv *out, char *err, size_t errlen)
{
	const char *on = getenv("ATTUNE_HELP_TELEMETRY");
	char dir[4096], path[4200], ts[40];
	int rc;

	if (on && !strcmp(on, "0")) {
		jv_free(q->meta);
		*out = jv_null();
		return 0;
	}
	attune_iso_time(attune_now(), ts, sizeof ts);
	jv r = jv_object();
	r = jv_object_set(r, jv_string("v"), jv_string("1.0"));
	r = jv_object_set(r, jv_string("ts"), jv_string(ts));
	r = jv_object_set(r, jv_string("source"), jv_string(q->source));
	r = jv_object_set(r, jv_string("mode"), jv_string(q->mode));
	r = jv_object_set(r, jv_string("topic"), jv_string(q->topic));
	r = jv_object_set(r, jv_string("success"), jv_true());
	r = jv_object_set(r, jv_string("found"), jv_bool(q->found));
	if (q->duration_ms >= 0) {
		char ms[64]; /* rounded as Python's round(x, 2): the decimal nearest the exact binary value */
		snprintf(ms, sizeof ms, "%.2f", q->duration_ms);
		r = jv_object_set(r, jv_string("duration_ms"), jv_number(strtod(ms, NULL)));
	}
	if (jv_get_kind(q->meta) == JV_KIND_OBJECT && jv_object_length(jv_copy(q->meta)) > 0)
		r = jv_object_set(r, jv_string("metadata"), q->meta);
	else
		jv_free(q->meta);

	logdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/" QUERIES_FILE, dir);
	rc = make_dirs(dir, err, errlen);
	if (rc == 0)
		rc = append_line(path, jv_copy(r), err, errlen);
	if (rc == 0 && !q->found) {
		jv u = jv_object();
		u = jv_object_set(u, jv_string("v"), jv_string("1.0"));
		u = jv_object_set(u, jv_string("ts"), jv_string(ts));
		u = jv_object_set(u, jv_string("source"), jv_string(q->source));
		u = jv_object_set(u, jv_string("mode"), jv_string(q->mode));
		u = jv_object_set(u, jv_string("query"), jv_string(q->topic));
		snprintf(path, sizeof path, "%s/" UNMATCHED_FILE, dir);
		rc = append_line(path, u, err, errlen);
	}
	if (rc == 0)
		*out = r;
	else
		jv_free(r);
	return rc;
}

/* Counting while reading: counts is an object name -> number. */
struct tally {
	double cutoff; /* epoch seconds, or 0 for everything */
	long total, found, skipped;
	jv counts;
};

/* Count one line of a log, unless blank or out of the window; a malformed one is skipped.
 * field: "topic" (the queries log) or "query" (the unmatched log). */
static void tally_line(struct tally *t, const char *line, size_t len, const char *field)
{
	jv v, found;
	const char *name;
	double ts = 0;

	if (strspn(line, " \t\r\n") == len)
		return;
	v = attune_json_value(line, len);
	if (jv_get_kind(v) != JV_KIND_OBJECT || !(name = attune_json_str(v, field)))
		goto bad;
	found = jv_object_get(jv_copy(v), jv_string("found"));
	if (!strcmp(field, "topic") && jv_get_kind(found) != JV_KIND_TRUE && jv_get_kind(found) != JV_KIND_FALSE) {
		jv_free(found);
		goto bad;
	}
	if (t->cutoff > 0 && attune_parse_time(attune_json_str(v, "ts"), &ts) < 0) {
		jv_free(found);
		goto bad;
	}
	if (t->cutoff <= 0 || ts >= t->cutoff) {
		t->total++;
		t->found += jv_get_kind(found) == JV_KIND_TRUE;
		jv old = jv_object_get(jv_copy(t->counts), jv_string(name));
		double n = jv_get_kind(old) == JV_KIND_NUMBER ? jv_number_value(old) : 0;
		jv_free(old);
		t->counts = jv_object_set(t->counts, jv_string(name), jv_number(n + 1));
	}
	jv_free(found);
	jv_free(v);
	return;
bad:
	jv_free(v);
	t->skipped++;
}

static int tally_file(struct tally *t, const char *path, const char *field, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return errno_status(errno);
	}
	while ((n = getline(&line, &cap, f)) > 0)
		tally_line(t, line, (size_t)n, field);
	free(line);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		fclose(f);
		return EXIT_UNAVAILABLE;
	}
	fclose(f);
	return 0;
}

struct ranked {
	jv name;
	double count;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(jv_string_value(a->name), jv_string_value(b->name));
}

/* The top names of counts (consumed) as [{field: name, "count": n}], most first. */
static jv top_of(jv counts, const char *field, long top)
{
	int n = jv_object_length(jv_copy(counts)), i = 0;
	struct ranked *r = calloc((size_t)n + 1, sizeof *r);
	jv out = jv_array();

	jv_object_foreach(counts, k, v) {
		r[i].name = k;
		r[i++].count = jv_number_value(v);
		jv_free(v);
	}
	qsort(r, (size_t)n, sizeof *r, cmp_ranked);
	for (i = 0; i < n; i++) {
		if (i < top) {
			jv e = jv_object_set(jv_object(), jv_string(field), jv_copy(r[i].name));
			out = jv_array_append(out, jv_object_set(e, jv_string("count"), jv_number(r[i].count)));
		}
		jv_free(r[i].name);
	}
	free(r);
	jv_free(counts);
	return out;
}

int attune_feedback_queries(double days, long top, jv *out, long *skipped, char *err, size_t errlen)
{
	char dir[4096], path[4200];
	double cutoff = days > 0 ? attune_now() - days * 86400 : 0;
	struct tally q = {.cutoff = cutoff, .counts = jv_object()};
	struct tally u = {.cutoff = cutoff, .counts = jv_object()};
	int rc;

	logdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/" QUERIES_FILE, dir);
	rc = tally_file(&q, path, "topic", err, errlen);
	snprintf(path, sizeof path, "%s/" UNMATCHED_FILE, dir);
	if (rc == 0)
		rc = tally_file(&u, path, "query", err, errlen);
	*skipped = q.skipped + u.skipped;
	if (rc != 0) {
		jv_free(q.counts);
		jv_free(u.counts);
		return rc;
	}
	jv r = jv_object();
	r = jv_object_set(r, jv_string("days"), days > 0 ? jv_number(days) : jv_null());
	r = jv_object_set(r, jv_string("total"), jv_number((double)q.total));
	r = jv_object_set(r, jv_string("found"), jv_number((double)q.found));
	r = jv_object_set(r, jv_string("not_found"), jv_number((double)(q.total - q.found)));
	r = jv_object_set(r, jv_string("hit_rate"), jv_number(q.total ? (double)q.found / (double)q.total : 0.0));
	r = jv_object_set(r, jv_string("unmatched"), jv_number((double)u.total));
	r = jv_object_set(r, jv_string("top_topics"), top_of(q.counts, "topic", top));
	*out = jv_object_set(r, jv_string("top_unmatched"), top_of(u.counts, "query", top));
	return 0;
}
