/* store_sqlite.c — the embedded store: one SQLite database in WAL mode, shared by the processes
 * of one machine.
 *
 * Every key is a row of kv (one kind per key, as in Redis); hash fields, set and sorted-set
 * members, stream entries, consumer groups and their pending entries hang off kv.id. Only
 * strings carry an expiry (exp, epoch ms): reads filter on it, writes purge now and then.
 * Stream entry bodies are packed blobs: u32 nfields, then per field u32 len, name, NUL,
 * u32 len, value, NUL — so a decoded entry points straight into the copied blob.
 *
 * Results are copied out and statements reset before any callback runs, so callbacks may call
 * the store again (no statement or transaction is open while they run).
 *
 * Wake-ups: notify (and xadd, on a channel of its own per stream) bumps a counter row in wake;
 * after the commit it touches the database file. A waiter watches the database's directory with
 * inotify and re-reads its counters when the database file changes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "store_impl.h"

enum { K_STRING, K_HASH, K_ZSET, K_SET, K_STREAM };

#define SCHEMA_VERSION 1
#define STR_(x) #x
#define STR(x) STR_(x)
#define BUSY_MS 10000  /* wait this long for another writer before failing */
#define PAGE 1024      /* rows copied out per query when iterating */
#define MGET_CHUNK 500
#define PURGE_EVERY 64 /* writes between purges of expired keys */
#define SLICE_MS 250   /* longest sleep before looking at attune_interrupted */
#define STREAM_CH "\001stream:"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS kv(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind INTEGER NOT NULL,"
	" val BLOB, exp INTEGER, ms INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0,"
	" len INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS kv_exp ON kv(exp) WHERE exp IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS hash(kid INTEGER, field TEXT, val INTEGER NOT NULL,"
	" PRIMARY KEY(kid, field)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS zset(kid INTEGER, member TEXT, score REAL NOT NULL,"
	" PRIMARY KEY(kid, member)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS zset_score ON zset(kid, score, member);"
	"CREATE TABLE IF NOT EXISTS sset(kid INTEGER, member TEXT, PRIMARY KEY(kid, member)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS xentry(id INTEGER PRIMARY KEY, kid INTEGER NOT NULL, ms INTEGER NOT NULL,"
	" seq INTEGER NOT NULL, body BLOB NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS xentry_id ON xentry(kid, ms, seq);"
	"CREATE TABLE IF NOT EXISTS xgroup(kid INTEGER, name TEXT, ms INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" PRIMARY KEY(kid, name)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS xconsumer(kid INTEGER, grp TEXT, name TEXT,"
	" PRIMARY KEY(kid, grp, name)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS xpel(kid INTEGER, grp TEXT, ms INTEGER, seq INTEGER, consumer TEXT NOT NULL,"
	" delivered INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(kid, grp, ms, seq)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS xpel_consumer ON xpel(kid, grp, consumer, ms, seq);"
	"CREATE TABLE IF NOT EXISTS wake(channel TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;";

enum {
	Q_BEGIN, Q_BEGIN_READ, Q_COMMIT,
	Q_SET, Q_SETNX, Q_GET, Q_TTL, Q_LOOKUP, Q_NEWKEY, Q_DEL_STR, Q_DEL_ID, Q_PURGE,
	Q_DEL_HASH, Q_DEL_ZSET, Q_DEL_SET, Q_DEL_XENTRY, Q_DEL_XGROUP, Q_DEL_XCONSUMER, Q_DEL_XPEL,
	Q_SCAN, Q_SCAN_ALL,
	Q_HINCR, Q_HGETALL,
	Q_ZHAS, Q_ZADD, Q_ZREM, Q_ZANY, Q_ZRANGE,
	Q_SADD, Q_SREM, Q_SANY, Q_SMEMBERS,
	Q_XINSERT, Q_XSETLAST, Q_XLENADD, Q_XTRIM, Q_XFWD, Q_XREV, Q_XLAST, Q_XHAS, Q_XLEN,
	Q_GROUP_GET, Q_GROUP_NEW, Q_GROUP_SET, Q_CONSUMER, Q_PEL_ADD, Q_PEL_OWN, Q_PEL_TOUCH,
	Q_PEL_IDLE, Q_PEL_DEL, Q_GROUPS,
	Q_WAKE_BUMP, Q_WAKE_GET,
	Q_N
};

static const char *const sql[Q_N] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_BEGIN_READ] = "BEGIN",
	[Q_COMMIT] = "COMMIT",
	[Q_SET] = "INSERT INTO kv(key,kind,val,exp) VALUES(?1,0,?2,?3) ON CONFLICT(key) DO UPDATE"
	          " SET val=excluded.val, exp=excluded.exp WHERE kind=0",
	[Q_SETNX] = "INSERT INTO kv(key,kind,val,exp) VALUES(?1,0,?2,?3) ON CONFLICT(key) DO UPDATE"
	            " SET val=excluded.val, exp=excluded.exp WHERE kind=0 AND exp<=?4",
	[Q_GET] = "SELECT kind, val FROM kv WHERE key=?1 AND (exp IS NULL OR exp>?2)",
	[Q_TTL] = "SELECT exp FROM kv WHERE key=?1 AND (exp IS NULL OR exp>?2)",
	[Q_LOOKUP] = "SELECT id, kind, exp, ms, seq, len FROM kv WHERE key=?1",
	[Q_NEWKEY] = "INSERT INTO kv(key,kind) VALUES(?1,?2)",
	[Q_DEL_STR] = "DELETE FROM kv WHERE key=?1 AND kind=0 AND (exp IS NULL OR exp>?2)",
	[Q_DEL_ID] = "DELETE FROM kv WHERE id=?1",
	[Q_PURGE] = "DELETE FROM kv WHERE exp<=?1",
	[Q_DEL_HASH] = "DELETE FROM hash WHERE kid=?1",
	[Q_DEL_ZSET] = "DELETE FROM zset WHERE kid=?1",
	[Q_DEL_SET] = "DELETE FROM sset WHERE kid=?1",
	[Q_DEL_XENTRY] = "DELETE FROM xentry WHERE kid=?1",
	[Q_DEL_XGROUP] = "DELETE FROM xgroup WHERE kid=?1",
	[Q_DEL_XCONSUMER] = "DELETE FROM xconsumer WHERE kid=?1",
	[Q_DEL_XPEL] = "DELETE FROM xpel WHERE kid=?1",
	[Q_SCAN] = "SELECT key FROM kv WHERE key>=?1 AND key<?2 AND (exp IS NULL OR exp>?3) ORDER BY key LIMIT ?4",
	[Q_SCAN_ALL] = "SELECT key FROM kv WHERE key>=?1 AND (exp IS NULL OR exp>?3) ORDER BY key LIMIT ?4",
	[Q_HINCR] = "INSERT INTO hash(kid,field,val) VALUES(?1,?2,?3) ON CONFLICT DO UPDATE SET val=val+excluded.val"
	            " RETURNING val",
	[Q_HGETALL] = "SELECT field, val FROM hash WHERE kid=?1 ORDER BY field",
	[Q_ZHAS] = "SELECT 1 FROM zset WHERE kid=?1 AND member=?2",
	[Q_ZADD] = "INSERT INTO zset(kid,member,score) VALUES(?1,?2,?3) ON CONFLICT DO UPDATE SET score=excluded.score",
	[Q_ZREM] = "DELETE FROM zset WHERE kid=?1 AND member=?2",
	[Q_ZANY] = "SELECT 1 FROM zset WHERE kid=?1 LIMIT 1",
	[Q_ZRANGE] = "SELECT member, score FROM zset WHERE kid=?1 ORDER BY score, member",
	[Q_SADD] = "INSERT OR IGNORE INTO sset(kid,member) VALUES(?1,?2)",
	[Q_SREM] = "DELETE FROM sset WHERE kid=?1 AND member=?2",
	[Q_SANY] = "SELECT 1 FROM sset WHERE kid=?1 LIMIT 1",
	[Q_SMEMBERS] = "SELECT member FROM sset WHERE kid=?1 ORDER BY member",
	[Q_XINSERT] = "INSERT INTO xentry(kid,ms,seq,body) VALUES(?1,?2,?3,?4)",
	[Q_XSETLAST] = "UPDATE kv SET ms=?2, seq=?3, len=len+?4 WHERE id=?1",
	[Q_XLENADD] = "UPDATE kv SET len=len+?2 WHERE id=?1",
	[Q_XTRIM] = "DELETE FROM xentry WHERE id IN (SELECT id FROM xentry WHERE kid=?1 ORDER BY ms, seq LIMIT ?2)",
	[Q_XFWD] = "SELECT ms, seq, body FROM xentry WHERE kid=?1 AND (ms,seq)>=(?2,?3) AND (ms,seq)<=(?4,?5)"
	           " ORDER BY ms, seq LIMIT ?6",
	[Q_XREV] = "SELECT ms, seq, body FROM xentry WHERE kid=?1 AND (ms,seq)>=(?2,?3) AND (ms,seq)<=(?4,?5)"
	           " ORDER BY ms DESC, seq DESC LIMIT ?6",
	[Q_XLAST] = "SELECT ms, seq FROM xentry WHERE kid=?1 ORDER BY ms DESC, seq DESC LIMIT 1",
	[Q_XHAS] = "SELECT 1 FROM xentry WHERE kid=?1 AND (ms,seq)>(?2,?3) LIMIT 1",
	[Q_XLEN] = "SELECT len FROM kv WHERE key=?1 AND kind=4",
	[Q_GROUP_GET] = "SELECT ms, seq FROM xgroup WHERE kid=?1 AND name=?2",
	[Q_GROUP_NEW] = "INSERT OR IGNORE INTO xgroup(kid,name,ms,seq) VALUES(?1,?2,?3,?4)",
	[Q_GROUP_SET] = "UPDATE xgroup SET ms=?3, seq=?4 WHERE kid=?1 AND name=?2",
	[Q_CONSUMER] = "INSERT OR IGNORE INTO xconsumer(kid,grp,name) VALUES(?1,?2,?3)",
	[Q_PEL_ADD] = "INSERT INTO xpel(kid,grp,ms,seq,consumer,delivered,count) VALUES(?1,?2,?3,?4,?5,?6,1)"
	              " ON CONFLICT DO UPDATE SET consumer=excluded.consumer, delivered=excluded.delivered,"
	              " count=count+1",
	[Q_PEL_OWN] = "SELECT p.ms, p.seq, e.body FROM xpel p JOIN xentry e ON e.kid=p.kid AND e.ms=p.ms AND e.seq=p.seq"
	              " WHERE p.kid=?1 AND p.grp=?2 AND p.consumer=?3 AND (p.ms,p.seq)>(?4,?5)"
	              " ORDER BY p.ms, p.seq LIMIT ?6",
	[Q_PEL_TOUCH] = "UPDATE xpel SET consumer=?5, delivered=?6, count=count+1 WHERE kid=?1 AND grp=?2 AND ms=?3"
	                " AND seq=?4",
	[Q_PEL_IDLE] = "SELECT p.ms, p.seq, e.body FROM xpel p LEFT JOIN xentry e ON e.kid=p.kid AND e.ms=p.ms"
	               " AND e.seq=p.seq WHERE p.kid=?1 AND p.grp=?2 AND p.delivered<=?3 ORDER BY p.ms, p.seq LIMIT ?4",
	[Q_PEL_DEL] = "DELETE FROM xpel WHERE kid=?1 AND grp=?2 AND ms=?3 AND seq=?4",
	[Q_GROUPS] = "SELECT g.name, g.ms, g.seq,"
	             " (SELECT count(*) FROM xconsumer c WHERE c.kid=g.kid AND c.grp=g.name),"
	             " (SELECT count(*) FROM xpel p WHERE p.kid=g.kid AND p.grp=g.name),"
	             " (SELECT count(*) FROM xentry e WHERE e.kid=g.kid AND (e.ms,e.seq)>(g.ms,g.seq))"
	             " FROM xgroup g WHERE g.kid=?1 ORDER BY g.name",
	[Q_WAKE_BUMP] = "INSERT INTO wake(channel,n) VALUES(?1,1) ON CONFLICT DO UPDATE SET n=n+1",
	[Q_WAKE_GET] = "SELECT n FROM wake WHERE channel=?1",
};

struct sq {
	sqlite3 *db;
	sqlite3_stmt *q[Q_N];
	char *path;      /* as given, for messages */
	char *file;      /* absolute path of the database file, touched to wake waiters */
	char *dir;       /* absolute path of its directory, watched by waiters */
	const char *base;/* the file's name in dir */
	int ifd;         /* inotify descriptor: -2 not made yet, -1 unavailable */
	unsigned writes; /* counts writes between purges */
	long long busy_start;
	int opening;     /* in store_sqlite_open: failures say "cannot open database" */
};

struct waiter {
	size_t n;
	char **ch;
	sqlite3_int64 *seen;
};

struct keyrow {
	sqlite3_int64 id, ms, seq, len;
};

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static long long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- errors, statements, transactions ---- */

static int perm_errno(int e) { return e == EACCES || e == EPERM || e == EROFS; }

static int dbfail(struct attune_store *st, sqlite3_stmt *q, int rc)
{
	struct sq *s = st->impl;
	int prc = rc & 0xff, status = 69;

	if (prc == SQLITE_READONLY || prc == SQLITE_PERM || prc == SQLITE_AUTH ||
	    (prc == SQLITE_CANTOPEN && perm_errno(sqlite3_system_errno(s->db))))
		status = 77;
	store_fail(st, status, "%s%s: %s", s->opening ? "cannot open database " : "", s->path, sqlite3_errmsg(s->db));
	if (q)
		sqlite3_reset(q);
	return -1;
}

static int wrongtype(struct attune_store *st, const char *key)
{
	return store_fail(st, 65, "%s: key '%s' holds another kind of value", ((struct sq *)st->impl)->path, key);
}

/* The cached statement id, prepared on first use; NULL after store_fail. */
static sqlite3_stmt *Q(struct attune_store *st, int id)
{
	struct sq *s = st->impl;
	int rc;

	if (s->q[id])
		return s->q[id];
	rc = sqlite3_prepare_v3(s->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->q[id], NULL);
	if (rc != SQLITE_OK) {
		dbfail(st, NULL, rc);
		return NULL;
	}
	return s->q[id];
}

/* Run a statement that returns no row; sqlite3_changes() or -1. */
static int run(struct attune_store *st, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return dbfail(st, q, rc);
	sqlite3_reset(q);
	return sqlite3_changes(((struct sq *)st->impl)->db);
}

static int exec_id(struct attune_store *st, int id)
{
	sqlite3_stmt *q = Q(st, id);
	return q ? run(st, q) : -1;
}

static int begin(struct attune_store *st) { return exec_id(st, Q_BEGIN) < 0 ? -1 : 0; }

static int commit(struct attune_store *st) { return exec_id(st, Q_COMMIT) < 0 ? -1 : 0; }

/* Undo an open transaction after a failure, keeping the failure's message. */
static int rollback(struct attune_store *st)
{
	struct sq *s = st->impl;

	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void bind_key(sqlite3_stmt *q, int i, const char *k) { sqlite3_bind_text(q, i, k, -1, SQLITE_STATIC); }

static void bind_val(sqlite3_stmt *q, int i, const char *v, size_t n)
{
	sqlite3_bind_blob64(q, i, n ? v : "", n, SQLITE_STATIC);
}

static void bind_exp(sqlite3_stmt *q, int i, long long ttl_ms)
{
	if (ttl_ms > 0)
		sqlite3_bind_int64(q, i, now_ms() + ttl_ms);
	else
		sqlite3_bind_null(q, i);
}

/* Wake waiters in other processes: they watch the database file for this, after the commit. */
static void touch(struct sq *s) { utimensat(AT_FDCWD, s->file, NULL, 0); }

/* Expired keys are filtered on every read; their rows are removed now and then by a writer. */
static void written(struct attune_store *st)
{
	struct sq *s = st->impl;
	sqlite3_stmt *q;

	if (++s->writes % PURGE_EVERY || !(q = Q(st, Q_PURGE)))
		return;
	sqlite3_bind_int64(q, 1, now_ms());
	sqlite3_step(q);
	sqlite3_reset(q);
}

/* ---- copied-out rows ---- */

struct row {
	sqlite3_int64 ms, seq, n; /* stream id, or a number column */
	double score;
	size_t a, alen, b, blen;  /* two byte ranges in the arena (first column, blob) */
	int nullb;                /* the blob column was NULL */
};

struct rows {
	struct row *r;
	size_t n, cap;
	char *buf;
	size_t used, size;
};

/* Append n bytes, and a NUL if nul, to the arena; the offset. */
static size_t arena_add(struct rows *rs, const void *p, size_t n, int nul)
{
	size_t off = rs->used;

	if (rs->used + n + 1 > rs->size) {
		size_t sz = rs->size ? rs->size : 4096;
		while (sz < rs->used + n + 1)
			sz *= 2;
		rs->buf = realloc(rs->buf, sz);
		if (!rs->buf)
			abort();
		rs->size = sz;
	}
	if (n)
		memcpy(rs->buf + off, p, n);
	rs->buf[off + n] = 0;
	rs->used += n + (nul != 0);
	return off;
}

static size_t arena_put(struct rows *rs, const void *p, size_t n) { return arena_add(rs, p, n, 1); }

static struct row *row_add(struct rows *rs)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->r = realloc(rs->r, rs->cap * sizeof *rs->r);
		if (!rs->r)
			abort();
	}
	memset(&rs->r[rs->n], 0, sizeof rs->r[0]);
	return &rs->r[rs->n++];
}

static void rows_clear(struct rows *rs) { rs->n = rs->used = 0; }

static void rows_free(struct rows *rs)
{
	free(rs->r);
	free(rs->buf);
}

static const char *at(const struct rows *rs, size_t off) { return rs->buf + off; }

/* Copy column c (text or blob) into the arena. */
static void col_put(struct rows *rs, sqlite3_stmt *q, int c, size_t *off, size_t *len)
{
	const void *p = sqlite3_column_blob(q, c);
	*len = (size_t)sqlite3_column_bytes(q, c);
	*off = arena_put(rs, p, *len);
}

/* Copy a stream row (ms, seq, body) of q. */
static void entry_put(struct rows *rs, sqlite3_stmt *q)
{
	struct row *r = row_add(rs);

	r->ms = sqlite3_column_int64(q, 0);
	r->seq = sqlite3_column_int64(q, 1);
	r->nullb = sqlite3_column_type(q, 2) == SQLITE_NULL;
	col_put(rs, q, 2, &r->b, &r->blen);
}

/* ---- stream ids and entry bodies ---- */

static void id_fmt(char id[ATTUNE_ID_MAX], sqlite3_int64 ms, sqlite3_int64 seq)
{
	snprintf(id, ATTUNE_ID_MAX, "%lld-%lld", (long long)ms, (long long)seq);
}

static int id_num(const char *s, const char **end, sqlite3_int64 *v)
{
	unsigned long long x = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (unsigned long long)(INT64_MAX - (*p - '0')) / 10)
			return -1;
		x = x * 10 + (unsigned)(*p - '0');
	}
	if (p == s)
		return -1;
	*end = p;
	*v = (sqlite3_int64)x;
	return 0;
}

/* "ms-seq", or "ms" meaning ms-dflt. */
static int id_parse(const char *s, sqlite3_int64 dflt, sqlite3_int64 *ms, sqlite3_int64 *seq)
{
	const char *p;

	if (id_num(s, &p, ms) < 0)
		return -1;
	if (!*p) {
		*seq = dflt;
		return 0;
	}
	return *p == '-' && id_num(p + 1, &p, seq) == 0 && !*p ? 0 : -1;
}

static int badid(struct attune_store *st, const char *id)
{
	return store_fail(st, 65, "invalid stream id '%s'", id);
}

/* The next id after (ms, seq); 0 if there is none. */
static int id_next(sqlite3_int64 *ms, sqlite3_int64 *seq)
{
	if (*seq < INT64_MAX)
		return ++*seq, 1;
	if (*ms == INT64_MAX)
		return 0;
	++*ms;
	*seq = 0;
	return 1;
}

static int id_prev(sqlite3_int64 *ms, sqlite3_int64 *seq)
{
	if (*seq > 0)
		return --*seq, 1;
	if (*ms == 0)
		return 0;
	--*ms;
	*seq = INT64_MAX;
	return 1;
}

/* A range bound of xrange: "-", "+", "ms", "ms-seq", or "(" + id for an exclusive bound.
 * 0 ok, 1 the range is empty, -1 bad id. */
static int id_bound(const char *s, int end, sqlite3_int64 *ms, sqlite3_int64 *seq)
{
	int excl = *s == '(';

	if (!strcmp(s, "-")) {
		*ms = *seq = 0;
		return 0;
	}
	if (!strcmp(s, "+")) {
		*ms = *seq = INT64_MAX;
		return 0;
	}
	if (id_parse(s + excl, end ? INT64_MAX : 0, ms, seq) < 0)
		return -1;
	if (excl && !(end ? id_prev(ms, seq) : id_next(ms, seq)))
		return 1;
	return 0;
}

static uint32_t u32_at(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static int body_encode(struct attune_store *st, const struct attune_entry *e, struct rows *rs, size_t *off,
                       size_t *len)
{
	uint32_t n = (uint32_t)e->nfields, l;
	size_t start = rs->used;

	arena_add(rs, &n, 4, 0);
	for (size_t i = 0; i < e->nfields; i++) {
		size_t fl = strlen(e->fields[i]), vl = e->lens ? e->lens[i] : strlen(e->values[i]);
		if (fl > UINT32_MAX || vl > UINT32_MAX)
			return store_fail(st, 65, "stream entry field too large");
		l = (uint32_t)fl;
		arena_add(rs, &l, 4, 0);
		arena_put(rs, e->fields[i], fl);
		l = (uint32_t)vl;
		arena_add(rs, &l, 4, 0);
		arena_put(rs, e->values[i], vl);
	}
	*off = start;
	*len = rs->used - start;
	return 0;
}

/* Scratch arrays for decoding entries. */
struct dec {
	const char **f, **v;
	size_t *l, cap;
};

static void dec_free(struct dec *d)
{
	free(d->f);
	free(d->v);
	free(d->l);
}

/* Decode the entry (ms, seq, body) and pass it to cb (counted in *ndone). */
static int emit(struct attune_store *st, struct dec *d, const char *key, const struct row *r, const char *body,
                attune_entry_cb cb, void *ctx, int *ndone)
{
	struct attune_entry e;
	size_t p = 4, n;

	if (r->blen < 4)
		return store_fail(st, 69, "%s: corrupt stream entry", ((struct sq *)st->impl)->path);
	n = u32_at(body);
	if (n > d->cap) {
		d->cap = n;
		d->f = realloc(d->f, n * sizeof *d->f);
		d->v = realloc(d->v, n * sizeof *d->v);
		d->l = realloc(d->l, n * sizeof *d->l);
		if (!d->f || !d->v || !d->l)
			abort();
	}
	for (size_t i = 0; i < n; i++) {
		size_t fl, vl;
		if (p + 4 > r->blen || (fl = u32_at(body + p), p + 4 + fl + 1 + 4 > r->blen))
			return store_fail(st, 69, "%s: corrupt stream entry", ((struct sq *)st->impl)->path);
		d->f[i] = body + p + 4;
		p += 4 + fl + 1;
		vl = u32_at(body + p);
		if (p + 4 + vl + 1 > r->blen)
			return store_fail(st, 69, "%s: corrupt stream entry", ((struct sq *)st->impl)->path);
		d->v[i] = body + p + 4;
		d->l[i] = vl;
		p += 4 + vl + 1;
	}
	id_fmt(e.id, r->ms, r->seq);
	e.nfields = n;
	e.fields = d->f;
	e.values = d->v;
	e.lens = d->l;
	++*ndone;
	return cb(ctx, key, &e);
}

/* Pass the copied stream rows to cb; *ndone counts them. 0, or cb's non-zero, or -1. */
static int emit_rows(struct attune_store *st, const char *key, const struct rows *rs, attune_entry_cb cb, void *ctx,
                     int *ndone)
{
	struct dec d = {0};
	int rc = 0;

	for (size_t i = 0; i < rs->n && !rc; i++)
		if (!rs->r[i].nullb)
			rc = emit(st, &d, key, &rs->r[i], at(rs, rs->r[i].b), cb, ctx, ndone);
	dec_free(&d);
	return rc;
}

/* ---- keys ---- */

/* The live key's row into *k: 1 found, 0 missing, -1 another kind (or an error).
 * create: make a missing key of this kind (inside a write transaction: an expired string in the
 * way is deleted first). */
static int key_row(struct attune_store *st, const char *key, int kind, int create, struct keyrow *k)
{
	sqlite3_stmt *q = Q(st, Q_LOOKUP);
	int rc, found = 0;

	if (!q)
		return -1;
	bind_key(q, 1, key);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		int kk = sqlite3_column_int(q, 1);
		int expired = sqlite3_column_type(q, 2) != SQLITE_NULL && sqlite3_column_int64(q, 2) <= now_ms();
		k->id = sqlite3_column_int64(q, 0);
		k->ms = sqlite3_column_int64(q, 3);
		k->seq = sqlite3_column_int64(q, 4);
		k->len = sqlite3_column_int64(q, 5);
		sqlite3_reset(q);
		if (expired) {
			if (create) {
				if (!(q = Q(st, Q_DEL_ID)))
					return -1;
				sqlite3_bind_int64(q, 1, k->id);
				if (run(st, q) < 0)
					return -1;
			}
		} else if (kk != kind) {
			return wrongtype(st, key);
		} else {
			found = 1;
		}
	} else if (rc != SQLITE_DONE) {
		return dbfail(st, q, rc);
	} else {
		sqlite3_reset(q);
	}
	if (found || !create)
		return found;
	if (!(q = Q(st, Q_NEWKEY)))
		return -1;
	bind_key(q, 1, key);
	sqlite3_bind_int(q, 2, kind);
	if (run(st, q) < 0)
		return -1;
	k->id = sqlite3_last_insert_rowid(((struct sq *)st->impl)->db);
	k->ms = k->seq = k->len = 0;
	return 1;
}

static const int sub_del[][5] = {
	[K_STRING] = {-1},
	[K_HASH] = {Q_DEL_HASH, -1},
	[K_ZSET] = {Q_DEL_ZSET, -1},
	[K_SET] = {Q_DEL_SET, -1},
	[K_STREAM] = {Q_DEL_XENTRY, Q_DEL_XGROUP, Q_DEL_XCONSUMER, Q_DEL_XPEL, -1},
};

/* Delete the row id and what hangs off it. */
static int drop_row(struct attune_store *st, sqlite3_int64 id, int kind)
{
	for (const int *d = sub_del[kind]; *d >= 0; d++) {
		sqlite3_stmt *q = Q(st, *d);
		if (!q)
			return -1;
		sqlite3_bind_int64(q, 1, id);
		if (run(st, q) < 0)
			return -1;
	}
	sqlite3_stmt *q = Q(st, Q_DEL_ID);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	return run(st, q) < 0 ? -1 : 0;
}

/* Inside a write transaction: delete key of any kind. 1 deleted, 0 there was no live key. */
static int del_any(struct attune_store *st, const char *key)
{
	sqlite3_stmt *q = Q(st, Q_LOOKUP);
	sqlite3_int64 id;
	int rc, kind, expired;

	if (!q)
		return -1;
	bind_key(q, 1, key);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return dbfail(st, q, rc);
	id = sqlite3_column_int64(q, 0);
	kind = sqlite3_column_int(q, 1);
	expired = sqlite3_column_type(q, 2) != SQLITE_NULL && sqlite3_column_int64(q, 2) <= now_ms();
	sqlite3_reset(q);
	if (kind < K_STRING || kind > K_STREAM)
		kind = K_STRING;
	return drop_row(st, id, kind) < 0 ? -1 : !expired;
}

/* One SET; with txn set, the caller holds a write transaction. */
static int set_one(struct attune_store *st, const char *key, const char *val, size_t len, long long ttl_ms, int txn)
{
	sqlite3_stmt *q = Q(st, Q_SET);
	int rc;

	if (!q)
		return -1;
	bind_key(q, 1, key);
	bind_val(q, 2, val, len);
	bind_exp(q, 3, ttl_ms);
	if ((rc = run(st, q)) != 0)
		return rc < 0 ? -1 : 0;
	/* The key holds another kind: SET replaces it, as in Redis. */
	if (!txn && begin(st) < 0)
		return -1;
	if (del_any(st, key) < 0 || !(q = Q(st, Q_SET)))
		return txn ? -1 : rollback(st);
	bind_key(q, 1, key);
	bind_val(q, 2, val, len);
	bind_exp(q, 3, ttl_ms);
	if (run(st, q) < 0)
		return txn ? -1 : rollback(st);
	return txn || commit(st) == 0 ? 0 : rollback(st);
}

static int sq_set(struct attune_store *st, const char *key, const char *val, size_t len, long long ttl_ms)
{
	if (set_one(st, key, val, len, ttl_ms, 0) < 0)
		return -1;
	written(st);
	return 0;
}

static int sq_set_nx(struct attune_store *st, const char *key, const char *val, size_t len, long long ttl_ms)
{
	sqlite3_stmt *q = Q(st, Q_SETNX);
	int rc;

	if (!q)
		return -1;
	bind_key(q, 1, key);
	bind_val(q, 2, val, len);
	bind_exp(q, 3, ttl_ms);
	sqlite3_bind_int64(q, 4, now_ms());
	if ((rc = run(st, q)) < 0)
		return -1;
	written(st);
	return rc > 0;
}

static int sq_set_many(struct attune_store *st, size_t n, const char *const *keys, const char *const *vals,
                       const size_t *lens, const long long *ttl_ms)
{
	if (begin(st) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (set_one(st, keys[i], vals[i], lens[i], ttl_ms ? ttl_ms[i] : 0, 1) < 0)
			return rollback(st);
	if (commit(st) < 0)
		return rollback(st);
	written(st);
	return 0;
}

static int sq_get(struct attune_store *st, const char *key, char **val, size_t *len)
{
	sqlite3_stmt *q = Q(st, Q_GET);
	int rc;

	if (!q)
		return -1;
	bind_key(q, 1, key);
	sqlite3_bind_int64(q, 2, now_ms());
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return dbfail(st, q, rc);
	if (sqlite3_column_int(q, 0) != K_STRING) {
		sqlite3_reset(q);
		return wrongtype(st, key);
	}
	*len = (size_t)sqlite3_column_bytes(q, 1);
	if (!(*val = malloc(*len + 1)))
		abort();
	if (*len)
		memcpy(*val, sqlite3_column_blob(q, 1), *len);
	(*val)[*len] = 0;
	sqlite3_reset(q);
	return 1;
}

static int sq_del(struct attune_store *st, const char *key)
{
	sqlite3_stmt *q = Q(st, Q_DEL_STR);
	int rc, other;

	if (!q)
		return -1;
	bind_key(q, 1, key);
	sqlite3_bind_int64(q, 2, now_ms());
	if ((rc = run(st, q)) != 0) {
		if (rc > 0)
			written(st);
		return rc < 0 ? -1 : 1;
	}
	/* Not a live string: another kind, or nothing. */
	if ((q = Q(st, Q_LOOKUP)) == NULL)
		return -1;
	bind_key(q, 1, key);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbfail(st, q, rc);
	other = rc == SQLITE_ROW && sqlite3_column_int(q, 1) != K_STRING;
	sqlite3_reset(q);
	if (!other)
		return 0;
	if (begin(st) < 0)
		return -1;
	if ((rc = del_any(st, key)) < 0 || commit(st) < 0)
		return rollback(st);
	return rc;
}

static int sq_ttl(struct attune_store *st, const char *key, long long *ms)
{
	sqlite3_stmt *q = Q(st, Q_TTL);
	long long now = now_ms();
	int rc;

	if (!q)
		return -1;
	bind_key(q, 1, key);
	sqlite3_bind_int64(q, 2, now);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return dbfail(st, q, rc);
	*ms = sqlite3_column_type(q, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 0) - now;
	sqlite3_reset(q);
	return 1;
}

/* The least string greater than every string starting with prefix, into buf; 0 if none. */
static size_t prefix_end(const char *prefix, char *buf)
{
	size_t n = strlen(prefix);

	memcpy(buf, prefix, n);
	while (n && (unsigned char)buf[n - 1] == 0xff)
		n--;
	if (n)
		buf[n - 1]++;
	return n;
}

static int sq_scan(struct attune_store *st, const char *prefix, attune_key_cb cb, void *ctx)
{
	size_t plen = strlen(prefix), elen, from_len = plen;
	char *end = malloc(plen + 1), *from = strdup(prefix);
	struct rows rs = {0};
	sqlite3_stmt *q;
	int rc = 0;

	if (!end || !from)
		abort();
	elen = prefix_end(prefix, end);
	for (;;) {
		if (!(q = Q(st, elen ? Q_SCAN : Q_SCAN_ALL))) {
			rc = -1;
			break;
		}
		sqlite3_bind_text(q, 1, from, (int)from_len, SQLITE_STATIC);
		if (elen)
			sqlite3_bind_text(q, 2, end, (int)elen, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, now_ms());
		sqlite3_bind_int(q, 4, PAGE);
		rows_clear(&rs);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			struct row *r = row_add(&rs);
			col_put(&rs, q, 0, &r->a, &r->alen);
		}
		if (rc != SQLITE_DONE) {
			rc = dbfail(st, q, rc);
			break;
		}
		sqlite3_reset(q);
		rc = 0;
		for (size_t i = 0; i < rs.n && !rc; i++)
			rc = cb(ctx, at(&rs, rs.r[i].a));
		if (rc || rs.n < PAGE)
			break;
		/* The next page starts just after the last key: last key + NUL. */
		free(from);
		from_len = rs.r[rs.n - 1].alen + 1;
		if (!(from = malloc(from_len)))
			abort();
		memcpy(from, at(&rs, rs.r[rs.n - 1].a), from_len);
	}
	free(from);
	free(end);
	rows_free(&rs);
	return rc;
}

static int sq_mget(struct attune_store *st, size_t n, const char *const *keys, attune_kv_cb cb, void *ctx)
{
	struct rows rs = {0};
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i += MGET_CHUNK) {
		size_t m = n - i < MGET_CHUNK ? n - i : MGET_CHUNK;
		long long now = now_ms();
		sqlite3_stmt *q;

		if (exec_id(st, Q_BEGIN_READ) < 0 || !(q = Q(st, Q_GET))) {
			rc = rollback(st);
			break;
		}
		rows_clear(&rs);
		for (size_t j = 0; j < m; j++) {
			struct row *r = row_add(&rs);
			bind_key(q, 1, keys[i + j]);
			sqlite3_bind_int64(q, 2, now);
			r->nullb = 1;
			if ((rc = sqlite3_step(q)) == SQLITE_ROW && sqlite3_column_int(q, 0) == K_STRING) {
				r->nullb = 0;
				col_put(&rs, q, 1, &r->b, &r->blen);
			} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
				rc = dbfail(st, q, rc);
				break;
			}
			rc = 0;
			sqlite3_reset(q);
		}
		if (rc < 0 || commit(st) < 0) {
			rc = rollback(st);
			break;
		}
		for (size_t j = 0; j < m && !rc; j++)
			rc = cb(ctx, keys[i + j], rs.r[j].nullb ? NULL : at(&rs, rs.r[j].b), rs.r[j].nullb ? 0 : rs.r[j].blen);
	}
	rows_free(&rs);
	return rc;
}

static int sq_check_write(struct attune_store *st, const char *guard, const char *gval, size_t glen, long long gttl_ms,
                          const char *check, const char *expect, size_t elen, const char *cval, size_t clen,
                          long long cttl_ms)
{
	sqlite3_stmt *q;
	int rc, same;

	if (begin(st) < 0)
		return -1;
	if (!(q = Q(st, Q_TTL)))
		return rollback(st);
	bind_key(q, 1, guard);
	sqlite3_bind_int64(q, 2, now_ms());
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbfail(st, q, rc), rollback(st);
	sqlite3_reset(q);
	if (rc == SQLITE_ROW)
		return commit(st) < 0 ? rollback(st) : 0;
	if (!(q = Q(st, Q_GET)))
		return rollback(st);
	bind_key(q, 1, check);
	sqlite3_bind_int64(q, 2, now_ms());
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbfail(st, q, rc), rollback(st);
	same = rc == SQLITE_ROW && sqlite3_column_int(q, 0) == K_STRING &&
	       (size_t)sqlite3_column_bytes(q, 1) == elen && (!elen || !memcmp(sqlite3_column_blob(q, 1), expect, elen));
	sqlite3_reset(q);
	if (!same)
		return commit(st) < 0 ? rollback(st) : 2;
	if ((gval && set_one(st, guard, gval, glen, gttl_ms, 1) < 0) || set_one(st, check, cval, clen, cttl_ms, 1) < 0 ||
	    commit(st) < 0)
		return rollback(st);
	written(st);
	return 1;
}

/* ---- hashes, sorted sets, sets ---- */

/* Copy rows of q (bound by the caller): column 0 text, column 1 as text and number. */
static int collect2(struct attune_store *st, sqlite3_stmt *q, struct rows *rs)
{
	int rc;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct row *r = row_add(rs);
		col_put(rs, q, 0, &r->a, &r->alen);
		if (sqlite3_column_count(q) > 1) {
			r->score = sqlite3_column_double(q, 1);
			col_put(rs, q, 1, &r->b, &r->blen);
		}
	}
	if (rc != SQLITE_DONE)
		return dbfail(st, q, rc);
	sqlite3_reset(q);
	return 0;
}

/* Rows of query id over the live key of kind, copied out; 0 when the key is missing. */
static int members(struct attune_store *st, const char *key, int kind, int id, struct rows *rs)
{
	struct keyrow k;
	sqlite3_stmt *q;
	int rc;

	if (exec_id(st, Q_BEGIN_READ) < 0)
		return -1;
	if ((rc = key_row(st, key, kind, 0, &k)) <= 0)
		return rollback(st), rc;
	if (!(q = Q(st, id)))
		return rollback(st);
	sqlite3_bind_int64(q, 1, k.id);
	if (collect2(st, q, rs) < 0 || commit(st) < 0)
		return rollback(st);
	return 0;
}

static int sq_hincr(struct attune_store *st, const char *key, const char *field, long long by, long long *result)
{
	struct keyrow k;
	sqlite3_stmt *q;
	int rc;

	if (begin(st) < 0)
		return -1;
	if (key_row(st, key, K_HASH, 1, &k) < 0 || !(q = Q(st, Q_HINCR)))
		return rollback(st);
	sqlite3_bind_int64(q, 1, k.id);
	bind_key(q, 2, field);
	sqlite3_bind_int64(q, 3, by);
	if ((rc = sqlite3_step(q)) != SQLITE_ROW)
		return dbfail(st, q, rc), rollback(st);
	if (result)
		*result = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (commit(st) < 0)
		return rollback(st);
	written(st);
	return 0;
}

static int sq_hgetall(struct attune_store *st, const char *key, attune_field_cb cb, void *ctx)
{
	struct rows rs = {0};
	int rc = members(st, key, K_HASH, Q_HGETALL, &rs);

	for (size_t i = 0; i < rs.n && !rc; i++)
		rc = cb(ctx, at(&rs, rs.r[i].a), at(&rs, rs.r[i].b), rs.r[i].blen);
	rows_free(&rs);
	return rc;
}

/* Add member to the set-like key (zset or set); 1 added, 0 was there. */
static int member_add(struct attune_store *st, const char *key, int kind, const char *member, double score)
{
	struct keyrow k;
	sqlite3_stmt *q;
	int rc, absent = 1;

	if (begin(st) < 0)
		return -1;
	if (key_row(st, key, kind, 1, &k) < 0)
		return rollback(st);
	/* A score update changes a row too: look first. */
	if (kind == K_ZSET) {
		if (!(q = Q(st, Q_ZHAS)))
			return rollback(st);
		sqlite3_bind_int64(q, 1, k.id);
		bind_key(q, 2, member);
		if ((rc = sqlite3_step(q)) != SQLITE_ROW && rc != SQLITE_DONE)
			return dbfail(st, q, rc), rollback(st);
		absent = rc == SQLITE_DONE;
		sqlite3_reset(q);
	}
	if (!(q = Q(st, kind == K_ZSET ? Q_ZADD : Q_SADD)))
		return rollback(st);
	sqlite3_bind_int64(q, 1, k.id);
	bind_key(q, 2, member);
	if (kind == K_ZSET)
		sqlite3_bind_double(q, 3, score);
	if ((rc = run(st, q)) < 0 || commit(st) < 0)
		return rollback(st);
	written(st);
	return absent && rc > 0;
}

/* Remove member; an emptied key is removed, as in Redis. 1 removed, 0 was not there. */
static int member_rem(struct attune_store *st, const char *key, int kind, const char *member)
{
	struct keyrow k;
	sqlite3_stmt *q;
	int rc, empty;

	if (begin(st) < 0)
		return -1;
	if ((rc = key_row(st, key, kind, 0, &k)) < 0)
		return rollback(st);
	if (rc == 0)
		return commit(st) < 0 ? rollback(st) : 0;
	if (!(q = Q(st, kind == K_ZSET ? Q_ZREM : Q_SREM)))
		return rollback(st);
	sqlite3_bind_int64(q, 1, k.id);
	bind_key(q, 2, member);
	if ((rc = run(st, q)) < 0 || !(q = Q(st, kind == K_ZSET ? Q_ZANY : Q_SANY)))
		return rollback(st);
	sqlite3_bind_int64(q, 1, k.id);
	if ((empty = sqlite3_step(q)) != SQLITE_ROW && empty != SQLITE_DONE)
		return dbfail(st, q, empty), rollback(st);
	sqlite3_reset(q);
	if ((empty == SQLITE_DONE && drop_row(st, k.id, kind) < 0) || commit(st) < 0)
		return rollback(st);
	written(st);
	return rc > 0;
}

static int sq_zadd(struct attune_store *st, const char *key, const char *member, double score)
{
	return member_add(st, key, K_ZSET, member, score);
}

static int sq_zrem(struct attune_store *st, const char *key, const char *member)
{
	return member_rem(st, key, K_ZSET, member);
}

static int sq_zrange(struct attune_store *st, const char *key, attune_zmember_cb cb, void *ctx)
{
	struct rows rs = {0};
	int rc = members(st, key, K_ZSET, Q_ZRANGE, &rs);

	for (size_t i = 0; i < rs.n && !rc; i++)
		rc = cb(ctx, at(&rs, rs.r[i].a), rs.r[i].score);
	rows_free(&rs);
	return rc;
}

static int sq_sadd(struct attune_store *st, const char *key, const char *member)
{
	return member_add(st, key, K_SET, member, 0);
}

static int sq_srem(struct attune_store *st, const char *key, const char *member)
{
	return member_rem(st, key, K_SET, member);
}

static int sq_smembers(struct attune_store *st, const char *key, attune_key_cb cb, void *ctx)
{
	struct rows rs = {0};
	int rc = members(st, key, K_SET, Q_SMEMBERS, &rs);

	for (size_t i = 0; i < rs.n && !rc; i++)
		rc = cb(ctx, at(&rs, rs.r[i].a));
	rows_free(&rs);
	return rc;
}

/* ---- wake-ups ---- */

static int wake_bump(struct attune_store *st, const char *channel)
{
	sqlite3_stmt *q = Q(st, Q_WAKE_BUMP);

	if (!q)
		return -1;
	bind_key(q, 1, channel);
	return run(st, q) < 0 ? -1 : 0;
}

static int sq_notify(struct attune_store *st, const char *channel)
{
	if (wake_bump(st, channel) < 0)
		return -1;
	touch(st->impl);
	return 0;
}

/* Read the waiter's counters; 1 if one changed since the last read (the snapshot is updated),
 * 0 if none did, -1. */
static int counters(struct attune_store *st, struct waiter *w)
{
	sqlite3_stmt *q = Q(st, Q_WAKE_GET);
	int changed = 0, rc;

	if (!q)
		return -1;
	for (size_t i = 0; i < w->n; i++) {
		sqlite3_int64 v = 0;
		bind_key(q, 1, w->ch[i]);
		if ((rc = sqlite3_step(q)) == SQLITE_ROW)
			v = sqlite3_column_int64(q, 0);
		else if (rc != SQLITE_DONE)
			return dbfail(st, q, rc);
		sqlite3_reset(q);
		if (v != w->seen[i])
			changed = 1, w->seen[i] = v;
	}
	return changed;
}

static void waiter_free(struct attune_store *st, void *vw)
{
	struct waiter *w = vw;

	(void)st;
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->ch[i]);
	free(w->ch);
	free(w->seen);
	free(w);
}

/* One inotify watch per store handle, on the database's directory (it survives files being
 * removed and made again); without inotify, waiters fall back to a short poll. */
static void watch_dir(struct sq *s)
{
	if (s->ifd != -2)
		return;
	if ((s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) >= 0 &&
	    inotify_add_watch(s->ifd, s->dir, IN_ATTRIB | IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO) < 0) {
		close(s->ifd);
		s->ifd = -1;
	}
}

static void *waiter_make(struct attune_store *st, size_t n, const char *const *channels)
{
	struct waiter *w = calloc(1, sizeof *w);

	if (!w || !(w->ch = calloc(n ? n : 1, sizeof *w->ch)) || !(w->seen = calloc(n ? n : 1, sizeof *w->seen)))
		abort();
	watch_dir(st->impl);
	w->n = n;
	for (size_t i = 0; i < n; i++)
		if (!(w->ch[i] = strdup(channels[i])))
			abort();
	if (counters(st, w) < 0) {
		waiter_free(st, w);
		return NULL;
	}
	return w;
}

/* Read all queued events; 1 if one concerns the database file. */
static int drain(struct sq *s)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int hit = 0;
	ssize_t n;

	while ((n = read(s->ifd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			if ((ev->mask & IN_Q_OVERFLOW) || (ev->len && !strcmp(ev->name, s->base)))
				hit = 1;
			p += sizeof *ev + ev->len;
		}
	}
	return hit;
}

static int waiter_wait(struct attune_store *st, void *vw, long timeout_ms)
{
	struct sq *s = st->impl;
	long long deadline = mono_ms() + timeout_ms;
	int rc;

	for (;;) {
		if (attune_interrupted)
			return -2;
		if ((rc = counters(st, vw)) != 0)
			return rc;
		for (;;) {
			struct pollfd p = {s->ifd, POLLIN, 0};
			long long slice = s->ifd < 0 ? 100 : SLICE_MS;
			if (attune_interrupted)
				return -2;
			if (timeout_ms >= 0) {
				long long left = deadline - mono_ms();
				if (left <= 0)
					return 0;
				if (left < slice)
					slice = left;
			}
			if (s->ifd < 0) {
				poll(NULL, 0, (int)slice);
				break;
			}
			rc = poll(&p, 1, (int)slice);
			if (rc < 0 && errno != EINTR)
				return store_fail(st, 69, "%s: waiting: %s", s->path, strerror(errno));
			if (rc > 0 && drain(s))
				break;
		}
	}
}

/* ---- streams ---- */

/* "\001stream:" + key: the wake channel xadd bumps for blocked readers of key. */
static char *stream_channel(const char *key)
{
	size_t n = strlen(STREAM_CH) + strlen(key) + 1;
	char *c = malloc(n);

	if (!c)
		abort();
	snprintf(c, n, "%s%s", STREAM_CH, key);
	return c;
}

/* Inside a write transaction: remove the n oldest entries of the stream. */
static int trim_oldest(struct attune_store *st, const struct keyrow *k, sqlite3_int64 n)
{
	sqlite3_stmt *q = Q(st, Q_XTRIM);

	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, k->id);
	sqlite3_bind_int64(q, 2, n);
	if (run(st, q) < 0 || !(q = Q(st, Q_XLENADD)))
		return -1;
	sqlite3_bind_int64(q, 1, k->id);
	sqlite3_bind_int64(q, 2, -n);
	return run(st, q) < 0 ? -1 : 0;
}

static int sq_xadd(struct attune_store *st, const char *key, size_t n, const struct attune_entry *entries,
                   long long maxlen, char (*ids)[ATTUNE_ID_MAX])
{
	struct keyrow k;
	struct rows rs = {0};
	sqlite3_stmt *q;
	sqlite3_int64 now = now_ms();
	char *ch = stream_channel(key);
	int rc = -1;

	if (begin(st) < 0)
		goto done;
	if (key_row(st, key, K_STREAM, 1, &k) < 0 || !(q = Q(st, Q_XINSERT)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		size_t off = 0, len = 0;
		/* Redis ids: the clock, or the last id's ms with the next seq if the clock is behind. */
		if (now > k.ms) {
			k.ms = now;
			k.seq = 0;
		} else if (!id_next(&k.ms, &k.seq)) {
			store_fail(st, 65, "stream %s: ids exhausted", key);
			goto fail;
		}
		rows_clear(&rs);
		if (body_encode(st, &entries[i], &rs, &off, &len) < 0)
			goto fail;
		sqlite3_bind_int64(q, 1, k.id);
		sqlite3_bind_int64(q, 2, k.ms);
		sqlite3_bind_int64(q, 3, k.seq);
		sqlite3_bind_blob64(q, 4, rs.buf + off, len, SQLITE_STATIC);
		if (run(st, q) < 0)
			goto fail;
		if (ids)
			id_fmt(ids[i], k.ms, k.seq);
	}
	if (!(q = Q(st, Q_XSETLAST)))
		goto fail;
	sqlite3_bind_int64(q, 1, k.id);
	sqlite3_bind_int64(q, 2, k.ms);
	sqlite3_bind_int64(q, 3, k.seq);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)n);
	if (run(st, q) < 0)
		goto fail;
	k.len += (sqlite3_int64)n;
	if (maxlen > 0 && k.len > maxlen && trim_oldest(st, &k, k.len - maxlen) < 0)
		goto fail;
	if (wake_bump(st, ch) < 0 || commit(st) < 0)
		goto fail;
	touch(st->impl);
	written(st);
	rc = 0;
	goto done;
fail:
	rollback(st);
done:
	free(ch);
	rows_free(&rs);
	return rc;
}

/* Entries of stream k between (lo) and (hi) inclusive, oldest first (rev: newest first), at most
 * max (0 = all), copied out a page at a time and passed to cb. *ndone counts them.
 * 0, cb's non-zero, or -1. */
static int range_emit(struct attune_store *st, const char *key, sqlite3_int64 kid, sqlite3_int64 lo_ms,
                      sqlite3_int64 lo_seq, sqlite3_int64 hi_ms, sqlite3_int64 hi_seq, int rev, long max,
                      attune_entry_cb cb, void *ctx, int *ndone)
{
	struct rows rs = {0};
	long total = 0;
	int rc = 0;

	for (;;) {
		long lim = PAGE;
		sqlite3_stmt *q;
		if (max > 0 && max - total < lim)
			lim = max - total;
		if (lim <= 0 || lo_ms > hi_ms || (lo_ms == hi_ms && lo_seq > hi_seq))
			break;
		if (!(q = Q(st, rev ? Q_XREV : Q_XFWD))) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(q, 1, kid);
		sqlite3_bind_int64(q, 2, lo_ms);
		sqlite3_bind_int64(q, 3, lo_seq);
		sqlite3_bind_int64(q, 4, hi_ms);
		sqlite3_bind_int64(q, 5, hi_seq);
		sqlite3_bind_int64(q, 6, lim);
		rows_clear(&rs);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			entry_put(&rs, q);
		if (rc != SQLITE_DONE) {
			rc = dbfail(st, q, rc);
			break;
		}
		sqlite3_reset(q);
		if ((rc = emit_rows(st, key, &rs, cb, ctx, ndone)) != 0 || (long)rs.n < lim)
			break;
		total += (long)rs.n;
		if (rev) {
			hi_ms = rs.r[rs.n - 1].ms;
			hi_seq = rs.r[rs.n - 1].seq;
			if (!id_prev(&hi_ms, &hi_seq))
				break;
		} else {
			lo_ms = rs.r[rs.n - 1].ms;
			lo_seq = rs.r[rs.n - 1].seq;
			if (!id_next(&lo_ms, &lo_seq))
				break;
		}
	}
	rows_free(&rs);
	return rc;
}

static int sq_xrange(struct attune_store *st, const char *key, const char *start, const char *end, long count, int rev,
                     attune_entry_cb cb, void *ctx)
{
	sqlite3_int64 lo_ms, lo_seq, hi_ms, hi_seq;
	struct keyrow k;
	int a, b, rc, n = 0;

	if ((a = id_bound(start, 0, &lo_ms, &lo_seq)) < 0)
		return badid(st, start);
	if ((b = id_bound(end, 1, &hi_ms, &hi_seq)) < 0)
		return badid(st, end);
	if (a || b)
		return 0; /* an empty exclusive range */
	if ((rc = key_row(st, key, K_STREAM, 0, &k)) <= 0)
		return rc;
	return range_emit(st, key, k.id, lo_ms, lo_seq, hi_ms, hi_seq, rev, count, cb, ctx, &n);
}

static int sq_xlast(struct attune_store *st, const char *key, char id[ATTUNE_ID_MAX])
{
	struct keyrow k;
	sqlite3_stmt *q;
	int rc;

	strcpy(id, "0-0");
	if ((rc = key_row(st, key, K_STREAM, 0, &k)) <= 0)
		return rc;
	if (!(q = Q(st, Q_XLAST)))
		return -1;
	sqlite3_bind_int64(q, 1, k.id);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW)
		id_fmt(id, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1));
	else if (rc != SQLITE_DONE)
		return dbfail(st, q, rc);
	sqlite3_reset(q);
	return 1;
}

static long long sq_xlen(struct attune_store *st, const char *key)
{
	sqlite3_stmt *q = Q(st, Q_XLEN);
	long long n = 0;
	int rc;

	if (!q)
		return -1;
	bind_key(q, 1, key);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	else if (rc != SQLITE_DONE)
		return dbfail(st, q, rc);
	sqlite3_reset(q);
	return n;
}

static long long sq_xtrim(struct attune_store *st, const char *key, long long maxlen)
{
	struct keyrow k;
	long long n = 0;
	int rc;

	if (begin(st) < 0)
		return -1;
	if ((rc = key_row(st, key, K_STREAM, 0, &k)) < 0)
		return rollback(st);
	if (rc && maxlen >= 0 && k.len > maxlen && trim_oldest(st, &k, n = k.len - maxlen) < 0)
		return rollback(st);
	if (commit(st) < 0)
		return rollback(st);
	written(st);
	return n;
}

static int sq_xgroup_create(struct attune_store *st, const char *key, const char *group, const char *start_id)
{
	sqlite3_int64 ms = 0, seq = 0;
	int last = !strcmp(start_id, "$"), rc;
	struct keyrow k;
	sqlite3_stmt *q;

	if (!last && id_parse(start_id, 0, &ms, &seq) < 0)
		return badid(st, start_id);
	if (begin(st) < 0)
		return -1;
	if (key_row(st, key, K_STREAM, 1, &k) < 0 || !(q = Q(st, Q_GROUP_NEW)))
		return rollback(st);
	sqlite3_bind_int64(q, 1, k.id);
	bind_key(q, 2, group);
	sqlite3_bind_int64(q, 3, last ? k.ms : ms);
	sqlite3_bind_int64(q, 4, last ? k.seq : seq);
	if ((rc = run(st, q)) < 0 || commit(st) < 0)
		return rollback(st);
	written(st);
	return rc > 0;
}

/* The stream's row and the group's last delivered id; NOGROUP when either is missing. */
static int group_row(struct attune_store *st, const char *key, const char *group, struct keyrow *k,
                     sqlite3_int64 *ms, sqlite3_int64 *seq)
{
	sqlite3_stmt *q;
	int rc;

	if ((rc = key_row(st, key, K_STREAM, 0, k)) < 0)
		return -1;
	if (rc == 0)
		goto nogroup;
	if (!(q = Q(st, Q_GROUP_GET)))
		return -1;
	sqlite3_bind_int64(q, 1, k->id);
	bind_key(q, 2, group);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*ms = sqlite3_column_int64(q, 0);
		*seq = sqlite3_column_int64(q, 1);
		sqlite3_reset(q);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return dbfail(st, q, rc);
	sqlite3_reset(q);
nogroup:
	return store_fail(st, 65, "NOGROUP no consumer group '%s' on stream '%s'", group, key);
}

static int add_consumer(struct attune_store *st, sqlite3_int64 kid, const char *group, const char *consumer)
{
	sqlite3_stmt *q = Q(st, Q_CONSUMER);

	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, kid);
	bind_key(q, 2, group);
	bind_key(q, 3, consumer);
	return run(st, q) < 0 ? -1 : 0;
}

/* Blocking reads: once() reads what is there (the number delivered, a callback's non-zero, or
 * -1); block waits for an xadd to one of the keys and tries again until block_ms has passed. */
static int blocking(struct attune_store *st, size_t n, const char *const *keys, long block_ms,
                    int (*once)(struct attune_store *, void *), void *arg)
{
	long long deadline = mono_ms() + block_ms;
	char **ch;
	void *w;
	int rc = once(st, arg);

	if (rc != 0 || block_ms <= 0 || attune_interrupted)
		return rc;
	if (!(ch = calloc(n, sizeof *ch)))
		abort();
	for (size_t i = 0; i < n; i++)
		ch[i] = stream_channel(keys[i]);
	w = waiter_make(st, n, (const char *const *)ch);
	for (size_t i = 0; i < n; i++)
		free(ch[i]);
	free(ch);
	if (!w)
		return -1;
	for (;;) {
		long long left;
		int wr;
		if ((rc = once(st, arg)) != 0 || (left = deadline - mono_ms()) <= 0)
			break;
		if ((wr = waiter_wait(st, w, (long)left)) == -2)
			break;
		if (wr < 0) {
			rc = -1;
			break;
		}
	}
	waiter_free(st, w);
	return rc;
}

struct xread_arg {
	size_t n;
	const char *const *keys;
	sqlite3_int64 *ms, *seq;
	long count;
	attune_entry_cb cb;
	void *ctx;
};

static int xread_once(struct attune_store *st, void *arg)
{
	struct xread_arg *a = arg;
	int total = 0, rc;

	for (size_t i = 0; i < a->n; i++) {
		sqlite3_int64 ms = a->ms[i], seq = a->seq[i];
		struct keyrow k;
		if ((rc = key_row(st, a->keys[i], K_STREAM, 0, &k)) < 0)
			return -1;
		if (rc == 0 || !id_next(&ms, &seq))
			continue;
		rc = range_emit(st, a->keys[i], k.id, ms, seq, INT64_MAX, INT64_MAX, 0, a->count, a->cb, a->ctx, &total);
		if (rc)
			return rc;
	}
	return total;
}

static int sq_xread(struct attune_store *st, size_t n, const char *const *keys, const char *const *ids, long count,
                    long block_ms, attune_entry_cb cb, void *ctx)
{
	struct xread_arg a = {n, keys, calloc(n, sizeof *a.ms), calloc(n, sizeof *a.seq), count, cb, ctx};
	int rc = 0;

	if (!a.ms || !a.seq)
		abort();
	for (size_t i = 0; i < n && !rc; i++) {
		struct keyrow k;
		if (strcmp(ids[i], "$"))
			rc = id_parse(ids[i], 0, &a.ms[i], &a.seq[i]) < 0 ? badid(st, ids[i]) : 0;
		else if ((rc = key_row(st, keys[i], K_STREAM, 0, &k)) > 0)
			a.ms[i] = k.ms, a.seq[i] = k.seq, rc = 0;
	}
	if (!rc)
		rc = blocking(st, n, keys, block_ms, xread_once, &a);
	free(a.ms);
	free(a.seq);
	return rc;
}

struct xrg_arg {
	const char *group, *consumer;
	size_t n;
	const char *const *keys;
	long count;
	attune_entry_cb cb;
	void *ctx;
	int first;
};

/* Deliver up to lim new entries of one stream to the group's consumer, in one transaction.
 * 1 if there may be more, 0 if not, -1. */
static int deliver(struct attune_store *st, struct xrg_arg *a, const char *key, long lim, struct rows *rs)
{
	sqlite3_int64 ms, seq, now = now_ms();
	struct keyrow k;
	sqlite3_stmt *q;
	int rc;

	rows_clear(rs);
	if (begin(st) < 0)
		return -1;
	if (group_row(st, key, a->group, &k, &ms, &seq) < 0 || !id_next(&ms, &seq) || !(q = Q(st, Q_XFWD)))
		return rollback(st);
	sqlite3_bind_int64(q, 1, k.id);
	sqlite3_bind_int64(q, 2, ms);
	sqlite3_bind_int64(q, 3, seq);
	sqlite3_bind_int64(q, 4, INT64_MAX);
	sqlite3_bind_int64(q, 5, INT64_MAX);
	sqlite3_bind_int64(q, 6, lim);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		entry_put(rs, q);
	if (rc != SQLITE_DONE)
		return dbfail(st, q, rc), rollback(st);
	sqlite3_reset(q);
	if (!(q = Q(st, Q_PEL_ADD)))
		return rollback(st);
	for (size_t i = 0; i < rs->n; i++) {
		sqlite3_bind_int64(q, 1, k.id);
		bind_key(q, 2, a->group);
		sqlite3_bind_int64(q, 3, rs->r[i].ms);
		sqlite3_bind_int64(q, 4, rs->r[i].seq);
		bind_key(q, 5, a->consumer);
		sqlite3_bind_int64(q, 6, now);
		if (run(st, q) < 0)
			return rollback(st);
	}
	if (rs->n) {
		if (!(q = Q(st, Q_GROUP_SET)))
			return rollback(st);
		sqlite3_bind_int64(q, 1, k.id);
		bind_key(q, 2, a->group);
		sqlite3_bind_int64(q, 3, rs->r[rs->n - 1].ms);
		sqlite3_bind_int64(q, 4, rs->r[rs->n - 1].seq);
		if (run(st, q) < 0 || add_consumer(st, k.id, a->group, a->consumer) < 0)
			return rollback(st);
	}
	if (commit(st) < 0)
		return rollback(st);
	written(st);
	return (long)rs->n == lim;
}

static int xreadgroup_once(struct attune_store *st, void *arg)
{
	struct xrg_arg *a = arg;
	struct rows rs = {0};
	int total = 0, rc = 0;

	for (size_t i = 0; i < a->n && !rc; i++) {
		sqlite3_int64 ms, seq;
		struct keyrow k;
		sqlite3_stmt *q;
		long got = 0;
		/* Look before taking the write lock: a blocked reader re-checks on every wake-up. */
		if (group_row(st, a->keys[i], a->group, &k, &ms, &seq) < 0 || !(q = Q(st, Q_XHAS))) {
			rc = -1;
			break;
		}
		if (a->first && (rc = add_consumer(st, k.id, a->group, a->consumer)) < 0)
			break;
		sqlite3_bind_int64(q, 1, k.id);
		sqlite3_bind_int64(q, 2, ms);
		sqlite3_bind_int64(q, 3, seq);
		if ((rc = sqlite3_step(q)) != SQLITE_ROW && rc != SQLITE_DONE) {
			rc = dbfail(st, q, rc);
			break;
		}
		sqlite3_reset(q);
		if (rc == SQLITE_DONE) {
			rc = 0;
			continue;
		}
		for (rc = 0;;) {
			long lim = a->count > 0 ? a->count - got : PAGE;
			int more;
			if (lim <= 0)
				break;
			if (lim > PAGE)
				lim = PAGE;
			if ((more = deliver(st, a, a->keys[i], lim, &rs)) < 0) {
				rc = -1;
				break;
			}
			got += (long)rs.n;
			if ((rc = emit_rows(st, a->keys[i], &rs, a->cb, a->ctx, &total)) != 0 || !more)
				break;
		}
	}
	a->first = 0;
	rows_free(&rs);
	return rc ? rc : total;
}

static int sq_xreadgroup(struct attune_store *st, const char *group, const char *consumer, size_t n,
                         const char *const *keys, long count, long block_ms, attune_entry_cb cb, void *ctx)
{
	struct xrg_arg a = {group, consumer, n, keys, count, cb, ctx, 1};
	return blocking(st, n, keys, block_ms, xreadgroup_once, &a);
}

/* Pending entries of the group, copied into rs, each handed to consumer with its delivery time
 * reset and count bumped (as Redis does for history reads and claims), in one transaction.
 * own: those of consumer after (ms, seq), else those idle since before min_idle_ms.
 * Entries deleted from the stream meanwhile are dropped from the pending list. */
static int pending_take(struct attune_store *st, const char *key, const char *group, const char *consumer, int own,
                        sqlite3_int64 ms, sqlite3_int64 seq, long long min_idle_ms, long lim, struct rows *rs)
{
	sqlite3_int64 gms, gseq, now = now_ms();
	struct keyrow k;
	sqlite3_stmt *q;
	int rc;

	rows_clear(rs);
	if (begin(st) < 0)
		return -1;
	if (group_row(st, key, group, &k, &gms, &gseq) < 0 || !(q = Q(st, own ? Q_PEL_OWN : Q_PEL_IDLE)))
		return rollback(st);
	sqlite3_bind_int64(q, 1, k.id);
	bind_key(q, 2, group);
	if (own) {
		bind_key(q, 3, consumer);
		sqlite3_bind_int64(q, 4, ms);
		sqlite3_bind_int64(q, 5, seq);
		sqlite3_bind_int64(q, 6, lim);
	} else {
		sqlite3_bind_int64(q, 3, now - min_idle_ms);
		sqlite3_bind_int64(q, 4, lim);
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		entry_put(rs, q);
	if (rc != SQLITE_DONE)
		return dbfail(st, q, rc), rollback(st);
	sqlite3_reset(q);
	for (size_t i = 0; i < rs->n; i++) {
		int drop = rs->r[i].nullb;
		if (!(q = Q(st, drop ? Q_PEL_DEL : Q_PEL_TOUCH)))
			return rollback(st);
		sqlite3_bind_int64(q, 1, k.id);
		bind_key(q, 2, group);
		sqlite3_bind_int64(q, 3, rs->r[i].ms);
		sqlite3_bind_int64(q, 4, rs->r[i].seq);
		if (!drop) {
			bind_key(q, 5, consumer);
			sqlite3_bind_int64(q, 6, now);
		}
		if (run(st, q) < 0)
			return rollback(st);
	}
	if ((rs->n && add_consumer(st, k.id, group, consumer) < 0) || commit(st) < 0)
		return rollback(st);
	return 0;
}

static int sq_xpending_own(struct attune_store *st, const char *key, const char *group, const char *consumer,
                           long count, attune_entry_cb cb, void *ctx)
{
	sqlite3_int64 ms = 0, seq = 0;
	struct rows rs = {0};
	int total = 0, rc = 0;
	long got = 0;

	/* Start just below 0-0 so that 0-0 itself would be included. */
	for (seq = -1;;) {
		long lim = count > 0 ? count - got : PAGE;
		if (lim <= 0)
			break;
		if (lim > PAGE)
			lim = PAGE;
		if ((rc = pending_take(st, key, group, consumer, 1, ms, seq, 0, lim, &rs)) < 0)
			break;
		got += (long)rs.n;
		if ((rc = emit_rows(st, key, &rs, cb, ctx, &total)) != 0 || (long)rs.n < lim)
			break;
		ms = rs.r[rs.n - 1].ms;
		seq = rs.r[rs.n - 1].seq;
	}
	rows_free(&rs);
	return rc ? rc : total;
}

static int sq_xack(struct attune_store *st, const char *key, const char *group, size_t n, const char *const *ids)
{
	sqlite3_int64 ms, seq;
	struct keyrow k;
	sqlite3_stmt *q;
	int rc, acked = 0;

	for (size_t i = 0; i < n; i++)
		if (id_parse(ids[i], 0, &ms, &seq) < 0)
			return badid(st, ids[i]);
	if (begin(st) < 0)
		return -1;
	if ((rc = key_row(st, key, K_STREAM, 0, &k)) <= 0)
		return rc < 0 ? rollback(st) : commit(st);
	for (size_t i = 0; i < n; i++) {
		if (!(q = Q(st, Q_PEL_DEL)))
			return rollback(st);
		id_parse(ids[i], 0, &ms, &seq);
		sqlite3_bind_int64(q, 1, k.id);
		bind_key(q, 2, group);
		sqlite3_bind_int64(q, 3, ms);
		sqlite3_bind_int64(q, 4, seq);
		if ((rc = run(st, q)) < 0)
			return rollback(st);
		acked += rc > 0;
	}
	if (commit(st) < 0)
		return rollback(st);
	written(st);
	return acked;
}

static int sq_xclaim_idle(struct attune_store *st, const char *key, const char *group, const char *consumer,
                          long long min_idle_ms, long count, attune_entry_cb cb, void *ctx)
{
	struct rows rs = {0};
	int total = 0, rc;

	rc = pending_take(st, key, group, consumer, 0, 0, 0, min_idle_ms, count > 0 ? count : 100, &rs);
	if (rc == 0)
		rc = emit_rows(st, key, &rs, cb, ctx, &total);
	rows_free(&rs);
	return rc ? rc : total;
}

static int sq_xgroups(struct attune_store *st, const char *key, attune_group_cb cb, void *ctx)
{
	struct rows rs = {0};
	struct keyrow k;
	sqlite3_stmt *q;
	int rc;

	if (exec_id(st, Q_BEGIN_READ) < 0)
		return -1;
	if ((rc = key_row(st, key, K_STREAM, 0, &k)) <= 0)
		return rollback(st), rc;
	if (!(q = Q(st, Q_GROUPS)))
		return rollback(st);
	sqlite3_bind_int64(q, 1, k.id);
	/* Per group: name, then "ms-seq consumers pending lag" packed in the second range. */
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct row *r = row_add(&rs);
		char buf[128];
		col_put(&rs, q, 0, &r->a, &r->alen);
		snprintf(buf, sizeof buf, "%lld-%lld", (long long)sqlite3_column_int64(q, 1),
		         (long long)sqlite3_column_int64(q, 2));
		r->b = arena_put(&rs, buf, strlen(buf));
		r->ms = sqlite3_column_int64(q, 3);
		r->seq = sqlite3_column_int64(q, 4);
		r->n = sqlite3_column_int64(q, 5);
	}
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		rc = commit(st);
	} else {
		rc = dbfail(st, q, rc);
	}
	if (rc < 0)
		rollback(st);
	for (size_t i = 0; i < rs.n && !rc; i++) {
		struct attune_group_info g = {at(&rs, rs.r[i].a), rs.r[i].ms, rs.r[i].seq, rs.r[i].n, at(&rs, rs.r[i].b)};
		rc = cb(ctx, &g);
	}
	rows_free(&rs);
	return rc;
}

/* ---- open and close ---- */

static void sq_close(struct attune_store *st)
{
	struct sq *s = st->impl;

	if (!s)
		return;
	for (int i = 0; i < Q_N; i++)
		sqlite3_finalize(s->q[i]);
	sqlite3_close(s->db);
	if (s->ifd >= 0)
		close(s->ifd);
	free(s->path);
	free(s->file);
	free(s->dir);
	free(s);
	st->impl = NULL;
}

/* Retry briefly when another writer holds the lock; give up after BUSY_MS. */
static int busy(void *arg, int n)
{
	static const int step[] = {1, 1, 2, 2, 5, 5, 10};
	long long *start = arg;

	if (n == 0)
		*start = mono_ms();
	if (mono_ms() - *start >= BUSY_MS)
		return 0;
	sqlite3_sleep(step[n < 7 ? n : 6]);
	return 1;
}

/* mkdir -p dir, creating what is missing with mode 0700. */
static int mkdirs(const char *dir)
{
	char *p = strdup(dir), *c;
	int rc = 0;

	if (!p)
		abort();
	for (c = p + 1;; c++) {
		if (*c != '/' && *c)
			continue;
		char save = *c;
		*c = 0;
		if (mkdir(p, 0700) == 0)
			chmod(p, 0700);
		else if (errno != EEXIST) {
			rc = -1;
			break;
		}
		*c = save;
		if (!save)
			break;
	}
	free(p);
	return rc;
}

static int open_fail(struct attune_store *st, const char *path, int e)
{
	return store_fail(st, perm_errno(e) ? 77 : 69, "cannot open database %s: %s", path, strerror(e));
}

/* Create the database file mode 0600 whatever the umask; find its directory. */
static int prepare_file(struct attune_store *st, struct sq *s)
{
	char *slash = strrchr(s->path, '/'), *dir, *real;
	int fd;

	if (slash && slash != s->path) {
		dir = strndup(s->path, (size_t)(slash - s->path));
		if (mkdirs(dir) < 0) {
			int e = errno;
			store_fail(st, perm_errno(e) ? 77 : 69, "cannot create directory %s for database %s: %s", dir,
			           s->path, strerror(e));
			free(dir);
			return -1;
		}
	} else {
		dir = strdup(slash ? "/" : ".");
	}
	if ((fd = open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0) {
		fchmod(fd, 0600);
		close(fd);
	} else if (errno != EEXIST || (fd = open(s->path, O_RDWR | O_CLOEXEC)) < 0) {
		free(dir);
		return open_fail(st, s->path, errno);
	} else {
		close(fd);
	}
	real = realpath(dir, NULL);
	free(dir);
	if (!real)
		return open_fail(st, s->path, errno);
	s->dir = real;
	s->base = slash ? slash + 1 : s->path;
	if (!(s->file = malloc(strlen(real) + strlen(s->base) + 2)))
		abort();
	sprintf(s->file, "%s/%s", real, s->base);
	return 0;
}

static int pragma(struct attune_store *st, const char *q, char *out, size_t outlen)
{
	struct sq *s = st->impl;
	sqlite3_stmt *stmt;
	int rc;

	for (long long t0 = mono_ms();;) {
		if ((rc = sqlite3_prepare_v2(s->db, q, -1, &stmt, NULL)) != SQLITE_OK)
			return dbfail(st, NULL, rc);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW && out)
			snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(stmt, 0));
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			break;
		/* Switching to WAL may meet a lock the busy handler does not cover. */
		if ((rc & 0xff) != SQLITE_BUSY || mono_ms() - t0 > BUSY_MS) {
			dbfail(st, stmt, rc);
			sqlite3_finalize(stmt);
			return -1;
		}
		sqlite3_finalize(stmt);
		sqlite3_sleep(5);
	}
	sqlite3_finalize(stmt);
	return 0;
}

static int init_db(struct attune_store *st)
{
	struct sq *s = st->impl;
	char out[32] = "";
	int rc;

	rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int e = s->db ? sqlite3_system_errno(s->db) : 0;
		store_fail(st, (rc & 0xff) == SQLITE_PERM || perm_errno(e) ? 77 : 69, "cannot open database %s: %s",
		           s->path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_handler(s->db, busy, &s->busy_start);
	if (pragma(st, "PRAGMA journal_mode=WAL", out, sizeof out) < 0)
		return -1;
	if (strcmp(out, "wal"))
		return store_fail(st, 69, "cannot open database %s: cannot use WAL mode (%s)", s->path, out);
	if (pragma(st, "PRAGMA synchronous=NORMAL", NULL, 0) < 0 || pragma(st, "PRAGMA user_version", out, sizeof out) < 0)
		return -1;
	if (atoi(out) == SCHEMA_VERSION)
		return 0;
	if (begin(st) < 0)
		return -1;
	if ((rc = sqlite3_exec(s->db, schema, NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_exec(s->db, "PRAGMA user_version=" STR(SCHEMA_VERSION), NULL, NULL, NULL)) != SQLITE_OK)
		return dbfail(st, NULL, rc), rollback(st);
	return commit(st) < 0 ? rollback(st) : 0;
}

static const struct store_ops sqlite_ops = {
	.close = sq_close,
	.set = sq_set,
	.set_nx = sq_set_nx,
	.set_many = sq_set_many,
	.get = sq_get,
	.del = sq_del,
	.ttl = sq_ttl,
	.scan = sq_scan,
	.mget = sq_mget,
	.check_write = sq_check_write,
	.hincr = sq_hincr,
	.hgetall = sq_hgetall,
	.zadd = sq_zadd,
	.zrem = sq_zrem,
	.zrange = sq_zrange,
	.sadd = sq_sadd,
	.srem = sq_srem,
	.smembers = sq_smembers,
	.xadd = sq_xadd,
	.xrange = sq_xrange,
	.xlast = sq_xlast,
	.xread = sq_xread,
	.xlen = sq_xlen,
	.xtrim = sq_xtrim,
	.xgroup_create = sq_xgroup_create,
	.xreadgroup = sq_xreadgroup,
	.xpending_own = sq_xpending_own,
	.xack = sq_xack,
	.xclaim_idle = sq_xclaim_idle,
	.xgroups = sq_xgroups,
	.notify = sq_notify,
	.waiter_new = waiter_make,
	.waiter_wait = waiter_wait,
	.waiter_free = waiter_free,
};

int store_sqlite_open(struct attune_store *st, const struct store_url *u)
{
	struct sq *s = calloc(1, sizeof *s);
	mode_t mask;
	int rc;

	if (!s || !(s->path = strdup(u->path)))
		abort();
	s->ifd = -2;
	s->writes = (unsigned)getpid();
	st->impl = s;
	st->ops = &sqlite_ops;
	if (prepare_file(st, s) < 0) {
		sq_close(st);
		return -1;
	}
	/* SQLite gives -wal and -shm the database's mode; the umask covers what it creates first. */
	mask = umask(077);
	s->opening = 1;
	rc = init_db(st);
	s->opening = 0;
	umask(mask);
	if (rc < 0) {
		sq_close(st);
		return -1;
	}
	return 0;
}
