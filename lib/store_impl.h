/* store_impl.h — what a backend implements. Only store.c, store_redis.c and store_sqlite.c
 * include this. store.c parses the URL, adds and strips the namespace, and dispatches; the
 * backends see full keys (namespace included) and full wake channel names. */
#ifndef ATTUNE_STORE_IMPL_H
#define ATTUNE_STORE_IMPL_H

#include "store.h"

struct store_url {
	int redis;            /* 1 redis/unix, 0 sqlite */
	char *host;           /* redis TCP host, NULL for unix */
	int port;             /* default 6379 */
	char *socket;         /* unix socket path, or NULL */
	int db;               /* default 0 */
	char *user, *password;/* NULL when not given */
	char *path;           /* sqlite database path (relative paths as given) */
};

/* Every op has the contract of the public function of the same name in store.h, with keys
 * already namespaced. On failure an op calls store_fail() and returns -1. */
struct store_ops {
	void (*close)(struct attune_store *);
	int (*set)(struct attune_store *, const char *key, const char *val, size_t len, long long ttl_ms);
	int (*set_nx)(struct attune_store *, const char *key, const char *val, size_t len, long long ttl_ms);
	int (*set_many)(struct attune_store *, size_t n, const char *const *keys, const char *const *vals,
	                const size_t *lens, const long long *ttl_ms);
	int (*get)(struct attune_store *, const char *key, char **val, size_t *len);
	int (*del)(struct attune_store *, const char *key);
	int (*ttl)(struct attune_store *, const char *key, long long *ms);
	int (*take)(struct attune_store *, const char *key, long long *ms); /* NULL: ttl, then del */
	int (*scan)(struct attune_store *, const char *prefix, attune_key_cb cb, void *ctx);
	int (*mget)(struct attune_store *, size_t n, const char *const *keys, attune_kv_cb cb, void *ctx);
	int (*check_write)(struct attune_store *, const char *guard, const char *gval, size_t glen, long long gttl_ms,
	                   const char *check, const char *expect, size_t elen, const char *cval, size_t clen,
	                   long long cttl_ms);
	int (*hincr)(struct attune_store *, const char *key, const char *field, long long by, long long *result);
	int (*hgetall)(struct attune_store *, const char *key, attune_field_cb cb, void *ctx);
	int (*zadd)(struct attune_store *, const char *key, const char *member, double score);
	int (*zrem)(struct attune_store *, const char *key, const char *member);
	int (*zrange)(struct attune_store *, const char *key, attune_zmember_cb cb, void *ctx);
	int (*sadd)(struct attune_store *, const char *key, const char *member);
	int (*srem)(struct attune_store *, const char *key, const char *member);
	int (*smembers)(struct attune_store *, const char *key, attune_key_cb cb, void *ctx);
	int (*xadd)(struct attune_store *, const char *key, size_t n, const struct attune_entry *entries,
	            long long maxlen, char (*ids)[ATTUNE_ID_MAX]);
	int (*xrange)(struct attune_store *, const char *key, const char *start, const char *end, long count, int rev,
	              attune_entry_cb cb, void *ctx);
	int (*xlast)(struct attune_store *, const char *key, char id[ATTUNE_ID_MAX]);
	int (*xread)(struct attune_store *, size_t n, const char *const *keys, const char *const *ids, long count,
	             long block_ms, attune_entry_cb cb, void *ctx);
	long long (*xlen)(struct attune_store *, const char *key);
	long long (*xtrim)(struct attune_store *, const char *key, long long maxlen);
	int (*xgroup_create)(struct attune_store *, const char *key, const char *group, const char *start_id);
	int (*xreadgroup)(struct attune_store *, const char *group, const char *consumer, size_t n,
	                  const char *const *keys, long count, long block_ms, attune_entry_cb cb, void *ctx);
	int (*xpending_own)(struct attune_store *, const char *key, const char *group, const char *consumer, long count,
	                    attune_entry_cb cb, void *ctx);
	int (*xack)(struct attune_store *, const char *key, const char *group, size_t n, const char *const *ids);
	int (*xclaim_idle)(struct attune_store *, const char *key, const char *group, const char *consumer,
	                   long long min_idle_ms, long count, attune_entry_cb cb, void *ctx);
	int (*xgroups)(struct attune_store *, const char *key, attune_group_cb cb, void *ctx);
	int (*notify)(struct attune_store *, const char *channel);
	/* A waiter's state is the backend's own (void *); NULL on failure. */
	void *(*waiter_new)(struct attune_store *, size_t n, const char *const *channels);
	int (*waiter_wait)(struct attune_store *, void *w, long timeout_ms);
	void (*waiter_free)(struct attune_store *, void *w);
};

struct attune_store {
	const struct store_ops *ops;
	void *impl;       /* the backend's state */
	char *ns;         /* "NS:" or "" */
	size_t nslen;
	char *url;        /* for messages, without password */
	int redis;        /* 1 for Redis */
	int status;       /* exit code of the last failure */
	char err[512];
};

/* Record a failure: status is 69, 77 or 65; the message is prefixed with nothing (the tool adds
 * its name). Returns -1 so backends can `return store_fail(...)`. */
int store_fail(struct attune_store *st, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Backends' constructors: fill st->ops and st->impl, or store_fail() and return -1. */
int store_redis_open(struct attune_store *st, const struct store_url *u);
int store_sqlite_open(struct attune_store *st, const struct store_url *u);

/* Parse a store URL into u (free with store_url_free) and a printable form without password
 * into *shown (malloc'd). -1 with err on a malformed URL; u must still be freed. */
int store_url_parse(const char *url, struct store_url *u, char **shown, char *err, size_t errlen);
void store_url_free(struct store_url *u);

/* $ATTUNE_RETRY in seconds (default 30). */
double store_retry_seconds(void);

#endif
