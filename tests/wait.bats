#!/usr/bin/env bats
# attune-wait: receiving, exactly-once, broadcasts, filters, modes, give-back, exit codes.
load helper
bats_require_minimum_version 1.5.0

send() {
	timeout -k 5 5 attune-signal "$@"
}

# ids FILE… — the signal_ids in JSON lines files.
ids() {
	cat "$@" | jq -r .signal_id
}

@test "a pending targeted signal is taken once: the second wait times out" {
	id=$(send -a alice --to bob ready '{"n": 1}' | jq -r .signal_id)
	run --separate-stderr timeout -k 5 5 attune-wait -a bob -t 0
	assert_success
	[ -z "$stderr" ]
	run jq -r '[.signal_id, .source_agent, .payload.n] | join(" ")' <<<"$output"
	assert_output "$id alice 1"
	run timeout -k 5 5 attune-wait -a bob -t 0
	assert_failure 124
	assert_output ""
}

@test "a blocked wait is woken by attune-signal, even with --poll 0" {
	timeout -k 5 10 attune-wait -a bob -t 5 --poll 0 >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	sleep 0.5
	id=$(send --to bob ready | jq -r .signal_id)
	st=0
	wait $pid || st=$?
	assert_equal "$st" 0
	assert_equal "$(ids "$BATS_TEST_TMPDIR/out")" "$id"
}

@test "an agent never sees another agent's targeted signal (attune-ai's '*' bug fixed)" {
	send --to alice ready >/dev/null
	run timeout -k 5 5 attune-wait -a bob -t 0
	assert_failure 124
	run timeout -k 5 5 attune-wait -a alice -t 0
	assert_success
}

@test "a broadcast reaches every agent once and is not deleted by receiving" {
	id=$(send --all abort '{"why": "x"}' | jq -r .signal_id)
	for a in a1 a2 a3; do
		run timeout -k 5 5 attune-wait -a "$a" -t 0
		assert_success
		assert_equal "$(jq -r .signal_id <<<"$output")" "$id"
		run timeout -k 5 5 attune-wait -a "$a" -t 0
		assert_failure 124
	done
	run timeout -k 5 5 attune-wait -a a4 -t 0 --peek
	assert_success
	assert_equal "$(jq -r .target_agent <<<"$output")" null
}

@test "a broadcast goes to exactly one of several competing receivers of one agent" {
	for i in 1 2 3; do
		timeout -k 5 10 attune-wait -a ag -t 1.5 >"$BATS_TEST_TMPDIR/out.$i" &
	done
	sleep 0.4
	send --all go >/dev/null
	wait
	run sh -c "cat $BATS_TEST_TMPDIR/out.* | wc -l"
	assert_output 1
}

@test "exactly once: 6 writers x 100 signals, 3 concurrent --follow readers" {
	d=$BATS_TEST_TMPDIR
	for r in 1 2 3; do
		timeout -k 5 60 attune-wait -a X --follow >"$d/read.$r" &
		echo $! >"$d/pid.$r"
	done
	sleep 0.3
	for w in 1 2 3 4 5 6; do
		(for b in 1 2 3 4 5 6 7 8 9 10; do
			seq 10 | jq -c "{w: $w, b: $b, i: .}" | timeout -k 5 20 attune-signal -a "w$w" --to X --each step
		done >"$d/sent.$w") &
	done
	got() { [ "$(cat "$d"/read.* | wc -l)" -ge 600 ]; }
	wait_until 45 got || true
	for r in 1 2 3; do kill -TERM "$(cat "$d/pid.$r")" 2>/dev/null || true; done
	wait || true
	assert_equal "$(ids "$d"/sent.* | sort -u | wc -l)" 600
	assert_equal "$(ids "$d"/read.* | wc -l)" 600
	assert_equal "$(ids "$d"/read.* | sort -u | wc -l)" 600
	run diff <(ids "$d"/sent.* | sort) <(ids "$d"/read.* | sort)
	assert_success
}

@test "pending signals are taken oldest first" {
	for s in first second third; do send --to bob "$s" >/dev/null; done
	send --all fourth >/dev/null
	run sh -c 'timeout -k 5 5 attune-wait -a bob --drain | jq -r .signal_type'
	assert_output "first
second
third
fourth"
}

@test "--peek prints without taking, and writes no broadcast receipt" {
	send --to bob ready >/dev/null
	send --all abort >/dev/null
	run timeout -k 5 5 attune-wait -a bob --peek --drain
	assert_equal "${#lines[@]}" 2
	run timeout -k 5 5 attune-wait -a bob --peek --drain
	assert_equal "${#lines[@]}" 2
	run timeout -k 5 5 attune-wait -a bob --drain
	assert_equal "${#lines[@]}" 2
	run timeout -k 5 5 attune-wait -a bob --drain
	assert_output ""
}

@test "--follow --peek prints each pending signal once, not on every re-check" {
	send --to bob one >/dev/null
	send --to bob two >/dev/null
	run timeout -k 5 5 attune-wait -a bob --follow --peek -t 1 --poll 0.1
	assert_failure 124
	assert_equal "${#lines[@]}" 2
}

@test "--type, --from: a non-matching signal is not consumed" {
	send -a alice --to bob other >/dev/null
	send -a carol --to bob ready >/dev/null
	send -a alice --to bob ready >/dev/null
	run sh -c 'timeout -k 5 5 attune-wait -a bob --type ready --from alice -t 0 | jq -r "[.signal_type, .source_agent] | join(\" \")"'
	assert_output "ready alice"
	run timeout -k 5 5 attune-wait -a bob --type nope -t 0
	assert_failure 124
	run sh -c 'timeout -k 5 5 attune-wait -a bob --type ready --type other -c 2 -t 0 | jq -r .signal_type'
	assert_output "other
ready"
}

@test "-f selects (no output = not taken) and transforms" {
	send --to bob job '{"ok": false, "n": 1}' >/dev/null
	send --to bob job '{"ok": true, "n": 2}' >/dev/null
	run timeout -k 5 5 attune-wait -a bob -f 'select(.payload.ok) | .payload.n' -t 0
	assert_success
	assert_output 2
	run timeout -k 5 5 attune-wait -a bob -f 'select(.payload.ok)' -t 0
	assert_failure 124
	run timeout -k 5 5 attune-wait -a bob -f '.payload.n, .signal_type' -t 0
	assert_success
	assert_output '1
"job"'
}

@test "-f raising an error counts as no match" {
	send --to bob job '{"n": "text"}' >/dev/null
	run timeout -k 5 5 attune-wait -a bob -f '.payload.n | keys' -t 0
	assert_failure 124
	run timeout -k 5 5 attune-wait -a bob -t 0
	assert_success
}

@test "approval notifications come only to a wait that names them" {
	send --all approval_request '{"request_id": "approval_00000000"}' >/dev/null
	send --all approval_response >/dev/null
	run timeout -k 5 5 attune-wait -a bob -t 0
	assert_failure 124
	run sh -c 'timeout -k 5 5 attune-wait -a bob --type approval_request --type approval_response --drain | jq -r .signal_type'
	assert_output "approval_request
approval_response"
}

@test "-c N prints N; 124 when the timeout ends it first, with those received printed" {
	for i in 1 2 3; do send --to bob s "{\"i\": $i}" >/dev/null; done
	run sh -c 'timeout -k 5 5 attune-wait -a bob -c 2 | jq -c .payload.i'
	assert_output "1
2"
	run timeout -k 5 5 attune-wait -a bob -c 3 -t 0.3
	assert_failure 124
	assert_equal "${#lines[@]}" 1
}

@test "--drain prints every pending match and exits 0, even when there is none" {
	run timeout -k 5 5 attune-wait -a bob --drain
	assert_success
	assert_output ""
	for i in 1 2 3; do send --to bob s >/dev/null; done
	run timeout -k 5 5 attune-wait -a bob --drain
	assert_success
	assert_equal "${#lines[@]}" 3
}

@test "--follow keeps printing until the timeout (124) or a signal" {
	send --to bob s >/dev/null
	(sleep 0.4; send --to bob s >/dev/null; send --all b >/dev/null) &
	run timeout -k 5 10 attune-wait -a bob --follow -t 1.5
	wait
	assert_failure 124
	assert_equal "${#lines[@]}" 3
}

@test "a signal whose TTL lapsed is gone" {
	send -T 300ms --to bob s >/dev/null
	send -T 300ms --all b >/dev/null
	sleep 0.8
	run timeout -k 5 5 attune-wait -a bob -t 0
	assert_failure 124
}

@test "-t: nothing in time exits 124 with empty stdout, after the timeout" {
	start=$(date +%s%N)
	run --separate-stderr timeout -k 5 5 attune-wait -a bob -t 0.3
	end=$(date +%s%N)
	assert_failure 124
	assert_output ""
	[ -z "$stderr" ]
	ms=$(( (end - start) / 1000000 ))
	[ "$ms" -ge 300 ] && [ "$ms" -lt 3000 ] || fail "took $ms ms"
}

# interrupt SIG CODE [ARGS…] — a blocked wait ends promptly with CODE.
interrupt() {
	local sig=$1 code=$2 st=0
	shift 2
	attune-wait -a bob -t 10 "$@" >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	sleep 0.5
	start=$(date +%s%N)
	kill -"$sig" $pid
	wait $pid || st=$?
	end=$(date +%s%N)
	assert_equal "$st" "$code"
	ms=$(( (end - start) / 1000000 ))
	[ "$ms" -lt 1000 ] || fail "took $ms ms"
}

@test "SIGINT ends a blocked wait with 130 within a second" {
	interrupt INT 130
}

@test "SIGTERM ends a following wait with 143 within a second, keeping what it printed" {
	send --to bob s >/dev/null
	interrupt TERM 143 --follow
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/out")" 1
}

# gone_reader TARGET — a wait whose reader is gone takes a signal, fails to write it, gives it back.
gone_reader() {
	local d=$BATS_TEST_TMPDIR
	bash -c 'set -o pipefail; timeout -k 5 10 attune-wait -a bob -t 5 | true; echo $? >"$1"' _ "$d/status" &
	sleep 0.5
	id=$(send -T 30 "$@" s '{"n": 1}' | jq -r .signal_id)
	wait
	assert_equal "$(cat "$d/status")" 1
	run timeout -k 5 5 attune-wait -a bob -t 0
	assert_success
	assert_equal "$(jq -r .signal_id <<<"$output")" "$id"
}

@test "a targeted signal taken but not written (reader gone) is given back" {
	gone_reader --to bob
}

@test "a broadcast taken but not written (reader gone) is given back to that agent" {
	gone_reader --all
}

@test "usage errors exit 2" {
	for args in "" "-a a:b" "-a bob --type 'x*'" "-a bob --from 'a b'" "-a bob -t 5x" "-a bob --poll x" \
		"-a bob -c 0" "-a bob --follow --drain" "-a bob -c 2 --follow" "-a bob -f '.['" "-a bob operand" \
		"-a bob -T 1"; do
		eval "run --separate-stderr timeout -k 5 5 attune-wait $args"
		assert_failure 2
		assert_output ""
		[[ $stderr == "attune-wait: "* ]] || fail "$args: $stderr"
	done
}

@test "an unreachable store exits 69" {
	ATTUNE_RETRY=0 run --separate-stderr timeout -k 5 5 attune-wait -s "$DEAD_STORE" -a bob -t 1
	assert_failure 69
	assert_output ""
	[[ $stderr == "attune-wait: "*"127.0.0.1:1"* ]] || fail "$stderr"
}

# py CODE… — Debian's python3 with redis; r is a client, ns the key prefix, sig() writes as attune-ai.
py() {
	/usr/bin/python3 - "$REDIS_PORT" "$ATTUNE_NAMESPACE" <<EOF
import json, sys, time, uuid, redis
from datetime import datetime, timezone
r = redis.Redis(port=int(sys.argv[1]))
ns = sys.argv[2] + ":"
def sig(stype, target, source="pyagent", payload=None, ttl=60, ts=None):
    sid = "signal_" + uuid.uuid4().hex[:8]
    rec = {"signal_id": sid, "signal_type": stype, "source_agent": source,
           "target_agent": target, "payload": payload or {},
           "timestamp": ts or datetime.now(timezone.utc).isoformat(), "ttl_seconds": ttl}
    r.setex(ns + "empathy:signal:%s:%s:%s" % (target or "*", stype, sid), ttl, json.dumps(rec))
    return sid
$1
EOF
}

python_only() {
	redis_only
	/usr/bin/python3 -c 'import redis' 2>/dev/null || skip "no python3-redis"
}

@test "redis: signals written by attune-ai (SETEX, json.dumps) are received, oldest first" {
	python_only
	run py 'print(sig("ready", "bob", ts="2026-01-01T00:00:02.5"), sig("abort", None, ts="2026-01-01T00:00:01+00:00"))'
	assert_success
	read -r t b <<<"$output"
	run sh -c 'timeout -k 5 5 attune-wait -a bob --drain | jq -r "[.signal_id, .source_agent] | join(\" \")"'
	assert_output "$b pyagent
$t pyagent"
	run rcli --raw exists "$ATTUNE_NAMESPACE:empathy:signal:bob:ready:$t" "$ATTUNE_NAMESPACE:empathy:signal:*:abort:$b"
	assert_output 1
}

# blocked_waiter ARGS… — start attune-wait -a bob -c 2 ARGS… in the background and return once it has
# taken a first signal, so it is surely past its first check and blocked.
blocked_waiter() {
	out=$BATS_TEST_TMPDIR/out
	timeout -k 5 10 attune-wait -a bob -c 2 "$@" >"$out" &
	pid=$!
	send --to bob first >/dev/null
	one_line() { [ "$(wc -l <"$out")" -ge 1 ]; }
	wait_until 5 one_line
}

@test "redis: a Python signal (no wake-up) reaches a blocked wait within about the poll interval" {
	python_only
	blocked_waiter -t 5 --poll 0.2
	start=$(date +%s%N)
	py 'sig("ready", "bob")'
	st=0
	wait $pid || st=$?
	end=$(date +%s%N)
	assert_equal "$st" 0
	assert_equal "$(wc -l <"$out")" 2
	ms=$(( (end - start) / 1000000 ))
	[ "$ms" -lt 1500 ] || fail "took $ms ms"
}

@test "redis: --poll 0 re-checks only on wake-ups" {
	python_only
	blocked_waiter -t 5 --poll 0
	py 'sig("ready", "bob")'
	sleep 1
	assert_equal "$(wc -l <"$out")" 1
	kill -TERM $pid
	st=0
	wait $pid || st=$?
	assert_equal "$st" 143
	run timeout -k 5 5 attune-wait -a bob -t 0 --poll 0
	assert_success
}

@test "redis: records that are not signals are skipped and left alone" {
	redis_only
	k="$ATTUNE_NAMESPACE:empathy:signal:bob:x"
	rcli set "$k:1" 'not json' >/dev/null
	rcli set "$k:2" '[1]' >/dev/null
	rcli set "$k:3" '{"signal_id": "signal_00000000", "signal_type": "x"}' >/dev/null
	rcli set "$ATTUNE_NAMESPACE:empathy:signal:bob:x" '{}' >/dev/null
	run timeout -k 5 5 attune-wait -a bob -t 0
	assert_failure 124
	run rcli --raw exists "$k:1" "$k:2" "$k:3"
	assert_output 3
}

@test "redis: taking writes attune-ai's layout: targeted key deleted, broadcast kept with a receipt" {
	redis_only
	t=$(send --to bob s | jq -r .signal_id)
	b=$(send -T 20 --all s | jq -r .signal_id)
	run timeout -k 5 5 attune-wait -a bob -c 2
	assert_success
	run rcli --raw exists "$ATTUNE_NAMESPACE:empathy:signal:bob:s:$t"
	assert_output 0
	run rcli --raw exists "$ATTUNE_NAMESPACE:empathy:signal:*:s:$b"
	assert_output 1
	run rcli --raw pttl "$ATTUNE_NAMESPACE:attune:seen:bob:$b"
	[ "$output" -gt 15000 ] && [ "$output" -le 20001 ] || fail "receipt pttl $output"
}

@test "redis: a signal given back keeps its remaining TTL" {
	redis_only
	bash -c 'timeout -k 5 10 attune-wait -a bob -t 5 | true' &
	sleep 0.5
	id=$(send -T 10 --to bob s | jq -r .signal_id)
	wait || true
	run rcli --raw pttl "$ATTUNE_NAMESPACE:empathy:signal:bob:s:$id"
	[ "$output" -gt 5000 ] && [ "$output" -le 10000 ] || fail "pttl $output"
}
