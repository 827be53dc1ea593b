/* feedback.c — template ratings and attune-ai's FeedbackLoop over the store. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "feedback.h"
#include "json.h"

#define TEMPLATE_PREFIX "attune:template:"
#define MIN_SAMPLES 10
#define QUALITY_THRESHOLD 0.7
#define EXCELLENT_QUALITY 0.9
#define DOWNGRADE_TARGET_QUALITY 0.85

static const char *const tiers[] = {"cheap", "capable", "premium"};
enum { NTIERS = 3 };

static int store_err(struct attune_store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", attune_store_error(st));
	return attune_store_status(st) ? attune_store_status(st) : EXIT_UNAVAILABLE;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

/* A growing list of malloc'd strings. */
struct strs {
	char **v;
	size_t n, cap;
};

static void strs_push(struct strs *s, const char *x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = strdup(x);
}

static void strs_free(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static int push_key(void *ctx, const char *key)
{
	strs_push(ctx, key);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates (a Redis SCAN may return a key twice). */
static void strs_uniq(struct strs *s)
{
	size_t j = 0;

	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, cmp_str);
	for (size_t i = 0; i < s->n; i++) {
		if (j && !strcmp(s->v[j - 1], s->v[i]))
			free(s->v[i]);
		else
			s->v[j++] = s->v[i];
	}
	s->n = j;
}

static int scan_keys(struct attune_store *st, const char *prefix, struct strs *keys, char *err, size_t errlen)
{
	if (attune_store_scan(st, prefix, push_key, keys) < 0)
		return store_err(st, err, errlen);
	strs_uniq(keys);
	return 0;
}

/* ---- template ratings ---- */

double attune_feedback_wilson(long long good, long long n)
{
	const double z = 1.96, z2 = z * z;
	double p, lb;

	if (n <= 0)
		return 0;
	p = (double)good / (double)n;
	lb = (p + z2 / (2.0 * n) - z * sqrt((p * (1 - p) + z2 / (4.0 * n)) / n)) / (1 + z2 / n);
	return lb < 0 ? 0 : lb; /* rounding may give -1e-17 at p = 0 */
}

jv attune_feedback_rating(const char *template_id, long long good, long long bad)
{
	long long n = good + bad;
	jv r = jv_object();

	r = jv_object_set(r, jv_string("template_id"), jv_string(template_id));
	r = jv_object_set(r, jv_string("good"), jv_number((double)good));
	r = jv_object_set(r, jv_string("bad"), jv_number((double)bad));
	r = jv_object_set(r, jv_string("confidence"), jv_number(n > 0 ? (double)good / (double)n : 1.0));
	r = jv_object_set(r, jv_string("lower_bound"), jv_number(attune_feedback_wilson(good, n)));
	return jv_object_set(r, jv_string("n"), jv_number((double)n));
}

struct counts {
	long long good, bad;
};

static int count_field(void *ctx, const char *field, const char *val, size_t len)
{
	struct counts *c = ctx;
	long long v = strtoll(val, NULL, 10);

	(void)len;
	if (!strcmp(field, "good"))
		c->good = v;
	else if (!strcmp(field, "bad"))
		c->bad = v;
	return 0;
}

static int read_counts(struct attune_store *st, const char *template_id, struct counts *c, char *err, size_t errlen)
{
	char *key = xasprintf(TEMPLATE_PREFIX "%s", template_id);
	int rc;

	c->good = c->bad = 0;
	rc = attune_store_hgetall(st, key, count_field, c);
	free(key);
	return rc < 0 ? store_err(st, err, errlen) : 0;
}

int attune_feedback_confidence(struct attune_store *st, const char *template_id, jv *out, char *err, size_t errlen)
{
	struct counts c;
	int rc = read_counts(st, template_id, &c, err, errlen);

	if (rc == 0)
		*out = attune_feedback_rating(template_id, c.good, c.bad);
	return rc;
}

int attune_feedback_rate(struct attune_store *st, const char *template_id, int good, jv *out, char *err, size_t errlen)
{
	char *key = xasprintf(TEMPLATE_PREFIX "%s", template_id);
	int rc = attune_store_hincr(st, key, good ? "good" : "bad", 1, NULL);

	free(key);
	if (rc < 0)
		return store_err(st, err, errlen);
	return attune_feedback_confidence(st, template_id, out, err, errlen);
}

/* Every template id (sorted, unique) and its counts. */
struct rated {
	char *id;
	struct counts c;
	double confidence, lower_bound;
};

static int read_all(struct attune_store *st, struct rated **out, size_t *n, char *err, size_t errlen)
{
	struct strs keys = {0};
	struct rated *r;
	int rc = scan_keys(st, TEMPLATE_PREFIX, &keys, err, errlen);

	r = calloc(keys.n ? keys.n : 1, sizeof *r);
	*n = 0;
	for (size_t i = 0; rc == 0 && i < keys.n; i++) {
		const char *id = keys.v[i] + strlen(TEMPLATE_PREFIX);
		if ((rc = read_counts(st, id, &r[*n].c, err, errlen)) != 0)
			break;
		long long total = r[*n].c.good + r[*n].c.bad;
		r[*n].id = strdup(id);
		r[*n].confidence = total > 0 ? (double)r[*n].c.good / (double)total : 1.0;
		r[*n].lower_bound = attune_feedback_wilson(r[*n].c.good, total);
		(*n)++;
	}
	strs_free(&keys);
	*out = r;
	return rc;
}

static void rated_free(struct rated *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].id);
	free(r);
}

static int cmp_num(double a, double b)
{
	return a > b ? -1 : a < b ? 1 : 0; /* descending */
}

static int cmp_rated(const void *pa, const void *pb, void *sort)
{
	const struct rated *a = pa, *b = pb;
	double na = (double)(a->c.good + a->c.bad), nb = (double)(b->c.good + b->c.bad);
	int c;

	if (!strcmp(sort, "confidence"))
		c = cmp_num(a->confidence, b->confidence);
	else if (!strcmp(sort, "n"))
		c = cmp_num(na, nb);
	else
		c = 0;
	if (!c)
		c = cmp_num(a->lower_bound, b->lower_bound);
	if (!c)
		c = cmp_num(na, nb);
	return c ? c : strcmp(a->id, b->id);
}

int attune_feedback_list(struct attune_store *st, const char *sort, jv *out, char *err, size_t errlen)
{
	struct rated *r;
	size_t n;
	int rc = read_all(st, &r, &n, err, errlen);

	if (rc == 0) {
		qsort_r(r, n, sizeof *r, cmp_rated, (void *)sort);
		*out = jv_array();
		for (size_t i = 0; i < n; i++)
			*out = jv_array_append(*out, attune_feedback_rating(r[i].id, r[i].c.good, r[i].c.bad));
	}
	rated_free(r, n);
	return rc;
}

int attune_feedback_export(struct attune_store *st, jv *out, char *err, size_t errlen)
{
	struct rated *r;
	size_t n;
	int rc = read_all(st, &r, &n, err, errlen);

	if (rc == 0) {
		*out = jv_object();
		for (size_t i = 0; i < n; i++) {
			jv e = jv_object_set(jv_object(), jv_string("good"), jv_number((double)r[i].c.good));
			e = jv_object_set(e, jv_string("bad"), jv_number((double)r[i].c.bad));
			*out = jv_object_set(*out, jv_string(r[i].id), e);
		}
	}
	rated_free(r, n);
	return rc;
}

/* A count in feedback.json: absent is 0 (as attune-ai); else a whole number >= 0. */
static int file_count(jv entry, const char *field, long long *n)
{
	jv v = jv_object_get(jv_copy(entry), jv_string(field));
	int ok = 1;

	*n = 0;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		double x = jv_number_value(v);
		ok = x >= 0 && x <= 9007199254740992.0 && x == floor(x);
		*n = ok ? (long long)x : 0;
	} else if (jv_get_kind(v) != JV_KIND_INVALID) {
		ok = 0;
	}
	jv_free(v);
	return ok;
}

int attune_feedback_import(struct attune_store *st, jv data, long *imported, char *err, size_t errlen)
{
	int rc = 0;
	long long good, bad;

	*imported = 0;
	if (jv_get_kind(data) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "not a feedback.json object of template ids");
		jv_free(data);
		return EXIT_DATAERR;
	}
	jv_object_foreach(data, k, v) {
		const char *id = jv_string_value(k);
		if (rc == 0 && !attune_valid_id(id)) {
			snprintf(err, errlen, "bad template id '%s'", id);
			rc = EXIT_DATAERR;
		} else if (rc == 0 && (jv_get_kind(v) != JV_KIND_OBJECT || !file_count(v, "good", &good) ||
		                       !file_count(v, "bad", &bad))) {
			snprintf(err, errlen, "template '%s': expected {\"good\": n, \"bad\": n} with whole numbers >= 0", id);
			rc = EXIT_DATAERR;
		}
		jv_free(k);
		jv_free(v);
	}
	jv_object_foreach(data, k, v) {
		const char *id = jv_string_value(k);
		struct counts c;
		if (rc == 0 && (rc = read_counts(st, id, &c, err, errlen)) == 0) {
			char *key = xasprintf(TEMPLATE_PREFIX "%s", id);
			file_count(v, "good", &good);
			file_count(v, "bad", &bad);
			/* Adding the difference keeps a rating made meanwhile on top of the file's count. */
			if (attune_store_hincr(st, key, "good", good - c.good, NULL) < 0 ||
			    attune_store_hincr(st, key, "bad", bad - c.bad, NULL) < 0)
				rc = store_err(st, err, errlen);
			else
				(*imported)++;
			free(key);
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(data);
	return rc;
}

/* ---- tier quality ---- */

static int tier_index(const char *tier)
{
	for (int i = 0; i < NTIERS; i++)
		if (!strcmp(tier, tiers[i]))
			return i;
	return -1;
}

int attune_feedback_valid_tier(const char *tier)
{
	return tier_index(tier) >= 0;
}

int attune_feedback_score(struct attune_store *st, const char *workflow, const char *stage, const char *tier,
                          double score, jv meta, jv *out, char *err, size_t errlen)
{
	char id[32], ts[40], *key, *val;
	size_t len;
	jv e = jv_object();
	int rc;

	attune_random_id("feedback_", id, sizeof id);
	attune_iso_time(attune_now(), ts, sizeof ts);
	e = jv_object_set(e, jv_string("feedback_id"), jv_string(id));
	e = jv_object_set(e, jv_string("workflow_name"), jv_string(workflow));
	e = jv_object_set(e, jv_string("stage_name"), jv_string(stage));
	e = jv_object_set(e, jv_string("tier"), jv_string(tier));
	e = jv_object_set(e, jv_string("quality_score"), jv_number(score));
	e = jv_object_set(e, jv_string("timestamp"), jv_string(ts));
	e = jv_object_set(e, jv_string("metadata"), jv_get_kind(meta) == JV_KIND_OBJECT ? meta : (jv_free(meta), jv_object()));
	key = xasprintf("feedback:%s:%s:%s:%s", workflow, stage, tier, id);
	val = attune_json_dump(jv_copy(e), &len);
	rc = attune_store_set(st, key, val, len, ATTUNE_FEEDBACK_TTL * 1000LL) < 0 ? store_err(st, err, errlen) : 0;
	free(key);
	free(val);
	if (rc == 0)
		*out = e;
	else
		jv_free(e);
	return rc;
}

/* An entry read back, with the stage and tier of its key. */
struct entry {
	double ts;
	double score;
	jv v;
	char *stage, *tier;
};

struct entries {
	struct entry *e;
	size_t n, cap;
};

static void entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		jv_free(es->e[i].v);
		free(es->e[i].stage);
		free(es->e[i].tier);
	}
	free(es->e);
}

/* attune-ai's FeedbackEntry.from_dict: names, tier and score required; no timestamp means now,
 * an unparseable one drops the entry; no feedback_id becomes "fb-<epoch ms>". */
static int entry_parse(const char *val, size_t len, struct entry *out)
{
	jv v = attune_json_value(val, len);
	const char *ts;
	char buf[40];

	if (jv_get_kind(v) != JV_KIND_OBJECT || !attune_json_str(v, "workflow_name") ||
	    !attune_json_str(v, "stage_name") || !attune_json_str(v, "tier") ||
	    isnan(out->score = attune_json_num(v, "quality_score", NAN))) {
		jv_free(v);
		return -1;
	}
	if ((ts = attune_json_str(v, "timestamp"))) {
		if (attune_parse_time(ts, &out->ts) < 0) {
			jv_free(v);
			return -1;
		}
	} else {
		out->ts = attune_now();
		attune_iso_time(out->ts, buf, sizeof buf);
		v = jv_object_set(v, jv_string("timestamp"), jv_string(buf));
	}
	if (!attune_json_str(v, "feedback_id") || !*attune_json_str(v, "feedback_id")) {
		snprintf(buf, sizeof buf, "fb-%lld", (long long)(out->ts * 1000));
		v = jv_object_set(v, jv_string("feedback_id"), jv_string(buf));
	}
	jv m = jv_object_get(jv_copy(v), jv_string("metadata"));
	if (jv_get_kind(m) == JV_KIND_INVALID || jv_get_kind(m) == JV_KIND_NULL)
		v = jv_object_set(v, jv_string("metadata"), jv_object());
	jv_free(m);
	out->v = v;
	return 0;
}

static int add_entry(void *ctx, const char *key, const char *val, size_t len)
{
	struct entries *es = ctx;
	struct entry e;
	const char *p = key + strlen("feedback:"), *stage, *tier, *id;

	/* key parts after the workflow: stage, tier, id */
	if (!val || !(stage = strchr(p, ':')) || !(tier = strchr(++stage, ':')) || !(id = strchr(++tier, ':')))
		return 0;
	if (entry_parse(val, len, &e) < 0)
		return 0;
	e.stage = strndup(stage, (size_t)(tier - 1 - stage));
	e.tier = strndup(tier, (size_t)(id - tier));
	if (es->n == es->cap) {
		es->cap = es->cap ? 2 * es->cap : 64;
		es->e = realloc(es->e, es->cap * sizeof *es->e);
	}
	es->e[es->n++] = e;
	return 0;
}

/* Newest first; equal times by feedback_id so the order is stable across runs. */
static int cmp_entry(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts > b->ts ? -1 : 1;
	return strcmp(attune_json_str(a->v, "feedback_id"), attune_json_str(b->v, "feedback_id"));
}

/* Every readable entry under prefix, newest first. */
static int load_entries(struct attune_store *st, const char *prefix, struct entries *es, char *err, size_t errlen)
{
	struct strs keys = {0};
	int rc = scan_keys(st, prefix, &keys, err, errlen);

	memset(es, 0, sizeof *es);
	if (rc == 0 && attune_store_mget(st, keys.n, (const char *const *)keys.v, add_entry, es) < 0)
		rc = store_err(st, err, errlen);
	strs_free(&keys);
	if (rc == 0 && es->n)
		qsort(es->e, es->n, sizeof *es->e, cmp_entry);
	return rc;
}

static char *stage_prefix(const char *workflow, const char *stage, const char *tier)
{
	if (!stage)
		return xasprintf("feedback:%s:", workflow);
	if (!tier)
		return xasprintf("feedback:%s:%s:", workflow, stage);
	return xasprintf("feedback:%s:%s:%s:", workflow, stage, tier);
}

int attune_feedback_history(struct attune_store *st, const char *workflow, const char *stage, const char *tier,
                            long limit, jv *out, char *err, size_t errlen)
{
	char *prefix = stage_prefix(workflow, stage, tier);
	struct entries es;
	int rc = load_entries(st, prefix, &es, err, errlen);

	free(prefix);
	if (rc == 0) {
		*out = jv_array();
		for (size_t i = 0; i < es.n && (long)i < limit; i++)
			*out = jv_array_append(*out, jv_copy(es.e[i].v));
	}
	entries_free(&es);
	return rc;
}

/* QualityStats of scores[0..n) (newest first, n >= 1), as attune-ai computes them. */
static jv stats_json(const char *workflow, const char *stage, const char *tier, const double *scores, size_t n)
{
	double sum = 0, min = scores[0], max = scores[0], trend = 0;
	jv s = jv_object();

	for (size_t i = 0; i < n; i++) {
		sum += scores[i];
		min = scores[i] < min ? scores[i] : min;
		max = scores[i] > max ? scores[i] : max;
	}
	if (n >= 4) {
		size_t half = n / 2;
		double recent = 0, older = 0;
		for (size_t i = 0; i < n; i++)
			*(i < half ? &recent : &older) += scores[i];
		recent /= (double)half;
		older /= (double)(n - half);
		trend = (recent - older) / (older > 0.1 ? older : 0.1);
	}
	s = jv_object_set(s, jv_string("workflow_name"), jv_string(workflow));
	s = jv_object_set(s, jv_string("stage_name"), jv_string(stage));
	s = jv_object_set(s, jv_string("tier"), jv_string(tier));
	s = jv_object_set(s, jv_string("avg_quality"), jv_number(sum / (double)n));
	s = jv_object_set(s, jv_string("min_quality"), jv_number(min));
	s = jv_object_set(s, jv_string("max_quality"), jv_number(max));
	s = jv_object_set(s, jv_string("sample_count"), jv_number((double)n));
	return jv_object_set(s, jv_string("recent_trend"), jv_number(trend));
}

/* Stats of the newest ATTUNE_FEEDBACK_WINDOW entries of es whose key has stage (and tier,
 * unless NULL); null when there is none. */
static jv stats_of(const struct entries *es, const char *workflow, const char *stage, const char *tier)
{
	double scores[ATTUNE_FEEDBACK_WINDOW];
	size_t n = 0;

	for (size_t i = 0; i < es->n && n < ATTUNE_FEEDBACK_WINDOW; i++)
		if (!strcmp(es->e[i].stage, stage) && (!tier || !strcmp(es->e[i].tier, tier)))
			scores[n++] = es->e[i].score;
	return n ? stats_json(workflow, stage, tier ? tier : "all", scores, n) : jv_null();
}

int attune_feedback_stats(struct attune_store *st, const char *workflow, const char *stage, const char *tier,
                          jv *out, char *err, size_t errlen)
{
	char *prefix = stage_prefix(workflow, stage, tier);
	struct entries es;
	int rc = load_entries(st, prefix, &es, err, errlen);

	free(prefix);
	if (rc == 0)
		*out = stats_of(&es, workflow, stage, tier);
	entries_free(&es);
	return rc;
}

static jv recommendation(const char *current, const char *recommended, double confidence, const char *reason,
                         jv stats)
{
	jv r = jv_object();

	r = jv_object_set(r, jv_string("current_tier"), jv_string(current));
	r = jv_object_set(r, jv_string("recommended_tier"), jv_string(recommended));
	r = jv_object_set(r, jv_string("confidence"), jv_number(confidence));
	r = jv_object_set(r, jv_string("reason"), jv_string(reason));
	return jv_object_set(r, jv_string("stats"), stats);
}

/* attune-ai's recommend_tier rules, on stats per tier (an object tier -> QualityStats). */
static jv recommend(const char *current, jv stats)
{
	double avg[NTIERS] = {0}, q, confidence;
	long n[NTIERS] = {0};
	const char *to;
	char reason[128];
	int cur = tier_index(current);

	for (int i = 0; i < NTIERS; i++) {
		jv s = jv_object_get(jv_copy(stats), jv_string(tiers[i]));
		n[i] = (long)attune_json_num(s, "sample_count", 0);
		avg[i] = attune_json_num(s, "avg_quality", 0);
		jv_free(s);
	}
	if (cur < 0 || n[cur] < MIN_SAMPLES) {
		snprintf(reason, sizeof reason, "Insufficient data (need %d samples, have %ld)", MIN_SAMPLES,
		         cur < 0 ? 0 : n[cur]);
		return recommendation(current, current, 0.0, reason, stats);
	}
	q = avg[cur];
	confidence = n[cur] / (MIN_SAMPLES * 2.0) < 1.0 ? n[cur] / (MIN_SAMPLES * 2.0) : 1.0;
	to = current;
	if (q < QUALITY_THRESHOLD) {
		if (cur == 0) {
			to = tiers[1];
			snprintf(reason, sizeof reason, "Low quality (%.2f) - upgrade for better results", q);
		} else if (cur == 1) {
			to = tiers[2];
			snprintf(reason, sizeof reason, "Low quality (%.2f) - upgrade to premium tier", q);
		} else {
			snprintf(reason, sizeof reason, "Already using premium tier (quality: %.2f)", q);
			confidence = 1.0;
		}
	} else if (q > EXCELLENT_QUALITY && cur > 0) {
		/* one rung down only if that tier itself has proved good enough */
		if (n[cur - 1] > 0 && avg[cur - 1] > DOWNGRADE_TARGET_QUALITY) {
			to = tiers[cur - 1];
			snprintf(reason, sizeof reason, "Excellent quality (%.2f) - downgrade to save cost", q);
		} else {
			snprintf(reason, sizeof reason, "Excellent quality (%.2f) - %s", q,
			         cur == 2 ? "keep premium for consistency" : "keep capable tier");
		}
	} else {
		snprintf(reason, sizeof reason, "Acceptable quality (%.2f) - maintain current tier", q);
	}
	return recommendation(current, to, confidence, reason, stats);
}

int attune_feedback_recommend(struct attune_store *st, const char *workflow, const char *stage, const char *tier,
                              jv *out, char *err, size_t errlen)
{
	char *prefix = stage_prefix(workflow, stage, NULL);
	struct entries es;
	int rc = load_entries(st, prefix, &es, err, errlen), any = 0;

	free(prefix);
	if (rc == 0) {
		jv stats = jv_object();
		for (int i = 0; i < NTIERS; i++) {
			jv s = stats_of(&es, workflow, stage, tiers[i]);
			if (jv_get_kind(s) == JV_KIND_OBJECT) {
				stats = jv_object_set(stats, jv_string(tiers[i]), s);
				any = 1;
			} else {
				jv_free(s);
			}
		}
		if (!any)
			*out = recommendation(tier ? tier : "unknown", tier ? tier : "cheap", 0.0,
			                      "No feedback data available", stats);
		else
			*out = recommend(tier ? tier : es.n ? attune_json_str(es.e[0].v, "tier") : "cheap", stats);
	}
	entries_free(&es);
	return rc;
}

static int cmp_avg(const void *pa, const void *pb)
{
	jv a = *(const jv *)pa, b = *(const jv *)pb;
	int c = -cmp_num(attune_json_num(a, "avg_quality", 0), attune_json_num(b, "avg_quality", 0));

	return c ? c : strcmp(attune_json_str(a, "label"), attune_json_str(b, "label"));
}

int attune_feedback_underperforming(struct attune_store *st, const char *workflow, double threshold, jv *out,
                                    char *err, size_t errlen)
{
	char *prefix = stage_prefix(workflow, NULL, NULL);
	struct entries es;
	struct strs seen = {0};
	jv *found = NULL;
	size_t nfound = 0;
	int rc = load_entries(st, prefix, &es, err, errlen);

	free(prefix);
	for (size_t i = 0; rc == 0 && i < es.n; i++) {
		char *label = xasprintf("%s/%s", es.e[i].stage, es.e[i].tier);
		int dup = 0;
		for (size_t j = 0; j < seen.n && !dup; j++)
			dup = !strcmp(seen.v[j], label);
		if (!dup) {
			strs_push(&seen, label);
			jv s = stats_of(&es, workflow, es.e[i].stage, es.e[i].tier);
			if (attune_json_num(s, "avg_quality", threshold) < threshold) {
				found = realloc(found, (nfound + 1) * sizeof *found);
				found[nfound++] = jv_object_set(s, jv_string("label"), jv_string(label));
			} else {
				jv_free(s);
			}
		}
		free(label);
	}
	if (rc == 0) {
		if (nfound)
			qsort(found, nfound, sizeof *found, cmp_avg);
		*out = jv_array();
		for (size_t i = 0; i < nfound; i++)
			*out = jv_array_append(*out, found[i]);
	}
	free(found);
	strs_free(&seen);
	entries_free(&es);
	return rc;
}

int attune_feedback_clear(struct attune_store *st, const char *workflow, const char *stage, long *deleted,
                          char *err, size_t errlen)
{
	char *prefix = stage_prefix(workflow, stage, NULL);
	struct strs keys = {0};
	int rc = scan_keys(st, prefix, &keys, err, errlen), d;

	free(prefix);
	*deleted = 0;
	for (size_t i = 0; rc == 0 && i < keys.n; i++) {
		if ((d = attune_store_del(st, keys.v[i])) < 0)
			rc = store_err(st, err, errlen);
		else
			*deleted += d;
	}
	strs_free(&keys);
	return rc;
}
