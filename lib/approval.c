/* approval.c — approval gates over the store: request, wait, respond, list, expire. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "cli.h"
#include "json.h"
#include "signal.h"
#include "stream.h"

#define REQ_PREFIX "approval_request:"
#define RESP_PREFIX "approval_response:"
#define ANSWERED_TTL_MS 300000LL
#define TIMEOUT_TTL_MS 60000LL

static char *key_of(const char *prefix, const char *id)
{
	char *k;

	if (asprintf(&k, "%s%s", prefix, id) < 0)
		abort();
	return k;
}

/* A double as Python's repr() writes it (300.0, 1.5, 0.25, 1e-05): attune-ai's timeout reason. */
static void py_float(double x, char *buf, size_t len)
{
	char e[64];
	int p, exp;

	for (p = 0; p < 17; p++) {
		snprintf(e, sizeof e, "%.*e", p, x);
		if (strtod(e, NULL) == x)
			break;
	}
	exp = atoi(strchr(e, 'e') + 1);
	if (exp < -4 || exp >= 16) {
		snprintf(buf, len, "%s", e);
		return;
	}
	snprintf(buf, len, "%.*f", p - exp > 0 ? p - exp : 0, x);
	if (!strchr(buf, '.'))
		strncat(buf, ".0", len - strlen(buf) - 1);
}

static jv with_status(jv req, const char *status)
{
	return jv_object_set(req, jv_string("status"), jv_string(status));
}

jv attune_approval_new(const char *type, const char *agent, jv context, double timeout)
{
	char id[32], ts[40];

	attune_random_id("approval_", id, sizeof id);
	attune_iso_time(attune_now(), ts, sizeof ts);
	jv r = jv_object();
	r = jv_object_set(r, jv_string("request_id"), jv_string(id));
	r = jv_object_set(r, jv_string("approval_type"), jv_string(type));
	r = jv_object_set(r, jv_string("agent_id"), jv_string(agent));
	r = jv_object_set(r, jv_string("context"), context);
	r = jv_object_set(r, jv_string("timestamp"), jv_string(ts));
	r = jv_object_set(r, jv_string("timeout_seconds"), jv_number(timeout));
	return with_status(r, "pending");
}

static jv response_new(const char *id, int approved, const char *responder, const char *reason)
{
	char ts[40];

	attune_iso_time(attune_now(), ts, sizeof ts);
	jv r = jv_object();
	r = jv_object_set(r, jv_string("request_id"), jv_string(id));
	r = jv_object_set(r, jv_string("approved"), jv_bool(approved));
	r = jv_object_set(r, jv_string("responder"), jv_string(responder));
	r = jv_object_set(r, jv_string("reason"), jv_string(reason));
	return jv_object_set(r, jv_string("timestamp"), jv_string(ts));
}

/* A stored response as attune-ai reads it: missing fields get their defaults; one that is not
 * a JSON object holds the gate shut (it also blocks any other answer), so it reads as a refusal. */
static jv response_read(const char *id, const char *text, size_t len)
{
	static const char *const keys[] = {"request_id", "approved", "responder", "reason", "timestamp"};
	char err[256];
	jv r, def;

	if (attune_json_parse(text, len, &r, err, sizeof err) < 0 || jv_get_kind(r) != JV_KIND_OBJECT) {
		if (jv_is_valid(r))
			jv_free(r);
		return response_new(id, 0, "unknown", "malformed response");
	}
	def = response_new(id, 0, "unknown", "");
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (!jv_object_has(jv_copy(r), jv_string(keys[i])))
			r = jv_object_set(r, jv_string(keys[i]), jv_object_get(jv_copy(def), jv_string(keys[i])));
	jv_free(def);
	return r;
}

/* The response to id, if any: 1 (*resp set), 0 none, -1 store error. */
static int response_get(struct attune_store *st, const char *id, jv *resp)
{
	char *key = key_of(RESP_PREFIX, id), *val;
	size_t len;
	int rc = attune_store_get(st, key, &val, &len);

	free(key);
	if (rc == 1) {
		*resp = response_read(id, val, len);
		free(val);
	}
	return rc;
}

static jv timeout_response(const char *id, double timeout)
{
	char secs[64], reason[96];

	py_float(timeout, secs, sizeof secs);
	snprintf(reason, sizeof reason, "Approval timeout after %ss", secs);
	return response_new(id, 0, "system", reason);
}

/* The audit event: one entry on stream type, by source. */
static int audit(struct attune_store *st, const char *type, jv data, const char *source)
{
	return attune_stream_publish(st, type, jv_array_append(jv_array(), data), source, ATTUNE_STREAM_MAXLEN, NULL);
}

static int announce(struct attune_store *st, const char *type, jv data, const char *source, long long ttl_ms)
{
	jv sig = attune_signal_new(type, source, NULL, jv_copy(data), ttl_ms);

	if (attune_signal_send(st, jv_array_append(jv_array(), sig), ttl_ms) < 0) {
		jv_free(data);
		return -1;
	}
	return audit(st, type, data, source);
}

/* Rewrite the pending request (exactly text) "timeout" unless a response exists; as
 * attune_store_check_write. */
static int mark_timeout(struct attune_store *st, const char *id, jv req, const char *text, size_t len)
{
	char *rkey = key_of(REQ_PREFIX, id), *gkey = key_of(RESP_PREFIX, id), *cval;
	double timeout = attune_json_num(req, "timeout_seconds", ATTUNE_APPROVAL_TIMEOUT);
	size_t clen;
	int rc;

	cval = attune_json_dump(with_status(req, "timeout"), &clen);
	rc = attune_store_check_write(st, gkey, NULL, 0, 0, rkey, text, len, cval, clen, TIMEOUT_TTL_MS);
	if (rc == 1 && audit(st, "approval_timeout", timeout_response(id, timeout), "system") < 0)
		rc = -1;
	free(cval);
	free(rkey);
	free(gkey);
	return rc;
}

/* The waiting part of a request whose text is written; waiter w was created before. */
static int await(struct attune_store *st, struct attune_waiter *w, jv req, const char *text, size_t len,
                 double poll, jv *resp)
{
	const char *id = attune_json_str(req, "request_id");
	double timeout = attune_json_num(req, "timeout_seconds", ATTUNE_APPROVAL_TIMEOUT);
	double deadline = attune_monotonic() + timeout;
	int rc;

	for (;;) {
		if ((rc = response_get(st, id, resp)) != 0)
			return rc;
		double left = deadline - attune_monotonic();
		if (left <= 0)
			break;
		if (poll > 0 && poll < left)
			left = poll;
		rc = attune_waiter_wait(w, (long)ceil(left * 1000));
		if (rc < 0)
			return attune_interrupted ? -2 : rc;
	}
	if (attune_interrupted)
		return -2;
	rc = mark_timeout(st, id, jv_copy(req), text, len);
	if (rc < 0)
		return -1;
	/* 0: a response came at the last moment. 2: someone else (expire) marked it already. */
	if (rc != 1 && (rc = response_get(st, id, resp)) != 0)
		return rc;
	*resp = timeout_response(id, timeout);
	return 0;
}

int attune_approval_request(struct attune_store *st, jv req, double poll, jv *resp)
{
	const char *id = attune_json_str(req, "request_id"), *agent = attune_json_str(req, "agent_id");
	double timeout = attune_json_num(req, "timeout_seconds", ATTUNE_APPROVAL_TIMEOUT);
	long long ttl_ms = ((long long)timeout + 60) * 1000;
	char *key = key_of(REQ_PREFIX, id), *target = key_of("approval:", id), *text;
	const char *targets[] = {target};
	struct attune_waiter *w;
	size_t len;
	int rc = -1;

	*resp = jv_invalid();
	/* Listening before the request exists, so no answer can slip between write and wait. */
	if (!(w = attune_waiter_new(st, 1, targets)))
		goto out_req;
	text = attune_json_dump(jv_copy(req), &len);
	if (attune_store_set(st, key, text, len, ttl_ms) == 0 &&
	    announce(st, "approval_request", jv_copy(req), agent, ttl_ms) == 0)
		rc = await(st, w, req, text, len, poll, resp);
	free(text);
	attune_waiter_free(w);
out_req:
	jv_free(req);
	free(key);
	free(target);
	/* A store call cut short by the signal is the signal's doing, not the store's. */
	return rc == -1 && attune_interrupted ? -2 : rc;
}

/* Say why id cannot be answered now that its request is no longer pending: 0, or -1 store error. */
static int refused(struct attune_store *st, const char *id, const char *status, char *why, size_t whylen)
{
	jv prev;
	int rc;

	if (!strcmp(status, "timeout")) {
		snprintf(why, whylen, "request %s timed out", id);
		return 0;
	}
	if ((rc = response_get(st, id, &prev)) < 0)
		return -1;
	if (rc == 1) {
		jv ok = jv_object_get(jv_copy(prev), jv_string("approved"));
		snprintf(why, whylen, "request %s was already %s by %s", id,
		         jv_get_kind(ok) == JV_KIND_TRUE ? "approved" : "rejected", attune_json_str(prev, "responder"));
		jv_free(ok);
		jv_free(prev);
	} else {
		snprintf(why, whylen, "request %s was already %s", id, status);
	}
	return 0;
}

/* One attempt: read the request, and if pending write the response gval and the answered
 * request in one check_write against the text read. 1 written, 0 refused (why set),
 * 2 the request changed meanwhile, -1 store error. */
static int answer(struct attune_store *st, const char *id, const char *gval, size_t glen, int approved,
                  char *why, size_t whylen)
{
	char *rkey = key_of(REQ_PREFIX, id), *gkey = key_of(RESP_PREFIX, id), *text, *cval;
	const char *status;
	size_t len, clen;
	jv req = jv_invalid();
	int rc;

	if ((rc = attune_store_get(st, rkey, &text, &len)) <= 0) {
		if (rc == 0)
			snprintf(why, whylen, "no request %s (unknown, or expired)", id);
		goto out;
	}
	if (attune_json_parse(text, len, &req, why, whylen) < 0 || jv_get_kind(req) != JV_KIND_OBJECT) {
		snprintf(why, whylen, "request %s is not a JSON object", id);
		rc = 0;
	} else if ((status = attune_json_str(req, "status")) && strcmp(status, "pending")) {
		rc = refused(st, id, status, why, whylen);
	} else {
		cval = attune_json_dump(with_status(jv_copy(req), approved ? "approved" : "rejected"), &clen);
		rc = attune_store_check_write(st, gkey, gval, glen, ANSWERED_TTL_MS, rkey, text, len, cval, clen,
		                              ANSWERED_TTL_MS);
		free(cval);
		if (rc == 0)
			rc = refused(st, id, "answered", why, whylen);
	}
	free(text);
out:
	jv_free(req);
	free(rkey);
	free(gkey);
	return rc;
}

int attune_approval_respond(struct attune_store *st, const char *id, int approved, const char *responder,
                            const char *reason, jv *resp, char *why, size_t whylen)
{
	jv r = response_new(id, approved, responder, reason);
	char *target = key_of("approval:", id), *gval;
	size_t glen;
	int rc = 2;

	*resp = jv_invalid();
	gval = attune_json_dump(jv_copy(r), &glen);
	/* A request that changed between read and write is read again (it says why, or is
	 * still pending and can be answered); bounded, as only a few changes are possible. */
	for (int tries = 0; rc == 2 && tries < 3; tries++)
		rc = answer(st, id, gval, glen, approved, why, whylen);
	if (rc == 2) {
		snprintf(why, whylen, "request %s keeps changing", id);
		rc = 0;
	}
	if (rc == 1) {
		*resp = jv_copy(r);
		attune_store_notify(st, target);
		if (announce(st, "approval_response", jv_copy(r), responder, ANSWERED_TTL_MS) < 0)
			rc = -1;
	}
	jv_free(r);
	free(gval);
	free(target);
	return rc;
}

/* Requests as stored: each item [request, text]; only pending ones (of type, if given). */
struct collect {
	char **keys;
	size_t n, cap;
	const char *type;
	jv items;
};

static int collect_key(void *ctx, const char *key)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->keys = realloc(c->keys, c->cap * sizeof *c->keys);
	}
	c->keys[c->n++] = strdup(key);
	return 0;
}

/* Malformed, vanished or non-pending records are skipped alone, as attune-ai does. */
static int collect_val(void *ctx, const char *key, const char *val, size_t len)
{
	struct collect *c = ctx;
	const char *status, *type;
	char err[256];
	jv req;

	(void)key;
	if (!val || attune_json_parse(val, len, &req, err, sizeof err) < 0)
		return 0;
	if (jv_get_kind(req) == JV_KIND_OBJECT && (type = attune_json_str(req, "approval_type")) &&
	    attune_json_str(req, "request_id") && (!(status = attune_json_str(req, "status")) || !strcmp(status, "pending")) &&
	    (!c->type || !strcmp(type, c->type))) {
		c->items = jv_array_append(c->items, jv_array_append(jv_array_append(jv_array(), req),
		                                                     jv_string_sized(val, (int)len)));
		return 0;
	}
	jv_free(req);
	return 0;
}

/* Pending [request, text] pairs, oldest first, into *out. 0, or -1 with the store's error. */
static int pending(struct attune_store *st, const char *type, jv *out)
{
	struct collect c = {.type = type, .items = jv_array()};
	double now = attune_now();
	int rc = attune_store_scan(st, REQ_PREFIX, collect_key, &c);

	if (rc == 0)
		rc = attune_store_mget(st, c.n, (const char *const *)c.keys, collect_val, &c);
	for (size_t i = 0; i < c.n; i++)
		free(c.keys[i]);
	free(c.keys);
	if (rc < 0) {
		jv_free(c.items);
		return -1;
	}
	jv ages = jv_array();
	jv_array_foreach(c.items, i, it) {
		jv req = jv_array_get(it, 0);
		ages = jv_array_append(ages, jv_number(-attune_approval_age(req, now)));
		jv_free(req);
	}
	*out = jv_sort(c.items, ages);
	return 0;
}

int attune_approval_pending(struct attune_store *st, const char *type, jv *out)
{
	jv pairs;

	if (pending(st, type, &pairs) < 0)
		return -1;
	*out = jv_array();
	jv_array_foreach(pairs, i, p)
		*out = jv_array_append(*out, jv_array_get(p, 0));
	jv_free(pairs);
	return 0;
}

int attune_approval_get(struct attune_store *st, const char *id, jv *req, jv *resp)
{
	char *key = key_of(REQ_PREFIX, id), *val, err[256];
	size_t len;
	int rc = attune_store_get(st, key, &val, &len), rr;

	free(key);
	if (rc < 0)
		return -1;
	*req = jv_null();
	if (rc == 1) {
		if (attune_json_parse(val, len, req, err, sizeof err) < 0)
			*req = jv_string_sized(val, (int)len);
		free(val);
	}
	if ((rr = response_get(st, id, resp)) < 0) {
		jv_free(*req);
		return -1;
	}
	if (rr == 0)
		*resp = jv_null();
	return rc || rr;
}

int attune_approval_expire(struct attune_store *st, long *n)
{
	double now = attune_now();
	jv pairs;
	int rc = 0;

	*n = 0;
	if (pending(st, NULL, &pairs) < 0)
		return -1;
	jv_array_foreach(pairs, i, p) {
		jv req = jv_array_get(jv_copy(p), 0), text = jv_array_get(p, 1);
		const char *id = attune_json_str(req, "request_id");
		int r = 0;
		if (rc == 0 && attune_approval_age(req, now) > attune_json_num(req, "timeout_seconds", ATTUNE_APPROVAL_TIMEOUT))
			r = mark_timeout(st, id, jv_copy(req), jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)));
		if (r < 0)
			rc = -1;
		*n += r == 1;
		jv_free(req);
		jv_free(text);
	}
	jv_free(pairs);
	return rc;
}

double attune_approval_age(jv req, double now)
{
	double t;

	if (attune_parse_time(attune_json_str(req, "timestamp"), &t) < 0)
		return 0;
	return now - t;
}

void attune_approval_age_text(double secs, char *buf, size_t len)
{
	long s = secs > 0 ? (long)secs : 0;

	if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
}

char *attune_approval_describe(jv req, double now)
{
	jv ctx = jv_object_get(jv_copy(req), jv_string("context"));
	jv pretty = jv_dump_string(jv_is_valid(ctx) ? ctx : jv_object(), JV_PRINT_INDENT_FLAGS(2));
	const char *type = attune_json_str(req, "approval_type"), *agent = attune_json_str(req, "agent_id");
	const char *status = attune_json_str(req, "status");
	char age[32], *text, *indented, *o;
	const char *s;

	attune_approval_age_text(attune_approval_age(req, now), age, sizeof age);
	/* Indent the context under its heading. */
	s = jv_string_value(pretty);
	o = indented = malloc(3 * strlen(s) + 1);
	for (; *s; s++) {
		if (s == jv_string_value(pretty) || s[-1] == '\n')
			o = stpcpy(o, "  ");
		*o++ = *s;
	}
	*o = 0;
	if (asprintf(&text, "request:   %s\ntype:      %s\nrequester: %s\nage:       %s\nstatus:    %s\ncontext:\n%s\n",
	             attune_json_str(req, "request_id"), type ? type : "?", agent ? agent : "?", age,
	             status ? status : "pending", indented) < 0)
		abort();
	free(indented);
	jv_free(pretty);
	return text;
}
