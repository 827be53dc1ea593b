/* approval.h — human approval gates (SPEC 4.3), written once over store.h, signal.h, stream.h.
 * Keys "approval_request:{id}" (TTL timeout + 60 s; 300 s once answered; 60 s once timed out)
 * and "approval_response:{id}" (TTL 300 s). A response wakes its requester through the store
 * target "approval:{id}"; responses written without a wake-up (attune-ai) are found by polling.
 * Every request, response and timeout is also broadcast as a signal (requests and responses,
 * as attune-ai does) and published as an audit event on the streams "approval_request",
 * "approval_response" and "approval_timeout". */
#ifndef ATTUNE_APPROVAL_H
#define ATTUNE_APPROVAL_H

#include <jv.h>
#include <stddef.h>

#include "store.h"

#define ATTUNE_APPROVAL_TIMEOUT 300.0 /* seconds a requester waits by default */
#define ATTUNE_APPROVAL_POLL 1.0      /* seconds between checks for responses without wake-up */

/* A new pending request: request_id (fresh "approval_" + 8 hex), approval_type, agent_id,
 * context (consumed; must be an object), timestamp (now), timeout_seconds, status "pending". */
jv attune_approval_new(const char *type, const char *agent, jv context, double timeout);

/* Write the request req (consumed), announce it, and block until it is answered or its
 * timeout_seconds pass, checking for a response on every wake-up and every poll seconds
 * (0: only on wake-ups). At the deadline the request is rewritten "timeout" unless a response
 * arrived first, atomically. Returns 1 answered (*resp the response), 0 timed out (*resp the
 * timeout response of "system"), -1 store error (attune_store_error), -2 interrupted by
 * SIGINT/SIGTERM (the request is left pending). */
int attune_approval_request(struct attune_store *st, jv req, double poll, jv *resp);

/* Answer the pending request id; the first response wins. Returns 1 recorded (*resp the
 * response), 0 refused (why says: unknown or expired, already answered, timed out),
 * -1 store error: *resp is then the response if it was recorded before the error (the
 * announcement failed), else invalid. */
int attune_approval_respond(struct attune_store *st, const char *id, int approved, const char *responder,
                            const char *reason, jv *resp, char *why, size_t whylen);

/* Pending requests (of type, when non-NULL), oldest first, as an array in *out.
 * 0, or -1 with the store's error. */
int attune_approval_pending(struct attune_store *st, const char *type, jv *out);

/* The request and response of id into *req and *resp (JSON null when absent).
 * 1 if either exists, 0 if neither, -1 store error. */
int attune_approval_get(struct attune_store *st, const char *id, jv *req, jv *resp);

/* Mark every pending request older than its timeout "timeout" (as a requester at its deadline
 * would). *n the number marked. 0, or -1 with the store's error. */
int attune_approval_expire(struct attune_store *st, long *n);

/* For people. Age of a request in seconds (now - timestamp; 0 when unreadable). */
double attune_approval_age(jv req, double now);
/* "42s", "3m05s", "2h07m", "3d04h" into buf. */
void attune_approval_age_text(double secs, char *buf, size_t len);
/* A multi-line description of a request (id, type, requester, age, status, context indented),
 * malloc'd; the caller frees. Does not consume req. */
char *attune_approval_describe(jv req, double now);

#endif
