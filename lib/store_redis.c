/* store_redis.c — the store over Redis, with hiredis 0.14's blocking API.
 *
 * Every command goes through run(): it sends a batch pipelined and reads every reply before
 * any callback runs (callbacks may issue commands of their own). A NULL reply means the
 * connection is dead: reconnect with backoff for up to $ATTUNE_RETRY seconds (re-AUTH,
 * re-SELECT) and send the whole batch again. A command whose reply was lost may therefore be
 * applied twice (at least once, never silently dropped).
 *
 * Error replies map to exit codes: NOPERM, WRONGPASS, NOAUTH and ACL refusals inside a script
 * -> 77; WRONGTYPE and values that are not numbers (the data under the key is not what the
 * caller expects) -> 65; anything else (OOM, READONLY, NOGROUP, a command an old server lacks)
 * -> 69. LOADING and BUSY are transient and retried like a lost connection. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "cli.h"
#include "store_impl.h"

#define CONNECT_MS 3000      /* connect timeout */
#define IO_MS 10000          /* read/write timeout of an ordinary command */
#define BLOCK_MARGIN_MS 1000 /* read timeout beyond a server-side BLOCK */
#define MGET_CHUNK 500
#define CLAIM_CHUNK 100      /* XAUTOCLAIM batch when the caller sets no limit */
#define WAIT_SLICE_MS 250

struct redis {
	redisContext *c; /* NULL after a failure, until the next command reconnects */
	char *host, *socket, *user, *password;
	int port, db;
};

struct cmd {
	const char *key; /* named in messages */
	int argc;
	const char **argv;
	const size_t *lens; /* NULL: strlen of each */
};

struct backoff {
	double deadline; /* monotonic seconds; 0 before the first failure */
	double delay;
};

struct waiter {
	redisContext *c;
	size_t n;
	char **channels;
};

/* KEYS: check, and guard only when it is written (a key declared to EVAL needs write access
 * under a Redis 7 ACL, and a reader may check a guard it may not write).
 * ARGV: expect, cval, cttl, guard, gval, gttl, write-guard flag. */
static const char CHECK_WRITE_LUA[] =
	"if redis.call('EXISTS', ARGV[4]) == 1 then return 0 end\n"
	"if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 2 end\n"
	"local function put(k, v, ttl)\n"
	"  if ttl == '0' then redis.call('SET', k, v) else redis.call('SET', k, v, 'PX', ttl) end\n"
	"end\n"
	"if ARGV[7] == '1' then put(ARGV[4], ARGV[5], ARGV[6]) end\n"
	"put(KEYS[1], ARGV[2], ARGV[3])\n"
	"return 1\n";

#define NARGS(...) (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *))
/* One command of NUL-terminated arguments; key is named in messages. */
#define ONE(st, key, ...) one(st, key, NULL, 0, NARGS(__VA_ARGS__), (const char *[]){__VA_ARGS__}, NULL)

static void set_timeout(redisContext *c, long ms)
{
	struct timeval tv = {ms / 1000, ms % 1000 * 1000};
	redisSetTimeout(c, tv);
}

static int classify(const char *e)
{
	/* Redis 7 answers a long command from an unauthenticated client with a protocol error
	 * instead of NOAUTH (and closes the connection) */
	if (!strncmp(e, "NOPERM", 6) || !strncmp(e, "WRONGPASS", 9) || !strncmp(e, "NOAUTH", 6) ||
	    strstr(e, "user executing the script can't") || !strncmp(e, "ERR Protocol error: unauthenticated", 35))
		return 77;
	if (!strncmp(e, "WRONGTYPE", 9) || strstr(e, "not an integer") || strstr(e, "not a valid float") ||
	    strstr(e, "overflow"))
		return 65;
	return 69;
}

static int reply_fail(struct attune_store *st, const struct cmd *c, const redisReply *e)
{
	int status = classify(e->str);
	return store_fail(st, status, "%s%s %s: %s", status == 77 ? "not permitted: " : "", c->argv[0], c->key, e->str);
}

static int transient(const redisReply *r)
{
	return r->type == REDIS_REPLY_ERROR && (!strncmp(r->str, "LOADING", 7) || !strncmp(r->str, "BUSY ", 5));
}

/* Wait before another attempt to reach the server: 50 ms doubling to 1 s, all within
 * $ATTUNE_RETRY seconds of the first call. -1: give up (time used up, or interrupted). */
static int backoff(struct backoff *b)
{
	double now = attune_monotonic(), left, d;
	struct timespec ts;

	if (!b->deadline) {
		b->deadline = now + store_retry_seconds();
		b->delay = 0.05;
	}
	if (attune_interrupted || (left = b->deadline - now) <= 0)
		return -1;
	d = b->delay < left ? b->delay : left;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL); /* a signal cuts it short */
	b->delay = b->delay * 2 > 1 ? 1 : b->delay * 2;
	return attune_interrupted ? -1 : 0;
}

/* One connection attempt: connect, AUTH and SELECT pipelined (one round trip, none when
 * neither is needed). NULL after store_fail; *refused set when the server said no (77 for the
 * credentials), which another attempt would not change. */
static redisContext *dial(struct attune_store *st, int *refused)
{
	struct redis *r = st->impl;
	struct timeval ct = {CONNECT_MS / 1000, CONNECT_MS % 1000 * 1000};
	redisContext *c = r->socket ? redisConnectUnixWithTimeout(r->socket, ct)
	                            : redisConnectWithTimeout(r->host, r->port, ct);
	const char *auth[] = {"AUTH", r->user, r->password}, *sel[] = {"SELECT", NULL};
	char db[16];
	redisReply *rep;
	int n = 0, failed = 0;

	if (!c || c->err) {
		store_fail(st, 69, "cannot connect to %s: %s", st->url, c ? c->errstr : "out of memory");
		redisFree(c);
		return NULL;
	}
	fcntl(c->fd, F_SETFD, FD_CLOEXEC); /* not inherited by commands attune-beat runs */
	set_timeout(c, IO_MS);
	if (r->password) {
		if (r->user)
			redisAppendCommandArgv(c, 3, auth, NULL);
		else
			redisAppendCommandArgv(c, 2, (const char *[]){"AUTH", r->password}, NULL);
		n++;
	}
	if (r->db) {
		snprintf(db, sizeof db, "%d", r->db);
		sel[1] = db;
		redisAppendCommandArgv(c, 2, sel, NULL);
		n++;
	}
	for (int i = 0; i < n && !failed; i++) {
		if (redisGetReply(c, (void **)&rep) != REDIS_OK) {
			store_fail(st, 69, "cannot connect to %s: %s", st->url, c->errstr);
			failed = 1;
			break;
		}
		if (rep->type == REDIS_REPLY_ERROR) {
			failed = *refused = 1;
			/* any refusal of AUTH is about the credentials: 77 */
			if (i == 0 && r->password)
				store_fail(st, 77, "not permitted: AUTH as %s to %s: %s", r->user ? r->user : "default",
				           st->url, rep->str);
			else if (classify(rep->str) == 77)
				store_fail(st, 77, "not permitted: SELECT %s on %s: %s", db, st->url, rep->str);
			else
				store_fail(st, 69, "SELECT %s on %s: %s", db, st->url, rep->str);
		}
		freeReplyObject(rep);
	}
	if (failed) {
		redisFree(c);
		return NULL;
	}
	return c;
}

static redisContext *dial_retry(struct attune_store *st, struct backoff *b)
{
	redisContext *c;
	int refused = 0;

	while (!(c = dial(st, &refused)))
		if (refused || backoff(b) < 0)
			return NULL;
	return c;
}

static size_t arglen(const struct cmd *cmd, int i)
{
	return cmd->lens ? cmd->lens[i] : strlen(cmd->argv[i]);
}

/* "<c><n>\r\n" at p; returns the end. */
static char *put_len(char *p, char c, size_t n)
{
	char num[24];
	int k = 0;

	*p++ = c;
	do
		num[k++] = (char)('0' + n % 10);
	while (n /= 10);
	while (k)
		*p++ = num[--k];
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/* Append one command in the Redis protocol. hiredis's redisAppendCommandArgv formats it with
 * sdscatfmt, a quarter of the time of a bulk XADD; this is a count and a memcpy. */
static void append(redisContext *c, const struct cmd *cmd)
{
	char stack[4096], *buf = stack, *p;
	size_t len = 16;

	for (int i = 0; i < cmd->argc; i++)
		len += 25 + arglen(cmd, i);
	if (len > sizeof stack && !(buf = malloc(len)))
		abort();
	p = put_len(buf, '*', (size_t)cmd->argc);
	for (int i = 0; i < cmd->argc; i++) {
		size_t n = arglen(cmd, i);
		p = put_len(p, '$', n);
		memcpy(p, cmd->argv[i], n);
		p += n;
		*p++ = '\r';
		*p++ = '\n';
	}
	redisAppendFormattedCommand(c, buf, (size_t)(p - buf));
	if (buf != stack)
		free(buf);
}

/* Send n commands pipelined and read their n raw replies (error replies included) into rep.
 * block_ms > 0: the batch holds a server-side BLOCK of that many ms, and the read timeout is
 * stretched to cover it. 0, or -1 after store_fail (nothing to free then). */
static int run(struct attune_store *st, size_t n, const struct cmd *cmds, redisReply **rep, long block_ms)
{
	struct redis *r = st->impl;
	struct backoff b = {0};
	size_t got, i;

	for (int again = 0;; again = 1) {
		if (!r->c && !(r->c = dial_retry(st, &b)))
			return -1;
		if (block_ms > 0)
			set_timeout(r->c, block_ms + BLOCK_MARGIN_MS);
		for (i = 0; i < n; i++)
			append(r->c, &cmds[i]);
		for (got = 0; got < n && redisGetReply(r->c, (void **)&rep[got]) == REDIS_OK; got++)
			;
		if (got == n) {
			if (block_ms > 0)
				set_timeout(r->c, IO_MS);
			for (i = 0; i < n && !transient(rep[i]); i++)
				;
			if (i == n)
				return 0;
			store_fail(st, 69, "%s %s: %s", cmds[i].argv[0], cmds[i].key, rep[i]->str);
		} else {
			/* a refusal read before the server closed the connection is the answer */
			for (i = 0; i < got && !(rep[i]->type == REDIS_REPLY_ERROR && classify(rep[i]->str) == 77); i++)
				;
			if (i < got)
				reply_fail(st, &cmds[i], rep[i]);
			else
				store_fail(st, 69, "connection to %s lost: %s", st->url, r->c->errstr);
			redisFree(r->c);
			r->c = NULL;
			if (i < got) {
				for (i = 0; i < got; i++)
					freeReplyObject(rep[i]);
				return -1;
			}
		}
		for (i = 0; i < got; i++)
			freeReplyObject(rep[i]);
		/* a connection lost the first time is re-made at once: the server may just have
		 * closed it for idling */
		if ((got == n || again) && backoff(&b) < 0)
			return -1;
	}
}

/* run() and fail on the first error reply; all replies freed on failure. */
static int batch(struct attune_store *st, size_t n, const struct cmd *cmds, redisReply **rep)
{
	size_t i;

	if (run(st, n, cmds, rep, 0) < 0)
		return -1;
	for (i = 0; i < n && rep[i]->type != REDIS_REPLY_ERROR; i++)
		;
	if (i == n)
		return 0;
	reply_fail(st, &cmds[i], rep[i]);
	for (i = 0; i < n; i++)
		freeReplyObject(rep[i]);
	return -1;
}

/* One command: its reply (caller frees), or NULL after store_fail. An error reply starting
 * with allow is returned instead of failing. */
static redisReply *one(struct attune_store *st, const char *key, const char *allow, long block_ms, int argc,
                       const char **argv, const size_t *lens)
{
	struct cmd c = {key, argc, argv, lens};
	redisReply *rep;

	if (run(st, 1, &c, &rep, block_ms) < 0)
		return NULL;
	if (rep->type == REDIS_REPLY_ERROR && !(allow && !strncmp(rep->str, allow, strlen(allow)))) {
		reply_fail(st, &c, rep);
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

/* An integer reply as the result (-1 on failure). */
static long long integer(redisReply *rep)
{
	long long v;

	if (!rep)
		return -1;
	v = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
	freeReplyObject(rep);
	return v;
}

static int ok(redisReply *rep)
{
	if (!rep)
		return -1;
	freeReplyObject(rep);
	return 0;
}

/* ---- strings ---- */

/* argv/lens (6 slots) of SET key val [NX] [PX ttl]; px holds the number. Returns argc. */
static int set_args(const char **argv, size_t *lens, char px[24], const char *key, const char *val, size_t len,
                    long long ttl_ms, int nx)
{
	int n = 0;

	argv[n] = "SET", lens[n++] = 3;
	argv[n] = key, lens[n++] = strlen(key);
	argv[n] = val, lens[n++] = len;
	if (nx)
		argv[n] = "NX", lens[n++] = 2;
	if (ttl_ms > 0) {
		argv[n] = "PX", lens[n++] = 2;
		argv[n] = px, lens[n++] = (size_t)snprintf(px, 24, "%lld", ttl_ms);
	}
	return n;
}

static int r_set(struct attune_store *st, const char *key, const char *val, size_t len, long long ttl_ms)
{
	const char *argv[6];
	size_t lens[6];
	char px[24];
	int argc = set_args(argv, lens, px, key, val, len, ttl_ms, 0);

	return ok(one(st, key, NULL, 0, argc, argv, lens));
}

static int r_set_nx(struct attune_store *st, const char *key, const char *val, size_t len, long long ttl_ms)
{
	const char *argv[6];
	size_t lens[6];
	char px[24];
	int argc = set_args(argv, lens, px, key, val, len, ttl_ms, 1);
	redisReply *rep = one(st, key, NULL, 0, argc, argv, lens);
	int rc;

	if (!rep)
		return -1;
	rc = rep->type == REDIS_REPLY_STATUS;
	freeReplyObject(rep);
	return rc;
}

static int r_set_many(struct attune_store *st, size_t n, const char *const *keys, const char *const *vals,
                      const size_t *lens, const long long *ttl_ms)
{
	const char **argv = malloc(n * 6 * sizeof *argv);
	size_t *alen = malloc(n * 6 * sizeof *alen);
	char (*px)[24] = malloc(n * sizeof *px);
	struct cmd *cmds = calloc(n, sizeof *cmds);
	redisReply **rep = malloc(n * sizeof *rep);
	int rc;

	for (size_t i = 0; i < n; i++) {
		cmds[i].key = keys[i];
		cmds[i].argv = argv + 6 * i;
		cmds[i].lens = alen + 6 * i;
		cmds[i].argc = set_args(argv + 6 * i, alen + 6 * i, px[i], keys[i], vals[i],
		                        lens ? lens[i] : strlen(vals[i]), ttl_ms ? ttl_ms[i] : 0, 0);
	}
	rc = batch(st, n, cmds, rep);
	if (rc == 0)
		for (size_t i = 0; i < n; i++)
			freeReplyObject(rep[i]);
	free(argv);
	free(alen);
	free(px);
	free(cmds);
	free(rep);
	return rc;
}

static int r_get(struct attune_store *st, const char *key, char **val, size_t *len)
{
	redisReply *rep = ONE(st, key, "GET", key);
	int rc = 0;

	if (!rep)
		return -1;
	if (rep->type == REDIS_REPLY_STRING) {
		*val = malloc(rep->len + 1);
		memcpy(*val, rep->str, rep->len + 1);
		*len = rep->len;
		rc = 1;
	}
	freeReplyObject(rep);
	return rc;
}

static int r_del(struct attune_store *st, const char *key)
{
	return (int)integer(ONE(st, key, "DEL", key));
}

static int r_ttl(struct attune_store *st, const char *key, long long *ms)
{
	redisReply *rep = ONE(st, key, "PTTL", key);
	long long v;

	if (!rep)
		return -1;
	v = rep->integer;
	freeReplyObject(rep);
	if (v == -2)
		return 0;
	*ms = v < 0 ? -1 : v;
	return 1;
}

static int r_take(struct attune_store *st, const char *key, long long *ms)
{
	struct cmd c[] = {{key, 1, (const char *[]){"MULTI"}, NULL}, {key, 2, (const char *[]){"PTTL", key}, NULL},
	                  {key, 2, (const char *[]){"DEL", key}, NULL}, {key, 1, (const char *[]){"EXEC"}, NULL}};
	redisReply *rep[4], *e;
	int rc = -1;

	if (batch(st, 4, c, rep) < 0)
		return -1;
	e = rep[3];
	if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 && e->element[0]->type == REDIS_REPLY_INTEGER &&
	    e->element[1]->type == REDIS_REPLY_INTEGER) {
		*ms = e->element[0]->integer < 0 ? -1 : e->element[0]->integer;
		rc = e->element[1]->integer == 1;
	} else {
		store_fail(st, 69, "EXEC %s: %s", key, e->type == REDIS_REPLY_ERROR ? e->str : "unexpected reply");
	}
	for (int i = 0; i < 4; i++)
		freeReplyObject(rep[i]);
	return rc;
}

/* The literal prefix as a glob matching every key that starts with it. */
static char *scan_pattern(const char *prefix)
{
	char *p = malloc(2 * strlen(prefix) + 2), *q = p;

	for (; *prefix; prefix++) {
		if (strchr("*?[]\\", *prefix))
			*q++ = '\\';
		*q++ = *prefix;
	}
	strcpy(q, "*");
	return p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int r_scan(struct attune_store *st, const char *prefix, attune_key_cb cb, void *ctx)
{
	char *pat = scan_pattern(prefix);
	const char *cursor = "0", **keys = NULL;
	redisReply **reps = NULL, *rep;
	size_t nrep = 0, nkeys = 0, capkeys = 0;
	int rc = 0;

	/* every key first (SCAN may repeat one), callbacks after: they may issue commands */
	do {
		if (!(rep = ONE(st, prefix, "SCAN", cursor, "MATCH", pat, "COUNT", "1000"))) {
			rc = -1;
			break;
		}
		reps = realloc(reps, (nrep + 1) * sizeof *reps);
		reps[nrep++] = rep;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
			break;
		if (nkeys + rep->element[1]->elements > capkeys) {
			capkeys = 2 * capkeys + rep->element[1]->elements;
			keys = realloc(keys, capkeys * sizeof *keys);
		}
		for (size_t i = 0; i < rep->element[1]->elements; i++)
			keys[nkeys++] = rep->element[1]->element[i]->str;
		cursor = rep->element[0]->str;
	} while (strcmp(cursor, "0"));
	if (rc == 0 && nkeys) {
		qsort(keys, nkeys, sizeof *keys, cmp_str);
		for (size_t i = 0; i < nkeys && !rc; i++)
			if (i == 0 || strcmp(keys[i], keys[i - 1]))
				rc = cb(ctx, keys[i]);
	}
	for (size_t i = 0; i < nrep; i++)
		freeReplyObject(reps[i]);
	free(reps);
	free(keys);
	free(pat);
	return rc;
}

static int r_mget(struct attune_store *st, size_t n, const char *const *keys, attune_kv_cb cb, void *ctx)
{
	size_t nc = (n + MGET_CHUNK - 1) / MGET_CHUNK, k = 0;
	const char **argv = malloc((n + nc) * sizeof *argv);
	struct cmd *cmds = calloc(nc, sizeof *cmds);
	redisReply **rep = malloc(nc * sizeof *rep);
	int rc;

	for (size_t c = 0; c < nc; c++) {
		size_t m = n - c * MGET_CHUNK < MGET_CHUNK ? n - c * MGET_CHUNK : MGET_CHUNK;
		cmds[c] = (struct cmd){keys[c * MGET_CHUNK], (int)m + 1, argv + c * (MGET_CHUNK + 1), NULL};
		argv[c * (MGET_CHUNK + 1)] = "MGET";
		memcpy(argv + c * (MGET_CHUNK + 1) + 1, keys + c * MGET_CHUNK, m * sizeof *argv);
	}
	rc = batch(st, nc, cmds, rep);
	if (rc == 0) {
		for (size_t c = 0; c < nc; c++) {
			for (size_t i = 0; i < rep[c]->elements && !rc; i++, k++) {
				const redisReply *v = rep[c]->element[i];
				rc = v->type == REDIS_REPLY_STRING ? cb(ctx, keys[k], v->str, v->len) : cb(ctx, keys[k], NULL, 0);
			}
			freeReplyObject(rep[c]);
		}
	}
	free(argv);
	free(cmds);
	free(rep);
	return rc;
}

static int r_check_write(struct attune_store *st, const char *guard, const char *gval, size_t glen, long long gttl_ms,
                         const char *check, const char *expect, size_t elen, const char *cval, size_t clen,
                         long long cttl_ms)
{
	char gt[24], ct[24];
	int nkeys = gval ? 2 : 1;
	const char *argv[] = {"EVAL", CHECK_WRITE_LUA, gval ? "2" : "1", check, guard, expect, cval, ct, guard,
	                      gval ? gval : "", gt, gval ? "1" : "0"};
	size_t lens[] = {4, sizeof CHECK_WRITE_LUA - 1, 1, strlen(check), strlen(guard), elen, clen,
	                 (size_t)snprintf(ct, sizeof ct, "%lld", cttl_ms > 0 ? cttl_ms : 0), strlen(guard),
	                 gval ? glen : 0, (size_t)snprintf(gt, sizeof gt, "%lld", gttl_ms > 0 ? gttl_ms : 0), 1};

	if (nkeys == 1) { /* drop the guard from KEYS */
		memmove(argv + 4, argv + 5, 7 * sizeof *argv);
		memmove(lens + 4, lens + 5, 7 * sizeof *lens);
	}
	return (int)integer(one(st, guard, NULL, 0, 10 + nkeys, argv, lens));
}

/* ---- hashes, sorted sets, sets ---- */

static int r_hincr(struct attune_store *st, const char *key, const char *field, long long by, long long *result)
{
	char n[24];
	redisReply *rep;

	snprintf(n, sizeof n, "%lld", by);
	if (!(rep = ONE(st, key, "HINCRBY", key, field, n)))
		return -1;
	if (result)
		*result = rep->integer;
	freeReplyObject(rep);
	return 0;
}

static int r_hgetall(struct attune_store *st, const char *key, attune_field_cb cb, void *ctx)
{
	redisReply *rep = ONE(st, key, "HGETALL", key);
	int rc = 0;

	if (!rep)
		return -1;
	for (size_t i = 0; i + 1 < rep->elements && !rc; i += 2)
		rc = cb(ctx, rep->element[i]->str, rep->element[i + 1]->str, rep->element[i + 1]->len);
	freeReplyObject(rep);
	return rc;
}

static int r_zadd(struct attune_store *st, const char *key, const char *member, double score)
{
	char s[32];

	snprintf(s, sizeof s, "%.17g", score);
	return ok(ONE(st, key, "ZADD", key, s, member));
}

static int r_zrem(struct attune_store *st, const char *key, const char *member)
{
	return (int)integer(ONE(st, key, "ZREM", key, member));
}

static int r_zrange(struct attune_store *st, const char *key, attune_zmember_cb cb, void *ctx)
{
	redisReply *rep = ONE(st, key, "ZRANGE", key, "0", "-1", "WITHSCORES");
	int rc = 0;

	if (!rep)
		return -1;
	for (size_t i = 0; i + 1 < rep->elements && !rc; i += 2)
		rc = cb(ctx, rep->element[i]->str, strtod(rep->element[i + 1]->str, NULL));
	freeReplyObject(rep);
	return rc;
}

static int r_sadd(struct attune_store *st, const char *key, const char *member)
{
	return (int)integer(ONE(st, key, "SADD", key, member));
}

static int r_srem(struct attune_store *st, const char *key, const char *member)
{
	return (int)integer(ONE(st, key, "SREM", key, member));
}

static int r_smembers(struct attune_store *st, const char *key, attune_key_cb cb, void *ctx)
{
	redisReply *rep = ONE(st, key, "SMEMBERS", key);
	int rc = 0;

	if (!rep)
		return -1;
	for (size_t i = 0; i < rep->elements && !rc; i++)
		rc = cb(ctx, rep->element[i]->str);
	freeReplyObject(rep);
	return rc;
}

/* ---- streams ---- */

/* Calls cb for each entry of a [[id, [f, v, …]], …] reply. Entries trimmed away while pending
 * come back with nil fields (or as nil) and are skipped. *n counts the delivered ones; last
 * (if not NULL) gets the last id seen. Returns cb's non-zero result, else 0. */
static int each_entry(const char *key, const redisReply *a, attune_entry_cb cb, void *ctx, long *n, char *last)
{
	const char **f = NULL, **v = NULL;
	size_t *l = NULL, cap = 0;
	int rc = 0;

	for (size_t i = 0; a->type == REDIS_REPLY_ARRAY && i < a->elements && !rc; i++) {
		const redisReply *e = a->element[i], *kv;
		struct attune_entry en;

		if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		if (last)
			snprintf(last, ATTUNE_ID_MAX, "%s", e->element[0]->str);
		if ((kv = e->element[1])->type != REDIS_REPLY_ARRAY)
			continue;
		if (kv->elements / 2 > cap) {
			cap = kv->elements / 2;
			f = realloc(f, cap * sizeof *f);
			v = realloc(v, cap * sizeof *v);
			l = realloc(l, cap * sizeof *l);
		}
		for (size_t j = 0; j + 1 < kv->elements; j += 2) {
			f[j / 2] = kv->element[j]->str;
			v[j / 2] = kv->element[j + 1]->str;
			l[j / 2] = kv->element[j + 1]->len;
		}
		snprintf(en.id, sizeof en.id, "%s", e->element[0]->str);
		en.nfields = kv->elements / 2;
		en.fields = f;
		en.values = v;
		en.lens = l;
		rc = cb(ctx, key, &en);
		(*n)++;
	}
	free(f);
	free(v);
	free(l);
	return rc;
}

/* Entries of an XREAD/XREADGROUP reply (nil: none) for every stream in it. Returns the number
 * delivered, or cb's non-zero result. */
static int each_stream(const redisReply *rep, attune_entry_cb cb, void *ctx)
{
	long n = 0;
	int rc = 0;

	for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements && !rc; i++) {
		const redisReply *s = rep->element[i];
		if (s->type == REDIS_REPLY_ARRAY && s->elements == 2)
			rc = each_entry(s->element[0]->str, s->element[1], cb, ctx, &n, NULL);
	}
	return rc ? rc : (int)n;
}

static int r_xadd(struct attune_store *st, const char *key, size_t n, const struct attune_entry *entries,
                  long long maxlen, char (*ids)[ATTUNE_ID_MAX])
{
	size_t total = 0, a = 0;
	const char **argv;
	size_t *lens;
	struct cmd *cmds = calloc(n, sizeof *cmds);
	redisReply **rep = malloc(n * sizeof *rep);
	char ml[24];
	int rc;

	snprintf(ml, sizeof ml, "%lld", maxlen);
	for (size_t i = 0; i < n; i++)
		total += 6 + 2 * entries[i].nfields;
	argv = malloc(total * sizeof *argv);
	lens = malloc(total * sizeof *lens);
	for (size_t i = 0; i < n; i++) {
		cmds[i] = (struct cmd){key, 0, argv + a, lens + a};
		argv[a] = "XADD", lens[a++] = 4;
		argv[a] = key, lens[a++] = strlen(key);
		if (maxlen > 0) {
			argv[a] = "MAXLEN", lens[a++] = 6;
			argv[a] = "~", lens[a++] = 1;
			argv[a] = ml, lens[a++] = strlen(ml);
		}
		argv[a] = "*", lens[a++] = 1;
		for (size_t j = 0; j < entries[i].nfields; j++) {
			argv[a] = entries[i].fields[j], lens[a++] = strlen(entries[i].fields[j]);
			argv[a] = entries[i].values[j], lens[a++] = entries[i].lens[j];
		}
		cmds[i].argc = (int)(argv + a - cmds[i].argv);
	}
	rc = batch(st, n, cmds, rep);
	if (rc == 0)
		for (size_t i = 0; i < n; i++) {
			if (ids)
				snprintf(ids[i], ATTUNE_ID_MAX, "%s", rep[i]->type == REDIS_REPLY_STRING ? rep[i]->str : "");
			freeReplyObject(rep[i]);
		}
	free(argv);
	free(lens);
	free(cmds);
	free(rep);
	return rc;
}

static int r_xrange(struct attune_store *st, const char *key, const char *start, const char *end, long count, int rev,
                    attune_entry_cb cb, void *ctx)
{
	char c[24];
	const char *argv[] = {rev ? "XREVRANGE" : "XRANGE", key, rev ? end : start, rev ? start : end, "COUNT", c};
	redisReply *rep;
	long n = 0;
	int rc;

	snprintf(c, sizeof c, "%ld", count);
	if (!(rep = one(st, key, NULL, 0, count > 0 ? 6 : 4, argv, NULL)))
		return -1;
	rc = each_entry(key, rep, cb, ctx, &n, NULL);
	freeReplyObject(rep);
	return rc;
}

static int r_xlast(struct attune_store *st, const char *key, char id[ATTUNE_ID_MAX])
{
	struct cmd c[] = {{key, 6, (const char *[]){"XREVRANGE", key, "+", "-", "COUNT", "1"}, NULL},
	                  {key, 2, (const char *[]){"EXISTS", key}, NULL}};
	redisReply *rep[2];
	int rc;

	if (batch(st, 2, c, rep) < 0)
		return -1;
	if (rep[0]->elements && rep[0]->element[0]->type == REDIS_REPLY_ARRAY)
		snprintf(id, ATTUNE_ID_MAX, "%s", rep[0]->element[0]->element[0]->str);
	else
		strcpy(id, "0-0");
	rc = rep[1]->integer > 0;
	freeReplyObject(rep[0]);
	freeReplyObject(rep[1]);
	return rc;
}

/* The options of XREAD/XREADGROUP before STREAMS: [COUNT c] [BLOCK ms]; returns how many. */
static int read_opts(const char **argv, char c[24], char b[24], long count, long block_ms)
{
	int n = 0;

	if (count > 0) {
		snprintf(c, 24, "%ld", count);
		argv[n++] = "COUNT";
		argv[n++] = c;
	}
	if (block_ms > 0) {
		snprintf(b, 24, "%ld", block_ms);
		argv[n++] = "BLOCK";
		argv[n++] = b;
	}
	return n;
}

/* A read that may block: none at all once a signal came (nothing is claimed then); entries
 * that arrive while it blocks are delivered even if a signal came meanwhile (the caller checks
 * attune_interrupted). */
static int stream_read(struct attune_store *st, const char *key, int argc, const char **argv, long block_ms,
                       attune_entry_cb cb, void *ctx)
{
	redisReply *rep;
	int rc;

	if (block_ms > 0 && attune_interrupted)
		return 0;
	if (!(rep = one(st, key, NULL, block_ms, argc, argv, NULL)))
		return -1;
	rc = each_stream(rep, cb, ctx);
	freeReplyObject(rep);
	return rc;
}

static int r_xread(struct attune_store *st, size_t n, const char *const *keys, const char *const *ids, long count,
                   long block_ms, attune_entry_cb cb, void *ctx)
{
	const char **argv = malloc((6 + 2 * n) * sizeof *argv);
	char c[24], b[24];
	int argc = 1, rc;

	argv[0] = "XREAD";
	argc += read_opts(argv + argc, c, b, count, block_ms);
	argv[argc++] = "STREAMS";
	memcpy(argv + argc, keys, n * sizeof *argv);
	memcpy(argv + argc + n, ids, n * sizeof *argv);
	rc = stream_read(st, keys[0], argc + 2 * (int)n, argv, block_ms, cb, ctx);
	free(argv);
	return rc;
}

static long long r_xlen(struct attune_store *st, const char *key)
{
	return integer(ONE(st, key, "XLEN", key));
}

static long long r_xtrim(struct attune_store *st, const char *key, long long maxlen)
{
	char n[24];

	snprintf(n, sizeof n, "%lld", maxlen);
	return integer(ONE(st, key, "XTRIM", key, "MAXLEN", "~", n));
}

static int r_xgroup_create(struct attune_store *st, const char *key, const char *group, const char *start_id)
{
	const char *argv[] = {"XGROUP", "CREATE", key, group, start_id, "MKSTREAM"};
	redisReply *rep = one(st, key, "BUSYGROUP", 0, 6, argv, NULL);
	int rc;

	if (!rep)
		return -1;
	rc = rep->type != REDIS_REPLY_ERROR;
	freeReplyObject(rep);
	return rc;
}

static int r_xreadgroup(struct attune_store *st, const char *group, const char *consumer, size_t n,
                        const char *const *keys, long count, long block_ms, attune_entry_cb cb, void *ctx)
{
	const char **argv = malloc((9 + 2 * n) * sizeof *argv);
	char c[24], b[24];
	int argc = 4, rc;

	argv[0] = "XREADGROUP", argv[1] = "GROUP", argv[2] = group, argv[3] = consumer;
	argc += read_opts(argv + argc, c, b, count, block_ms);
	argv[argc++] = "STREAMS";
	memcpy(argv + argc, keys, n * sizeof *argv);
	for (size_t i = 0; i < n; i++)
		argv[argc + n + i] = ">";
	rc = stream_read(st, keys[0], argc + 2 * (int)n, argv, block_ms, cb, ctx);
	free(argv);
	return rc;
}

/* XREADGROUP with an id reads the consumer's own pending history; entries trimmed away are
 * skipped, so page on until count live ones came or the history ends. */
static int r_xpending_own(struct attune_store *st, const char *key, const char *group, const char *consumer,
                          long count, attune_entry_cb cb, void *ctx)
{
	char after[ATTUNE_ID_MAX] = "0", c[24];
	const char *argv[9] = {"XREADGROUP", "GROUP", group, consumer};
	int argc = 4, rc = 0;
	long n = 0;

	if (count > 0) {
		argv[argc++] = "COUNT";
		argv[argc++] = c;
	}
	argv[argc++] = "STREAMS";
	argv[argc++] = key;
	argv[argc++] = after;
	for (;;) {
		long want = count - n;
		size_t got = 0;
		redisReply *rep;

		snprintf(c, sizeof c, "%ld", want);
		if (!(rep = one(st, key, NULL, 0, argc, argv, NULL)))
			return -1;
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 && rep->element[0]->elements == 2) {
			got = rep->element[0]->element[1]->elements;
			rc = each_entry(key, rep->element[0]->element[1], cb, ctx, &n, after);
		}
		freeReplyObject(rep);
		if (rc || count <= 0 || n >= count || (long)got < want)
			return rc;
	}
}

static int r_xack(struct attune_store *st, const char *key, const char *group, size_t n, const char *const *ids)
{
	const char **argv = malloc((3 + n) * sizeof *argv);
	int rc;

	argv[0] = "XACK", argv[1] = key, argv[2] = group;
	memcpy(argv + 3, ids, n * sizeof *argv);
	rc = (int)integer(one(st, key, NULL, 0, 3 + (int)n, argv, NULL));
	free(argv);
	return rc;
}

static int r_xclaim_idle(struct attune_store *st, const char *key, const char *group, const char *consumer,
                         long long min_idle_ms, long count, attune_entry_cb cb, void *ctx)
{
	char idle[24], cursor[ATTUNE_ID_MAX] = "0-0", c[24];
	const char *argv[] = {"XAUTOCLAIM", key, group, consumer, idle, cursor, "COUNT", c};
	long n = 0;
	int rc = 0;

	snprintf(idle, sizeof idle, "%lld", min_idle_ms);
	do {
		redisReply *rep;

		snprintf(c, sizeof c, "%ld", count > 0 ? count - n : CLAIM_CHUNK);
		if (!(rep = one(st, key, NULL, 0, 8, argv, NULL)))
			return -1;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 2) {
			freeReplyObject(rep);
			break;
		}
		snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
		rc = each_entry(key, rep->element[1], cb, ctx, &n, NULL);
		freeReplyObject(rep);
	} while (!rc && strcmp(cursor, "0-0") && (count <= 0 || n < count));
	return rc ? rc : (int)n;
}

static int r_xgroups(struct attune_store *st, const char *key, attune_group_cb cb, void *ctx)
{
	const char *argv[] = {"XINFO", "GROUPS", key};
	redisReply *rep = one(st, key, "ERR no such key", 0, 3, argv, NULL);
	int rc = 0;

	if (!rep)
		return -1;
	for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements && !rc; i++) {
		const redisReply *g = rep->element[i];
		struct attune_group_info gi = {"", 0, 0, -1, "0-0"};

		for (size_t j = 0; g->type == REDIS_REPLY_ARRAY && j + 1 < g->elements; j += 2) {
			const char *f = g->element[j]->str;
			const redisReply *v = g->element[j + 1];
			if (!strcmp(f, "name"))
				gi.name = v->str;
			else if (!strcmp(f, "consumers"))
				gi.consumers = v->integer;
			else if (!strcmp(f, "pending"))
				gi.pending = v->integer;
			else if (!strcmp(f, "last-delivered-id"))
				gi.last_delivered = v->str;
			else if (!strcmp(f, "lag") && v->type == REDIS_REPLY_INTEGER)
				gi.lag = v->integer;
		}
		rc = cb(ctx, &gi);
	}
	freeReplyObject(rep);
	return rc;
}

/* ---- wake-ups ---- */

static int r_notify(struct attune_store *st, const char *channel)
{
	return ok(ONE(st, channel, "PUBLISH", channel, "1"));
}

/* (Re)connect the waiter's own connection and subscribe; the confirmations are read, so a
 * PUBLISH sent after this returns reaches us. */
static int subscribe(struct attune_store *st, struct waiter *w)
{
	const char **argv = malloc((w->n + 1) * sizeof *argv);
	struct cmd c = {w->channels[0], (int)w->n + 1, argv, NULL};
	struct backoff b = {0};
	redisReply *rep;
	size_t got;
	int refused = 0;

	argv[0] = "SUBSCRIBE";
	memcpy(argv + 1, w->channels, w->n * sizeof *argv);
	while ((w->c = dial_retry(st, &b))) {
		if (!((struct redis *)st->impl)->socket) /* TCP only: it fails on a unix socket */
			redisEnableKeepAlive(w->c);
		redisAppendCommandArgv(w->c, c.argc, argv, NULL);
		for (got = 0; got < w->n && !refused && redisGetReply(w->c, (void **)&rep) == REDIS_OK; got++) {
			if ((refused = rep->type == REDIS_REPLY_ERROR))
				reply_fail(st, &c, rep);
			freeReplyObject(rep);
		}
		if (got == w->n && !refused)
			break;
		if (!refused)
			store_fail(st, 69, "connection to %s lost: %s", st->url, w->c->errstr);
		redisFree(w->c);
		w->c = NULL;
		if (refused || backoff(&b) < 0)
			break;
	}
	free(argv);
	return w->c ? 0 : -1;
}

static void r_waiter_free(struct attune_store *st, void *p)
{
	struct waiter *w = p;

	(void)st;
	if (!w)
		return;
	redisFree(w->c);
	for (size_t i = 0; i < w->n; i++)
		free(w->channels[i]);
	free(w->channels);
	free(w);
}

static void *r_waiter_new(struct attune_store *st, size_t n, const char *const *channels)
{
	struct waiter *w = calloc(1, sizeof *w);

	w->n = n;
	w->channels = malloc((n ? n : 1) * sizeof *w->channels);
	for (size_t i = 0; i < n; i++)
		w->channels[i] = strdup(channels[i]);
	if (n && subscribe(st, w) < 0) {
		r_waiter_free(st, w);
		return NULL;
	}
	return w;
}

/* Replies already read from the socket; 1 if there was any message, -1 on a protocol error. */
static int drain(redisContext *c)
{
	void *rep;
	int any = 0;

	while (redisGetReplyFromReader(c, &rep) == REDIS_OK && rep) {
		freeReplyObject(rep);
		any = 1;
	}
	return c->err ? -1 : any;
}

static int r_waiter_wait(struct attune_store *st, void *p, long timeout_ms)
{
	struct waiter *w = p;
	double end = attune_monotonic() + (double)timeout_ms / 1e3;

	for (;;) {
		/* fd -1 (no targets): poll just sleeps out the slice */
		struct pollfd pfd = {.fd = w->c ? w->c->fd : -1, .events = POLLIN};
		int slice = WAIT_SLICE_MS, r = 0;

		if (attune_interrupted)
			return -2;
		if (w->c && (r = drain(w->c)) > 0)
			return 1;
		if (timeout_ms >= 0) {
			double left = (end - attune_monotonic()) * 1e3;
			slice = left <= 0 ? 0 : left < slice ? (int)left + 1 : slice;
		}
		if (r == 0 && (w->c || !w->n) && poll(&pfd, 1, slice) > 0) {
			if (redisBufferRead(w->c) != REDIS_OK || (r = drain(w->c)) < 0)
				r = -1;
			else if (r > 0)
				return 1;
		}
		if (r < 0 || (w->n && !w->c)) {
			if (w->c) {
				store_fail(st, 69, "connection to %s lost: %s", st->url, w->c->errstr);
				redisFree(w->c);
				w->c = NULL;
			}
			if (subscribe(st, w) < 0)
				return attune_interrupted ? -2 : -1;
			return 1; /* notifies may have been missed meanwhile */
		}
		if (timeout_ms >= 0 && attune_monotonic() >= end)
			return 0;
	}
}

static void r_close(struct attune_store *st)
{
	struct redis *r = st->impl;

	if (!r)
		return;
	redisFree(r->c);
	free(r->host);
	free(r->socket);
	free(r->user);
	if (r->password)
		memset(r->password, 0, strlen(r->password));
	free(r->password);
	free(r);
	st->impl = NULL;
}

static const struct store_ops redis_ops = {
	.close = r_close,
	.set = r_set,
	.set_nx = r_set_nx,
	.set_many = r_set_many,
	.get = r_get,
	.del = r_del,
	.ttl = r_ttl,
	.take = r_take,
	.scan = r_scan,
	.mget = r_mget,
	.check_write = r_check_write,
	.hincr = r_hincr,
	.hgetall = r_hgetall,
	.zadd = r_zadd,
	.zrem = r_zrem,
	.zrange = r_zrange,
	.sadd = r_sadd,
	.srem = r_srem,
	.smembers = r_smembers,
	.xadd = r_xadd,
	.xrange = r_xrange,
	.xlast = r_xlast,
	.xread = r_xread,
	.xlen = r_xlen,
	.xtrim = r_xtrim,
	.xgroup_create = r_xgroup_create,
	.xreadgroup = r_xreadgroup,
	.xpending_own = r_xpending_own,
	.xack = r_xack,
	.xclaim_idle = r_xclaim_idle,
	.xgroups = r_xgroups,
	.notify = r_notify,
	.waiter_new = r_waiter_new,
	.waiter_wait = r_waiter_wait,
	.waiter_free = r_waiter_free,
};

int store_redis_open(struct attune_store *st, const struct store_url *u)
{
	struct redis *r = calloc(1, sizeof *r);
	struct backoff b = {0};

	/* hiredis writes with plain write(): a dropped server must not kill us with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	r->host = u->host ? strdup(u->host) : NULL;
	r->socket = u->socket ? strdup(u->socket) : NULL;
	r->user = u->user ? strdup(u->user) : NULL;
	r->password = u->password ? strdup(u->password) : NULL;
	r->port = u->port;
	r->db = u->db;
	st->impl = r;
	st->ops = &redis_ops;
	if (!(r->c = dial_retry(st, &b))) {
		r_close(st);
		return -1;
	}
	return 0;
}
