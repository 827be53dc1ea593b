#!/bin/sh
# Signal to wake-up on each store: a waiting `attune-wait --follow --poll 0` prints each
# signal's own timestamp (taken by attune-signal just before it writes); bench/wakeread.c takes
# the time each line arrives. Median over ROUNDS signals sent by fresh attune-signal processes.
# Peers measured in the same run: a redis-cli round trip (PING, --latency), and attune-ai's
# 0.5 s poll (a signal waits half the interval on average: 250 ms, not measured).
. "$(dirname "$0")/redis.inc"
ROUNDS=${ROUNDS:-50}
[ -n "$QUICK" ] && ROUNDS=20

# wake URL — "median p90" in microseconds
wake() {
	out="$work/wake.$$"
	attune-wait -s "$1" -a bench --follow --poll 0 -f .timestamp 2>/dev/null |
		"$BENCH_BIN/wakeread" "$ROUNDS" >"$out" &
	sleep 0.5
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		attune-signal -q -s "$1" --to bench tick || return 1
		sleep 0.02
		i=$((i + 1))
	done
	attune-signal -q -s "$1" --to bench tick # lets attune-wait notice wakeread is gone
	wait
	cat "$out"
}

rtt=$(redis-cli -p "$REDIS_PORT" --latency --raw -i 2 | awk '{ printf "%.0f", $3 * 1000 }')
set -- $(wake "redis://127.0.0.1:$REDIS_PORT")
echo "redis: median $1 us, p90 $2 us; redis-cli PING round trip $rtt us"
echo "BENCH|signal to wake-up, median (redis)|$1|redis-cli PING round trip|$rtt|us"
# The same with 100,000 heartbeats beside the signals: a waiter's check scans the keyspace
# (SCAN MATCH), so it costs in proportion to every key in the database, not to its signals.
awk 'BEGIN {
	for (i = 0; i < 100000; i++) {
		k = "empathy:heartbeat:agent-" i
		v = "{\"agent_id\": \"agent-" i "\", \"status\": \"running\"}"
		printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
	}
}' | redis-cli -p "$REDIS_PORT" --pipe >/dev/null || exit 1
ROUNDS=$((ROUNDS / 2))
set -- $(wake "redis://127.0.0.1:$REDIS_PORT")
echo "redis, 100,000 other keys: median $1 us, p90 $2 us"
echo "BENCH|signal to wake-up, median (redis, 100,000 other keys)|$1|redis-cli PING round trip|$rtt|us"
ROUNDS=$((ROUNDS * 2))
set -- $(wake "sqlite://$work/wake.db")
echo "sqlite: median $1 us, p90 $2 us"
echo "BENCH|signal to wake-up, median (sqlite)|$1|attune-ai 0.5 s poll (mean wait)|250000|us"
