/* attune-approve — a human approval gate as a Unix command (SPEC 5.5). */
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "approval.h"
#include "cli.h"
#include "json.h"

static const char help[] =
	"usage: attune-approve request [-a AGENT] [-t TIMEOUT] [--poll DURATION] TYPE [CONTEXT | -]\n"
	"       attune-approve respond ID (--approve | --reject) [-r REASON] [--as RESPONDER]\n"
	"       attune-approve list [--type TYPE]\n"
	"       attune-approve show ID\n"
	"       attune-approve review [--as RESPONDER]\n"
	"       attune-approve expire\n"
	"A human approval gate: request blocks until someone answers it, or until its time runs out.\n"
	"\n"
	"  request   ask for approval of TYPE with a JSON object CONTEXT; print the answer\n"
	"  respond   answer request ID (the first answer wins)\n"
	"  list      pending requests, oldest first\n"
	"  show      request ID and its answer, if any\n"
	"  review    walk the pending requests on a terminal and answer them\n"
	"  expire    mark overdue pending requests timed out; print how many\n"
	"\n"
	"  -s, --store URL          store (default $ATTUNE_STORE, $REDIS_URL, else the embedded one)\n"
	"      --namespace NS       prefix of every key (default $ATTUNE_NAMESPACE)\n"
	"  -a, --agent ID           requester (default $ATTUNE_AGENT, else $USER@hostname)\n"
	"  -t, --timeout DURATION   how long request waits (default 300s)\n"
	"      --poll DURATION      also look for answers every DURATION (default 1s; 0 = wake-ups only)\n"
	"      --approve            approve (respond)\n"
	"      --reject             reject (respond)\n"
	"  -r, --reason TEXT        why (respond)\n"
	"      --as RESPONDER       who answers (default $USER@hostname)\n"
	"      --type TYPE          only requests of TYPE (list)\n"
	"  -f, --filter JQ          print what the jq program makes of each record\n"
	"  -o, --format FMT         json (default) or text\n"
	"  -p, --pretty             indented JSON\n"
	"  -q, --quiet              print nothing; the exit status tells\n"
	"  -h, --help               this help\n"
	"  -V, --version            version\n"
	"\n"
	"Exit status: 0 approved or done, 1 rejected or refused, 2 usage, 65 bad context,\n"
	"69 store unavailable, 77 not permitted, 124 timed out, 130/143 interrupted.\n";

enum { O_TYPE = 256, O_POLL, O_APPROVE, O_REJECT, O_AS };
static const struct option longopts[] = {
	{"type", required_argument, 0, O_TYPE},   {"poll", required_argument, 0, O_POLL},
	{"approve", no_argument, 0, O_APPROVE},   {"reject", no_argument, 0, O_REJECT},
	{"reason", required_argument, 0, 'r'},    {"as", required_argument, 0, O_AS},
	{0, 0, 0, 0},
};
static const struct attune_tool tool = {"attune-approve", "satfopq", "r:", longopts, "json text", help};

static struct {
	const char *type, *reason, *as;
	double poll;
	int approve, reject;
} o = {.reason = "", .poll = ATTUNE_APPROVAL_POLL};
static unsigned given; /* OPT(c) for each own option given */
#define OPT(c) (1u << ((c) & 31))
static struct attune_cli cli;
static struct attune_store *st;
static struct attune_filter *filter;

static void opt(int c, const char *arg)
{
	given |= OPT(c);
	switch (c) {
	case O_TYPE:
		if (!attune_valid_id(arg))
			attune_usage("bad type '%s'", arg);
		o.type = arg;
		break;
	case O_POLL:
		if (attune_parse_duration(arg, &o.poll) < 0)
			attune_usage("bad duration '%s' for --poll", arg);
		break;
	case O_APPROVE: o.approve = 1; break;
	case O_REJECT: o.reject = 1; break;
	case 'r': o.reason = arg; break;
	case O_AS:
		if (!*arg)
			attune_usage("empty responder for --as");
		o.as = arg;
		break;
	}
}

/* $USER@hostname: the default requester and responder. */
static const char *whoami(void)
{
	static char me[ATTUNE_MAX_ID + 1];
	const char *user = getenv("USER");
	struct passwd *pw;
	char host[HOST_NAME_MAX + 1] = "localhost";

	if (!user || !*user)
		user = (pw = getpwuid(getuid())) ? pw->pw_name : "unknown";
	gethostname(host, sizeof host - 1);
	snprintf(me, sizeof me, "%s@%s", user, host);
	return me;
}

/* The store, opened on first use (after the operands were checked). */
static struct attune_store *store(void)
{
	char err[512];
	int status;

	if (!st && !(st = attune_store_open(cli.store, cli.ns, &status, err, sizeof err)))
		attune_die(status, "%s", err);
	return st;
}

static int store_failed(void)
{
	attune_warn("%s", attune_store_error(st));
	return attune_store_status(st);
}

/* Print one record: through -f, else with text() under -o text, else as JSON. Consumes v. */
static int print(jv v, void (*text)(jv))
{
	if (cli.quiet) {
		jv_free(v);
		return 0;
	}
	if (filter) {
		jv outs = attune_filter_run(filter, v);
		if (!jv_is_valid(outs)) {
			jv msg = jv_invalid_get_msg(outs);
			attune_warn("filter: %s", jv_string_value(msg));
			jv_free(msg);
			return EXIT_DATAERR;
		}
		jv_array_foreach(outs, i, x)
			attune_json_print(x, cli.pretty);
		jv_free(outs);
	} else if (text && cli.format && !strcmp(cli.format, "text")) {
		text(v);
	} else {
		attune_json_print(v, cli.pretty);
	}
	return 0;
}

static void response_text(jv r)
{
	jv ok = jv_object_get(jv_copy(r), jv_string("approved"));
	const char *reason = attune_json_str(r, "reason");

	printf("%s %s by %s%s%s\n", jv_get_kind(ok) == JV_KIND_TRUE ? "approved" : "rejected",
	       attune_json_str(r, "request_id"), attune_json_str(r, "responder"), reason && *reason ? ": " : "",
	       reason ? reason : "");
	jv_free(ok);
	jv_free(r);
}

static void request_row(jv req)
{
	jv ctx = jv_object_get(jv_copy(req), jv_string("context"));
	const char *agent = attune_json_str(req, "agent_id");
	char age[32], *c = attune_json_dump(jv_is_valid(ctx) ? ctx : jv_object(), NULL);

	static int header;

	if (!header++)
		printf("%-18s %-16s %-20s %6s  %s\n", "ID", "TYPE", "REQUESTER", "AGE", "CONTEXT");
	attune_approval_age_text(attune_approval_age(req, attune_now()), age, sizeof age);
	printf("%-18s %-16s %-20s %6s  %.60s%s\n", attune_json_str(req, "request_id"), attune_json_str(req, "approval_type"),
	       agent ? agent : "?", age, c, strlen(c) > 60 ? "..." : "");
	free(c);
	jv_free(req);
}

static int cmd_request(void)
{
	const char *type = cli.args[1], *agent = cli.agent ? cli.agent : whoami();
	char err[512];
	jv ctx = jv_object(), resp;
	int rc;

	if (!attune_valid_id(type))
		attune_usage("bad type '%s'", type);
	if (cli.nargs > 2) {
		jv_free(ctx);
		if (attune_json_arg(cli.args[2], &ctx, err, sizeof err) < 0)
			attune_die(EXIT_DATAERR, "context: %s", err);
		if (jv_get_kind(ctx) != JV_KIND_OBJECT)
			attune_die(EXIT_DATAERR, "context: not a JSON object");
	}
	attune_signals_install();
	jv req = attune_approval_new(type, agent, ctx, cli.timeout < 0 ? ATTUNE_APPROVAL_TIMEOUT : cli.timeout);
	rc = attune_approval_request(store(), req, o.poll, &resp);
	if (rc == -2)
		return attune_interrupt_status();
	if (rc < 0)
		return store_failed();
	jv ok = jv_object_get(jv_copy(resp), jv_string("approved"));
	int status = rc == 0 ? EXIT_TIMEOUT : jv_get_kind(ok) == JV_KIND_TRUE ? 0 : EXIT_NO;
	jv_free(ok);
	return print(resp, response_text) ? EXIT_DATAERR : status;
}

/* Answer id; the response is printed by show_response. 0 recorded, else an exit status. */
static int answer(const char *id, int approve, const char *reason, void (*show)(jv))
{
	char why[512];
	jv resp;
	int rc = attune_approval_respond(store(), id, approve, o.as ? o.as : whoami(), reason, &resp, why, sizeof why);

	if (rc == 0) {
		attune_warn("%s", why);
		return EXIT_NO;
	}
	if (rc < 0 && jv_is_valid(resp)) {
		show(resp);
		attune_warn("answer recorded, but announcing it failed: %s", attune_store_error(st));
		return attune_store_status(st);
	}
	if (rc < 0)
		return store_failed();
	show(resp);
	return 0;
}

static void print_response(jv r)
{
	print(r, response_text);
}

static int cmd_respond(void)
{
	if (!attune_valid_id(cli.args[1]))
		attune_usage("bad request id '%s'", cli.args[1]);
	if (o.approve == o.reject)
		attune_usage("respond needs exactly one of --approve and --reject");
	return answer(cli.args[1], o.approve, o.reason, print_response);
}

static int cmd_list(void)
{
	jv list;

	if (attune_approval_pending(store(), o.type, &list) < 0)
		return store_failed();
	jv_array_foreach(list, i, req)
		print(req, request_row);
	jv_free(list);
	return 0;
}

static void show_text(jv both)
{
	jv req = jv_object_get(jv_copy(both), jv_string("request")), resp = jv_object_get(both, jv_string("response"));

	if (jv_get_kind(req) == JV_KIND_OBJECT) {
		char *d = attune_approval_describe(req, attune_now());
		fputs(d, stdout);
		free(d);
	}
	jv_free(req);
	if (jv_get_kind(resp) == JV_KIND_OBJECT)
		response_text(resp);
	else
		jv_free(resp);
}

static int cmd_show(void)
{
	jv req, resp;
	int rc;

	if (!attune_valid_id(cli.args[1]))
		attune_usage("bad request id '%s'", cli.args[1]);
	if ((rc = attune_approval_get(store(), cli.args[1], &req, &resp)) < 0)
		return store_failed();
	if (rc == 0) {
		attune_warn("no request %s (unknown, or expired)", cli.args[1]);
		return EXIT_NO;
	}
	jv both = jv_object_set(jv_object_set(jv_object(), jv_string("request"), req), jv_string("response"), resp);
	return print(both, show_text);
}

static int cmd_expire(void)
{
	long n;

	if (attune_approval_expire(store(), &n) < 0)
		return store_failed();
	return print(jv_number((double)n), NULL);
}

/* review: the terminal, and where decisions go. */
static FILE *tin, *tout;

static void tell_decision(jv r)
{
	jv ok = jv_object_get(jv_copy(r), jv_string("approved"));

	fprintf(tout, "%s.\n", jv_get_kind(ok) == JV_KIND_TRUE ? "Approved" : "Rejected");
	jv_free(ok);
	/* With stdout redirected away from the terminal, it records the decisions as JSON. */
	if (tout != stdout)
		print(r, NULL);
	else
		jv_free(r);
}

/* One answer line from the terminal into *line; -1 at end of input or on a signal. */
static int ask(const char *prompt, char **line, size_t *cap)
{
	ssize_t n;

	fputs(prompt, tout);
	fflush(tout);
	if ((n = getline(line, cap, tin)) < 0)
		return -1;
	(*line)[strcspn(*line, "\r\n")] = 0;
	return 0;
}

/* The letter of an answer typed in full or by its first letter ('a', 'r', 's', 'q'), else 0. */
static int choice(const char *line)
{
	static const char *const words[] = {"approve", "reject", "skip", "quit"};

	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (!strcasecmp(line, words[i]) || (line[0] && !line[1] && (line[0] | 0x20) == words[i][0]))
			return words[i][0];
	return 0;
}

/* Show one request and act on the answer: 0 next, -1 quit, else an exit status. */
static int review_one(jv req, char **line, size_t *cap)
{
	char *d = attune_approval_describe(req, attune_now());
	int c, rc;

	fprintf(tout, "\n%s", d);
	free(d);
	do {
		if (ask("Approve, reject, skip or quit? [a/r/s/q] ", line, cap) < 0)
			return -1;
	} while (!(c = choice(*line)));
	if (c == 's' || c == 'q')
		return c == 's' ? 0 : -1;
	if (ask("Reason (optional): ", line, cap) < 0)
		return -1;
	rc = answer(attune_json_str(req, "request_id"), c == 'a', *line, tell_decision);
	return rc == EXIT_NO ? 0 : rc; /* refused (answered meanwhile): said so, go on */
}

static int cmd_review(void)
{
	char *line = NULL;
	size_t cap = 0;
	int fd = -1, rc = 0;
	jv list;

	tin = stdin, tout = stdout;
	if (!isatty(0) || !isatty(1)) {
		if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0) {
			attune_warn("review needs a terminal (stdin and stdout are not terminals, and there is no /dev/tty)");
			return EXIT_USAGE;
		}
		tin = fdopen(fd, "r"), tout = fdopen(dup(fd), "w");
	}
	attune_signals_install();
	if (attune_approval_pending(store(), NULL, &list) < 0) {
		rc = store_failed();
	} else {
		if (jv_array_length(jv_copy(list)) == 0)
			fputs("No pending requests.\n", tout);
		jv_array_foreach(list, i, req) {
			rc = review_one(req, &line, &cap);
			jv_free(req);
			if (rc)
				break;
		}
		jv_free(list);
	}
	if (attune_interrupted)
		rc = attune_interrupt_status();
	free(line);
	if (fd >= 0) {
		fclose(tin);
		fclose(tout);
	}
	return rc < 0 ? 0 : rc;
}

static const struct command {
	const char *name;
	int (*run)(void);
	int nargs;        /* operands after the subcommand: at least */
	int maxargs;      /* and at most */
	unsigned options; /* own options it takes */
} commands[] = {
	{"request", cmd_request, 1, 2, OPT('t') | OPT(O_POLL)},
	{"respond", cmd_respond, 1, 1, OPT(O_APPROVE) | OPT(O_REJECT) | OPT('r') | OPT(O_AS)},
	{"list", cmd_list, 0, 0, OPT(O_TYPE)},
	{"show", cmd_show, 1, 1, 0},
	{"review", cmd_review, 0, 0, OPT(O_AS)},
	{"expire", cmd_expire, 0, 0, 0},
};

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	char err[512];
	int rc;

	attune_cli_parse(&tool, argc, argv, &cli, opt);
	if (cli.nargs < 1)
		attune_usage("missing subcommand (request, respond, list, show, review or expire)");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(cli.args[0], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		attune_usage("unknown subcommand '%s'", cli.args[0]);
	if (cli.nargs - 1 < cmd->nargs)
		attune_usage("%s: missing operand", cmd->name);
	if (cli.nargs - 1 > cmd->maxargs)
		attune_usage("%s: unexpected operand '%s'", cmd->name, cli.args[cmd->maxargs + 1]);
	if (cli.timeout >= 0)
		given |= OPT('t');
	for (const struct option *lo = longopts; lo->name; lo++)
		if (given & ~cmd->options & OPT(lo->val))
			attune_usage("option --%s does not apply to %s", lo->name, cmd->name);
	if (given & ~cmd->options & OPT('t'))
		attune_usage("option --timeout does not apply to %s", cmd->name);
	if (cli.filter && !(filter = attune_filter_new(cli.filter, err, sizeof err)))
		attune_usage("bad filter: %s", err);
	rc = cmd->run();
	attune_filter_free(filter);
	attune_store_close(st);
	if (attune_stdout_close() < 0 && rc == 0)
		rc = 1;
	return rc;
}
