/* gen_usage.c — N usage.jsonl records as attune-ai's UsageTracker writes them, deterministic
 * for a given N and NOW (epoch seconds): over the 40 days before NOW, oldest first, none within
 * an hour of NOW - 30 days (so a 30-day window means the same whether it starts a few minutes
 * earlier or later). Usage: gen_usage N NOW > usage.jsonl */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t state = 0x9E3779B97F4A7C15ULL;

static uint32_t rnd(uint32_t n) /* 0 .. n-1 */
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state % n);
}

int main(int argc, char **argv)
{
	static const char *const workflows[] = {"code-review", "bug-predict", "security-audit", "test-gen",
	                                        "doc-gen",     "refactor",    "perf-audit",     "release-prep"};
	static const char *const stages[] = {"triage", "analysis", "synthesis", "review"};
	static const struct {
		const char *tier, *model;
		unsigned lo, hi; /* cost in millionths of a dollar */
	} tiers[] = {
		{"CHEAP", "claude-haiku-4-5", 100, 2000},
		{"CAPABLE", "claude-sonnet-5", 1000, 20000},
		{"PREMIUM", "claude-opus-4-6", 10000, 200000},
	};
	long n, span = 40L * 86400;
	time_t now;

	if (argc != 3 || (n = atol(argv[1])) < 1 || (now = (time_t)atoll(argv[2])) <= 0) {
		fprintf(stderr, "usage: gen_usage N NOW\n");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		double at = (double)i * (double)span / (double)n;
		long us = (long)((at - (double)(long)at) * 1e6);
		time_t t = now - span + (time_t)at;
		int k = rnd(100), tier = k < 50 ? 0 : k < 85 ? 1 : 2, hit = rnd(10) < 3;
		unsigned cost = tiers[tier].lo + rnd(tiers[tier].hi - tiers[tier].lo);
		struct tm tm;
		char ts[32];

		if (t > now - 30 * 86400 - 3600 && t < now - 30 * 86400 + 3600)
			t += 7200;
		gmtime_r(&t, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
		printf("{\"v\":\"1.0\",\"ts\":\"%s.%06ldZ\",\"workflow\":\"%s\",\"tier\":\"%s\",\"model\":\"%s\","
		       "\"provider\":\"anthropic\",\"cost\":%u.%06u,\"tokens\":{\"input\":%u,\"output\":%u},",
		       ts, us, workflows[rnd(8)], tiers[tier].tier, tiers[tier].model, cost / 1000000, cost % 1000000,
		       100 + rnd(8000), 50 + rnd(2000));
		if (hit)
			printf("\"cache\":{\"hit\":true,\"type\":\"%s\"},", rnd(2) ? "memory" : "semantic");
		else
			printf("\"cache\":{\"hit\":false},");
		printf("\"duration_ms\":%u,\"user_id\":\"%016llx\"", 100 + rnd(20000), (unsigned long long)(state >> 8));
		if (rnd(2))
			printf(",\"stage\":\"%s\"", stages[rnd(4)]);
		if (rnd(4) == 0)
			printf(",\"prompt_cache\":{\"hit\":true,\"creation_tokens\":%u,\"read_tokens\":%u}", rnd(2000), rnd(6000));
		printf(",\"seq\":%ld}\n", i + 1);
	}
	return fflush(stdout) ? 1 : 0;
}
