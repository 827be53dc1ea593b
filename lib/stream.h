/* stream.h — typed event streams (SPEC 4.4), written once over store.h.
 * Key "stream:{event_type}"; fields event_type, timestamp, data (JSON text), source;
 * registry set "stream_registry" holding "stream:{event_type}".
 *
 * Functions returning an exit status return 0 on success, otherwise the status of SPEC 3.2
 * (65 bad input, 69/77 store, 124 timed out, 130/143 interrupted) with err set, except that
 * an interruption leaves err empty. */
#ifndef ATTUNE_STREAM_H
#define ATTUNE_STREAM_H

#include <jv.h>

#include "store.h"

#define ATTUNE_STREAM_MAXLEN 10000
#define ATTUNE_STREAM_BATCH 1000 /* events per round trip when publishing and reading */

/* Publish each value of the array datas (consumed) as one event of type on its stream, in one
 * round trip, with source (NULL = "attune"), trimming to about maxlen (<= 0: no trimming), and
 * register the stream. Entry ids go to ids[i] when ids is non-NULL. 0, or -1 with the store's error. */
int attune_stream_publish(struct attune_store *st, const char *type, jv datas, const char *source, long long maxlen,
                          char (*ids)[ATTUNE_ID_MAX]);

/* Publish one event per JSON object read from fd, pipelined: values are gathered into a batch
 * until ATTUNE_STREAM_BATCH are read or no more input is ready, and each batch is one
 * attune_stream_publish. on_id(ctx, id) is called for each published event, in order, and
 * on_id(ctx, NULL) after each batch; a non-zero return ends reading (status 0). At a bad value
 * (not JSON, not an object, over 1 MiB) the values before it are published and 65 is returned;
 * nothing after it is read. Interrupted: the values read are published, then 130/143. */
int attune_stream_publish_fd(struct attune_store *st, const char *type, int fd, const char *source, long long maxlen,
                             int (*on_id)(void *ctx, const char *id), void *ctx, char *err, size_t errlen);

/* The printed event of an entry (caller owns it), decoded as attune-ai does:
 * {"event_id", "event_type", "timestamp", "data", "source"}; a missing or unreadable timestamp
 * becomes now, data that is not a JSON object becomes {}, a missing event_type "unknown", a
 * missing source "attune". */
jv attune_stream_event(const struct attune_entry *e);

/* The same event as a row: the array of its values in the order of attune_stream_keys_order,
 * cheaper to make and to print (attune_json_print_row) than the object. */
#define ATTUNE_EVENT_FIELDS 5
extern const char *const attune_stream_keys_order[ATTUNE_EVENT_FIELDS];
jv attune_stream_event_row(const struct attune_entry *e);
/* The object of a row (consumed). */
jv attune_stream_event_object(jv row);

/* Parse a --from position into a read cursor (an exclusive entry id, or "$"):
 * "$" (now), "0" (the beginning), an entry id "ms" or "ms-seq" (events after it), or an ISO-8601
 * time (events whose id time is at or after it). -1 if s is none of these. */
int attune_stream_parse_from(const char *s, char cursor[ATTUNE_ID_MAX]);

/* The stream keys to use when no type is named (*keys a sorted array of strings, caller owns):
 * the members of the registry, or when it is empty every key starting with "stream:".
 * 0, or -1 with the store's error. */
int attune_stream_keys(struct attune_store *st, jv *keys);

/* What to consume and how to deliver it. */
struct attune_consume {
	const char *const *types; /* event types; ntypes 0 = every registered stream, re-checked while following */
	size_t ntypes;
	const char *from;         /* cursor from attune_stream_parse_from ("$": now, without gap) */
	const char *group;        /* consumer group, NULL for none; created at from on first use */
	const char *consumer;     /* required with group */
	long long claim_idle_ms;  /* with group: take over entries pending that long (-1: never) */
	long count;               /* stop after count delivered events (-1: no limit) */
	double timeout;           /* stop after this many seconds (-1: never) */
	int until_caught_up;      /* stop once nothing more is waiting */
	/* Deliver one event as a row (attune_stream_event_row; consumed): 0 delivered, 1 skipped
	 * (not counted, not acknowledged), -1 output failed (stop). */
	int (*deliver)(void *ctx, jv row);
	/* Make the deliveries so far durable (flush stdout); -1 when the output failed (stop, and
	 * acknowledge nothing since the last successful flush). Called once per batch. */
	int (*flush)(void *ctx);
	void *ctx;
};

/* Consume events oldest first (merged by id across streams). With a group, this consumer's own
 * pending entries are delivered first, then entries claimed with claim_idle_ms, then new ones;
 * an entry is acknowledged only after a flush that followed its delivery succeeded. Entries read
 * but not delivered (count reached, interrupted, output failed) stay pending for the consumer.
 * Blocks in slices of at most 1 s so SIGINT/SIGTERM end it within 1 s.
 * Returns 0 (count reached, caught up, timeout after something was delivered, output failed),
 * 124 (timeout, nothing delivered), 130/143, or a store status with err. */
int attune_stream_consume(struct attune_store *st, const struct attune_consume *c, char *err, size_t errlen);

/* The newest count events of type, newest first, each passed to cb as a row (consumed; non-zero
 * stops). 0, or -1 with the store's error. */
int attune_stream_recent(struct attune_store *st, const char *type, long count, int (*cb)(void *ctx, jv row),
                         void *ctx);

/* Registered streams: *out an array of {"event_type", "stream", "length"} (caller owns). 0 or -1. */
int attune_stream_list(struct attune_store *st, jv *out);

/* *out = {"event_type", "stream", "length", "first_id", "last_id", "groups": [{"name",
 * "consumers", "pending", "lag", "last_delivered_id"}]} (ids null when empty, lag null when
 * unknown). 1 with *out set, 0 no such stream, -1 with the store's error. */
int attune_stream_info(struct attune_store *st, const char *type, jv *out);

/* Trim the stream of type to about maxlen newest events (exactly on the embedded store); the
 * number removed, or -1 with the store's error. */
long long attune_stream_trim(struct attune_store *st, const char *type, long long maxlen);

/* Delete the stream of type and unregister it: 1 deleted, 0 there was none, -1 error. */
int attune_stream_delete(struct attune_store *st, const char *type);

#endif
