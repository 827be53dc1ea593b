/* attune-signal — send a TTL coordination signal to one agent or to all (SPEC 5.1). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "signal.h"
#include "store.h"

static const char help[] =
	"usage: attune-signal [-s URL] [-a FROM] [-T TTL] [-q] (--to AGENT | --all) TYPE [PAYLOAD | -]\n"
	"       attune-signal [options] (--to AGENT | --all) --each TYPE < PAYLOADS\n"
	"Send a signal that lives TTL, and print it as JSON.\n\n"
	"      --to AGENT     send to one agent\n"
	"      --all          broadcast to every agent\n"
	"      --each         one signal per JSON object read from stdin\n"
	"  -a, --agent FROM   sender (source_agent; default $ATTUNE_AGENT, else unknown)\n"
	"  -T, --ttl TTL      lifetime (default 60s)\n"
	"  -p, --pretty       indented JSON\n"
	"  -q, --quiet        print nothing\n"
	"  -s, --store URL    store (default $ATTUNE_STORE, $REDIS_URL, sqlite://$ATTUNE_HOME/attune.db)\n"
	"      --namespace NS key prefix (default $ATTUNE_NAMESPACE)\n"
	"  -h, --help         this help\n"
	"  -V, --version      version\n"
	"PAYLOAD is a JSON object (default {}); - reads it from stdin.\n";

enum { OPT_TO = 256, OPT_ALL, OPT_EACH };
static const struct option longopts[] = {
	{"to", required_argument, 0, OPT_TO}, {"all", no_argument, 0, OPT_ALL}, {"each", no_argument, 0, OPT_EACH}, {0}};
static const struct attune_tool tool = {"attune-signal", "saTqp", "", longopts, NULL, help};

static const char *to;
static int all, each;

static void opt(int c, const char *arg)
{
	switch (c) {
	case OPT_TO:
		if (!attune_valid_id(arg))
			attune_usage("bad agent id '%s' for --to", arg);
		to = arg;
		break;
	case OPT_ALL: all = 1; break;
	case OPT_EACH: each = 1; break;
	}
}

/* Send the batch of signals (consumed) and print them; 0, or the exit status. */
static int send_batch(struct attune_store *st, jv sigs, long long ttl_ms, const struct attune_cli *cli)
{
	if (attune_signal_send(st, jv_copy(sigs), ttl_ms) < 0) {
		jv_free(sigs);
		attune_warn("%s", attune_store_error(st));
		return attune_store_status(st);
	}
	jv_array_foreach(sigs, i, s) {
		if (!cli->quiet)
			attune_json_print(s, cli->pretty);
		else
			jv_free(s);
	}
	jv_free(sigs);
	return 0;
}

int main(int argc, char **argv)
{
	struct attune_cli cli;
	struct attune_store *st = NULL;
	struct attune_jreader *in = NULL;
	char err[512];
	const char *type;
	jv payload = jv_object(), v;
	long long ttl_ms;
	int rc = 0;

	attune_cli_parse(&tool, argc, argv, &cli, opt);
	if (!!to + all != 1)
		attune_usage("give one of --to AGENT or --all");
	if (cli.nargs < 1)
		attune_usage("missing signal type");
	if (cli.nargs > (each ? 1 : 2))
		attune_usage("too many operands");
	if (!attune_valid_id(type = cli.args[0]))
		attune_usage("bad signal type '%s'", type);
	if (cli.ttl == 0)
		attune_usage("the TTL must be more than 0");
	ttl_ms = cli.ttl < 0 ? 60000 : (long long)ceil(cli.ttl * 1000);
	if (cli.nargs == 2) {
		jv_free(payload);
		if (attune_json_arg(cli.args[1], &payload, err, sizeof err) < 0)
			attune_die(EXIT_DATAERR, "payload: %s", err);
		if (jv_get_kind(payload) != JV_KIND_OBJECT)
			attune_die(EXIT_DATAERR, "payload: not a JSON object");
	}
	if (!(st = attune_store_open(cli.store, cli.ns, &rc, err, sizeof err)))
		attune_die(rc, "%s", err);
	attune_signals_install();
	if (!each) {
		rc = send_batch(st, jv_array_append(jv_array(), attune_signal_new(type, cli.agent, to, payload, ttl_ms)),
		          ttl_ms, &cli);
		goto out;
	}
	jv_free(payload);
	in = attune_jreader_new(0);
	jv batch = jv_array();
	for (long n = 1;; n++) {
		/* Pipelined: send what was read whenever more input would mean waiting for it. */
		int len = jv_array_length(jv_copy(batch));
		if (len && (len >= 1000 || !attune_jreader_ready(in))) {
			if ((rc = send_batch(st, batch, ttl_ms, &cli)) != 0 || attune_stdout_close() < 0)
				goto out;
			batch = jv_array();
		}
		int got = attune_jreader_next(in, &v, err, sizeof err);
		if (got == 1 && jv_get_kind(v) != JV_KIND_OBJECT) {
			jv_free(v);
			snprintf(err, sizeof err, "payload %ld: not a JSON object", n);
			got = -1;
		}
		if (got <= 0) {
			rc = send_batch(st, batch, ttl_ms, &cli);
			if (got < 0 && rc == 0)
				rc = attune_interrupted ? attune_interrupt_status() : EXIT_DATAERR;
			if (got < 0 && !attune_interrupted)
				attune_warn("%s", err);
			break;
		}
		batch = jv_array_append(batch, attune_signal_new(type, cli.agent, to, v, ttl_ms));
	}
out:
	attune_jreader_free(in);
	attune_store_close(st);
	if (attune_stdout_close() < 0 && rc == 0)
		rc = 1;
	return rc;
}
