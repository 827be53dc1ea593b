/* signal.c — coordination signals over the store. */
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
