#!/usr/bin/env bats
# attune-approve: requests, answers, timeouts, listing, expiry, audit, review, signals, ACLs.
load helper

setup() {
	attune_setup
	pids=()
	tmux_sock="attune-approve-$$-$BATS_TEST_NUMBER"
	acl_user=
}

teardown() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	tmux -L "$tmux_sock" kill-server 2>/dev/null || true
	[ -z "$acl_user" ] || rcli ACL DELUSER "$acl_user" >/dev/null || true
}

pending() {
	attune-approve list -f .request_id | tr -d '"'
}

# pending_count N — exactly N requests are pending.
pending_count() {
	[ "$(pending | wc -l)" -eq "$1" ]
}

# start_request ARGS… — a requester in the background (bounded by its own -t); waits until its
# request is listed. Sets pid, id, and out/err (its stdout and stderr files).
start_request() {
	local n
	n=$(pending | wc -l)
	out="$BATS_TEST_TMPDIR/req.${#pids[@]}.out" err="$BATS_TEST_TMPDIR/req.${#pids[@]}.err"
	attune-approve request "$@" >"$out" 2>"$err" &
	pid=$!
	pids+=("$pid")
	wait_until 5 pending_count $((n + 1))
	id=$(pending | tail -1)
}

# finish PID — wait for a background requester; its exit status in rc.
finish() {
	rc=0
	wait "$1" || rc=$?
}

@test "usage errors exit 2" {
	run attune-approve
	assert_failure 2
	assert_output --partial "missing subcommand"
	run attune-approve frobnicate
	assert_failure 2
	assert_output --partial "unknown subcommand 'frobnicate'"
	run attune-approve respond approval_00000000
	assert_failure 2
	assert_output --partial "exactly one of --approve and --reject"
	run attune-approve respond approval_00000000 --approve --reject
	assert_failure 2
	run attune-approve respond 'approval:1' --approve
	assert_failure 2
	assert_output --partial "bad request id"
	run attune-approve show 'a*b'
	assert_failure 2
	run attune-approve request 'bad type'
	assert_failure 2
	run attune-approve request -t soon deploy
	assert_failure 2
	run attune-approve request --poll x deploy
	assert_failure 2
	run attune-approve list --approve
	assert_failure 2
	assert_output --partial "option --approve does not apply to list"
	run attune-approve list -t 1
	assert_failure 2
	run attune-approve show
	assert_failure 2
	assert_output --partial "missing operand"
	run attune-approve list extra
	assert_failure 2
	run attune-approve --bogus list
	assert_failure 2
	run attune-approve list -f '.['
	assert_failure 2
}

@test "help and version" {
	run attune-approve --help
	assert_success
	assert_output --partial "attune-approve request"
	run attune-approve -V
	assert_success
	assert_output --regexp '^attune-approve [0-9]'
}

@test "bad context exits 65 with line and column; nothing is written" {
	run attune-approve request deploy '{"a": 1,'
	assert_failure 65
	assert_output --regexp 'line [0-9]+, column [0-9]+'
	run attune-approve request deploy '[1, 2]'
	assert_failure 65
	assert_output --partial "not a JSON object"
	run bash -c 'printf "{\n  \"a\": [1,,2]\n}" | attune-approve request deploy -'
	assert_failure 65
	assert_output --partial "line 2, column 11"
	run bash -c 'head -c 1100000 /dev/zero | tr "\\0" x | sed "s/^/{\"a\": \"/; s/\$/\"}/" | attune-approve request deploy -'
	assert_failure 65
	assert_output --partial "1 MiB"
	run attune-approve list
	assert_success
	assert_output ""
}

@test "unreachable store exits 69" {
	ATTUNE_RETRY=0 run attune-approve -s "$DEAD_STORE" list
	assert_failure 69
	assert_output --partial "127.0.0.1:1"
	ATTUNE_RETRY=0 run timeout -k 5 10 attune-approve -s "$DEAD_STORE" request -t 1 deploy
	assert_failure 69
	ATTUNE_RETRY=0 run attune-approve -s "$DEAD_STORE" respond approval_00000000 --approve
	assert_failure 69
}

@test "approve: the requester gets the answer and exits 0" {
	start_request -a ci-1 -t 20 deploy '{"service": "api", "version": "1.4.2"}'
	run attune-approve show "$id"
	assert_success
	[ "$(echo "$output" | jq -r '.request | [.approval_type, .agent_id, .status, .context.version, .timeout_seconds] | join(" ")')" = "deploy ci-1 pending 1.4.2 20" ]
	[ "$(echo "$output" | jq -c .response)" = null ]
	run attune-approve respond "$id" --approve -r "looks good" --as ana
	assert_success
	[ "$(echo "$output" | jq -r '[.request_id, .approved, .responder, .reason] | join(" ")')" = "$id true ana looks good" ]
	finish "$pid"
	[ "$rc" -eq 0 ]
	[ "$(jq -r '[.request_id, .approved, .responder, .reason] | join(" ")' "$out")" = "$id true ana looks good" ]
	run attune-approve show "$id" -f '[.request.status, .response.responder] | join(" ")'
	assert_output '"approved ana"'
	run attune-approve list
	assert_output ""
}

@test "reject: the requester exits 1 with the reason" {
	start_request -t 20 delete '{"path": "/srv/data"}'
	run attune-approve respond "$id" --reject --reason "not on a Friday"
	assert_success
	finish "$pid"
	[ "$rc" -eq 1 ]
	[ "$(jq -r '[.approved, .reason] | join(" ")' "$out")" = "false not on a Friday" ]
	run attune-approve show "$id" -f .request.status
	assert_output '"rejected"'
}

@test "the default requester and responder are \$USER@hostname" {
	USER=alice
	export USER
	start_request -t 20 deploy
	run attune-approve show "$id" -f .request.agent_id
	assert_output "\"alice@$(hostname)\""
	attune-approve respond "$id" --approve -q
	finish "$pid"
	[ "$(jq -r .responder "$out")" = "alice@$(hostname)" ]
}

@test "ATTUNE_AGENT is the requester" {
	ATTUNE_AGENT=agent-7 start_request -t 20 deploy
	run attune-approve show "$id" -f .request.agent_id
	assert_output '"agent-7"'
}

@test "timeout: exit 124, answer from system, request marked timeout" {
	run timeout -k 5 10 attune-approve request -a ci-2 -t 1 deploy
	assert_failure 124
	[ "$(echo "$output" | jq -r '[.approved, .responder, .reason] | join("|")')" = "false|system|Approval timeout after 1.0s" ]
	id=$(echo "$output" | jq -r .request_id)
	[[ $id =~ ^approval_[0-9a-f]{8}$ ]]
	run attune-approve show "$id" -f .request.status
	assert_output '"timeout"'
	run attune-approve list
	assert_output ""
}

@test "timeout reason writes the timeout as Python writes a float" {
	run timeout -k 5 10 attune-approve request -t 250ms deploy -f .reason
	assert_failure 124
	assert_output '"Approval timeout after 0.25s"'
	run timeout -k 5 10 attune-approve request -t 1.5 deploy -f .reason
	assert_failure 124
	assert_output '"Approval timeout after 1.5s"'
	run timeout -k 5 10 attune-approve request -t 0 deploy -f .reason
	assert_failure 124
	assert_output '"Approval timeout after 0.0s"'
}

@test "the first answer wins; a second one is refused with who answered" {
	start_request -t 20 deploy
	run attune-approve respond "$id" --approve --as first
	assert_success
	run attune-approve respond "$id" --reject --as second
	assert_failure 1
	assert_output --partial "already approved by first"
	finish "$pid"
	[ "$rc" -eq 0 ]
	[ "$(jq -r .responder "$out")" = first ]
}

@test "concurrent answers: exactly one wins" {
	start_request -t 20 deploy
	local i ok=0 rp=()
	for i in 1 2 3 4 5 6; do
		attune-approve respond "$id" --approve --as "r$i" -q 2>/dev/null &
		rp+=($!)
	done
	for i in "${rp[@]}"; do
		if wait "$i"; then ok=$((ok + 1)); fi
	done
	[ "$ok" -eq 1 ]
	finish "$pid"
	[ "$rc" -eq 0 ]
}

@test "unknown, timed out: respond refuses with exit 1 and says which" {
	run attune-approve respond approval_deadbeef --approve
	assert_failure 1
	assert_output --partial "no request approval_deadbeef (unknown, or expired)"
	run attune-approve show approval_deadbeef
	assert_failure 1
	run timeout -k 5 10 attune-approve request -t 0 deploy -f .request_id
	id=$(echo "$output" | tr -d '"')
	run attune-approve respond "$id" --approve
	assert_failure 1
	assert_output --partial "request $id timed out"
}

@test "list: pending only, oldest first, --type filter, text table" {
	start_request -a a1 -t 30 deploy '{"n": 1}'; p1=$pid id1=$id
	start_request -a a2 -t 30 delete '{"n": 2}'; id2=$id
	start_request -a a3 -t 30 deploy '{"n": 3}'; id3=$id
	run attune-approve list -f .request_id
	assert_output "$(printf '"%s"\n' "$id1" "$id2" "$id3")"
	run attune-approve list --type deploy -f .context.n
	assert_output "$(printf '1\n3')"
	run attune-approve list -o text
	assert_line --index 0 --regexp "^ID +TYPE +REQUESTER +AGE +CONTEXT$"
	assert_line --index 1 --regexp "^$id1 +deploy +a1 +[0-9]+s +\{\"n\":1\}$"
	assert_line --index 2 --regexp "^$id2 +delete +a2 "
	attune-approve respond "$id1" --approve -q
	finish "$p1"
	run attune-approve list -f .request_id
	assert_output "$(printf '"%s"\n' "$id2" "$id3")"
}

@test "show -o text describes request and answer" {
	start_request -a ci-3 -t 20 deploy '{"service": "api"}'
	attune-approve respond "$id" --reject -r nope --as bob -q
	run attune-approve show "$id" -o text
	assert_success
	assert_line "request:   $id"
	assert_line "type:      deploy"
	assert_line "requester: ci-3"
	assert_line "status:    rejected"
	assert_line '    "service": "api"'
	assert_line "rejected $id by bob: nope"
}

@test "expire: a killed requester's request is marked timeout" {
	# Killed (SIGKILL) at 1 s, surely before its own 2 s deadline; overdue 2.2 s later.
	finish_rc=0
	timeout -s KILL 1 attune-approve request -t 2 deploy >/dev/null 2>&1 || finish_rc=$?
	[ "$finish_rc" -eq 137 ]
	id=$(pending)
	[ -n "$id" ]
	sleep 2.2
	run attune-approve expire
	assert_success
	assert_output 1
	run attune-approve show "$id" -f .request.status
	assert_output '"timeout"'
	run attune-approve expire
	assert_output 0
	run attune-approve respond "$id" --approve
	assert_failure 1
	assert_output --partial "timed out"
}

@test "expire leaves requests within their timeout alone" {
	start_request -t 30 deploy
	run attune-approve expire
	assert_output 0
	run pending
	assert_output "$id"
}

@test "a response wakes the requester promptly (no polling)" {
	start_request -t 20 --poll 0 deploy
	local t0 t1
	t0=$(date +%s%N)
	attune-approve respond "$id" --approve -q
	finish "$pid"
	t1=$(date +%s%N)
	[ "$rc" -eq 0 ]
	echo "woke after $(( (t1 - t0) / 1000000 )) ms"
	[ $(( (t1 - t0) / 1000000 )) -lt 500 ]
}

@test "SIGINT and SIGTERM: 130 and 143, the request stays pending" {
	start_request -t 20 deploy
	kill -INT "$pid"
	finish "$pid"
	[ "$rc" -eq 130 ]
	run pending
	assert_output "$id"
	start_request -t 20 delete
	kill -TERM "$pid"
	finish "$pid"
	[ "$rc" -eq 143 ]
	run attune-approve show "$id" -f .request.status
	assert_output '"pending"'
}

@test "-q prints nothing; the exit status tells" {
	start_request -q -t 20 deploy
	attune-approve respond "$id" --reject -q
	finish "$pid"
	[ "$rc" -eq 1 ]
	[ ! -s "$out" ]
}

@test "context from stdin" {
	echo '{"from": "stdin"}' | attune-approve request -t 20 deploy - >"$BATS_TEST_TMPDIR/o" &
	pids+=($!)
	wait_until 5 pending_count 1
	run attune-approve list -f .context.from
	assert_output '"stdin"'
}

# audit_events TYPE — the events of stream TYPE, newest first, as {source, data}.
audit_events() {
	attune-stream recent "$1" | jq -c '{source, data}'
}

@test "audit: requests, answers and timeouts are stream events" {
	start_request -a ci-9 -t 20 deploy '{"v": 1}'
	attune-approve respond "$id" --approve -r ok --as ana -q
	finish "$pid"
	run timeout -k 5 10 attune-approve request -a ci-9 -t 0 delete -f .request_id
	tid=$(echo "$output" | tr -d '"')
	run audit_events approval_request
	assert_line --index 0 --partial '"source":"ci-9"'
	echo "$output" | jq -e --arg id "$id" 'select(.data.request_id == $id and .data.approval_type == "deploy" and .data.context.v == 1)'
	run audit_events approval_response
	[ "$(echo "$output" | jq -r '[.source, .data.request_id, .data.approved, .data.reason] | join(" ")')" = "ana $id true ok" ]
	run audit_events approval_timeout
	[ "$(echo "$output" | jq -r '[.source, .data.request_id, .data.reason] | join("|")')" = "system|$tid|Approval timeout after 0.0s" ]
}

@test "requests and answers are broadcast as signals" {
	redis_only
	start_request -a ci-4 -t 20 deploy '{"x": true}'
	attune-approve respond "$id" --approve --as ana -q
	finish "$pid"
	run rcli --scan --pattern "$ATTUNE_NAMESPACE:empathy:signal:\\*:approval_request:signal_*"
	[ "${#lines[@]}" -eq 1 ]
	run redis-cli -p "$REDIS_PORT" --raw GET "${lines[0]//\"/}"
	echo "$output" | jq -e --arg id "$id" '.signal_type == "approval_request" and .source_agent == "ci-4" and .target_agent == null and .payload.request_id == $id'
	run rcli --scan --pattern "$ATTUNE_NAMESPACE:empathy:signal:\\*:approval_response:signal_*"
	[ "${#lines[@]}" -eq 1 ]
	run redis-cli -p "$REDIS_PORT" --raw GET "${lines[0]//\"/}"
	echo "$output" | jq -e --arg id "$id" '.source_agent == "ana" and .payload.approved == true and .payload.request_id == $id and .ttl_seconds == 300'
}

@test "redis: attune-ai key layout, fields and TTLs" {
	redis_only
	start_request -a ci-5 -t 30 deploy '{"service": "api"}'
	local r="$ATTUNE_NAMESPACE:approval_request:$id" s="$ATTUNE_NAMESPACE:approval_response:$id"
	run redis-cli -p "$REDIS_PORT" --raw GET "$r"
	echo "$output" | jq -e --arg id "$id" '(keys == ["agent_id","approval_type","context","request_id","status","timeout_seconds","timestamp"]) and .request_id == $id and .status == "pending" and .timeout_seconds == 30 and (.timestamp | test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{6}\\+00:00$"))'
	run redis-cli -p "$REDIS_PORT" TTL "$r"
	[ "$output" -gt 80 ] && [ "$output" -le 90 ]
	attune-approve respond "$id" --approve --as ana -q
	finish "$pid"
	run redis-cli -p "$REDIS_PORT" --raw GET "$s"
	echo "$output" | jq -e --arg id "$id" '(keys == ["approved","reason","request_id","responder","timestamp"]) and .approved == true and .responder == "ana"'
	run redis-cli -p "$REDIS_PORT" TTL "$s"
	[ "$output" -gt 290 ] && [ "$output" -le 300 ]
	run redis-cli -p "$REDIS_PORT" --raw GET "$r"
	echo "$output" | jq -e '.status == "approved"'
	run redis-cli -p "$REDIS_PORT" TTL "$r"
	[ "$output" -gt 290 ] && [ "$output" -le 300 ]
	run timeout -k 5 10 attune-approve request -t 1 deploy -f .request_id
	run redis-cli -p "$REDIS_PORT" TTL "$ATTUNE_NAMESPACE:approval_request:$(echo "$output" | tr -d '"')"
	[ "$output" -gt 50 ] && [ "$output" -le 60 ]
}

@test "redis: an answer written as attune-ai writes it is found by polling" {
	redis_only
	start_request -t 20 --poll 200ms deploy
	rcli SETEX "$ATTUNE_NAMESPACE:approval_response:$id" 300 \
		"{\"request_id\": \"$id\", \"approved\": true, \"responder\": \"py-agent\", \"reason\": \"from python\", \"timestamp\": \"2026-01-01T00:00:00+00:00\"}" >/dev/null
	finish "$pid"
	[ "$rc" -eq 0 ]
	[ "$(jq -r '[.responder, .reason] | join(" ")' "$out")" = "py-agent from python" ]
}

@test "redis: an answer without wake-up at the deadline wins over the timeout" {
	redis_only
	start_request -t 2 --poll 0 deploy
	rcli SETEX "$ATTUNE_NAMESPACE:approval_response:$id" 300 \
		"{\"request_id\": \"$id\", \"approved\": false, \"responder\": \"py-agent\", \"reason\": \"late\", \"timestamp\": \"2026-01-01T00:00:00\"}" >/dev/null
	finish "$pid"
	[ "$rc" -eq 1 ]
	[ "$(jq -r .reason "$out")" = late ]
	run attune-approve show "$id" -f .request.status
	assert_output '"pending"'
}

@test "redis: a request written by attune-ai is answered" {
	redis_only
	local id=approval_0a1b2c3d
	rcli SETEX "$ATTUNE_NAMESPACE:approval_request:$id" 360 \
		"{\"request_id\": \"$id\", \"approval_type\": \"deploy\", \"agent_id\": \"py-agent\", \"context\": {\"v\": 2}, \"timestamp\": \"$(date -u +%Y-%m-%dT%H:%M:%S.000001+00:00)\", \"timeout_seconds\": 300.0, \"status\": \"pending\"}" >/dev/null
	run attune-approve list -f .agent_id
	assert_output '"py-agent"'
	run attune-approve respond "$id" --approve --as ana
	assert_success
	run redis-cli -p "$REDIS_PORT" --raw GET "$ATTUNE_NAMESPACE:approval_request:$id"
	echo "$output" | jq -e '.status == "approved" and .agent_id == "py-agent" and .context.v == 2'
}

# acl_agent — a Redis user that may read answers but not write them (the man page's recipe,
# within the test's namespace); sets url.
acl_agent() {
	local ns=$ATTUNE_NAMESPACE
	acl_user="agent$$x$RANDOM"
	rcli ACL SETUSER "$acl_user" on ">agent-pw" resetkeys resetchannels \
		"~$ns:approval_request:*" "%R~$ns:approval_response:*" "~$ns:empathy:signal:*" "~$ns:stream:*" \
		"~$ns:stream_registry" "~$ns:attune:wake:*" "&$ns:attune:wake:*" \
		-@all +@read +@write +@stream +@keyspace +@scripting +@connection +publish +subscribe +ping >/dev/null
	url="redis://$acl_user@127.0.0.1:$REDIS_PORT"
}

@test "redis: an ACL user that may not write answers gets 77 on respond" {
	redis_only
	acl_agent
	start_request -a boss -t 20 deploy
	ATTUNE_REDIS_PASSWORD=agent-pw run attune-approve -s "$url" respond "$id" --approve
	assert_failure 77
	assert_output --partial "NOPERM"
	run attune-approve show "$id" -f '[.request.status, .response]'
	assert_output '["pending",null]'
	ATTUNE_REDIS_PASSWORD=agent-pw run attune-approve -s "$url" list -f .request_id
	assert_success
	assert_output "\"$id\""
	ATTUNE_REDIS_PASSWORD=wrong run attune-approve -s "$url" list
	assert_failure 77
}

@test "redis: the approver ACL user of the recipe can answer" {
	redis_only
	local ns=$ATTUNE_NAMESPACE
	acl_user="approver$$x$RANDOM"
	rcli ACL SETUSER "$acl_user" on ">approver-pw" resetkeys resetchannels \
		"~$ns:approval_*" "~$ns:empathy:signal:*" "~$ns:stream:*" "~$ns:stream_registry" \
		"~$ns:attune:wake:*" "&$ns:attune:wake:*" \
		-@all +@read +@write +@stream +@keyspace +@scripting +@connection +publish +subscribe +ping >/dev/null
	start_request -a agent -t 20 deploy
	ATTUNE_REDIS_PASSWORD=approver-pw run attune-approve -s "redis://$acl_user@127.0.0.1:$REDIS_PORT" \
		respond "$id" --reject --as boss
	assert_success
	finish "$pid"
	[ "$rc" -eq 1 ]
}

@test "redis: that ACL user can still ask, be answered, and time out" {
	redis_only
	acl_agent
	ATTUNE_REDIS_PASSWORD=agent-pw attune-approve -s "$url" request -a agent -t 20 deploy >"$BATS_TEST_TMPDIR/o" 2>&1 &
	pid=$!
	pids+=("$pid")
	wait_until 5 pending_count 1
	attune-approve respond "$(pending)" --approve --as boss -q
	finish "$pid"
	cat "$BATS_TEST_TMPDIR/o"
	[ "$rc" -eq 0 ]
	ATTUNE_REDIS_PASSWORD=agent-pw run timeout -k 5 10 attune-approve -s "$url" request -a agent -t 1 deploy
	assert_failure 124
}

# screen — what the review terminal shows.
screen() {
	tmux -L "$tmux_sock" capture-pane -p -t review
}
screen_count() {
	[ "$(screen | grep -c -- "$1")" -ge "$2" ]
}

@test "review: answers on a terminal (tmux), decisions on stdout" {
	start_request -a r1 -t 30 deploy '{"service": "api"}'; p1=$pid id1=$id o1=$out
	start_request -a r2 -t 30 delete '{"path": "/tmp/x"}'; p2=$pid id2=$id o2=$out
	start_request -a r3 -t 30 deploy; id3=$id
	local log="$BATS_TEST_TMPDIR/decisions.jsonl"
	tmux -L "$tmux_sock" new-session -d -s review -x 160 -y 60 \
		"attune-approve review --as reviewer >'$log'; echo review-exit=\$?; sleep 30"
	wait_until 5 screen_count "Approve, reject" 1
	screen | grep -q "requester: r1"
	screen | grep -q '"service": "api"'
	tmux -L "$tmux_sock" send-keys -t review a Enter
	wait_until 5 screen_count "Reason" 1
	tmux -L "$tmux_sock" send-keys -t review "ship it" Enter
	wait_until 5 screen_count "Approve, reject" 2
	screen | grep -q "requester: r2"
	tmux -L "$tmux_sock" send-keys -t review x Enter
	wait_until 5 screen_count "Approve, reject" 3
	tmux -L "$tmux_sock" send-keys -t review r Enter
	wait_until 5 screen_count "Reason" 2
	tmux -L "$tmux_sock" send-keys -t review Enter
	wait_until 5 screen_count "Approve, reject" 4
	tmux -L "$tmux_sock" send-keys -t review q Enter
	wait_until 5 screen_count "review-exit=0" 1
	finish "$p1"
	[ "$rc" -eq 0 ]
	[ "$(jq -r '[.responder, .reason] | join(" ")' "$o1")" = "reviewer ship it" ]
	finish "$p2"
	[ "$rc" -eq 1 ]
	run jq -r '[.request_id, .approved] | join(" ")' "$log"
	assert_output "$(printf '%s true\n%s false' "$id1" "$id2")"
	run pending
	assert_output "$id3"
}

@test "review: skip, talking on stdin and stdout" {
	start_request -a r1 -t 30 deploy
	tmux -L "$tmux_sock" new-session -d -s review -x 160 -y 60 \
		"attune-approve review; echo review-exit=\$?; sleep 30"
	wait_until 5 screen_count "Approve, reject" 1
	tmux -L "$tmux_sock" send-keys -t review s Enter
	wait_until 5 screen_count "review-exit=0" 1
	run pending
	assert_output "$id"
}

@test "review: no pending requests" {
	tmux -L "$tmux_sock" new-session -d -s review -x 160 -y 60 \
		"attune-approve review; echo review-exit=\$?; sleep 30"
	wait_until 5 screen_count "review-exit=0" 1
	screen | grep -q "No pending requests."
}

@test "review without a terminal exits 2" {
	run setsid -w attune-approve review </dev/null
	assert_failure 2
	assert_output --partial "needs a terminal"
}
