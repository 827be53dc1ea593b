/* store_test.c — the store conformance suite: what store.h promises, on whichever store
 * $ATTUNE_STORE names, in the namespace $ATTUNE_NAMESPACE (both set by the harness). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "store.h"

static struct attune_store *st;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, ms % 1000 * 1000000L};
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static struct attune_store *open_store(void)
{
	char err[512];
	int status;
	struct attune_store *s = attune_store_open(NULL, NULL, &status, err, sizeof err);

	if (!s) {
		fprintf(stderr, "# cannot open the store: %s (%d)\n", err, status);
		exit(1);
	}
	return s;
}

/* Run fn(store, arg) in a child with its own store handle after delay_ms; the child writes
 * what fn returns (a number) to the pipe *rfd. */
static pid_t spawn(long delay_ms, long (*fn)(struct attune_store *, void *), void *arg, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		abort();
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct attune_store *s;
		long r;
		close(p[0]);
		sleep_ms(delay_ms);
		s = open_store();
		r = fn(s, arg);
		if (write(p[1], &r, sizeof r) != sizeof r)
			_exit(2);
		attune_store_close(s);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* The child's result, after it ended. */
static long reap(pid_t pid, int fd)
{
	long r = -999;
	int status;

	if (read(fd, &r, sizeof r) != sizeof r)
		r = -999;
	close(fd);
	waitpid(pid, &status, 0);
	return r;
}

/* ---- collecting callback results ---- */

#define MAXN 4000
struct list {
	size_t n;
	char *s[MAXN];
	char *v[MAXN];
	size_t len[MAXN];
	double score[MAXN];
	char key[MAXN][64];
};

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->s[i]);
		free(l->v[i]);
	}
	l->n = 0;
}

static int add(struct list *l, const char *s, const char *v, size_t len)
{
	if (l->n == MAXN)
		return 1;
	l->s[l->n] = strdup(s);
	l->v[l->n] = v ? memcpy(malloc(len + 1), v, len + 1) : NULL;
	l->len[l->n] = len;
	l->n++;
	return 0;
}

static int key_cb(void *ctx, const char *k) { return add(ctx, k, NULL, 0); }
static int kv_cb(void *ctx, const char *k, const char *v, size_t n) { return add(ctx, k, v, n); }
static int field_cb(void *ctx, const char *f, const char *v, size_t n) { return add(ctx, f, v, n); }

static int z_cb(void *ctx, const char *m, double score)
{
	struct list *l = ctx;
	l->score[l->n] = score;
	return add(l, m, NULL, 0);
}

/* Entries: s = id, v = value of field "data", key = stream key. */
static int entry_cb(void *ctx, const char *key, const struct attune_entry *e)
{
	struct list *l = ctx;
	const char *v = NULL;
	size_t len = 0;

	for (size_t i = 0; i < e->nfields; i++)
		if (!strcmp(e->fields[i], "data"))
			v = e->values[i], len = e->lens[i];
	snprintf(l->key[l->n], sizeof l->key[0], "%s", key);
	return add(l, e->id, v, len);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sort the names and drop repeats (a Redis SCAN may return a key twice); the count left. */
static size_t distinct(struct list *l)
{
	size_t n = 0;

	qsort(l->s, l->n, sizeof *l->s, cmp_str);
	for (size_t i = 0; i < l->n; i++) {
		if (n && !strcmp(l->s[n - 1], l->s[i])) {
			free(l->s[i]);
			free(l->v[i]);
			continue;
		}
		l->s[n] = l->s[i];
		l->v[n++] = l->v[i];
	}
	return l->n = n;
}

static int has(const struct list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->s[i], s))
			return 1;
	return 0;
}

/* Compare stream ids "ms-seq". */
static int id_cmp(const char *a, const char *b)
{
	unsigned long long am, as, bm, bs;

	if (sscanf(a, "%llu-%llu", &am, &as) != 2 || sscanf(b, "%llu-%llu", &bm, &bs) != 2)
		return -2;
	return am != bm ? (am < bm ? -1 : 1) : as != bs ? (as < bs ? -1 : 1) : 0;
}

static int xadd1(struct attune_store *s, const char *key, const char *data, char id[ATTUNE_ID_MAX])
{
	const char *f[] = {"event_type", "data"}, *v[] = {"test", data};
	size_t l[] = {4, strlen(data)};
	struct attune_entry e = {"", 2, f, v, l};
	char ids[1][ATTUNE_ID_MAX];
	int rc = attune_store_xadd(s, key, 1, &e, 0, ids);

	if (id)
		strcpy(id, ids[0]);
	return rc;
}

static int sget(const char *key, char *buf, size_t size)
{
	char *v;
	size_t n;
	int rc = attune_store_get(st, key, &v, &n);

	if (rc == 1) {
		snprintf(buf, size, "%s", v);
		free(v);
	}
	return rc;
}

/* ---- string keys ---- */

TEST(set_get_del)
{
	char buf[64], *v;
	size_t n;
	long long ms;

	CHECK(attune_store_set(st, "s:a", "hello", 5, 0) == 0);
	CHECK(sget("s:a", buf, sizeof buf) == 1 && !strcmp(buf, "hello"));
	CHECK(attune_store_set(st, "s:a", "bye", 3, 0) == 0);
	CHECK(sget("s:a", buf, sizeof buf) == 1 && !strcmp(buf, "bye"));
	CHECK(attune_store_ttl(st, "s:a", &ms) == 1 && ms == -1);
	CHECK(attune_store_set(st, "s:bin", "a\0b", 3, 0) == 0);
	CHECK(attune_store_get(st, "s:bin", &v, &n) == 1 && n == 3 && !memcmp(v, "a\0b", 4));
	free(v);
	CHECK(attune_store_set(st, "s:empty", "", 0, 0) == 0);
	CHECK(attune_store_get(st, "s:empty", &v, &n) == 1 && n == 0 && v[0] == 0);
	free(v);
	CHECK(attune_store_get(st, "s:missing", &v, &n) == 0);
	CHECK(attune_store_ttl(st, "s:missing", &ms) == 0);
	CHECK(attune_store_del(st, "s:a") == 1);
	CHECK(attune_store_del(st, "s:a") == 0);
	CHECK(attune_store_get(st, "s:a", &v, &n) == 0);
	CHECK(attune_store_set(st, "s:t", "x", 1, 10000) == 0);
	CHECK(attune_store_ttl(st, "s:t", &ms) == 1 && ms > 9000 && ms <= 10000);
}

TEST(set_nx)
{
	char buf[16];

	CHECK(attune_store_set_nx(st, "nx:a", "1", 1, 0) == 1);
	CHECK(attune_store_set_nx(st, "nx:a", "2", 1, 0) == 0);
	CHECK(sget("nx:a", buf, sizeof buf) == 1 && !strcmp(buf, "1"));
	CHECK(attune_store_del(st, "nx:a") == 1);
	CHECK(attune_store_set_nx(st, "nx:a", "3", 1, 5000) == 1);
	CHECK(sget("nx:a", buf, sizeof buf) == 1 && !strcmp(buf, "3"));
}

TEST(take)
{
	long long ms = 0;
	char *v;
	size_t n;

	CHECK(attune_store_set(st, "take:a", "x", 1, 10000) == 0);
	CHECK(attune_store_set(st, "take:b", "y", 1, 0) == 0);
	CHECK(attune_store_take(st, "take:a", &ms) == 1 && ms > 9000 && ms <= 10000);
	CHECK(attune_store_get(st, "take:a", &v, &n) == 0);
	CHECK(attune_store_take(st, "take:a", &ms) == 0);
	CHECK(attune_store_take(st, "take:b", &ms) == 1 && ms == -1);
	CHECK(attune_store_take(st, "take:missing", &ms) == 0);
}

TEST(set_many)
{
	const char *keys[] = {"many:a", "many:b", "many:c"}, *vals[] = {"A", "BB", "CCC"};
	size_t lens[] = {1, 2, 3};
	long long ttl[] = {0, 10000, 20000}, ms;
	char buf[16];

	CHECK(attune_store_set_many(st, 3, keys, vals, lens, ttl) == 0);
	CHECK(sget("many:a", buf, sizeof buf) == 1 && !strcmp(buf, "A"));
	CHECK(sget("many:b", buf, sizeof buf) == 1 && !strcmp(buf, "BB"));
	CHECK(sget("many:c", buf, sizeof buf) == 1 && !strcmp(buf, "CCC"));
	CHECK(attune_store_ttl(st, "many:a", &ms) == 1 && ms == -1);
	CHECK(attune_store_ttl(st, "many:b", &ms) == 1 && ms > 9000 && ms <= 10000);
	CHECK(attune_store_ttl(st, "many:c", &ms) == 1 && ms > 19000 && ms <= 20000);
}

TEST(ttl_expiry)
{
	const char *keys[] = {"exp:a", "exp:b", "exp:live"};
	struct list l = {0};
	char *v;
	size_t n;
	long long ms;

	CHECK(attune_store_set(st, "exp:a", "1", 1, 200) == 0);
	CHECK(attune_store_set_nx(st, "exp:b", "1", 1, 200) == 1);
	CHECK(attune_store_set(st, "exp:live", "1", 1, 0) == 0);
	CHECK(attune_store_get(st, "exp:a", &v, &n) == 1);
	free(v);
	sleep_ms(350);
	CHECK(attune_store_get(st, "exp:a", &v, &n) == 0);
	CHECK(attune_store_ttl(st, "exp:b", &ms) == 0);
	CHECK(attune_store_scan(st, "exp:", key_cb, &l) == 0);
	CHECK(distinct(&l) == 1 && has(&l, "exp:live"));
	list_free(&l);
	CHECK(attune_store_mget(st, 3, keys, kv_cb, &l) == 0);
	CHECK(l.n == 3 && !l.v[0] && !l.v[1] && l.v[2]);
	list_free(&l);
	CHECK(attune_store_del(st, "exp:a") == 0);
	CHECK(attune_store_set_nx(st, "exp:b", "2", 1, 0) == 1);
}

TEST(scan_literal_prefix)
{
	const char *keys[] = {"sc:a*b:1", "sc:a*b:2", "sc:aXb:1", "sc:a?c:1", "sc:abc:1", "sc:a[b]:1",
	                      "sc:ab:1",  "sc:a*b",   "sc:a\\*b:1", "sc:a*c:1", "sc:b*:1", "sc:a%b_:1"};
	struct list l = {0};

	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		CHECK(attune_store_set(st, keys[i], "v", 1, 60000) == 0);
	CHECK(attune_store_scan(st, "sc:a*b:", key_cb, &l) == 0);
	CHECK(distinct(&l) == 2 && has(&l, "sc:a*b:1") && has(&l, "sc:a*b:2"));
	list_free(&l);
	CHECK(attune_store_scan(st, "sc:a*b", key_cb, &l) == 0);
	CHECK(distinct(&l) == 3 && has(&l, "sc:a*b"));
	list_free(&l);
	CHECK(attune_store_scan(st, "sc:a?", key_cb, &l) == 0);
	CHECK(distinct(&l) == 1 && has(&l, "sc:a?c:1"));
	list_free(&l);
	CHECK(attune_store_scan(st, "sc:a[b]", key_cb, &l) == 0);
	CHECK(distinct(&l) == 1 && has(&l, "sc:a[b]:1"));
	list_free(&l);
	CHECK(attune_store_scan(st, "sc:a\\", key_cb, &l) == 0);
	CHECK(distinct(&l) == 1 && has(&l, "sc:a\\*b:1"));
	list_free(&l);
	CHECK(attune_store_scan(st, "sc:a%", key_cb, &l) == 0);
	CHECK(distinct(&l) == 1 && has(&l, "sc:a%b_:1"));
	list_free(&l);
	CHECK(attune_store_scan(st, "sc:nothing", key_cb, &l) == 0);
	CHECK(l.n == 0);
	CHECK(attune_store_scan(st, "sc:", key_cb, &l) == 0);
	CHECK(distinct(&l) == sizeof keys / sizeof *keys);
	list_free(&l);
	/* Keys of every kind are scanned. */
	CHECK(attune_store_hincr(st, "sk:h", "f", 1, NULL) == 0);
	CHECK(attune_store_sadd(st, "sk:s", "m") == 1);
	CHECK(attune_store_zadd(st, "sk:z", "m", 1) >= 0);
	CHECK(xadd1(st, "sk:x", "d", NULL) >= 0);
	CHECK(attune_store_scan(st, "sk:", key_cb, &l) == 0);
	CHECK(distinct(&l) == 4 && has(&l, "sk:h") && has(&l, "sk:s") && has(&l, "sk:z") && has(&l, "sk:x"));
	list_free(&l);
}

static int stop_cb(void *ctx, const char *k)
{
	(void)k;
	return ++*(int *)ctx == 2 ? 7 : 0;
}

/* A callback may call the store: delete what is scanned. */
static int del_cb(void *ctx, const char *k)
{
	char buf[32];
	++*(int *)ctx;
	return sget(k, buf, sizeof buf) == 1 && attune_store_del(st, k) == 1 ? 0 : 1;
}

TEST(scan_callbacks)
{
	int n = 0;

	for (int i = 0; i < 5; i++) {
		char k[32];
		snprintf(k, sizeof k, "cbk:%d", i);
		CHECK(attune_store_set(st, k, "v", 1, 60000) == 0);
	}
	CHECK(attune_store_scan(st, "cbk:", stop_cb, &n) == 7 && n == 2);
	n = 0;
	CHECK(attune_store_scan(st, "cbk:", del_cb, &n) == 0 && n == 5);
	n = 0;
	CHECK(attune_store_scan(st, "cbk:", stop_cb, &n) == 0 && n == 0);
}

TEST(mget_many)
{
	enum { N = 1500 };
	static char kb[N][32], vb[N][32];
	const char *keys[N], *set_keys[N], *set_vals[N];
	size_t lens[N], m = 0;
	struct list l = {0};
	int ok = 1;

	for (int i = 0; i < N; i++) {
		snprintf(kb[i], sizeof kb[i], "mg:%05d", i);
		snprintf(vb[i], sizeof vb[i], "value-%d", i);
		keys[i] = kb[i];
		if (i % 6 != 5) {
			set_keys[m] = kb[i];
			set_vals[m] = vb[i];
			lens[m++] = strlen(vb[i]);
		}
	}
	CHECK(attune_store_set_many(st, m, set_keys, set_vals, lens, NULL) == 0);
	CHECK(attune_store_mget(st, N, keys, kv_cb, &l) == 0);
	CHECK(l.n == N);
	for (int i = 0; i < N && i < (int)l.n; i++) {
		if (strcmp(l.s[i], kb[i]))
			ok = 0;
		if (i % 6 == 5 ? l.v[i] != NULL : !l.v[i] || strcmp(l.v[i], vb[i]) || l.len[i] != strlen(vb[i]))
			ok = 0;
	}
	CHECK(ok);
	list_free(&l);
	CHECK(attune_store_scan(st, "mg:", key_cb, &l) == 0);
	CHECK(distinct(&l) == m);
	list_free(&l);
}

TEST(check_write)
{
	char buf[32];

	/* Guard exists: nothing written. */
	CHECK(attune_store_set(st, "cw:guard1", "g", 1, 0) == 0);
	CHECK(attune_store_set(st, "cw:check1", "pending", 7, 0) == 0);
	CHECK(attune_store_check_write(st, "cw:guard1", "G", 1, 0, "cw:check1", "pending", 7, "done", 4, 0) == 0);
	CHECK(sget("cw:guard1", buf, sizeof buf) == 1 && !strcmp(buf, "g"));
	CHECK(sget("cw:check1", buf, sizeof buf) == 1 && !strcmp(buf, "pending"));
	/* Check differs (or is missing): nothing written. */
	CHECK(attune_store_check_write(st, "cw:guard2", "G", 1, 0, "cw:check1", "other", 5, "done", 4, 0) == 2);
	CHECK(attune_store_check_write(st, "cw:guard2", "G", 1, 0, "cw:nocheck", "pending", 7, "done", 4, 0) == 2);
	CHECK(sget("cw:guard2", buf, sizeof buf) == 0);
	CHECK(sget("cw:check1", buf, sizeof buf) == 1 && !strcmp(buf, "pending"));
	/* Both as expected: both written, with their TTLs. */
	CHECK(attune_store_check_write(st, "cw:guard2", "G", 1, 5000, "cw:check1", "pending", 7, "done", 4, 0) == 1);
	CHECK(sget("cw:guard2", buf, sizeof buf) == 1 && !strcmp(buf, "G"));
	CHECK(sget("cw:check1", buf, sizeof buf) == 1 && !strcmp(buf, "done"));
	{
		long long ms;
		CHECK(attune_store_ttl(st, "cw:guard2", &ms) == 1 && ms > 4000 && ms <= 5000);
		CHECK(attune_store_ttl(st, "cw:check1", &ms) == 1 && ms == -1);
	}
	/* The same again: the guard now exists. */
	CHECK(attune_store_check_write(st, "cw:guard2", "H", 1, 0, "cw:check1", "done", 4, "again", 5, 0) == 0);
	/* No guard value: only check is written. */
	CHECK(attune_store_check_write(st, "cw:guard3", NULL, 0, 0, "cw:check1", "done", 4, "x", 1, 0) == 1);
	CHECK(sget("cw:guard3", buf, sizeof buf) == 0);
	CHECK(sget("cw:check1", buf, sizeof buf) == 1 && !strcmp(buf, "x"));
}

/* ---- hashes, sorted sets, sets ---- */

TEST(hash_counters)
{
	struct list l = {0};
	long long r;

	CHECK(attune_store_hincr(st, "h:1", "good", 1, &r) == 0 && r == 1);
	CHECK(attune_store_hincr(st, "h:1", "good", 5, &r) == 0 && r == 6);
	CHECK(attune_store_hincr(st, "h:1", "bad", -2, &r) == 0 && r == -2);
	CHECK(attune_store_hincr(st, "h:1", "bad", 0, NULL) == 0);
	CHECK(attune_store_hgetall(st, "h:1", field_cb, &l) == 0);
	CHECK(l.n == 2);
	for (size_t i = 0; i < l.n; i++) {
		if (!strcmp(l.s[i], "good"))
			CHECK(!strcmp(l.v[i], "6") && l.len[i] == 1);
		else
			CHECK(!strcmp(l.s[i], "bad") && !strcmp(l.v[i], "-2"));
	}
	list_free(&l);
	CHECK(attune_store_hgetall(st, "h:none", field_cb, &l) == 0 && l.n == 0);
}

TEST(sorted_set)
{
	struct list l = {0};
	long long ms;

	CHECK(attune_store_zadd(st, "z:1", "c", 3) >= 0);
	CHECK(attune_store_zadd(st, "z:1", "a", 1) >= 0);
	CHECK(attune_store_zadd(st, "z:1", "b", 2) >= 0);
	CHECK(attune_store_zadd(st, "z:1", "a", 4.5) >= 0);
	CHECK(attune_store_zrange(st, "z:1", z_cb, &l) == 0);
	CHECK(l.n == 3 && !strcmp(l.s[0], "b") && !strcmp(l.s[1], "c") && !strcmp(l.s[2], "a"));
	CHECK(l.n == 3 && l.score[0] == 2 && l.score[1] == 3 && l.score[2] == 4.5);
	list_free(&l);
	CHECK(attune_store_zrem(st, "z:1", "b") == 1);
	CHECK(attune_store_zrem(st, "z:1", "b") == 0);
	CHECK(attune_store_zrem(st, "z:none", "b") == 0);
	CHECK(attune_store_zrange(st, "z:1", z_cb, &l) == 0);
	CHECK(l.n == 2 && !strcmp(l.s[0], "c"));
	list_free(&l);
	CHECK(attune_store_zrem(st, "z:1", "c") == 1 && attune_store_zrem(st, "z:1", "a") == 1);
	CHECK(attune_store_ttl(st, "z:1", &ms) == 0); /* an emptied key is gone */
	CHECK(attune_store_zrange(st, "z:1", z_cb, &l) == 0 && l.n == 0);
}

TEST(set)
{
	struct list l = {0};
	long long ms;

	CHECK(attune_store_sadd(st, "set:1", "x") == 1);
	CHECK(attune_store_sadd(st, "set:1", "x") == 0);
	CHECK(attune_store_sadd(st, "set:1", "y*") == 1);
	CHECK(attune_store_smembers(st, "set:1", key_cb, &l) == 0);
	CHECK(l.n == 2 && has(&l, "x") && has(&l, "y*"));
	list_free(&l);
	CHECK(attune_store_srem(st, "set:1", "x") == 1);
	CHECK(attune_store_srem(st, "set:1", "x") == 0);
	CHECK(attune_store_srem(st, "set:none", "x") == 0);
	CHECK(attune_store_smembers(st, "set:1", key_cb, &l) == 0 && l.n == 1);
	list_free(&l);
	CHECK(attune_store_srem(st, "set:1", "y*") == 1);
	CHECK(attune_store_ttl(st, "set:1", &ms) == 0);
}

/* ---- streams ---- */

TEST(xadd_xrange)
{
	const char *f[] = {"event_type", "data", "source"}, *v1[] = {"t", "one", "s"}, *v2[] = {"t", "two", "s"},
	           *v3[] = {"t", "th\0ree", "s"};
	size_t l1[] = {1, 3, 1}, l2[] = {1, 3, 1}, l3[] = {1, 6, 1};
	struct attune_entry e[3] = {{"", 3, f, v1, l1}, {"", 3, f, v2, l2}, {"", 3, f, v3, l3}};
	char ids[3][ATTUNE_ID_MAX], id4[ATTUNE_ID_MAX], last[ATTUNE_ID_MAX];
	struct list l = {0};

	CHECK(attune_store_xadd(st, "x:1", 3, e, 0, ids) >= 0);
	CHECK(id_cmp(ids[0], ids[1]) < 0 && id_cmp(ids[1], ids[2]) < 0);
	CHECK(xadd1(st, "x:1", "four", id4) >= 0);
	CHECK(id_cmp(ids[2], id4) < 0);
	CHECK(attune_store_xlen(st, "x:1") == 4);
	CHECK(attune_store_xlen(st, "x:none") == 0);
	CHECK(attune_store_xrange(st, "x:1", "-", "+", 0, 0, entry_cb, &l) >= 0);
	CHECK(l.n == 4 && !strcmp(l.s[0], ids[0]) && !strcmp(l.s[3], id4));
	CHECK(l.n == 4 && !strcmp(l.v[0], "one") && l.len[2] == 6 && !memcmp(l.v[2], "th\0ree", 6));
	CHECK(l.n == 4 && !strcmp(l.key[0], "x:1"));
	list_free(&l);
	CHECK(attune_store_xrange(st, "x:1", "-", "+", 2, 0, entry_cb, &l) >= 0);
	CHECK(l.n == 2 && !strcmp(l.s[1], ids[1]));
	list_free(&l);
	CHECK(attune_store_xrange(st, "x:1", "-", "+", 1, 1, entry_cb, &l) >= 0);
	CHECK(l.n == 1 && !strcmp(l.s[0], id4));
	list_free(&l);
	CHECK(attune_store_xrange(st, "x:1", ids[1], ids[2], 0, 0, entry_cb, &l) >= 0);
	CHECK(l.n == 2 && !strcmp(l.s[0], ids[1]) && !strcmp(l.s[1], ids[2]));
	list_free(&l);
	CHECK(attune_store_xrange(st, "x:1", ids[1], "+", 0, 1, entry_cb, &l) >= 0);
	CHECK(l.n == 3 && !strcmp(l.s[0], id4) && !strcmp(l.s[2], ids[1]));
	list_free(&l);
	CHECK(attune_store_xrange(st, "x:none", "-", "+", 0, 0, entry_cb, &l) >= 0 && l.n == 0);
	CHECK(attune_store_xlast(st, "x:1", last) == 1 && !strcmp(last, id4));
	CHECK(attune_store_xlast(st, "x:none", last) == 0 && !strcmp(last, "0-0"));
}

/* More entries than one page of any backend's internal batching. */
static int increasing(const struct list *l, int rev)
{
	for (size_t i = 1; i < l->n; i++)
		if (id_cmp(l->s[i - 1], l->s[i]) != (rev ? 1 : -1))
			return 0;
	return 1;
}

TEST(big_stream)
{
	enum { N = 2100 };
	static struct attune_entry e[N];
	static char ids[N][ATTUNE_ID_MAX];
	const char *f[] = {"data"}, *v[] = {"d"}, *keys[] = {"xbig:1"}, *from[] = {"0"};
	size_t len[] = {1};
	struct list l = {0};

	for (int i = 0; i < N; i++)
		e[i] = (struct attune_entry){"", 1, f, v, len};
	CHECK(attune_store_xadd(st, "xbig:1", N, e, 0, ids) >= 0);
	CHECK(attune_store_xlen(st, "xbig:1") == N);
	CHECK(attune_store_xrange(st, "xbig:1", "-", "+", 0, 0, entry_cb, &l) >= 0);
	CHECK(l.n == N && increasing(&l, 0) && !strcmp(l.s[0], ids[0]) && !strcmp(l.s[N - 1], ids[N - 1]));
	list_free(&l);
	CHECK(attune_store_xrange(st, "xbig:1", "-", "+", 0, 1, entry_cb, &l) >= 0);
	CHECK(l.n == N && increasing(&l, 1) && !strcmp(l.s[0], ids[N - 1]));
	list_free(&l);
	CHECK(attune_store_xrange(st, "xbig:1", "-", "+", 1500, 0, entry_cb, &l) >= 0 && l.n == 1500);
	list_free(&l);
	CHECK(attune_store_xread(st, 1, keys, from, 0, 0, entry_cb, &l) == N && increasing(&l, 0));
	list_free(&l);
	CHECK(attune_store_xgroup_create(st, "xbig:1", "g", "0") == 1);
	CHECK(attune_store_xreadgroup(st, "g", "c", 1, keys, 0, 0, entry_cb, &l) == N && increasing(&l, 0));
	list_free(&l);
	CHECK(attune_store_xpending_own(st, "xbig:1", "g", "c", 0, entry_cb, &l) >= 0 && l.n == N && increasing(&l, 0));
	list_free(&l);
}

TEST(xread)
{
	char a[ATTUNE_ID_MAX], b[ATTUNE_ID_MAX], c[ATTUNE_ID_MAX];
	const char *keys[] = {"xr:1", "xr:2"}, *ids[2];
	struct list l = {0};

	CHECK(xadd1(st, "xr:1", "a", a) >= 0);
	CHECK(xadd1(st, "xr:1", "b", b) >= 0);
	CHECK(xadd1(st, "xr:2", "c", c) >= 0);
	ids[0] = a;
	ids[1] = "0";
	CHECK(attune_store_xread(st, 2, keys, ids, 0, 0, entry_cb, &l) == 2);
	CHECK(l.n == 2 && !strcmp(l.s[0], b) && !strcmp(l.key[0], "xr:1") && !strcmp(l.s[1], c) &&
	      !strcmp(l.key[1], "xr:2") && !strcmp(l.v[1], "c"));
	list_free(&l);
	ids[0] = "0-0";
	CHECK(attune_store_xread(st, 1, keys, ids, 1, 0, entry_cb, &l) == 1 && l.n == 1 && !strcmp(l.s[0], a));
	list_free(&l);
	ids[0] = b;
	ids[1] = c;
	CHECK(attune_store_xread(st, 2, keys, ids, 0, 0, entry_cb, &l) == 0 && l.n == 0);
	ids[0] = "$";
	CHECK(attune_store_xread(st, 1, keys, ids, 0, 0, entry_cb, &l) == 0);
	keys[0] = "xr:none";
	ids[0] = "0";
	CHECK(attune_store_xread(st, 1, keys, ids, 0, 0, entry_cb, &l) == 0 && l.n == 0);
}

static long child_xadd(struct attune_store *s, void *key)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return xadd1(s, key, "late", NULL) < 0 ? -1 : t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

TEST(xread_blocking)
{
	const char *keys[] = {"xb:1"}, *ids[] = {"$"};
	struct list l = {0};
	double t0 = now(), dt;
	int fd;
	pid_t pid;

	CHECK(xadd1(st, "xb:1", "early", NULL) >= 0);
	CHECK(attune_store_xread(st, 1, keys, ids, 0, 200, entry_cb, &l) == 0 && l.n == 0);
	dt = now() - t0;
	CHECK(dt > 0.15 && dt < 0.6);
	pid = spawn(100, child_xadd, "xb:1", &fd);
	t0 = now();
	CHECK(attune_store_xread(st, 1, keys, ids, 0, 1000, entry_cb, &l) == 1);
	dt = now() - t0;
	CHECK(reap(pid, fd) > 0);
	CHECK(l.n == 1 && !strcmp(l.v[0], "late"));
	CHECK(dt > 0.05 && dt < 0.6);
	list_free(&l);
}

TEST(xtrim_maxlen)
{
	const char *f[] = {"data"}, *v[] = {"x"};
	size_t len[] = {1};
	struct attune_entry e[20];
	struct list l = {0};
	long long n;

	for (int i = 0; i < 20; i++)
		e[i] = (struct attune_entry){"", 1, f, v, len};
	CHECK(attune_store_xadd(st, "xt:1", 10, e, 0, NULL) >= 0);
	n = attune_store_xtrim(st, "xt:1", 3);
	CHECK(n >= 0 && attune_store_xlen(st, "xt:1") == 10 - n);
	if (!attune_store_is_redis(st)) {
		CHECK(n == 7 && attune_store_xlen(st, "xt:1") == 3);
		CHECK(attune_store_xrange(st, "xt:1", "-", "+", 0, 0, entry_cb, &l) >= 0 && l.n == 3);
		list_free(&l);
	}
	CHECK(attune_store_xtrim(st, "xt:none", 3) == 0);
	CHECK(attune_store_xadd(st, "xt:2", 20, e, 5, NULL) >= 0);
	CHECK(attune_store_xlen(st, "xt:2") >= 5);
	if (!attune_store_is_redis(st))
		CHECK(attune_store_xlen(st, "xt:2") == 5);
}

struct groups {
	int n;
	char name[4][32], last[4][ATTUNE_ID_MAX];
	long long consumers[4], pending[4], lag[4];
};

static int group_cb(void *ctx, const struct attune_group_info *g)
{
	struct groups *gs = ctx;
	if (gs->n == 4)
		return 1;
	snprintf(gs->name[gs->n], sizeof gs->name[0], "%s", g->name);
	snprintf(gs->last[gs->n], sizeof gs->last[0], "%s", g->last_delivered);
	gs->consumers[gs->n] = g->consumers;
	gs->pending[gs->n] = g->pending;
	gs->lag[gs->n] = g->lag;
	gs->n++;
	return 0;
}

TEST(consumer_groups)
{
	char id[5][ATTUNE_ID_MAX], last[ATTUNE_ID_MAX];
	const char *keys[] = {"xg:1"};
	struct list l = {0};
	struct groups gs = {0};

	for (int i = 0; i < 5; i++)
		CHECK(xadd1(st, "xg:1", "e", id[i]) >= 0);
	CHECK(attune_store_xgroup_create(st, "xg:1", "g", "0") == 1);
	CHECK(attune_store_xgroup_create(st, "xg:1", "g", "0") == 0);
	CHECK(attune_store_xgroup_create(st, "xg:1", "late", "$") == 1);
	CHECK(attune_store_xreadgroup(st, "g", "c1", 1, keys, 2, 0, entry_cb, &l) == 2);
	CHECK(l.n == 2 && !strcmp(l.s[0], id[0]) && !strcmp(l.s[1], id[1]) && !strcmp(l.key[0], "xg:1"));
	list_free(&l);
	CHECK(attune_store_xpending_own(st, "xg:1", "g", "c1", 0, entry_cb, &l) >= 0);
	CHECK(l.n == 2 && !strcmp(l.s[0], id[0]) && !strcmp(l.v[0], "e"));
	list_free(&l);
	CHECK(attune_store_xack(st, "xg:1", "g", 1, (const char *[]){id[0]}) == 1);
	CHECK(attune_store_xack(st, "xg:1", "g", 1, (const char *[]){id[0]}) == 0);
	CHECK(attune_store_xpending_own(st, "xg:1", "g", "c1", 0, entry_cb, &l) >= 0);
	CHECK(l.n == 1 && !strcmp(l.s[0], id[1]));
	list_free(&l);
	CHECK(attune_store_xpending_own(st, "xg:1", "g", "c2", 0, entry_cb, &l) >= 0 && l.n == 0);
	CHECK(attune_store_xreadgroup(st, "g", "c2", 1, keys, 0, 0, entry_cb, &l) == 3);
	CHECK(l.n == 3 && !strcmp(l.s[0], id[2]) && !strcmp(l.s[2], id[4]));
	list_free(&l);
	CHECK(attune_store_xreadgroup(st, "g", "c2", 1, keys, 0, 0, entry_cb, &l) == 0);
	CHECK(attune_store_xgroups(st, "xg:1", group_cb, &gs) == 0);
	CHECK(gs.n == 2 && !strcmp(gs.name[0], "g") && !strcmp(gs.name[1], "late"));
	CHECK(gs.consumers[0] == 2 && gs.pending[0] == 4 && !strcmp(gs.last[0], id[4]));
	CHECK(gs.lag[0] == 0 || gs.lag[0] == -1);
	CHECK(gs.consumers[1] == 0 && gs.pending[1] == 0 && !strcmp(gs.last[1], id[4]));
	/* Nothing is idle for 150 ms yet; then all four are, and c3 takes them. */
	CHECK(attune_store_xclaim_idle(st, "xg:1", "g", "c3", 150, 10, entry_cb, &l) == 0 && l.n == 0);
	sleep_ms(200);
	CHECK(attune_store_xclaim_idle(st, "xg:1", "g", "c3", 150, 3, entry_cb, &l) == 3);
	CHECK(l.n == 3 && !strcmp(l.s[0], id[1]) && !strcmp(l.s[2], id[3]));
	list_free(&l);
	CHECK(attune_store_xclaim_idle(st, "xg:1", "g", "c3", 150, 10, entry_cb, &l) == 1);
	CHECK(l.n == 1 && !strcmp(l.s[0], id[4]));
	list_free(&l);
	CHECK(attune_store_xpending_own(st, "xg:1", "g", "c3", 0, entry_cb, &l) >= 0 && l.n == 4);
	list_free(&l);
	CHECK(attune_store_xpending_own(st, "xg:1", "g", "c3", 2, entry_cb, &l) >= 0 && l.n == 2);
	list_free(&l);
	CHECK(attune_store_xpending_own(st, "xg:1", "g", "c1", 0, entry_cb, &l) >= 0 && l.n == 0);
	/* Many at once: each pending id counts once; acknowledged, repeated or unknown ids do not. */
	CHECK(attune_store_xack(st, "xg:1", "g", 0, NULL) == 0);
	CHECK(attune_store_xack(st, "xg:1", "g", 5, (const char *[]){id[0], id[1], id[2], id[1], "1-1"}) == 2);
	CHECK(attune_store_xpending_own(st, "xg:1", "g", "c3", 0, entry_cb, &l) >= 0);
	CHECK(l.n == 2 && !strcmp(l.s[0], id[3]) && !strcmp(l.s[1], id[4]));
	list_free(&l);
	CHECK(attune_store_xack(st, "xg:1", "g", 3, (const char *[]){id[2], id[3], id[4]}) == 2);
	CHECK(attune_store_xack(st, "xg:1", "g", 2, (const char *[]){id[3], id[4]}) == 0);
	CHECK(attune_store_xack(st, "xg:1", "late", 2, (const char *[]){id[3], id[4]}) == 0);
	CHECK(attune_store_xack(st, "xg:none", "g", 2, (const char *[]){id[3], id[4]}) == 0);
	memset(&gs, 0, sizeof gs);
	CHECK(attune_store_xgroups(st, "xg:1", group_cb, &gs) == 0 && gs.n == 2 && gs.pending[0] == 0);
	/* Lag counts entries after the last delivered one. */
	CHECK(xadd1(st, "xg:1", "f", NULL) >= 0 && xadd1(st, "xg:1", "f", NULL) >= 0);
	memset(&gs, 0, sizeof gs);
	CHECK(attune_store_xgroups(st, "xg:1", group_cb, &gs) == 0);
	CHECK(gs.n == 2 && (gs.lag[0] == 2 || gs.lag[0] == -1) && gs.consumers[0] == 3);
	/* A group on a missing stream creates the stream. */
	CHECK(attune_store_xgroup_create(st, "xg:new", "g", "$") == 1);
	CHECK(attune_store_xlast(st, "xg:new", last) == 1 && attune_store_xlen(st, "xg:new") == 0);
	memset(&gs, 0, sizeof gs);
	CHECK(attune_store_xgroups(st, "xg:none", group_cb, &gs) == 0 && gs.n == 0);
}

TEST(xreadgroup_blocking)
{
	const char *keys[] = {"xgb:1"};
	struct list l = {0};
	double t0, dt;
	int fd;
	pid_t pid;

	CHECK(attune_store_xgroup_create(st, "xgb:1", "g", "$") == 1);
	pid = spawn(100, child_xadd, "xgb:1", &fd);
	t0 = now();
	CHECK(attune_store_xreadgroup(st, "g", "c", 1, keys, 10, 1000, entry_cb, &l) == 1);
	dt = now() - t0;
	CHECK(reap(pid, fd) > 0);
	CHECK(l.n == 1 && !strcmp(l.v[0], "late"));
	CHECK(dt > 0.05 && dt < 0.6);
	list_free(&l);
}

TEST(del_every_kind)
{
	const char *keys[] = {"dk:str", "dk:hash", "dk:zset", "dk:set", "dk:stream"};
	struct list l = {0};
	long long ms;

	CHECK(attune_store_set(st, "dk:str", "v", 1, 0) == 0);
	CHECK(attune_store_hincr(st, "dk:hash", "f", 1, NULL) == 0);
	CHECK(attune_store_zadd(st, "dk:zset", "m", 1) >= 0);
	CHECK(attune_store_sadd(st, "dk:set", "m") == 1);
	CHECK(xadd1(st, "dk:stream", "d", NULL) >= 0);
	CHECK(attune_store_xgroup_create(st, "dk:stream", "g", "0") == 1);
	for (int i = 0; i < 5; i++) {
		CHECK(attune_store_ttl(st, keys[i], &ms) == 1 && ms == -1);
		CHECK(attune_store_del(st, keys[i]) == 1);
		CHECK(attune_store_del(st, keys[i]) == 0);
		CHECK(attune_store_ttl(st, keys[i], &ms) == 0);
	}
	CHECK(attune_store_hgetall(st, "dk:hash", field_cb, &l) == 0 && l.n == 0);
	CHECK(attune_store_smembers(st, "dk:set", key_cb, &l) == 0 && l.n == 0);
	CHECK(attune_store_zrange(st, "dk:zset", z_cb, &l) == 0 && l.n == 0);
	CHECK(attune_store_xlen(st, "dk:stream") == 0);
	/* A deleted stream starts afresh: its groups are gone too. */
	CHECK(attune_store_xgroup_create(st, "dk:stream", "g", "0") == 1);
	/* Deleted hash counters start again at zero. */
	CHECK(attune_store_hincr(st, "dk:hash", "f", 1, &ms) == 0 && ms == 1);
	CHECK(attune_store_scan(st, "dk:", key_cb, &l) == 0 && distinct(&l) == 2);
	list_free(&l);
}

/* A key holds one kind of value: SET replaces any kind, SET NX sees any kind. */
TEST(one_kind_per_key)
{
	struct list l = {0};
	char buf[16];

	CHECK(attune_store_hincr(st, "kind:1", "f", 1, NULL) == 0);
	CHECK(attune_store_set_nx(st, "kind:1", "s", 1, 0) == 0);
	CHECK(attune_store_set(st, "kind:1", "s", 1, 0) == 0);
	CHECK(sget("kind:1", buf, sizeof buf) == 1 && !strcmp(buf, "s"));
	CHECK(xadd1(st, "kind:2", "d", NULL) >= 0);
	CHECK(attune_store_set(st, "kind:2", "t", 1, 0) == 0);
	CHECK(sget("kind:2", buf, sizeof buf) == 1 && !strcmp(buf, "t"));
	CHECK(attune_store_scan(st, "kind:", key_cb, &l) == 0 && distinct(&l) == 2);
	list_free(&l);
	CHECK(attune_store_del(st, "kind:1") == 1);
	CHECK(attune_store_hincr(st, "kind:1", "f", 1, NULL) == 0);
	CHECK(attune_store_hgetall(st, "kind:1", field_cb, &l) == 0 && l.n == 1 && !strcmp(l.v[0], "1"));
	list_free(&l);
}

/* ---- wake-ups ---- */

/* The time just before the notify, in microseconds. */
static long child_notify(struct attune_store *s, void *target)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return attune_store_notify(s, target) < 0 ? -1 : t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

TEST(notify_latency)
{
	const char *targets[] = {"agent-1", "other"};
	double lat[5];

	for (int i = 0; i < 5; i++) {
		struct attune_waiter *w = attune_waiter_new(st, 2, targets);
		double t0, woke;
		long sent;
		int fd, rc;
		pid_t pid;

		CHECK(w != NULL);
		if (!w)
			return;
		t0 = now();
		pid = spawn(100, child_notify, "agent-1", &fd);
		/* Spurious wake-ups are allowed: one before the child could have notified is one. */
		do
			rc = attune_waiter_wait(w, 2000);
		while (rc == 1 && now() - t0 < 0.09);
		woke = now();
		sent = reap(pid, fd);
		CHECK(rc == 1 && sent > 0);
		lat[i] = woke - sent / 1e6;
		attune_waiter_free(w);
	}
	qsort(lat, 5, sizeof *lat, cmp_double);
	printf("# wake latency median %.2f ms (max %.2f ms)\n", lat[2] * 1000, lat[4] * 1000);
	CHECK(lat[2] < 0.05);
}

TEST(notify_not_missed)
{
	const char *targets[] = {"agent-2"};
	struct attune_waiter *w = attune_waiter_new(st, 1, targets);
	double t0;

	CHECK(w != NULL);
	if (!w)
		return;
	CHECK(attune_store_notify(st, "agent-2") >= 0);
	t0 = now();
	CHECK(attune_waiter_wait(w, 1000) == 1);
	CHECK(now() - t0 < 0.05);
	/* Nothing new: times out in about the time asked. */
	t0 = now();
	CHECK(attune_waiter_wait(w, 200) == 0);
	CHECK(now() - t0 > 0.15 && now() - t0 < 0.6);
	t0 = now();
	CHECK(attune_waiter_wait(w, 0) == 0);
	CHECK(now() - t0 < 0.1);
	attune_waiter_free(w);
}

static void on_usr1(int sig) { attune_interrupted = sig; }

static long child_kill(struct attune_store *s, void *arg)
{
	(void)s;
	return kill(*(pid_t *)arg, SIGUSR1);
}

TEST(interrupted)
{
	const char *targets[] = {"agent-3"}, *keys[] = {"int:1"}, *ids[] = {"$"};
	struct sigaction sa = {0}, old;
	struct attune_waiter *w = attune_waiter_new(st, 1, targets);
	struct list l = {0};
	pid_t self = getpid(), pid;
	double t0;
	int fd;

	CHECK(w != NULL);
	if (!w)
		return;
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, &old);
	pid = spawn(100, child_kill, &self, &fd);
	t0 = now();
	CHECK(attune_waiter_wait(w, -1) == -2);
	CHECK(now() - t0 < 0.6);
	reap(pid, fd);
	/* store.h bounds a blocking read by block_ms; the embedded store also looks at the flag. */
	t0 = now();
	CHECK(attune_store_xread(st, 1, keys, ids, 0, 1000, entry_cb, &l) == 0);
	CHECK(now() - t0 < (attune_store_is_redis(st) ? 1.3 : 0.3));
	attune_interrupted = 0;
	sigaction(SIGUSR1, &old, NULL);
	attune_waiter_free(w);
}

/* ---- concurrency ---- */

static long child_claim(struct attune_store *s, void *arg)
{
	long n = 0;
	int del = *(int *)arg;

	for (int i = 0; i < 200; i++) {
		char k[32];
		int rc;
		snprintf(k, sizeof k, "claim:%03d", i);
		rc = del ? attune_store_del(s, k) : attune_store_set_nx(s, k, "mine", 4, 60000);
		if (rc < 0)
			return -1000;
		n += rc;
	}
	return n;
}

TEST(concurrent_claims)
{
	for (int del = 0; del < 2; del++) {
		pid_t pid[4];
		int fd[4];
		long total = 0;

		for (int i = 0; i < 4; i++)
			pid[i] = spawn(0, child_claim, &del, &fd[i]);
		for (int i = 0; i < 4; i++)
			total += reap(pid[i], fd[i]);
		CHECK(total == 200);
	}
}

static int count_cb(void *ctx, const char *key, const struct attune_entry *e)
{
	(void)key;
	(void)e;
	++*(long *)ctx;
	return 0;
}

static long child_group_read(struct attune_store *s, void *arg)
{
	const char *keys[] = {"conc:x"};
	long n = 0;
	int rc;

	(void)arg;
	while ((rc = attune_store_xreadgroup(s, "g", "c", 1, keys, 7, 0, count_cb, &n)) > 0)
		;
	return rc < 0 ? -1000 : n;
}

/* Competing consumers of one group: every entry is delivered once. */
TEST(concurrent_group_reads)
{
	const char *f[] = {"data"}, *v[] = {"d"};
	size_t len[] = {1};
	static struct attune_entry e[400];
	struct groups gs = {0};
	pid_t pid[4];
	int fd[4];
	long total = 0;

	for (int i = 0; i < 400; i++)
		e[i] = (struct attune_entry){"", 1, f, v, len};
	CHECK(attune_store_xadd(st, "conc:x", 400, e, 0, NULL) >= 0);
	CHECK(attune_store_xgroup_create(st, "conc:x", "g", "0") == 1);
	for (int i = 0; i < 4; i++)
		pid[i] = spawn(0, child_group_read, NULL, &fd[i]);
	for (int i = 0; i < 4; i++)
		total += reap(pid[i], fd[i]);
	CHECK(total == 400);
	CHECK(attune_store_xgroups(st, "conc:x", group_cb, &gs) == 0 && gs.n == 1 && gs.pending[0] == 400);
}

static long child_hincr(struct attune_store *s, void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		if (attune_store_hincr(s, "conc:h", "n", 1, NULL) < 0)
			return -1;
	return 0;
}

TEST(concurrent_hincr)
{
	struct list l = {0};
	pid_t pid[4];
	int fd[4];
	long bad = 0;

	for (int i = 0; i < 4; i++)
		pid[i] = spawn(0, child_hincr, NULL, &fd[i]);
	for (int i = 0; i < 4; i++)
		bad += reap(pid[i], fd[i]);
	CHECK(bad == 0);
	CHECK(attune_store_hgetall(st, "conc:h", field_cb, &l) == 0);
	CHECK(l.n == 1 && !strcmp(l.v[0], "400"));
	list_free(&l);
}

int main(void)
{
	st = open_store();
	RUN(set_get_del);
	RUN(set_nx);
	RUN(take);
	RUN(set_many);
	RUN(ttl_expiry);
	RUN(scan_literal_prefix);
	RUN(scan_callbacks);
	RUN(mget_many);
	RUN(check_write);
	RUN(hash_counters);
	RUN(sorted_set);
	RUN(set);
	RUN(xadd_xrange);
	RUN(big_stream);
	RUN(xread);
	RUN(xread_blocking);
	RUN(xtrim_maxlen);
	RUN(consumer_groups);
	RUN(xreadgroup_blocking);
	RUN(del_every_kind);
	RUN(one_kind_per_key);
	RUN(notify_latency);
	RUN(notify_not_missed);
	RUN(interrupted);
	RUN(concurrent_claims);
	RUN(concurrent_hincr);
	RUN(concurrent_group_reads);
	attune_store_close(st);
	return check_done();
}
