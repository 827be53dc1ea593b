#!/usr/bin/env bats
# stores: once
# attune-report: every report and format over fixture logs whose answers are worked out by hand
# in the comments (ORIGINAL 10-11 formulas), windows, malformed lines, no data, errors.
load helper

FIX="$BATS_TEST_DIRNAME/fixtures/report"

# fixture SRC DEST: copy a fixture file, each @AGO:S:F@ becoming the time S seconds ago,
# written as F: Z (…Z), O (…+00:00) or N (naive).
fixture() {
	local src=$1 dest=$2 now p s f t
	now=$(date -u +%s)
	mkdir -p "$(dirname "$dest")"
	cp "$src" "$dest"
	for p in $(grep -o '@AGO:[0-9]*:[ZON]@' "$src" | sort -u); do
		s=${p#@AGO:} s=${s%%:*} f=${p%@} f=${f##*:}
		t=$(date -u -d "@$((now - s))" +%Y-%m-%dT%H:%M:%S.%6N)
		case $f in Z) t="${t}Z" ;; O) t="${t}+00:00" ;; esac
		sed -i "s/$p/$t/g" "$dest"
	done
}

setup() {
	attune_setup
	local f
	for f in "$FIX"/home/telemetry/*.jsonl; do fixture "$f" "$ATTUNE_HOME/telemetry/$(basename "$f")"; done
	for f in "$FIX"/project/*.jsonl; do fixture "$f" "$BATS_TEST_TMPDIR/proj/.attune/$(basename "$f")"; done
	PROJ="$BATS_TEST_TMPDIR/proj/.attune"
	EMPTY="$BATS_TEST_TMPDIR/empty"
	mkdir -p "$EMPTY"
}

# json_is FILTER: stdout of the last run satisfies the jq FILTER.
json_is() {
	jq -e "$1" <<<"$output" >/dev/null || fail "jq '$1' is not true of: $output"
}

# Floats with a tolerance, for the raw (unrounded) attune-ai figures.
APPROX='def approx($a; $b): (($a - $b) | fabs) < 1e-9;'

REPORTS="usage savings cache compare models sonnet-opus tier1 routing tests file-tests coverage agents"

# --- savings (calculate_savings) ---------------------------------------------------------------

@test "savings: tier routing against the mean PREMIUM cost, 30 days by default" {
	# In 30 days: 0.01 CHEAP, 0.02 CHEAP (hit), 0.04 CAPABLE (naive ts), 0.1 PREMIUM (hit), 0.3 PREMIUM
	# (rotated file); 1.0 PREMIUM is 40 days old. actual 0.47; mean PREMIUM 0.2, baseline 5 x 0.2 = 1;
	# savings 0.53 = 53 %; cache savings 2 x 0.47 / 5 = 0.188; tiers 2/5, 1/5, 2/5.
	run --separate-stderr attune-report savings -o json
	assert_success
	json_is '.days == 30 and .total_calls == 5 and .actual_cost == 0.47 and .baseline_cost == 1 and
		.savings == 0.53 and .savings_percent == 53 and .cache_savings == 0.19'
	json_is '.tier_distribution == {"PREMIUM": 40, "CHEAP": 40, "CAPABLE": 20}'
	json_is 'keys_unsorted == ["days","total_calls","actual_cost","baseline_cost","savings","savings_percent","cache_savings","tier_distribution"]'
	[ "$stderr" = "attune-report: skipped 3 malformed lines" ]
}

@test "savings: --days 7 without PREMIUM calls uses 0.05 per call" {
	# 0.01 + 0.02 + 0.04 = 0.07; baseline 3 x 0.05 = 0.15; savings 0.08 = 53.3 %; cache 0.07/3.
	run --separate-stderr attune-report savings --days 7 -o json
	assert_success
	json_is '.days == 7 and .total_calls == 3 and .actual_cost == 0.07 and .baseline_cost == 0.15 and
		.savings == 0.08 and .savings_percent == 53.3 and .cache_savings == 0.02'
	json_is '.tier_distribution == {"CHEAP": 66.7, "CAPABLE": 33.3}'
}

@test "savings: --hours filters by the hour; text follows attune-ai's plain layout" {
	run --separate-stderr attune-report savings --hours 36 -o json
	json_is '.days == 1.5 and .total_calls == 1 and .actual_cost == 0.01 and .baseline_cost == 0.05 and
		.savings == 0.04 and .savings_percent == 80'
	run --separate-stderr attune-report savings
	assert_success
	assert_line "Cost savings, last 30 days"
	assert_line --regexp '^Baseline \(all PREMIUM\): +\$1\.00$'
	assert_line --regexp '^Actual \(tier routing\): +\$0\.47$'
	assert_line --regexp '^YOUR SAVINGS: +\$0\.53 \(53\.0%\)$'
	assert_line --regexp '^Cache savings: +\$0\.19$'
	assert_line --regexp '^Total calls: +5$'
	assert_line --regexp '^  CHEAP +2 +40\.0% +\$0\.03$'
	refute_output --regexp ' $'
}

@test "savings: no data prints zeros and a no-data line, exit 0" {
	rm -rf "$ATTUNE_HOME/telemetry"
	run --separate-stderr attune-report savings -o json
	assert_success
	assert_output '{"days":30,"total_calls":0,"actual_cost":0,"baseline_cost":0,"savings":0,"savings_percent":0,"cache_savings":0,"tier_distribution":{}}'
	[ -z "$stderr" ]
	run attune-report savings
	assert_success
	assert_line "No telemetry data found for the specified period."
}

# --- usage (recent entries and get_stats) -------------------------------------------------------

@test "usage: totals over all time and the newest calls first" {
	# Six records: cost 1.47, tokens 15,100 / 3,010, hits 2 of 6, durations 21,000 ms / 6 = 3,500.
	run --separate-stderr attune-report usage -o json
	assert_success
	json_is '.days == null and .total_calls == 6 and .total_cost == 1.47 and .total_tokens_input == 15100 and
		.total_tokens_output == 3010 and .cache_hits == 2 and .cache_misses == 4 and .cache_hit_rate == 33.3 and
		.avg_duration_ms == 3500'
	json_is '.by_tier == {"PREMIUM": 1.4, "CHEAP": 0.03, "CAPABLE": 0.04}'
	json_is '.by_provider == {"openai": 0.3, "anthropic": 1.17}'
	json_is '[.recent[].cost] == [0.01, 0.02, 0.04, 0.1, 0.3, 1]'
	json_is '.recent[0] | .workflow == "code-review" and .stage == "triage" and .tokens_input == 1000 and .cache_hit == false'
	json_is '.recent[1] | .cache_hit == true and .cache_type == "memory" and .stage == null'
}

@test "usage: --limit and --days; the text table" {
	run --separate-stderr attune-report usage --limit 2 -o json
	json_is '(.recent | length) == 2 and .total_calls == 6 and [.recent[].cost] == [0.01, 0.02]'
	run --separate-stderr attune-report usage --days 7 -o json
	json_is '.days == 7 and .total_calls == 3 and (.recent | length) == 3'
	run --separate-stderr attune-report usage --limit 3
	assert_success
	assert_line --regexp '^Time +Workflow +Stage +Tier +Cost +Tokens +Cache +Duration$'
	assert_line --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}  code-review +triage +CHEAP +\$0\.0100 +1000/200 +MISS +1000ms$'
	assert_line --regexp 'code-review +- +CHEAP +\$0\.0200 +2000/400 +HIT \(memory\) +2000ms$'
	assert_line --regexp '^Total Cost: +\$0\.0700 \(3 calls shown\)$'
	assert_line --regexp "^Data location: $ATTUNE_HOME/telemetry\$"
}

@test "usage: no data" {
	rm -rf "$ATTUNE_HOME/telemetry"
	run attune-report usage
	assert_success
	assert_line "No telemetry data found."
	assert_line "Data location: $ATTUNE_HOME/telemetry"
	run attune-report usage -o json
	json_is '.total_calls == 0 and .recent == [] and .cache_hit_rate == 0'
}

# --- cache (get_cache_stats) ------------------------------------------------------------------

@test "cache: prompt-cache hits, reads, writes and savings by model price" {
	# 7 days: 3 requests, 1 hit (haiku, 1,000 read tokens at 1.00/1M x 0.9 = 0.0009), 2,000 written.
	run --separate-stderr attune-report cache -o json
	assert_success
	json_is '.days == 7 and .total_requests == 3 and .hit_count == 1 and .hit_rate == 0.3333 and
		.total_reads == 1000 and .total_writes == 2000 and .savings == 0.0009'
	json_is '.by_workflow == {"code-review": {"hits": 1, "reads": 1000, "writes": 0, "requests": 2, "hit_rate": 0.5},
		"docs": {"hits": 0, "reads": 0, "writes": 2000, "requests": 1, "hit_rate": 0}}'
	# 30 days: + an opus hit of 2,000 tokens at 5.00/1M x 0.9 = 0.009.
	run --separate-stderr attune-report cache --days 30 -o json
	json_is '.total_requests == 5 and .hit_count == 2 and .hit_rate == 0.4 and .total_reads == 3000 and .savings == 0.0099'
	run --separate-stderr attune-report cache
	assert_line --regexp '^Hit rate: +33\.3%$'
	assert_line --regexp '^Cache reads: +1,000 tokens$'
	assert_line --regexp '^  code-review +50\.0% +1,000 +0 +2$'
	refute_output --partial "Hit rate below 30%"
	run --separate-stderr attune-report cache --hours 36
	assert_output --partial "Hit rate below 30%: put stable content"
	run attune-report cache --dir "$EMPTY" --hours 1
	assert_line "No telemetry data found for cache analysis."
}

# --- compare ------------------------------------------------------------------------------------

@test "compare: two windows and their changes" {
	# 7 days: 3 calls, $0.07, $0.023333/call, 33.3 %; 30 days: 5 calls, $0.47, $0.094/call, 40.0 %.
	# Changes: calls -40 %, cost -85.1 %, per call -75.2 %, hit rate -6.7 pp.
	run --separate-stderr attune-report compare -o json
	assert_success
	json_is '.period1 == {"days": 7, "total_calls": 3, "total_cost": 0.07, "avg_cost_per_call": 0.023333, "cache_hit_rate": 33.3}'
	json_is '.period2 == {"days": 30, "total_calls": 5, "total_cost": 0.47, "avg_cost_per_call": 0.094, "cache_hit_rate": 40}'
	json_is '.change == {"total_calls": -40, "total_cost": -85.1, "avg_cost_per_call": -75.2, "cache_hit_rate_pp": -6.7}'
	run attune-report compare
	assert_line --regexp '^Total Calls +3 +5 +-40\.0%$'
	assert_line --regexp '^Cache Hit Rate +33\.3% +40\.0% +-6\.7pp$'
	run --separate-stderr attune-report compare --period1 1 --period2 3 -o json
	json_is '.period1.total_calls == 1 and .period2.total_calls == 2 and .change.total_calls == -50'
}

@test "compare: an empty window is insufficient data" {
	run attune-report compare --period1 0.01
	assert_success
	assert_line "Insufficient telemetry data for comparison."
	run attune-report compare --days 7
	assert_failure 2
}

# --- models -------------------------------------------------------------------------------------

@test "models: providers by name, models by cost, success of records without the field counts" {
	run --separate-stderr attune-report models -o json
	assert_success
	json_is '[.models[] | [.provider, .model, .calls, .total_cost]] ==
		[["anthropic", "claude-sonnet-5", 1, 0.04], ["anthropic", "claude-haiku-4-5", 2, 0.03]]'
	json_is '.models[1] | .avg_cost == 0.015 and .success_rate == 100 and .avg_duration_ms == 1500'
	run --separate-stderr attune-report models --days 30 -o json
	json_is '[.models[] | .model] == ["claude-opus-4-6", "claude-sonnet-5", "claude-haiku-4-5", "gpt-5"]'
	run --separate-stderr attune-report models --days 30 --provider openai -o csv
	assert_output "provider,model,calls,total_cost,avg_cost,success_rate,avg_duration_ms
openai,gpt-5,1,0.3,0.3,100,5000"
}

# --- export -------------------------------------------------------------------------------------

@test "export: every row, oldest file first, as csv, json lines and text" {
	run --separate-stderr attune-report export -o csv
	assert_success
	assert_line --index 0 "ts,workflow,stage,tier,model,provider,cost,tokens_input,tokens_output,cache_hit,cache_type,duration_ms"
	assert_line --regexp '^[0-9T:.-]+\+00:00,security,,PREMIUM,gpt-5,openai,0\.3,5000,1000,False,,5000$'
	assert_line --regexp '^[0-9T:.-]+Z,code-review,,CHEAP,claude-haiku-4-5,anthropic,0\.02,2000,400,True,memory,2000$'
	[ "${#lines[@]}" -eq 7 ]
	run --separate-stderr attune-report export -o json --days 7
	[ "${#lines[@]}" -eq 3 ]
	run jq -s -e 'map(.cost) == [0.01, 0.02, 0.04]' <<<"$output"
	assert_success
	run --separate-stderr attune-report export
	assert_line --index 0 --regexp '^Time +Workflow'
	assert_line --index 1 --regexp '^-+$'
	[ "${#lines[@]}" -eq 8 ]
	run attune-report export -o html
	assert_failure 2
}

# --- sonnet-opus (sonnet_opus_fallback_analysis) -----------------------------------------------

@test "sonnet-opus: fallback analysis with attune-ai's fixed JSON shape" {
	# Anthropic sonnet/opus calls in 30 days: c1 (ok), c2 (failed), c3 (opus, fallback), c7 (no provider
	# = anthropic, naive time). Sonnet 2/3 ok; fallbacks 1/4. Actual 0.018+0.006+0.02+0.015 = 0.059.
	# Always Opus: (1000x5 + 1000x25 + 2000x5 + 2000x5 + 400x25 + 1000x25) / 1M = 0.085.
	run --separate-stderr attune-report sonnet-opus --dir "$PROJ" -o json
	assert_success
	json_is 'keys_unsorted == ["total_calls","sonnet_attempts","sonnet_successes","sonnet_success_rate","opus_fallbacks","fallback_rate","actual_cost","always_opus_cost","savings","savings_percent"]'
	json_is "$APPROX"' .total_calls == 4 and .sonnet_attempts == 3 and .sonnet_successes == 2 and .opus_fallbacks == 1 and
		approx(.sonnet_success_rate; 200/3) and .fallback_rate == 25 and approx(.actual_cost; 0.059) and
		approx(.always_opus_cost; 0.085) and approx(.savings; 0.026) and approx(.savings_percent; 2600/85)'
	[ "$stderr" = "attune-report: skipped 1 malformed line" ]
	run --separate-stderr attune-report sonnet-opus --dir "$PROJ" --days 60 -o json
	json_is '.total_calls == 5 and .sonnet_attempts == 4'
	run --separate-stderr attune-report sonnet-opus --dir "$PROJ"
	assert_line --regexp '^  Sonnet success rate: +66\.7%$'
	assert_line --regexp '^  Savings: +\$0\.03 \(30\.6%\)$'
	assert_line --regexp '^High: '
	run attune-report sonnet-opus --dir "$EMPTY"
	assert_success
	assert_line "No Sonnet/Opus calls found in the last 30 days."
}

# --- routing (task_routing_accuracy) --------------------------------------------------------------

@test "routing: accuracy by task type and strategy in the last 24 hours" {
	# r1 ok 0.9, r2 no 0.5, r3 ok 0.7, r5 (no confidence = 1.0, no success = false); r4 is 48 h old.
	cd "$BATS_TEST_TMPDIR/proj"
	run --separate-stderr attune-report routing -o json
	assert_success
	json_is "$APPROX"' .hours == 24 and .total_tasks == 4 and .successful_routing == 2 and .accuracy_rate == 0.5 and
		approx(.avg_confidence; 0.775)'
	json_is '.by_task_type == {"bugfix": {"total": 2, "success": 1, "rate": 0.5}, "docs": {"total": 1, "success": 1, "rate": 1},
		"test": {"total": 1, "success": 0, "rate": 0}}'
	json_is '.by_strategy == {"rule_based": {"total": 2, "success": 2}, "ml_predicted": {"total": 1, "success": 0},
		"manual_override": {"total": 1, "success": 0}}'
	run --separate-stderr attune-report routing --hours 72 -o json
	json_is "$APPROX"' .total_tasks == 5 and .accuracy_rate == 0.4 and approx(.avg_confidence; 0.64)'
	run attune-report routing
	assert_line --regexp '^Accuracy Rate: +50\.0%$'
	assert_line --regexp '^Avg Confidence: +0\.77$'
	assert_line --regexp '^  bugfix: +1/2 \(50\.0%\)$'
	run attune-report routing --dir "$EMPTY"
	assert_line "No task routing data found in the last 24 hours."
}

# --- tests (test_execution_trends + coverage_progress) -------------------------------------------

@test "tests: runs, failures and the most failing tests" {
	# e1, e2, e3, e5 in 24 h: 1 of 4 ok, durations 30/4 = 7.5 s, 260 tests, 4 failures; test_b fails
	# twice, test_a and a nameless test ("unknown") once.
	run --separate-stderr attune-report tests --dir "$PROJ" -o json
	assert_success
	json_is '.hours == 24 and .total_executions == 4 and .success_rate == 0.25 and .avg_duration_seconds == 7.5 and
		.total_tests_run == 260 and .total_failures == 4 and .current_coverage == 72.5 and .coverage_trend == "improving"'
	json_is '.most_failing_tests == [{"name": "test_b", "failures": 2}, {"name": "test_a", "failures": 1},
		{"name": "unknown", "failures": 1}]'
	run attune-report tests --dir "$PROJ"
	assert_line --regexp '^Avg Duration: +7\.5s$'
	assert_line --regexp '^  test_b: +2 failures$'
	run attune-report tests --dir "$PROJ" -o csv
	assert_output "name,failures
test_b,2
test_a,1
unknown,1"
	run attune-report tests --dir "$EMPTY"
	assert_line "No test execution data found in the last 24 hours."
}

# --- coverage (coverage_progress) ----------------------------------------------------------------

@test "coverage: first against latest record of the window" {
	run --separate-stderr attune-report coverage --dir "$PROJ" -o json
	assert_success
	json_is '.days == 30 and .current_coverage == 72.5 and .previous_coverage == 70 and .change == 2.5 and
		.trend == "improving" and .critical_gaps_count == 2 and (.coverage_history | length) == 2'
	run --separate-stderr attune-report coverage --dir "$PROJ" --days 60 -o json
	json_is '.previous_coverage == 50 and .change == 22.5'
	# One record: previous 0, change 0, stable.
	run --separate-stderr attune-report coverage --dir "$PROJ" --hours 2.5 -o json
	json_is '.current_coverage == 72.5 and .previous_coverage == 0 and .change == 0 and .trend == "stable"'
	run --separate-stderr attune-report coverage --dir "$EMPTY" -o json
	json_is '.trend == "no_data" and .current_coverage == 0 and .coverage_history == []'
	run attune-report coverage --dir "$PROJ"
	assert_line --regexp '^Change: +\+2\.5%$'
	run attune-report coverage --dir "$PROJ" -o csv
	assert_line --index 0 "timestamp,coverage,trend"
}

# --- agents (agent_performance) ---------------------------------------------------------------

@test "agents: assignments per agent in the last 168 hours" {
	run --separate-stderr attune-report agents --dir "$PROJ" -o json
	assert_success
	json_is "$APPROX"' .hours == 168 and .total_assignments == 3 and approx(.automation_rate; 2/3) and approx(.human_review_rate; 1/3)'
	json_is '.by_agent["bot-1"] == {"assignments": 2, "completed": 2, "success_rate": 0.5, "avg_duration_hours": 1, "quality_score_avg": 0}'
	json_is '.by_agent["bot-2"] | .assignments == 1 and .completed == 0 and .avg_duration_hours == 0'
	run --separate-stderr attune-report agents --dir "$PROJ" --days 30 -o json
	json_is '.total_assignments == 4 and .automation_rate == 0.5 and .by_agent["bot-2"].completed == 1'
	run attune-report agents --dir "$PROJ"
	assert_line --regexp '^bot-1 +2 +2 +50\.0% +1\.00h$'
	assert_line --regexp '^Automation Rate: +66\.7%$'
	run attune-report agents --dir "$PROJ" -o csv
	assert_line --index 0 "agent,assignments,completed,success_rate,avg_duration_hours,quality_score_avg"
	run attune-report agents --dir "$EMPTY"
	assert_line "No agent assignment data found in the last 168 hours."
}

# --- file-tests --------------------------------------------------------------------------------

@test "file-tests: the latest record per file, filters and one file" {
	run --separate-stderr attune-report file-tests --dir "$PROJ" -o json
	assert_success
	json_is '.summary == {"files": 4, "passed": 1, "failed": 2, "no_tests": 1, "stale": 2}'
	json_is '[.files[] | [.file_path, .last_test_result]] == [["src/a.py","passed"],["src/b.py","error"],["src/c.py","no_tests"],["src/d.py","failed"]]'
	run attune-report file-tests --dir "$PROJ" --failed -o json
	json_is '[.files[].file_path] == ["src/b.py", "src/d.py"]'
	run attune-report file-tests --dir "$PROJ" --stale -o json
	json_is '[.files[].file_path] == ["src/a.py", "src/d.py"]'
	run attune-report file-tests --dir "$PROJ" --failed --stale -o json
	json_is '[.files[].file_path] == ["src/d.py"]'
	run attune-report file-tests --dir "$PROJ" --limit 1 -o json
	json_is '(.files | length) == 1 and .summary.files == 4'
	run attune-report file-tests --dir "$PROJ"
	assert_line --regexp '^src/a\.py +passed \[STALE\] +5 +5 +0 +1\.5s +[0-9-]{10} [0-9:]{5} +YES$'
	assert_line --regexp '^  src/d\.py +test_d +boom$'
	run attune-report file-tests --dir "$PROJ" --file src/a.py
	assert_line --regexp '^Status: +passed \[STALE\]$'
	run attune-report file-tests --dir "$PROJ" --file nope.py
	assert_success
	assert_line "No test record found for: nope.py"
	rm "$PROJ/file_tests.jsonl"
	run attune-report file-tests --dir "$PROJ" --failed
	assert_line "No failed file test records found."
	run attune-report file-tests --dir "$PROJ"
	assert_line "No per-file test records found."
}

# --- tier1 (tier1_summary) ----------------------------------------------------------------------

@test "tier1: the five sections, with attune-ai's key names" {
	run --separate-stderr attune-report tier1 --dir "$PROJ" -o json
	assert_success
	json_is 'keys_unsorted == ["task_routing","test_execution","coverage","agent_performance","cost_savings"]'
	json_is '.task_routing | keys_unsorted == ["total_tasks","successful_routing","accuracy_rate","avg_confidence","by_task_type","by_strategy"]'
	json_is '.test_execution | keys_unsorted == ["total_executions","success_rate","avg_duration_seconds","total_tests_run","total_failures","coverage_trend","most_failing_tests"]'
	json_is '.coverage | keys_unsorted == ["current_coverage","previous_coverage","change","trend","coverage_history","files_improved","files_declined","critical_gaps_count"]'
	json_is '.agent_performance | keys_unsorted == ["total_assignments","by_agent","automation_rate","human_review_rate"]'
	json_is '.task_routing.total_tasks == 4 and .test_execution.total_executions == 4 and .test_execution.coverage_trend == "stable"'
	json_is '.coverage.trend == "improving" and .agent_performance.total_assignments == 3'
	# Workflow runs w1 and w2 (w3 is 3 days old): 1.5 of 4.0 baseline, savings 2.5 = 62.5 %.
	json_is '.cost_savings == {"workflow_count": 2, "total_actual_cost": 1.5, "total_baseline_cost": 4, "total_savings": 2.5,
		"savings_percent": 62.5, "avg_cost_per_workflow": 0.75}'
	run attune-report tier1 --dir "$PROJ"
	assert_line "Task Routing"
	assert_line --regexp '^  Active Agents: +2$'
	assert_line --regexp '^  Trend: +improving$'
	run attune-report tier1 --dir "$EMPTY"
	assert_success
	assert_line --regexp '^  Total Tasks: +0$'
	assert_line "No Tier 1 data found in the last 24 hours."
}

@test "tier1: workflow runs come from ATTUNE_HOME when the project folder has none" {
	mv "$PROJ/workflow_runs.jsonl" "$ATTUNE_HOME/telemetry/"
	cd "$BATS_TEST_TMPDIR/proj"
	run attune-report tier1 -o json
	json_is '.cost_savings.workflow_count == 2'
	run attune-report tier1 --dir "$PROJ" -o json
	json_is '.cost_savings.workflow_count == 0'
}

# --- formats for every report -----------------------------------------------------------------

@test "every report in every format: exit 0, with data and without" {
	local r f
	for r in $REPORTS; do
		for f in text json csv prometheus html; do
			run --separate-stderr attune-report "$r" --dir "$PROJ" -o "$f"
			[ "$status" -eq 0 ] || fail "$r -o $f: exit $status: $stderr"
			[ -n "$output" ] || fail "$r -o $f: no output"
			run --separate-stderr env ATTUNE_HOME="$EMPTY" attune-report "$r" --dir "$EMPTY" -o "$f"
			[ "$status" -eq 0 ] || fail "$r -o $f without data: exit $status: $stderr"
			[ -z "$stderr" ] || fail "$r -o $f without data: $stderr"
		done
		run --separate-stderr attune-report "$r" --dir "$PROJ" -o json
		jq -e 'type == "object"' <<<"$output" >/dev/null || fail "$r: not one object"
		[ "${#lines[@]}" -eq 1 ] || fail "$r: more than one line of JSON"
	done
}

@test "-p indents the JSON" {
	run --separate-stderr attune-report savings -o json -p
	assert_line '  "total_calls": 5,'
}

@test "prometheus: a valid textfile with gauges and labelled series" {
	local r
	for r in $REPORTS; do
		run --separate-stderr attune-report "$r" --dir "$PROJ" -o prometheus
		assert_success
		echo "$output" | grep -vE '^(# TYPE [a-zA-Z_][a-zA-Z0-9_]* gauge|[a-zA-Z_][a-zA-Z0-9_]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? -?[0-9][0-9.e+-]*)$' &&
			fail "$r: bad prometheus line"
		# each family declared once, before its samples
		[ "$(echo "$output" | grep -c '^# TYPE')" -eq "$(echo "$output" | grep '^# TYPE' | sort -u | wc -l)" ]
	done
	run attune-report savings -o prometheus
	assert_line "attune_report_savings_total_calls 5"
	assert_line 'attune_report_savings_tier_distribution{tier="CHEAP"} 40'
	run attune-report models --days 30 -o prometheus
	assert_line 'attune_report_models_models_total_cost{provider="openai",model="gpt-5"} 0.3'
	run attune-report tier1 --dir "$PROJ" -o prometheus
	assert_line 'attune_report_tier1_task_routing_by_task_type_rate{task_type="bugfix"} 0.5'
}

@test "html: one self-contained page with SVG charts, no scripts, no network" {
	local r
	for r in $REPORTS; do
		run --separate-stderr attune-report "$r" --dir "$PROJ" -o html
		assert_success
		assert_line --index 0 "<!DOCTYPE html>"
		assert_line "</html>"
		refute_output --partial "<script"
		refute_output --regexp '(src|href)='
		[ "$(echo "$output" | grep -o 'https\?://[^"]*' | sort -u)" = "http://www.w3.org/2000/svg" ] ||
			[ -z "$(echo "$output" | grep -o 'https\?://[^"]*')" ] || fail "$r: a URL other than the SVG namespace"
	done
	run attune-report savings -o html
	assert_output --partial "<svg"
	assert_output --partial "Cost per tier"
	assert_output --partial "Cost per day"
	assert_output --partial "<td>CHEAP</td>"
	# text is escaped
	sed -i 's/"workflow":"docs"/"workflow":"<b>\&docs"/' "$ATTUNE_HOME/telemetry/usage.jsonl"
	run attune-report usage -o html
	assert_output --partial "&lt;b&gt;&amp;docs"
	refute_output --partial "<b>&docs"
}

@test "csv: quoting of commas, quotes and newlines" {
	sed -i 's/"workflow":"docs"/"workflow":"a,\\"b\\"\\nc"/' "$ATTUNE_HOME/telemetry/usage.jsonl"
	run --separate-stderr attune-report export -o csv --days 7
	assert_output --partial '"a,""b""
c"'
}

# --- robustness -------------------------------------------------------------------------------

@test "malformed lines are skipped and counted; a line over 1 MiB is one of them" {
	{ printf '{"v":"1.0","ts":"2099-01-01T00:00:00Z","workflow":"'; head -c 1100000 /dev/zero | tr '\0' x; printf '"}\n'; } \
		>>"$ATTUNE_HOME/telemetry/usage.jsonl"
	echo '{"v":"1.0","ts":"2026-02-30T00:00:00","cost":1' >>"$ATTUNE_HOME/telemetry/usage.jsonl"
	run --separate-stderr attune-report savings -o json
	assert_success
	json_is '.total_calls == 5'
	[ "$stderr" = "attune-report: skipped 5 malformed lines" ]
}

@test "missing files mean no data for every report" {
	local r
	for r in $REPORTS export; do
		run --separate-stderr env ATTUNE_HOME="$BATS_TEST_TMPDIR/nowhere" attune-report "$r" --dir "$EMPTY"
		[ "$status" -eq 0 ] || fail "$r: exit $status"
		[ -z "$stderr" ] || fail "$r: $stderr"
	done
}

@test "a file that cannot be read is named, exit 65" {
	rm "$ATTUNE_HOME/telemetry/usage.jsonl"
	mkdir "$ATTUNE_HOME/telemetry/usage.jsonl"
	run --separate-stderr attune-report savings
	assert_failure 65
	assert_output ""
	[[ $stderr == *"attune-report: cannot read $ATTUNE_HOME/telemetry/usage.jsonl: Is a directory"* ]]
	mkdir "$EMPTY/task_routing.jsonl"
	run --separate-stderr attune-report routing --dir "$EMPTY"
	assert_failure 65
	[[ $stderr == *"cannot read $EMPTY/task_routing.jsonl"* ]]
}

@test "usage errors exit 2: unknown or missing report, bad windows, missing --dir, options of other reports" {
	run --separate-stderr attune-report nope
	assert_failure 2
	[[ $stderr == *"attune-report: unknown report 'nope'"* ]]
	run --separate-stderr attune-report
	assert_failure 2
	run --separate-stderr attune-report savings extra
	assert_failure 2
	local bad
	for bad in 0 -1 abc 1x '' nan; do
		run --separate-stderr attune-report savings --days "$bad"
		assert_failure 2
		run --separate-stderr attune-report tier1 --hours "$bad"
		assert_failure 2
	done
	run --separate-stderr attune-report savings --days 1 --hours 1
	assert_failure 2
	run --separate-stderr attune-report savings --dir "$BATS_TEST_TMPDIR/missing"
	assert_failure 2
	[[ $stderr == *"no such folder"* ]]
	run --separate-stderr attune-report savings --dir "$PROJ/llm_calls.jsonl"
	assert_failure 2
	run --separate-stderr attune-report savings --failed
	assert_failure 2
	[[ $stderr == *"--failed does not apply to savings"* ]]
	run --separate-stderr attune-report usage --limit 0
	assert_failure 2
	run --separate-stderr attune-report savings -o xml
	assert_failure 2
	run --separate-stderr attune-report savings --period1 3
	assert_failure 2
}

@test "options may stand before the report name" {
	run --separate-stderr attune-report --days 7 -o json savings
	assert_success
	json_is '.days == 7 and .total_calls == 3'
}

@test "naive and offset timestamps are UTC" {
	# Two records a minute on either side of the 2-hour edge, written three ways.
	local in out
	in=$(date -u -d '-119 minutes' +%Y-%m-%dT%H:%M:%S)
	out=$(date -u -d '-121 minutes' +%Y-%m-%dT%H:%M:%S)
	local shifted
	shifted=$(date -u -d '-119 minutes +2 hours' +%Y-%m-%dT%H:%M:%S)
	{
		echo "{\"ts\":\"$in\",\"cost\":1}"
		echo "{\"ts\":\"${shifted}+02:00\",\"cost\":2}"
		echo "{\"ts\":\"${out}Z\",\"cost\":4}"
	} >"$ATTUNE_HOME/telemetry/usage.jsonl"
	rm "$ATTUNE_HOME/telemetry/usage.2025-01-01.jsonl"
	run --separate-stderr attune-report savings --hours 2 -o json
	json_is '.total_calls == 2 and .actual_cost == 3'
}
