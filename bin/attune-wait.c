/* attune-wait — block until a matching signal arrives, take it, print it (SPEC 5.2). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "json.h"
#include "signal.h"
#include "store.h"

static const char help[] =
	"usage: attune-wait [-s URL] -a AGENT [--type TYPE]... [--from SOURCE] [-f JQ] [-t TIMEOUT]\n"
	"                   [-c N | --follow | --drain] [--peek] [--poll DURATION]\n"
	"Wait for the next signal for AGENT (to it, or broadcast) that matches, take it, print it.\n\n"
	"  -a, --agent AGENT     who receives (default $ATTUNE_AGENT)\n"
	"      --type TYPE       only this signal type (repeatable); without it every type but\n"
	"                        approval_request and approval_response\n"
	"      --from SOURCE     only signals from this agent\n"
	"  -f, --filter JQ       jq program: no output = no match (not taken), else print its output\n"
	"  -t, --timeout DUR     give up after DUR with exit 124 (default: wait forever; 0: pending only)\n"
	"  -c, --count N         take N signals, then exit\n"
	"      --follow          keep taking signals until interrupted\n"
	"      --drain           take every pending match, then exit 0 (even if none)\n"
	"      --peek            print without taking\n"
	"      --poll DUR        also re-check every DUR for writers that send no wake-up\n"
	"                        (default 0.5s; 0 = only on wake-ups)\n"
	"  -p, --pretty          indented JSON\n"
	"  -q, --quiet           print nothing\n"
	"  -s, --store URL       store (default $ATTUNE_STORE, $REDIS_URL, sqlite://$ATTUNE_HOME/attune.db)\n"
	"      --namespace NS    key prefix (default $ATTUNE_NAMESPACE)\n"
	"  -h, --help            this help\n"
	"  -V, --version         version\n"
	"Exit: 0 received, 124 timed out, 130/143 interrupted, 69 store unavailable.\n";

enum { OPT_TYPE = 256, OPT_FROM, OPT_FOLLOW, OPT_DRAIN, OPT_PEEK, OPT_POLL };
static const struct option longopts[] = {
	{"type", required_argument, 0, OPT_TYPE}, {"from", required_argument, 0, OPT_FROM},
	{"follow", no_argument, 0, OPT_FOLLOW},   {"drain", no_argument, 0, OPT_DRAIN},
	{"peek", no_argument, 0, OPT_PEEK},       {"poll", required_argument, 0, OPT_POLL},
	{0}};
static const struct attune_tool tool = {"attune-wait", "satcfpq", "", longopts, NULL, help};

static struct attune_signal_wait w = {.poll = 0.5};
static const char **types;
static int follow;

static void opt(int c, const char *arg)
{
	switch (c) {
	case OPT_TYPE:
		if (!attune_valid_id(arg))
			attune_usage("bad signal type '%s'", arg);
		types = realloc(types, (w.ntypes + 1) * sizeof *types);
		types[w.ntypes++] = arg;
		break;
	case OPT_FROM:
		if (!attune_valid_id(arg))
			attune_usage("bad agent id '%s' for --from", arg);
		w.from = arg;
		break;
	case OPT_FOLLOW: follow = 1; break;
	case OPT_DRAIN: w.drain = 1; break;
	case OPT_PEEK: w.peek = 1; break;
	case OPT_POLL:
		if (attune_parse_duration(arg, &w.poll) < 0)
			attune_usage("bad duration '%s' for --poll", arg);
		break;
	}
}

static int emit(void *ctx, jv values)
{
	const struct attune_cli *cli = ctx;

	jv_array_foreach(values, i, v) {
		if (cli->quiet)
			jv_free(v);
		else
			attune_json_print(v, cli->pretty);
	}
	jv_free(values);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct attune_cli cli;
	struct attune_store *st = NULL;
	char err[512];
	int rc;

	attune_cli_parse(&tool, argc, argv, &cli, opt);
	if (!cli.agent)
		attune_usage("missing -a AGENT (or $ATTUNE_AGENT)");
	if (cli.nargs)
		attune_usage("unexpected operand '%s'", cli.args[0]);
	if ((cli.count > 0) + follow + w.drain > 1)
		attune_usage("-c, --follow and --drain exclude each other");
	if (cli.filter && !(w.filter = attune_filter_new(cli.filter, err, sizeof err)))
		attune_usage("bad filter: %s", err);
	w.agent = cli.agent;
	w.types = types;
	w.timeout = cli.timeout;
	w.count = follow || w.drain ? 0 : cli.count > 0 ? cli.count : 1;
	if (!(st = attune_store_open(cli.store, cli.ns, &rc, err, sizeof err)))
		attune_die(rc, "%s", err);
	attune_signals_install();
	switch (attune_signal_wait(st, &w, emit, &cli)) {
	case ATTUNE_WAIT_DONE: rc = 0; break;
	case ATTUNE_WAIT_TIMEOUT: rc = EXIT_TIMEOUT; break;
	case ATTUNE_WAIT_INTERRUPTED: rc = attune_interrupt_status(); break;
	case ATTUNE_WAIT_OUTPUT: rc = 1; break;
	case ATTUNE_WAIT_ERROR:
		attune_warn("%s", attune_store_error(st));
		rc = attune_store_status(st);
		break;
	}
	attune_store_close(st);
	attune_filter_free(w.filter);
	free(types);
	if (attune_stdout_close() < 0 && rc == 0)
		rc = 1;
	return rc;
}
