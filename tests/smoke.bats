#!/usr/bin/env bats
# A short tour of every tool: each command and the main error paths once, with no timing in
# the assertions, so that it also runs under valgrind (make check-valgrind), where a memory
# error or a leak makes a tool exit 99. Runs once per store.
load helper
bats_require_minimum_version 1.5.0

# ok CMD… — it succeeds and prints JSON lines only (no valgrind report on stderr).
ok() {
	run --separate-stderr "$@"
	[ "$status" -eq 0 ] || fail "$*: status $status: $stderr"
	[ -z "$stderr" ] || fail "$*: stderr: $stderr"
}

# exits N CMD… — it ends with status N (valgrind's 99 would say a memory error or a leak).
exits() {
	local want=$1
	shift
	run --separate-stderr "$@"
	[ "$status" -eq "$want" ] || fail "$*: status $status (want $want): $stderr"
	[[ $stderr != *"=="[0-9]*"=="* ]] || fail "$*: valgrind: $stderr"
}

@test "smoke: attune-signal and attune-wait" {
	ok attune-signal -a A --to B job '{"n": 1}'
	ok attune-signal -a A --all news
	ok attune-signal -q --to B -T 2m job -<<<'{"n": 2, "s": "é\u00e9"}'
	printf '{"n": 3}\n{"n": 4}\n' | attune-signal -q --to B --each job
	ok attune-wait -a B --peek -t 0 --type news
	ok attune-wait -a B --type job -f 'select(.payload.n == 1) | .payload' -t 0
	ok attune-wait -a B -c 2 -t 5 --from unknown
	ok attune-wait -a B --drain -p
	exits 124 attune-wait -a B -t 0
	exits 65 attune-signal --to B job '{1"a"}'
	exits 65 attune-signal --to B --each job <<<'{"n": 5} [1, {"a" 2}]'
	exits 2 attune-signal --to 'a:b' job
	exits 2 attune-wait -a B -f '((('
	exits 69 env ATTUNE_RETRY=0 attune-wait -s "$DEAD_STORE" -a B -t 0
	exits 143 timeout -k 5 --preserve-status -s TERM 3 attune-wait -a nobody --type never
}

@test "smoke: attune-approve" {
	exits 124 attune-approve request -a bot -t 0.2 deploy '{"v": 1}'
	attune-approve request -a bot -t 60 --poll 0.2 deploy '{"v": 2}' >"$BATS_TEST_TMPDIR/req" 2>&1 3>&- &
	local req=$!
	wait_until 30 bash -c '[ -n "$(attune-approve list --type deploy)" ]'
	local id
	id=$(attune-approve list | jq -r .request_id)
	ok attune-approve show "$id"
	ok attune-approve list -o text
	ok attune-approve respond "$id" --approve -r fine --as ops
	exits 1 attune-approve respond "$id" --reject
	wait $req
	jq -e '.approved == true' "$BATS_TEST_TMPDIR/req"
	ok attune-approve show "$id" -o text
	ok attune-approve expire
	exits 65 attune-approve request -t 1 deploy '[1]'
	exits 2 attune-approve respond 'x*' --approve
}

@test "smoke: attune-beat and attune-stale" {
	ok attune-beat -a w1 --start --name 'Worker 1'
	ok attune-beat -a w1 --status running --progress 0.5 --task build --meta '{"k": [1, 2]}'
	ok attune-beat -a w2 -T 1s
	exits 0 attune-beat -a w3 --every 1 -- true
	exits 3 attune-beat -a w4 -- sh -c 'exit 3'
	ok attune-stale
	ok attune-stale --active -o text
	ok attune-stale -o prometheus
	ok attune-stale --alive w1
	ok attune-beat -a w1 --stop
	exits 1 attune-stale --alive w1
	sleep 1.2
	ok attune-stale --lost
	exits 0 attune-stale --forget w2
	exits 143 timeout -k 5 --preserve-status -s TERM 3 attune-stale --watch --interval 0.5
	exits 65 attune-beat -a w1 --meta '{"a" 1}'
	exits 2 attune-stale --alive 'a b'
}

@test "smoke: attune-stream" {
	ok attune-stream publish build '{"n": 1}'
	printf '{"n": 2}\n{"n": 3}\n' | attune-stream publish -q --each --source ci build
	ok attune-stream consume build --from 0 -c 3
	ok attune-stream consume --from 0 --until-caught-up -f '.data.n'
	ok attune-stream consume build --group g --consumer c1 --from 0 -c 2
	ok attune-stream consume build --group g --consumer c2 --claim-idle 1ms -c 1 -t 2
	ok attune-stream recent build -c 2
	ok attune-stream list
	ok attune-stream info build
	ok attune-stream trim build --maxlen 1
	ok attune-stream delete build
	exits 65 attune-stream publish build '{"a" 1}'
	exits 124 attune-stream consume build -t 0.2
}

@test "smoke: attune-feedback" {
	ok attune-feedback rate tpl good
	ok attune-feedback rate tpl bad -o text
	ok attune-feedback confidence tpl
	ok attune-feedback import - <<<'{"a": {"good": 3, "bad": 1}, "b": {"good": 0, "bad": 2}}'
	ok attune-feedback export
	ok attune-feedback list -o text
	local i
	for i in 1 2 3; do attune-feedback -q score wf st cheap 0.5 --meta '{"i": 1}'; done
	ok attune-feedback history wf st
	ok attune-feedback stats wf st -o text
	ok attune-feedback recommend wf st
	ok attune-feedback underperforming wf
	ok attune-feedback clear wf
	ok attune-feedback query deploy --source cli --mode m --found --duration-ms 3
	ok attune-feedback query nothing --source cli --mode m --not-found
	ok attune-feedback queries -o text
	exits 65 attune-feedback import - <<<'{"a": {"good": 1} "b"}'
	exits 2 attune-feedback rate tpl maybe
}

@test "smoke: attune-report" {
	local now
	now=$(date -u +%Y-%m-%dT%H:%M:%S)
	mkdir -p "$ATTUNE_HOME/telemetry" "$BATS_TEST_TMPDIR/p/.attune"
	{
		echo "{\"ts\": \"$now\", \"workflow\": \"w\", \"stage\": \"s\", \"tier\": \"CHEAP\", \"model\": \"m\", \"provider\": \"anthropic\", \"cost\": 0.01, \"tokens\": {\"input\": 10, \"output\": 5}, \"cache\": {\"hit\": true}, \"duration_ms\": 5}"
		echo "{\"ts\": \"$now\", \"workflow\": \"w\", \"stage\": \"s\", \"tier\": \"PREMIUM\", \"model\": \"claude-opus\", \"provider\": \"anthropic\", \"cost\": 0.05, \"tokens\": {\"input\": 10, \"output\": 5}, \"duration_ms\": 5}"
		echo 'not json'
	} >"$ATTUNE_HOME/telemetry/usage.jsonl"
	echo "{\"timestamp\": \"$now\", \"provider\": \"anthropic\", \"model_id\": \"claude-sonnet\", \"input_tokens\": 100, \"output_tokens\": 50, \"estimated_cost\": 0.01, \"success\": true}" \
		>"$BATS_TEST_TMPDIR/p/.attune/llm_calls.jsonl"
	cd "$BATS_TEST_TMPDIR/p"
	local r
	for r in usage savings cache compare models sonnet-opus tier1 routing tests file-tests coverage agents; do
		exits 0 attune-report "$r" -o json
	done
	exits 0 attune-report savings
	exits 0 attune-report savings -o html
	exits 0 attune-report tier1 -o prometheus
	exits 0 attune-report export -o csv
	exits 2 attune-report nope
}
