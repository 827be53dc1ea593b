/* attune-stale — stale and lost agents: list, check one, watch, export (SPEC 5.4). */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "heartbeat.h"
#include "json.h"

static const char help[] =
	"usage: attune-stale [-s URL] [-t THRESHOLD] [--active | --lost] [-e] [-o json|text|prometheus]\n"
	"       attune-stale [-t THRESHOLD] --alive AGENT\n"
	"       attune-stale --forget AGENT\n"
	"       attune-stale [-t THRESHOLD] --watch [--interval DURATION] [-o json|text]\n"
	"\n"
	"List the agents whose heartbeat is older than THRESHOLD without a final status (stale),\n"
	"and those whose heartbeat expired without one (lost), oldest first.\n"
	"\n"
	"  -t, --timeout THRESHOLD  age above which a heartbeat is stale (default 60s)\n"
	"      --active             every live heartbeat, with state ok, stale or final\n"
	"      --lost               only the lost agents\n"
	"      --alive AGENT        print AGENT's heartbeat; exit 0 if ok, 1 otherwise\n"
	"      --forget AGENT       stop reporting AGENT as lost; exit 1 if it was unknown\n"
	"      --watch              print an event whenever an agent changes state\n"
	"      --interval DURATION  with --watch: how often to look (default 5s)\n"
	"  -e, --exit-status        exit 1 when a stale or lost agent is printed\n"
	"  -o, --format FMT         json (default), text, or prometheus (every known agent)\n"
	"  -s, --store URL          store: redis://host[:port][/db], unix:///path, sqlite:///path\n"
	"      --namespace NS       prefix every key with NS:\n"
	"  -p, --pretty             indented JSON\n"
	"  -q, --quiet              print nothing\n"
	"  -h, --help               print this help\n"
	"  -V, --version            print the version\n"
	"\n"
	"Exit status: 0 success; 1 stale or lost agents found (-e), agent not alive (--alive) or\n"
	"unknown (--forget); 2 usage error; 69 store unavailable; 77 not permitted;\n"
	"130/143 --watch ended by SIGINT/SIGTERM.\n";

enum { O_ACTIVE = 256, O_LOST, O_ALIVE, O_FORGET, O_WATCH, O_INTERVAL };
static const struct option longopts[] = {
	{"active", no_argument, 0, O_ACTIVE},         {"lost", no_argument, 0, O_LOST},
	{"alive", required_argument, 0, O_ALIVE},     {"forget", required_argument, 0, O_FORGET},
	{"watch", no_argument, 0, O_WATCH},           {"interval", required_argument, 0, O_INTERVAL},
	{"exit-status", no_argument, 0, 'e'},         {0},
};
static const struct attune_tool tool = {"attune-stale", "stopq", "e", longopts, "json text prometheus", help};

static int mode, exit_status;
static const char *agent;
static double interval = -1;

static void opt(int c, const char *arg)
{
	if (c == 'e') {
		exit_status = 1;
		return;
	}
	if (c == O_INTERVAL) {
		if (attune_parse_duration(arg, &interval) < 0 || interval <= 0)
			attune_usage("bad duration '%s' for --interval", arg);
		return;
	}
	if (mode && mode != c)
		attune_usage("use only one of --active, --lost, --alive, --forget, --watch");
	if ((c == O_ALIVE || c == O_FORGET) && !attune_valid_id(arg))
		attune_usage("bad agent id '%s'", arg);
	mode = c;
	agent = c == O_ALIVE || c == O_FORGET ? arg : agent;
}

/* Print records (consumed) in the chosen format; 1 if one is stale or lost, -1 on a write error. */
static int print(const struct attune_cli *cli, jv list)
{
	int bad = 0, rc = 0;

	jv_array_foreach(list, i, rec) {
		const char *s = attune_json_str(rec, "state");
		bad |= s && (!strcmp(s, "stale") || !strcmp(s, "lost"));
		if (!cli->quiet && !strcmp(cli->format, "json") && attune_json_print(jv_copy(rec), cli->pretty) < 0)
			rc = -1;
		jv_free(rec);
	}
	if (!cli->quiet && !strcmp(cli->format, "text"))
		rc = attune_heartbeat_text(stdout, list);
	else if (!cli->quiet && !strcmp(cli->format, "prometheus"))
		rc = attune_heartbeat_prometheus(stdout, list);
	jv_free(list);
	return rc < 0 || fflush(stdout) ? -1 : bad;
}

/* Wait up to s seconds, in slices so that SIGINT/SIGTERM end it within 250 ms:
 * 0 when the time is up, -1 when interrupted or when the reader of stdout went away. */
static int nap(double s)
{
	double end = attune_monotonic() + s, left;
	struct pollfd out = {1, 0, 0};

	while (!attune_interrupted && (left = end - attune_monotonic()) > 0)
		if (poll(&out, 1, (int)((left < 0.25 ? left : 0.25) * 1000) + 1) > 0 &&
		    (out.revents & (POLLERR | POLLHUP | POLLNVAL)))
			return -1;
	return attune_interrupted ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct attune_cli cli;
	struct attune_store *st;
	char err[1024] = "";
	double threshold;
	int code = 0, rc;
	jv list, known = jv_null();

	attune_cli_parse(&tool, argc, argv, &cli, opt);
	if (cli.nargs)
		attune_usage("unexpected operand '%s'", cli.args[0]);
	if (interval > 0 && mode != O_WATCH)
		attune_usage("--interval goes with --watch");
	cli.format = cli.format ? cli.format : "json";
	if (!strcmp(cli.format, "prometheus") && mode && mode != O_ACTIVE && mode != O_LOST)
		attune_usage("-o prometheus describes listings only");
	threshold = cli.timeout >= 0 ? cli.timeout : ATTUNE_STALE_THRESHOLD;
	if (!(st = attune_store_open(cli.store, cli.ns, &code, err, sizeof err)))
		attune_die(code, "%s", err);
	code = 0;

	if (mode == O_FORGET) {
		rc = attune_heartbeat_forget(st, agent, err, sizeof err);
		code = rc == 1 ? 0 : EXIT_NO;
	} else if (mode == O_ALIVE) {
		rc = attune_heartbeat_get(st, agent, threshold, attune_now(), &list, err, sizeof err);
		if (rc == 1) {
			const char *s = attune_json_str(list, "state");
			code = s && !strcmp(s, "ok") ? 0 : EXIT_NO;
			if (print(&cli, JV_ARRAY(list)) < 0)
				code = 1;
		} else {
			code = EXIT_NO;
		}
	} else if (mode == O_WATCH) {
		attune_signals_install();
		while ((rc = attune_heartbeat_list(st, threshold, attune_now(), ATTUNE_AGENT_ALL, &list, err, sizeof err)) == 0)
			if (print(&cli, attune_heartbeat_diff(&known, list, attune_now())) < 0 || nap(interval > 0 ? interval : 5) < 0)
				break;
		if (attune_interrupted)
			code = attune_interrupt_status();
	} else {
		int mask = mode == O_ACTIVE ? ATTUNE_AGENT_OK | ATTUNE_AGENT_STALE | ATTUNE_AGENT_FINAL
		           : mode == O_LOST ? ATTUNE_AGENT_LOST
		                            : ATTUNE_AGENT_STALE | ATTUNE_AGENT_LOST;
		if (!strcmp(cli.format, "prometheus"))
			mask = ATTUNE_AGENT_ALL;
		rc = attune_heartbeat_list(st, threshold, attune_now(), mask, &list, err, sizeof err);
		if (rc == 0) {
			int bad = print(&cli, list);
			code = bad < 0 ? 1 : exit_status && bad ? EXIT_NO : 0;
		}
	}
	if (rc < 0) {
		attune_warn("%s", err);
		code = attune_store_status(st);
	}
	jv_free(known);
	attune_store_close(st);
	if (attune_stdout_close() < 0 && code == 0)
		code = 1;
	return code;
}
