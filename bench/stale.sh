#!/bin/sh
# attune-stale over N (100,000) live heartbeats on Redis, beside redis-cli doing the bare fetch:
# SCAN of empathy:heartbeat:* (redis-cli's default COUNT) piped into MGETs of 500 keys. A
# private redis-server on a free loopback port holds the heartbeats, written as attune-ai
# writes them. Two figures, median of RUNS runs each: the default listing (every heartbeat
# fetched, parsed and classified; the agents are healthy, so nothing is printed) and
# --active, which also sorts and prints all N.
. "$(dirname "$0")/redis.inc"
BIN=$top/$BUILD/bin
N=${N:-100000}
RUNS=${RUNS:-5}
[ -n "$QUICK" ] && RUNS=3
port=$REDIS_PORT

# N fresh heartbeats, TTL one hour, in the redis protocol for redis-cli --pipe.
ts=$(date -u +%Y-%m-%dT%H:%M:%S.%6N+00:00)
awk -v n="$N" -v ts="$ts" 'BEGIN {
	for (i = 0; i < n; i++) {
		k = "empathy:heartbeat:agent-" i
		v = sprintf("{\"agent_id\": \"agent-%d\", \"status\": \"running\", \"progress\": 0.5, \"current_task\": \"step %d\", \"last_beat\": \"%s\", \"metadata\": {}, \"display_name\": null}", i, i, ts)
		printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nEX\r\n$4\r\n3600\r\n", length(k), k, length(v), v
	}
}' | redis-cli -p "$port" --pipe >/dev/null || { echo "stale.sh: loading failed" >&2; exit 1; }

export ATTUNE_STORE="redis://127.0.0.1:$port" ATTUNE_NAMESPACE=
n=$("$BIN/attune-stale" --active | wc -l)
[ "$n" -eq "$N" ] || { echo "stale.sh: attune-stale listed $n of $N" >&2; exit 1; }

# median CMD: the median wall time of RUNS runs of sh -c CMD, in seconds.
median() {
	r=0
	while [ $r -lt "$RUNS" ]; do
		t0=$(date +%s.%N)
		sh -c "$1" >/dev/null
		t1=$(date +%s.%N)
		echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
		r=$((r + 1))
	done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

ours=$(median "'$BIN/attune-stale'")
active=$(median "'$BIN/attune-stale' --active")
peer=$(median "redis-cli -p $port --scan --pattern 'empathy:heartbeat:*' |
	awk '{ k = k \" \" \$0 } NR % 500 == 0 { print \"MGET\" k; k = \"\" } END { if (k != \"\") print \"MGET\" k }' |
	redis-cli -p $port")
echo "BENCH|attune-stale over $N live agents (Redis)|$ours|redis-cli --scan + MGET|$peer|s"
echo "BENCH|attune-stale --active, $N printed (Redis)|$active|redis-cli --scan + MGET|$peer|s"
