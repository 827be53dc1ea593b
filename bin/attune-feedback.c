/* attune-feedback — template ratings, tier-quality feedback and the help-query log. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "feedback.h"
#include "json.h"

static const char help[] =
	"usage: attune-feedback [-s URL] [-o json|text] [-p] [-q] COMMAND [ARG...]\n"
	"Template ratings:\n"
	"  rate TEMPLATE good|bad            add one rating, print the template's confidence\n"
	"  confidence TEMPLATE               print it without rating\n"
	"  list [--sort lower_bound|confidence|n] [-c N]   rank the templates\n"
	"  import FILE|-                     set the counts from attune-ai's feedback.json\n"
	"  export                            print every template in feedback.json form\n"
	"Tier quality (entries live 7 days):\n"
	"  score WORKFLOW STAGE TIER SCORE [--meta JSON]   record a quality score 0..1\n"
	"  history WORKFLOW STAGE [--tier T] [-c N]        the newest N entries (100)\n"
	"  stats WORKFLOW STAGE [--tier T]                 avg/min/max/count/trend\n"
	"  recommend WORKFLOW STAGE [--tier T]             upgrade, downgrade or keep\n"
	"  underperforming WORKFLOW [--threshold 0.7]      stage/tier averaging below it\n"
	"  clear WORKFLOW [STAGE]                          delete the entries\n"
	"Help-query log ($ATTUNE_HOME/telemetry, no store):\n"
	"  query TOPIC --source S --mode M (--found|--not-found) [--duration-ms N] [--meta JSON]\n"
	"  queries [--days N] [-c N]                       totals, hit rate, top topics\n"
	"Options:\n"
	"  -s, --store URL          store (default $ATTUNE_STORE, $REDIS_URL, sqlite://$ATTUNE_HOME/attune.db)\n"
	"      --namespace NS       prefix every key with NS: (default $ATTUNE_NAMESPACE)\n"
	"  -c, --count N            list: at most N; history: newest N; queries: top N (10)\n"
	"  -o, --format FMT         json (default) or text (list, rate, confidence, history,\n"
	"                           stats, recommend, underperforming, queries)\n"
	"  -p, --pretty             indented JSON\n"
	"  -q, --quiet              print nothing on success\n"
	"      --sort KEY           list order: lower_bound (default), confidence, n\n"
	"      --tier TIER          cheap, capable or premium\n"
	"      --meta JSON          metadata object (- reads stdin)\n"
	"      --threshold Q        underperforming below Q (0.7)\n"
	"      --source S, --mode M where and how the help lookup ran\n"
	"      --found, --not-found whether it found a topic\n"
	"      --duration-ms N      how long the lookup took\n"
	"      --days N             queries: only the last N days\n"
	"  -h, --help               this help\n"
	"  -V, --version            version\n"
	"Exit: 0 ok, 2 usage, 65 bad JSON, 69 store or log unavailable, 77 not permitted.\n";

static const struct option longopts[] = {
	{"sort", required_argument, 0, 256},   {"tier", required_argument, 0, 257},
	{"meta", required_argument, 0, 258},   {"threshold", required_argument, 0, 259},
	{"source", required_argument, 0, 260}, {"mode", required_argument, 0, 261},
	{"found", no_argument, 0, 262},        {"not-found", no_argument, 0, 263},
	{"duration-ms", required_argument, 0, 264}, {"days", required_argument, 0, 265},
	{0},
};
#define OPT(c) (1u << ((c) - 256))
enum { SORT = OPT(256), TIER = OPT(257), META = OPT(258), THRESHOLD = OPT(259), SOURCE = OPT(260),
       MODE = OPT(261), FOUND = OPT(262) | OPT(263), DURATION = OPT(264), DAYS = OPT(265),
       COUNT = 1u << 16, TEXT = 1u << 17 };

static const struct attune_tool tool = {"attune-feedback", "scopq", "", longopts, "json text", help};

static struct {
	unsigned given;
	const char *sort, *tier, *meta, *source, *mode;
	double threshold, duration_ms, days;
	int found;
} o = {.sort = "lower_bound", .threshold = 0.7, .duration_ms = -1};

/* A number in [min, max] (max < 0: no upper bound); days must be above 0. */
static double number_opt(const char *name, const char *arg, double min, double max)
{
	double x;

	if (attune_parse_number(arg, &x) < 0 || x < min || (max >= 0 && x > max) || (!strcmp(name, "days") && x <= 0))
		attune_usage("bad value '%s' for --%s", arg, name);
	return x;
}

static void on_opt(int c, const char *arg)
{
	o.given |= OPT(c);
	switch (c) {
	case 256:
		if (strcmp(arg, "lower_bound") && strcmp(arg, "confidence") && strcmp(arg, "n"))
			attune_usage("bad value '%s' for --sort (use lower_bound, confidence or n)", arg);
		o.sort = arg;
		break;
	case 257:
		if (!attune_feedback_valid_tier(arg))
			attune_usage("bad tier '%s' (use cheap, capable or premium)", arg);
		o.tier = arg;
		break;
	case 258: o.meta = arg; break;
	case 259: o.threshold = number_opt("threshold", arg, 0, 1); break;
	case 260: o.source = arg; break;
	case 261: o.mode = arg; break;
	case 262: case 263:
		if (o.given & OPT(262) && o.given & OPT(263))
			attune_usage("--found and --not-found exclude each other");
		o.found = c == 262;
		break;
	case 264: o.duration_ms = number_opt("duration-ms", arg, 0, -1); break;
	case 265: o.days = number_opt("days", arg, 0, -1); break;
	}
}

static struct attune_cli cli;

/* --meta as an object (65 when it is not). */
static int meta(jv *m, char *err, size_t errlen)
{
	char e[400];

	*m = jv_null();
	if (!o.meta)
		return 0;
	if (attune_json_arg(o.meta, m, e, sizeof e) < 0) {
		snprintf(err, errlen, "--meta: %s", e);
		return EXIT_DATAERR;
	}
	if (jv_get_kind(*m) != JV_KIND_OBJECT) {
		jv_free(*m);
		*m = jv_null();
		snprintf(err, errlen, "--meta: not a JSON object");
		return EXIT_DATAERR;
	}
	return 0;
}

typedef int run_fn(struct attune_store *st, char **a, jv *out, char *err, size_t errlen);

static int run_rate(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	return attune_feedback_rate(st, a[0], !strcmp(a[1], "good"), out, err, n);
}
static int run_confidence(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	return attune_feedback_confidence(st, a[0], out, err, n);
}
static int run_list(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	(void)a;
	int rc = attune_feedback_list(st, o.sort, out, err, n);
	if (rc == 0 && cli.count > 0)
		*out = jv_array_slice(*out, 0, (int)(cli.count < 1 << 30 ? cli.count : 1 << 30));
	return rc;
}
static int run_import(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	int fd = strcmp(a[0], "-") ? open(a[0], O_RDONLY | O_CLOEXEC) : 0, rc;
	char e[400];
	long count;
	jv data;

	if (fd < 0) {
		snprintf(err, n, "cannot open %s: %s", a[0], strerror(errno));
		return EXIT_USAGE;
	}
	rc = attune_json_read_fd(fd, &data, e, sizeof e);
	if (fd > 0)
		close(fd);
	if (rc < 0) {
		snprintf(err, n, "%s: %s", a[0], e);
		return EXIT_DATAERR;
	}
	if ((rc = attune_feedback_import(st, data, &count, e, sizeof e)) != 0) {
		snprintf(err, n, "%s: %s", a[0], e);
		return rc;
	}
	*out = jv_object_set(jv_object(), jv_string("imported"), jv_number((double)count));
	return 0;
}
static int run_export(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	(void)a;
	return attune_feedback_export(st, out, err, n);
}
static int run_score(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	jv m;
	int rc = meta(&m, err, n);
	return rc ? rc : attune_feedback_score(st, a[0], a[1], a[2], strtod(a[3], NULL) + 0.0, m, out, err, n);
}
static int run_history(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	return attune_feedback_history(st, a[0], a[1], o.tier, cli.count > 0 ? cli.count : 100, out, err, n);
}
static int run_stats(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	return attune_feedback_stats(st, a[0], a[1], o.tier, out, err, n);
}
static int run_recommend(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	return attune_feedback_recommend(st, a[0], a[1], o.tier, out, err, n);
}
static int run_underperforming(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	return attune_feedback_underperforming(st, a[0], o.threshold, out, err, n);
}
static int run_clear(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	long deleted;
	int rc = attune_feedback_clear(st, a[0], a[1], &deleted, err, n);
	if (rc == 0)
		*out = jv_object_set(jv_object(), jv_string("deleted"), jv_number((double)deleted));
	return rc;
}
static int run_query(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	struct attune_helpquery q = {a[0], o.source, o.mode, o.found, o.duration_ms, jv_null()};
	int rc = meta(&q.meta, err, n);
	(void)st;
	return rc ? rc : attune_feedback_query(&q, out, err, n);
}
static int run_queries(struct attune_store *st, char **a, jv *out, char *err, size_t n)
{
	long skipped;
	int rc = attune_feedback_queries(o.days, cli.count > 0 ? cli.count : 10, out, &skipped, err, n);
	(void)st, (void)a;
	if (skipped)
		attune_warn("skipped %ld malformed line%s", skipped, skipped == 1 ? "" : "s");
	return rc;
}

/* ---- -o text ---- */

/* rows (an array of objects, consumed) as a table of the given fields with a header. */
static void table(jv rows, const char *const *cols)
{
	int w[8] = {0}, nc = 0, nr = jv_array_length(jv_copy(rows));
	char cell[8][160];

	for (; cols[nc]; nc++)
		w[nc] = (int)strlen(cols[nc]);
	for (int pass = 0; pass < 2; pass++) {
		for (int r = -1; r < nr; r++) {
			jv row = r < 0 ? jv_null() : jv_array_get(jv_copy(rows), r);
			for (int c = 0; c < nc; c++) {
				jv v = r < 0 ? jv_string(cols[c]) : jv_object_get(jv_copy(row), jv_string(cols[c]));
				double x = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;
				if (r < 0)
					for (char *p = strcpy(cell[c], cols[c]); *p; p++)
						*p = *p == '_' ? ' ' : (char)(*p - ('a' <= *p && *p <= 'z' ? 32 : 0));
				else if (jv_get_kind(v) == JV_KIND_STRING)
					snprintf(cell[c], sizeof cell[c], "%s", jv_string_value(v));
				else
					snprintf(cell[c], sizeof cell[c], x == (long long)x ? "%.0f" : "%.3f", x);
				jv_free(v);
				int width = 0; /* in characters, not bytes */
				for (char *p = cell[c]; *p; p++)
					width += (*p & 0xc0) != 0x80;
				if (pass == 0 && width > w[c])
					w[c] = width;
				else if (pass == 1)
					printf("%s%*s", cell[c], c + 1 < nc ? w[c] - width + 2 : 0, c + 1 < nc ? "" : "\n");
			}
			jv_free(row);
		}
	}
	jv_free(rows);
}

static jv as_rows(jv v)
{
	return jv_get_kind(v) == JV_KIND_ARRAY ? v : jv_get_kind(v) == JV_KIND_NULL ? (jv_free(v), jv_array())
	                                                                              : jv_array_append(jv_array(), v);
}

static const char *const rating_cols[] = {"template_id", "good", "bad", "n", "confidence", "lower_bound", NULL};
static const char *const stats_cols[] = {"stage_name", "tier", "sample_count", "avg_quality", "min_quality",
                                         "max_quality", "recent_trend", NULL};
static void text_rating(jv v) { table(as_rows(v), rating_cols); }
static void text_stats(jv v) { table(as_rows(v), stats_cols); }
static void text_history(jv v)
{
	static const char *const cols[] = {"timestamp", "tier", "quality_score", "feedback_id", NULL};
	table(v, cols);
}
static void text_recommend(jv v)
{
	printf("%s -> %s (confidence %.2f): %s\n", attune_json_str(v, "current_tier"),
	       attune_json_str(v, "recommended_tier"), attune_json_num(v, "confidence", 0), attune_json_str(v, "reason"));
	jv_free(v);
}
static void text_queries(jv v)
{
	static const char *const topics[] = {"topic", "count", NULL}, *const unmatched[] = {"query", "count", NULL};
	printf("help queries: %.0f, found %.0f, not found %.0f, hit rate %.1f%%; unmatched: %.0f\n",
	       attune_json_num(v, "total", 0), attune_json_num(v, "found", 0), attune_json_num(v, "not_found", 0),
	       100 * attune_json_num(v, "hit_rate", 0), attune_json_num(v, "unmatched", 0));
	table(jv_object_get(jv_copy(v), jv_string("top_topics")), topics);
	table(jv_object_get(jv_copy(v), jv_string("top_unmatched")), unmatched);
	jv_free(v);
}

/* Operand kinds: i id, r rating, t tier, n score 0..1, x any non-empty text. lines: print an array
 * one element a line. */
static const struct cmd {
	const char *name;
	run_fn *run;
	const char *kinds, *operands;
	int optional; /* trailing operands that may be left out */
	unsigned opts;
	int store, lines;
	void (*text)(jv);
} cmds[] = {
	{"rate", run_rate, "ir", "TEMPLATE good|bad", 0, TEXT, 1, 0, text_rating},
	{"confidence", run_confidence, "i", "TEMPLATE", 0, TEXT, 1, 0, text_rating},
	{"list", run_list, "", "", 0, SORT | COUNT | TEXT, 1, 1, text_rating},
	{"import", run_import, "x", "FILE", 0, 0, 1, 0, NULL},
	{"export", run_export, "", "", 0, 0, 1, 0, NULL},
	{"score", run_score, "iitn", "WORKFLOW STAGE TIER SCORE", 0, META, 1, 0, NULL},
	{"history", run_history, "ii", "WORKFLOW STAGE", 0, TIER | COUNT | TEXT, 1, 1, text_history},
	{"stats", run_stats, "ii", "WORKFLOW STAGE", 0, TIER | TEXT, 1, 0, text_stats},
	{"recommend", run_recommend, "ii", "WORKFLOW STAGE", 0, TIER | TEXT, 1, 0, text_recommend},
	{"underperforming", run_underperforming, "i", "WORKFLOW", 0, THRESHOLD | TEXT, 1, 1, text_stats},
	{"clear", run_clear, "ii", "WORKFLOW [STAGE]", 1, 0, 1, 0, NULL},
	{"query", run_query, "x", "TOPIC", 0, SOURCE | MODE | FOUND | DURATION | META, 0, 0, NULL},
	{"queries", run_queries, "", "", 0, DAYS | COUNT | TEXT, 0, 0, text_queries},
};

/* Usage errors before anything is opened: operand count and kinds, options that do not apply. */
static void check(const struct cmd *c, char **a, int n)
{
	int want = (int)strlen(c->kinds);
	unsigned given = o.given | (cli.count > 0 ? COUNT : 0) | (cli.format && !strcmp(cli.format, "text") ? TEXT : 0);
	double x;

	if (n < want - c->optional || n > want)
		attune_usage("%s: expected %s%s", c->name, *c->operands ? c->operands : "no operand",
		             n > want ? ", got more" : "");
	for (unsigned b = 0; b < 18; b++)
		if (given & ~c->opts & (1u << b))
			attune_usage("%s: %s%s does not apply", c->name, b < 16 ? "--" : "",
			             b < 16 ? longopts[b].name : b == 16 ? "-c" : "-o text");
	for (int i = 0; i < n; i++) {
		char what[32];
		const char *p = c->operands;
		for (int k = 0; k < i; k++)
			p += strcspn(p, " ") + 1;
		snprintf(what, sizeof what, "%.*s", (int)strcspn(p, " "), p);
		for (char *w = what; *w; w++)
			*w = (char)tolower((unsigned char)*w);
		switch (c->kinds[i]) {
		case 'i':
			if (!attune_valid_id(a[i]))
				attune_usage("bad %s '%s'", what, a[i]);
			break;
		case 'r':
			if (strcmp(a[i], "good") && strcmp(a[i], "bad"))
				attune_usage("bad rating '%s' (use good or bad)", a[i]);
			break;
		case 't':
			if (!attune_feedback_valid_tier(a[i]))
				attune_usage("bad tier '%s' (use cheap, capable or premium)", a[i]);
			break;
		case 'n':
			if (attune_parse_number(a[i], &x) < 0 || x < 0 || x > 1)
				attune_usage("bad score '%s' (use a number from 0 to 1)", a[i]);
			break;
		case 'x':
			if (!*a[i])
				attune_usage("empty %s", what);
			break;
		}
	}
	if (c->opts & SOURCE && (!o.source || !o.mode || !(o.given & FOUND)))
		attune_usage("query: --source, --mode and --found or --not-found are needed");
	if (c->opts & SOURCE && (!*o.source || !*o.mode))
		attune_usage("query: empty --source or --mode");
}

int main(int argc, char **argv)
{
	const struct cmd *c = NULL;
	struct attune_store *st = NULL;
	char err[1024] = "";
	jv out = jv_invalid();
	int rc;

	attune_cli_parse(&tool, argc, argv, &cli, on_opt);
	if (cli.nargs < 1)
		attune_usage("a command is needed");
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds && !c; i++)
		if (!strcmp(cli.args[0], cmds[i].name))
			c = &cmds[i];
	if (!c)
		attune_usage("unknown command '%s'", cli.args[0]);
	char *args[4] = {0};
	memcpy(args, cli.args + 1, sizeof *args * (size_t)(cli.nargs - 1 < 4 ? cli.nargs - 1 : 4));
	check(c, args, cli.nargs - 1);
	if (c->store && !(st = attune_store_open(cli.store, cli.ns, &rc, err, sizeof err)))
		goto done;
	if ((rc = c->run(st, args, &out, err, sizeof err)) != 0 || cli.quiet)
		goto done;
	if (cli.format && !strcmp(cli.format, "text")) {
		c->text(jv_copy(out));
	} else if (c->lines) {
		jv_array_foreach(out, i, v)
			attune_json_print(v, cli.pretty);
	} else if (jv_get_kind(out) != JV_KIND_NULL || c->store) {
		attune_json_print(jv_copy(out), cli.pretty);
	}
done:
	jv_free(out);
	attune_store_close(st);
	if (*err)
		attune_warn("%s", err);
	if (attune_stdout_close() < 0 && rc == 0)
		rc = 1;
	return rc;
}
