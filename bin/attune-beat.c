/* attune-beat — publish an agent's heartbeat, or run a command and beat for it (SPEC 5.3). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "heartbeat.h"
#include "json.h"

static const char help[] =
	"usage: attune-beat [-s URL] [-a AGENT] [--status S] [--progress P] [--task TEXT]\n"
	"                   [--meta JSON] [--name DISPLAY] [-T TTL] [-p] [-q]\n"
	"       attune-beat [-a AGENT] --start [--meta JSON] [--name DISPLAY]\n"
	"       attune-beat [-a AGENT] --stop [--status completed|failed|cancelled]\n"
	"       attune-beat [-a AGENT] [--every DURATION] [--task TEXT] -- COMMAND [ARG...]\n"
	"\n"
	"Publish one heartbeat of AGENT and print it; or run COMMAND, beating for it until it\n"
	"ends, then write its final status and exit with its exit status.\n"
	"\n"
	"  -a, --agent ID         the beating agent (default $ATTUNE_AGENT)\n"
	"      --status S         status word (default running; with --stop: completed)\n"
	"      --progress P       progress from 0 to 1 (default: as before, else 0)\n"
	"      --task TEXT        current task (default: as before, else empty)\n"
	"      --meta JSON        metadata object (default: as before, else {})\n"
	"      --name DISPLAY     display name (default: as before, else null)\n"
	"  -T, --ttl DURATION     lifetime of the heartbeat (default 30s)\n"
	"      --start            write the starting beat: starting, 0.0, initializing\n"
	"      --stop             write the final beat: progress 1.0, task finished\n"
	"      --every DURATION   with COMMAND: beat every DURATION (default 10s)\n"
	"  -s, --store URL        store: redis://host[:port][/db], unix:///path, sqlite:///path\n"
	"      --namespace NS     prefix every key with NS:\n"
	"  -p, --pretty           indented JSON\n"
	"  -q, --quiet            print nothing\n"
	"  -h, --help             print this help\n"
	"  -V, --version          print the version\n"
	"\n"
	"Exit status: 0 written; 2 usage error; 65 bad --meta; 69 store unavailable; 77 not\n"
	"permitted. With COMMAND: the command's exit status (128+n if killed by signal n).\n";

enum { O_STATUS = 256, O_PROGRESS, O_TASK, O_META, O_NAME, O_START, O_STOP, O_EVERY };
static const struct option longopts[] = {
	{"status", required_argument, 0, O_STATUS}, {"progress", required_argument, 0, O_PROGRESS},
	{"task", required_argument, 0, O_TASK},     {"meta", required_argument, 0, O_META},
	{"name", required_argument, 0, O_NAME},     {"start", no_argument, 0, O_START},
	{"stop", no_argument, 0, O_STOP},           {"every", required_argument, 0, O_EVERY},
	{0},
};
static const struct attune_tool tool = {"attune-beat", "saTpq", "", longopts, NULL, help};

static struct attune_beat b = {.progress = -1, .ttl = -1};
static const char *meta;
static double every = -1;

static void opt(int c, const char *arg)
{
	switch (c) {
	case O_STATUS:
		if (!attune_valid_id(arg))
			attune_usage("bad status '%s'", arg);
		b.status = arg;
		break;
	case O_PROGRESS:
		if (attune_parse_number(arg, &b.progress) < 0 || b.progress < 0 || b.progress > 1)
			attune_usage("bad progress '%s' (a number from 0 to 1)", arg);
		break;
	case O_TASK: b.task = arg; break;
	case O_META: meta = arg; break;
	case O_NAME: b.name = arg; break;
	case O_START: b.kind = ATTUNE_BEAT_START; break;
	case O_STOP: b.kind = ATTUNE_BEAT_STOP; break;
	case O_EVERY:
		if (attune_parse_duration(arg, &every) < 0 || every <= 0)
			attune_usage("bad duration '%s' for --every", arg);
		break;
	}
}

int main(int argc, char **argv)
{
	struct attune_cli cli;
	struct attune_store *st;
	char err[1024];
	int code = 0;
	jv rec;

	b.meta = jv_invalid();
	attune_cli_parse(&tool, argc, argv, &cli, opt);
	if (!cli.agent)
		attune_usage("no agent: use -a AGENT or set ATTUNE_AGENT");
	if (cli.ttl == 0)
		attune_usage("a heartbeat needs a TTL above 0");
	if (b.kind != ATTUNE_BEAT && cli.nargs)
		attune_usage("--start and --stop take no command");
	if (every > 0 && !cli.nargs)
		attune_usage("--every needs a command: attune-beat --every D -- COMMAND");
	if (b.kind == ATTUNE_BEAT_START && (b.status || b.progress >= 0 || b.task))
		attune_usage("--start takes no --status, --progress or --task");
	if (b.kind == ATTUNE_BEAT_STOP && (b.progress >= 0 || b.task || (b.status && !attune_heartbeat_final(b.status))))
		attune_usage("--stop takes only --status completed, failed or cancelled");
	if (meta && attune_json_arg(meta, &b.meta, err, sizeof err) < 0)
		attune_die(EXIT_DATAERR, "bad --meta: %s", err);
	if (meta && jv_get_kind(b.meta) != JV_KIND_OBJECT)
		attune_die(EXIT_DATAERR, "bad --meta: not a JSON object");
	b.ttl = cli.ttl;

	if (!(st = attune_store_open(cli.store, cli.ns, &code, err, sizeof err)))
		attune_die(code, "%s", err);
	code = 0;
	if (cli.nargs) {
		attune_signals_install();
		if (attune_heartbeat_supervise(st, cli.agent, &b, every > 0 ? every : 10, cli.args, cli.store, cli.ns,
		                               &code, err, sizeof err) < 0) {
			attune_warn("%s", err);
			code = attune_store_status(st);
		}
	} else if (attune_heartbeat_beat(st, cli.agent, &b, &rec, err, sizeof err) < 0) {
		attune_warn("%s", err);
		code = attune_store_status(st);
	} else if (cli.quiet) {
		jv_free(rec);
	} else {
		attune_json_print(rec, cli.pretty);
	}
	jv_free(b.meta);
	attune_store_close(st);
	if (attune_stdout_close() < 0 && code == 0)
		code = 1;
	return code;
}
