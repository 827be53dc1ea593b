/* report_impl.h — what lib/report_*.c share: streaming files, a fast JSON field extractor,
 * time parsing, string-keyed aggregate maps, windows, and the view/chart builders.
 * Internal to the library (not installed, not a contract for tools). */
#ifndef ATTUNE_REPORT_IMPL_H
#define ATTUNE_REPORT_IMPL_H

#include <jv.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

#define RLINE_MAX (1024 * 1024) /* a longer line is malformed (SPEC 3.3: values are <= 1 MiB) */

/* --- streaming lines ---------------------------------------------------------------- */

struct rsrc {
	const struct attune_report_opts *o;
	long skipped;             /* malformed lines so far */
	double total, done;       /* bytes, for progress */
	double started, reported; /* monotonic seconds */
	char *buf;                /* RLINE_MAX + 1 bytes */
};

void rsrc_init(struct rsrc *s, const struct attune_report_opts *o);
void rsrc_free(struct rsrc *s);
/* Add the sizes of the files to the progress total (missing files count 0). */
void rsrc_plan(struct rsrc *s, char *const *paths, size_t n);
/* Call fn(ctx, line, len) for every non-blank line of path (without its newline; the text is
 * writable and valid during the call only). A missing file is no data (0). An overlong line
 * is skipped and counted. Returns 0, fn's non-zero value, or -1 with err naming the file. */
int rsrc_lines(struct rsrc *s, const char *path, int (*fn)(void *ctx, char *line, size_t len), void *ctx,
               char *err, size_t errlen);
/* Every record of a TelemetryStore file: a JSON object whose tsfield is a valid time >= since
 * is passed to fn (rec borrowed, t its time); other lines are counted as malformed, records
 * before since are ignored. Same returns as rsrc_lines. */
int rsrc_records(struct rsrc *s, const char *path, const char *tsfield, double since,
                 int (*fn)(void *ctx, jv rec, double t), void *ctx, char *err, size_t errlen);

/* The usage logs in home/telemetry: rotated usage.*.jsonl by name, then usage.jsonl.
 * Returns a NULL-terminated malloc'd array of malloc'd paths (free with paths_free). */
char **usage_paths(const char *home, size_t *n);
/* dir/name, malloc'd. */
char *path_join(const char *dir, const char *name);
void paths_free(char **p);

/* --- the fast field extractor ---------------------------------------------------------- */

struct jkey {
	const char *name;
	size_t len;
};
#define JKEY(s) {s, sizeof s - 1}

/* kind: 0 absent, '"' string (v after the quote, len without quotes, esc if it has escapes),
 * 'n' number, 't' true, 'f' false, 'z' null, '{' object and '[' array (v at the bracket, len
 * through the closing one). */
struct jval {
	const char *v;
	size_t len;
	char kind, esc;
};

/* Check that s[0..n) is exactly one JSON object (whitespace around allowed) and fill vals[i]
 * with its member named keys[i] (the last one if repeated). 0, or -1 if it is not. */
int jscan(const char *s, size_t n, const struct jkey *keys, struct jval *vals, int nk);
/* Members of a nested object value (already checked by jscan); absent if v is no object. */
void jscan_sub(const struct jval *v, const struct jkey *keys, struct jval *vals, int nk);
double jv_num_of(const struct jval *v, double def); /* a number, else def */
int jv_bool_of(const struct jval *v, int def);      /* true/false, else def */
/* A string's text, unescaped in place (the line is writable): 1 with *s, *n set, else 0. */
int jv_str_of(struct jval *v, const char **s, size_t *n);

/* --- time -------------------------------------------------------------------------------- */

/* ISO-8601 (SPEC 3.3: offset, Z or naive = UTC) of n bytes to epoch seconds; -1 if not a time. */
int rtime_parse(const char *s, size_t n, double *t);
/* Days since 1970-01-01 of epoch seconds t, and the "YYYY-MM-DD" of such a day (buf >= 11). */
long rtime_day(double t);
void rtime_day_text(long day, char *buf);
/* "YYYY-MM-DD HH:MM:SS" of t in UTC (buf >= 20). */
void rtime_text(double t, char *buf);

/* --- aggregate maps: string key -> nv doubles (zeroed on creation), insertion order ----- */

struct smap_ent {
	char *key;
	size_t klen;
	uint64_t hash;
	double *v;
};

struct smap {
	size_t nv, n, cap, icap;
	struct smap_ent *ent;
	uint32_t *idx; /* open addressing over ent, 0 = empty, else index + 1 */
};

void smap_init(struct smap *m, size_t nv);
double *smap_get(struct smap *m, const char *key, size_t klen);
double *smap_find(const struct smap *m, const char *key, size_t klen); /* NULL if absent */
const char *smap_key(const struct smap *m, const double *v);          /* the key of a value */
void smap_free(struct smap *m);
/* The indexes of m's entries sorted by cmp, ties in insertion order (malloc'd). */
size_t *smap_order(const struct smap *m, int (*cmp)(const struct smap_ent *a, const struct smap_ent *b));
int smap_by_key(const struct smap_ent *a, const struct smap_ent *b);        /* bytes of the key */
int smap_by_first_desc(const struct smap_ent *a, const struct smap_ent *b); /* v[0], largest first */

/* --- windows ---------------------------------------------------------------------------- */

struct rwin {
	double since;     /* records older than this are ignored; -INFINITY: none */
	double days;      /* the window in days, -1 for none */
	int hours;        /* the window is counted in hours (the report's unit or --hours) */
	char label[64];   /* "last 30 days", "last 24 hours", "all time" */
};

/* def_days / def_hours: the report's default (at most one > 0; neither: all time). */
void rwin_init(struct rwin *w, const struct attune_report_opts *o, double def_days, double def_hours);
/* The window as a JSON number in days or hours (as the report counts), or null. */
jv rwin_days(const struct rwin *w);
jv rwin_hours(const struct rwin *w);

/* --- numbers -------------------------------------------------------------------------- */

/* x rounded to dp decimals as Python's round() (half-even on the exact value), never -0. */
double rround(double x, int dp);
double rdiv(double a, double b); /* a / b, 0 when b is 0 */

/* Texts for people: 1,234 — $1,234.56 — 12.3% — 1,234.5 */
jv t_int(double n);
jv t_money(double x, int dp);
jv t_pct(double x, int dp);
jv t_money_pct(double money, double pct); /* "$7.78 (63.0%)" */
jv t_num(double x, int dp);
jv t_cut(const char *s, size_t n, size_t max); /* at most max code points of s[0..n), "-" if empty */
jv tcat(jv a, const char *sep, jv b); /* "a" sep "b" (strings, consumed) */

/* --- views and charts ------------------------------------------------------------------- */

jv view_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
jv view_empty(jv view, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
jv view_note(jv view, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A section of "label: value" lines (facts: array of [label, text]). heading may be NULL. */
jv view_facts(jv view, const char *heading, jv facts);
jv fact(jv facts, const char *label, jv text);
/* A table: columns, align ("l"/"r" per column), rows of texts. */
jv view_table(jv view, const char *heading, jv columns, const char *align, jv rows);
jv strs(const char *first, ...); /* a jv array of the strings up to NULL */

/* Pieces of the output writers: a CSV cell (v consumed), a padded text cell. */
void out_csv_cell(FILE *f, jv v);
void out_pad(FILE *f, const char *s, size_t w, int right);

jv chart_new(const char *title, const char *kind, const char *unit);
jv chart_point(jv chart, jv label, double value);

/* Copy key/len to a jv string ("unknown" when len is 0 and key NULL). */
jv jstr(const char *s, size_t n);
jv report_get(jv o, const char *key); /* jv_object_get without consuming o */

#endif
