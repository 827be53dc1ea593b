/* report_usage.c — reports over UsageTracker's usage.jsonl (ORIGINAL 10.1): usage, savings,
 * cache, compare, models, export. Lines go through the field extractor, not jv: savings over
 * a million records is the speed target. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report_impl.h"

struct span {
	const char *s; /* NULL when absent or not a string */
	size_t n;
};

/* One usage record; the spans point into the line. */
struct urec {
	double t, cost, tin, tout, duration, seq, pc_read, pc_write;
	int cache_hit, pc_hit, success;
	struct span ts, workflow, stage, tier, model, provider, cache_type;
};

enum { U_TS, U_WORKFLOW, U_STAGE, U_TIER, U_MODEL, U_PROVIDER, U_COST, U_TOKENS, U_CACHE, U_DURATION, U_PCACHE,
       U_SEQ, U_SUCCESS, U_N };
static const struct jkey ukeys[U_N] = {
	JKEY("ts"),     JKEY("workflow"), JKEY("stage"),       JKEY("tier"),         JKEY("model"),
	JKEY("provider"), JKEY("cost"),   JKEY("tokens"),      JKEY("cache"),        JKEY("duration_ms"),
	JKEY("prompt_cache"), JKEY("seq"), JKEY("success"),
};
static const struct jkey tokkeys[] = {JKEY("input"), JKEY("output")};
static const struct jkey cachekeys[] = {JKEY("hit"), JKEY("type")};
static const struct jkey pckeys[] = {JKEY("hit"), JKEY("creation_tokens"), JKEY("read_tokens")};

static struct span str_of(struct jval *v)
{
	struct span sp = {NULL, 0};

	if (!jv_str_of(v, &sp.s, &sp.n))
		sp.s = NULL;
	return sp;
}

/* The key a record groups under: its text, or "unknown" (as attune-ai's get_stats). */
static struct span or_unknown(struct span sp)
{
	return sp.s ? sp : (struct span){"unknown", 7};
}

struct uscan {
	struct rsrc src;
	double since;
	int (*fn)(void *ctx, struct urec *u);
	void *ctx;
};

static int usage_line(void *ctx, char *line, size_t len)
{
	struct uscan *sc = ctx;
	struct jval v[U_N], sub[3];
	struct urec u;

	if (jscan(line, len, ukeys, v, U_N) < 0 || v[U_TS].kind != '"') {
		sc->src.skipped++;
		return 0;
	}
	u.ts = str_of(&v[U_TS]);
	if (rtime_parse(u.ts.s, u.ts.n, &u.t) < 0) {
		sc->src.skipped++;
		return 0;
	}
	if (u.t < sc->since)
		return 0;
	u.workflow = str_of(&v[U_WORKFLOW]);
	u.stage = str_of(&v[U_STAGE]);
	u.tier = str_of(&v[U_TIER]);
	u.model = str_of(&v[U_MODEL]);
	u.provider = str_of(&v[U_PROVIDER]);
	u.cost = jv_num_of(&v[U_COST], 0);
	u.duration = jv_num_of(&v[U_DURATION], 0);
	u.seq = jv_num_of(&v[U_SEQ], 0);
	u.success = jv_bool_of(&v[U_SUCCESS], 1);
	jscan_sub(&v[U_TOKENS], tokkeys, sub, 2);
	u.tin = jv_num_of(&sub[0], 0);
	u.tout = jv_num_of(&sub[1], 0);
	jscan_sub(&v[U_CACHE], cachekeys, sub, 2);
	u.cache_hit = jv_bool_of(&sub[0], 0);
	u.cache_type = str_of(&sub[1]);
	jscan_sub(&v[U_PCACHE], pckeys, sub, 3);
	u.pc_hit = jv_bool_of(&sub[0], 0);
	u.pc_write = jv_num_of(&sub[1], 0);
	u.pc_read = jv_num_of(&sub[2], 0);
	return sc->fn(sc->ctx, &u);
}

/* Every usage record at or after since, oldest file first. Returns as rsrc_lines. */
static int usage_each(const struct attune_report_opts *o, double since, long *skipped,
                      int (*fn)(void *ctx, struct urec *u), void *ctx, char *err, size_t errlen)
{
	struct uscan sc = {.since = since, .fn = fn, .ctx = ctx};
	size_t n;
	char **paths = usage_paths(o->home, &n);
	int rc = 0;

	rsrc_init(&sc.src, o);
	rsrc_plan(&sc.src, paths, n);
	for (size_t i = 0; i < n && !rc; i++)
		rc = rsrc_lines(&sc.src, paths[i], usage_line, &sc, err, errlen);
	*skipped = sc.src.skipped;
	rsrc_free(&sc.src);
	paths_free(paths);
	return rc;
}

static char *usage_dir(const struct attune_report_opts *o)
{
	return path_join(o->home, "telemetry");
}

/* A chart of one value of each map entry, in key order when sorted (dates), else as met. */
static jv map_chart(const struct smap *m, const char *title, const char *kind, const char *unit, int field, int sorted)
{
	jv ch = chart_new(title, kind, unit);
	size_t *ix = sorted ? smap_order(m, smap_by_key) : NULL;

	for (size_t i = 0; i < m->n; i++) {
		const struct smap_ent *e = &m->ent[ix ? ix[i] : i];
		ch = chart_point(ch, jstr(e->key, e->klen), e->v[field]);
	}
	free(ix);
	return ch;
}

/* --- per-day sums, for the charts ------------------------------------------------------- */

struct daysum {
	struct smap map; /* "YYYY-MM-DD" -> {cost, calls, day number} */
	long last;
	double *cur;
};

static void day_add(struct daysum *d, double t, double cost)
{
	long day = rtime_day(t);
	char text[11];

	if (!d->cur || day != d->last) {
		rtime_day_text(day, text);
		d->cur = smap_get(&d->map, text, 10);
		d->last = day;
	}
	d->cur[0] += cost;
	d->cur[1] += 1;
	d->cur[2] = (double)day;
}

/* Cost per day from the first day to the last, days without calls as 0 (up to a year and a
 * bit; a longer span shows the days that have calls). */
static jv day_chart(const struct daysum *d)
{
	long first = 0, last = -1;
	jv ch;
	char text[11];

	for (size_t i = 0; i < d->map.n; i++) {
		long day = (long)d->map.ent[i].v[2];
		first = !i || day < first ? day : first;
		last = !i || day > last ? day : last;
	}
	if (last - first > 400)
		return map_chart(&d->map, "Cost per day", "column", "$", 0, 1);
	ch = chart_new("Cost per day", "column", "$");
	for (long day = first; day <= last; day++) {
		double *v;
		rtime_day_text(day, text);
		v = smap_find(&d->map, text, 10);
		ch = chart_point(ch, jv_string(text), v ? v[0] : 0);
	}
	return ch;
}

/* --- savings ---------------------------------------------------------------------------- */

struct savings {
	double calls, cost, premium_calls, premium_cost, hits;
	struct smap tiers; /* tier -> {calls, cost} */
	struct daysum days;
	struct span last_tier;
	double *last;
};

static int savings_rec(void *ctx, struct urec *u)
{
	struct savings *s = ctx;
	struct span tier = or_unknown(u->tier);

	s->calls++;
	s->cost += u->cost;
	if (tier.n == 7 && !memcmp(tier.s, "PREMIUM", 7)) {
		s->premium_calls++;
		s->premium_cost += u->cost;
	}
	s->hits += u->cache_hit;
	/* Consecutive records mostly share a tier: skip the lookup then. */
	if (!s->last || tier.n != s->last_tier.n || memcmp(tier.s, s->last_tier.s, tier.n)) {
		s->last = smap_get(&s->tiers, tier.s, tier.n);
		s->last_tier = (struct span){smap_key(&s->tiers, s->last), tier.n};
	}
	s->last[0] += 1;
	s->last[1] += u->cost;
	day_add(&s->days, u->t, u->cost);
	return 0;
}

int attune_report_savings(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct savings s;
	struct rwin w;
	double baseline, savings;
	jv dist, facts, tiers, v, costs;
	size_t *ix;
	int rc;

	memset(&s, 0, sizeof s);
	smap_init(&s.tiers, 2);
	smap_init(&s.days.map, 3);
	rwin_init(&w, o, 30, 0);
	rc = usage_each(o, w.since, &r->skipped, savings_rec, &s, err, errlen);
	if (rc) {
		smap_free(&s.tiers);
		smap_free(&s.days.map);
		return rc;
	}
	dist = jv_object();
	tiers = jv_array();
	baseline = s.calls * (s.premium_calls ? s.premium_cost / s.premium_calls : 0.05);
	savings = baseline - s.cost;
	for (size_t i = 0; i < s.tiers.n; i++)
		dist = jv_object_set(dist, jstr(s.tiers.ent[i].key, s.tiers.ent[i].klen),
		                     jv_number(rround(s.tiers.ent[i].v[0] / s.calls * 100, 1)));
	r->data = JV_OBJECT(jv_string("days"), rwin_days(&w), jv_string("total_calls"), jv_number(s.calls),
	                    jv_string("actual_cost"), jv_number(rround(s.cost, 2)), jv_string("baseline_cost"),
	                    jv_number(rround(baseline, 2)), jv_string("savings"), jv_number(rround(savings, 2)));
	r->data = jv_object_set(r->data, jv_string("savings_percent"), jv_number(rround(rdiv(savings, baseline) * 100, 1)));
	r->data = jv_object_set(r->data, jv_string("cache_savings"), jv_number(rround(rdiv(s.hits * s.cost, s.calls), 2)));
	r->data = jv_object_set(r->data, jv_string("tier_distribution"), dist);

	v = view_new("Cost savings, %s", w.label);
	if (!s.calls)
		v = view_empty(v, "No telemetry data found for the specified period.");
	costs = map_chart(&s.tiers, "Cost per tier", "bar", "$", 1, 1);
	ix = smap_order(&s.tiers, smap_by_key);
	for (size_t i = 0; i < s.tiers.n; i++) {
		const struct smap_ent *e = &s.tiers.ent[ix[i]];
		tiers = jv_array_append(tiers, JV_ARRAY(jstr(e->key, e->klen), t_int(e->v[0]),
		                                        t_pct(e->v[0] / s.calls * 100, 1), t_money(e->v[1], 2)));
	}
	free(ix);
	v = view_table(v, "Usage Pattern", strs("Tier", "Calls", "Share", "Cost", NULL), "lrrr", tiers);
	facts = fact(jv_array(), "Baseline (all PREMIUM)", t_money(baseline, 2));
	facts = fact(facts, "Actual (tier routing)", t_money(s.cost, 2));
	facts = fact(facts, "YOUR SAVINGS", t_money_pct(savings, rdiv(savings, baseline) * 100));
	facts = fact(facts, "Cache savings", t_money(rdiv(s.hits * s.cost, s.calls), 2));
	facts = fact(facts, "Total calls", t_int(s.calls));
	r->view = view_facts(v, NULL, facts);
	if (!s.premium_calls && s.calls)
		r->view = view_note(r->view, "No PREMIUM calls in the period: the baseline assumes $0.05 per call.");
	r->charts = JV_ARRAY(costs, day_chart(&s.days),
	                     chart_point(chart_point(chart_new("Actual vs all-PREMIUM baseline", "bar", "$"),
	                                             jv_string("Baseline (all PREMIUM)"), baseline),
	                                 jv_string("Actual (tier routing)"), s.cost));
	r->csv = NULL;
	smap_free(&s.tiers);
	smap_free(&s.days.map);
	return 0;
}

/* --- usage: recent calls and period totals ------------------------------------------------ */

static jv span_or_null(struct span sp)
{
	return sp.s ? jv_string_sized(sp.s, (int)sp.n) : jv_null();
}

/* A row as attune-ai's export (ORIGINAL 9.3 cmd_telemetry_export). */
static jv usage_row(const struct urec *u)
{
	jv row = JV_OBJECT(jv_string("ts"), span_or_null(u->ts), jv_string("workflow"), span_or_null(u->workflow),
	                   jv_string("stage"), span_or_null(u->stage), jv_string("tier"), span_or_null(u->tier),
	                   jv_string("model"), span_or_null(u->model));
	row = jv_object_set(row, jv_string("provider"), span_or_null(u->provider));
	row = jv_object_set(row, jv_string("cost"), jv_number(u->cost));
	row = jv_object_set(row, jv_string("tokens_input"), jv_number(u->tin));
	row = jv_object_set(row, jv_string("tokens_output"), jv_number(u->tout));
	row = jv_object_set(row, jv_string("cache_hit"), jv_bool(u->cache_hit));
	row = jv_object_set(row, jv_string("cache_type"), span_or_null(u->cache_type));
	return jv_object_set(row, jv_string("duration_ms"), jv_number(u->duration));
}

/* A kept record: its fields, the texts copied into buf (rows are built only for the kept). */
struct recent {
	struct urec u;
	char *buf;
	size_t cap;
};

static void keep(struct recent *r, const struct urec *u)
{
	struct span *sp[] = {&r->u.ts, &r->u.workflow, &r->u.stage, &r->u.tier, &r->u.model, &r->u.provider,
	                     &r->u.cache_type};
	size_t need = 0, at = 0, n = sizeof sp / sizeof *sp;

	r->u = *u;
	for (size_t i = 0; i < n; i++)
		need += sp[i]->s ? sp[i]->n : 0;
	if (need > r->cap)
		r->buf = realloc(r->buf, r->cap = need);
	for (size_t i = 0; i < n; i++)
		if (sp[i]->s) {
			memcpy(r->buf + at, sp[i]->s, sp[i]->n);
			sp[i]->s = r->buf + at;
			at += sp[i]->n;
		}
}

/* get_stats (ORIGINAL 10.1): totals and cost by tier, workflow and provider. */
struct stats {
	double calls, cost, tin, tout, hits, duration;
	struct smap tier, workflow, provider; /* key -> {cost, calls} */
	struct daysum days;
};

static void stats_init(struct stats *st)
{
	memset(st, 0, sizeof *st);
	smap_init(&st->tier, 2);
	smap_init(&st->workflow, 2);
	smap_init(&st->provider, 2);
	smap_init(&st->days.map, 3);
}

static void stats_free(struct stats *st)
{
	smap_free(&st->tier);
	smap_free(&st->workflow);
	smap_free(&st->provider);
	smap_free(&st->days.map);
}

static void map_add(struct smap *m, struct span key, double cost)
{
	double *v;

	key = or_unknown(key);
	v = smap_get(m, key.s, key.n);
	v[0] += cost;
	v[1] += 1;
}

static void stats_add(struct stats *st, const struct urec *u)
{
	st->calls++;
	st->cost += u->cost;
	st->tin += u->tin;
	st->tout += u->tout;
	st->hits += u->cache_hit;
	st->duration += u->duration;
	map_add(&st->tier, u->tier, u->cost);
	map_add(&st->workflow, u->workflow, u->cost);
	map_add(&st->provider, u->provider, u->cost);
	day_add(&st->days, u->t, u->cost);
}

static jv cost_map(const struct smap *m)
{
	jv o = jv_object();

	for (size_t i = 0; i < m->n; i++)
		o = jv_object_set(o, jstr(m->ent[i].key, m->ent[i].klen), jv_number(rround(m->ent[i].v[0], 6)));
	return o;
}

struct usage {
	struct stats st;
	struct recent *heap; /* min-heap on (t, seq): the newest limit records */
	long n, cap, limit; /* the heap grows up to limit as records come */
};

static int newer(const struct urec *a, const struct urec *b)
{
	return a->t > b->t || (a->t == b->t && a->seq > b->seq);
}

static void sift_down(struct recent *h, long n, long i)
{
	for (;;) {
		long m = i, l = 2 * i + 1, r = l + 1;
		if (l < n && newer(&h[m].u, &h[l].u))
			m = l;
		if (r < n && newer(&h[m].u, &h[r].u))
			m = r;
		if (m == i)
			return;
		struct recent x = h[i];
		h[i] = h[m];
		h[m] = x;
		i = m;
	}
}

static int usage_rec(void *ctx, struct urec *u)
{
	struct usage *us = ctx;

	stats_add(&us->st, u);
	if (us->n < us->limit) {
		long i = us->n++;
		if (us->n > us->cap) {
			long cap = us->cap ? 2 * us->cap : 64;
			us->heap = realloc(us->heap, sizeof *us->heap * (size_t)cap);
			memset(us->heap + us->cap, 0, sizeof *us->heap * (size_t)(cap - us->cap));
			us->cap = cap;
		}
		keep(&us->heap[i], u);
		while (i > 0 && newer(&us->heap[(i - 1) / 2].u, &us->heap[i].u)) {
			struct recent x = us->heap[i];
			us->heap[i] = us->heap[(i - 1) / 2];
			us->heap[(i - 1) / 2] = x;
			i = (i - 1) / 2;
		}
	} else if (newer(u, &us->heap[0].u)) {
		keep(&us->heap[0], u);
		sift_down(us->heap, us->n, 0);
	}
	return 0;
}

static int newest_first(const void *a, const void *b)
{
	const struct recent *x = a, *y = b;

	return newer(&y->u, &x->u) - newer(&x->u, &y->u);
}

static jv row_text(jv row, const char *key, size_t max) /* row borrowed */
{
	jv v = jv_object_get(jv_copy(row), jv_string(key)), t;

	t = jv_get_kind(v) == JV_KIND_STRING ? t_cut(jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)), max) : jv_string("-");
	jv_free(v);
	return t;
}

static double row_num(jv row, const char *key) /* row borrowed */
{
	jv v = jv_object_get(jv_copy(row), jv_string(key));
	double x = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;

	jv_free(v);
	return x;
}

/* The table row of an export row (ORIGINAL 9.3 cmd_telemetry_show). row borrowed. */
static jv row_cells(jv row)
{
	jv ts = jv_object_get(jv_copy(row), jv_string("ts")), hit = jv_object_get(jv_copy(row), jv_string("cache_hit"));
	jv type = jv_object_get(jv_copy(row), jv_string("cache_type")), cache;
	char when[20] = "-";
	double t;

	if (jv_get_kind(ts) == JV_KIND_STRING && rtime_parse(jv_string_value(ts), (size_t)jv_string_length_bytes(jv_copy(ts)), &t) == 0)
		rtime_text(t, when);
	if (jv_get_kind(hit) != JV_KIND_TRUE)
		cache = jv_string("MISS");
	else if (jv_get_kind(type) == JV_KIND_STRING)
		cache = jv_string_fmt("HIT (%s)", jv_string_value(type));
	else
		cache = jv_string("HIT");
	jv_free(ts);
	jv_free(hit);
	jv_free(type);
	return JV_ARRAY(jv_string(when), row_text(row, "workflow", 20), row_text(row, "stage", 15), row_text(row, "tier", 10),
	                t_money(row_num(row, "cost"), 4),
	                jv_string_fmt("%.0f/%.0f", row_num(row, "tokens_input"), row_num(row, "tokens_output")), cache,
	                jv_string_fmt("%.0fms", row_num(row, "duration_ms")));
}

static jv usage_columns(void)
{
	return strs("Time", "Workflow", "Stage", "Tier", "Cost", "Tokens", "Cache", "Duration", NULL);
}
#define USAGE_ALIGN "llllrrlr"

/* Cost by tier, workflow or provider as a table, largest first. */
static jv cost_table(jv view, const char *heading, const char *what, const struct smap *m, double total)
{
	jv rows = jv_array();
	size_t *ix = smap_order(m, smap_by_first_desc);

	for (size_t i = 0; i < m->n; i++) {
		const struct smap_ent *e = &m->ent[ix[i]];
		rows = jv_array_append(rows, JV_ARRAY(t_cut(e->key, e->klen, 40), t_int(e->v[1]),
		                                      t_money(e->v[0], 4), t_pct(rdiv(e->v[0], total) * 100, 1)));
	}
	free(ix);
	return view_table(view, heading, strs(what, "Calls", "Cost", "Share", NULL), "lrrr", rows);
}

int attune_report_usage(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct usage us = {.limit = o->limit > 0 ? o->limit : 20};
	struct stats *st = &us.st;
	struct rwin w;
	jv recent = jv_array(), rows = jv_array(), facts, v;
	char *dir = usage_dir(o);
	double shown = 0;
	int rc;

	stats_init(st);
	rwin_init(&w, o, 0, 0);
	rc = usage_each(o, w.since, &r->skipped, usage_rec, &us, err, errlen);
	if (us.n)
		qsort(us.heap, (size_t)us.n, sizeof *us.heap, newest_first);
	for (long i = 0; i < us.n; i++) {
		jv row = usage_row(&us.heap[i].u);
		shown += us.heap[i].u.cost;
		rows = jv_array_append(rows, row_cells(row));
		recent = jv_array_append(recent, row);
	}
	for (long i = 0; i < us.cap; i++)
		free(us.heap[i].buf);
	free(us.heap);
	if (rc) {
		jv_free(recent);
		jv_free(rows);
		stats_free(st);
		free(dir);
		return rc;
	}
	r->data = JV_OBJECT(jv_string("days"), rwin_days(&w), jv_string("total_calls"), jv_number(st->calls),
	                    jv_string("total_cost"), jv_number(rround(st->cost, 2)), jv_string("total_tokens_input"),
	                    jv_number(st->tin), jv_string("total_tokens_output"), jv_number(st->tout));
	r->data = jv_object_set(r->data, jv_string("cache_hits"), jv_number(st->hits));
	r->data = jv_object_set(r->data, jv_string("cache_misses"), jv_number(st->calls - st->hits));
	r->data = jv_object_set(r->data, jv_string("cache_hit_rate"), jv_number(rround(rdiv(st->hits, st->calls) * 100, 1)));
	r->data = jv_object_set(r->data, jv_string("avg_duration_ms"), jv_number(st->calls ? floor(st->duration / st->calls) : 0));
	r->data = jv_object_set(r->data, jv_string("by_tier"), cost_map(&st->tier));
	r->data = jv_object_set(r->data, jv_string("by_workflow"), cost_map(&st->workflow));
	r->data = jv_object_set(r->data, jv_string("by_provider"), cost_map(&st->provider));
	r->data = jv_object_set(r->data, jv_string("recent"), recent);

	v = view_new("LLM usage, %s", w.label);
	if (!st->calls)
		v = view_empty(v, "No telemetry data found.");
	v = view_table(v, NULL, usage_columns(), USAGE_ALIGN, rows);
	v = view_facts(v, NULL, fact(jv_array(), "Total Cost", tcat(t_money(shown, 4), " ", jv_string_fmt("(%ld calls shown)", us.n))));
	facts = fact(jv_array(), "Calls", t_int(st->calls));
	facts = fact(facts, "Cost", t_money(st->cost, 4));
	facts = fact(facts, "Tokens", tcat(tcat(t_int(st->tin), " in / ", t_int(st->tout)), " out", jv_string("")));
	facts = fact(facts, "Cache hit rate", t_pct(rdiv(st->hits, st->calls) * 100, 1));
	facts = fact(facts, "Avg duration", tcat(t_int(st->calls ? floor(st->duration / st->calls) : 0), "ms", jv_string("")));
	v = view_facts(v, "Period totals", facts);
	v = cost_table(v, "Cost by tier", "Tier", &st->tier, st->cost);
	r->view = view_note(v, "Data location: %s", dir);
	r->charts = JV_ARRAY(day_chart(&st->days),
	                     map_chart(&st->tier, "Cost per tier", "bar", "$", 0, 0),
	                     map_chart(&st->workflow, "Cost per workflow", "bar", "$", 0, 0));
	r->csv = "recent";
	stats_free(st);
	free(dir);
	return 0;
}

/* --- export ------------------------------------------------------------------------------ */

struct export {
	const struct attune_report_opts *o;
	double rows;
};

static int export_rec(void *ctx, struct urec *u)
{
	struct export *ex = ctx;

	ex->rows++;
	return ex->o->row(ex->o->row_ctx, usage_row(u));
}

int attune_report_export(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct export ex = {o, 0};
	struct rwin w;
	int rc;

	rwin_init(&w, o, 0, 0);
	rc = usage_each(o, w.since, &r->skipped, export_rec, &ex, err, errlen);
	if (rc)
		return rc;
	r->data = JV_OBJECT(jv_string("days"), rwin_days(&w), jv_string("rows"), jv_number(ex.rows));
	r->view = view_facts(view_new("Export, %s", w.label), NULL, fact(jv_array(), "Rows", t_int(ex.rows)));
	r->charts = jv_array();
	r->csv = NULL;
	return 0;
}

/* Fixed widths, as attune-ai's plain table, so that rows can be printed as they come. */
static const int export_widths[] = {19, 20, 15, 10, 10, 15, 12, 10};

char *attune_report_export_line(jv row, const char *format, int first, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	if (!strcmp(format, "json")) {
		jv s = jv_dump_string(row, 0);
		fprintf(f, "%s\n", jv_string_value(s));
		jv_free(s);
		fclose(f);
		return out;
	}
	if (!strcmp(format, "csv")) {
		if (first) {
			jv keys = jv_keys_unsorted(jv_copy(row));
			jv_array_foreach(keys, i, k) {
				fputs(i ? "," : "", f);
				out_csv_cell(f, k);
			}
			fputc('\n', f);
			jv_free(keys);
		}
		jv_object_foreach(row, k, v) {
			(void)k;
			out_csv_cell(f, v);
			fputc(jv_object_iter_valid(row, jv_object_iter_next(row, jv_i__)) ? ',' : '\n', f);
			jv_free(k);
		}
	} else {
		jv cells = row_cells(row);
		for (int pass = first ? 0 : 1; pass < 2; pass++) {
			jv line = pass ? jv_copy(cells) : usage_columns();
			jv_array_foreach(line, i, cell) {
				fputs(i ? "  " : "", f);
				out_pad(f, jv_string_value(cell), (size_t)export_widths[i], USAGE_ALIGN[i] == 'r');
				jv_free(cell);
			}
			fputc('\n', f);
			jv_free(line);
			for (size_t i = 0; !pass && i < sizeof export_widths / sizeof *export_widths; i++)
				fprintf(f, "%s%.*s", i ? "--" : "", export_widths[i], "--------------------");
			fputs(pass ? "" : "\n", f);
		}
		jv_free(cells);
	}
	jv_free(row);
	fclose(f);
	return out;
}

/* --- cache ---------------------------------------------------------------------------------- */

/* Input price per million tokens by model family; 3.00 when unknown (ORIGINAL 10.1). */
static double input_price(struct span model)
{
	static const struct {
		const char *family;
		double price;
	} prices[] = {{"opus", 5.00}, {"sonnet", 3.00}, {"haiku", 1.00}};

	for (size_t i = 0; model.s && i < sizeof prices / sizeof *prices; i++)
		if (memmem(model.s, model.n, prices[i].family, strlen(prices[i].family)))
			return prices[i].price;
	return 3.00;
}

struct cache {
	double requests, hits, reads, writes, savings;
	struct smap wf; /* workflow -> {hits, reads, writes, requests} */
};

static int cache_rec(void *ctx, struct urec *u)
{
	struct cache *c = ctx;
	struct span k = or_unknown(u->workflow);
	double *v = smap_get(&c->wf, k.s, k.n);

	c->requests++;
	c->hits += u->pc_hit;
	c->reads += u->pc_read;
	c->writes += u->pc_write;
	c->savings += u->pc_read * input_price(u->model) / 1e6 * 0.9;
	v[0] += u->pc_hit;
	v[1] += u->pc_read;
	v[2] += u->pc_write;
	v[3] += 1;
	return 0;
}

/* Hit rate, highest first. */
static int by_rate(const struct smap_ent *a, const struct smap_ent *b)
{
	double x = rdiv(a->v[0], a->v[3]), y = rdiv(b->v[0], b->v[3]);

	return (x < y) - (x > y);
}

int attune_report_cache(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct cache c;
	struct rwin w;
	jv byw = jv_object(), rows = jv_array(), facts, v, chart = chart_new("Hit rate per workflow", "bar", "%");
	size_t *ix;
	int rc;

	memset(&c, 0, sizeof c);
	smap_init(&c.wf, 4);
	rwin_init(&w, o, 7, 0);
	rc = usage_each(o, w.since, &r->skipped, cache_rec, &c, err, errlen);
	if (rc) {
		smap_free(&c.wf);
		jv_free(byw);
		jv_free(rows);
		jv_free(chart);
		return rc;
	}
	for (size_t i = 0; i < c.wf.n; i++) {
		const struct smap_ent *e = &c.wf.ent[i];
		byw = jv_object_set(byw, jstr(e->key, e->klen),
		                    JV_OBJECT(jv_string("hits"), jv_number(e->v[0]), jv_string("reads"), jv_number(e->v[1]),
		                              jv_string("writes"), jv_number(e->v[2]), jv_string("requests"), jv_number(e->v[3]),
		                              jv_string("hit_rate"), jv_number(rround(rdiv(e->v[0], e->v[3]), 4))));
	}
	ix = smap_order(&c.wf, by_rate);
	for (size_t i = 0; i < c.wf.n && i < 10; i++) {
		const struct smap_ent *e = &c.wf.ent[ix[i]];
		double rate = rdiv(e->v[0], e->v[3]) * 100;
		rows = jv_array_append(rows, JV_ARRAY(t_cut(e->key, e->klen, 30), t_pct(rate, 1),
		                                      t_int(e->v[1]), t_int(e->v[2]), t_int(e->v[3])));
		chart = chart_point(chart, jstr(e->key, e->klen), rate);
	}
	free(ix);
	r->data = JV_OBJECT(jv_string("days"), rwin_days(&w), jv_string("hit_rate"), jv_number(rround(rdiv(c.hits, c.requests), 4)),
	                    jv_string("hit_count"), jv_number(c.hits), jv_string("total_requests"), jv_number(c.requests),
	                    jv_string("total_reads"), jv_number(c.reads));
	r->data = jv_object_set(r->data, jv_string("total_writes"), jv_number(c.writes));
	r->data = jv_object_set(r->data, jv_string("savings"), jv_number(rround(c.savings, 6)));
	r->data = jv_object_set(r->data, jv_string("by_workflow"), byw);

	v = view_new("Prompt cache, %s", w.label);
	if (!c.requests)
		v = view_empty(v, "No telemetry data found for cache analysis.");
	facts = fact(jv_array(), "Hit rate", t_pct(rdiv(c.hits, c.requests) * 100, 1));
	facts = fact(facts, "Cache reads", tcat(t_int(c.reads), " tokens", jv_string("")));
	facts = fact(facts, "Cache writes", tcat(t_int(c.writes), " tokens", jv_string("")));
	facts = fact(facts, "Estimated savings", t_money(c.savings, 2));
	facts = fact(facts, "Requests with hits", t_int(c.hits));
	facts = fact(facts, "Total requests", t_int(c.requests));
	v = view_facts(v, NULL, facts);
	v = view_table(v, "By workflow (top 10 by hit rate)", strs("Workflow", "Hit rate", "Reads", "Writes", "Requests", NULL),
	               "lrrrr", rows);
	if (c.requests && rdiv(c.hits, c.requests) < 0.30)
		v = view_note(v, "Hit rate below 30%%: put stable content (system prompt, tools, long documents) first "
		                 "and mark it for caching; keep it byte-identical between calls.");
	r->view = v;
	r->charts = JV_ARRAY(chart);
	r->csv = "by_workflow";
	smap_free(&c.wf);
	return 0;
}

/* --- compare ------------------------------------------------------------------------------- */

struct compare {
	double since[2], calls[2], cost[2], hits[2];
};

static int compare_rec(void *ctx, struct urec *u)
{
	struct compare *c = ctx;

	for (int k = 0; k < 2; k++)
		if (u->t >= c->since[k]) {
			c->calls[k]++;
			c->cost[k] += u->cost;
			c->hits[k] += u->cache_hit;
		}
	return 0;
}

static double change(double a, double b)
{
	return rround(rdiv(a - b, b) * 100, 1);
}

static jv signed_pct(double x, const char *unit)
{
	return jv_string_fmt("%+.1f%s", x, unit);
}

int attune_report_compare(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct compare c = {{0}};
	double days[2] = {o->period1 > 0 ? o->period1 : 7, o->period2 > 0 ? o->period2 : 30};
	double cost[2], avg[2], rate[2];
	jv p[2], rows = jv_array(), v;
	char label[2][64];
	int rc;

	for (int k = 0; k < 2; k++)
		c.since[k] = o->now - days[k] * 86400;
	rc = usage_each(o, fmin(c.since[0], c.since[1]), &r->skipped, compare_rec, &c, err, errlen);
	if (rc)
		return rc;
	/* As attune-ai: from get_stats' rounded cost and hit rate. */
	for (int k = 0; k < 2; k++) {
		cost[k] = rround(c.cost[k], 2);
		avg[k] = rdiv(cost[k], c.calls[k]);
		rate[k] = rround(rdiv(c.hits[k], c.calls[k]) * 100, 1);
		snprintf(label[k], sizeof label[k], "Last %g day%s", days[k], days[k] == 1 ? "" : "s");
		p[k] = JV_OBJECT(jv_string("days"), jv_number(days[k]), jv_string("total_calls"), jv_number(c.calls[k]),
		                 jv_string("total_cost"), jv_number(cost[k]), jv_string("avg_cost_per_call"),
		                 jv_number(rround(avg[k], 6)), jv_string("cache_hit_rate"), jv_number(rate[k]));
	}
	r->data = JV_OBJECT(jv_string("period1"), p[0], jv_string("period2"), p[1], jv_string("change"),
	                    JV_OBJECT(jv_string("total_calls"), jv_number(change(c.calls[0], c.calls[1])),
	                              jv_string("total_cost"), jv_number(change(cost[0], cost[1])),
	                              jv_string("avg_cost_per_call"), jv_number(change(avg[0], avg[1])),
	                              jv_string("cache_hit_rate_pp"), jv_number(rround(rate[0] - rate[1], 1))));
	rows = jv_array_append(rows, JV_ARRAY(jv_string("Total Calls"), t_int(c.calls[0]), t_int(c.calls[1]),
	                                      signed_pct(change(c.calls[0], c.calls[1]), "%")));
	rows = jv_array_append(rows, JV_ARRAY(jv_string("Total Cost"), t_money(cost[0], 2), t_money(cost[1], 2),
	                                      signed_pct(change(cost[0], cost[1]), "%")));
	rows = jv_array_append(rows, JV_ARRAY(jv_string("Avg Cost/Call"), t_money(avg[0], 4), t_money(avg[1], 4),
	                                      signed_pct(change(avg[0], avg[1]), "%")));
	rows = jv_array_append(rows, JV_ARRAY(jv_string("Cache Hit Rate"), t_pct(rate[0], 1), t_pct(rate[1], 1),
	                                      signed_pct(rround(rate[0] - rate[1], 1), "pp")));
	v = view_new("Comparison: last %g vs last %g days", days[0], days[1]);
	if (!c.calls[0] || !c.calls[1])
		v = view_empty(v, "Insufficient telemetry data for comparison.");
	r->view = view_table(v, NULL, strs("Metric", label[0], label[1], "Change", NULL), "lrrr", rows);
	r->charts = JV_ARRAY(chart_point(chart_point(chart_new("Calls", "bar", ""), jv_string(label[0]), c.calls[0]),
	                                 jv_string(label[1]), c.calls[1]),
	                     chart_point(chart_point(chart_new("Cost", "bar", "$"), jv_string(label[0]), cost[0]),
	                                 jv_string(label[1]), cost[1]));
	r->csv = NULL;
	return 0;
}

/* --- models -------------------------------------------------------------------------------- */

struct models {
	struct span provider; /* the --provider filter, or NULL */
	struct smap map;      /* provider+model -> {calls, cost, successes, duration, provider length} */
	char *key;
	size_t cap;
};

static int models_rec(void *ctx, struct urec *u)
{
	struct models *m = ctx;
	struct span p = or_unknown(u->provider), mo = or_unknown(u->model);
	double *v;

	if (m->provider.s && (p.n != m->provider.n || memcmp(p.s, m->provider.s, p.n)))
		return 0;
	if (p.n + mo.n > m->cap)
		m->key = realloc(m->key, m->cap = p.n + mo.n);
	memcpy(m->key, p.s, p.n);
	memcpy(m->key + p.n, mo.s, mo.n);
	v = smap_get(&m->map, m->key, p.n + mo.n);
	v[0] += 1;
	v[1] += u->cost;
	v[2] += u->success;
	v[3] += u->duration;
	v[4] = (double)p.n; /* where the provider ends in the key */
	return 0;
}

/* Providers by name, then models by total cost, largest first. */
static int by_provider_cost(const struct smap_ent *a, const struct smap_ent *b)
{
	size_t an = (size_t)a->v[4], bn = (size_t)b->v[4];
	int c = memcmp(a->key, b->key, an < bn ? an : bn);

	if (c || an != bn)
		return c ? c : (an > bn) - (an < bn);
	return (a->v[1] < b->v[1]) - (a->v[1] > b->v[1]);
}

int attune_report_models(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct models m = {{o->provider, o->provider ? strlen(o->provider) : 0}};
	struct rwin w;
	jv list = jv_array(), rows = jv_array(), v, chart = chart_new("Cost per model", "bar", "$");
	size_t *ix;
	int rc;

	smap_init(&m.map, 5);
	rwin_init(&w, o, 7, 0);
	rc = usage_each(o, w.since, &r->skipped, models_rec, &m, err, errlen);
	free(m.key);
	if (rc) {
		smap_free(&m.map);
		jv_free(list);
		jv_free(rows);
		jv_free(chart);
		return rc;
	}
	ix = smap_order(&m.map, by_provider_cost);
	for (size_t i = 0; i < m.map.n; i++) {
		const struct smap_ent *e = &m.map.ent[ix[i]];
		size_t pn = (size_t)e->v[4];
		const double *x = e->v;
		jv model = jstr(e->key + pn, e->klen - pn), row;
		row = JV_OBJECT(jv_string("provider"), jstr(e->key, pn), jv_string("model"), jv_copy(model),
		                jv_string("calls"), jv_number(x[0]), jv_string("total_cost"), jv_number(rround(x[1], 6)));
		row = jv_object_set(row, jv_string("avg_cost"), jv_number(rround(x[1] / x[0], 6)));
		row = jv_object_set(row, jv_string("success_rate"), jv_number(rround(x[2] / x[0] * 100, 1)));
		row = jv_object_set(row, jv_string("avg_duration_ms"), jv_number(rround(x[3] / x[0], 1)));
		list = jv_array_append(list, row);
		rows = jv_array_append(rows, JV_ARRAY(t_cut(e->key, pn, 20), t_cut(e->key + pn, e->klen - pn, 40), t_int(x[0]),
		                                      t_money(x[1], 4), t_money(x[1] / x[0], 4), t_pct(x[2] / x[0] * 100, 1),
		                                      tcat(t_int(round(x[3] / x[0])), "ms", jv_string(""))));
		chart = chart_point(chart, model, x[1]);
	}
	free(ix);
	r->data = JV_OBJECT(jv_string("days"), rwin_days(&w), jv_string("models"), list);
	v = view_new("Models, %s", w.label);
	if (!m.map.n)
		v = view_empty(v, "No telemetry data found.");
	r->view = view_table(v, NULL, strs("Provider", "Model", "Calls", "Total cost", "Avg cost", "Success", "Avg duration", NULL),
	                     "llrrrrr", rows);
	r->charts = JV_ARRAY(chart);
	r->csv = "models";
	smap_free(&m.map);
	return 0;
}
