#!/usr/bin/env bats
# attune-signal: what it writes and prints, bad input, the attune-ai key layout.
load helper
bats_require_minimum_version 1.5.0

# pending AGENT — the signals pending for AGENT, without taking them.
pending() {
	timeout -k 5 5 attune-wait -a "$1" --drain --peek
}

@test "a targeted signal prints the seven attune-ai fields" {
	run --separate-stderr timeout -k 5 5 attune-signal -a alice --to bob ready '{"n": 1}'
	assert_success
	[ -z "$stderr" ]
	run jq -e '(keys == ["payload","signal_id","signal_type","source_agent","target_agent","timestamp","ttl_seconds"])
		and (.signal_id | test("^signal_[0-9a-f]{8}$")) and .signal_type == "ready"
		and .source_agent == "alice" and .target_agent == "bob" and .payload == {"n": 1}
		and .ttl_seconds == 60
		and (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}\\+00:00$"))' <<<"$output"
	assert_success
}

@test "defaults: source unknown (or \$ATTUNE_AGENT), payload {}, and a broadcast has a null target" {
	run timeout -k 5 5 attune-signal --all abort
	assert_success
	run jq -ec '[.source_agent, .target_agent, .payload]' <<<"$output"
	assert_output '["unknown",null,{}]'
	ATTUNE_AGENT=carol run timeout -k 5 5 attune-signal --to bob ready
	run jq -r .source_agent <<<"$output"
	assert_output carol
}

@test "the signal is stored: the receiver sees exactly what was printed" {
	sent=$(timeout -k 5 5 attune-signal -a alice --to bob ready '{"step": "build"}')
	run pending bob
	assert_success
	assert_output "$sent"
}

@test "the payload can come from stdin with -" {
	run timeout -k 5 5 attune-signal --to bob ready - <<<'{"from": "stdin"}'
	assert_success
	run jq -c .payload <<<"$output"
	assert_output '{"from":"stdin"}'
}

@test "-T sets the lifetime; ttl_seconds is rounded up to whole seconds" {
	run timeout -k 5 5 attune-signal -T 1.5s --to bob ready
	assert_success
	run jq .ttl_seconds <<<"$output"
	assert_output 2
	run timeout -k 5 5 attune-signal -T 2m --to bob ready
	run jq .ttl_seconds <<<"$output"
	assert_output 120
}

@test "-q prints nothing, -p indents" {
	run timeout -k 5 5 attune-signal -q --to bob ready
	assert_success
	assert_output ""
	run pending bob
	assert_output --partial '"signal_type":"ready"'
	run timeout -k 5 5 attune-signal -p --to bob ready '{"a": 1}'
	assert_success
	assert_line '  "signal_type": "ready",'
}

@test "--each sends one signal per JSON value on stdin, in order" {
	run timeout -k 5 5 attune-signal -a w --to bob --each step <<<'{"i": 1} {"i": 2}
{"i": 3}'
	assert_success
	assert_equal "${#lines[@]}" 3
	run sh -c 'timeout -k 5 5 attune-wait -a bob --drain | jq -c .payload'
	assert_output '{"i":1}
{"i":2}
{"i":3}'
}

@test "--each stops at bad JSON: the values before it are sent and printed, then 65" {
	run --separate-stderr timeout -k 5 5 attune-signal --to bob --each step <<<'{"i": 1}
{"i": 2}
{"i": oops}
{"i": 4}'
	assert_failure 65
	assert_equal "${#lines[@]}" 2
	[[ $stderr == *"line 3"* ]] || fail "no line in: $stderr"
	run sh -c 'timeout -k 5 5 attune-wait -a bob --drain | jq -c .payload.i'
	assert_output '1
2'
}

@test "--each refuses a value that is not an object, after sending those before it" {
	run --separate-stderr timeout -k 5 5 attune-signal --to bob --each step <<<'{"i": 1} [2] {"i": 3}'
	assert_failure 65
	assert_equal "${#lines[@]}" 1
	[[ $stderr == *"payload 2: not a JSON object"* ]]
	run pending bob
	assert_equal "${#lines[@]}" 1
}

@test "--each with empty input sends nothing and succeeds" {
	run timeout -k 5 5 attune-signal --all --each step </dev/null
	assert_success
	assert_output ""
}

@test "invalid JSON payload: 65 with line and column, nothing sent" {
	run --separate-stderr timeout -k 5 5 attune-signal --to bob ready '{"a": }'
	assert_failure 65
	assert_output ""
	[[ $stderr == "attune-signal: payload: invalid JSON: "*"line 1, column"* ]] || fail "$stderr"
	run timeout -k 5 5 attune-wait -a bob -t 0
	assert_failure 124
}

@test "a payload that is not an object, or larger than 1 MiB, is refused with 65" {
	run --separate-stderr timeout -k 5 5 attune-signal --to bob ready '[1, 2]'
	assert_failure 65
	[[ $stderr == *"not a JSON object"* ]]
	{ printf '{"x": "'; head -c 1100000 /dev/zero | tr '\0' a; printf '"}'; } >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr timeout -k 5 5 attune-signal --to bob ready - <"$BATS_TEST_TMPDIR/big"
	assert_failure 65
	[[ $stderr == *"1 MiB"* ]]
	run timeout -k 5 5 attune-wait -a bob -t 0
	assert_failure 124
}

@test "usage errors exit 2" {
	for args in "ready" "--to bob --all ready" "--to bob" "--to a:b ready" "--to 'a b' ready" \
		"--to bob 'bad*type'" "-T 0 --to bob ready" "-T -1 --to bob ready" "-T 1x --to bob ready" \
		"--to bob ready {} extra" "--to bob --each ready {}" "-a a? --to bob ready"; do
		eval "run --separate-stderr timeout -k 5 5 attune-signal $args"
		assert_failure 2
		assert_output ""
		[[ $stderr == "attune-signal: "* ]] || fail "$args: $stderr"
	done
}

@test "an unreachable store exits 69 with the reason" {
	ATTUNE_RETRY=0 run --separate-stderr timeout -k 5 5 attune-signal -s "$DEAD_STORE" --to bob ready
	assert_failure 69
	assert_output ""
	[[ $stderr == "attune-signal: "*"127.0.0.1:1"* ]] || fail "$stderr"
}

@test "a write error on stdout is an error, though the signal was sent" {
	run --separate-stderr sh -c 'timeout -k 5 5 attune-signal --to bob ready >&-'
	assert_failure 1
	[[ $stderr == *"write error"* ]]
	run pending bob
	assert_equal "${#lines[@]}" 1
}

@test "redis: the key is empathy:signal:{target}:{type}:{id} with the TTL, as attune-ai writes it" {
	redis_only
	id=$(timeout -k 5 5 attune-signal -a alice -T 90 --to bob ready '{"k": "v"}' | jq -r .signal_id)
	key="$ATTUNE_NAMESPACE:empathy:signal:bob:ready:$id"
	run rcli --raw exists "$key"
	assert_output 1
	run rcli --raw ttl "$key"
	[ "$output" -gt 85 ] && [ "$output" -le 90 ]
	run sh -c "redis-cli -p $REDIS_PORT --raw get '$key' | jq -ec '[.signal_id, .signal_type, .source_agent, .target_agent, .payload.k, .ttl_seconds]'"
	assert_output "[\"$id\",\"ready\",\"alice\",\"bob\",\"v\",90]"
	id=$(timeout -k 5 5 attune-signal --all abort | jq -r .signal_id)
	run rcli --raw exists "$ATTUNE_NAMESPACE:empathy:signal:*:abort:$id"
	assert_output 1
}

@test "redis: attune-ai's Python reader (json.loads) reads our signals" {
	redis_only
	/usr/bin/python3 -c 'import redis' 2>/dev/null || skip "no python3-redis"
	timeout -k 5 5 attune-signal -a alice --to bob task_complete '{"ok": true}' >/dev/null
	timeout -k 5 5 attune-signal -a alice --all abort >/dev/null
	run timeout -k 5 10 /usr/bin/python3 - "$REDIS_PORT" "$ATTUNE_NAMESPACE" <<'EOF'
import json, sys, redis
r = redis.Redis(port=int(sys.argv[1]))
ns = sys.argv[2] + ":"
def pending(pattern):
    keys = list(r.scan_iter(match=pattern, count=100))
    return [json.loads(v) for v in r.mget(keys)] if keys else []
mine = pending(ns + "empathy:signal:bob:*")
bcast = pending(ns + "empathy:signal:\\*:*")
assert len(mine) == 1 and len(bcast) == 1, (mine, bcast)
s = mine[0]
assert s["signal_type"] == "task_complete" and s["source_agent"] == "alice"
assert s["target_agent"] == "bob" and s["payload"] == {"ok": True}
assert isinstance(s["ttl_seconds"], int) and s["ttl_seconds"] == 60
assert s["signal_id"].startswith("signal_")
b = bcast[0]
assert b["target_agent"] is None and b["signal_type"] == "abort"
print("ok")
EOF
	assert_success
	assert_output ok
}

@test "SIGTERM while --each waits for input: what was read is sent, then 143 within a second" {
	d=$BATS_TEST_TMPDIR
	attune-signal --to bob --each s >"$d/out" < <(exec 3>&-; echo '{"i": 1}'; exec sleep 3) &
	pid=$!
	one_line() { [ "$(wc -l <"$d/out")" -ge 1 ]; }
	wait_until 5 one_line
	start=$(date +%s%N)
	kill -TERM $pid
	st=0
	wait $pid || st=$?
	end=$(date +%s%N)
	assert_equal "$st" 143
	[ $(( (end - start) / 1000000 )) -lt 1000 ]
	run timeout -k 5 5 attune-wait -a bob --drain
	assert_equal "${#lines[@]}" 1
}
