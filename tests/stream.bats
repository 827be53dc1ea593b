#!/usr/bin/env bats
# attune-stream: publish, consume (backfill, follow, filters), consumer groups, management, errors.
load helper

setup() {
	attune_setup
	pids=()
}

teardown() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}

# events N [FIRST] — N JSON objects {"n": i} on stdout, i from FIRST (default 1).
events() {
	local first=${2:-1}
	seq "$first" $((first + $1 - 1)) | sed 's/.*/{"n":&}/'
}

# ns — the numbers .data.n of the events in file $1, one a line.
ns() {
	jq -r '.data.n' "$1"
}

# lines FILE N — FILE has at least N lines.
lines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

# group_pending TYPE GROUP N — the group has N unacknowledged events.
group_pending() {
	[ "$(attune-stream info "$1" | jq --arg g "$2" '.groups[] | select(.name == $g) | .pending')" = "$3" ]
}

# start OUT ARGS… — attune-stream ARGS… in the background, stdout into OUT, bounded by timeout.
start() {
	local out=$1
	shift
	timeout -k 5 30 attune-stream "$@" >"$out" 2>"$out.err" 3>&- &
	pid=$!
	pids+=("$pid")
}

# feed PID TYPE — publish {"n": 1}, {"n": 2}, … to TYPE, one every 0.1 s, while PID runs (at
# most 100): for followers, whose start cannot be observed from outside.
feed() {
	local i
	for i in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || return 0
		attune-stream publish "$2" "{\"n\": $i}" -q
		sleep 0.1
	done
}

# finish PID — wait for it; its status in rc.
finish() {
	rc=0
	wait "$1" || rc=$?
}

@test "publish prints the event id; consume --from 0 prints the event" {
	run --separate-stderr attune-stream publish deploy '{"env": "prod", "ok": true}'
	assert_success
	[[ $output =~ ^\{\"event_id\":\"[0-9]+-[0-9]+\"\}$ ]]
	id=$(jq -r .event_id <<<"$output")
	run --separate-stderr attune-stream consume deploy --from 0 --until-caught-up
	assert_success
	[ "$(jq -c '[.event_id, .event_type, .data, .source]' <<<"$output")" = "[\"$id\",\"deploy\",{\"env\":\"prod\",\"ok\":true},\"attune\"]" ]
	[[ $(jq -r .timestamp <<<"$output") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}\+00:00$ ]]
	# key order as attune-ai's to_dict
	[ "$(jq -c keys_unsorted <<<"$output")" = '["event_id","event_type","timestamp","data","source"]' ]
}

@test "publish: data from stdin, default {}, --source, -q, -p" {
	echo '{"from": "stdin"}' | attune-stream publish t - --source ci-runner -q
	run attune-stream publish t
	assert_success
	run attune-stream publish t '{"x": 1}' -q
	assert_success
	assert_output ""
	run attune-stream consume t --from 0 --until-caught-up -f '[.data, .source]' -p
	assert_success
	[ "$(jq -sc . <<<"$output")" = '[[{"from":"stdin"},"ci-runner"],[{},"attune"],[{"x":1},"attune"]]' ]
	[ "${lines[1]}" = "  {" ]
}

@test "2,000 events arrive in order, none lost, ids increasing" {
	events 2000 | attune-stream publish --each bulk >"$BATS_TEST_TMPDIR/ids"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ids")" -eq 2000 ]
	attune-stream consume bulk --from 0 --until-caught-up >"$BATS_TEST_TMPDIR/out"
	[ "$(ns "$BATS_TEST_TMPDIR/out" | tr '\n' ' ')" = "$(seq 1 2000 | tr '\n' ' ')" ]
	# the printed ids are the published ones, in the same order
	diff <(jq -r .event_id "$BATS_TEST_TMPDIR/ids") <(jq -r .event_id "$BATS_TEST_TMPDIR/out")
	# and they increase (ms, then seq)
	jq -r .event_id "$BATS_TEST_TMPDIR/out" | tr '-' ' ' | sort -c -k1,1n -k2,2n
	run attune-stream consume bulk --from 0 -c 5
	assert_success
	[ "${#lines[@]}" -eq 5 ]
}

@test "publish --each is pipelined: ids come out before the input ends" {
	local out=$BATS_TEST_TMPDIR/ids
	{ events 3; sleep 5; events 1 4; } | attune-stream publish --each slow >"$out" 3>&- &
	pids+=("$!")
	wait_until 4 lines "$out" 3
	[ "$(wc -l <"$out")" -eq 3 ]
	finish "${pids[0]}"
	[ "$rc" -eq 0 ]
	[ "$(wc -l <"$out")" -eq 4 ]
}

@test "follow (--from \$): no event missed between reads, none from before the start" {
	local out=$BATS_TEST_TMPDIR/out i
	events 5 | attune-stream publish --each live -q
	start "$out" consume live
	sleep 0.3
	# one process per event, so they land between the consumer's reads
	for i in $(seq 1 150); do attune-stream publish live "{\"n\": $i}" -q; done
	wait_until 10 grep -q '"n":150}' "$out"
	kill -TERM "$pid"
	finish "$pid"
	[ "$rc" -eq 143 ]
	# a contiguous run ending at 150 (it may have started late, but then without gaps)
	first=$(ns "$out" | head -1)
	[ "$(ns "$out" | tr '\n' ' ')" = "$(seq "$first" 150 | tr '\n' ' ')" ]
	[ "$first" -lt 150 ]
	# the 5 events from before the start are not there: each n appears once
	[ "$(ns "$out" | sort | uniq -d)" = "" ]
	[ "$(wc -l <"$out")" -eq $((151 - first)) ]
}

@test "follow a stream that does not exist yet, with -c" {
	local out=$BATS_TEST_TMPDIR/out
	start "$out" consume fresh -c 3
	feed "$pid" fresh
	finish "$pid"
	[ "$rc" -eq 0 ]
	# three consecutive events, the first published after it started
	first=$(ns "$out" | head -1)
	[ "$(ns "$out" | tr '\n' ' ')" = "$first $((first + 1)) $((first + 2)) " ]
}

@test "several types: merged oldest first; no type means every registered stream, new ones too" {
	attune-stream publish a '{"n": 1}' -q
	attune-stream publish b '{"n": 2}' -q
	attune-stream publish a '{"n": 3}' -q
	attune-stream publish c '{"n": 4}' -q
	run attune-stream consume a b --from 0 --until-caught-up -f .data.n
	assert_success
	[ "$(echo $output)" = "1 2 3" ]
	run attune-stream consume --from 0 --until-caught-up -f '[.event_type, .data.n]' -c 10
	assert_success
	[ "$(jq -sc . <<<"$output")" = '[["a",1],["b",2],["a",3],["c",4]]' ]
	# a follower of every stream picks up types registered after it started: each new type gets
	# one event, so whatever it prints comes from a stream it found while running
	local out=$BATS_TEST_TMPDIR/out i
	start "$out" consume -c 1 -f '[.event_type, .data.n]'
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		attune-stream publish "new$i" "{\"n\": $i}" -q
		sleep 0.1
	done
	finish "$pid"
	[ "$rc" -eq 0 ]
	[[ $(cat "$out") =~ ^\[\"new([0-9]+)\",([0-9]+)\]$ ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}

@test "filters select and transform; a bad program is a usage error" {
	events 10 | attune-stream publish --each f -q
	run attune-stream consume f --from 0 --until-caught-up -f 'select(.data.n % 3 == 0) | .data.n'
	assert_success
	[ "$(echo $output)" = "3 6 9" ]
	# -c counts matching events only
	run attune-stream consume f --from 0 -c 2 -f 'select(.data.n > 7) | .data.n'
	assert_success
	[ "$(echo $output)" = "8 9" ]
	run attune-stream consume f --from 0 -c 1 -f '.data.n, .data.n * 10'
	assert_success
	[ "$(echo $output)" = "1 10" ]
	run --separate-stderr attune-stream consume f -f '.data |||'
	assert_failure 2
	[[ $stderr == *"bad filter"* ]]
	run attune-stream recent f -c 3 -f .data.n
	assert_success
	[ "$(echo $output)" = "10 9 8" ]
}

@test "recent: newest first, -c, default 100" {
	events 150 | attune-stream publish --each r -q
	run attune-stream recent r -c 3
	assert_success
	[ "$(jq -r .data.n <<<"$output" | tr '\n' ' ')" = "150 149 148 " ]
	run attune-stream recent r
	assert_success
	[ "${#lines[@]}" -eq 100 ]
	[ "$(jq -r .data.n <<<"${lines[99]}")" = 51 ]
	run attune-stream recent nothing-here
	assert_success
	assert_output ""
}

@test "--from an event id (after it) and an ISO time (at or after it)" {
	events 3 | attune-stream publish --each p >"$BATS_TEST_TMPDIR/ids"
	second=$(sed -n 2p "$BATS_TEST_TMPDIR/ids" | jq -r .event_id)
	run attune-stream consume p --from "$second" --until-caught-up -f .data.n
	assert_success
	[ "$(echo $output)" = "3" ]
	sleep 0.05
	t=$(date -u +%Y-%m-%dT%H:%M:%S.%6N+00:00)
	sleep 0.05
	events 2 4 | attune-stream publish --each p -q
	run attune-stream consume p --from "$t" --until-caught-up -f .data.n
	assert_success
	[ "$(echo $output)" = "4 5" ]
	run attune-stream consume p --from "${t%+00:00}Z" --until-caught-up -f .data.n
	assert_success
	[ "$(echo $output)" = "4 5" ]
	run attune-stream consume p --from 0 --until-caught-up -f .data.n
	[ "$(echo $output)" = "1 2 3 4 5" ]
}

@test "a consumer group splits the work: no event lost, none twice" {
	local a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b
	events 500 | attune-stream publish --each jobs -q
	start "$a" consume jobs --group workers --consumer w1 --from 0 -f .data.n
	pa=$pid
	start "$b" consume jobs --group workers --consumer w2 --from 0 -f .data.n
	pb=$pid
	# more work arrives while both are reading
	events 500 501 | attune-stream publish --each jobs -q
	wait_until 10 group_pending jobs workers 0
	wait_until 10 eval '[ "$(cat "$a" "$b" | wc -l)" -ge 1000 ]'
	kill -INT "$pa" "$pb"
	finish "$pa"
	[ "$rc" -eq 130 ]
	finish "$pb"
	[ "$rc" -eq 130 ]
	[ "$(cat "$a" "$b" | sort -n | tr '\n' ' ')" = "$(seq 1 1000 | tr '\n' ' ')" ]
	[ "$(cat "$a" "$b" | sort -n | uniq -d)" = "" ]
	run attune-stream info jobs
	[ "$(jq -c '.groups[0] | [.name, .consumers, .pending]' <<<"$output")" = '["workers",2,0]' ]
}

@test "a group is created at --from on first use; later --from is ignored" {
	events 3 | attune-stream publish --each g -q
	run attune-stream consume g --group late --consumer c --until-caught-up
	assert_success
	assert_output ""
	attune-stream publish g '{"n": 4}' -q
	run attune-stream consume g --group late --consumer c --from 0 --until-caught-up -f .data.n
	assert_success
	[ "$(echo $output)" = "4" ]
	run attune-stream consume g --group early --consumer c --from 0 --until-caught-up -f .data.n
	assert_success
	[ "$(echo $output)" = "1 2 3 4" ]
	# acknowledged: nothing left for the group
	run attune-stream consume g --group early --consumer c --until-caught-up
	assert_output ""
	run attune-stream consume g --group early --consumer c -t 0.2
	assert_failure 124
}

@test "an event whose line could not be written is not acknowledged: claimed after --claim-idle" {
	attune-stream publish work '{"n": 1}' -q
	# the reader is gone before the line is written (its stdin closed at once, the consumer late)
	run bash -c "(sleep 0.3; exec attune-stream consume work --group g --consumer gone --from 0) | (exec 0<&-; sleep 1)"
	assert_success
	assert_output ""
	group_pending work g 1
	# a consumer that filters it out does not take it either
	run attune-stream consume work --group g --consumer picky --claim-idle 10ms -f 'select(.data.n > 5)' -t 0.5
	assert_failure 124
	group_pending work g 1
	run --separate-stderr timeout -k 5 10 attune-stream consume work --group g --consumer rescuer --claim-idle 200ms -c 1 -f .data.n
	assert_success
	assert_output "1"
	group_pending work g 0
}

@test "a consumer first gets again what it read but never acknowledged" {
	events 3 | attune-stream publish --each own -q
	run bash -c "(sleep 0.3; exec attune-stream consume own --group g --consumer me --from 0) | (exec 0<&-; sleep 1)"
	assert_success
	group_pending own g 3
	attune-stream publish own '{"n": 4}' -q
	run attune-stream consume own --group g --consumer me --until-caught-up -f .data.n
	assert_success
	[ "$(echo $output)" = "1 2 3 4" ]
	group_pending own g 0
}

@test "a plain consumer whose reader goes away ends quietly with 0" {
	events 5000 | attune-stream publish --each many -q
	run --separate-stderr bash -c "attune-stream consume many --from 0 | head -n 2 >/dev/null; echo \${PIPESTATUS[0]}"
	assert_success
	assert_output "0"
	[ "$stderr" = "" ]
	# and a follower notices even while nothing arrives
	run bash -c "timeout -k 5 10 attune-stream consume many | (exec 0<&-; sleep 2); echo \${PIPESTATUS[0]}"
	assert_output "0"
}

@test "list, info, trim, delete" {
	events 500 | attune-stream publish --each big --maxlen 0 -q
	attune-stream publish small '{"n": 1}' -q
	run attune-stream list
	assert_success
	[ "$(jq -sc . <<<"$output")" = '[{"event_type":"big","stream":"stream:big","length":500},{"event_type":"small","stream":"stream:small","length":1}]' ]
	run attune-stream info big
	assert_success
	first=$(attune-stream consume big --from 0 -c 1 | jq -r .event_id)
	last=$(attune-stream recent big -c 1 | jq -r .event_id)
	[ "$(jq -c '[.event_type, .stream, .length, .first_id, .last_id, .groups]' <<<"$output")" = "[\"big\",\"stream:big\",500,\"$first\",\"$last\",[]]" ]
	attune-stream consume big --group g --consumer c --from 0 -c 10 >/dev/null
	run attune-stream info big -f '.groups[0] | [.name, .consumers, .pending, .lag]'
	assert_success
	assert_output '["g",1,0,490]'
	run attune-stream list -f .event_type
	assert_output '"big"
"small"'

	run attune-stream trim big --maxlen 100
	assert_success
	trimmed=$(jq .trimmed <<<"$output")
	len=$(attune-stream info big | jq .length)
	# Redis trims whole nodes (MAXLEN ~), the embedded store exactly
	[ "$len" -ge 100 ] && [ "$len" -le 200 ] && [ $((trimmed + len)) -eq 500 ]
	run attune-stream delete big
	assert_success
	assert_output '{"event_type":"big","deleted":true}'
	run attune-stream list
	assert_output '{"event_type":"small","stream":"stream:small","length":1}'
	run --separate-stderr attune-stream delete big
	assert_failure 1
	[[ $stderr == *"no stream 'big'"* ]]
	run --separate-stderr attune-stream info big
	assert_failure 1
	assert_output ""
	run attune-stream delete small -q
	assert_success
	assert_output ""
	run attune-stream list
	assert_output ""
}

@test "--maxlen trims on publish" {
	events 300 | attune-stream publish --each capped --maxlen 10 -q
	len=$(attune-stream info capped | jq .length)
	[ "$len" -ge 10 ] && [ "$len" -lt 300 ]
}

@test "--each cut by a bad value: the values before it are published, then 65" {
	run --separate-stderr attune-stream publish --each cut <<<'{"n": 1}
{"n": 2}
{"n": 3,,}
{"n": 4}'
	assert_failure 65
	[ "${#lines[@]}" -eq 2 ]
	[[ $stderr == *"line 3"* ]]
	[ "$(attune-stream info cut | jq .length)" -eq 2 ]
	run --separate-stderr attune-stream publish --each cut <<<'{"n": 5} [1] {"n": 6}'
	assert_failure 65
	[ "${#lines[@]}" -eq 1 ]
	[[ $stderr == *"JSON object"* ]]
	run attune-stream consume cut --from 0 --until-caught-up -f .data.n
	[ "$(echo $output)" = "1 2 5" ]
}

@test "bad data, too large data, bad ids, bad positions and options" {
	run --separate-stderr attune-stream publish t '{"a":'
	assert_failure 65
	[[ $stderr == *"line 1"* ]]
	run attune-stream publish t '[1, 2]'
	assert_failure 65
	big=$(head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'a')
	run --separate-stderr attune-stream publish --each t <<<"{\"s\": \"$big\"}"
	assert_failure 65
	[[ $stderr == *"1 MiB"* ]]
	run --separate-stderr attune-stream publish t - <<<"{\"s\": \"$big\"}"
	assert_failure 65
	[[ $stderr == *"1 MiB"* ]]
	run attune-stream list
	assert_output ""
	for bad in 'a:b' 'a b' 'x*' ''; do
		run attune-stream publish "$bad" '{}'
		assert_failure 2
		run attune-stream consume "$bad"
		assert_failure 2
	done
	run --separate-stderr attune-stream consume t --from yesterday
	assert_failure 2
	[[ $stderr == *"bad position 'yesterday'"* ]]
	for bad in 12x 1-2-3 -1 '$$' ''; do
		run attune-stream consume t --from "$bad"
		assert_failure 2
	done
	run attune-stream consume t --claim-idle soon --group g --consumer c
	assert_failure 2
	run --separate-stderr attune-stream consume t --group g
	assert_failure 2
	[[ $stderr == *"--group needs --consumer"* ]]
	run attune-stream consume t --group 'g:1' --consumer c
	assert_failure 2
	run attune-stream consume t --consumer c
	assert_failure 2
	run --separate-stderr attune-stream recent t --each
	assert_failure 2
	[[ $stderr == *"option --each does not apply to recent"* ]]
	run attune-stream publish t --from 0
	assert_failure 2
	run attune-stream trim t
	assert_failure 2
	run attune-stream trim t --maxlen x
	assert_failure 2
	run --separate-stderr attune-stream
	assert_failure 2
	[[ $stderr == *"missing subcommand"* ]]
	run --separate-stderr attune-stream frobnicate
	assert_failure 2
	[[ $stderr == *"unknown subcommand 'frobnicate'"* ]]
	run attune-stream info
	assert_failure 2
	run attune-stream publish --each t extra
	assert_failure 2
}

@test "timeouts: 124 when nothing arrives, 0 when caught up" {
	run attune-stream consume quiet -t 0.3
	assert_failure 124
	assert_output ""
	run attune-stream consume quiet --until-caught-up
	assert_success
	attune-stream publish quiet '{}' -q
	run attune-stream consume quiet --from 0 -t 0.3
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	run attune-stream consume --until-caught-up
	assert_success
}

@test "SIGINT and SIGTERM end a waiting consumer within 1 s with 130 and 143" {
	local sig want i
	for sig in INT TERM; do
		start "$BATS_TEST_TMPDIR/out" consume idle --group g --consumer c
		sleep 0.3
		kill -"$sig" "$pid"
		for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		! kill -0 "$pid" 2>/dev/null || fail "still running 1 s after SIG$sig"
		finish "$pid"
		want=130
		[ "$sig" = INT ] || want=143
		[ "$rc" -eq "$want" ]
	done
	# and a publisher waiting for input ($! is the last command of the pipeline)
	sleep 5 | attune-stream publish --each idle 3>&- &
	pid=$!
	pids+=("$pid")
	sleep 0.3
	kill -INT "$pid"
	finish "$pid"
	[ "$rc" -eq 130 ]
}

@test "an unreachable store exits 69" {
	run --separate-stderr attune-stream publish t '{}' -s "$DEAD_STORE"
	assert_failure 69
	[[ $stderr == *"attune-stream: "* ]]
	ATTUNE_RETRY=0 run attune-stream consume t -s "$DEAD_STORE"
	assert_failure 69
	ATTUNE_RETRY=0 run attune-stream list -s "$DEAD_STORE"
	assert_failure 69
}

@test "Redis layout: stream:{type} entries with attune-ai's fields, the registry set" {
	redis_only
	attune-stream publish agent_heartbeat '{"agent_id": "a1"}' --source probe -q
	run rcli --raw XRANGE "$ATTUNE_NAMESPACE:stream:agent_heartbeat" - +
	assert_success
	[ "${lines[1]}" = event_type ] && [ "${lines[2]}" = agent_heartbeat ]
	[ "${lines[3]}" = timestamp ] && [[ ${lines[4]} =~ ^[0-9-]{10}T[0-9:.]{15}\+00:00$ ]]
	[ "${lines[5]}" = data ] && [ "${lines[6]}" = '{"agent_id":"a1"}' ]
	[ "${lines[7]}" = source ] && [ "${lines[8]}" = probe ]
	run rcli --raw SMEMBERS "$ATTUNE_NAMESPACE:stream_registry"
	assert_output "stream:agent_heartbeat"
	run rcli --raw TYPE "$ATTUNE_NAMESPACE:stream:agent_heartbeat"
	assert_output stream
}

@test "Redis: events written the way attune-ai writes them are read as attune-ai reads them" {
	redis_only
	local k="$ATTUNE_NAMESPACE:stream:workflow_progress"
	rcli XADD "$k" MAXLEN '~' 10000 '*' event_type workflow_progress timestamp '2026-01-05T10:00:00.123456' \
		data '{"workflow": "release", "stage": 2, "note": "caf\u00e9"}' source attune >/dev/null
	rcli SADD "$ATTUNE_NAMESPACE:stream_registry" stream:workflow_progress >/dev/null
	rcli XADD "$k" '*' timestamp 'not a time' data 'not json' >/dev/null
	rcli XADD "$k" '*' event_type workflow_progress timestamp '2026-01-05T10:00:01+00:00' data '[1, 2]' source x >/dev/null
	run attune-stream consume workflow_progress --from 0 --until-caught-up
	assert_success
	[ "$(jq -c '[.event_type, .timestamp, .data, .source]' <<<"${lines[0]}")" = '["workflow_progress","2026-01-05T10:00:00.123456",{"workflow":"release","stage":2,"note":"café"},"attune"]' ]
	[ "$(jq -c '[.event_type, .data, .source]' <<<"${lines[1]}")" = '["unknown",{},"attune"]' ]
	# an unreadable timestamp becomes now
	[[ $(jq -r .timestamp <<<"${lines[1]}") == "$(date -u +%Y-%m-%d)T"* ]]
	[ "$(jq -c '[.timestamp, .data, .source]' <<<"${lines[2]}")" = '["2026-01-05T10:00:01+00:00",{},"x"]' ]
	run attune-stream list
	assert_output '{"event_type":"workflow_progress","stream":"stream:workflow_progress","length":3}'
	# and a follower sees an event XADDed by someone else
	local out=$BATS_TEST_TMPDIR/out i
	start "$out" consume workflow_progress -c 1 -f .data
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		rcli XADD "$k" '*' event_type workflow_progress timestamp '2026-01-05T10:00:02+00:00' \
			data '{"x": 1}' source attune >/dev/null
		sleep 0.1
	done
	finish "$pid"
	[ "$rc" -eq 0 ]
	[ "$(cat "$out")" = '{"x":1}' ]
}

@test "Redis: with an empty registry, consume finds streams by their prefix" {
	redis_only
	rcli XADD "$ATTUNE_NAMESPACE:stream:orphan" '*' event_type orphan data '{"n": 1}' >/dev/null
	run attune-stream consume --from 0 --until-caught-up -f .data.n
	assert_success
	assert_output "1"
	run attune-stream list
	assert_output '{"event_type":"orphan","stream":"stream:orphan","length":1}'
}
