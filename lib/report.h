/* report.h — read-only reports over attune-ai's telemetry logs (SPEC 5.8, ORIGINAL 9–11).
 *
 * Every report streams its files line by line through a fixed buffer and keeps aggregates only
 * (plus bounded "recent N" lists), so memory does not grow with the logs. A report fills a
 * struct attune_report: the JSON result, a view for people (text, html) and charts (html);
 * attune_report_render() turns it into one of the output formats. Nothing here prints. */
#ifndef ATTUNE_REPORT_H
#define ATTUNE_REPORT_H

#include <jv.h>
#include <stddef.h>

struct attune_report_opts {
	double now;              /* epoch seconds: the end of every window */
	double days, hours;      /* --days / --hours, -1 when not given (report default) */
	double period1, period2; /* compare: the two windows in days, -1 = 7 and 30 */
	const char *home;        /* $ATTUNE_HOME: usage logs are in home/telemetry */
	const char *dir;         /* project folder with the TelemetryStore files */
	int dir_given;           /* --dir given: workflow runs come from dir too */
	long limit;              /* usage rows / file-tests files shown, -1 = default */
	int failed, stale;       /* file-tests filters */
	const char *file;        /* file-tests: one file's latest record */
	const char *provider;    /* models: only this provider */
	/* export: each row (consumed) goes to row(); a non-zero return stops the report and is
	 * returned by it. */
	int (*row)(void *ctx, jv row);
	void *row_ctx;
	/* Called about once per MiB read after the report has run for a second. */
	void (*progress)(void *ctx, double done_bytes, double total_bytes);
	void *progress_ctx;
};

struct attune_report {
	jv data;         /* what -o json prints (the fixed SPEC shapes for savings, sonnet-opus, tier1) */
	jv view;         /* {title, empty?, sections: [{heading?, facts?, columns?, align?, rows?}], notes} */
	jv charts;       /* [{title, kind: "bar"|"column"|"line", unit, points: [[label, value]…]}] */
	const char *csv; /* key of data whose rows -o csv prints; NULL: "metric,value" of the scalars */
	long skipped;    /* malformed lines skipped (not JSON objects, or no valid timestamp) */
};

/* A report: 0 with *r filled (free it with attune_report_free), the row callback's non-zero
 * value, or -1 with err naming a file that exists but cannot be read. Missing files are no data. */
typedef int attune_report_fn(const struct attune_report_opts *o, struct attune_report *r, char *err,
                             size_t errlen);

/* Over $ATTUNE_HOME/telemetry/usage.jsonl and the rotated usage.*.jsonl. */
attune_report_fn attune_report_usage;   /* recent calls (--limit, 20) and period totals; all time */
attune_report_fn attune_report_savings; /* tier routing vs all-PREMIUM baseline; 30 days */
attune_report_fn attune_report_cache;   /* prompt-cache statistics; 7 days */
attune_report_fn attune_report_compare; /* two windows (period1, period2) */
attune_report_fn attune_report_models;  /* per provider and model; 7 days */
attune_report_fn attune_report_export;  /* every row through o->row, oldest first; all time */

/* Over the project folder (o->dir). */
attune_report_fn attune_report_sonnet_opus; /* llm_calls.jsonl; 30 days */
attune_report_fn attune_report_tier1;       /* all of the below plus workflow runs; 24 hours */
attune_report_fn attune_report_routing;     /* task_routing.jsonl; 24 hours */
attune_report_fn attune_report_tests;       /* test_executions.jsonl + coverage; 24 hours */
attune_report_fn attune_report_file_tests;  /* file_tests.jsonl, latest per file; all time */
attune_report_fn attune_report_coverage;    /* coverage_history.jsonl; 30 days */
attune_report_fn attune_report_agents;      /* agent_assignments.jsonl; 168 hours */

void attune_report_free(struct attune_report *r);

/* The report in format "text", "json", "csv", "prometheus" or "html" (name: the report's name,
 * for titles and metric names). Returns a malloc'd text the caller frees, its length in *len. */
char *attune_report_render(const char *name, const struct attune_report *r, const char *format, int pretty,
                           size_t *len);

/* One export row (consumed) in "text", "csv" or "json"; first: also the header (text, csv). */
char *attune_report_export_line(jv row, const char *format, int first, size_t *len);

#endif
