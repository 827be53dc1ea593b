/* feedback.h — template ratings, the tier-quality loop (over store.h) and the help-query log
 * (a file, no store), SPEC 4.5 and 5.7.
 *
 * Every function taking err returns 0 on success, else the exit status of SPEC 3.2 that fits
 * (65 bad data, 69 store or file unavailable, 77 not permitted) with a message in err.
 * Results handed back through jv *out belong to the caller; jv arguments are consumed. */
#ifndef ATTUNE_FEEDBACK_H
#define ATTUNE_FEEDBACK_H

#include <jv.h>
#include <stddef.h>

#include "store.h"

/* ---- template ratings: hash "attune:template:{id}", integer fields good and bad ---- */

/* Wilson score lower bound at 95 % (z = 1.96) of good successes in n trials; 0 when n is 0. */
double attune_feedback_wilson(long long good, long long n);
/* The record {template_id, good, bad, confidence, lower_bound, n}; confidence is
 * good/(good+bad), 1.0 with no ratings (as attune-ai). */
jv attune_feedback_rating(const char *template_id, long long good, long long bad);

/* Add one good (good = 1) or bad (good = 0) rating atomically; *out the new record. */
int attune_feedback_rate(struct attune_store *st, const char *template_id, int good, jv *out, char *err, size_t errlen);
/* The record of a template without rating it (zero counts when never rated). */
int attune_feedback_confidence(struct attune_store *st, const char *template_id, jv *out, char *err, size_t errlen);
/* Every template's record, best first by sort: "lower_bound", "confidence" or "n" (ties: the
 * other figures, then the id). *out an array. */
int attune_feedback_list(struct attune_store *st, const char *sort, jv *out, char *err, size_t errlen);
/* attune-ai's feedback.json, {"<template_id>": {"good": n, "bad": n}, …} (consumed). The whole
 * file is checked first (65 and nothing written if any entry is bad); then each template's
 * counts are set to the file's, atomically per field (concurrent ratings are kept on top), so
 * importing an export is idempotent. Templates absent from the file are left alone. */
int attune_feedback_import(struct attune_store *st, jv data, long *imported, char *err, size_t errlen);
/* Every template in feedback.json form, ids in byte order. */
int attune_feedback_export(struct attune_store *st, jv *out, char *err, size_t errlen);

/* ---- tier quality: key "feedback:{workflow}:{stage}:{tier}:{feedback_id}", TTL 7 days ---- */

#define ATTUNE_FEEDBACK_TTL 604800   /* seconds */
#define ATTUNE_FEEDBACK_WINDOW 100   /* newest entries per stats, as attune-ai's history limit */

/* 1 for "cheap", "capable", "premium". */
int attune_feedback_valid_tier(const char *tier);
/* Store one quality score (0..1) with metadata (an object, or null for {}); *out the entry. */
int attune_feedback_score(struct attune_store *st, const char *workflow, const char *stage, const char *tier,
                          double score, jv meta, jv *out, char *err, size_t errlen);
/* The newest limit entries of a stage (one tier, or all when tier is NULL), newest first.
 * Malformed entries (not JSON objects, missing fields, bad timestamps) are skipped. */
int attune_feedback_history(struct attune_store *st, const char *workflow, const char *stage, const char *tier,
                            long limit, jv *out, char *err, size_t errlen);
/* attune-ai's QualityStats over the newest ATTUNE_FEEDBACK_WINDOW entries: workflow_name,
 * stage_name, tier (or "all"), avg/min/max_quality, sample_count, recent_trend; *out null
 * when there is no entry. */
int attune_feedback_stats(struct attune_store *st, const char *workflow, const char *stage, const char *tier,
                          jv *out, char *err, size_t errlen);
/* attune-ai's TierRecommendation {current_tier, recommended_tier, confidence, reason, stats}.
 * tier NULL: the tier of the newest entry of the stage. */
int attune_feedback_recommend(struct attune_store *st, const char *workflow, const char *stage, const char *tier,
                              jv *out, char *err, size_t errlen);
/* QualityStats of every stage/tier of a workflow averaging below threshold, worst first, each
 * with "label": "{stage}/{tier}". *out an array. */
int attune_feedback_underperforming(struct attune_store *st, const char *workflow, double threshold, jv *out,
                                    char *err, size_t errlen);
/* Delete a workflow's entries (one stage's when stage is non-NULL); *deleted how many. */
int attune_feedback_clear(struct attune_store *st, const char *workflow, const char *stage, long *deleted,
                          char *err, size_t errlen);

/* ---- help-query log: $ATTUNE_HOME/telemetry/help_queries.jsonl and help_unmatched.jsonl
 * ($ATTUNE_HOME defaults to ~/.attune) ---- */

struct attune_helpquery {
	const char *topic, *source, *mode;
	int found;
	double duration_ms; /* < 0: not given */
	jv meta;            /* an object, or null; consumed */
};

/* Append attune-ai's record (and, when not found, the unmatched record) with one write() per
 * line on O_APPEND, creating the folder 0700 and the files 0600. *out the record written, or
 * null when $ATTUNE_HELP_TELEMETRY is "0" (nothing written). */
int attune_feedback_query(struct attune_helpquery *q, jv *out, char *err, size_t errlen);
/* Summary of the logs over the last days (days <= 0: everything): {days, total, found,
 * not_found, hit_rate, unmatched, top_topics: [{topic, count}], top_unmatched: [{query,
 * count}]}, at most top of each. Unreadable lines are skipped and counted in *skipped.
 * Missing files count as empty. */
int attune_feedback_queries(double days, long top, jv *out, long *skipped, char *err, size_t errlen);

#endif
