/* attune-report — read-only reports over the telemetry logs (SPEC 5.8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"

/* The report-specific options, and which reports take them. */
enum { WINDOW = 1, PERIODS = 2, LIMIT = 4, FILES = 8, PROVIDER = 16 };

static const struct {
	const char *name;
	attune_report_fn *fn;
	int takes;
} reports[] = {
	{"usage", attune_report_usage, WINDOW | LIMIT},
	{"savings", attune_report_savings, WINDOW},
	{"cache", attune_report_cache, WINDOW},
	{"compare", attune_report_compare, PERIODS},
	{"models", attune_report_models, WINDOW | PROVIDER},
	{"sonnet-opus", attune_report_sonnet_opus, WINDOW},
	{"tier1", attune_report_tier1, WINDOW},
	{"routing", attune_report_routing, WINDOW},
	{"tests", attune_report_tests, WINDOW},
	{"file-tests", attune_report_file_tests, WINDOW | LIMIT | FILES},
	{"coverage", attune_report_coverage, WINDOW},
	{"agents", attune_report_agents, WINDOW},
	{"export", attune_report_export, WINDOW},
};

enum { O_DAYS = 256, O_HOURS, O_DIR, O_LIMIT, O_FAILED, O_STALE, O_FILE, O_PERIOD1, O_PERIOD2, O_PROVIDER };

static const struct option longopts[] = {
	{"days", required_argument, 0, O_DAYS},       {"hours", required_argument, 0, O_HOURS},
	{"dir", required_argument, 0, O_DIR},         {"limit", required_argument, 0, O_LIMIT},
	{"failed", no_argument, 0, O_FAILED},         {"stale", no_argument, 0, O_STALE},
	{"file", required_argument, 0, O_FILE},       {"period1", required_argument, 0, O_PERIOD1},
	{"period2", required_argument, 0, O_PERIOD2}, {"provider", required_argument, 0, O_PROVIDER},
	{0},
};

static const char help[] =
	"usage: attune-report REPORT [--days N | --hours N] [--dir DIR] [-o FORMAT] [-p]\n"
	"Read-only reports over attune-ai's telemetry logs.\n\n"
	"Reports (default window):\n"
	"  usage        recent calls (--limit, 20) and totals; all time\n"
	"  savings      tier routing against an all-PREMIUM baseline, cache savings; 30 days\n"
	"  cache        prompt-cache hit rate, reads, writes, savings; 7 days\n"
	"  compare      two windows: --period1 DAYS (7) against --period2 DAYS (30)\n"
	"  models       per provider and model (--provider P); 7 days\n"
	"  sonnet-opus  Sonnet to Opus fallback analysis and savings; 30 days\n"
	"  tier1        routing, tests, coverage, agents and cost savings; 24 hours\n"
	"  routing      task routing accuracy by type and strategy; 24 hours\n"
	"  tests        test runs, failures, most failing tests; 24 hours\n"
	"  file-tests   latest result per file (--failed, --stale, --file F, --limit 50); all time\n"
	"  coverage     coverage trend; 30 days\n"
	"  agents       agent assignment performance; 168 hours\n"
	"  export       every usage row, oldest first (-o text, csv or json); all time\n\n"
	"Options:\n"
	"  --days N           window of N days (a positive number)\n"
	"  --hours N          window of N hours\n"
	"  --dir DIR          project telemetry folder (default .attune)\n"
	"  --limit N          rows shown by usage and file-tests\n"
	"  --failed, --stale  file-tests: only failed or errored files, only stale ones\n"
	"  --file PATH        file-tests: the latest record of one file\n"
	"  --period1 DAYS, --period2 DAYS   compare: the two windows\n"
	"  --provider NAME    models: one provider only\n"
	"  -o, --format FMT   text (default), json, csv, prometheus, html\n"
	"  -p, --pretty       indented JSON\n"
	"  -h, --help         this help\n"
	"  -V, --version      version\n\n"
	"Files: $ATTUNE_HOME/telemetry/usage*.jsonl (usage, savings, cache, compare, models, export)\n"
	"and DIR/*.jsonl (the others). Exit: 0 ok or no data, 2 usage, 65 a file cannot be read.\n";

static const struct attune_tool tool = {
	"attune-report", "op", "", longopts, "text json csv prometheus html", help,
};

static struct attune_report_opts o = {.days = -1, .hours = -1, .period1 = -1, .period2 = -1, .limit = -1};
static int given;                /* the option groups given */
static const char *given_as[32]; /* the option that set each group, for messages */

static double positive(const char *arg, const char *name)
{
	double x;

	if (attune_parse_number(arg, &x) < 0 || x <= 0)
		attune_usage("bad value '%s' for %s (a positive number)", arg, name);
	return x;
}

static void note(int group, const char *name)
{
	given |= group;
	given_as[__builtin_ctz((unsigned)group)] = name;
}

static void opt(int c, const char *arg)
{
	switch (c) {
	case O_DAYS: o.days = positive(arg, "--days"), note(WINDOW, "--days"); break;
	case O_HOURS: o.hours = positive(arg, "--hours"), note(WINDOW, "--hours"); break;
	case O_DIR: o.dir = arg, o.dir_given = 1; break;
	case O_LIMIT:
		if (attune_parse_count(arg, &o.limit) < 0)
			attune_usage("bad value '%s' for --limit (a whole number >= 1)", arg);
		note(LIMIT, "--limit");
		break;
	case O_FAILED: o.failed = 1, note(FILES, "--failed"); break;
	case O_STALE: o.stale = 1, note(FILES, "--stale"); break;
	case O_FILE: o.file = arg, note(FILES, "--file"); break;
	case O_PERIOD1: o.period1 = positive(arg, "--period1"), note(PERIODS, "--period1"); break;
	case O_PERIOD2: o.period2 = positive(arg, "--period2"), note(PERIODS, "--period2"); break;
	case O_PROVIDER: o.provider = arg, note(PROVIDER, "--provider"); break;
	}
}

static int shown; /* a progress line is on stderr */

static void progress(void *ctx, double done, double total)
{
	(void)ctx;
	fprintf(stderr, "\r%s: reading %3.0f%% (%.0f of %.0f MB)", attune_prog, done / total * 100, done / 1e6, total / 1e6);
	shown = 1;
}

static const char *format = "text";

static int print_row(void *ctx, jv row)
{
	size_t len;
	char *line = attune_report_export_line(row, format, !*(int *)ctx, &len);

	*(int *)ctx = 1;
	fwrite(line, 1, len, stdout);
	free(line);
	return ferror(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct attune_cli cli;
	struct attune_report r = {jv_null(), jv_null(), jv_null(), NULL, 0};
	const char *home = getenv("ATTUNE_HOME");
	char err[1024], *homebuf = NULL, *text;
	size_t i, len;
	int rc, status = 0, rows = 0;
	struct stat st;

	attune_cli_parse(&tool, argc, argv, &cli, opt);
	if (cli.nargs < 1)
		attune_usage("missing report name");
	if (cli.nargs > 1)
		attune_usage("unexpected operand '%s'", cli.args[1]);
	for (i = 0; i < sizeof reports / sizeof *reports && strcmp(reports[i].name, cli.args[0]); i++)
		;
	if (i == sizeof reports / sizeof *reports)
		attune_usage("unknown report '%s'", cli.args[0]);
	if (given & ~reports[i].takes)
		attune_usage("%s does not apply to %s", given_as[__builtin_ctz((unsigned)(given & ~reports[i].takes))],
		             cli.args[0]);
	if (o.days > 0 && o.hours > 0)
		attune_usage("--days and --hours exclude each other");
	format = cli.format ? cli.format : "text";
	if (reports[i].fn == attune_report_export && (!strcmp(format, "prometheus") || !strcmp(format, "html")))
		attune_usage("export writes text, csv or json");
	if (o.dir_given && (stat(o.dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		attune_usage("no such folder '%s'", o.dir);
	if (!o.dir)
		o.dir = ".attune";
	if (!home || !*home) {
		const char *h = getenv("HOME");
		if (asprintf(&homebuf, "%s/.attune", h && *h ? h : ".") < 0)
			attune_die(1, "out of memory");
		home = homebuf;
	}
	o.home = home;
	o.now = attune_now();
	o.row = print_row;
	o.row_ctx = &rows;
	if (isatty(2))
		o.progress = progress;

	rc = reports[i].fn(&o, &r, err, sizeof err);
	if (shown)
		fprintf(stderr, "\r%60s\r", "");
	if (r.skipped)
		attune_warn("skipped %ld malformed line%s", r.skipped, r.skipped == 1 ? "" : "s");
	if (rc < 0) {
		attune_warn("%s", err);
		status = EXIT_DATAERR;
	} else if (rc > 0) {
		status = 1;
	} else if (reports[i].fn != attune_report_export) {
		text = attune_report_render(cli.args[0], &r, format, cli.pretty, &len);
		fwrite(text, 1, len, stdout);
		free(text);
	}
	attune_report_free(&r);
	free(homebuf);
	if (attune_stdout_close() && !status)
		status = 1;
	return status;
}
