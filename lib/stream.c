/* stream.c — event streams over the store. */
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "stream.h"

#define REGISTRY "stream_registry"
#define PREFIX "stream:"

/* "stream:{type}"; caller frees. */
static char *stream_key(const char *type)
{
	char *key;

	if (asprintf(&key, PREFIX "%s", type) < 0)
		abort();
	return key;
}

static int store_status(struct attune_store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", attune_store_error(st));
	return attune_store_status(st);
}

int attune_stream_publish(struct attune_store *st, const char *type, jv datas, const char *source, long long maxlen,
                          char (*ids)[ATTUNE_ID_MAX])
{
	static const char *const fields[] = {"event_type", "timestamp", "data", "source"};
	size_t n = (size_t)jv_array_length(jv_copy(datas));
	struct attune_entry *e = calloc(n + 1, sizeof *e);
	const char **vals = calloc(4 * n + 1, sizeof *vals);
	size_t *lens = calloc(4 * n + 1, sizeof *lens);
	char ts[40], *key = stream_key(type);
	int rc;

	if (!source)
		source = "attune";
	attune_iso_time(attune_now(), ts, sizeof ts);
	for (size_t i = 0; i < n; i++) {
		const char **v = vals + 4 * i;
		size_t *l = lens + 4 * i;
		v[0] = type, l[0] = strlen(type);
		v[1] = ts, l[1] = strlen(ts);
		v[2] = attune_json_dump(jv_array_get(jv_copy(datas), (int)i), &l[2]);
		v[3] = source, l[3] = strlen(source);
		e[i] = (struct attune_entry){.nfields = 4, .fields = fields, .values = v, .lens = l};
	}
	rc = attune_store_xadd(st, key, n, e, maxlen, ids);
	if (rc == 0 && attune_store_sadd(st, REGISTRY, key) < 0)
		rc = -1;
	for (size_t i = 0; i < n; i++)
		free((char *)vals[4 * i + 2]);
	free(key);
	free(e);
	free(vals);
	free(lens);
	jv_free(datas);
	return rc < 0 ? -1 : 0;
}

int attune_stream_publish_fd(struct attune_store *st, const char *type, int fd, const char *source, long long maxlen,
                             int (*on_id)(void *ctx, const char *id), void *ctx, char *err, size_t errlen)
{
	struct attune_jreader *r = attune_jreader_new(fd);
	char (*ids)[ATTUNE_ID_MAX] = malloc(ATTUNE_STREAM_BATCH * sizeof *ids);
	jv batch = jv_array(), v;
	int n = 0, got, status = 0, stop = 0;
	long nread = 0;

	*err = 0;
	do {
		got = attune_jreader_next(r, &v, err, errlen);
		if (got == 1 && jv_get_kind(v) != JV_KIND_OBJECT) {
			snprintf(err, errlen, "input value %ld: event data must be a JSON object", nread + 1);
			jv_free(v);
			got = -1;
		}
		if (got == 1) {
			batch = jv_array_append(batch, v);
			n++, nread++;
			/* Pipelining: publish when the batch is full or the writer makes us wait. */
			if (n < ATTUNE_STREAM_BATCH && attune_jreader_ready(r))
				continue;
		}
		if (n > 0) {
			if (attune_stream_publish(st, type, batch, source, maxlen, ids) < 0) {
				batch = jv_array();
				status = store_status(st, err, errlen);
				break;
			}
			for (int i = 0; i < n && !stop; i++)
				stop = on_id(ctx, ids[i]) != 0;
			stop = stop || on_id(ctx, NULL) != 0;
			batch = jv_array();
			n = 0;
		}
	} while (got == 1 && !stop);
	if (got < 0 && !status && !stop) {
		status = EXIT_DATAERR;
		if (attune_interrupted) {
			status = attune_interrupt_status();
			*err = 0;
		}
	}
	jv_free(batch);
	free(ids);
	attune_jreader_free(r);
	return status;
}

const char *const attune_stream_keys_order[ATTUNE_EVENT_FIELDS] = {"event_id", "event_type", "timestamp", "data",
                                                                   "source"};

/* Digits at s[0..n). */
static int digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Is ts a timestamp? The form attune writes ("2026-11-25T15:27:58.027705+00:00") is checked
 * here cheaply, anything else by the full parser. */
static int valid_time(const char *ts)
{
	double t;

	if (strlen(ts) == 32 && digits(ts, 4) && ts[4] == '-' && digits(ts + 5, 2) && ts[7] == '-' &&
	    digits(ts + 8, 2) && ts[10] == 'T' && digits(ts + 11, 2) && ts[13] == ':' && digits(ts + 14, 2) &&
	    ts[16] == ':' && digits(ts + 17, 2) && ts[19] == '.' && digits(ts + 20, 6) && !strcmp(ts + 26, "+00:00")) {
		int mon = atoi(ts + 5), day = atoi(ts + 8);
		return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && atoi(ts + 11) < 24 && atoi(ts + 14) < 60 &&
		       atoi(ts + 17) <= 60;
	}
	return attune_parse_time(ts, &t) == 0;
}

/* The string s as a jv, reused from *slot when it holds the same bytes: the type, the source
 * and (within a published batch) the timestamp repeat from one entry to the next. */
static jv cached(jv *slot, const char *s, size_t len)
{
	if (!slot)
		return jv_string_sized(s, (int)len);
	if (jv_get_kind(*slot) != JV_KIND_STRING || (size_t)jv_string_length_bytes(jv_copy(*slot)) != len ||
	    memcmp(jv_string_value(*slot), s, len)) {
		jv_free(*slot);
		*slot = jv_string_sized(s, (int)len);
	}
	return jv_copy(*slot);
}

/* An entry's row; cache NULL, or 3 slots (jv_invalid() at first) kept between calls. */
static jv event_row(const struct attune_entry *e, jv *cache)
{
	const char *type = NULL, *ts = NULL, *data = NULL, *source = NULL;
	size_t tlen = 0, tslen = 0, dlen = 0, slen = 0;
	char now[40];
	jv d, t, row = jv_array_sized(ATTUNE_EVENT_FIELDS);

	for (size_t i = 0; i < e->nfields; i++) {
		const char *f = e->fields[i];
		if (!strcmp(f, "event_type"))
			type = e->values[i], tlen = e->lens[i];
		else if (!strcmp(f, "timestamp"))
			ts = e->values[i], tslen = e->lens[i];
		else if (!strcmp(f, "data"))
			data = e->values[i], dlen = e->lens[i];
		else if (!strcmp(f, "source"))
			source = e->values[i], slen = e->lens[i];
	}
	d = data ? attune_json_value(data, dlen) : jv_invalid();
	if (jv_get_kind(d) != JV_KIND_OBJECT) {
		jv_free(d);
		d = jv_object();
	}
	if (ts && cache && jv_get_kind(cache[1]) == JV_KIND_STRING && !strcmp(ts, jv_string_value(cache[1]))) {
		t = jv_copy(cache[1]);
	} else if (ts && valid_time(ts)) {
		t = cached(cache ? &cache[1] : NULL, ts, tslen);
	} else {
		attune_iso_time(attune_now(), now, sizeof now);
		t = jv_string(now);
	}
	row = jv_array_append(row, jv_string(e->id));
	row = jv_array_append(row, type ? cached(cache ? &cache[0] : NULL, type, tlen) : jv_string("unknown"));
	row = jv_array_append(row, t);
	row = jv_array_append(row, d);
	return jv_array_append(row, source ? cached(cache ? &cache[2] : NULL, source, slen) : jv_string("attune"));
}

jv attune_stream_event_row(const struct attune_entry *e)
{
	return event_row(e, NULL);
}

jv attune_stream_event_object(jv row)
{
	jv ev = jv_object();

	for (int i = 0; i < ATTUNE_EVENT_FIELDS; i++)
		ev = jv_object_set(ev, jv_string(attune_stream_keys_order[i]), jv_array_get(jv_copy(row), i));
	jv_free(row);
	return ev;
}

jv attune_stream_event(const struct attune_entry *e)
{
	return attune_stream_event_object(attune_stream_event_row(e));
}

/* An entry id "ms" or "ms-seq" (decimal, 64-bit). 0 or -1. */
static int id_parse(const char *s, unsigned long long *ms, unsigned long long *seq)
{
	size_t a = strspn(s, "0123456789"), b;

	*seq = 0;
	if (a == 0 || a > 20)
		return -1;
	*ms = strtoull(s, NULL, 10);
	if (!s[a])
		return a == 20 && *ms == ULLONG_MAX ? -1 : 0;
	if (s[a] != '-')
		return -1;
	b = strspn(s + a + 1, "0123456789");
	if (b == 0 || b > 20 || s[a + 1 + b])
		return -1;
	*seq = strtoull(s + a + 1, NULL, 10);
	return 0;
}

/* Order of two parsed ids. */
static int id_cmp(unsigned long long ams, unsigned long long aseq, unsigned long long bms, unsigned long long bseq)
{
	if (ams != bms)
		return ams < bms ? -1 : 1;
	return aseq < bseq ? -1 : aseq > bseq;
}

int attune_stream_parse_from(const char *s, char cursor[ATTUNE_ID_MAX])
{
	unsigned long long ms, seq;
	double t;

	if (!strcmp(s, "$")) {
		strcpy(cursor, "$");
		return 0;
	}
	if (id_parse(s, &ms, &seq) == 0) {
		snprintf(cursor, ATTUNE_ID_MAX, "%llu-%llu", ms, seq);
		return 0;
	}
	if (attune_parse_time(s, &t) < 0 || t < 0)
		return -1;
	/* The last id before the time's millisecond (sequence numbers stay below 2^63 on both
	 * stores): XREAD starts after it. */
	ms = (unsigned long long)floor(t * 1000);
	if (ms == 0)
		strcpy(cursor, "0-0");
	else
		snprintf(cursor, ATTUNE_ID_MAX, "%llu-%lld", ms - 1, LLONG_MAX);
	return 0;
}

static int key_into_set(void *ctx, const char *key)
{
	jv *set = ctx;

	*set = jv_object_set(*set, jv_string(key), jv_true());
	return 0;
}

int attune_stream_keys(struct attune_store *st, jv *keys)
{
	jv set = jv_object();

	if (attune_store_smembers(st, REGISTRY, key_into_set, &set) < 0 ||
	    (jv_object_length(jv_copy(set)) == 0 && attune_store_scan(st, PREFIX, key_into_set, &set) < 0)) {
		jv_free(set);
		return -1;
	}
	*keys = jv_keys(set); /* sorted */
	return 0;
}

/* ---- consuming ---- */

struct qent { /* an event read, waiting to be delivered */
	unsigned long long ms, seq;
	char id[ATTUNE_ID_MAX];
	jv ev;
};

struct src { /* one stream being consumed */
	char *key;
	char cur[ATTUNE_ID_MAX]; /* read cursor (without a group) */
	struct qent *q;          /* q[head..n) waiting */
	size_t head, n, cap;
	long got;                /* entries received by the current read */
	int more;                /* the last read was full: more may be waiting */
};

struct ack { /* delivered, to acknowledge after a flush */
	size_t src;
	char id[ATTUNE_ID_MAX];
};

struct run {
	struct attune_store *st;
	const struct attune_consume *c;
	struct src *s;
	size_t ns, cap, hint;
	struct ack *acks;
	size_t nacks, ackcap;
	long delivered, unflushed;
	int stop;                  /* output failed */
	size_t phase_src;          /* the stream of a pending or claim phase */
	char seen[ATTUNE_ID_MAX];  /* pending phase: newest id already handled */
	long fresh;                /* pending phase: entries not handled before */
	jv cache[3];               /* event_row's strings */
};

static int count_reached(const struct run *r)
{
	return r->c->count > 0 && r->delivered >= r->c->count;
}

/* How many to ask for: a batch, or fewer when -c leaves fewer to deliver. */
static long want(const struct run *r, size_t buffered)
{
	long left;

	if (r->c->count <= 0)
		return ATTUNE_STREAM_BATCH;
	left = r->c->count - r->delivered - (long)buffered;
	return left < 1 ? 1 : left < ATTUNE_STREAM_BATCH ? left : ATTUNE_STREAM_BATCH;
}

static size_t find_src(struct run *r, const char *key)
{
	if (r->hint < r->ns && !strcmp(r->s[r->hint].key, key))
		return r->hint;
	for (size_t i = 0; i < r->ns; i++)
		if (!strcmp(r->s[i].key, key))
			return r->hint = i;
	return (size_t)-1;
}

/* Start consuming key: "$" is now for streams there at the start, the beginning for streams
 * that appear later (all their events are newer than the start). */
static int add_src(struct run *r, const char *key, int at_start)
{
	struct src *s;

	if (r->ns == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->s = realloc(r->s, r->cap * sizeof *r->s);
	}
	s = memset(&r->s[r->ns], 0, sizeof *s);
	s->key = strdup(key);
	s->more = 1; /* unknown until read */
	r->ns++;
	if (strcmp(r->c->from, "$"))
		snprintf(s->cur, sizeof s->cur, "%s", r->c->from);
	else if (!at_start)
		strcpy(s->cur, "0-0");
	else if (attune_store_xlast(r->st, key, s->cur) < 0)
		return -1;
	if (r->c->group && attune_store_xgroup_create(r->st, key, r->c->group, s->cur) < 0)
		return -1;
	return 0;
}

/* Follow streams that were registered since the last look (no types named). */
static int discover(struct run *r, int at_start)
{
	jv keys;
	int rc = 0;

	if (attune_stream_keys(r->st, &keys) < 0)
		return -1;
	jv_array_foreach(keys, i, k) {
		if (rc == 0 && find_src(r, jv_string_value(k)) == (size_t)-1)
			rc = add_src(r, jv_string_value(k), at_start);
		jv_free(k);
	}
	jv_free(keys);
	return rc;
}

static void push_ack(struct run *r, size_t src, const char *id)
{
	if (r->nacks == r->ackcap) {
		r->ackcap = r->ackcap ? 2 * r->ackcap : 256;
		r->acks = realloc(r->acks, r->ackcap * sizeof *r->acks);
	}
	r->acks[r->nacks].src = src;
	snprintf(r->acks[r->nacks++].id, ATTUNE_ID_MAX, "%s", id);
}

/* Hand one event to the caller; non-zero when the output failed. */
static int deliver(struct run *r, size_t src, jv ev, const char *id)
{
	int rc = r->c->deliver(r->c->ctx, ev);

	if (rc < 0)
		return r->stop = 1;
	if (rc == 0) {
		r->delivered++, r->unflushed++;
		if (r->c->group)
			push_ack(r, src, id);
	}
	return 0;
}

static int by_src(const void *a, const void *b)
{
	size_t x = ((const struct ack *)a)->src, y = ((const struct ack *)b)->src;
	return (x > y) - (x < y);
}

/* Acknowledge the first n acks with one call per stream. */
static int ack_all(struct run *r, size_t n)
{
	const char **ids;
	int rc = 0;

	if (!n)
		return 0;
	qsort(r->acks, n, sizeof *r->acks, by_src);
	ids = malloc(n * sizeof *ids);
	for (size_t i = 0, j; i < n && rc == 0; i = j) {
		for (j = i; j < n && r->acks[j].src == r->acks[i].src; j++)
			ids[j - i] = r->acks[j].id;
		rc = attune_store_xack(r->st, r->s[r->acks[i].src].key, r->c->group, j - i, ids) < 0 ? -1 : 0;
	}
	free(ids);
	return rc;
}

/* Flush, then acknowledge what the flush made durable; idle: flush even if nothing was
 * delivered (lets the caller notice a reader that went away). -1 on a store error. */
static int commit(struct run *r, int idle)
{
	size_t n = r->nacks;

	r->nacks = 0;
	if (!r->unflushed && !idle)
		return ack_all(r, n);
	r->unflushed = 0;
	if (r->c->flush(r->c->ctx) < 0) {
		r->stop = 1;
		return 0;
	}
	return ack_all(r, n);
}

/* An entry of a pending or claim phase: delivered at once. */
static int phase_entry(void *ctx, const char *key, const struct attune_entry *e)
{
	struct run *r = ctx;
	unsigned long long ms, seq, sms, sseq;

	(void)key;
	if (r->seen[0] && id_parse(e->id, &ms, &seq) == 0 && id_parse(r->seen, &sms, &sseq) == 0) {
		if (id_cmp(ms, seq, sms, sseq) <= 0)
			return 0;
		snprintf(r->seen, sizeof r->seen, "%s", e->id);
		r->fresh++;
	}
	if (r->stop || count_reached(r) || attune_interrupted)
		return 1;
	if (e->nfields == 0) { /* trimmed away while pending: nothing to deliver */
		push_ack(r, r->phase_src, e->id);
		return 0;
	}
	return deliver(r, r->phase_src, event_row(e, r->cache), e->id);
}

static int finished(const struct run *r)
{
	return r->stop || count_reached(r) || attune_interrupted;
}

/* Deliver again what this consumer read before but never acknowledged. */
static int redeliver_own(struct run *r, size_t i)
{
	r->phase_src = i;
	strcpy(r->seen, "0-0");
	do {
		r->fresh = 0;
		if (attune_store_xpending_own(r->st, r->s[i].key, r->c->group, r->c->consumer, want(r, 0), phase_entry,
		                              r) < 0 ||
		    commit(r, 0) < 0)
			return -1;
	} while (r->fresh > 0 && !finished(r));
	r->seen[0] = 0;
	return 0;
}

/* Take over and deliver entries other consumers left pending too long. */
static int claim_idle(struct run *r, size_t i)
{
	int rc;

	r->phase_src = i;
	do {
		long w = want(r, 0);
		rc = attune_store_xclaim_idle(r->st, r->s[i].key, r->c->group, r->c->consumer, r->c->claim_idle_ms, w,
		                              phase_entry, r);
		if (rc < 0 || commit(r, 0) < 0)
			return -1;
		if (rc < w)
			break;
	} while (!finished(r));
	return 0;
}

static int read_entry(void *ctx, const char *key, const struct attune_entry *e)
{
	struct run *r = ctx;
	size_t i = find_src(r, key);
	struct src *s;
	struct qent *q;

	if (i == (size_t)-1)
		return 0;
	s = &r->s[i];
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->q = realloc(s->q, s->cap * sizeof *s->q);
	}
	q = &s->q[s->n++];
	if (id_parse(e->id, &q->ms, &q->seq) < 0)
		q->ms = q->seq = 0;
	snprintf(q->id, sizeof q->id, "%s", e->id);
	q->ev = event_row(e, r->cache);
	if (!r->c->group)
		snprintf(s->cur, sizeof s->cur, "%s", e->id);
	s->got++;
	return 0;
}

/* Deliver waiting events in id order across streams, until a stream that may hold more runs
 * dry (it must be read again before anything newer can be ordered). */
static void merge(struct run *r)
{
	while (!finished(r)) {
		struct src *best = NULL;
		for (size_t i = 0; i < r->ns; i++) {
			struct src *s = &r->s[i];
			if (s->head < s->n && (!best || id_cmp(s->q[s->head].ms, s->q[s->head].seq, best->q[best->head].ms,
			                                       best->q[best->head].seq) < 0))
				best = s;
		}
		if (!best)
			return;
		struct qent *q = &best->q[best->head++];
		deliver(r, (size_t)(best - r->s), q->ev, q->id);
		if (best->head == best->n && best->more)
			return;
	}
}

/* Milliseconds to block: at most 0.5 s (so that a signal ends us well within 1 s), and not past
 * the deadline or the next periodic task. */
static long slice_ms(double now, double deadline, double next_task)
{
	double until = now + 0.5;

	if (deadline >= 0 && deadline < until)
		until = deadline;
	if (next_task < until)
		until = next_task;
	return until <= now ? 0 : (long)ceil((until - now) * 1000);
}

/* Events waiting in memory, and whether a stream may hold more than was read. */
static size_t waiting(const struct run *r, int *more)
{
	size_t n = 0;

	*more = 0;
	for (size_t i = 0; i < r->ns; i++) {
		n += r->s[i].n - r->s[i].head;
		*more |= r->s[i].more;
	}
	return n;
}

/* One read of every stream with nothing waiting; *got the number of entries read. */
static int read_round(struct run *r, size_t buffered, long block, long *got)
{
	const char **keys = malloc((r->ns + 1) * sizeof *keys), **ids = malloc((r->ns + 1) * sizeof *ids);
	size_t n = 0;
	long w = want(r, buffered);
	int rc;

	for (size_t i = 0; i < r->ns; i++) {
		struct src *s = &r->s[i];
		s->got = -1;
		if (s->head < s->n)
			continue;
		s->head = s->n = 0;
		s->got = 0;
		keys[n] = s->key;
		ids[n++] = s->cur;
	}
	if (r->c->group)
		rc = attune_store_xreadgroup(r->st, r->c->group, r->c->consumer, n, keys, w, block, read_entry, r);
	else
		rc = attune_store_xread(r->st, n, keys, ids, w, block, read_entry, r);
	for (size_t i = 0; i < r->ns; i++)
		if (r->s[i].got >= 0)
			r->s[i].more = r->s[i].got >= w;
	*got = rc < 0 ? 0 : rc;
	free(keys);
	free(ids);
	return rc < 0 ? -1 : 0;
}

static int run_loop(struct run *r)
{
	const struct attune_consume *c = r->c;
	double start = attune_monotonic(), deadline = c->timeout >= 0 ? start + c->timeout : -1;
	double claim_every = c->claim_idle_ms < 100 ? 0.1 : c->claim_idle_ms > 1000 ? 1.0 : c->claim_idle_ms / 1000.0;
	double next_claim = c->group && c->claim_idle_ms >= 0 ? start : INFINITY;
	double next_scan = c->ntypes ? INFINITY : start + 1.0;

	if (c->group)
		for (size_t i = 0; i < r->ns && !finished(r); i++)
			if (redeliver_own(r, i) < 0)
				return -1;
	for (;;) {
		double now = attune_monotonic();
		int more;
		size_t buffered = waiting(r, &more);
		long got = 0;

		if (finished(r))
			return 0;
		if (!buffered && now >= next_claim) {
			for (size_t i = 0; i < r->ns && !finished(r); i++)
				if (claim_idle(r, i) < 0)
					return -1;
			next_claim = now + claim_every;
			if (finished(r))
				return 0;
		}
		if (now >= next_scan) {
			if (discover(r, 0) < 0)
				return -1;
			next_scan = now + 1.0;
		}
		if (r->ns == 0 && !c->until_caught_up) {
			poll(NULL, 0, (int)slice_ms(now, deadline, next_scan));
		} else if (r->ns > 0) {
			long block = buffered || c->until_caught_up ? 0 : slice_ms(now, deadline, fmin(next_claim, next_scan));
			if (read_round(r, buffered, block, &got) < 0)
				return attune_interrupted ? 0 : -1;
		}
		if (attune_interrupted)
			return 0;
		merge(r);
		if (commit(r, !got && !buffered) < 0)
			return -1;
		if (c->until_caught_up && !waiting(r, &more) && !more)
			return 0;
		if (deadline >= 0 && attune_monotonic() >= deadline)
			return 0;
	}
}

int attune_stream_consume(struct attune_store *st, const struct attune_consume *c, char *err, size_t errlen)
{
	struct run r = {.st = st, .c = c, .cache = {jv_invalid(), jv_invalid(), jv_invalid()}};
	int rc = 0, status = 0;

	*err = 0;
	for (size_t i = 0; i < c->ntypes && rc == 0; i++) {
		char *key = stream_key(c->types[i]);
		if (find_src(&r, key) == (size_t)-1)
			rc = add_src(&r, key, 1);
		free(key);
	}
	if (rc == 0 && c->ntypes == 0)
		rc = discover(&r, 1);
	if (rc == 0)
		rc = run_loop(&r);
	if (rc < 0 && !attune_interrupted)
		status = store_status(st, err, errlen);
	else if (attune_interrupted)
		status = attune_interrupt_status();
	else if (!r.stop && c->timeout >= 0 && r.delivered == 0 && !count_reached(&r) && !c->until_caught_up)
		status = EXIT_TIMEOUT;
	for (size_t i = 0; i < r.ns; i++) {
		for (size_t j = r.s[i].head; j < r.s[i].n; j++)
			jv_free(r.s[i].q[j].ev);
		free(r.s[i].q);
		free(r.s[i].key);
	}
	for (int i = 0; i < 3; i++)
		jv_free(r.cache[i]);
	free(r.s);
	free(r.acks);
	return status;
}

/* ---- reading and managing streams ---- */

struct recent {
	int (*cb)(void *ctx, jv row);
	void *ctx;
};

static int recent_entry(void *ctx, const char *key, const struct attune_entry *e)
{
	struct recent *rc = ctx;

	(void)key;
	return rc->cb(rc->ctx, attune_stream_event_row(e));
}

int attune_stream_recent(struct attune_store *st, const char *type, long count, int (*cb)(void *ctx, jv row),
                         void *ctx)
{
	struct recent rc = {cb, ctx};
	char *key = stream_key(type);
	int n = attune_store_xrange(st, key, "-", "+", count, 1, recent_entry, &rc);

	free(key);
	return n < 0 ? -1 : 0;
}

/* "stream:x" -> "x" */
static const char *type_of(const char *key)
{
	return strncmp(key, PREFIX, strlen(PREFIX)) ? key : key + strlen(PREFIX);
}

int attune_stream_list(struct attune_store *st, jv *out)
{
	jv keys, list;
	int rc = 0;

	if (attune_stream_keys(st, &keys) < 0)
		return -1;
	list = jv_array();
	jv_array_foreach(keys, i, k) {
		long long n = rc < 0 ? -1 : attune_store_xlen(st, jv_string_value(k));
		if (n < 0)
			rc = -1;
		else
			list = jv_array_append(list, jv_object_set(jv_object_set(jv_object_set(jv_object(),
			                       jv_string("event_type"), jv_string(type_of(jv_string_value(k)))),
			                       jv_string("stream"), jv_copy(k)), jv_string("length"), jv_number((double)n)));
		jv_free(k);
	}
	jv_free(keys);
	if (rc < 0) {
		jv_free(list);
		return -1;
	}
	*out = list;
	return 0;
}

static int first_id(void *ctx, const char *key, const struct attune_entry *e)
{
	(void)key;
	snprintf(ctx, ATTUNE_ID_MAX, "%s", e->id);
	return 0;
}

static int add_group(void *ctx, const struct attune_group_info *g)
{
	jv *groups = ctx, o = jv_object();

	o = jv_object_set(o, jv_string("name"), jv_string(g->name));
	o = jv_object_set(o, jv_string("consumers"), jv_number((double)g->consumers));
	o = jv_object_set(o, jv_string("pending"), jv_number((double)g->pending));
	o = jv_object_set(o, jv_string("lag"), g->lag < 0 ? jv_null() : jv_number((double)g->lag));
	o = jv_object_set(o, jv_string("last_delivered_id"), jv_string(g->last_delivered));
	*groups = jv_array_append(*groups, o);
	return 0;
}

int attune_stream_info(struct attune_store *st, const char *type, jv *out)
{
	char *key = stream_key(type), first[ATTUNE_ID_MAX] = "", last[ATTUNE_ID_MAX];
	jv groups = jv_array(), o;
	long long len = -1;
	int rc = attune_store_xlast(st, key, last);

	if (rc > 0 && ((len = attune_store_xlen(st, key)) < 0 ||
	               attune_store_xrange(st, key, "-", "+", 1, 0, first_id, first) < 0 ||
	               attune_store_xgroups(st, key, add_group, &groups) < 0))
		rc = -1;
	if (rc > 0) {
		o = jv_object_set(jv_object(), jv_string("event_type"), jv_string(type));
		o = jv_object_set(o, jv_string("stream"), jv_string(key));
		o = jv_object_set(o, jv_string("length"), jv_number((double)len));
		o = jv_object_set(o, jv_string("first_id"), *first ? jv_string(first) : jv_null());
		o = jv_object_set(o, jv_string("last_id"), *first ? jv_string(last) : jv_null());
		*out = jv_object_set(o, jv_string("groups"), groups);
	} else {
		jv_free(groups);
	}
	free(key);
	return rc;
}

long long attune_stream_trim(struct attune_store *st, const char *type, long long maxlen)
{
	char *key = stream_key(type);
	long long n = attune_store_xtrim(st, key, maxlen);

	free(key);
	return n;
}

int attune_stream_delete(struct attune_store *st, const char *type)
{
	char *key = stream_key(type);
	int rc = attune_store_del(st, key);

	if (rc >= 0 && attune_store_srem(st, REGISTRY, key) < 0)
		rc = -1;
	free(key);
	return rc;
}
