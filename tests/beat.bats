#!/usr/bin/env bats
# attune-beat: one beat, --start/--stop, supervising a command; bad input; the attune-ai key.
load helper

# hb AGENT — the agent's live heartbeat as attune-stale reads it (state and age included).
hb() {
	attune-stale --alive "$1" -t 1h
	return 0
}

@test "a beat prints the record with attune-ai's fields" {
	run --separate-stderr attune-beat -a w1
	assert_success
	[ -z "$stderr" ]
	echo "$output" | jq -e '
		.agent_id == "w1" and .status == "running" and .progress == 0 and .current_task == ""
		and .metadata == {} and .display_name == null
		and (.last_beat | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}\\+00:00$"))
		and (keys | length) == 7'
}

@test "--status, --progress, --task, --meta and --name set the fields" {
	run attune-beat -a w1 --status waiting --progress 0.25 --task "compiling x" --meta '{"job": 7}' --name "Worker One"
	assert_success
	echo "$output" | jq -e '.status == "waiting" and .progress == 0.25 and .current_task == "compiling x"
		and .metadata == {"job": 7} and .display_name == "Worker One"'
	run hb w1
	echo "$output" | jq -e '.progress == 0.25 and .current_task == "compiling x" and .state == "ok"'
}

@test "a beat keeps task, progress, metadata and name of the live record; status goes back to running" {
	attune-beat -q -a w1 --status waiting --task build --meta '{"k": 1}' --name W --progress 0.3
	run attune-beat -a w1 --progress 0.6
	assert_success
	echo "$output" | jq -e '.status == "running" and .progress == 0.6 and .current_task == "build"
		and .metadata == {"k": 1} and .display_name == "W"'
	run attune-beat -a w1 --task test
	echo "$output" | jq -e '.progress == 0.6 and .current_task == "test"'
}

@test "after a final status a beat starts afresh" {
	attune-beat -q -a w1 --task build --progress 0.5 --meta '{"k": 1}'
	attune-beat -q -a w1 --stop
	run attune-beat -a w1
	echo "$output" | jq -e '.status == "running" and .progress == 0 and .current_task == "" and .metadata == {}'
}

@test "--start writes starting, 0.0, initializing with --meta and --name" {
	run attune-beat -a w1 --start --meta '{"host": "h1"}' --name "W one"
	assert_success
	echo "$output" | jq -e '.status == "starting" and .progress == 0 and .current_task == "initializing"
		and .metadata == {"host": "h1"} and .display_name == "W one"'
}

@test "--stop writes completed, 1.0, finished, {final: true} and keeps the display name" {
	attune-beat -q -a w1 --start --name "W one"
	run attune-beat -a w1 --stop
	assert_success
	echo "$output" | jq -e '.status == "completed" and .progress == 1 and .current_task == "finished"
		and .metadata == {"final": true} and .display_name == "W one"'
	run attune-beat -a w1 --stop --status failed --meta '{"why": "disk"}'
	echo "$output" | jq -e '.status == "failed" and .metadata == {"why": "disk", "final": true}'
	run hb w1
	echo "$output" | jq -e '.state == "final"'
}

@test "the agent defaults to ATTUNE_AGENT; none at all is a usage error" {
	ATTUNE_AGENT=env-agent run attune-beat
	assert_success
	echo "$output" | jq -e '.agent_id == "env-agent"'
	run --separate-stderr attune-beat
	assert_failure 2
	assert_output ""
	[[ $stderr == *"attune-beat: no agent"* ]]
}

@test "-q prints nothing, -p indents, --meta - reads stdin" {
	run attune-beat -a w1 -q
	assert_success
	assert_output ""
	run attune-beat -a w1 -p
	assert_line --index 0 "{"
	run sh -c 'echo "{\"from\": \"stdin\"}" | attune-beat -a w1 --meta -'
	echo "$output" | jq -e '.metadata == {"from": "stdin"}'
}

@test "bad progress, ids, status, TTL and mode mixes are usage errors (2)" {
	for args in "--progress 1.5" "--progress -0.1" "--progress abc" "--progress nan" "-T 0" "-T 5x" \
		"--status a:b" "--stop --status running" "--start --progress 0.5" "--start --task x" \
		"--every 5s" "--every 0 -- true" "--stop -- true"; do
		run --separate-stderr attune-beat -a w1 $args
		[ "$status" -eq 2 ] || fail "$args: status $status"
		[ -z "$output" ] || fail "$args printed $output"
		[[ $stderr == attune-beat:* ]] || fail "$args: stderr $stderr"
	done
	for id in "a:b" "a b" "x*" ""; do
		run --separate-stderr attune-beat -a "$id"
		assert_failure 2
	done
	run --separate-stderr attune-beat -a w1 --name
	assert_failure 2
}

@test "bad --meta is a data error (65) with line and column, and nothing is written" {
	run --separate-stderr attune-beat -a m1 --meta '{"a": 1,'
	assert_failure 65
	assert_output ""
	[[ $stderr == *"attune-beat: bad --meta"*"line 1"* ]]
	run --separate-stderr attune-beat -a m1 --meta '[1, 2]'
	assert_failure 65
	[[ $stderr == *"not a JSON object"* ]]
	run attune-stale --alive m1
	assert_failure 1
	assert_output ""
}

@test "an unreachable store exits 69 with the reason" {
	ATTUNE_RETRY=0 run --separate-stderr attune-beat -s "$DEAD_STORE" -a w1
	assert_failure 69
	assert_output ""
	[[ $stderr == "attune-beat: "*"127.0.0.1:1"* ]]
	ATTUNE_RETRY=0 run --separate-stderr attune-beat -s "$DEAD_STORE" -a w1 -- sh -c 'echo ran'
	assert_failure 69
	assert_output ""
}

@test "supervise: exit 0 ends completed, stdout is the command's, ATTUNE_AGENT is set" {
	run --separate-stderr timeout -k 5 20 attune-beat -a job1 -- sh -c 'echo "agent=$ATTUNE_AGENT"'
	assert_success
	assert_output "agent=job1"
	[ -z "$stderr" ]
	run hb job1
	echo "$output" | jq -e '.status == "completed" and .progress == 1 and .current_task == "finished"
		and .metadata.final == true and .state == "final"'
}

@test "supervise: a failing command ends failed with exit_code, and its status passes through" {
	run timeout -k 5 20 attune-beat -a job1 -- sh -c 'exit 3'
	assert_failure 3
	run hb job1
	echo "$output" | jq -e '.status == "failed" and .metadata == {"exit_code": 3, "final": true}'
}

@test "supervise: a command killed by a signal ends cancelled, exit 128+n" {
	run timeout -k 5 20 attune-beat -a job1 -- sh -c 'kill -TERM $$'
	assert_failure 143
	run hb job1
	echo "$output" | jq -e '.status == "cancelled" and .metadata.signal == 15'
}

@test "supervise: a command that cannot be found exits 127, ends failed" {
	run -127 --separate-stderr timeout -k 5 20 attune-beat -a job1 -- no-such-command-x
	assert_failure 127
	[[ $stderr == *"attune-beat: cannot run 'no-such-command-x'"* ]]
	run hb job1
	echo "$output" | jq -e '.status == "failed" and .metadata.exit_code == 127'
}

@test "supervise: periodic beats renew last_beat and keep the progress and task the command set" {
	run timeout -k 5 20 attune-beat -a job1 --every 0.2s -- sh -c '
		a=$(attune-beat --progress 0.4 --task child --status phase2 | jq -r .last_beat)
		sleep 1
		b=$(attune-stale --alive job1 | jq -r .last_beat)
		[ "$a" != "$b" ] || { echo "last_beat not renewed" >&2; exit 9; }
		attune-stale --alive job1'
	assert_success
	echo "$output" | jq -e '.progress == 0.4 and .current_task == "child" and .status == "phase2" and .state == "ok"'
	run hb job1
	echo "$output" | jq -e '.status == "completed"'
}

@test "supervise: the first beat is running with --task, --meta and --name" {
	run timeout -k 5 20 attune-beat -a job1 --task nightly --meta '{"run": 5}' --name "Nightly" -- attune-stale --alive job1
	assert_success
	echo "$output" | jq -e '.status == "running" and .current_task == "nightly" and .metadata == {"run": 5}
		and .display_name == "Nightly"'
	run hb job1
	echo "$output" | jq -e '.status == "completed" and .metadata == {"run": 5, "final": true} and .display_name == "Nightly"'
}

@test "supervise: -s and --namespace reach the command" {
	run timeout -k 5 20 attune-beat -s "$ATTUNE_STORE" --namespace other -a job1 -- sh -c 'echo "$ATTUNE_STORE $ATTUNE_NAMESPACE"'
	assert_success
	assert_output "$ATTUNE_STORE other"
}

# supervise_signal SIG CODE — SIG sent to attune-beat is forwarded; it exits CODE after the final beat.
supervise_signal() {
	attune-beat -a sig1 -- sleep 30 >/dev/null 2>&1 3>&- &
	local pid=$! i=0 st=0
	wait_until 10 sh -c 'attune-stale --alive sig1 | grep -q running'
	kill -"$1" "$pid"
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; fail "attune-beat did not end"; }
	wait "$pid" || st=$?
	[ "$st" -eq "$2" ] || fail "exit status $st, expected $2"
	run hb sig1
	echo "$output" | jq -e '.status == "cancelled" and .metadata.final == true'
}

@test "supervise: SIGTERM is forwarded, exit 143, cancelled" {
	supervise_signal TERM 143
}

@test "supervise: SIGINT is forwarded, exit 130, cancelled" {
	supervise_signal INT 130
}

@test "redis: the heartbeat is attune-ai's exact key, JSON fields and TTL" {
	redis_only
	local a="ai-$ATTUNE_NAMESPACE"
	ATTUNE_NAMESPACE= attune-beat -q -a "$a" --task t1 --progress 0.5 --name N
	run rcli --raw GET "empathy:heartbeat:$a"
	echo "$output" | jq -e --arg a "$a" '
		.agent_id == $a and .status == "running" and .progress == 0.5 and .current_task == "t1"
		and (.last_beat | type) == "string" and .metadata == {} and .display_name == "N"'
	run rcli --raw TTL "empathy:heartbeat:$a"
	[ "$output" -ge 29 ] && [ "$output" -le 30 ]
	run rcli --raw ZSCORE attune:heartbeat:index "$a"
	[ -n "$output" ]
	run rcli --raw TTL "attune:heartbeat:last:$a"
	assert_output "-1"
	ATTUNE_NAMESPACE= attune-beat -q -a "$a" --stop
	run rcli --raw EXISTS "attune:heartbeat:last:$a"
	assert_output 0
	run rcli --raw ZSCORE attune:heartbeat:index "$a"
	assert_output ""
	run rcli --raw GET "empathy:heartbeat:$a"
	echo "$output" | jq -e '.status == "completed" and .metadata == {"final": true}'
	rcli DEL "empathy:heartbeat:$a" >/dev/null
}

@test "redis: keys carry the namespace; -T sets the TTL; a plain beat does not shorten a longer one" {
	redis_only
	attune-beat -q -a w1 -T 100
	run rcli --raw PTTL "$ATTUNE_NAMESPACE:empathy:heartbeat:w1"
	[ "$output" -gt 99000 ]
	attune-beat -q -a w1 --progress 0.5
	run rcli --raw PTTL "$ATTUNE_NAMESPACE:empathy:heartbeat:w1"
	[ "$output" -gt 90000 ]
	attune-beat -q -a w1 -T 2
	run rcli --raw PTTL "$ATTUNE_NAMESPACE:empathy:heartbeat:w1"
	[ "$output" -le 2000 ]
}

@test "supervise: the first beat is fresh, the task defaults to the command's name" {
	attune-beat -q -a job1 --task old --progress 0.9 --meta '{"old": 1}'
	run timeout -k 5 20 attune-beat -a job1 -- attune-stale --alive job1
	assert_success
	echo "$output" | jq -e '.status == "running" and .progress == 0 and .current_task == "attune-stale" and .metadata == {}'
}
