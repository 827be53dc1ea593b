#!/bin/sh
# attune-stale over N (100,000) live heartbeats on Redis, beside redis-cli doing the bare fetch:
# SCAN of empathy:heartbeat:* (redis-cli's default COUNT) piped into MGETs of 500 keys. A
# private redis-server on a free loopback port holds the heartbeats, written as attune-ai
# writes them. Two figures, median of RUNS runs each: the default listing (every heartbeat
# fetched, parsed and classified; the agents are healthy, so nothing is printed) and
# --active, which also sorts and prints all N.
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ATTUNE_BIN:-$top/${BUILD:-build}/bin}
N=${N:-100000}
RUNS=${RUNS:-5}
[ -n "$QUICK" ] && RUNS=3
work=$(mktemp -d "${TMPDIR:-/tmp}/attune-bench.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

i=0
while [ $i -lt 20 ] && [ -z "$pid" ]; do
	i=$((i + 1))
	port=$(( ($$ * 7919 + i * 104729 + $(date +%N | sed 's/^0*//;s/^$/0/')) % 20000 + 30000 ))
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
		--logfile "$work/redis.log" >/dev/null 2>&1 &
	p=$!
	j=0
	while [ $j -lt 50 ]; do
		if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then pid=$p; break; fi
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
		j=$((j + 1))
	done
	[ -z "$pid" ] && kill "$p" 2>/dev/null
done
[ -n "$pid" ] || { echo "stale.sh: cannot start redis-server" >&2; exit 1; }

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
