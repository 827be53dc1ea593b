/* signal.h — coordination signals (SPEC 4.1), written once over store.h.
 * Key "empathy:signal:{target}:{type}:{signal_id}", target "*" for a broadcast. */
#ifndef ATTUNE_SIGNAL_H
#define ATTUNE_SIGNAL_H

#include <jv.h>

#include "store.h"

#define ATTUNE_BROADCAST "*"

/* A new signal record: signal_id (fresh), signal_type, source_agent (NULL = "unknown"),
 * target_agent (NULL = broadcast: JSON null), payload (consumed; must be an object),
 * timestamp (now), ttl_seconds (ttl_ms rounded up to whole seconds). */
jv attune_signal_new(const char *type, const char *source, const char *target, jv payload, long long ttl_ms);

/* Write the signals of the array sigs (consumed) with TTL ttl_ms in one round trip, then wake
 * their targets. 0 on success, -1 with the store's error (nothing is half-written on SQLite;
 * on Redis a lost connection may leave a prefix of the batch written). */
int attune_signal_send(struct attune_store *st, jv sigs, long long ttl_ms);

#endif
