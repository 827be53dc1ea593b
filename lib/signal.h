/* signal.h — coordination signals (SPEC 4.1), written once over store.h.
 * Key "empathy:signal:{target}:{type}:{signal_id}", target "*" for a broadcast.
 * A receiving agent takes a targeted signal by deleting its key (exactly one receiver wins) and
 * a broadcast by writing its receipt "attune:seen:{agent}:{signal_id}" if absent (once per
 * agent; the broadcast itself stays for the other agents). */
#ifndef ATTUNE_SIGNAL_H
#define ATTUNE_SIGNAL_H

#include <jv.h>

#include "json.h"
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

/* What attune_signal_wait() receives and how long it waits. */
struct attune_signal_wait {
	const char *agent;            /* the receiver (required) */
	const char *const *types;     /* accepted signal_type values; none = every type except the */
	size_t ntypes;                /*   approval_request/approval_response notifications */
	const char *from;             /* required source_agent, or NULL */
	struct attune_filter *filter; /* jq program (SPEC 3.3 -f), or NULL; an error = no match */
	double timeout;               /* seconds; < 0 no limit; 0 only what is pending now */
	long count;                   /* signals to deliver before returning; 0 = no limit */
	int drain;                    /* one pass over what is pending, then done */
	int peek;                     /* print without taking: nothing consumed, no receipt */
	double poll;                  /* re-check every poll seconds without a wake-up; 0 = never */
};

enum attune_wait_status {
	ATTUNE_WAIT_DONE,        /* count delivered, or the drain pass ended */
	ATTUNE_WAIT_TIMEOUT,     /* the timeout ended it before count */
	ATTUNE_WAIT_INTERRUPTED, /* attune_interrupted was set */
	ATTUNE_WAIT_OUTPUT,      /* emit failed; the signal was given back */
	ATTUNE_WAIT_ERROR,       /* store failure: attune_store_error()/attune_store_status() */
};

/* Write the values (an array, consumed) that one signal produced: 0 once they are written and
 * flushed, -1 if they could not be (the signal is then given back). */
typedef int (*attune_signal_emit)(void *ctx, jv values);

/* Receive signals for w->agent: check what is pending (oldest first by timestamp), take each match
 * (unless peek) and emit it, then block on wake-ups (and every w->poll) until count is reached,
 * the timeout passes, or SIGINT/SIGTERM. A record that does not match, or that the filter maps to
 * nothing, is not taken. A signal taken but not emitted is given back with its remaining TTL. */
enum attune_wait_status attune_signal_wait(struct attune_store *st, const struct attune_signal_wait *w,
                                           attune_signal_emit emit, void *ctx);

#endif
