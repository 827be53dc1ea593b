/* cli.h — what every tool shares: options, exit codes, messages, ids, durations, signals.
 *
 * The only part of libattune that exits: attune_die() and the option parser end the process
 * with the exit codes of SPEC 3.2. Everything else in the library returns a status. */
#ifndef ATTUNE_CLI_H
#define ATTUNE_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>

#define ATTUNE_VERSION "0.1.0"

enum {
	EXIT_NO = 1,           /* a clean "no" */
	EXIT_USAGE = 2,        /* bad option, operand, id or duration */
	EXIT_DATAERR = 65,     /* input is not valid JSON, not an object, or too large */
	EXIT_UNAVAILABLE = 69, /* store cannot be reached or opened */
	EXIT_NOPERM = 77,      /* store refused: ACL, password, file permissions */
	EXIT_TIMEOUT = 124,    /* nothing arrived in time */
};

#define ATTUNE_MAX_VALUE (1024 * 1024) /* payloads, contexts, metadata, events */
#define ATTUNE_MAX_ID 128

/* Program name for messages, e.g. "attune-wait"; set by attune_cli_parse(). */
extern const char *attune_prog;

/* Set by SIGINT/SIGTERM once attune_signals_install() ran: the signal number, else 0. */
extern volatile sig_atomic_t attune_interrupted;

/* Messages to stderr as "prog: text". die exits with code; usage exits 2 with a hint. */
void attune_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void attune_die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void attune_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Parsers: 0 on success, -1 if the text is not valid (the caller reports it). */
int attune_parse_duration(const char *s, double *seconds); /* "1.5s" "250ms" "2m" "1h" "1d" "3" */
int attune_parse_count(const char *s, long *n);            /* a whole number >= 1 */
int attune_parse_number(const char *s, double *x);         /* any finite decimal number */
int attune_valid_id(const char *s);                        /* 1 if SPEC 3.1 ID, else 0 */

/* Common options (SPEC 3.1). Unset values: NULL, or -1 for numbers. */
struct attune_cli {
	const char *store;     /* -s URL (else resolved by attune_store_open) */
	const char *agent;     /* -a ID, default $ATTUNE_AGENT (validated) */
	const char *ns;        /* --namespace NS, default $ATTUNE_NAMESPACE */
	double timeout;        /* -t seconds, -1 = forever */
	double ttl;            /* -T seconds, -1 = tool default */
	long count;            /* -c N, -1 = unset */
	const char *filter;    /* -f JQ */
	const char *format;    /* -o FMT, checked against tool->formats */
	int pretty;            /* -p */
	int quiet;             /* -q */
	char **args;           /* operands, in order (options may stand anywhere) */
	int nargs;
};

/* A tool's description for the parser.
 * common: the common letters it accepts, e.g. "satTcfopq" (h and V always).
 * shortopts/longopts: its own options; longopts ends with a zero entry and may be NULL.
 * formats: accepted -o values, e.g. "json text" (NULL = -o not accepted).
 * help: the full --help text printed to stdout. */
struct attune_tool {
	const char *name;
	const char *common;
	const char *shortopts;
	const struct option *longopts;
	const char *formats;
	const char *help;
};

/* Parse argv. Common options fill *cli; the tool's own options are passed to opt(c, optarg),
 * which returns 0, or calls attune_usage() itself on a bad value. -h/-V print and exit 0;
 * unknown options and missing arguments exit 2. Sets attune_prog, ignores SIGPIPE. */
void attune_cli_parse(const struct attune_tool *tool, int argc, char **argv, struct attune_cli *cli,
                      void (*opt)(int c, const char *arg));

/* SIGINT/SIGTERM set attune_interrupted (no SA_RESTART, so blocking calls return EINTR). */
void attune_signals_install(void);
/* 130 or 143 for the signal received (128 + n). */
int attune_interrupt_status(void);

/* fwrite n bytes to stdout in pieces of at most PIPE_BUF: a pipe takes each piece whole or not
 * at all, so a write blocked on a full pipe fails (EINTR) when SIGINT/SIGTERM arrives. (stdio
 * resumes a longer write() after a partial one, and the tool would stay blocked until the reader
 * reads or goes away.) 0, or -1 once stdout has an error. */
int attune_stdout_write(const void *p, size_t n);

/* Flush stdout; on a write error report it (unless EPIPE) and return -1. Tools call it last. */
int attune_stdout_close(void);

/* Time: wall clock in seconds (float) and a monotonic clock in seconds. */
double attune_now(void);
double attune_monotonic(void);
/* ISO-8601 UTC with microseconds and +00:00 into buf (>= 33 bytes); t from attune_now(). */
void attune_iso_time(double t, char *buf, size_t len);
/* Parse ISO-8601 (offset, Z, or naive = UTC) to epoch seconds; -1 if not a timestamp. */
int attune_parse_time(const char *s, double *t);

/* "prefix_" + 8 lowercase hex from /dev/urandom into buf (>= strlen(prefix) + 9). */
void attune_random_id(const char *prefix, char *buf, size_t len);

#endif
