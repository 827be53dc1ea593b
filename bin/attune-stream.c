/* attune-stream — typed event streams: publish, consume with backfill and follow, consumer groups. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "stream.h"

static const char help[] =
	"usage: attune-stream COMMAND [OPTION]... [OPERAND]...\n"
	"Typed event streams: publish, consume and follow with backfill, consumer groups.\n"
	"\n"
	"Commands:\n"
	"  publish TYPE [DATA|-]      publish one event (DATA a JSON object, default {})\n"
	"  publish --each TYPE        publish one event per JSON object on stdin\n"
	"  consume [TYPE]...          print events oldest first (no TYPE: every registered stream)\n"
	"  recent TYPE                print the newest events, newest first\n"
	"  list                       registered streams and their lengths\n"
	"  info TYPE                  length, first and last id, consumer groups and their lag\n"
	"  trim TYPE --maxlen N       keep about the newest N events\n"
	"  delete TYPE                delete a stream and unregister it\n"
	"\n"
	"Options:\n"
	"  -s, --store URL            store: redis://, unix:// or sqlite:// URL\n"
	"      --namespace NS         prefix every key with NS:\n"
	"      --each                 publish one event per JSON value on stdin\n"
	"      --source NAME          publish: the events' source (default attune)\n"
	"      --maxlen N             publish: trim to about N events (default 10000, 0 never); trim: keep N\n"
	"      --from POS             consume after POS: $ (now, default), 0 (the beginning),\n"
	"                             an event id, or an ISO-8601 time\n"
	"      --until-caught-up      consume: exit once every waiting event is printed\n"
	"      --group GROUP          consume as a member of consumer group GROUP\n"
	"      --consumer NAME        the member's name (default: --agent)\n"
	"      --claim-idle DURATION  take over events left unacknowledged that long\n"
	"  -a, --agent ID             who I am (default $ATTUNE_AGENT)\n"
	"  -c, --count N              consume: stop after N events; recent: show N (default 100)\n"
	"  -t, --timeout DURATION     consume: stop after DURATION (124 if no event came)\n"
	"  -f, --filter JQ            jq program run on each event; no output skips it\n"
	"  -p, --pretty               indented JSON\n"
	"  -q, --quiet                print nothing (publish, trim, delete)\n"
	"  -h, --help                 show this help\n"
	"  -V, --version              show the version\n"
	"\n"
	"Exit status: 0 done, 1 no such stream, 2 usage, 65 bad input, 69 store unavailable,\n"
	"77 not permitted, 124 timed out, 130/143 interrupted.\n";

enum { O_EACH = 'E', O_SOURCE = 'S', O_MAXLEN = 'M', O_FROM = 'F', O_UNTIL = 'U', O_GROUP = 'G',
       O_CONSUMER = 'C', O_CLAIM = 'I' };

static const struct option longopts[] = {
	{"each", no_argument, 0, O_EACH},           {"source", required_argument, 0, O_SOURCE},
	{"maxlen", required_argument, 0, O_MAXLEN}, {"from", required_argument, 0, O_FROM},
	{"until-caught-up", no_argument, 0, O_UNTIL}, {"group", required_argument, 0, O_GROUP},
	{"consumer", required_argument, 0, O_CONSUMER}, {"claim-idle", required_argument, 0, O_CLAIM},
	{0},
};

static const struct attune_tool tool = {"attune-stream", "satcfpq", NULL, longopts, NULL, help};

static struct {
	char seen[128];                   /* options given, by letter */
	const char *source, *group, *consumer;
	long long maxlen;
	char from[ATTUNE_ID_MAX];
	double claim_idle;
	struct attune_cli cli;
	struct attune_filter *filter;
	int out_errno;                    /* errno of a failed write to stdout */
} o = {.maxlen = ATTUNE_STREAM_MAXLEN, .from = "$", .claim_idle = -1};

static void opt(int c, const char *arg)
{
	double d;

	o.seen[c & 127] = 1;
	switch (c) {
	case O_SOURCE: o.source = arg; break;
	case O_MAXLEN:
		if (strspn(arg, "0123456789") != strlen(arg) || !*arg || strlen(arg) > 18)
			attune_usage("bad length '%s' for --maxlen", arg);
		o.maxlen = atoll(arg);
		break;
	case O_FROM:
		if (attune_stream_parse_from(arg, o.from) < 0)
			attune_usage("bad position '%s' for --from (use $, 0, an event id or an ISO-8601 time)", arg);
		break;
	case O_GROUP:
	case O_CONSUMER:
		if (!attune_valid_id(arg))
			attune_usage("bad %s name '%s'", c == O_GROUP ? "group" : "consumer", arg);
		*(c == O_GROUP ? &o.group : &o.consumer) = arg;
		break;
	case O_CLAIM:
		if (attune_parse_duration(arg, &d) < 0)
			attune_usage("bad duration '%s' for --claim-idle", arg);
		o.claim_idle = d;
		break;
	}
}

/* ---- output ---- */

/* Print a value through the filter: 0 printed, 1 no match, -1 write error. */
static int emit(void *ctx, jv ev)
{
	(void)ctx;
	if (o.filter) {
		jv out = attune_filter_run(o.filter, ev);
		if (!jv_is_valid(out)) {
			jv msg = jv_invalid_get_msg(out);
			attune_warn("filter: %s", jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "error");
			jv_free(msg);
			return 1;
		}
		if (jv_array_length(jv_copy(out)) == 0) {
			jv_free(out);
			return 1;
		}
		jv_array_foreach(out, i, v) attune_json_print(v, o.cli.pretty);
		jv_free(out);
	} else {
		attune_json_print(ev, o.cli.pretty);
	}
	if (ferror(stdout)) {
		o.out_errno = errno;
		return -1;
	}
	return 0;
}

/* Flush stdout; -1 when it failed or its reader went away. */
static int flush_out(void *ctx)
{
	struct pollfd p = {.fd = 1, .events = POLLOUT};

	(void)ctx;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		o.out_errno = errno;
		return -1;
	}
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP))) {
		o.out_errno = EPIPE;
		return -1;
	}
	return 0;
}

/* Print {"event_id": id}; NULL ends a batch: flush. Non-zero on a write error. */
static int print_id(void *ctx, const char *id)
{
	static const char *const key[] = {"event_id"};

	if (!id)
		return flush_out(ctx) < 0;
	if (o.cli.quiet)
		return 0;
	if (attune_json_print_row(key, jv_array_append(jv_array(), jv_string(id)), o.cli.pretty) < 0) {
		o.out_errno = errno;
		return 1;
	}
	return 0;
}

/* Print an event given as a row; the same contract as emit. */
static int emit_row(void *ctx, jv row)
{
	if (o.filter)
		return emit(ctx, attune_stream_event_object(row));
	if (attune_json_print_row(attune_stream_keys_order, row, o.cli.pretty) < 0) {
		o.out_errno = errno;
		return -1;
	}
	return 0;
}

static int print_row(void *ctx, jv row)
{
	return emit_row(ctx, row) < 0;
}

/* Print a result unless -q. */
static void result(jv v)
{
	if (o.cli.quiet)
		jv_free(v);
	else
		emit(NULL, v);
}

/* ---- commands: each returns an exit status, with err set for a store failure ---- */

static int store_err(struct attune_store *st, char *err, size_t len)
{
	snprintf(err, len, "%s", attune_store_error(st));
	return attune_store_status(st);
}

static int cmd_publish(struct attune_store *st, char **args, int n, char *err, size_t len)
{
	char id[1][ATTUNE_ID_MAX];
	jv data;

	if (o.seen[O_EACH])
		return attune_stream_publish_fd(st, args[0], 0, o.source, o.maxlen, print_id, NULL, err, len);
	if (n < 2)
		data = jv_object();
	else if (attune_json_arg(args[1], &data, err, len) < 0)
		return EXIT_DATAERR;
	if (jv_get_kind(data) != JV_KIND_OBJECT) {
		jv_free(data);
		snprintf(err, len, "event data must be a JSON object");
		return EXIT_DATAERR;
	}
	if (attune_stream_publish(st, args[0], jv_array_append(jv_array(), data), o.source, o.maxlen, id) < 0)
		return store_err(st, err, len);
	print_id(NULL, id[0]);
	return 0;
}

static int cmd_consume(struct attune_store *st, char **args, int n, char *err, size_t len)
{
	struct attune_consume c = {
		.types = (const char *const *)args, .ntypes = (size_t)n, .from = o.from, .group = o.group,
		.consumer = o.consumer, .claim_idle_ms = o.claim_idle < 0 ? -1 : (long long)(o.claim_idle * 1000),
		.count = o.cli.count, .timeout = o.cli.timeout, .until_caught_up = o.seen[O_UNTIL],
		.deliver = emit_row, .flush = flush_out,
	};

	return attune_stream_consume(st, &c, err, len);
}

static int cmd_recent(struct attune_store *st, char **args, int n, char *err, size_t len)
{
	(void)n;
	if (attune_stream_recent(st, args[0], o.cli.count > 0 ? o.cli.count : 100, print_row, NULL) < 0)
		return store_err(st, err, len);
	return 0;
}

static int cmd_list(struct attune_store *st, char **args, int n, char *err, size_t len)
{
	jv list;

	(void)args, (void)n;
	if (attune_stream_list(st, &list) < 0)
		return store_err(st, err, len);
	jv_array_foreach(list, i, v) emit(NULL, v);
	jv_free(list);
	return 0;
}

static int cmd_info(struct attune_store *st, char **args, int n, char *err, size_t len)
{
	jv info;
	int rc = attune_stream_info(st, args[0], &info);

	(void)n;
	if (rc < 0)
		return store_err(st, err, len);
	if (rc == 0) {
		snprintf(err, len, "no stream '%s'", args[0]);
		return EXIT_NO;
	}
	emit(NULL, info);
	return 0;
}

static int cmd_trim(struct attune_store *st, char **args, int n, char *err, size_t len)
{
	long long removed = attune_stream_trim(st, args[0], o.maxlen);

	(void)n;
	if (removed < 0)
		return store_err(st, err, len);
	result(jv_object_set(jv_object_set(jv_object(), jv_string("event_type"), jv_string(args[0])),
	                     jv_string("trimmed"), jv_number((double)removed)));
	return 0;
}

static int cmd_delete(struct attune_store *st, char **args, int n, char *err, size_t len)
{
	int rc = attune_stream_delete(st, args[0]);

	(void)n;
	if (rc < 0)
		return store_err(st, err, len);
	if (rc == 0) {
		snprintf(err, len, "no stream '%s'", args[0]);
		return EXIT_NO;
	}
	result(jv_object_set(jv_object_set(jv_object(), jv_string("event_type"), jv_string(args[0])),
	                     jv_string("deleted"), jv_true()));
	return 0;
}

/* Operand counts (types counted first; publish's second operand is DATA) and the options that
 * apply, by letter. */
static const struct cmd {
	const char *name;
	int (*run)(struct attune_store *, char **, int, char *, size_t);
	int min, max, ntypes;
	const char *opts;
} cmds[] = {
	{"publish", cmd_publish, 1, 2, 1, "pqESM"},
	{"consume", cmd_consume, 0, 1 << 20, 1 << 20, "tcfpFUGCI"},
	{"recent", cmd_recent, 1, 1, 1, "cfp"},
	{"list", cmd_list, 0, 0, 0, "pf"},
	{"info", cmd_info, 1, 1, 1, "pf"},
	{"trim", cmd_trim, 1, 1, 1, "pqM"},
	{"delete", cmd_delete, 1, 1, 1, "pq"},
};

/* Usage errors that need the command: operands, ids and options that do not apply. */
static void check(const struct cmd *c, char **args, int n)
{
	o.seen['t'] = o.cli.timeout >= 0, o.seen['c'] = o.cli.count > 0, o.seen['f'] = o.cli.filter != NULL;
	o.seen['p'] = o.cli.pretty, o.seen['q'] = o.cli.quiet;
	for (const char *l = "tcfpqESMFUGCI"; *l; l++) {
		if (!o.seen[(int)*l] || strchr(c->opts, *l))
			continue;
		for (const struct option *lo = longopts; lo->name; lo++)
			if (lo->val == *l)
				attune_usage("option --%s does not apply to %s", lo->name, c->name);
		attune_usage("option -%c does not apply to %s", *l, c->name);
	}
	if (n < c->min)
		attune_usage("%s: missing operand (an event type)", c->name);
	if (n > c->max || (o.seen[O_EACH] && n > 1))
		attune_usage("%s: too many operands", c->name);
	for (int i = 0; i < n && i < c->ntypes; i++)
		if (!attune_valid_id(args[i]))
			attune_usage("bad event type '%s'", args[i]);
	if (c->run == cmd_trim && !o.seen[O_MAXLEN])
		attune_usage("trim: --maxlen N is required");
	if (o.group && !(o.consumer = o.consumer ? o.consumer : o.cli.agent))
		attune_usage("--group needs --consumer (or --agent)");
	if ((o.consumer || o.seen[O_CLAIM]) && !o.group)
		attune_usage("--%s needs --group", o.consumer ? "consumer" : "claim-idle");
}

int main(int argc, char **argv)
{
	const struct cmd *c = NULL;
	struct attune_store *st = NULL;
	char err[1024] = "";
	int status;

	attune_cli_parse(&tool, argc, argv, &o.cli, opt);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16); /* flushed once per batch */
	if (o.cli.nargs == 0)
		attune_usage("missing subcommand (publish, consume, recent, list, info, trim, delete)");
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (!strcmp(o.cli.args[0], cmds[i].name))
			c = &cmds[i];
	if (!c)
		attune_usage("unknown subcommand '%s'", o.cli.args[0]);
	check(c, o.cli.args + 1, o.cli.nargs - 1);
	if (o.cli.filter && !(o.filter = attune_filter_new(o.cli.filter, err, sizeof err)))
		attune_usage("bad filter: %s", err);
	attune_signals_install();
	if (!(st = attune_store_open(o.cli.store, o.cli.ns, &status, err, sizeof err)))
		attune_die(status, "%s", err);
	status = c->run(st, o.cli.args + 1, o.cli.nargs - 1, err, sizeof err);
	if (*err)
		attune_warn("%s", err);
	if ((fflush(stdout) != 0 || ferror(stdout)) && !o.out_errno)
		o.out_errno = errno ? errno : EIO;
	/* A reader that went away (EPIPE) ends us quietly: what it did not get stayed unacknowledged. */
	if (attune_interrupted && status == 0)
		status = attune_interrupt_status();
	else if (o.out_errno && o.out_errno != EPIPE && status == 0) {
		attune_warn("write error: %s", strerror(o.out_errno));
		status = 1;
	}
	attune_store_close(st);
	attune_filter_free(o.filter);
	return status;
}
