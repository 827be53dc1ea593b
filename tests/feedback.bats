#!/usr/bin/env bats
# attune-feedback: template ratings, the tier-quality loop (ORIGINAL.md §12 cases 51–61), the
# help-query log. Runs once per store.
load helper
bats_require_minimum_version 1.5.0

# jqok FILTER — the filter holds on $output (one JSON value, or the lines slurped with -s).
jqok() {
	jq -e "$@" <<<"$output" >/dev/null || fail "jq $* does not hold for: $output"
}

# add STAGE TIER COUNT SCORE… — COUNT entries of workflow wf, cycling through the scores.
add() {
	local stage=$1 tier=$2 count=$3 i
	shift 3
	local s=("$@")
	for ((i = 0; i < count; i++)); do
		attune-feedback -q score wf "$stage" "$tier" "${s[i % ${#s[@]}]}" || return 1
	done
}

# recommend ARGS… then check current, recommended, confidence and the start of the reason.
recommends() {
	run --separate-stderr attune-feedback recommend wf st "${@:5}"
	assert_success
	jqok --arg c "$1" --arg r "$2" --argjson k "$3" --arg why "$4" \
		'.current_tier == $c and .recommended_tier == $r and .confidence == $k and (.reason | startswith($why))'
}

# ---- template ratings ----

@test "rate: good on a new template is 1.0, then bad makes 0.5 (case 61)" {
	run --separate-stderr attune-feedback rate tip-a good
	assert_success
	jqok '.template_id == "tip-a" and .good == 1 and .bad == 0 and .confidence == 1 and .n == 1'
	run --separate-stderr attune-feedback rate tip-a bad
	assert_success
	jqok '.good == 1 and .bad == 1 and .confidence == 0.5 and .n == 2'
	jqok '(.lower_bound * 1000 | round) == 95'
	[ -z "$stderr" ]
}

@test "confidence: a template never rated is 1.0 with n 0 and lower bound 0" {
	run --separate-stderr attune-feedback confidence tip-none
	assert_success
	assert_output '{"template_id":"tip-none","good":0,"bad":0,"confidence":1,"lower_bound":0,"n":0}'
}

@test "Wilson lower bound: 2/2 is 0.342, 100/101 is 0.946, 0/5 is 0" {
	attune-feedback -q rate two good
	attune-feedback -q rate two good
	run attune-feedback confidence two
	jqok '(.lower_bound * 1000 | round) == 342 and .confidence == 1'
	echo '{"many": {"good": 100, "bad": 1}, "none": {"good": 0, "bad": 5}}' | attune-feedback -q import -
	run attune-feedback confidence many
	jqok '(.lower_bound * 1000 | round) == 946 and .n == 101'
	run attune-feedback confidence none
	jqok '.lower_bound == 0 and .confidence == 0'
}

@test "list ranks by lower bound: 100-of-101 above 2-of-2; --sort confidence and n" {
	echo '{"many": {"good": 100, "bad": 1}, "two": {"good": 2, "bad": 0}, "bad": {"good": 0, "bad": 7}}' |
		attune-feedback -q import -
	run --separate-stderr attune-feedback list
	assert_success
	assert_equal "$(jq -r .template_id <<<"$output" | tr '\n' ' ')" "many two bad "
	run attune-feedback list --sort confidence
	assert_equal "$(jq -r .template_id <<<"$output" | tr '\n' ' ')" "two many bad "
	run attune-feedback --sort n list
	assert_equal "$(jq -r .template_id <<<"$output" | tr '\n' ' ')" "many bad two "
	run attune-feedback list -c 1
	assert_equal "$(jq -r .template_id <<<"$output")" "many"
	run attune-feedback list -o text
	assert_success
	assert_line --index 0 --regexp '^TEMPLATE ID +GOOD +BAD +N +CONFIDENCE +LOWER BOUND$'
	assert_line --index 1 --regexp '^many +100 +1 +101 +0.990 +0.946$'
	run attune-feedback list --sort best
	assert_failure 2
}

@test "list and export of an empty store print nothing and {}" {
	run --separate-stderr attune-feedback list
	assert_success
	assert_output ""
	run attune-feedback export
	assert_output '{}'
}

@test "rate: a rating other than good or bad exits 2 and stores nothing" {
	for r in meh GOOD '' 1; do
		run --separate-stderr attune-feedback rate tip-x "$r"
		assert_failure 2
		assert_output ""
		[[ $stderr == *"bad rating"* ]]
	done
	run attune-feedback export
	assert_output '{}'
}

@test "bad template ids and operand counts exit 2" {
	for id in 'a:b' 'a b' '' 'x*' "$(printf 'a%.0s' {1..129})"; do
		run --separate-stderr attune-feedback rate "$id" good
		assert_failure 2
		[[ $stderr == *"bad template"* ]]
	done
	run attune-feedback rate tip-a
	assert_failure 2
	run attune-feedback confidence tip-a tip-b
	assert_failure 2
	run --separate-stderr attune-feedback nosuch
	assert_failure 2
	[[ $stderr == *"unknown command 'nosuch'"* ]]
	run attune-feedback
	assert_failure 2
	run --separate-stderr attune-feedback rate tip-a good --tier cheap
	assert_failure 2
	[[ $stderr == *"rate: --tier does not apply"* ]]
	run attune-feedback export -o text
	assert_failure 2
}

@test "4 processes x 25 concurrent ratings are all counted" {
	run timeout -k 5 120 bash -c '
		for p in 1 2 3 4; do
			( for i in $(seq 25); do attune-feedback -q rate busy good || echo FAIL; done ) &
		done
		wait'
	assert_success
	refute_output --partial FAIL
	run attune-feedback confidence busy
	jqok '.good == 100 and .bad == 0 and .n == 100'
}

@test "import sets the counts, export round-trips, importing twice is idempotent" {
	attune-feedback -q rate keep good
	attune-feedback -q rate tip-a bad
	cat >"$BATS_TEST_TMPDIR/f.json" <<-'EOF'
	{
	  "tip-a": {"good": 3, "bad": 1},
	  "err-b": {"good": 0, "bad": 2},
	  "meh": {},
	  "partial": {"good": 4}
	}
	EOF
	run --separate-stderr attune-feedback import "$BATS_TEST_TMPDIR/f.json"
	assert_success
	assert_output '{"imported":4}'
	run attune-feedback import "$BATS_TEST_TMPDIR/f.json"
	assert_success
	run attune-feedback export
	assert_output '{"err-b":{"good":0,"bad":2},"keep":{"good":1,"bad":0},"meh":{"good":0,"bad":0},"partial":{"good":4,"bad":0},"tip-a":{"good":3,"bad":1}}'
	# an export imported into an empty namespace gives the same export
	attune-feedback export -p >"$BATS_TEST_TMPDIR/export.json"
	before=$output
	ATTUNE_NAMESPACE="${ATTUNE_NAMESPACE}b" attune-feedback -q import "$BATS_TEST_TMPDIR/export.json"
	run env ATTUNE_NAMESPACE="${ATTUNE_NAMESPACE}b" attune-feedback export
	assert_output "$before"
}

@test "import: bad JSON exits 65 with line and column; bad entries write nothing" {
	printf '{"a": {"good": 1},\n  "b": {"good": }}\n' >"$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr attune-feedback import "$BATS_TEST_TMPDIR/bad.json"
	assert_failure 65
	assert_output ""
	[[ $stderr == *"bad.json: invalid JSON"*"line 2"*"column"* ]]
	for doc in '[1]' '{"ok": {"good": 1}, "x": {"good": -1}}' '{"ok": {"good": 1}, "x": {"good": 1.5}}' \
		'{"ok": {"good": 1}, "x": {"bad": "2"}}' '{"ok": {"good": 1}, "x": 3}' '{"ok": {"good": 1}, "a:b": {}}'; do
		run --separate-stderr attune-feedback import - <<<"$doc"
		assert_failure 65
		assert_output ""
	done
	run attune-feedback export
	assert_output '{}'
	run --separate-stderr attune-feedback import "$BATS_TEST_TMPDIR/missing.json"
	assert_failure 2
	[[ $stderr == *"missing.json"* ]]
}

@test "redis: a rating is a hash attune:template:ID with integer fields good and bad" {
	redis_only
	attune-feedback -q rate tip-r good
	attune-feedback -q rate tip-r good
	attune-feedback -q rate tip-r bad
	run rcli --raw TYPE "$ATTUNE_NAMESPACE:attune:template:tip-r"
	assert_output hash
	run rcli --raw HGET "$ATTUNE_NAMESPACE:attune:template:tip-r" good
	assert_output 2
	run rcli --raw HGET "$ATTUNE_NAMESPACE:attune:template:tip-r" bad
	assert_output 1
	# a count written by another client is read back
	rcli HINCRBY "$ATTUNE_NAMESPACE:attune:template:tip-r" bad 9 >/dev/null
	run attune-feedback confidence tip-r
	jqok '.good == 2 and .bad == 10'
}

# ---- tier quality ----

@test "score prints and stores attune-ai's entry" {
	run --separate-stderr attune-feedback score wf analysis capable 0.85 --meta '{"tokens": 150, "latency_ms": 1200}'
	assert_success
	jqok '(.feedback_id | test("^feedback_[0-9a-f]{8}$")) and .workflow_name == "wf" and .stage_name == "analysis"
		and .tier == "capable" and .quality_score == 0.85 and .metadata.tokens == 150
		and (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}\\+00:00$"))'
	id=$(jq -r .feedback_id <<<"$output")
	run attune-feedback history wf analysis
	jqok --arg id "$id" '.feedback_id == $id and .metadata.latency_ms == 1200'
	run attune-feedback score wf analysis cheap -- -0
	assert_success
	jqok '.quality_score == 0'
	[[ $output == *'"quality_score":0,'* ]]
	run attune-feedback score wf analysis premium 1
	jqok '.metadata == {}'
}

@test "score: outside 0..1, bad tiers and bad names exit 2; bad --meta exits 65" {
	for s in 1.5 -0.1 x '' nan 1e400; do
		run --separate-stderr attune-feedback score wf st cheap "$s"
		assert_failure 2
	done
	for t in CHEAP gold 'cheap:x'; do
		run --separate-stderr attune-feedback score wf st "$t" 0.5
		assert_failure 2
		[[ $stderr == *"bad tier"* ]]
	done
	run --separate-stderr attune-feedback score 'w:f' st cheap 0.5
	assert_failure 2
	[[ $stderr == *"bad workflow 'w:f'"* ]]
	run --separate-stderr attune-feedback score wf 's*' cheap 0.5
	assert_failure 2
	run --separate-stderr attune-feedback score wf st cheap 0.5 --meta '{"a": 1,
 "b": }'
	assert_failure 65
	[[ $stderr == *"--meta: invalid JSON"*"line 2, column"* ]]
	run --separate-stderr attune-feedback score wf st cheap 0.5 --meta '[1, 2]'
	assert_failure 65
	[[ $stderr == *"not a JSON object"* ]]
	run attune-feedback history wf st
	assert_output ""
	run --separate-stderr attune-feedback history wf st --tier gold
	assert_failure 2
}

@test "history: empty, tier filter, newest N first (cases 52, 53)" {
	run --separate-stderr attune-feedback history wf st
	assert_success
	assert_output ""
	add st cheap 3 0.1 0.2 0.3
	add st premium 2 0.9
	run attune-feedback history wf st
	assert_equal "$(jq -r .quality_score <<<"$output" | tr '\n' ' ')" "0.9 0.9 0.3 0.2 0.1 "
	run attune-feedback history wf st --tier cheap -c 2
	assert_equal "$(jq -r .quality_score <<<"$output" | tr '\n' ' ')" "0.3 0.2 "
	run attune-feedback history wf st -o text --tier premium
	assert_line --index 0 --regexp '^TIMESTAMP +TIER +QUALITY SCORE +FEEDBACK ID$'
	assert_line --index 1 --regexp 'premium +0.900 +feedback_'
	run attune-feedback history wf other
	assert_output ""
}

@test "stats: none is null; ten scores averaging 0.75 (case 54); trend" {
	run --separate-stderr attune-feedback stats wf st
	assert_success
	assert_output null
	add st cheap 10 0.5 1.0
	run attune-feedback stats wf st
	jqok '.sample_count == 10 and .avg_quality == 0.75 and .min_quality == 0.5 and .max_quality == 1
		and .tier == "all" and .workflow_name == "wf" and .stage_name == "st"'
	# newest first 1 .5 1 .5 1 | .5 1 .5 1 .5: (0.8 - 0.7) / 0.7
	jqok '(.recent_trend * 1000 | round) == 143'
	run attune-feedback stats wf st --tier cheap
	jqok '.tier == "cheap" and .sample_count == 10'
	run attune-feedback stats wf st --tier capable
	assert_output null
	# older 0.5 0.5, recent 1 1: (1 - 0.5) / 0.5 = 1
	add st2 premium 2 0.5
	add st2 premium 2 1
	run attune-feedback stats wf st2
	jqok '.recent_trend == 1 and .sample_count == 4'
	run attune-feedback stats wf st2 -o text
	assert_line --index 1 --regexp '^st2 +all +4 +0.750 +0.500 +1 +1$'
}

@test "recommend: no data, insufficient, upgrade, maintain, already premium (case 55)" {
	recommends unknown cheap 0 "No feedback data available"
	recommends capable capable 0 "No feedback data available" --tier capable
	add st cheap 5 0.6
	recommends cheap cheap 0 "Insufficient data (need 10 samples, have 5)"
	add st cheap 10 0.6
	recommends cheap capable 0.75 "Low quality (0.60) - upgrade for better results"
	add s2 cheap 15 0.8
	run attune-feedback recommend wf s2
	jqok '.recommended_tier == "cheap" and .reason == "Acceptable quality (0.80) - maintain current tier"'
	add s3 premium 15 0.6
	run attune-feedback recommend wf s3
	jqok '.recommended_tier == "premium" and .confidence == 1 and .reason == "Already using premium tier (quality: 0.60)"'
	add s4 capable 10 0.6
	run attune-feedback recommend wf s4
	jqok '.recommended_tier == "premium" and .reason == "Low quality (0.60) - upgrade to premium tier"'
	run attune-feedback recommend wf s4 -o text
	assert_output "capable -> premium (confidence 0.50): Low quality (0.60) - upgrade to premium tier"
}

@test "recommend: sample boundaries 9, 10, 20, 50 and a tier with no stats (case 56a)" {
	add st cheap 9 0.8
	recommends cheap cheap 0 "Insufficient data (need 10 samples, have 9)"
	recommends capable capable 0 "Insufficient data (need 10 samples, have 0)" --tier capable
	add st cheap 1 0.8
	recommends cheap cheap 0.5 "Acceptable quality"
	add st cheap 10 0.8
	recommends cheap cheap 1 "Acceptable quality"
	add st cheap 30 0.8
	recommends cheap cheap 1 "Acceptable quality"
	run attune-feedback recommend wf st
	jqok '.stats.cheap.sample_count == 50 and (.stats | keys) == ["cheap"]'
}

@test "recommend: quality boundaries 0.7 and 0.9, cheap never downgrades (case 56a)" {
	add a capable 10 0.5 0.75 1.0 0.5 0.75 1.0 0.5 0.75 0.5 0.75    # exactly 7/10
	run attune-feedback recommend wf a
	jqok '.recommended_tier == "capable" and .reason == "Acceptable quality (0.70) - maintain current tier"'
	add b capable 10 0.69
	run attune-feedback recommend wf b
	jqok '.recommended_tier == "premium"'
	add c capable 10 1.0 0.75 1.0 0.75 1.0 0.75 1.0 0.75 1.0 1.0      # exactly 9/10
	run attune-feedback recommend wf c
	jqok '.recommended_tier == "capable" and (.reason | startswith("Acceptable quality (0.90)"))'
	add d cheap 10 0.99
	run attune-feedback recommend wf d
	jqok '.recommended_tier == "cheap" and .reason == "Acceptable quality (0.99) - maintain current tier"'
}

@test "recommend: downgrades only when the lower tier averages above 0.85 (case 56a)" {
	add st capable 10 0.95
	recommends capable capable 0.5 "Excellent quality (0.95) - keep capable tier" --tier capable
	add st cheap 10 1.0 0.75 1.0 0.75 1.0 0.75 1.0 0.75 0.75 0.75    # exactly 8.5/10
	recommends capable capable 0.5 "Excellent quality (0.95) - keep capable tier" --tier capable
	add st cheap 1 1.0
	recommends capable cheap 0.5 "Excellent quality (0.95) - downgrade to save cost" --tier capable
	add p premium 10 0.95
	run attune-feedback recommend wf p
	jqok '.recommended_tier == "premium" and .reason == "Excellent quality (0.95) - keep premium for consistency"'
	add p capable 2 0.85
	run attune-feedback recommend wf p --tier premium
	jqok '.recommended_tier == "premium" and (.reason | endswith("keep premium for consistency"))'
	add p capable 1 0.9
	run attune-feedback recommend wf p --tier premium
	jqok '.recommended_tier == "capable" and .reason == "Excellent quality (0.95) - downgrade to save cost"'
	add q premium 10 0.3
	run attune-feedback recommend wf q
	jqok '.confidence == 1 and .recommended_tier == "premium"'
}

@test "recommend: the default current tier is the tier of the newest entry" {
	add st cheap 10 0.6
	add st capable 1 0.6
	run attune-feedback recommend wf st
	jqok '.current_tier == "capable" and (.reason | startswith("Insufficient data")) and (.stats | keys) == ["capable", "cheap"]'
	add st cheap 1 0.6
	run attune-feedback recommend wf st
	jqok '.current_tier == "cheap" and .recommended_tier == "capable"'
}

@test "underperforming lists stage/tier below the threshold, worst first (case 56)" {
	add stage1 cheap 4 0.85
	add stage2 cheap 4 0.55
	add stage3 premium 2 0.3
	run --separate-stderr attune-feedback underperforming wf
	assert_success
	assert_equal "$(jq -r .label <<<"$output" | tr '\n' ' ')" "stage3/premium stage2/cheap "
	jqok -s '(.[1].avg_quality * 100 | round) == 55 and .[1].sample_count == 4 and .[1].stage_name == "stage2" and .[1].tier == "cheap"'
	run attune-feedback underperforming wf --threshold 0.9
	assert_equal "$(jq -r .label <<<"$output" | tr '\n' ' ')" "stage3/premium stage2/cheap stage1/cheap "
	run attune-feedback underperforming wf --threshold 0.2
	assert_output ""
	run attune-feedback underperforming wf -o text
	assert_line --index 1 --regexp '^stage3 +premium +2 +0.300'
	run attune-feedback underperforming wf --threshold 2
	assert_failure 2
}

@test "clear: a whole workflow, or one stage keeping the others (case 57)" {
	add s1 cheap 1 0.5
	add s2 capable 1 0.5
	add s1 cheap 1 0.5 && attune-feedback -q score other s1 cheap 0.5
	run --separate-stderr attune-feedback clear wf s1
	assert_success
	assert_output '{"deleted":2}'
	run attune-feedback history wf s2
	jqok '.tier == "capable"'
	run attune-feedback clear wf
	assert_output '{"deleted":1}'
	run attune-feedback clear wf
	assert_output '{"deleted":0}'
	run attune-feedback history other s1
	refute_output ""
}

@test "redis: entries are feedback:{wf}:{stage}:{tier}:{id} JSON with a 7-day TTL" {
	redis_only
	run attune-feedback score wf st premium 0.75 --meta '{"k": "v"}'
	id=$(jq -r .feedback_id <<<"$output")
	key="$ATTUNE_NAMESPACE:feedback:wf:st:premium:$id"
	run rcli --raw GET "$key"
	jqok --arg id "$id" '. == {"feedback_id": $id, "workflow_name": "wf", "stage_name": "st", "tier": "premium",
		"quality_score": 0.75, "timestamp": .timestamp, "metadata": {"k": "v"}}'
	run rcli --raw TTL "$key"
	[ "$output" -gt 604700 ] && [ "$output" -le 604800 ]
}

@test "redis: entries written by attune-ai are read; malformed ones are skipped" {
	redis_only
	local ns=$ATTUNE_NAMESPACE
	rcli SET "$ns:feedback:wf:st:cheap:feedback_0000beef" '{"feedback_id": "feedback_0000beef", "workflow_name": "wf", "stage_name": "st", "tier": "cheap", "quality_score": 0.4, "timestamp": "2026-01-01T10:00:00.123456", "metadata": {}}' EX 600 >/dev/null
	rcli SET "$ns:feedback:wf:st:cheap:legacy" '{"workflow_name": "wf", "stage_name": "st", "tier": "cheap", "quality_score": 0.6, "timestamp": "2026-01-02T10:00:00+00:00"}' EX 600 >/dev/null
	rcli SET "$ns:feedback:wf:st:cheap:bad1" 'not json' EX 600 >/dev/null
	rcli SET "$ns:feedback:wf:st:cheap:bad2" '[1]' EX 600 >/dev/null
	rcli SET "$ns:feedback:wf:st:cheap:bad3" '{"workflow_name": "wf", "stage_name": "st", "tier": "cheap", "quality_score": 0.5, "timestamp": "yesterday"}' EX 600 >/dev/null
	run --separate-stderr attune-feedback history wf st
	assert_success
	assert_equal "$(wc -l <<<"$output")" 2
	jqok -s '.[0].feedback_id == "fb-1767348000000" and .[0].metadata == {} and .[1].feedback_id == "feedback_0000beef"'
	run attune-feedback stats wf st
	jqok '.sample_count == 2 and .avg_quality == 0.5'
}

# ---- help-query log ----

@test "query: attune-ai's record, one line per call, in order (case 59)" {
	run --separate-stderr attune-feedback query security-audit --source help_lookup --mode progressive --found --duration-ms 12.345
	assert_success
	jqok '.v == "1.0" and .source == "help_lookup" and .mode == "progressive" and .topic == "security-audit"
		and .success == true and .found == true and .duration_ms == 12.35 and (has("metadata") | not)
		and (.ts | test("\\+00:00$"))'
	attune-feedback -q query second --source rag --mode m --found --meta '{"depth_level": 2, "tags": ["a"]}'
	attune-feedback -q query third --source rag --mode m --found --meta '{}'
	f="$ATTUNE_HOME/telemetry/help_queries.jsonl"
	run jq -c '[.topic, .metadata, has("duration_ms")]' "$f"
	assert_output '["security-audit",null,true]
["second",{"depth_level":2,"tags":["a"]},false]
["third",null,false]'
	[ ! -e "$ATTUNE_HOME/telemetry/help_unmatched.jsonl" ]
	[ "$(stat -c %a "$ATTUNE_HOME/telemetry")" = 700 ]
	[ "$(stat -c %a "$f")" = 600 ]
}

@test "query --not-found also logs the unmatched query (case 60); Unicode round-trips" {
	for t in 'ñoño' '日本語' '🎉 party'; do
		attune-feedback -q query "$t" --source help_lookup --mode search_tag --not-found
	done
	run jq -r '[.topic, .found, .success] | @tsv' "$ATTUNE_HOME/telemetry/help_queries.jsonl"
	assert_output "$(printf 'ñoño\tfalse\ttrue\n日本語\tfalse\ttrue\n🎉 party\tfalse\ttrue')"
	run jq -c . "$ATTUNE_HOME/telemetry/help_unmatched.jsonl"
	assert_line --index 1 --regexp '^\{"v":"1.0","ts":"[^"]+","source":"help_lookup","mode":"search_tag","query":"日本語"\}$'
	grep -q 'ñoño' "$ATTUNE_HOME/telemetry/help_unmatched.jsonl"
}

@test "query: ATTUNE_HELP_TELEMETRY=0 writes nothing and exits 0; the store is never opened" {
	run --separate-stderr env ATTUNE_HELP_TELEMETRY=0 attune-feedback query t --source s --mode m --not-found
	assert_success
	assert_output ""
	[ ! -e "$ATTUNE_HOME/telemetry" ]
	run --separate-stderr env ATTUNE_RETRY=0 attune-feedback -s "$DEAD_STORE" query t --source s --mode m --found
	assert_success
	run --separate-stderr env ATTUNE_RETRY=0 attune-feedback -s "$DEAD_STORE" queries
	assert_success
	jqok '.total == 1'
}

@test "query: missing or conflicting options exit 2; bad --meta exits 65; unwritable log fails" {
	run --separate-stderr attune-feedback query t --mode m --found
	assert_failure 2
	run attune-feedback query t --source s --found
	assert_failure 2
	run attune-feedback query t --source s --mode m
	assert_failure 2
	run attune-feedback query t --source s --mode m --found --not-found
	assert_failure 2
	run attune-feedback query t --source s --mode m --found --duration-ms -1
	assert_failure 2
	run attune-feedback query --source s --mode m --found
	assert_failure 2
	run attune-feedback query '' --source s --mode m --found
	assert_failure 2
	run attune-feedback query t --source '' --mode m --found
	assert_failure 2
	run --separate-stderr attune-feedback query t --source s --mode m --found --meta '{"a" 1}'
	assert_failure 65
	[[ $stderr == *"line 1, column"* ]]
	run attune-feedback query t --source s --mode m --found --meta '"text"'
	assert_failure 65
	[ ! -e "$ATTUNE_HOME/telemetry/help_queries.jsonl" ]
	: >"$BATS_TEST_TMPDIR/file"
	run --separate-stderr env ATTUNE_HOME="$BATS_TEST_TMPDIR/file/sub" attune-feedback query t --source s --mode m --found
	assert_failure 69
	[[ $stderr == *"cannot create"* ]]
	if [ "$(id -u)" != 0 ]; then
		mkdir -p "$ATTUNE_HOME/telemetry" && chmod 500 "$ATTUNE_HOME/telemetry"
		run attune-feedback query t --source s --mode m --found
		assert_failure 77
	fi
}

@test "4 processes x 50 concurrent appends with large metadata give 200 whole lines" {
	jq -cn --arg s "$(head -c 100000 /dev/zero | tr '\0' x)" '{blob: $s}' >"$BATS_TEST_TMPDIR/meta.json"
	run timeout -k 5 120 bash -c '
		for p in 1 2 3 4; do
			( for i in $(seq 50); do
				attune-feedback -q query "t$p" --source s --mode m --not-found --meta - <"$1" || echo FAIL
			done ) &
		done
		wait' _ "$BATS_TEST_TMPDIR/meta.json"
	assert_success
	refute_output --partial FAIL
	f="$ATTUNE_HOME/telemetry/help_queries.jsonl"
	[ "$(wc -l <"$f")" -eq 200 ]
	run jq -r 'select(.metadata.blob | length == 100000) | .topic' "$f"
	assert_success
	[ "${#lines[@]}" -eq 200 ]
	[ "$(wc -l <"$ATTUNE_HOME/telemetry/help_unmatched.jsonl")" -eq 200 ]
	run jq -r .query "$ATTUNE_HOME/telemetry/help_unmatched.jsonl"
	assert_success
}

@test "queries: totals, hit rate, top topics and unmatched; --days; malformed lines" {
	run --separate-stderr attune-feedback queries
	assert_success
	assert_output '{"days":null,"total":0,"found":0,"not_found":0,"hit_rate":0,"unmatched":0,"top_topics":[],"top_unmatched":[]}'
	for t in a a a b b c; do attune-feedback -q query "$t" --source s --mode m --found; done
	for t in zz zz yy; do attune-feedback -q query "$t" --source s --mode m --not-found; done
	f="$ATTUNE_HOME/telemetry/help_queries.jsonl"
	echo '{"v": "1.0", "ts": "2020-01-01T00:00:00.000000+00:00", "source": "s", "mode": "m", "topic": "old", "success": true, "found": true}' >>"$f"
	echo 'not json' >>"$f"
	run --separate-stderr attune-feedback queries -c 2
	assert_success
	[[ $stderr == *"skipped 1 malformed line"* ]]
	jqok '.total == 10 and .found == 7 and .not_found == 3 and .hit_rate == 0.7 and .unmatched == 3
		and .top_topics == [{"topic": "a", "count": 3}, {"topic": "b", "count": 2}]
		and .top_unmatched == [{"query": "zz", "count": 2}, {"query": "yy", "count": 1}]'
	run --separate-stderr attune-feedback queries --days 1
	jqok '.days == 1 and .total == 9 and (.top_topics | map(.topic) | index("old") | not)'
	run --separate-stderr attune-feedback queries --days 1 -o text
	assert_line --index 0 "help queries: 9, found 6, not found 3, hit rate 66.7%; unmatched: 3"
	assert_line --index 1 --regexp '^TOPIC +COUNT$'
	for d in 0 -1 x; do
		run attune-feedback queries --days "$d"
		assert_failure 2
	done
}

# ---- store errors ----

@test "an unreachable store exits 69 with the reason on stderr" {
	export ATTUNE_RETRY=0
	for cmd in "rate t good" "confidence t" "list" "export" "score wf st cheap 0.5" "history wf st" \
		"stats wf st" "recommend wf st" "underperforming wf" "clear wf"; do
		run --separate-stderr attune-feedback -s "$DEAD_STORE" $cmd
		assert_failure 69
		assert_output ""
		[[ $stderr == "attune-feedback: "*"127.0.0.1:1"* ]] || fail "$cmd: $stderr"
	done
	echo '{"t": {"good": 1}}' >"$BATS_TEST_TMPDIR/f.json"
	run attune-feedback -s "$DEAD_STORE" import "$BATS_TEST_TMPDIR/f.json"
	assert_failure 69
}
