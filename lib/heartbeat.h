/* heartbeat.h — agent heartbeats (SPEC 4.2): beating, supervising a command, and the listing
 * of stale and lost agents (SPEC 5.3, 5.4), over store.h only.
 *
 * Keys (the store adds the namespace): empathy:heartbeat:{agent} (the record, with TTL, as
 * attune-ai writes it), attune:heartbeat:index (sorted set agent -> last beat, epoch seconds)
 * and attune:heartbeat:last:{agent} (the last record, no TTL). The last two exist while an
 * agent beats with a non-final status; a final status removes them, so an indexed agent whose
 * record expired is "lost".
 *
 * Functions return 0 (or a count) on success and -1 with err set on failure; the exit code for
 * a store failure is attune_store_status(st). Returned jv values belong to the caller. */
#ifndef ATTUNE_HEARTBEAT_H
#define ATTUNE_HEARTBEAT_H

#include <jv.h>
#include <stdio.h>

#include "store.h"

#define ATTUNE_HEARTBEAT_TTL 30.0   /* seconds, as attune-ai */
#define ATTUNE_STALE_THRESHOLD 60.0 /* seconds, as attune-ai */

/* 1 for completed, failed, cancelled. */
int attune_heartbeat_final(const char *status);

enum attune_beat_kind {
	ATTUNE_BEAT,         /* status (default running); unset fields kept from a live non-final record */
	ATTUNE_BEAT_START,   /* a fresh record: status, progress, task given or starting / 0.0 / initializing */
	ATTUNE_BEAT_STOP,    /* final status (default completed) / 1.0 / finished / {"final": true} + meta */
	ATTUNE_BEAT_REFRESH, /* the live record as it is (any writer), only last_beat renewed */
};

/* One beat. Unset: status/task/name NULL, progress < 0, meta not an object, ttl < 0.
 * REFRESH falls back to an ATTUNE_BEAT with these fields when the agent has no live record.
 * ttl < 0: 30 s, and for a non-final beat at least what the live record still has to live,
 * so a short-lived beat from inside a supervised command never shortens the supervisor's. */
struct attune_beat {
	enum attune_beat_kind kind;
	const char *status;
	double progress;
	const char *task;
	jv meta; /* not consumed */
	const char *name;
	double ttl;
};

/* Write one beat for agent (record, index, last record). *rec (if non-NULL) gets the record written. */
int attune_heartbeat_beat(struct attune_store *st, const char *agent, const struct attune_beat *b, jv *rec,
                          char *err, size_t errlen);

/* Supervise (SPEC 5.3): write a fresh beat from b (status default running, task default
 * argv[0]; ttl < 0: 30 s or 3 x every, whichever is longer, so it outlives the interval), run argv with ATTUNE_AGENT=agent (and
 * ATTUNE_STORE=store_url, ATTUNE_NAMESPACE=ns when non-NULL), refresh every `every` seconds,
 * forward SIGINT/SIGTERM (not those the terminal already sent to the whole group), and on exit
 * beat the final status: completed, failed ({"exit_code": n}) or cancelled ({"signal": n}, also
 * when a forwarded signal made it fail). *status gets the command's exit status (128+n when
 * killed by signal n, 127/126 when it could not be run). Failing beats while the command runs
 * are warned about, not fatal; -1 only when the first beat fails (the command is not run).
 * SIGINT, SIGTERM and SIGCHLD are blocked meanwhile; the caller's mask is restored at the end,
 * so a caller wanting to survive a late signal installs handlers (attune_signals_install). */
int attune_heartbeat_supervise(struct attune_store *st, const char *agent, const struct attune_beat *b,
                               double every, char *const argv[], const char *store_url, const char *ns,
                               int *status, char *err, size_t errlen);

/* Agent states in listings, as a mask for selecting. */
enum {
	ATTUNE_AGENT_OK = 1,    /* live, beat within the threshold */
	ATTUNE_AGENT_STALE = 2, /* live, last beat older than the threshold, not final */
	ATTUNE_AGENT_FINAL = 4, /* live, final status */
	ATTUNE_AGENT_LOST = 8,  /* record expired without a final status (indexed agents only) */
	ATTUNE_AGENT_ALL = 15,
};
const char *attune_agent_state_name(int state);

/* Every known agent whose state is in mask: live records (found by scanning, so attune-ai's
 * too; malformed ones skipped) and lost ones (their last record), each with "state" and
 * "age_seconds" added, oldest beat first. now: attune_now(). *out: an array. */
int attune_heartbeat_list(struct attune_store *st, double threshold, double now, int mask, jv *out, char *err,
                          size_t errlen);

/* One agent's record with state and age: 1 found (live or lost), 0 unknown. */
int attune_heartbeat_get(struct attune_store *st, const char *agent, double threshold, double now, jv *rec,
                         char *err, size_t errlen);

/* Forget a lost (or any indexed) agent: index entry and last record. 1 removed, 0 unknown. */
int attune_heartbeat_forget(struct attune_store *st, const char *agent, char *err, size_t errlen);

/* Watching: compare a new full listing (consumed, made at time now) with *known (initially
 * jv_null(), then an object agent -> record, updated). Returns an array of events, each the
 * record with "event" (started, stale, lost, recovered, finished), "previous" (the previous
 * state or null) and "timestamp" (now). An agent that vanishes while ok or stale is reported
 * lost (attune-ai's agents have no index); a finished or lost one that vanishes is dropped
 * silently. The first call reports only the agents already stale or lost. */
jv attune_heartbeat_diff(jv *known, jv list, double now);

/* Output: a table (AGENT STATE AGE STATUS PROGRESS TASK; nothing for an empty list; with
 * TIME and EVENT columns and no header for watch events), and a node_exporter textfile
 * (attune_agent_up, attune_agent_last_beat_seconds, attune_agent_progress, attune_agents).
 * list is not consumed. -1 on a write error. */
int attune_heartbeat_text(FILE *f, jv list);
int attune_heartbeat_prometheus(FILE *f, jv list);

#endif
