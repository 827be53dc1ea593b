/* store.c — choosing a store from a URL, the namespace, and dispatch to the backend. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

int store_fail(struct attune_store *st, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	st->status = status;
	return -1;
}

double store_retry_seconds(void)
{
	const char *s = getenv("ATTUNE_RETRY");
	char *end;
	double v;

	if (!s || !*s)
		return 30;
	v = strtod(s, &end);
	return (*end || v < 0) ? 30 : v;
}

const char *attune_store_error(const struct attune_store *st) { return st->err; }
int attune_store_status(const struct attune_store *st) { return st->status; }
const char *attune_store_url(const struct attune_store *st) { return st->url; }
int attune_store_is_redis(const struct attune_store *st) { return st->redis; }

void store_url_free(struct store_url *u)
{
	free(u->host);
	free(u->socket);
	free(u->user);
	if (u->password)
		memset(u->password, 0, strlen(u->password));
	free(u->password);
	free(u->path);
}

/* Read the password from the environment when the URL has none. */
static int env_password(struct store_url *u, char *err, size_t errlen)
{
	const char *p = getenv("ATTUNE_REDIS_PASSWORD"), *file = getenv("ATTUNE_REDIS_PASSWORD_FILE");
	char buf[1024];
	size_t n;
	FILE *f;

	if (u->password)
		return 0;
	if (p && *p) {
		u->password = strdup(p);
		return 0;
	}
	if (!file || !*file)
		return 0;
	if (!(f = fopen(file, "r"))) {
		snprintf(err, errlen, "cannot read password file %s: %s", file, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	u->password = strdup(buf);
	memset(buf, 0, sizeof buf);
	return 0;
}

int store_url_parse(const char *url, struct store_url *u, char **shown, char *err, size_t errlen)
{
	const char *rest, *at, *slash, *colon, *q;
	char buf[1024];

	memset(u, 0, sizeof *u);
	u->port = 6379;
	if (!strncmp(url, "sqlite://", 9)) {
		if (!url[9]) {
			snprintf(err, errlen, "bad store URL '%s': no database path", url);
			return -1;
		}
		u->path = strdup(url + 9);
		*shown = strdup(url);
		return 0;
	}
	if (!strncmp(url, "unix://", 7)) {
		u->redis = 1;
		rest = url + 7;
		if (*rest != '/') {
			snprintf(err, errlen, "bad store URL '%s': a socket path must be absolute", url);
			return -1;
		}
		q = strchr(rest, '?');
		u->socket = q ? strndup(rest, (size_t)(q - rest)) : strdup(rest);
		if (q) {
			char *end;
			if (strncmp(q, "?db=", 4) || (u->db = (int)strtol(q + 4, &end, 10), *end || end == q + 4 || u->db < 0)) {
				snprintf(err, errlen, "bad store URL '%s': expected ?db=N", url);
				return -1;
			}
		}
		*shown = strdup(url);
		return 0;
	}
	if (strncmp(url, "redis://", 8)) {
		snprintf(err, errlen, "bad store URL '%s': use redis://, unix:// or sqlite://", url);
		return -1;
	}
	u->redis = 1;
	rest = url + 8;
	slash = strchr(rest, '/');
	at = memchr(rest, '@', slash ? (size_t)(slash - rest) : strlen(rest));
	if (at) {
		const char *c = memchr(rest, ':', (size_t)(at - rest));
		if (c) {
			if (c > rest)
				u->user = strndup(rest, (size_t)(c - rest));
			u->password = strndup(c + 1, (size_t)(at - c - 1));
		} else if (at > rest) {
			u->user = strndup(rest, (size_t)(at - rest));
		}
		rest = at + 1;
	}
	snprintf(buf, sizeof buf, "redis://%s%s%.*s", u->user ? u->user : "", u->user ? "@" : "",
	         (int)(slash ? (size_t)(slash - rest) : strlen(rest)), rest);
	colon = memchr(rest, ':', slash ? (size_t)(slash - rest) : strlen(rest));
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || (slash ? end != slash : *end) || port < 1 || port > 65535) {
			snprintf(err, errlen, "bad store URL '%s': bad port", buf);
			return -1;
		}
		u->port = (int)port;
		u->host = strndup(rest, (size_t)(colon - rest));
	} else {
		u->host = slash ? strndup(rest, (size_t)(slash - rest)) : strdup(rest);
	}
	if (!*u->host) {
		free(u->host);
		u->host = strdup("127.0.0.1");
	}
	if (slash && slash[1]) {
		char *end;
		long db = strtol(slash + 1, &end, 10);
		if (*end || db < 0) {
			snprintf(err, errlen, "bad store URL '%s%s': bad database number", buf, slash);
			return -1;
		}
		u->db = (int)db;
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "/%ld", db);
	}
	*shown = strdup(buf);
	return 0;
}

struct attune_store *attune_store_open(const char *url, const char *ns, int *status, char *err, size_t errlen)
{
	struct attune_store *st;
	struct store_url u;
	char path[4096];
	int rc;

	if (!url || !*url)
		url = getenv("ATTUNE_STORE");
	if (!url || !*url)
		url = getenv("REDIS_URL");
	if (!url || !*url) {
		const char *home = getenv("ATTUNE_HOME"), *h = getenv("HOME");
		if (home && *home)
			snprintf(path, sizeof path, "sqlite://%s/attune.db", home);
		else
			snprintf(path, sizeof path, "sqlite://%s/.attune/attune.db", h ? h : ".");
		url = path;
	}
	if (!ns)
		ns = getenv("ATTUNE_NAMESPACE");
	if (!ns)
		ns = "";
	*status = 2;
	if (*ns && (strlen(ns) > 128 || strpbrk(ns, ":*?[]\\ \t\r\n"))) {
		snprintf(err, errlen, "bad namespace '%s'", ns);
		return NULL;
	}
	st = calloc(1, sizeof *st);
	if (!st || store_url_parse(url, &u, &st->url, err, errlen) < 0 || (u.redis && env_password(&u, err, errlen) < 0)) {
		if (st) {
			store_url_free(&u);
			free(st->url);
			free(st);
		}
		return NULL;
	}
	st->redis = u.redis;
	st->nslen = *ns ? strlen(ns) + 1 : 0;
	st->ns = malloc(st->nslen + 1);
	snprintf(st->ns, st->nslen + 1, "%s%s", ns, *ns ? ":" : "");
	rc = u.redis ? store_redis_open(st, &u) : store_sqlite_open(st, &u);
	store_url_free(&u);
	if (rc < 0) {
		*status = st->status;
		snprintf(err, errlen, "%s", st->err);
		free(st->ns);
		free(st->url);
		free(st);
		return NULL;
	}
	return st;
}

void attune_store_close(struct attune_store *st)
{
	if (!st)
		return;
	st->ops->close(st);
	free(st->ns);
	free(st->url);
	free(st);
}

/* Namespaced key: in buf when it fits, else malloc'd (free with nsfree). */
#define NSBUF 512
static char *nskey(const struct attune_store *st, const char *key, char *buf)
{
	size_t n = strlen(key);
	char *k = st->nslen + n < NSBUF ? buf : malloc(st->nslen + n + 1);

	memcpy(k, st->ns, st->nslen);
	memcpy(k + st->nslen, key, n + 1);
	return k;
}
static void nsfree(char *k, char *buf)
{
	if (k != buf)
		free(k);
}

/* Callbacks receive keys without the namespace. */
struct strip {
	const struct attune_store *st;
	void *ctx;
	attune_key_cb key;
	attune_kv_cb kv;
	attune_entry_cb entry;
};
static const char *unns(const struct attune_store *st, const char *k)
{
	return strncmp(k, st->ns, st->nslen) ? k : k + st->nslen;
}
static int strip_key(void *c, const char *k)
{
	struct strip *s = c;
	return s->key(s->ctx, unns(s->st, k));
}
static int strip_kv(void *c, const char *k, const char *v, size_t n)
{
	struct strip *s = c;
	return s->kv(s->ctx, unns(s->st, k), v, n);
}
static int strip_entry(void *c, const char *k, const struct attune_entry *e)
{
	struct strip *s = c;
	return s->entry(s->ctx, unns(s->st, k), e);
}

/* Namespaced copies of n keys (freed with nsfree_all). */
static char **nskeys(const struct attune_store *st, size_t n, const char *const *keys)
{
	char **k = calloc(n ? n : 1, sizeof *k);
	for (size_t i = 0; i < n; i++) {
		k[i] = malloc(st->nslen + strlen(keys[i]) + 1);
		memcpy(k[i], st->ns, st->nslen);
		strcpy(k[i] + st->nslen, keys[i]);
	}
	return k;
}
static void nsfree_all(char **k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i]);
	free(k);
}

/* One-key operations: K declares the namespaced key k. */
#define K(key) char kb_[NSBUF], *k = nskey(st, key, kb_)
#define KDONE nsfree(k, kb_)

int attune_store_set(struct attune_store *st, const char *key, const char *val, size_t len, long long ttl_ms)
{
	K(key);
	int rc = st->ops->set(st, k, val, len, ttl_ms);
	KDONE;
	return rc;
}

int attune_store_set_nx(struct attune_store *st, const char *key, const char *val, size_t len, long long ttl_ms)
{
	K(key);
	int rc = st->ops->set_nx(st, k, val, len, ttl_ms);
	KDONE;
	return rc;
}

int attune_store_set_many(struct attune_store *st, size_t n, const char *const *keys, const char *const *vals,
                          const size_t *lens, const long long *ttl_ms)
{
	char **k = nskeys(st, n, keys);
	int rc = n ? st->ops->set_many(st, n, (const char *const *)k, vals, lens, ttl_ms) : 0;
	nsfree_all(k, n);
	return rc;
}

int attune_store_get(struct attune_store *st, const char *key, char **val, size_t *len)
{
	K(key);
	int rc = st->ops->get(st, k, val, len);
	KDONE;
	return rc;
}

int attune_store_del(struct attune_store *st, const char *key)
{
	K(key);
	int rc = st->ops->del(st, k);
	KDONE;
	return rc;
}

int attune_store_ttl(struct attune_store *st, const char *key, long long *ms)
{
	K(key);
	int rc = st->ops->ttl(st, k, ms);
	KDONE;
	return rc;
}

int attune_store_take(struct attune_store *st, const char *key, long long *ms)
{
	K(key);
	int rc = st->ops->take ? st->ops->take(st, k, ms) : st->ops->ttl(st, k, ms);
	if (rc == 1 && !st->ops->take)
		rc = st->ops->del(st, k);
	KDONE;
	return rc;
}

int attune_store_scan(struct attune_store *st, const char *prefix, attune_key_cb cb, void *ctx)
{
	struct strip s = {.st = st, .ctx = ctx, .key = cb};
	K(prefix);
	int rc = st->ops->scan(st, k, strip_key, &s);
	KDONE;
	return rc;
}

int attune_store_mget(struct attune_store *st, size_t n, const char *const *keys, attune_kv_cb cb, void *ctx)
{
	struct strip s = {.st = st, .ctx = ctx, .kv = cb};
	char **k = nskeys(st, n, keys);
	int rc = n ? st->ops->mget(st, n, (const char *const *)k, strip_kv, &s) : 0;
	nsfree_all(k, n);
	return rc;
}

int attune_store_check_write(struct attune_store *st, const char *guard, const char *gval, size_t glen, long long gttl_ms,
                             const char *check, const char *expect, size_t elen, const char *cval, size_t clen,
                             long long cttl_ms)
{
	char gb[NSBUF], cb[NSBUF], *g = nskey(st, guard, gb), *c = nskey(st, check, cb);
	int rc = st->ops->check_write(st, g, gval, glen, gttl_ms, c, expect, elen, cval, clen, cttl_ms);
	nsfree(g, gb);
	nsfree(c, cb);
	return rc;
}

int attune_store_hincr(struct attune_store *st, const char *key, const char *field, long long by, long long *result)
{
	K(key);
	int rc = st->ops->hincr(st, k, field, by, result);
	KDONE;
	return rc;
}

int attune_store_hgetall(struct attune_store *st, const char *key, attune_field_cb cb, void *ctx)
{
	K(key);
	int rc = st->ops->hgetall(st, k, cb, ctx);
	KDONE;
	return rc;
}

int attune_store_zadd(struct attune_store *st, const char *key, const char *member, double score)
{
	K(key);
	int rc = st->ops->zadd(st, k, member, score);
	KDONE;
	return rc;
}

int attune_store_zrem(struct attune_store *st, const char *key, const char *member)
{
	K(key);
	int rc = st->ops->zrem(st, k, member);
	KDONE;
	return rc;
}

int attune_store_zrange(struct attune_store *st, const char *key, attune_zmember_cb cb, void *ctx)
{
	K(key);
	int rc = st->ops->zrange(st, k, cb, ctx);
	KDONE;
	return rc;
}

int attune_store_sadd(struct attune_store *st, const char *key, const char *member)
{
	K(key);
	int rc = st->ops->sadd(st, k, member);
	KDONE;
	return rc;
}

int attune_store_srem(struct attune_store *st, const char *key, const char *member)
{
	K(key);
	int rc = st->ops->srem(st, k, member);
	KDONE;
	return rc;
}

int attune_store_smembers(struct attune_store *st, const char *key, attune_key_cb cb, void *ctx)
{
	K(key);
	int rc = st->ops->smembers(st, k, cb, ctx);
	KDONE;
	return rc;
}

int attune_store_xadd(struct attune_store *st, const char *key, size_t n, const struct attune_entry *entries,
                      long long maxlen, char (*ids)[ATTUNE_ID_MAX])
{
	K(key);
	int rc = n ? st->ops->xadd(st, k, n, entries, maxlen, ids) : 0;
	KDONE;
	return rc;
}

int attune_store_xrange(struct attune_store *st, const char *key, const char *start, const char *end, long count,
                        int rev, attune_entry_cb cb, void *ctx)
{
	struct strip s = {.st = st, .ctx = ctx, .entry = cb};
	K(key);
	int rc = st->ops->xrange(st, k, start, end, count, rev, strip_entry, &s);
	KDONE;
	return rc;
}

int attune_store_xlast(struct attune_store *st, const char *key, char id[ATTUNE_ID_MAX])
{
	K(key);
	int rc = st->ops->xlast(st, k, id);
	KDONE;
	return rc;
}

int attune_store_xread(struct attune_store *st, size_t n, const char *const *keys, const char *const *ids, long count,
                       long block_ms, attune_entry_cb cb, void *ctx)
{
	struct strip s = {.st = st, .ctx = ctx, .entry = cb};
	char **k = nskeys(st, n, keys);
	int rc = n ? st->ops->xread(st, n, (const char *const *)k, ids, count, block_ms, strip_entry, &s) : 0;
	nsfree_all(k, n);
	return rc;
}

long long attune_store_xlen(struct attune_store *st, const char *key)
{
	K(key);
	long long rc = st->ops->xlen(st, k);
	KDONE;
	return rc;
}

long long attune_store_xtrim(struct attune_store *st, const char *key, long long maxlen)
{
	K(key);
	long long rc = st->ops->xtrim(st, k, maxlen);
	KDONE;
	return rc;
}

int attune_store_xgroup_create(struct attune_store *st, const char *key, const char *group, const char *start_id)
{
	K(key);
	int rc = st->ops->xgroup_create(st, k, group, start_id);
	KDONE;
	return rc;
}

int attune_store_xreadgroup(struct attune_store *st, const char *group, const char *consumer, size_t n,
                            const char *const *keys, long count, long block_ms, attune_entry_cb cb, void *ctx)
{
	struct strip s = {.st = st, .ctx = ctx, .entry = cb};
	char **k = nskeys(st, n, keys);
	int rc = n ? st->ops->xreadgroup(st, group, consumer, n, (const char *const *)k, count, block_ms, strip_entry, &s)
	           : 0;
	nsfree_all(k, n);
	return rc;
}

int attune_store_xpending_own(struct attune_store *st, const char *key, const char *group, const char *consumer,
                              long count, attune_entry_cb cb, void *ctx)
{
	struct strip s = {.st = st, .ctx = ctx, .entry = cb};
	K(key);
	int rc = st->ops->xpending_own(st, k, group, consumer, count, strip_entry, &s);
	KDONE;
	return rc;
}

int attune_store_xack(struct attune_store *st, const char *key, const char *group, size_t n,
                      const char *const *ids)
{
	K(key);
	int rc = n ? st->ops->xack(st, k, group, n, ids) : 0;
	KDONE;
	return rc;
}

int attune_store_xclaim_idle(struct attune_store *st, const char *key, const char *group, const char *consumer,
                             long long min_idle_ms, long count, attune_entry_cb cb, void *ctx)
{
	struct strip s = {.st = st, .ctx = ctx, .entry = cb};
	K(key);
	int rc = st->ops->xclaim_idle(st, k, group, consumer, min_idle_ms, count, strip_entry, &s);
	KDONE;
	return rc;
}

int attune_store_xgroups(struct attune_store *st, const char *key, attune_group_cb cb, void *ctx)
{
	K(key);
	int rc = st->ops->xgroups(st, k, cb, ctx);
	KDONE;
	return rc;
}

/* Wake channels: "{ns}attune:wake:{target}". */
static char *channel(const struct attune_store *st, const char *target)
{
	size_t n = st->nslen + strlen("attune:wake:") + strlen(target) + 1;
	char *c = malloc(n);
	snprintf(c, n, "%sattune:wake:%s", st->ns, target);
	return c;
}

int attune_store_notify(struct attune_store *st, const char *target)
{
	char *c = channel(st, target);
	int rc = st->ops->notify(st, c);
	free(c);
	return rc;
}

struct attune_waiter {
	struct attune_store *st;
	void *impl;
};

struct attune_waiter *attune_waiter_new(struct attune_store *st, size_t n, const char *const *targets)
{
	struct attune_waiter *w = malloc(sizeof *w);
	char **c = calloc(n ? n : 1, sizeof *c);

	for (size_t i = 0; i < n; i++)
		c[i] = channel(st, targets[i]);
	w->st = st;
	w->impl = st->ops->waiter_new(st, n, (const char *const *)c);
	nsfree_all(c, n);
	if (!w->impl) {
		free(w);
		return NULL;
	}
	return w;
}

int attune_waiter_wait(struct attune_waiter *w, long timeout_ms)
{
	return w->st->ops->waiter_wait(w->st, w->impl, timeout_ms);
}

void attune_waiter_free(struct attune_waiter *w)
{
	if (!w)
		return;
	w->st->ops->waiter_free(w->st, w->impl);
	free(w);
}
