/* report_tier1.c — reports over the project folder's TelemetryStore files (ORIGINAL 10.2, 11):
 * sonnet-opus, routing, tests, coverage, agents, file-tests and the tier1 summary. These logs
 * are small, so each line goes through jv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "json.h"
#include "report_impl.h"

#define HISTORY_MAX 1000 /* coverage history kept, as attune-ai's read limit */
#define FAILING_TOP 10

static int rec_bool(jv rec, const char *key, int def) /* rec borrowed; JSON true only */
{
	jv v = jv_object_get(jv_copy(rec), jv_string(key));
	jv_kind k = jv_get_kind(v);

	jv_free(v);
	return k == JV_KIND_INVALID ? def : k == JV_KIND_TRUE;
}

/* A string field, or def when absent (NULL when present but not a string). */
static const char *rec_str(jv rec, const char *key, const char *def)
{
	jv v = jv_object_get(jv_copy(rec), jv_string(key));
	int absent = !jv_is_valid(v);

	jv_free(v);
	return absent ? def : attune_json_str(rec, key);
}

/* Stream one file of the project folder. */
static int scan(const struct attune_report_opts *o, struct rsrc *s, const char *name, const char *tsfield, double since,
                int (*fn)(void *ctx, jv rec, double t), void *ctx, char *err, size_t errlen)
{
	char *p = path_join(o->dir, name);
	int rc;

	rsrc_plan(s, &p, 1);
	rc = rsrc_records(s, p, tsfield, since, fn, ctx, err, errlen);
	free(p);
	return rc;
}

static void count_key(struct smap *m, const char *key, int success)
{
	double *v;

	key = key ? key : "unknown";
	v = smap_get(m, key, strlen(key));
	v[0] += 1;
	v[1] += success;
}

static jv rate_text(double success, double total)
{
	return jv_string_fmt("%.0f/%.0f (%.1f%%)", success, total, rdiv(success, total) * 100);
}

/* --- sonnet-opus ------------------------------------------------------------------------ */

struct sonnet {
	double total, attempts, successes, fallbacks, actual, always;
};

static int sonnet_rec(void *ctx, jv rec, double t)
{
	struct sonnet *s = ctx;
	const char *provider = rec_str(rec, "provider", "anthropic"), *model = rec_str(rec, "model_id", "");
	int sonnet = model && strstr(model, "sonnet"), opus = model && strstr(model, "opus");

	(void)t;
	if (!provider || strcmp(provider, "anthropic") || (!sonnet && !opus))
		return 0;
	s->total++;
	if (sonnet) {
		s->attempts++;
		s->successes += rec_bool(rec, "success", 1);
	} else {
		s->fallbacks += rec_bool(rec, "fallback_used", 0);
	}
	s->actual += attune_json_num(rec, "estimated_cost", 0);
	s->always += attune_json_num(rec, "input_tokens", 0) * (5.00 / 1000000) +
	             attune_json_num(rec, "output_tokens", 0) * (25.00 / 1000000);
	return 0;
}

int attune_report_sonnet_opus(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct sonnet s = {0};
	struct rsrc src;
	struct rwin w;
	double rate, fallback, savings, pct;
	jv facts, v;
	int rc;

	rwin_init(&w, o, 30, 0);
	rsrc_init(&src, o);
	rc = scan(o, &src, "llm_calls.jsonl", "timestamp", w.since, sonnet_rec, &s, err, errlen);
	r->skipped = src.skipped;
	rsrc_free(&src);
	if (rc)
		return rc;
	rate = rdiv(s.successes, s.attempts) * 100;
	fallback = rdiv(s.fallbacks, s.total) * 100;
	savings = s.always - s.actual;
	pct = s.always > 0 ? savings / s.always * 100 : 0;
	r->data = JV_OBJECT(jv_string("total_calls"), jv_number(s.total), jv_string("sonnet_attempts"), jv_number(s.attempts),
	                    jv_string("sonnet_successes"), jv_number(s.successes), jv_string("sonnet_success_rate"),
	                    jv_number(rate), jv_string("opus_fallbacks"), jv_number(s.fallbacks));
	r->data = jv_object_set(r->data, jv_string("fallback_rate"), jv_number(fallback));
	r->data = jv_object_set(r->data, jv_string("actual_cost"), jv_number(s.actual));
	r->data = jv_object_set(r->data, jv_string("always_opus_cost"), jv_number(s.always));
	r->data = jv_object_set(r->data, jv_string("savings"), jv_number(savings));
	r->data = jv_object_set(r->data, jv_string("savings_percent"), jv_number(pct));

	v = view_new("Sonnet/Opus fallback analysis, %s", w.label);
	if (!s.total)
		v = view_empty(v, "No Sonnet/Opus calls found in the %s.", w.label);
	facts = fact(jv_array(), "Total Anthropic calls", t_int(s.total));
	facts = fact(facts, "Sonnet attempts", t_int(s.attempts));
	facts = fact(facts, "Sonnet success rate", t_pct(rate, 1));
	facts = fact(facts, "Opus fallbacks", t_int(s.fallbacks));
	facts = fact(facts, "Fallback rate", t_pct(fallback, 1));
	v = view_facts(v, "Calls", facts);
	facts = fact(jv_array(), "Actual cost", t_money(s.actual, 2));
	facts = fact(facts, "Always-Premium cost", t_money(s.always, 2));
	facts = fact(facts, "Savings", t_money_pct(savings, pct));
	facts = fact(facts, "Avg cost/call", tcat(t_money(rdiv(s.actual, s.total), 4), " (all-Opus: ",
	                                          tcat(t_money(rdiv(s.always, s.total), 4), ")", jv_string(""))));
	v = view_facts(v, "Cost", facts);
	r->view = view_note(v, "%s",
	                    fallback < 5    ? "Excellent: Sonnet handles almost every task (fallback rate below 5%)."
	                    : fallback < 15 ? "Moderate: some tasks need Opus (fallback rate 5-15%); review which ones."
	                                    : "High: Opus is needed often (fallback rate 15% or more); consider routing "
	                                      "those tasks to Opus directly.");
	r->charts = JV_ARRAY(chart_point(chart_point(chart_new("Cost", "bar", "$"), jv_string("Actual"), s.actual),
	                                 jv_string("Always Opus"), s.always),
	                     chart_point(chart_point(chart_point(chart_new("Calls", "bar", ""), jv_string("Sonnet successes"),
	                                                         s.successes),
	                                             jv_string("Sonnet failures"), s.attempts - s.successes),
	                                 jv_string("Opus fallbacks"), s.fallbacks));
	r->csv = NULL;
	return 0;
}

/* --- task routing ------------------------------------------------------------------------ */

struct routing {
	double total, successful, confidence;
	struct smap type, strategy; /* -> {total, success} */
};

static int routing_rec(void *ctx, jv rec, double t)
{
	struct routing *ro = ctx;
	int ok = rec_bool(rec, "success", 0);

	(void)t;
	ro->total++;
	ro->successful += ok;
	ro->confidence += attune_json_num(rec, "confidence_score", 1.0);
	count_key(&ro->type, attune_json_str(rec, "task_type"), ok);
	count_key(&ro->strategy, attune_json_str(rec, "routing_strategy"), ok);
	return 0;
}

/* attune-ai's task_routing_accuracy. */
static jv routing_data(const struct routing *ro)
{
	jv types = jv_object(), strategies = jv_object();

	for (size_t i = 0; i < ro->type.n; i++) {
		const struct smap_ent *e = &ro->type.ent[i];
		types = jv_object_set(types, jstr(e->key, e->klen),
		                      JV_OBJECT(jv_string("total"), jv_number(e->v[0]), jv_string("success"), jv_number(e->v[1]),
		                                jv_string("rate"), jv_number(rdiv(e->v[1], e->v[0]))));
	}
	for (size_t i = 0; i < ro->strategy.n; i++) {
		const struct smap_ent *e = &ro->strategy.ent[i];
		strategies = jv_object_set(strategies, jstr(e->key, e->klen),
		                           JV_OBJECT(jv_string("total"), jv_number(e->v[0]), jv_string("success"),
		                                     jv_number(e->v[1])));
	}
	return JV_OBJECT(jv_string("total_tasks"), jv_number(ro->total), jv_string("successful_routing"),
	                 jv_number(ro->successful), jv_string("accuracy_rate"), jv_number(rdiv(ro->successful, ro->total)),
	                 jv_string("avg_confidence"), jv_number(rdiv(ro->confidence, ro->total)), jv_string("by_task_type"),
	                 types, jv_string("by_strategy"), strategies);
}

static jv routing_chart(const struct routing *ro)
{
	jv ch = chart_new("Routing accuracy per task type", "bar", "%");

	for (size_t i = 0; i < ro->type.n; i++)
		ch = chart_point(ch, jstr(ro->type.ent[i].key, ro->type.ent[i].klen),
		                 rdiv(ro->type.ent[i].v[1], ro->type.ent[i].v[0]) * 100);
	return ch;
}

/* --- test executions ------------------------------------------------------------------------ */

struct tests {
	double runs, successful, duration, tests, failures;
	struct smap failing; /* test name -> {failures, 0} (a count_key map) */
};

static int tests_rec(void *ctx, jv rec, double t)
{
	struct tests *te = ctx;
	jv failed = jv_object_get(jv_copy(rec), jv_string("failed_tests"));

	(void)t;
	te->runs++;
	te->successful += rec_bool(rec, "success", 0);
	te->duration += attune_json_num(rec, "duration_seconds", 0);
	te->tests += attune_json_num(rec, "total_tests", 0);
	te->failures += attune_json_num(rec, "failed", 0);
	if (jv_get_kind(failed) == JV_KIND_ARRAY) {
		jv_array_foreach(failed, i, test) {
			const char *name = attune_json_str(test, "name");
			(void)i;
			if (jv_get_kind(test) == JV_KIND_STRING)
				name = jv_string_value(test);
			count_key(&te->failing, name, 0);
			jv_free(test);
		}
	}
	jv_free(failed);
	return 0;
}

static jv most_failing(const struct tests *te)
{
	size_t *ix = smap_order(&te->failing, smap_by_first_desc);
	jv list = jv_array();

	for (size_t i = 0; i < te->failing.n && i < FAILING_TOP; i++) {
		const struct smap_ent *e = &te->failing.ent[ix[i]];
		list = jv_array_append(list, JV_OBJECT(jv_string("name"), jstr(e->key, e->klen), jv_string("failures"),
		                                       jv_number(e->v[0])));
	}
	free(ix);
	return list;
}

/* attune-ai's test_execution_trends (its coverage_trend is always "stable"). */
static jv tests_data(const struct tests *te)
{
	jv d = JV_OBJECT(jv_string("total_executions"), jv_number(te->runs), jv_string("success_rate"),
	                 jv_number(rdiv(te->successful, te->runs)), jv_string("avg_duration_seconds"),
	                 jv_number(rdiv(te->duration, te->runs)), jv_string("total_tests_run"), jv_number(te->tests),
	                 jv_string("total_failures"), jv_number(te->failures));
	d = jv_object_set(d, jv_string("coverage_trend"), jv_string("stable"));
	return jv_object_set(d, jv_string("most_failing_tests"), most_failing(te));
}

/* --- coverage ------------------------------------------------------------------------------ */

struct coverage {
	double n, first, last, gaps;
	jv history[HISTORY_MAX]; /* a ring of the newest {timestamp, coverage, trend} */
	long next;
};

static int coverage_rec(void *ctx, jv rec, double t)
{
	struct coverage *c = ctx;
	double pct = attune_json_num(rec, "overall_percentage", 0);
	jv gaps = jv_object_get(jv_copy(rec), jv_string("critical_gaps")), trend = jv_object_get(jv_copy(rec), jv_string("trend"));
	long k = c->next++ % HISTORY_MAX;

	(void)t;
	if (c->n++ == 0)
		c->first = pct;
	c->last = pct;
	c->gaps = jv_get_kind(gaps) == JV_KIND_ARRAY ? jv_array_length(gaps) : (jv_free(gaps), 0);
	if (c->next > HISTORY_MAX)
		jv_free(c->history[k]);
	c->history[k] = JV_OBJECT(jv_string("timestamp"), jv_object_get(jv_copy(rec), jv_string("timestamp")),
	                          jv_string("coverage"), jv_number(pct), jv_string("trend"),
	                          jv_is_valid(trend) ? trend : jv_null());
	return 0;
}

/* attune-ai's coverage_progress; the history is consumed. */
static jv coverage_data(struct coverage *c)
{
	jv hist = jv_array();
	double prev = c->n > 1 ? c->first : 0, change = c->n > 1 ? c->last - c->first : 0;
	const char *trend = !c->n ? "no_data" : change > 1.0 ? "improving" : change < -1.0 ? "declining" : "stable";
	long kept = c->next < HISTORY_MAX ? c->next : HISTORY_MAX;

	for (long i = c->next - kept; i < c->next; i++)
		hist = jv_array_append(hist, c->history[i % HISTORY_MAX]);
	c->next = 0;
	return JV_OBJECT(jv_string("current_coverage"), jv_number(c->last), jv_string("previous_coverage"), jv_number(prev),
	                 jv_string("change"), jv_number(change), jv_string("trend"), jv_string(trend),
	                 jv_string("coverage_history"), hist, jv_string("files_improved"), jv_number(0),
	                 jv_string("files_declined"), jv_number(0), jv_string("critical_gaps_count"), jv_number(c->gaps));
}

static void coverage_free(struct coverage *c)
{
	long kept = c->next < HISTORY_MAX ? c->next : HISTORY_MAX;

	for (long i = c->next - kept; i < c->next; i++)
		jv_free(c->history[i % HISTORY_MAX]);
	c->next = 0;
}

static jv coverage_chart(jv data) /* data borrowed */
{
	jv ch = chart_new("Coverage over time", "line", "%"), hist = report_get(data, "coverage_history");

	jv_array_foreach(hist, i, h) {
		jv ts = report_get(h, "timestamp");
		double t;
		char day[20] = "";
		(void)i;
		if (jv_get_kind(ts) == JV_KIND_STRING && rtime_parse(jv_string_value(ts), strlen(jv_string_value(ts)), &t) == 0)
			rtime_text(t, day);
		ch = chart_point(ch, jv_string_sized(day, 16 < strlen(day) ? 16 : (int)strlen(day)),
		                 jv_number_value(jv_object_get(h, jv_string("coverage"))));
		jv_free(ts);
	}
	jv_free(hist);
	return ch;
}

/* --- agent assignments --------------------------------------------------------------------- */

struct agents {
	double total, automated, review;
	struct smap agent; /* -> {assignments, completed, successful, duration of completed} */
};

static int agents_rec(void *ctx, jv rec, double t)
{
	struct agents *a = ctx;
	const char *name = attune_json_str(rec, "assigned_agent");
	double *v, hours;
	const char *status = attune_json_str(rec, "status");

	(void)t;
	name = name ? name : "unknown";
	v = smap_get(&a->agent, name, strlen(name));
	a->total++;
	v[0]++;
	if (status && !strcmp(status, "completed")) {
		v[1]++;
		hours = attune_json_num(rec, "actual_duration_hours", NAN);
		v[3] += isnan(hours) ? 0 : hours;
	}
	v[2] += rec_bool(rec, "success", 0);
	a->automated += rec_bool(rec, "automated_eligible", 0);
	a->review += rec_bool(rec, "human_review_required", 0);
	return 0;
}

/* attune-ai's agent_performance. */
static jv agents_data(const struct agents *a)
{
	jv by = jv_object();

	for (size_t i = 0; i < a->agent.n; i++) {
		const struct smap_ent *e = &a->agent.ent[i];
		by = jv_object_set(by, jstr(e->key, e->klen),
		                   JV_OBJECT(jv_string("assignments"), jv_number(e->v[0]), jv_string("completed"),
		                             jv_number(e->v[1]), jv_string("success_rate"), jv_number(e->v[2] / e->v[0]),
		                             jv_string("avg_duration_hours"), jv_number(rdiv(e->v[3], e->v[1])),
		                             jv_string("quality_score_avg"), jv_number(0)));
	}
	return JV_OBJECT(jv_string("total_assignments"), jv_number(a->total), jv_string("by_agent"), by,
	                 jv_string("automation_rate"), jv_number(rdiv(a->automated, a->total)), jv_string("human_review_rate"),
	                 jv_number(rdiv(a->review, a->total)));
}

static jv agents_chart(const struct agents *a)
{
	jv ch = chart_new("Success rate per agent", "bar", "%");

	for (size_t i = 0; i < a->agent.n; i++)
		ch = chart_point(ch, jstr(a->agent.ent[i].key, a->agent.ent[i].klen),
		                 a->agent.ent[i].v[2] / a->agent.ent[i].v[0] * 100);
	return ch;
}

/* --- workflow runs --------------------------------------------------------------------------- */

struct runs {
	double count, cost, baseline, savings;
};

static int runs_rec(void *ctx, jv rec, double t)
{
	struct runs *ru = ctx;

	(void)t;
	ru->count++;
	ru->cost += attune_json_num(rec, "total_cost", 0);
	ru->baseline += attune_json_num(rec, "baseline_cost", 0);
	ru->savings += attune_json_num(rec, "savings", 0);
	return 0;
}

/* attune-ai writes workflow runs to $ATTUNE_HOME/telemetry unless given a folder: use the
 * project folder's file when --dir is given or when it has one. */
static char *runs_path(const struct attune_report_opts *o)
{
	char *p = path_join(o->dir, "workflow_runs.jsonl"), *home;
	struct stat st;

	if (o->dir_given || stat(p, &st) == 0)
		return p;
	free(p);
	home = path_join(o->home, "telemetry");
	p = path_join(home, "workflow_runs.jsonl");
	free(home);
	return p;
}

/* attune-ai's cost_savings_report. */
static jv runs_data(const struct runs *ru)
{
	return JV_OBJECT(jv_string("workflow_count"), jv_number(ru->count), jv_string("total_actual_cost"),
	                 jv_number(ru->cost), jv_string("total_baseline_cost"), jv_number(ru->baseline),
	                 jv_string("total_savings"), jv_number(ru->savings), jv_string("savings_percent"),
	                 jv_number(ru->baseline > 0 ? ru->savings / ru->baseline * 100 : 0), jv_string("avg_cost_per_workflow"),
	                 jv_number(rdiv(ru->cost, ru->count)));
}

/* --- the reports ------------------------------------------------------------------------------ */

static jv routing_view(jv v, const struct routing *ro)
{
	jv facts = fact(jv_array(), "Total Tasks", t_int(ro->total)), types = jv_array(), strategies = jv_array();

	facts = fact(facts, "Successful", t_int(ro->successful));
	facts = fact(facts, "Accuracy Rate", t_pct(rdiv(ro->successful, ro->total) * 100, 1));
	facts = fact(facts, "Avg Confidence", t_num(rdiv(ro->confidence, ro->total), 2));
	v = view_facts(v, NULL, facts);
	for (size_t i = 0; i < ro->type.n; i++)
		types = fact(types, ro->type.ent[i].key, rate_text(ro->type.ent[i].v[1], ro->type.ent[i].v[0]));
	for (size_t i = 0; i < ro->strategy.n; i++)
		strategies = fact(strategies, ro->strategy.ent[i].key,
		                  rate_text(ro->strategy.ent[i].v[1], ro->strategy.ent[i].v[0]));
	v = view_facts(v, "By task type", types);
	return view_facts(v, "By strategy", strategies);
}

int attune_report_routing(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct routing ro = {0};
	struct rsrc src;
	struct rwin w;
	jv v;
	int rc;

	smap_init(&ro.type, 2);
	smap_init(&ro.strategy, 2);
	rwin_init(&w, o, 0, 24);
	rsrc_init(&src, o);
	rc = scan(o, &src, "task_routing.jsonl", "timestamp", w.since, routing_rec, &ro, err, errlen);
	r->skipped = src.skipped;
	rsrc_free(&src);
	if (!rc) {
		r->data = jv_object_merge(JV_OBJECT(jv_string("hours"), rwin_hours(&w)), routing_data(&ro));
		v = view_new("Task routing, %s", w.label);
		if (!ro.total)
			v = view_empty(v, "No task routing data found in the %s.", w.label);
		r->view = routing_view(v, &ro);
		r->charts = JV_ARRAY(routing_chart(&ro));
		r->csv = "by_task_type";
	}
	smap_free(&ro.type);
	smap_free(&ro.strategy);
	return rc;
}

static jv failing_view(jv v, jv failing) /* failing borrowed */
{
	jv facts = jv_array();

	jv_array_foreach(failing, i, f) {
		jv name = report_get(f, "name");
		(void)i;
		facts = fact(facts, jv_string_value(name),
		             jv_string_fmt("%.0f failure%s", attune_json_num(f, "failures", 0),
		                           attune_json_num(f, "failures", 0) == 1 ? "" : "s"));
		jv_free(name);
		jv_free(f);
	}
	return view_facts(v, "Most Frequently Failing Tests", facts);
}

int attune_report_tests(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct tests te = {0};
	struct coverage *c = calloc(1, sizeof *c);
	struct rsrc src;
	struct rwin w;
	jv v, facts, cov, failing, chart;
	int rc;

	smap_init(&te.failing, 2);
	rwin_init(&w, o, 0, 24);
	rsrc_init(&src, o);
	rc = scan(o, &src, "test_executions.jsonl", "timestamp", w.since, tests_rec, &te, err, errlen);
	if (!rc)
		rc = scan(o, &src, "coverage_history.jsonl", "timestamp", w.since, coverage_rec, c, err, errlen);
	r->skipped = src.skipped;
	rsrc_free(&src);
	if (!rc) {
		cov = coverage_data(c);
		failing = most_failing(&te);
		r->data = JV_OBJECT(jv_string("hours"), rwin_hours(&w), jv_string("total_executions"), jv_number(te.runs),
		                    jv_string("success_rate"), jv_number(rdiv(te.successful, te.runs)),
		                    jv_string("avg_duration_seconds"), jv_number(rdiv(te.duration, te.runs)),
		                    jv_string("total_tests_run"), jv_number(te.tests));
		r->data = jv_object_set(r->data, jv_string("total_failures"), jv_number(te.failures));
		r->data = jv_object_set(r->data, jv_string("current_coverage"), report_get(cov, "current_coverage"));
		r->data = jv_object_set(r->data, jv_string("coverage_trend"), report_get(cov, "trend"));
		r->data = jv_object_set(r->data, jv_string("most_failing_tests"), jv_copy(failing));
		v = view_new("Test status, %s", w.label);
		if (!te.runs)
			v = view_empty(v, "No test execution data found in the %s.", w.label);
		facts = fact(jv_array(), "Total Runs", t_int(te.runs));
		facts = fact(facts, "Success Rate", t_pct(rdiv(te.successful, te.runs) * 100, 1));
		facts = fact(facts, "Avg Duration", tcat(t_num(rdiv(te.duration, te.runs), 1), "s", jv_string("")));
		facts = fact(facts, "Total Tests Run", t_int(te.tests));
		facts = fact(facts, "Total Failures", t_int(te.failures));
		facts = fact(facts, "Current Coverage", t_pct(c->last, 1));
		facts = fact(facts, "Coverage Trend", report_get(cov, "trend"));
		v = view_facts(v, NULL, facts);
		r->view = failing_view(v, failing);
		chart = chart_new("Most failing tests", "bar", "");
		jv_array_foreach(failing, i, f) {
			(void)i;
			chart = chart_point(chart, report_get(f, "name"), attune_json_num(f, "failures", 0));
			jv_free(f);
		}
		r->charts = JV_ARRAY(chart);
		r->csv = "most_failing_tests";
		jv_free(failing);
		jv_free(cov);
	}
	coverage_free(c);
	free(c);
	smap_free(&te.failing);
	return rc;
}

int attune_report_coverage(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct coverage *c = calloc(1, sizeof *c);
	struct rsrc src;
	struct rwin w;
	jv v, facts, rows = jv_array(), hist;
	int rc, n;

	rwin_init(&w, o, 30, 0);
	rsrc_init(&src, o);
	rc = scan(o, &src, "coverage_history.jsonl", "timestamp", w.since, coverage_rec, c, err, errlen);
	r->skipped = src.skipped;
	rsrc_free(&src);
	if (!rc) {
		r->data = jv_object_merge(JV_OBJECT(jv_string("days"), rwin_days(&w)), coverage_data(c));
		v = view_new("Coverage, %s", w.label);
		if (!c->n)
			v = view_empty(v, "No coverage data found in the %s.", w.label);
		facts = fact(jv_array(), "Current", t_pct(c->last, 1));
		facts = fact(facts, "Previous", t_pct(c->n > 1 ? c->first : 0, 1));
		facts = fact(facts, "Change", jv_string_fmt("%+.1f%%", c->n > 1 ? c->last - c->first : 0));
		facts = fact(facts, "Trend", report_get(r->data, "trend"));
		facts = fact(facts, "Critical Gaps", t_int(c->gaps));
		facts = fact(facts, "Records", t_int(c->n));
		v = view_facts(v, NULL, facts);
		hist = report_get(r->data, "coverage_history");
		n = jv_array_length(jv_copy(hist));
		for (int i = n > 20 ? n - 20 : 0; i < n; i++) {
			jv h = jv_array_get(jv_copy(hist), i), ts = report_get(h, "timestamp"), trend = report_get(h, "trend");
			rows = jv_array_append(rows, JV_ARRAY(jv_get_kind(ts) == JV_KIND_STRING ? ts : (jv_free(ts), jv_string("-")),
			                                      t_pct(attune_json_num(h, "coverage", 0), 1),
			                                      jv_get_kind(trend) == JV_KIND_STRING ? trend : (jv_free(trend), jv_string("-"))));
			jv_free(h);
		}
		jv_free(hist);
		r->view = view_table(v, n > 20 ? "History (last 20)" : "History", strs("Timestamp", "Coverage", "Trend", NULL),
		                     "lrl", rows);
		r->charts = JV_ARRAY(coverage_chart(r->data));
		r->csv = "coverage_history";
	} else {
		jv_free(rows);
	}
	coverage_free(c);
	free(c);
	return rc;
}

static jv agents_view(jv v, const struct agents *a)
{
	jv rows = jv_array(), facts;

	for (size_t i = 0; i < a->agent.n; i++) {
		const double *x = a->agent.ent[i].v;
		rows = jv_array_append(rows, JV_ARRAY(jstr(a->agent.ent[i].key, a->agent.ent[i].klen), t_int(x[0]), t_int(x[1]),
		                                      t_pct(x[2] / x[0] * 100, 1), jv_string_fmt("%.2fh", rdiv(x[3], x[1]))));
	}
	v = view_table(v, NULL, strs("Agent", "Assignments", "Completed", "Success Rate", "Avg Duration", NULL), "lrrrr", rows);
	facts = fact(jv_array(), "Automation Rate", t_pct(rdiv(a->automated, a->total) * 100, 1));
	facts = fact(facts, "Human Review Rate", t_pct(rdiv(a->review, a->total) * 100, 1));
	return view_facts(v, NULL, facts);
}

int attune_report_agents(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct agents a = {0};
	struct rsrc src;
	struct rwin w;
	jv v;
	int rc;

	smap_init(&a.agent, 4);
	rwin_init(&w, o, 0, 168);
	rsrc_init(&src, o);
	rc = scan(o, &src, "agent_assignments.jsonl", "timestamp", w.since, agents_rec, &a, err, errlen);
	r->skipped = src.skipped;
	rsrc_free(&src);
	if (!rc) {
		r->data = jv_object_merge(JV_OBJECT(jv_string("hours"), rwin_hours(&w)), agents_data(&a));
		v = view_new("Agent performance, %s", w.label);
		if (!a.total)
			v = view_empty(v, "No agent assignment data found in the %s.", w.label);
		r->view = agents_view(v, &a);
		r->charts = JV_ARRAY(agents_chart(&a));
		r->csv = "by_agent";
	}
	smap_free(&a.agent);
	return rc;
}

int attune_report_tier1(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct routing ro = {0};
	struct tests te = {0};
	struct coverage *c = calloc(1, sizeof *c);
	struct agents a = {0};
	struct runs ru = {0};
	struct rsrc src;
	struct rwin w;
	jv v, facts, cov;
	char *runs = runs_path(o);
	int rc;

	smap_init(&ro.type, 2);
	smap_init(&ro.strategy, 2);
	smap_init(&te.failing, 2);
	smap_init(&a.agent, 4);
	rwin_init(&w, o, 0, 24);
	rsrc_init(&src, o);
	rc = scan(o, &src, "task_routing.jsonl", "timestamp", w.since, routing_rec, &ro, err, errlen);
	if (!rc)
		rc = scan(o, &src, "test_executions.jsonl", "timestamp", w.since, tests_rec, &te, err, errlen);
	if (!rc)
		rc = scan(o, &src, "coverage_history.jsonl", "timestamp", w.since, coverage_rec, c, err, errlen);
	if (!rc)
		rc = scan(o, &src, "agent_assignments.jsonl", "timestamp", w.since, agents_rec, &a, err, errlen);
	if (!rc) {
		rsrc_plan(&src, &runs, 1);
		rc = rsrc_records(&src, runs, "started_at", w.since, runs_rec, &ru, err, errlen);
	}
	r->skipped = src.skipped;
	rsrc_free(&src);
	if (!rc) {
		cov = coverage_data(c);
		r->data = JV_OBJECT(jv_string("task_routing"), routing_data(&ro), jv_string("test_execution"), tests_data(&te),
		                    jv_string("coverage"), jv_copy(cov), jv_string("agent_performance"), agents_data(&a),
		                    jv_string("cost_savings"), runs_data(&ru));
		v = view_new("Tier 1 automation status, %s", w.label);
		facts = fact(jv_array(), "Total Tasks", t_int(ro.total));
		facts = fact(facts, "Success Rate", t_pct(rdiv(ro.successful, ro.total) * 100, 1));
		facts = fact(facts, "Avg Confidence", t_num(rdiv(ro.confidence, ro.total), 2));
		v = view_facts(v, "Task Routing", facts);
		facts = fact(jv_array(), "Total Runs", t_int(te.runs));
		facts = fact(facts, "Success Rate", t_pct(rdiv(te.successful, te.runs) * 100, 1));
		facts = fact(facts, "Avg Duration", tcat(t_num(rdiv(te.duration, te.runs), 1), "s", jv_string("")));
		facts = fact(facts, "Total Failures", t_int(te.failures));
		v = view_facts(v, "Test Execution", facts);
		facts = fact(jv_array(), "Current", t_pct(c->last, 1));
		facts = fact(facts, "Change", jv_string_fmt("%+.1f%%", c->n > 1 ? c->last - c->first : 0));
		facts = fact(facts, "Trend", report_get(cov, "trend"));
		facts = fact(facts, "Critical Gaps", t_int(c->gaps));
		v = view_facts(v, "Coverage", facts);
		facts = fact(jv_array(), "Active Agents", t_int((double)a.agent.n));
		facts = fact(facts, "Automation Rate", t_pct(rdiv(a.automated, a.total) * 100, 1));
		facts = fact(facts, "Human Review Rate", t_pct(rdiv(a.review, a.total) * 100, 1));
		v = view_facts(v, "Agent Performance", facts);
		facts = fact(jv_array(), "Workflows", t_int(ru.count));
		facts = fact(facts, "Actual cost", t_money(ru.cost, 2));
		facts = fact(facts, "Baseline cost", t_money(ru.baseline, 2));
		facts = fact(facts, "Savings", t_money_pct(ru.savings, ru.baseline > 0 ? ru.savings / ru.baseline * 100 : 0));
		v = view_facts(v, "Cost Savings", facts);
		if (!ro.total && !te.runs && !c->n && !a.total && !ru.count)
			v = view_note(v, "No Tier 1 data found in the %s.", w.label);
		r->view = v;
		r->charts = JV_ARRAY(routing_chart(&ro), coverage_chart(cov), agents_chart(&a));
		r->csv = NULL;
		jv_free(cov);
	}
	free(runs);
	coverage_free(c);
	free(c);
	smap_free(&ro.type);
	smap_free(&ro.strategy);
	smap_free(&te.failing);
	smap_free(&a.agent);
	return rc;
}

/* --- file tests ----------------------------------------------------------------------------- */

struct files {
	const struct attune_report_opts *o;
	struct rsrc *src;
	struct smap latest; /* path -> {time, index in recs} */
	jv recs;
};

static int files_rec(void *ctx, jv rec, double t)
{
	struct files *fi = ctx;
	const char *path = attune_json_str(rec, "file_path");
	double *v;

	if (!path) {
		fi->src->skipped++;
		return 0;
	}
	if (fi->o->file && strcmp(path, fi->o->file))
		return 0;
	v = smap_get(&fi->latest, path, strlen(path));
	if (v[1] == 0) { /* new: index + 1 */
		fi->recs = jv_array_append(fi->recs, jv_copy(rec));
		v[1] = jv_array_length(jv_copy(fi->recs));
		v[0] = t;
	} else if (t >= v[0]) {
		fi->recs = jv_array_set(fi->recs, (int)v[1] - 1, jv_copy(rec));
		v[0] = t;
	}
	return 0;
}

static int is_failed(jv rec)
{
	const char *res = attune_json_str(rec, "last_test_result");

	return res && (!strcmp(res, "failed") || !strcmp(res, "error"));
}

static int by_path(const void *a, const void *b)
{
	jv x = *(const jv *)a, y = *(const jv *)b;

	return strcmp(attune_json_str(x, "file_path"), attune_json_str(y, "file_path"));
}

static jv result_text(jv rec) /* rec borrowed */
{
	const char *res = attune_json_str(rec, "last_test_result");

	return jv_string_fmt("%s%s", res ? res : "-", rec_bool(rec, "is_stale", 0) ? " [STALE]" : "");
}

static jv duration_text(jv rec)
{
	double d = attune_json_num(rec, "duration_seconds", NAN);

	return isnan(d) ? jv_string("-") : jv_string_fmt("%.1fs", d);
}

static jv when_text(jv rec, int len)
{
	const char *ts = attune_json_str(rec, "timestamp");
	char buf[20];
	double t;

	if (!ts || rtime_parse(ts, strlen(ts), &t) < 0)
		return jv_string("-");
	rtime_text(t, buf);
	return jv_string_sized(buf, len);
}

static jv test_texts(jv t, const char **name) /* t borrowed: a name or {name, error} */
{
	*name = jv_get_kind(t) == JV_KIND_STRING ? jv_string_value(t) : attune_json_str(t, "name");
	*name = *name ? *name : "unknown";
	return jv_string(attune_json_str(t, "error") ? attune_json_str(t, "error") : "");
}

/* The failed tests of the first 10 records, 3 each. */
static jv failures_table(jv v, jv list) /* list borrowed */
{
	jv rows = jv_array();
	int n = 0;

	jv_array_foreach(list, i, rec) {
		jv failed = report_get(rec, "failed_tests");
		if (i < 10 && jv_get_kind(failed) == JV_KIND_ARRAY) {
			jv_array_foreach(failed, k, t) {
				const char *name;
				jv error = test_texts(t, &name);
				if (k < 3) {
					rows = jv_array_append(rows, JV_ARRAY(report_get(rec, "file_path"), t_cut(name, strlen(name), 40),
					                                      t_cut(jv_string_value(error), strlen(jv_string_value(error)), 50)));
					n++;
				}
				jv_free(error);
				jv_free(t);
			}
		}
		jv_free(failed);
		jv_free(rec);
	}
	if (!n) {
		jv_free(rows);
		return v;
	}
	return view_table(v, "Failed tests", strs("File", "Test", "Error", NULL), "lll", rows);
}

int attune_report_file_tests(const struct attune_report_opts *o, struct attune_report *r, char *err, size_t errlen)
{
	struct rsrc src;
	struct files fi = {o, &src, {0}, jv_array()};
	struct rwin w;
	double count[5] = {0}; /* files, passed, failed, no tests, stale */
	jv *all, list = jv_array(), rows = jv_array(), v, facts;
	long limit = o->limit > 0 ? o->limit : 50, n = 0, total;
	int rc;
	const char *which = o->failed && o->stale ? "failed and stale " : o->failed ? "failed " : o->stale ? "stale " : "";

	smap_init(&fi.latest, 2);
	rwin_init(&w, o, 0, 0);
	rsrc_init(&src, o);
	rc = scan(o, &src, "file_tests.jsonl", "timestamp", w.since, files_rec, &fi, err, errlen);
	r->skipped = src.skipped;
	rsrc_free(&src);
	smap_free(&fi.latest);
	if (rc) {
		jv_free(fi.recs);
		jv_free(list);
		jv_free(rows);
		return rc;
	}
	total = jv_array_length(jv_copy(fi.recs));
	all = malloc(sizeof *all * (size_t)(total + 1));
	for (long i = 0; i < total; i++) {
		jv rec = jv_array_get(jv_copy(fi.recs), (int)i);
		const char *res = attune_json_str(rec, "last_test_result");
		int stale = rec_bool(rec, "is_stale", 0);
		if ((o->failed && !is_failed(rec)) || (o->stale && !stale)) {
			jv_free(rec);
			continue;
		}
		count[0]++;
		count[1] += res && !strcmp(res, "passed");
		count[2] += is_failed(rec);
		count[3] += res && !strcmp(res, "no_tests");
		count[4] += stale;
		all[n++] = rec;
	}
	jv_free(fi.recs);
	qsort(all, (size_t)n, sizeof *all, by_path);
	for (long i = 0; i < n; i++) {
		if (i < limit) {
			rows = jv_array_append(rows, JV_ARRAY(report_get(all[i], "file_path"), result_text(all[i]),
			                                      t_int(attune_json_num(all[i], "test_count", 0)),
			                                      t_int(attune_json_num(all[i], "passed", 0)),
			                                      t_int(attune_json_num(all[i], "failed", 0) + attune_json_num(all[i], "errors", 0)),
			                                      duration_text(all[i]), when_text(all[i], 16),
			                                      jv_string(rec_bool(all[i], "is_stale", 0) ? "YES" : "")));
			list = jv_array_append(list, all[i]);
		} else {
			jv_free(all[i]);
		}
	}
	free(all);
	r->data = JV_OBJECT(jv_string("days"), rwin_days(&w), jv_string("summary"),
	                    JV_OBJECT(jv_string("files"), jv_number(count[0]), jv_string("passed"), jv_number(count[1]),
	                              jv_string("failed"), jv_number(count[2]), jv_string("no_tests"), jv_number(count[3]),
	                              jv_string("stale"), jv_number(count[4])),
	                    jv_string("files"), jv_copy(list));
	v = view_new("Per-file test status, %s", w.label);
	if (o->file && !n)
		v = view_empty(v, "No test record found for: %s", o->file);
	else if (!n && !*which)
		v = view_empty(v, "No per-file test records found.");
	else if (!n)
		v = view_empty(v, "No %sfile test records found.", which);
	if (o->file && n) {
		jv rec = jv_array_get(jv_copy(list), 0);
		facts = fact(jv_array(), "File", report_get(rec, "file_path"));
		facts = fact(facts, "Status", result_text(rec));
		facts = fact(facts, "Tests", t_int(attune_json_num(rec, "test_count", 0)));
		facts = fact(facts, "Passed", t_int(attune_json_num(rec, "passed", 0)));
		facts = fact(facts, "Failed", t_int(attune_json_num(rec, "failed", 0) + attune_json_num(rec, "errors", 0)));
		facts = fact(facts, "Duration", duration_text(rec));
		facts = fact(facts, "Last Run", when_text(rec, 19));
		v = view_facts(v, NULL, facts);
		jv_free(rows);
		jv_free(rec);
	} else {
		facts = fact(jv_array(), "Files", t_int(count[0]));
		facts = fact(facts, "Passed", t_int(count[1]));
		facts = fact(facts, "Failed", t_int(count[2]));
		facts = fact(facts, "No Tests", t_int(count[3]));
		facts = fact(facts, "Stale", t_int(count[4]));
		v = view_facts(v, NULL, facts);
		v = view_table(v, n > limit ? "Files (first shown)" : NULL,
		               strs("File", "Result", "Tests", "Passed", "Failed", "Duration", "Last Run", "Stale", NULL),
		               "llrrrrll", rows);
	}
	r->view = failures_table(v, list);
	r->charts = JV_ARRAY(chart_point(chart_point(chart_point(chart_point(chart_new("Files by result", "bar", ""),
	                                                                     jv_string("passed"), count[1]),
	                                                         jv_string("failed"), count[2]),
	                                             jv_string("no tests"), count[3]),
	                                 jv_string("stale"), count[4]));
	r->csv = "files";
	jv_free(list);
	return 0;
}
