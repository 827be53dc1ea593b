/* store.h — the store interface, one contract for two implementations:
 * store_redis.c (hiredis) and store_sqlite.c (embedded). Domain modules use only this.
 *
 * Keys are given without the namespace; the store prefixes "NS:" to every key and wake
 * channel, and strips it from keys it returns. Keys and values are byte strings (values may
 * hold NULs; keys are C strings). TTLs are in milliseconds, 0 = no expiry. Expired keys are
 * never returned.
 *
 * Every function returns -1 on failure and records the reason: attune_store_error() is a
 * message for the user ("cannot connect to redis://…: Connection refused") and
 * attune_store_status() the exit code it maps to (69 unavailable, 77 not permitted, 65 data).
 * A lost Redis connection is retried with backoff for up to $ATTUNE_RETRY seconds (default
 * 30) before failing with 69; with 0, a connection the server closed is re-made once at once,
 * a server that is down is not waited for. After a lost reply a write may be applied twice. Callbacks may call other store functions; a non-zero return from
 * a callback stops the iteration and is returned by the function. Returned strings passed to
 * callbacks are valid only during the call. */
#ifndef ATTUNE_STORE_H
#define ATTUNE_STORE_H

#include <stddef.h>

struct attune_store;

/* Open by URL (SPEC 3.4). url NULL: $ATTUNE_STORE, $REDIS_URL, else sqlite://$ATTUNE_HOME/attune.db.
 * ns NULL: $ATTUNE_NAMESPACE. Redis password: URL, $ATTUNE_REDIS_PASSWORD, or the file named by
 * $ATTUNE_REDIS_PASSWORD_FILE. On failure returns NULL, *status the exit code, err the message. */
struct attune_store *attune_store_open(const char *url, const char *ns, int *status, char *err, size_t errlen);
void attune_store_close(struct attune_store *st);
const char *attune_store_error(const struct attune_store *st);
int attune_store_status(const struct attune_store *st);
/* The URL as given to the user in messages (password removed). */
const char *attune_store_url(const struct attune_store *st);
/* 1 for Redis, 0 for the embedded store (for messages and tests only, never for logic). */
int attune_store_is_redis(const struct attune_store *st);

/* ---- string keys with TTL ---- */
int attune_store_set(struct attune_store *st, const char *key, const char *val, size_t len, long long ttl_ms);
/* Set only if absent: 1 set, 0 it existed. */
int attune_store_set_nx(struct attune_store *st, const char *key, const char *val, size_t len, long long ttl_ms);
/* n sets in one round trip (pipelined on Redis, one transaction on SQLite). */
int attune_store_set_many(struct attune_store *st, size_t n, const char *const *keys, const char *const *vals,
                          const size_t *lens, const long long *ttl_ms);
/* 1 found (*val malloc'd, NUL-terminated beyond *len; caller frees), 0 missing. */
int attune_store_get(struct attune_store *st, const char *key, char **val, size_t *len);
/* 1 deleted, 0 it did not exist. Deletes a key of any kind (string, hash, set, zset, stream). */
int attune_store_del(struct attune_store *st, const char *key);
/* 1 exists (*ms = remaining TTL, or -1 if none), 0 missing. */
int attune_store_ttl(struct attune_store *st, const char *key, long long *ms);
/* Delete key, knowing what was left of its TTL: 1 this call deleted it (*ms as attune_store_ttl
 * gave it just before), 0 it was missing. One round trip on Redis (PTTL and DEL in MULTI). */
int attune_store_take(struct attune_store *st, const char *key, long long *ms);

/* Every live key starting with the literal prefix (no glob meaning in any character), any kind. */
typedef int (*attune_key_cb)(void *ctx, const char *key);
int attune_store_scan(struct attune_store *st, const char *prefix, attune_key_cb cb, void *ctx);
/* Values of n keys in one round trip per 500 (MGET); cb gets val NULL for a missing key. */
typedef int (*attune_kv_cb)(void *ctx, const char *key, const char *val, size_t len);
int attune_store_mget(struct attune_store *st, size_t n, const char *const *keys, attune_kv_cb cb, void *ctx);

/* Atomic check-and-write (approvals: first response wins). In one atomic step:
 *   if key guard exists                       -> return 0, write nothing;
 *   if key check's value is not exactly expect -> return 2, write nothing (missing counts as different);
 *   else write guard = gval (gttl_ms) unless gval is NULL, write check = cval (cttl_ms), return 1. */
int attune_store_check_write(struct attune_store *st, const char *guard, const char *gval, size_t glen, long long gttl_ms,
                             const char *check, const char *expect, size_t elen, const char *cval, size_t clen,
                             long long cttl_ms);

/* ---- hashes of integer counters ---- */
/* Atomically add by to field of hash key (created at 0); *result the new value if non-NULL. */
int attune_store_hincr(struct attune_store *st, const char *key, const char *field, long long by, long long *result);
/* Every field and value of a hash (none if it does not exist). */
typedef int (*attune_field_cb)(void *ctx, const char *field, const char *val, size_t len);
int attune_store_hgetall(struct attune_store *st, const char *key, attune_field_cb cb, void *ctx);

/* ---- sorted set (member -> score) ---- */
int attune_store_zadd(struct attune_store *st, const char *key, const char *member, double score);
int attune_store_zrem(struct attune_store *st, const char *key, const char *member); /* 1 removed, 0 not */
/* Members in ascending score order. */
typedef int (*attune_zmember_cb)(void *ctx, const char *member, double score);
int attune_store_zrange(struct attune_store *st, const char *key, attune_zmember_cb cb, void *ctx);

/* ---- set ---- */
int attune_store_sadd(struct attune_store *st, const char *key, const char *member); /* 1 added, 0 present */
int attune_store_srem(struct attune_store *st, const char *key, const char *member); /* 1 removed, 0 not */
int attune_store_smembers(struct attune_store *st, const char *key, attune_key_cb cb, void *ctx);

/* ---- streams (Redis stream semantics; ids "ms-seq", strictly increasing per key) ---- */
#define ATTUNE_ID_MAX 48
struct attune_entry {
	char id[ATTUNE_ID_MAX];
	size_t nfields;
	const char *const *fields; /* field names */
	const char *const *values; /* NUL-terminated */
	const size_t *lens;        /* value lengths */
};
/* A callback receives the stream key (without namespace) and one entry. */
typedef int (*attune_entry_cb)(void *ctx, const char *key, const struct attune_entry *e);

/* Append n entries to key in one round trip; maxlen > 0 trims approximately (MAXLEN ~).
 * Ids written into ids[i] (each ATTUNE_ID_MAX bytes) when ids is non-NULL. Entries' ids are ignored. */
int attune_store_xadd(struct attune_store *st, const char *key, size_t n, const struct attune_entry *entries,
                      long long maxlen, char (*ids)[ATTUNE_ID_MAX]);
/* Entries with start <= id <= end ("-" and "+" for the ends), oldest first (rev: newest first,
 * from end down to start), at most count (0 = all). */
int attune_store_xrange(struct attune_store *st, const char *key, const char *start, const char *end, long count,
                        int rev, attune_entry_cb cb, void *ctx);
/* Id of the newest entry into id ("0-0" if empty or missing). 1 if the stream exists, 0 if not. */
int attune_store_xlast(struct attune_store *st, const char *key, char id[ATTUNE_ID_MAX]);
/* Entries after ids[i] on each of n streams, oldest first per stream, at most count per stream
 * (0 = no limit). Blocks up to block_ms (0 = do not block; keep it <= 1000 so signals are seen)
 * when nothing is there, and not at all once attune_interrupted is set. Returns the number of
 * entries delivered; cb is called for each. */
int attune_store_xread(struct attune_store *st, size_t n, const char *const *keys, const char *const *ids, long count,
                       long block_ms, attune_entry_cb cb, void *ctx);
long long attune_store_xlen(struct attune_store *st, const char *key); /* 0 if missing */
/* Trim to about maxlen newest entries (exactly maxlen on SQLite); returns the number removed. */
long long attune_store_xtrim(struct attune_store *st, const char *key, long long maxlen);

/* Consumer groups. start_id: "$", "0" or an id. Creates the stream if missing.
 * 1 created, 0 it already existed. */
int attune_store_xgroup_create(struct attune_store *st, const char *key, const char *group, const char *start_id);
/* New entries for group/consumer (XREADGROUP … >) on n streams, blocking as attune_store_xread.
 * Delivered entries become pending for this consumer until acknowledged. */
int attune_store_xreadgroup(struct attune_store *st, const char *group, const char *consumer, size_t n,
                            const char *const *keys, long count, long block_ms, attune_entry_cb cb, void *ctx);
/* Entries already pending for this consumer (delivered, not acknowledged), oldest first. */
int attune_store_xpending_own(struct attune_store *st, const char *key, const char *group, const char *consumer,
                              long count, attune_entry_cb cb, void *ctx);
/* Acknowledge n entries of group at once (XACK key group id1 … idn: one round trip on Redis,
 * one transaction on SQLite). Returns how many were pending and are no longer; an id given twice,
 * not pending or already acknowledged is not counted. 0 for a missing stream or group. */
int attune_store_xack(struct attune_store *st, const char *key, const char *group, size_t n,
                      const char *const *ids);
/* Take over entries pending longer than min_idle_ms in group (any consumer) for consumer,
 * at most count, oldest first (XAUTOCLAIM). Returns the number claimed. */
int attune_store_xclaim_idle(struct attune_store *st, const char *key, const char *group, const char *consumer,
                             long long min_idle_ms, long count, attune_entry_cb cb, void *ctx);
struct attune_group_info {
	const char *name;
	long long consumers, pending, lag; /* lag -1 when unknown */
	const char *last_delivered;
};
typedef int (*attune_group_cb)(void *ctx, const struct attune_group_info *g);
int attune_store_xgroups(struct attune_store *st, const char *key, attune_group_cb cb, void *ctx);

/* ---- wake-ups (SPEC 4.6) ---- */
/* Tell waiters on target that something changed for it. Cheap; failures are not fatal. */
int attune_store_notify(struct attune_store *st, const char *target);

/* A waiter listens on targets from its creation on, so a notify sent between creating it and
 * calling wait is not missed: create it first, then check, then wait. */
struct attune_waiter;
struct attune_waiter *attune_waiter_new(struct attune_store *st, size_t n, const char *const *targets);
/* Block until a notify for one of the targets (spurious wake-ups allowed: re-check), at most
 * timeout_ms (-1 = no limit), using no CPU while idle. Returns 1 woken, 0 timed out, -1 error,
 * -2 interrupted (attune_interrupted set by SIGINT/SIGTERM; reacts within 250 ms).
 * After a lost and regained connection it returns 1, since notifies may have been missed. */
int attune_waiter_wait(struct attune_waiter *w, long timeout_ms);
void attune_waiter_free(struct attune_waiter *w);

#endif
