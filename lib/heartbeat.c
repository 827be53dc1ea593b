/* heartbeat.c — heartbeats, their index, supervising a command, stale and lost agents. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "heartbeat.h"
#include "json.h"

static const char HB[] = "empathy:heartbeat:";
static const char LAST[] = "attune:heartbeat:last:";
static const char INDEX[] = "attune:heartbeat:index";
#define HBLEN (sizeof HB - 1)
#define LASTLEN (sizeof LAST - 1)

int attune_heartbeat_final(const char *status)
{
	return status && (!strcmp(status, "completed") || !strcmp(status, "failed") || !strcmp(status, "cancelled"));
}

const char *attune_agent_state_name(int state)
{
	switch (state) {
	case ATTUNE_AGENT_OK: return "ok";
	case ATTUNE_AGENT_STALE: return "stale";
	case ATTUNE_AGENT_FINAL: return "final";
	default: return "lost";
	}
}

static int state_from_name(const char *s)
{
	for (int st = ATTUNE_AGENT_OK; st <= ATTUNE_AGENT_LOST; st <<= 1)
		if (s && !strcmp(s, attune_agent_state_name(st)))
			return st;
	return 0;
}

static char *key(const char *prefix, const char *agent)
{
	char *k;

	if (asprintf(&k, "%s%s", prefix, agent) < 0)
		abort();
	return k;
}

static int store_err(struct attune_store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", attune_store_error(st));
	return -1;
}

static int has_kind(jv o, const char *k, jv_kind kind)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	int ok = jv_get_kind(v) == kind;

	jv_free(v);
	return ok;
}

/* A heartbeat by attune-ai's reading rules: an object with agent_id, status, progress and
 * current_task; last_beat unparseable -> not a record, absent -> now. Invalid when not one. */
static jv record_parse(const char *val, size_t len, double now, double *beat)
{
	jv r = attune_json_value(val, len);
	const char *lb;

	if (jv_get_kind(r) != JV_KIND_OBJECT || !has_kind(r, "agent_id", JV_KIND_STRING) ||
	    !has_kind(r, "status", JV_KIND_STRING) || !has_kind(r, "progress", JV_KIND_NUMBER) ||
	    !has_kind(r, "current_task", JV_KIND_STRING)) {
		jv_free(r);
		return jv_invalid();
	}
	*beat = now;
	if ((lb = attune_json_str(r, "last_beat")) && attune_parse_time(lb, beat) < 0) {
		jv_free(r);
		return jv_invalid();
	}
	return r;
}

static jv with_state(jv rec, int state, double age)
{
	rec = jv_object_set(rec, jv_string("state"), jv_string(attune_agent_state_name(state)));
	return jv_object_set(rec, jv_string("age_seconds"), jv_number(round(age * 1000) / 1000));
}

static jv record(const char *agent, const char *status, double progress, const char *task, jv meta, jv name, double t)
{
	char ts[40];

	attune_iso_time(t, ts, sizeof ts);
	return JV_OBJECT(jv_string("agent_id"), jv_string(agent), jv_string("status"), jv_string(status),
	                 jv_string("progress"), jv_number(progress), jv_string("current_task"), jv_string(task),
	                 jv_string("last_beat"), jv_string(ts), jv_string("metadata"), meta,
	                 jv_string("display_name"), name);
}

/* The agent's live record (1), or 0 when it has none (or a malformed one). */
static int live_record(struct attune_store *st, const char *agent, jv *rec, char *err, size_t errlen)
{
	char *k = key(HB, agent), *val;
	size_t len;
	double beat;
	int rc = attune_store_get(st, k, &val, &len);

	free(k);
	if (rc < 0)
		return store_err(st, err, errlen);
	*rec = jv_invalid();
	if (rc == 1) {
		*rec = record_parse(val, len, attune_now(), &beat);
		free(val);
	}
	return jv_is_valid(*rec);
}

/* Write rec (not consumed) as agent's heartbeat; a non-final one also goes to the index and
 * the last record, a final one takes the agent out of them. */
static int write_record(struct attune_store *st, const char *agent, jv rec, double beat, long long ttl_ms, char *err,
                        size_t errlen)
{
	char *hb = key(HB, agent), *last = key(LAST, agent);
	size_t len;
	char *json = attune_json_dump(jv_copy(rec), &len);
	int rc;

	if (!attune_heartbeat_final(attune_json_str(rec, "status"))) {
		const char *keys[2] = {hb, last}, *vals[2] = {json, json};
		size_t lens[2] = {len, len};
		long long ttls[2] = {ttl_ms, 0};
		rc = attune_store_set_many(st, 2, keys, vals, lens, ttls);
		if (rc >= 0)
			rc = attune_store_zadd(st, INDEX, agent, beat);
	} else {
		rc = attune_store_set(st, hb, json, len, ttl_ms);
		if (rc >= 0)
			rc = attune_store_del(st, last);
		if (rc >= 0)
			rc = attune_store_zrem(st, INDEX, agent);
	}
	free(json);
	free(hb);
	free(last);
	return rc < 0 ? store_err(st, err, errlen) : 0;
}

/* Field k of cur when it has kind, else def (consumed). */
static jv kept(jv cur, const char *k, jv_kind kind, jv def)
{
	jv v = jv_is_valid(cur) ? jv_object_get(jv_copy(cur), jv_string(k)) : jv_invalid();

	/* A null default means the field may be null. */
	if (jv_get_kind(v) == kind || (jv_get_kind(v) == JV_KIND_NULL && jv_get_kind(def) == JV_KIND_NULL)) {
		jv_free(def);
		return v;
	}
	jv_free(v);
	return def;
}

static jv given_meta(const struct attune_beat *b)
{
	return jv_get_kind(b->meta) == JV_KIND_OBJECT ? jv_copy(b->meta) : jv_object();
}

static jv given_str(const char *s, jv cur, const char *k, jv def)
{
	if (s) {
		jv_free(def);
		return jv_string(s);
	}
	return kept(cur, k, JV_KIND_STRING, def);
}

int attune_heartbeat_beat(struct attune_store *st, const char *agent, const struct attune_beat *b, jv *out, char *err,
                          size_t errlen)
{
	double now = attune_now(), ttl = b->ttl >= 0 ? b->ttl : ATTUNE_HEARTBEAT_TTL;
	jv cur = jv_invalid(), rec;
	int rc = 0;

	if (b->kind != ATTUNE_BEAT_START && live_record(st, agent, &cur, err, errlen) < 0)
		return -1;
	if (b->kind == ATTUNE_BEAT_REFRESH && jv_is_valid(cur)) {
		char ts[40];
		attune_iso_time(now, ts, sizeof ts);
		rec = jv_object_set(jv_copy(cur), jv_string("last_beat"), jv_string(ts));
	} else if (b->kind == ATTUNE_BEAT_START) {
		rec = record(agent, b->status ? b->status : "starting", b->progress >= 0 ? b->progress : 0.0,
		             b->task ? b->task : "initializing", given_meta(b), b->name ? jv_string(b->name) : jv_null(), now);
	} else if (b->kind == ATTUNE_BEAT_STOP) {
		jv meta = jv_object_merge(given_meta(b), JV_OBJECT(jv_string("final"), jv_true()));
		rec = record(agent, b->status ? b->status : "completed", 1.0, "finished", meta,
		             given_str(b->name, cur, "display_name", jv_null()), now);
	} else {
		/* A plain beat continues a live run; after a final status it starts afresh. */
		if (jv_is_valid(cur) && attune_heartbeat_final(attune_json_str(cur, "status"))) {
			jv_free(cur);
			cur = jv_invalid();
		}
		rec = record(agent, b->status ? b->status : "running", 0.0, "", jv_null(), jv_null(), now);
		rec = jv_object_set(rec, jv_string("progress"),
		                    b->progress >= 0 ? jv_number(b->progress) : kept(cur, "progress", JV_KIND_NUMBER, jv_number(0)));
		rec = jv_object_set(rec, jv_string("current_task"), given_str(b->task, cur, "current_task", jv_string("")));
		rec = jv_object_set(rec, jv_string("metadata"),
		                    jv_get_kind(b->meta) == JV_KIND_OBJECT ? jv_copy(b->meta)
		                                                           : kept(cur, "metadata", JV_KIND_OBJECT, jv_object()));
		rec = jv_object_set(rec, jv_string("display_name"), given_str(b->name, cur, "display_name", jv_null()));
	}
	jv_free(cur);

	if (b->ttl < 0 && b->kind != ATTUNE_BEAT_START && !attune_heartbeat_final(attune_json_str(rec, "status"))) {
		char *k = key(HB, agent);
		long long left;
		rc = attune_store_ttl(st, k, &left);
		free(k);
		if (rc < 0) {
			jv_free(rec);
			return store_err(st, err, errlen);
		}
		if (rc == 1 && left > ttl * 1000)
			ttl = left / 1000.0;
	}
	rc = write_record(st, agent, rec, now, llround(ttl * 1000) > 0 ? llround(ttl * 1000) : 1, err, errlen);
	if (rc == 0 && out)
		*out = rec;
	else
		jv_free(rec);
	return rc;
}

/* ---- supervise ---- */

static int child_exec(const char *agent, char *const argv[], const char *store_url, const char *ns, const sigset_t *mask)
{
	/* Default dispositions before unblocking: a signal forwarded between fork and exec is
	 * then pending here and ends the command instead of our handler. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	setenv("ATTUNE_AGENT", agent, 1);
	if (store_url)
		setenv("ATTUNE_STORE", store_url, 1);
	if (ns)
		setenv("ATTUNE_NAMESPACE", ns, 1);
	execvp(argv[0], argv);
	int e = errno;
	attune_warn("cannot run '%s': %s", argv[0], strerror(e));
	return e == ENOENT ? 127 : 126;
}

int attune_heartbeat_supervise(struct attune_store *st, const char *agent, const struct attune_beat *b,
                               double every, char *const argv[], const char *store_url, const char *ns,
                               int *status, char *err, size_t errlen)
{
	struct attune_beat first = *b, refresh = *b, stop = *b;
	sigset_t set, old;
	double next;
	int forwarded = 0, ws = 0, sig = 0;
	pid_t pid;

	/* Signals stay blocked, and are taken with sigtimedwait, until the final beat is written:
	 * one arriving earlier is forwarded as soon as the command runs. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* A fresh record: nothing is inherited from an earlier run that died. */
	first.kind = ATTUNE_BEAT_START;
	first.status = b->status ? b->status : "running";
	first.task = b->task ? b->task : argv[0];
	if (first.ttl < 0)
		first.ttl = refresh.ttl = fmax(ATTUNE_HEARTBEAT_TTL, 3 * every);
	if (attune_heartbeat_beat(st, agent, &first, NULL, err, errlen) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	signal(SIGCHLD, SIG_DFL);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		attune_warn("cannot run '%s': %s", argv[0], strerror(errno));
		ws = 126 << 8; /* as if it had exited with 126 */
	} else if (pid == 0) {
		_exit(child_exec(agent, argv, store_url, ns, &old));
	}

	refresh.kind = ATTUNE_BEAT_REFRESH;
	next = attune_monotonic() + every;
	while (pid > 0) {
		double wait = next - attune_monotonic();
		struct timespec ts;
		siginfo_t si;

		if (wait <= 0) {
			if (attune_heartbeat_beat(st, agent, &refresh, NULL, err, errlen) < 0)
				attune_warn("cannot beat for %s: %s", agent, err);
			next += every;
			if (next < attune_monotonic())
				next = attune_monotonic() + every;
			continue;
		}
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		sig = sigtimedwait(&set, &si, &ts);
		if (sig == SIGCHLD && waitpid(pid, &ws, WNOHANG) == pid)
			break;
		/* A terminal's ^C already reached the command's process group: do not send it twice. */
		if ((sig == SIGINT || sig == SIGTERM) && si.si_code != SI_KERNEL) {
			kill(pid, sig);
			forwarded = sig;
		} else if (sig == SIGINT || sig == SIGTERM) {
			forwarded = sig;
		}
	}

	stop.kind = ATTUNE_BEAT_STOP;
	if (WIFSIGNALED(ws) || (forwarded && WEXITSTATUS(ws) != 0)) {
		sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : forwarded;
		stop.status = "cancelled";
		stop.meta = JV_OBJECT(jv_string("signal"), jv_number(sig));
	} else if (WEXITSTATUS(ws) != 0) {
		stop.status = "failed";
		stop.meta = JV_OBJECT(jv_string("exit_code"), jv_number(WEXITSTATUS(ws)));
	} else {
		stop.status = "completed";
		stop.meta = jv_object();
	}
	stop.meta = jv_object_merge(given_meta(b), stop.meta);
	*status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
	if (attune_heartbeat_beat(st, agent, &stop, NULL, err, errlen) < 0)
		attune_warn("cannot write the final beat for %s: %s", agent, err);
	jv_free(stop.meta);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/* ---- listing ---- */

struct agent {
	char *id; /* from the key */
	jv rec;
	double beat;
	int state;
};

struct candidate { /* an indexed agent not found by the scan */
	char *id;
	double score;
	jv last;
	double beat;
	int live;
};

struct listing {
	double now, threshold;
	int mask; /* states kept */
	char **keys; /* scanned heartbeat keys, sorted before lookups */
	size_t nkeys, capkeys;
	struct agent *a;
	size_t n, cap;
	struct candidate *c;
	size_t nc, capc;
};

static void grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 64;
	if (!(*p = realloc(*p, *cap * size)))
		abort();
}

static void add_agent(struct listing *l, const char *id, jv rec, double beat, int state)
{
	if (!state)
		state = attune_heartbeat_final(attune_json_str(rec, "status")) ? ATTUNE_AGENT_FINAL
		        : l->now - beat > l->threshold                        ? ATTUNE_AGENT_STALE
		                                                              : ATTUNE_AGENT_OK;
	if (!(state & l->mask)) {
		jv_free(rec);
		return;
	}
	grow((void **)&l->a, &l->cap, l->n, sizeof *l->a);
	l->a[l->n++] = (struct agent){strdup(id), rec, beat, state};
}

static int on_key(void *ctx, const char *k)
{
	struct listing *l = ctx;

	grow((void **)&l->keys, &l->capkeys, l->nkeys, sizeof *l->keys);
	l->keys[l->nkeys++] = strdup(k);
	return 0;
}

static int on_live(void *ctx, const char *k, const char *val, size_t len)
{
	struct listing *l = ctx;
	double beat;
	jv rec;

	if (val && strlen(k) > HBLEN && jv_is_valid(rec = record_parse(val, len, l->now, &beat)))
		add_agent(l, k + HBLEN, rec, beat, 0);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int on_index(void *ctx, const char *member, double score)
{
	struct listing *l = ctx;
	char *k = key(HB, member);
	int found = l->nkeys && bsearch(&k, l->keys, l->nkeys, sizeof *l->keys, cmp_str);

	free(k);
	if (!found) {
		grow((void **)&l->c, &l->capc, l->nc, sizeof *l->c);
		l->c[l->nc++] = (struct candidate){strdup(member), score, jv_invalid(), 0, 0};
	}
	return 0;
}

static int cmp_candidate(const void *a, const void *b)
{
	return strcmp(((const struct candidate *)a)->id, ((const struct candidate *)b)->id);
}

static int on_candidate(void *ctx, const char *k, const char *val, size_t len)
{
	struct listing *l = ctx;
	int live = !strncmp(k, HB, HBLEN);
	struct candidate probe = {.id = (char *)k + (live ? HBLEN : LASTLEN)}, *c;
	double beat;
	jv rec;

	if (!val || !l->nc || !(c = bsearch(&probe, l->c, l->nc, sizeof *l->c, cmp_candidate)))
		return 0;
	rec = record_parse(val, len, l->now, &beat);
	if (live) {
		/* It beat for the first time between the scan and the index read. */
		c->live = 1;
		if (jv_is_valid(rec))
			add_agent(l, c->id, rec, beat, 0);
		else
			jv_free(rec);
	} else {
		jv_free(c->last);
		c->last = rec;
		c->beat = beat;
	}
	return 0;
}

/* Read the heartbeat and last record of every candidate; those without a live one are lost. */
static int resolve_candidates(struct attune_store *st, struct listing *l)
{
	const char **keys = calloc(2 * l->nc + 1, sizeof *keys);
	int rc;

	if (l->nc)
		qsort(l->c, l->nc, sizeof *l->c, cmp_candidate);
	for (size_t i = 0; i < l->nc; i++) {
		keys[2 * i] = key(HB, l->c[i].id);
		keys[2 * i + 1] = key(LAST, l->c[i].id);
	}
	rc = l->nc ? attune_store_mget(st, 2 * l->nc, keys, on_candidate, l) : 0;
	for (size_t i = 0; i < 2 * l->nc; i++)
		free((char *)keys[i]);
	free(keys);
	for (size_t i = 0; rc >= 0 && i < l->nc; i++) {
		struct candidate *c = &l->c[i];
		if (c->live || attune_heartbeat_final(attune_json_str(c->last, "status")))
			continue;
		if (jv_is_valid(c->last)) {
			add_agent(l, c->id, c->last, c->beat, ATTUNE_AGENT_LOST);
			c->last = jv_invalid();
		} else if (c->score >= 0) {
			add_agent(l, c->id, record(c->id, "unknown", 0, "", jv_object(), jv_null(), c->score), c->score,
			          ATTUNE_AGENT_LOST);
		}
	}
	return rc;
}

static int cmp_agent(const void *a, const void *b)
{
	const struct agent *x = a, *y = b;

	if (x->beat != y->beat)
		return x->beat < y->beat ? -1 : 1;
	return strcmp(x->id, y->id);
}

static jv listing_done(struct listing *l)
{
	jv out = jv_array();

	if (l->n)
		qsort(l->a, l->n, sizeof *l->a, cmp_agent);
	for (size_t i = 0; i < l->n; i++) {
		out = jv_array_append(out, with_state(l->a[i].rec, l->a[i].state, l->now - l->a[i].beat));
		free(l->a[i].id);
	}
	for (size_t i = 0; i < l->nkeys; i++)
		free(l->keys[i]);
	for (size_t i = 0; i < l->nc; i++) {
		free(l->c[i].id);
		jv_free(l->c[i].last);
	}
	free(l->keys);
	free(l->a);
	free(l->c);
	return out;
}

int attune_heartbeat_list(struct attune_store *st, double threshold, double now, int mask, jv *out, char *err,
                          size_t errlen)
{
	struct listing l = {.now = now, .threshold = threshold, .mask = mask};
	int rc = attune_store_scan(st, HB, on_key, &l);

	if (rc >= 0)
		rc = attune_store_mget(st, l.nkeys, (const char *const *)l.keys, on_live, &l);
	if (rc >= 0) {
		if (l.nkeys)
			qsort(l.keys, l.nkeys, sizeof *l.keys, cmp_str);
		rc = attune_store_zrange(st, INDEX, on_index, &l);
	}
	if (rc >= 0)
		rc = resolve_candidates(st, &l);
	*out = listing_done(&l);
	if (rc < 0) {
		jv_free(*out);
		*out = jv_invalid();
		return store_err(st, err, errlen);
	}
	return 0;
}

int attune_heartbeat_get(struct attune_store *st, const char *agent, double threshold, double now, jv *rec,
                         char *err, size_t errlen)
{
	struct listing l = {.now = now, .threshold = threshold, .mask = ATTUNE_AGENT_ALL};
	int rc;

	on_index(&l, agent, -1);
	rc = resolve_candidates(st, &l);
	*rec = listing_done(&l);
	if (rc < 0) {
		jv_free(*rec);
		*rec = jv_invalid();
		return store_err(st, err, errlen);
	}
	if (jv_array_length(jv_copy(*rec)) == 0) {
		jv_free(*rec);
		*rec = jv_invalid();
		return 0;
	}
	*rec = jv_array_get(*rec, 0);
	return 1;
}

int attune_heartbeat_forget(struct attune_store *st, const char *agent, char *err, size_t errlen)
{
	char *last = key(LAST, agent);
	int a = attune_store_zrem(st, INDEX, agent), b = a < 0 ? -1 : attune_store_del(st, last);

	free(last);
	if (a < 0 || b < 0)
		return store_err(st, err, errlen);
	return a || b;
}

/* ---- watching ---- */

static jv event(jv rec, const char *name, const char *previous, double now)
{
	char ts[40];

	attune_iso_time(now, ts, sizeof ts);
	rec = jv_object_set(rec, jv_string("event"), jv_string(name));
	rec = jv_object_set(rec, jv_string("previous"), previous ? jv_string(previous) : jv_null());
	return jv_object_set(rec, jv_string("timestamp"), jv_string(ts));
}

/* The event for a change from state prev (0: unknown before) to cur, or NULL. */
static const char *transition(int first, int prev, int cur)
{
	if (first)
		return cur == ATTUNE_AGENT_STALE ? "stale" : cur == ATTUNE_AGENT_LOST ? "lost" : NULL;
	if (prev == cur)
		return NULL;
	switch (cur) {
	case ATTUNE_AGENT_OK:
		return prev == ATTUNE_AGENT_STALE || prev == ATTUNE_AGENT_LOST ? "recovered" : "started";
	case ATTUNE_AGENT_STALE: return "stale";
	case ATTUNE_AGENT_FINAL: return "finished";
	default: return "lost";
	}
}

jv attune_heartbeat_diff(jv *known, jv list, double now)
{
	int first = jv_get_kind(*known) != JV_KIND_OBJECT;
	jv events = jv_array(), next = jv_object();

	if (first) {
		jv_free(*known);
		*known = jv_object();
	}
	jv_array_foreach(list, i, rec) {
		jv id = jv_object_get(jv_copy(rec), jv_string("agent_id"));
		jv prev = jv_object_get(jv_copy(*known), jv_copy(id));
		const char *pname = jv_is_valid(prev) ? attune_json_str(prev, "state") : NULL;
		int cur = state_from_name(attune_json_str(rec, "state"));
		const char *ev = transition(first, state_from_name(pname), cur);

		if (ev)
			events = jv_array_append(events, event(jv_copy(rec), ev, pname, now));
		jv_free(prev);
		next = jv_object_set(next, id, rec);
	}
	jv_object_foreach(*known, id, rec) {
		int prev = state_from_name(attune_json_str(rec, "state"));
		double beat;
		if (!jv_object_has(jv_copy(next), id) && (prev == ATTUNE_AGENT_OK || prev == ATTUNE_AGENT_STALE)) {
			const char *lb = attune_json_str(rec, "last_beat");
			jv lost = with_state(jv_copy(rec), ATTUNE_AGENT_LOST,
			                     lb && attune_parse_time(lb, &beat) == 0 ? now - beat
			                                                            : attune_json_num(rec, "age_seconds", 0));
			events = jv_array_append(events, event(lost, "lost", attune_agent_state_name(prev), now));
		}
		jv_free(rec);
	}
	jv_free(*known);
	jv_free(list);
	*known = next;
	return events;
}

/* ---- output ---- */

static void fmt_age(double s, char *buf, size_t len)
{
	long t = lround(s);

	if (s < 60)
		snprintf(buf, len, "%.1fs", s < 0 ? 0 : s);
	else if (t < 3600)
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%ldh%02ldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", t / 86400, t % 86400 / 3600);
}

static const char *str_or(jv o, const char *k, const char *def)
{
	const char *s = attune_json_str(o, k);
	return s ? s : def;
}

int attune_heartbeat_text(FILE *f, jv list)
{
	int wa = 5, ws = 6, events = 0;

	jv_array_foreach(list, i, rec) {
		int a = (int)strlen(str_or(rec, "agent_id", "")), s = (int)strlen(str_or(rec, "status", ""));
		wa = a > wa ? a : wa;
		ws = s > ws ? s : ws;
		events |= attune_json_str(rec, "event") != NULL;
		jv_free(rec);
	}
	if (!events && jv_array_length(jv_copy(list)) > 0)
		fprintf(f, "%-*s  %-5s  %7s  %-*s  %8s  %s\n", wa, "AGENT", "STATE", "AGE", ws, "STATUS", "PROGRESS", "TASK");
	jv_array_foreach(list, i, rec) {
		char age[32];
		fmt_age(attune_json_num(rec, "age_seconds", 0), age, sizeof age);
		if (events)
			fprintf(f, "%s  %-9s  ", str_or(rec, "timestamp", ""), str_or(rec, "event", ""));
		fprintf(f, "%-*s  %-5s  %7s  %-*s  %7.0f%%", wa, str_or(rec, "agent_id", ""), str_or(rec, "state", ""),
		        age, ws, str_or(rec, "status", ""), attune_json_num(rec, "progress", 0) * 100);
		fprintf(f, *str_or(rec, "current_task", "") ? "  %s\n" : "%s\n", str_or(rec, "current_task", ""));
		jv_free(rec);
	}
	return ferror(f) ? -1 : 0;
}

/* A Prometheus label value: \ " and newline escaped. */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void metric_head(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

int attune_heartbeat_prometheus(FILE *f, jv list)
{
	static const char *const names[] = {"attune_agent_up", "attune_agent_last_beat_seconds", "attune_agent_progress"};
	static const char *const help[] = {
		"1 when the agent's heartbeat is ok or final, 0 when it is stale or lost.",
		"Time of the agent's last heartbeat in seconds since the epoch.",
		"Progress last reported by the agent, 0 to 1.",
	};
	int count[ATTUNE_AGENT_LOST + 1] = {0};

	for (int m = 0; m < 3; m++) {
		metric_head(f, names[m], help[m]);
		jv_array_foreach(list, i, rec) {
			int state = state_from_name(attune_json_str(rec, "state"));
			const char *lb = attune_json_str(rec, "last_beat");
			double v = 0;
			int known = 1;
			if (m == 0) {
				v = state == ATTUNE_AGENT_OK || state == ATTUNE_AGENT_FINAL;
				count[state]++;
			} else if (m == 1) {
				known = lb && attune_parse_time(lb, &v) == 0;
			} else {
				v = attune_json_num(rec, "progress", 0);
			}
			if (known) {
				fprintf(f, "%s{agent=\"", names[m]);
				label(f, str_or(rec, "agent_id", ""));
				fprintf(f, m == 1 ? "\"} %.6f\n" : "\"} %.15g\n", v);
			}
			jv_free(rec);
		}
	}
	metric_head(f, "attune_agents", "Number of known agents by state (ok, stale, final, lost).");
	for (int s = ATTUNE_AGENT_OK; s <= ATTUNE_AGENT_LOST; s <<= 1)
		fprintf(f, "attune_agents{state=\"%s\"} %d\n", attune_agent_state_name(s), count[s]);
	return ferror(f) ? -1 : 0;
}
