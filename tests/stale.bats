#!/usr/bin/env bats
# attune-stale: stale and lost listings, --active, --lost, --alive, --forget, -e, --watch,
# text and Prometheus output; attune-ai's heartbeats found by scanning.
load helper

# agents [ARGS…] — the agent ids attune-stale lists, in order, on one line.
agents() {
	attune-stale "$@" | jq -r .agent_id | tr '\n' ' '
}

# lost_soon AGENT — beat with a short TTL and wait until the heartbeat is gone (lost).
lost_soon() {
	attune-beat -q -a "$1" -T 0.3 --task "was here"
	wait_until 5 sh -c "attune-stale --lost | grep -q '\"$1\"'"
}

# py_beat KEY AGENT SECONDS_AGO TTL [STATUS] — a heartbeat as attune-ai writes it (SETEX,
# Python's json.dumps spacing, a naive UTC last_beat).
py_beat() {
	local ts
	ts=$(date -u -d "-$3 seconds" +%Y-%m-%dT%H:%M:%S.%6N)
	rcli SETEX "$1" "$4" "{\"agent_id\": \"$2\", \"status\": \"${5:-running}\", \"progress\": 0.5, \"current_task\": \"train\", \"last_beat\": \"$ts\", \"metadata\": {}, \"display_name\": null}" >/dev/null
}

@test "nothing known: empty output, exit 0, also with -e" {
	run --separate-stderr attune-stale
	assert_success
	assert_output ""
	run attune-stale -e
	assert_success
	run attune-stale -o text
	assert_output ""
}

@test "a fresh heartbeat is not stale; --active lists it ok with age_seconds" {
	attune-beat -q -a w1 --task build
	run attune-stale -e
	assert_success
	assert_output ""
	run attune-stale --active
	assert_success
	echo "$output" | jq -e '.agent_id == "w1" and .state == "ok" and .current_task == "build"
		and .age_seconds >= 0 and .age_seconds < 5'
}

@test "a heartbeat older than the threshold is stale; -e exits 1" {
	attune-beat -q -a w1 -T 30
	sleep 0.6
	run attune-stale -t 0.4
	assert_success
	echo "$output" | jq -e '.agent_id == "w1" and .state == "stale" and .age_seconds > 0.4'
	run attune-stale -t 0.4 -e
	assert_failure 1
	run attune-stale -t 0.4 -e -q
	assert_failure 1
	assert_output ""
	run attune-stale -t 1m -e
	assert_success
	assert_output ""
	run attune-stale --active -t 0.4
	echo "$output" | jq -e '.state == "stale"'
}

@test "final statuses are never stale; --active shows them final" {
	for s in completed failed cancelled; do attune-beat -q -a "f-$s" --stop --status "$s"; done
	sleep 0.3
	run attune-stale -t 0.1 -e
	assert_success
	assert_output ""
	run agents --active -t 0.1
	[[ $output == *f-completed* && $output == *f-failed* && $output == *f-cancelled* ]]
	run attune-stale --active
	echo "$output" | jq -se 'map(.state) == ["final", "final", "final"]'
}

@test "an expired heartbeat without a final status is lost, with its last record" {
	attune-beat -q -a l1 --progress 0.7 -T 0.3 --task "was here"
	wait_until 5 sh -c 'attune-stale --lost | grep -q l1'
	run attune-stale --lost
	echo "$output" | jq -e '.agent_id == "l1" and .state == "lost" and .progress == 0.7
		and .current_task == "was here" and .age_seconds > 0.3'
	run agents
	assert_output "l1 "
	run attune-stale -e
	assert_failure 1
	run attune-stale --active
	assert_output ""
}

@test "an expired heartbeat with a final status is not lost, it is forgotten" {
	attune-beat -q -a f1 -T 0.3
	attune-beat -q -a f1 -T 0.3 --stop
	sleep 0.6
	run attune-stale --lost
	assert_output ""
	run attune-stale --alive f1
	assert_failure 1
	assert_output ""
}

@test "a lost agent that beats again is ok" {
	lost_soon l1
	attune-beat -q -a l1
	run attune-stale --lost
	assert_output ""
	run attune-stale --alive l1
	assert_success
}

@test "--forget stops reporting a lost agent; an unknown one exits 1" {
	lost_soon l1
	lost_soon l2
	run attune-stale --forget l1
	assert_success
	assert_output ""
	run agents --lost
	assert_output "l2 "
	run attune-stale --forget l1
	assert_failure 1
	run attune-stale --forget never-seen
	assert_failure 1
}

@test "--alive: 0 when ok, 1 when stale, final, lost or unknown" {
	attune-beat -q -a a1
	run attune-stale --alive a1
	assert_success
	echo "$output" | jq -e '.agent_id == "a1" and .state == "ok"'
	sleep 0.3
	run attune-stale --alive a1 -t 0.1
	assert_failure 1
	echo "$output" | jq -e '.state == "stale"'
	run attune-stale --alive a1 -q
	assert_success
	assert_output ""
	attune-beat -q -a a1 --stop
	run attune-stale --alive a1
	assert_failure 1
	echo "$output" | jq -e '.state == "final" and .status == "completed"'
	lost_soon a2
	run attune-stale --alive a2
	assert_failure 1
	echo "$output" | jq -e '.state == "lost"'
	run --separate-stderr attune-stale --alive nobody
	assert_failure 1
	assert_output ""
	[ -z "$stderr" ]
}

@test "oldest first" {
	attune-beat -q -a c3
	sleep 0.05
	attune-beat -q -a a1
	sleep 0.05
	attune-beat -q -a b2
	run agents -t 0
	assert_output "c3 a1 b2 "
	run attune-stale -t 0
	echo "$output" | jq -se '.[0].age_seconds >= .[1].age_seconds and .[1].age_seconds >= .[2].age_seconds'
}

@test "-o text prints a table" {
	attune-beat -q -a builder-1 --progress 0.45 --task compiling
	sleep 0.2
	run attune-stale -o text -t 0.1
	assert_success
	assert_line --index 0 --regexp '^AGENT +STATE +AGE +STATUS +PROGRESS +TASK$'
	assert_line --index 1 --regexp '^builder-1 +stale +[0-9.]+s +running +45% +compiling$'
}

@test "-o prometheus describes every known agent whatever the listing" {
	attune-beat -q -a ok1 --progress 0.25
	attune-beat -q -a fin1 --stop
	lost_soon lost1
	for opts in "" "--lost" "--active"; do
		run attune-stale -o prometheus $opts
		assert_success
		assert_line '# TYPE attune_agent_up gauge'
		assert_line 'attune_agent_up{agent="ok1"} 1'
		assert_line 'attune_agent_up{agent="fin1"} 1'
		assert_line 'attune_agent_up{agent="lost1"} 0'
		assert_line 'attune_agent_progress{agent="ok1"} 0.25'
		assert_line 'attune_agent_progress{agent="fin1"} 1'
		assert_line --regexp '^attune_agent_last_beat_seconds\{agent="ok1"\} [0-9]{10}\.[0-9]{6}$'
		assert_line 'attune_agents{state="ok"} 1'
		assert_line 'attune_agents{state="final"} 1'
		assert_line 'attune_agents{state="lost"} 1'
		assert_line 'attune_agents{state="stale"} 0'
	done
	# Every line is a comment or a sample of the text exposition format.
	run sh -c "attune-stale -o prometheus | grep -vE '^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+\{[a-z]+=\"[^\"]*\"\} [0-9.e+-]+)$'"
	assert_output ""
	run attune-stale -o prometheus -t 0
	assert_line 'attune_agent_up{agent="ok1"} 0'
	run attune-stale -o prometheus -e -q
	assert_failure 1
}

@test "--watch prints started, stale, recovered, finished and lost events" {
	local ev="$BATS_TEST_TMPDIR/ev" st=0
	attune-stale --watch --interval 0.1 -t 1 >"$ev" 2>&1 3>&- &
	local pid=$!
	sleep 0.3
	attune-beat -q -a w1 -T 30
	wait_until 5 grep -q '"event":"started"' "$ev"
	wait_until 5 grep -q '"event":"stale"' "$ev"
	attune-beat -q -a w1
	wait_until 5 grep -q '"event":"recovered"' "$ev"
	attune-beat -q -a w1 --stop
	wait_until 5 grep -q '"event":"finished"' "$ev"
	attune-beat -q -a w2 -T 0.5
	wait_until 5 grep -q '"event":"lost"' "$ev"
	kill -INT "$pid"
	wait "$pid" || st=$?
	[ "$st" -eq 130 ] || fail "watch exited $st"
	run jq -sc '[.[] | select(.agent_id == "w1") | [.event, .previous]]' "$ev"
	assert_output '[["started",null],["stale","ok"],["recovered","stale"],["finished","ok"]]'
	run jq -sc '[.[] | select(.agent_id == "w2") | .event]' "$ev"
	assert_output '["started","lost"]'
	jq -se 'all(.[]; (.timestamp | type) == "string" and (.state | type) == "string")' "$ev"
}

@test "--watch reports what is already lost first, and ends with 143 on SIGTERM" {
	local ev="$BATS_TEST_TMPDIR/ev" st=0
	lost_soon l1
	attune-beat -q -a ok1
	attune-stale --watch --interval 0.2 >"$ev" 2>&1 3>&- &
	local pid=$!
	wait_until 5 grep -q l1 "$ev"
	kill -TERM "$pid"
	wait "$pid" || st=$?
	[ "$st" -eq 143 ] || fail "watch exited $st"
	run jq -c '[.agent_id, .event, .previous]' "$ev"
	assert_output '["l1","lost",null]'
}

@test "--watch -o text prints one line per event" {
	local ev="$BATS_TEST_TMPDIR/ev"
	lost_soon l1
	attune-stale --watch -o text >"$ev" 2>&1 3>&- &
	local pid=$!
	wait_until 5 grep -q l1 "$ev"
	kill -TERM "$pid"
	wait "$pid" || true
	run cat "$ev"
	assert_output --regexp '^[0-9T:.+-]+ +lost +l1 +lost +[0-9.]+s +running +0% +was here$'
}

@test "bad options are usage errors (2)" {
	for args in "-t 5x" "--interval 1s" "--watch --interval 0" "--active --lost" "--alive a:b" \
		"--forget x*" "--alive" "-o csv" "-o prometheus --watch" "-o prometheus --alive a" "extra" \
		"--watch --forget a"; do
		run --separate-stderr attune-stale $args
		[ "$status" -eq 2 ] || fail "$args: status $status"
		[ -z "$output" ] || fail "$args printed $output"
		[[ $stderr == attune-stale:* ]] || fail "$args: stderr $stderr"
	done
}

@test "an unreachable store exits 69 with the reason" {
	for args in "" "--alive a" "--forget a" "--watch" "-o prometheus"; do
		ATTUNE_RETRY=0 run --separate-stderr timeout -k 5 10 attune-stale -s "$DEAD_STORE" $args
		[ "$status" -eq 69 ] || fail "$args: status $status"
		assert_output ""
		[[ $stderr == "attune-stale: "*"127.0.0.1:1"* ]] || fail "$args: $stderr"
	done
}

@test "redis: a heartbeat written by attune-ai (SETEX, naive timestamp) is found" {
	redis_only
	py_beat "$ATTUNE_NAMESPACE:empathy:heartbeat:py-old" py-old 120 300
	py_beat "$ATTUNE_NAMESPACE:empathy:heartbeat:py-new" py-new 1 30
	py_beat "$ATTUNE_NAMESPACE:empathy:heartbeat:py-done" py-done 120 300 completed
	rcli SET "$ATTUNE_NAMESPACE:empathy:heartbeat:broken" 'not json {' >/dev/null
	rcli SET "$ATTUNE_NAMESPACE:empathy:heartbeat:array" '[1, 2]' >/dev/null
	run attune-stale
	assert_success
	echo "$output" | jq -e '.agent_id == "py-old" and .state == "stale" and .age_seconds > 119 and .age_seconds < 130
		and .current_task == "train"'
	run agents --active
	assert_output "py-old py-done py-new "
	run attune-stale --alive py-new
	assert_success
	# attune-ai's agents have no index: once expired they are gone, not lost.
	rcli DEL "$ATTUNE_NAMESPACE:empathy:heartbeat:py-old" >/dev/null
	run attune-stale --lost
	assert_output ""
}

@test "redis: attune-ai's exact key without a namespace" {
	redis_only
	local a="py-$ATTUNE_NAMESPACE"
	py_beat "empathy:heartbeat:$a" "$a" 0 30
	ATTUNE_NAMESPACE= run attune-stale --alive "$a"
	assert_success
	echo "$output" | jq -e --arg a "$a" '.agent_id == $a and .state == "ok" and .status == "running"'
	rcli DEL "empathy:heartbeat:$a" >/dev/null
}

@test "redis: --watch reports an attune-ai agent that vanishes as lost" {
	redis_only
	local ev="$BATS_TEST_TMPDIR/ev"
	attune-stale --watch --interval 0.1 >"$ev" 2>&1 3>&- &
	local pid=$!
	sleep 0.3
	py_beat "$ATTUNE_NAMESPACE:empathy:heartbeat:py1" py1 0 1
	wait_until 5 grep -q '"event":"lost"' "$ev"
	kill -TERM "$pid"
	wait "$pid" || true
	run jq -sc '[.[] | [.agent_id, .event]]' "$ev"
	assert_output '[["py1","started"],["py1","lost"]]'
}

@test "--watch ends quietly when the reader of its output goes away" {
	lost_soon l1
	run timeout -k 5 10 sh -c 'attune-stale --watch --interval 0.1 | head -1'
	assert_success
	echo "$output" | jq -e '.agent_id == "l1" and .event == "lost"'
}
