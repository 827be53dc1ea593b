/* cli.c — option registry, messages, exit codes, parsers, signals, time. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const char *attune_prog = "attune";
volatile sig_atomic_t attune_interrupted;

static void vmsg(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", attune_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void attune_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void attune_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(code);
}

void attune_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", attune_prog);
	exit(EXIT_USAGE);
}

int attune_parse_number(const char *s, double *x)
{
	char *end;

	if (!s || !*s || strchr(" \t\n", *s))
		return -1;
	errno = 0;
	*x = strtod(s, &end);
	return (*end || errno || !isfinite(*x) || strpbrk(s, "xXnNiI")) ? -1 : 0;
}

int attune_parse_duration(const char *s, double *seconds)
{
	static const struct { const char *unit; double mult; } units[] = {
		{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"", 1},
	};
	char num[64];
	size_t n;

	if (!s)
		return -1;
	n = strspn(s, "0123456789.");
	if (n == 0 || n >= sizeof num || strchr(s, '.') != strrchr(s, '.') || (s[0] == '.' && n == 1))
		return -1;
	memcpy(num, s, n);
	num[n] = 0;
	for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
		if (!strcmp(s + n, units[i].unit)) {
			double v;
			if (attune_parse_number(num, &v) < 0 || v * units[i].mult > 1e9)
				return -1;
			*seconds = v * units[i].mult;
			return 0;
		}
	}
	return -1;
}

int attune_parse_count(const char *s, long *n)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno || v < 1)
		return -1;
	*n = v;
	return 0;
}

int attune_valid_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > ATTUNE_MAX_ID)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-@/+") == n;
}

static const struct option common_long[] = {
	{"help", no_argument, 0, 'h'},       {"version", no_argument, 0, 'V'},
	{"store", required_argument, 0, 's'}, {"agent", required_argument, 0, 'a'},
	{"timeout", required_argument, 0, 't'}, {"ttl", required_argument, 0, 'T'},
	{"count", required_argument, 0, 'c'}, {"filter", required_argument, 0, 'f'},
	{"format", required_argument, 0, 'o'}, {"pretty", no_argument, 0, 'p'},
	{"quiet", no_argument, 0, 'q'},       {"namespace", required_argument, 0, 'N'},
};
enum { NCOMMON = sizeof common_long / sizeof *common_long };

static int takes_arg(char c)
{
	return strchr("satTcfoN", c) != NULL;
}

/* Is a format word in the space-separated list? */
static int word_in(const char *w, const char *list)
{
	size_t n = strlen(w);

	for (const char *p = list; p && *p;) {
		size_t m = strcspn(p, " ");
		if (m == n && !strncmp(p, w, n))
			return 1;
		p += m + (p[m] == ' ');
	}
	return 0;
}

void attune_cli_parse(const struct attune_tool *tool, int argc, char **argv, struct attune_cli *cli,
                      void (*opt)(int c, const char *arg))
{
	char shortopts[128] = ":hV";
	struct option longopts[64];
	size_t nl = 0;
	const char *env;
	int c;

	attune_prog = tool->name;
	signal(SIGPIPE, SIG_IGN);
	memset(cli, 0, sizeof *cli);
	cli->timeout = cli->ttl = -1;
	cli->count = -1;
	for (const char *p = tool->common; *p; p++) {
		size_t k = strlen(shortopts);
		shortopts[k] = *p;
		strcpy(shortopts + k + 1, takes_arg(*p) ? ":" : "");
	}
	if (tool->shortopts)
		strncat(shortopts, tool->shortopts, sizeof shortopts - strlen(shortopts) - 1);
	for (int i = 0; i < NCOMMON; i++)
		if (common_long[i].val == 'h' || common_long[i].val == 'V' || common_long[i].val == 'N' ||
		    strchr(tool->common, common_long[i].val))
			longopts[nl++] = common_long[i];
	for (const struct option *o = tool->longopts; o && o->name && nl < 63; o++)
		longopts[nl++] = *o;
	memset(&longopts[nl], 0, sizeof longopts[nl]);

	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(tool->help, stdout);
			exit(attune_stdout_close() ? 1 : 0);
		case 'V':
			printf("%s %s\n", tool->name, ATTUNE_VERSION);
			exit(attune_stdout_close() ? 1 : 0);
		case 's': cli->store = optarg; break;
		case 'N': cli->ns = optarg; break;
		case 'a':
			if (!attune_valid_id(optarg))
				attune_usage("bad agent id '%s'", optarg);
			cli->agent = optarg;
			break;
		case 't':
			if (attune_parse_duration(optarg, &cli->timeout) < 0)
				attune_usage("bad duration '%s' for -t", optarg);
			break;
		case 'T':
			if (attune_parse_duration(optarg, &cli->ttl) < 0)
				attune_usage("bad duration '%s' for -T", optarg);
			break;
		case 'c':
			if (attune_parse_count(optarg, &cli->count) < 0)
				attune_usage("bad count '%s' for -c", optarg);
			break;
		case 'f': cli->filter = optarg; break;
		case 'o':
			if (!word_in(optarg, tool->formats))
				attune_usage("unknown format '%s' (use: %s)", optarg, tool->formats);
			cli->format = optarg;
			break;
		case 'p': cli->pretty = 1; break;
		case 'q': cli->quiet = 1; break;
		case ':':
			attune_usage("option '%s' needs a value", argv[optind - 1]);
		case '?':
			if (optopt > 0 && optopt < 256)
				attune_usage("unknown option '-%c'", optopt);
			attune_usage("unknown option '%s'", argv[optind - 1]);
		default:
			opt(c, optarg);
		}
	}
	if (!cli->agent && (env = getenv("ATTUNE_AGENT")) && *env) {
		if (!attune_valid_id(env))
			attune_usage("bad agent id '%s' in ATTUNE_AGENT", env);
		cli->agent = env;
	}
	cli->args = argv + optind;
	cli->nargs = argc - optind;
}

static void on_signal(int sig)
{
	attune_interrupted = sig;
}

void attune_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int attune_interrupt_status(void)
{
	return 128 + (attune_interrupted ? attune_interrupted : SIGINT);
}

int attune_stdout_write(const void *p, size_t n)
{
	const char *c = p;

	while (n > 0 && !ferror(stdout)) {
		size_t k = n < PIPE_BUF ? n : PIPE_BUF;
		fwrite(c, 1, k, stdout);
		c += k;
		n -= k;
	}
	if (!ferror(stdout))
		return 0;
	__fpurge(stdout); /* what was not written is not retried: a later flush must not block */
	return -1;
}

int attune_stdout_close(void)
{
	int e;

	if (ferror(stdout))
		__fpurge(stdout); /* output already failed: do not block again on what is left */
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	e = errno;
	if (e != EPIPE && !attune_interrupted)
		attune_warn("write error: %s", strerror(e));
	return -1;
}

double attune_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double attune_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian; d may run past the month's end, as with
 * timegm (H. Hinnant's days_from_civil). */
static long days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
	long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;

	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The date of day z since 1970-01-01 (H. Hinnant's civil_from_days). */
static void civil_from_days(long z, long *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* By hand rather than gmtime_r + strftime: the first gmtime_r reads /etc/localtime, which
 * a one-shot tool like attune-signal pays for before its timestamp reaches the store. */
void attune_iso_time(double t, char *buf, size_t len)
{
	long long s = (long long)floor(t), day;
	long us = lround((t - (double)s) * 1e6), y;
	int m, d;

	if (us >= 1000000) {
		s++;
		us -= 1000000;
	}
	day = (s >= 0 ? s : s - 86399) / 86400;
	s -= day * 86400;
	civil_from_days((long)day, &y, &m, &d);
	snprintf(buf, len, "%04ld-%02d-%02dT%02lld:%02lld:%02lld.%06ld+00:00", y, m, d, s / 3600, s / 60 % 60, s % 60, us);
}

/* "YYYY-MM-DDTHH:MM:SS" (T or space) in fixed digits, the form every writer uses, without
 * strptime and timegm (a tenth of the cost, which counts over a million log records). The end
 * of the date and time, or NULL for anything else (strptime decides then). */
static const char *fixed_time(const char *s, double *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	static const int lo[] = {0, 1, 1, 0, 0, 0}, hi[] = {9999, 12, 31, 23, 59, 61};
	int v[6] = {0}, f = 0;

	for (int i = 0; shape[i]; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return NULL;
			v[f] = v[f] * 10 + s[i] - '0';
		} else if (s[i] == shape[i] || (shape[i] == 'T' && s[i] == ' ')) {
			f++;
		} else {
			return NULL;
		}
	}
	for (int i = 0; i < 6; i++)
		if (v[i] < lo[i] || v[i] > hi[i])
			return NULL;
	*t = (double)days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	return s + sizeof shape - 1;
}

/* The fraction at p ("." and digits): up to 15 digits m / 10^n, exactly rounded as strtod
 * would; strtod itself for anything longer or odder. Returns the end. */
static const char *fraction(const char *p, double *frac)
{
	static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	const char *q = p + 1;
	long long m = 0;
	char *end;

	for (; *q >= '0' && *q <= '9' && q - p <= 15; q++)
		m = m * 10 + (*q - '0');
	if (q == p + 1 || (*q >= '0' && *q <= '9') || *q == 'e' || *q == 'E') {
		*frac = strtod(p, &end);
		return end;
	}
	*frac = (double)m / p10[q - p - 1];
	return q;
}

int attune_parse_time(const char *s, double *t)
{
	struct tm tm;
	const char *p;
	double base, frac = 0;
	long off = 0;

	if (!s)
		return -1;
	if (!(p = fixed_time(s, &base))) {
		memset(&tm, 0, sizeof tm);
		p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
		if (!p)
			p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
		if (!p) {
			p = strptime(s, "%Y-%m-%d", &tm);
			if (!p || *p)
				return -1;
		}
		base = (double)timegm(&tm);
	}
	if (*p == '.')
		p = fraction(p, &frac);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && !strcmp(p + 1, "00:00")) {
		p += 6;
	} else if (*p == '+' || *p == '-') {
		int hh, mm, n = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 && sscanf(p + 1, "%2d%2d%n", &hh, &mm, &n) != 2)
			return -1;
		off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
		p += 1 + n;
	}
	if (*p)
		return -1;
	*t = base - (double)off + frac;
	return 0;
}

void attune_random_id(const char *prefix, char *buf, size_t len)
{
	unsigned char r[4] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, r, sizeof r) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned v = (unsigned)ts.tv_nsec ^ (unsigned)getpid() << 16;
		memcpy(r, &v, sizeof r);
	}
	if (fd >= 0)
		close(fd);
	snprintf(buf, len, "%s%02x%02x%02x%02x", prefix, r[0], r[1], r[2], r[3]);
}
