/* signal.c — coordination signals over the store. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "signal.h"

jv attune_signal_new(const char *type, const char *source, const char *target, jv payload, long long ttl_ms)
{
	char id[32], ts[40];

	attune_random_id("signal_", id, sizeof id);
	attune_iso_time(attune_now(), ts, sizeof ts);
	jv s = jv_object();
	s = jv_object_set(s, jv_string("signal_id"), jv_string(id));
	s = jv_object_set(s, jv_string("signal_type"), jv_string(type));
	s = jv_object_set(s, jv_string("source_agent"), jv_string(source ? source : "unknown"));
	s = jv_object_set(s, jv_string("target_agent"), target ? jv_string(target) : jv_null());
	s = jv_object_set(s, jv_string("payload"), payload);
	s = jv_object_set(s, jv_string("timestamp"), jv_string(ts));
	return jv_object_set(s, jv_string("ttl_seconds"), jv_number((double)((ttl_ms + 999) / 1000)));
}

/* "empathy:signal:{target}:{type}:{id}" of a record; caller frees. */
static char *signal_key(jv s)
{
	const char *target = attune_json_str(s, "target_agent");
	char *key;

	if (asprintf(&key, "empathy:signal:%s:%s:%s", target ? target : ATTUNE_BROADCAST,
	             attune_json_str(s, "signal_type"), attune_json_str(s, "signal_id")) < 0)
		abort();
	return key;
}

int attune_signal_send(struct attune_store *st, jv sigs, long long ttl_ms)
{
	int n = jv_array_length(jv_copy(sigs)), rc;
	char **keys = calloc((size_t)n + 1, sizeof *keys), **vals = calloc((size_t)n + 1, sizeof *vals);
	size_t *lens = calloc((size_t)n + 1, sizeof *lens);
	long long *ttls = calloc((size_t)n + 1, sizeof *ttls);

	for (int i = 0; i < n; i++) {
		jv s = jv_array_get(jv_copy(sigs), i);
		keys[i] = signal_key(s);
		vals[i] = attune_json_dump(s, &lens[i]);
		ttls[i] = ttl_ms;
	}
	rc = attune_store_set_many(st, (size_t)n, (const char *const *)keys, (const char *const *)vals, lens, ttls);
	/* One wake-up per distinct target, after every signal is visible. */
	jv targets = jv_object();
	for (int i = 0; rc == 0 && i < n; i++) {
		jv s = jv_array_get(jv_copy(sigs), i);
		const char *t = attune_json_str(s, "target_agent");
		targets = jv_object_set(targets, jv_string(t ? t : ATTUNE_BROADCAST), jv_true());
		jv_free(s);
	}
	jv_object_foreach(targets, t, v) {
		attune_store_notify(st, jv_string_value(t));
		jv_free(t);
		jv_free(v);
	}
	jv_free(targets);
	for (int i = 0; i < n; i++) {
		free(keys[i]);
		free(vals[i]);
	}
	free(keys);
	free(vals);
	free(lens);
	free(ttls);
	jv_free(sigs);
	return rc;
}

/* ---- receiving ---- */

#define PREFIX "empathy:signal:"

/* One pending signal as listed. */
struct pending {
	char *key, *raw; /* raw: the stored text, for giving a targeted signal back */
	size_t len;
	jv rec;
	double ts;
	int broadcast, received; /* received: a broadcast this agent already took */
	char *receipt;           /* broadcasts: "attune:seen:{agent}:{signal_id}" */
};

struct listing {
	const char *agent;
	char **keys;
	size_t nkeys, capkeys;
	struct pending *p;
	size_t n, cap;
	jv receipts; /* receipt key -> index in p */
};

static int add_key(void *ctx, const char *key)
{
	struct listing *l = ctx;

	if (l->nkeys == l->capkeys) {
		l->capkeys = l->capkeys ? 2 * l->capkeys : 64;
		l->keys = realloc(l->keys, l->capkeys * sizeof *l->keys);
	}
	l->keys[l->nkeys++] = strdup(key);
	return 0;
}

/* Keep a record that is an object with the three required strings (as attune-ai reads them). */
static int add_value(void *ctx, const char *key, const char *val, size_t len)
{
	struct listing *l = ctx;
	struct pending *p;
	jv rec;

	if (!val || len > ATTUNE_MAX_VALUE)
		return 0;
	rec = attune_json_value(val, len);
	if (!attune_json_str(rec, "signal_id") || !attune_json_str(rec, "signal_type") ||
	    !attune_json_str(rec, "source_agent")) {
		jv_free(rec);
		return 0;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->p = realloc(l->p, l->cap * sizeof *l->p);
	}
	p = &l->p[l->n++];
	memset(p, 0, sizeof *p);
	p->key = strdup(key);
	p->raw = malloc(len + 1);
	memcpy(p->raw, val, len);
	p->raw[len] = 0;
	p->len = len;
	p->rec = rec;
	/* attune-ai reads a missing or odd timestamp as "now". */
	if (attune_parse_time(attune_json_str(rec, "timestamp"), &p->ts) < 0)
		p->ts = attune_now();
	p->broadcast = !strncmp(key, PREFIX ATTUNE_BROADCAST ":", strlen(PREFIX ATTUNE_BROADCAST ":"));
	if (p->broadcast) {
		if (asprintf(&p->receipt, "attune:seen:%s:%s", l->agent, attune_json_str(rec, "signal_id")) < 0)
			abort();
		l->receipts = jv_object_set(l->receipts, jv_string(p->receipt), jv_number((double)(l->n - 1)));
	}
	return 0;
}

/* A broadcast this agent already took is no longer pending for it. */
static int mark_received(void *ctx, const char *key, const char *val, size_t len)
{
	struct listing *l = ctx;
	jv i = jv_object_get(jv_copy(l->receipts), jv_string(key));

	(void)len;
	if (val && jv_get_kind(i) == JV_KIND_NUMBER)
		l->p[(size_t)jv_number_value(i)].received = 1;
	jv_free(i);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->nkeys; i++)
		free(l->keys[i]);
	for (size_t i = 0; i < l->n; i++) {
		free(l->p[i].key);
		free(l->p[i].raw);
		free(l->p[i].receipt);
		jv_free(l->p[i].rec);
	}
	free(l->keys);
	free(l->p);
	jv_free(l->receipts);
	memset(l, 0, sizeof *l);
}

/* Everything pending for agent, oldest first: its targeted signals and the broadcasts it has not
 * taken. The broadcast target is scanned as a literal prefix, so no other agent's signal shows. */
static int list_pending(struct attune_store *st, const char *agent, struct listing *l)
{
	char *mine, **rk;
	size_t nr = 0;
	int rc;

	memset(l, 0, sizeof *l);
	l->agent = agent;
	l->receipts = jv_object();
	if (asprintf(&mine, PREFIX "%s:", agent) < 0)
		abort();
	rc = attune_store_scan(st, mine, add_key, l);
	free(mine);
	if (rc == 0)
		rc = attune_store_scan(st, PREFIX ATTUNE_BROADCAST ":", add_key, l);
	if (rc == 0)
		rc = attune_store_mget(st, l->nkeys, (const char *const *)l->keys, add_value, l);
	if (rc != 0)
		return -1;
	rk = calloc(l->n + 1, sizeof *rk);
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i].broadcast)
			rk[nr++] = l->p[i].receipt;
	rc = attune_store_mget(st, nr, (const char *const *)rk, mark_received, l);
	free(rk);
	if (rc != 0)
		return -1;
	if (l->n)
		qsort(l->p, l->n, sizeof *l->p, by_time);
	return 0;
}

static int has(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static int matches(const struct attune_signal_wait *w, jv rec)
{
	static const char *const approvals[] = {"approval_request", "approval_response"};
	const char *type = attune_json_str(rec, "signal_type");

	if (w->ntypes ? !has(w->types, w->ntypes, type) : has(approvals, 2, type))
		return 0;
	return !w->from || !strcmp(w->from, attune_json_str(rec, "source_agent"));
}

/* Take p: 1 it is ours (*ttl_ms its remaining TTL then, -1 none; *at when), 0 another receiver
 * has it or it expired, -1 store error. */
static int take(struct attune_store *st, struct pending *p, long long *ttl_ms, double *at)
{
	char ts[40];
	int rc;

	*at = attune_monotonic();
	if (!p->broadcast)
		return attune_store_take(st, p->key, ttl_ms);
	if ((rc = attune_store_ttl(st, p->key, ttl_ms)) <= 0)
		return rc;
	attune_iso_time(attune_now(), ts, sizeof ts);
	/* The receipt outlives the broadcast by a millisecond, never the other way round. */
	return attune_store_set_nx(st, p->receipt, ts, strlen(ts), *ttl_ms < 0 ? 0 : *ttl_ms + 1);
}

/* Undo take(): the signal is pending again with what is left of its TTL. */
static int give_back(struct attune_store *st, const char *agent, struct pending *p, long long ttl_ms, double at)
{
	long long left = ttl_ms - (long long)((attune_monotonic() - at) * 1000);
	int rc;

	if (p->broadcast)
		rc = attune_store_del(st, p->receipt);
	else if (ttl_ms >= 0 && left <= 0)
		return 0; /* it would have expired by now anyway */
	else
		rc = attune_store_set(st, p->key, p->raw, p->len, ttl_ms < 0 ? 0 : left);
	if (rc < 0)
		return -1;
	/* Other receivers of this agent may have looked while it was ours. */
	attune_store_notify(st, agent);
	return 0;
}

/* The values to print for rec: an empty array when it does not match. */
static jv select_values(const struct attune_signal_wait *w, jv rec)
{
	jv out;

	if (!matches(w, rec))
		return jv_array();
	if (!w->filter)
		return jv_array_append(jv_array(), jv_copy(rec));
	out = attune_filter_run(w->filter, jv_copy(rec));
	if (!jv_is_valid(out)) {
		jv_free(out);
		return jv_array();
	}
	return out;
}

#define CONTINUE (-1)

/* One check: deliver the pending matches in order. CONTINUE when count is not reached yet.
 * shown: keys already printed by a peek (kept only while they are pending). */
static int deliver_pending(struct attune_store *st, const struct attune_signal_wait *w, attune_signal_emit emit,
                           void *ctx, long *n, jv *shown)
{
	struct listing l;
	jv still = jv_object();
	int status = CONTINUE;

	if (list_pending(st, w->agent, &l) < 0) {
		listing_free(&l);
		jv_free(still);
		return ATTUNE_WAIT_ERROR;
	}
	for (size_t i = 0; i < l.n && status == CONTINUE; i++) {
		struct pending *p = &l.p[i];
		long long ttl_ms = -1;
		double at = 0;
		int rc = 1;

		if (p->received)
			continue;
		if (w->peek && jv_object_has(jv_copy(*shown), jv_string(p->key))) {
			still = jv_object_set(still, jv_string(p->key), jv_true());
			continue;
		}
		jv values = select_values(w, p->rec);
		if (jv_array_length(jv_copy(values)) == 0) {
			jv_free(values);
			continue;
		}
		if (attune_interrupted) {
			jv_free(values);
			status = ATTUNE_WAIT_INTERRUPTED;
			break;
		}
		if (!w->peek && (rc = take(st, p, &ttl_ms, &at)) <= 0) {
			jv_free(values);
			if (rc < 0)
				status = ATTUNE_WAIT_ERROR;
			continue;
		}
		if (emit(ctx, values) < 0) {
			if (!w->peek && give_back(st, w->agent, p, ttl_ms, at) < 0)
				status = ATTUNE_WAIT_ERROR;
			else
				status = attune_interrupted ? ATTUNE_WAIT_INTERRUPTED : ATTUNE_WAIT_OUTPUT;
			break;
		}
		if (w->peek)
			still = jv_object_set(still, jv_string(p->key), jv_true());
		if (++*n == w->count)
			status = ATTUNE_WAIT_DONE;
	}
	listing_free(&l);
	jv_free(*shown);
	*shown = still;
	return status;
}

enum attune_wait_status attune_signal_wait(struct attune_store *st, const struct attune_signal_wait *w,
                                           attune_signal_emit emit, void *ctx)
{
	const char *targets[] = {w->agent, ATTUNE_BROADCAST};
	struct attune_waiter *waiter = NULL;
	double deadline = w->timeout < 0 ? -1 : attune_monotonic() + w->timeout;
	jv shown = jv_object();
	long n = 0;
	int status;

	/* Listen before the first check, so nothing sent in between is missed. */
	if (!w->drain && w->timeout != 0 && !(waiter = attune_waiter_new(st, 2, targets))) {
		jv_free(shown);
		return ATTUNE_WAIT_ERROR;
	}
	for (;;) {
		if (attune_interrupted) {
			status = ATTUNE_WAIT_INTERRUPTED;
			break;
		}
		if ((status = deliver_pending(st, w, emit, ctx, &n, &shown)) != CONTINUE)
			break;
		if (w->drain) {
			status = ATTUNE_WAIT_DONE;
			break;
		}
		double left = deadline < 0 ? -1 : deadline - attune_monotonic();
		if (deadline >= 0 && left <= 0) {
			status = ATTUNE_WAIT_TIMEOUT;
			break;
		}
		if (w->poll > 0 && (left < 0 || w->poll < left))
			left = w->poll;
		int rc = attune_waiter_wait(waiter, left < 0 ? -1 : (long)ceil(left * 1000));
		if (rc == -1 || rc == -2) {
			status = rc == -1 ? ATTUNE_WAIT_ERROR : ATTUNE_WAIT_INTERRUPTED;
			break;
		}
	}
	attune_waiter_free(waiter);
	jv_free(shown);
	return (enum attune_wait_status)status;
}
