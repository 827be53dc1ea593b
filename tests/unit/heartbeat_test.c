/* heartbeat_test.c — lib/heartbeat.c: watch transitions (no store), and listings over the store
 * of $ATTUNE_STORE with records written the way attune-ai writes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "heartbeat.h"
#include "json.h"

static jv rec(const char *agent, const char *state)
{
	return JV_OBJECT(jv_string("agent_id"), jv_string(agent), jv_string("status"), jv_string("running"),
	                 jv_string("last_beat"), jv_string("2026-11-25T15:27:58.027705+00:00"), jv_string("state"),
	                 jv_string(state));
}

/* The events of a diff as "agent:event:previous" joined by spaces. */
static char *events(jv *known, jv list)
{
	static char buf[512];
	jv ev = attune_heartbeat_diff(known, list, 1795620478.0);

	buf[0] = 0;
	jv_array_foreach(ev, i, e) {
		const char *p = attune_json_str(e, "previous");
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s:%s:%s", i ? " " : "",
		         attune_json_str(e, "agent_id"), attune_json_str(e, "event"), p ? p : "-");
		jv_free(e);
	}
	jv_free(ev);
	return buf;
}

TEST(watch_transitions)
{
	jv known = jv_null();

	CHECK(!strcmp(events(&known, JV_ARRAY(rec("a", "ok"), rec("b", "stale"), rec("c", "lost"))), "b:stale:- c:lost:-"));
	CHECK(!strcmp(events(&known, JV_ARRAY(rec("a", "ok"), rec("b", "stale"), rec("c", "lost"))), ""));
	CHECK(!strcmp(events(&known, JV_ARRAY(rec("a", "stale"), rec("b", "ok"), rec("c", "ok"), rec("d", "ok"))),
	              "a:stale:ok b:recovered:stale c:recovered:lost d:started:-"));
	CHECK(!strcmp(events(&known, JV_ARRAY(rec("a", "final"), rec("b", "lost"), rec("c", "ok"), rec("d", "ok"))),
	              "a:finished:stale b:lost:ok"));
	/* d vanishes while ok (an attune-ai agent): lost once; a (final) and b (lost) vanish silently. */
	CHECK(!strcmp(events(&known, JV_ARRAY(rec("c", "ok"))), "d:lost:ok"));
	CHECK(!strcmp(events(&known, JV_ARRAY(rec("c", "ok"))), ""));
	CHECK(!strcmp(events(&known, JV_ARRAY(rec("c", "final"), rec("a", "ok"))), "c:finished:ok a:started:-"));
	CHECK(!strcmp(events(&known, JV_ARRAY(rec("c", "ok"), rec("a", "ok"))), "c:started:final"));
	/* An empty system is not a first look: a newcomer is "started". */
	jv_free(known);
	known = jv_null();
	CHECK(!strcmp(events(&known, jv_array()), ""));
	CHECK(!strcmp(events(&known, JV_ARRAY(rec("a", "ok"))), "a:started:-"));
	jv_free(known);
}

TEST(output_formats)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	jv list = JV_ARRAY(jv_object_set(jv_object_set(rec("q\"x", "lost"), jv_string("progress"), jv_number(0.1)),
	                                  jv_string("age_seconds"), jv_number(75)));

	CHECK(attune_heartbeat_prometheus(f, list) == 0);
	fclose(f);
	CHECK(strstr(buf, "attune_agent_up{agent=\"q\\\"x\"} 0\n") != NULL);
	CHECK(strstr(buf, "attune_agent_progress{agent=\"q\\\"x\"} 0.1\n") != NULL);
	CHECK(strstr(buf, "attune_agent_last_beat_seconds{agent=\"q\\\"x\"} 1795620478.027705\n") != NULL);
	CHECK(strstr(buf, "attune_agents{state=\"lost\"} 1\n") != NULL);
	free(buf);
	f = open_memstream(&buf, &len);
	CHECK(attune_heartbeat_text(f, list) == 0);
	fclose(f);
	CHECK(strstr(buf, "1m15s") != NULL && strstr(buf, "10%") != NULL);
	free(buf);
	jv_free(list);
}

static struct attune_store *open_store(void)
{
	char err[512];
	int status;
	struct attune_store *st = attune_store_open(NULL, NULL, &status, err, sizeof err);

	if (!st)
		fprintf(stderr, "# cannot open the store: %s\n", err);
	return st;
}

static void put(struct attune_store *st, const char *key, const char *val, long long ttl_ms)
{
	CHECK(attune_store_set(st, key, val, strlen(val), ttl_ms) == 0);
}

/* The listing as "agent:state" joined by spaces. */
static char *listing(struct attune_store *st, int mask)
{
	static char buf[1024];
	char err[512];
	jv list;

	buf[0] = 0;
	CHECK(attune_heartbeat_list(st, 60, attune_now(), mask, &list, err, sizeof err) == 0);
	jv_array_foreach(list, i, r) {
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s:%s", i ? " " : "", attune_json_str(r, "agent_id"),
		         attune_json_str(r, "state"));
		jv_free(r);
	}
	jv_free(list);
	return buf;
}

TEST(listing_reads_attune_ai_records)
{
	struct attune_store *st = open_store();
	char old[64], body[512];
	time_t t = time(NULL) - 120;

	CHECK(st != NULL);
	if (!st)
		return;
	strftime(old, sizeof old, "%Y-%m-%dT%H:%M:%S.000001", gmtime(&t)); /* naive: UTC */
	snprintf(body, sizeof body,
	         "{\"agent_id\": \"py\", \"status\": \"running\", \"progress\": 0.5, \"current_task\": \"x\", "
	         "\"last_beat\": \"%s\", \"metadata\": {}, \"display_name\": null}", old);
	put(st, "empathy:heartbeat:py", body, 60000);
	put(st, "empathy:heartbeat:nolb", "{\"agent_id\": \"nolb\", \"status\": \"running\", \"progress\": 0, \"current_task\": \"\"}", 60000);
	put(st, "empathy:heartbeat:badts", "{\"agent_id\": \"badts\", \"status\": \"running\", \"progress\": 0, \"current_task\": \"\", \"last_beat\": \"yesterday\"}", 60000);
	put(st, "empathy:heartbeat:noprog", "{\"agent_id\": \"noprog\", \"status\": \"running\", \"current_task\": \"\"}", 60000);
	put(st, "empathy:heartbeat:junk", "{not json", 60000);
	put(st, "empathy:heartbeat:arr", "[1]", 60000);
	CHECK(!strcmp(listing(st, ATTUNE_AGENT_ALL), "py:stale nolb:ok"));
	CHECK(!strcmp(listing(st, ATTUNE_AGENT_LOST), ""));
	/* An indexed agent with neither heartbeat nor last record is still reported lost. */
	CHECK(attune_store_zadd(st, "attune:heartbeat:index", "ghost", attune_now() - 5) >= 0);
	CHECK(!strcmp(listing(st, ATTUNE_AGENT_LOST), "ghost:lost"));
	char err[512];
	CHECK(attune_heartbeat_forget(st, "ghost", err, sizeof err) == 1);
	CHECK(attune_heartbeat_forget(st, "ghost", err, sizeof err) == 0);
	CHECK(!strcmp(listing(st, ATTUNE_AGENT_LOST), ""));
	const char *keys[] = {"empathy:heartbeat:py", "empathy:heartbeat:nolb", "empathy:heartbeat:badts",
	                      "empathy:heartbeat:noprog", "empathy:heartbeat:junk", "empathy:heartbeat:arr"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		attune_store_del(st, keys[i]);
	attune_store_close(st);
}

TEST(beats_keep_the_index)
{
	struct attune_store *st = open_store();
	struct attune_beat b = {.kind = ATTUNE_BEAT, .progress = -1, .ttl = 0.2};
	char err[512], *val;
	size_t len;
	jv r;

	CHECK(st != NULL);
	if (!st)
		return;
	b.meta = jv_invalid();
	CHECK(attune_heartbeat_beat(st, "u1", &b, &r, err, sizeof err) == 0);
	jv_free(r);
	CHECK(attune_store_get(st, "attune:heartbeat:last:u1", &val, &len) == 1);
	free(val);
	usleep(400000);
	CHECK(!strcmp(listing(st, ATTUNE_AGENT_ALL), "u1:lost"));
	CHECK(attune_heartbeat_get(st, "u1", 60, attune_now(), &r, err, sizeof err) == 1);
	CHECK(!strcmp(attune_json_str(r, "state"), "lost"));
	jv_free(r);
	b.kind = ATTUNE_BEAT_STOP;
	CHECK(attune_heartbeat_beat(st, "u1", &b, NULL, err, sizeof err) == 0);
	CHECK(attune_store_get(st, "attune:heartbeat:last:u1", &val, &len) == 0);
	usleep(400000);
	CHECK(!strcmp(listing(st, ATTUNE_AGENT_ALL), ""));
	attune_store_close(st);
}

int main(void)
{
	RUN(watch_transitions);
	RUN(output_formats);
	RUN(listing_reads_attune_ai_records);
	RUN(beats_keep_the_index);
	return check_done();
}
