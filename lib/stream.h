/* stream.h — typed event streams (SPEC 4.4), written once over store.h.
 * Key "stream:{event_type}"; fields event_type, timestamp, data (JSON text), source;
 * registry set "stream_registry" holding "stream:{event_type}". */
#ifndef ATTUNE_STREAM_H
#define ATTUNE_STREAM_H

#include <jv.h>

#include "store.h"

#define ATTUNE_STREAM_MAXLEN 10000

/* Publish each value of the array datas (consumed) as one event of type on its stream, in one
 * round trip, with source (NULL = "attune"), trimming to about maxlen (<= 0: no trimming), and
 * register the stream. Entry ids go to ids[i] when ids is non-NULL. 0, or -1 with the store's error. */
int attune_stream_publish(struct attune_store *st, const char *type, jv datas, const char *source, long long maxlen,
                          char (*ids)[ATTUNE_ID_MAX]);

#endif
