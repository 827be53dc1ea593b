#!/bin/sh
# Resident memory of the long-running tools over a long run: each tool is driven with events
# (up to N, default 1,000,000, or as many as fit in T seconds, default 30) and bench/rssmeter.c
# reads its VmRSS at every tenth of the run. The figure is the RSS at the end beside the RSS at
# 10% of the run: flat means a ratio near 1 (growth under ~10%). QUICK=1: T=5.
. "$(dirname "$0")/redis.inc"
N=${N:-1000000}
T=${T:-30}
[ -n "$QUICK" ] && T=5
redis="redis://127.0.0.1:$REDIS_PORT"

# report NAME WHAT — read rssmeter's line "LINES SECONDS RSS×10" on stdin, print it and the
# BENCH line; WHAT names the events (the count goes before it, or EVENTS overrides it).
report() {
	read -r lines secs r1 r2 r3 r4 r5 r6 r7 r8 r9 r10 || return 1
	[ "$r1" -gt 0 ] 2>/dev/null || { echo "memory.sh: $1: no figure" >&2; return 1; }
	n=${EVENTS:-$lines}
	echo "$1: $n $2 in $secs s; RSS KiB at 10%..100%: $r1 $r2 $r3 $r4 $r5 $r6 $r7 $r8 $r9 $r10"
	echo "BENCH|RSS $1, $n $2|$r10|RSS at 10% of the run|$r1|KiB"
}

# ---- attune-wait --follow: signals sent by attune-signal --each in batches of 1000, the
# next batch once fewer than 1000 are pending (the backlog stays bounded: a waiter's listing
# holds what is pending, and it is the steady state that must stay flat).
signals() {
	i=0
	while :; do
		n=$(attune-wait -s "$1" -a bob --peek --drain 2>/dev/null | wc -l) || return
		if [ "$n" -lt 1000 ]; then
			awk 'BEGIN { for (i = 0; i < 1000; i++) printf "{\"n\": %d}\n", i }' |
				attune-signal -s "$1" -q --to bob --each tick 2>/dev/null || return
		else
			sleep 0.01
		fi
	done
}
for url in "$redis" "sqlite://$work/wait.db"; do
	attune-signal -s "$url" -q --to bob tick || exit 1
	signals "$url" &
	drv=$!
	"$BENCH_BIN/rssmeter" -n "$N" -t "$T" -- attune-wait -s "$url" -a bob --follow --poll 0 |
		report "attune-wait --follow (${url%%:*})" "signals"
	kill "$drv" 2>/dev/null
	wait "$drv" 2>/dev/null
done

# ---- attune-stale --watch over 1,000 agents written as attune-ai writes them, going round
# ok -> stale -> final -> vanished -> started, so that every look reports changes.
A=1000
agents() { # phase: 0 ok, 1 stale (last beat 2 minutes ago), 2 completed, 3 deleted
	awk -v n="$A" -v ph="$1" -v now="$(date -u +%Y-%m-%dT%H:%M:%S.%6N+00:00)" \
		-v old="$(date -u -d '-2 min' +%Y-%m-%dT%H:%M:%S.%6N+00:00)" 'BEGIN {
		for (i = 0; i < n; i++) {
			k = "empathy:heartbeat:agent-" i
			if (ph == 3) { printf "*2\r\n$3\r\nDEL\r\n$%d\r\n%s\r\n", length(k), k; continue }
			v = sprintf("{\"agent_id\": \"agent-%d\", \"status\": \"%s\", \"progress\": 0.5, \"current_task\": \"step %d\", \"last_beat\": \"%s\", \"metadata\": {}, \"display_name\": null}",
				i, ph == 2 ? "completed" : "running", i, ph == 1 ? old : now)
			printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nEX\r\n$3\r\n600\r\n", length(k), k, length(v), v
		}
	}' | redis-cli -p "$REDIS_PORT" --pipe >/dev/null
}
agents 0
(while :; do for ph in 1 2 3 0; do agents $ph || exit; sleep 0.2; done; done) &
drv=$!
"$BENCH_BIN/rssmeter" -n "$N" -t "$T" -- attune-stale -s "$redis" --watch --interval 50ms |
	report "attune-stale --watch (redis), $A agents" "events"
kill "$drv" 2>/dev/null
wait "$drv" 2>/dev/null
redis-cli -p "$REDIS_PORT" flushall >/dev/null

# ---- attune-beat supervising a command, beating every millisecond (the beats are counted on
# the server: one ZADD to the index each).
zadds() { redis-cli -p "$REDIS_PORT" info commandstats | sed -n 's/^cmdstat_zadd:calls=\([0-9]*\).*/\1/p'; }
z0=$(zadds)
out=$("$BENCH_BIN/rssmeter" -t "$T" -- attune-beat -s "$redis" -a bench --every 1ms -- sleep 3600)
echo "$out" | EVENTS=$(($(zadds) - z0)) report "attune-beat --every 1ms -- CMD (redis)" "beats"

# ---- attune-approve request waiting for its answer, woken without cease: PUBLISHes on its
# wake channel in batches of 10,000 (the checks, one GET of the response each, are counted).
gets() { redis-cli -p "$REDIS_PORT" info commandstats | sed -n 's/^cmdstat_get:calls=\([0-9]*\).*/\1/p'; }
wakes() {
	i=0
	while [ -z "$id" ] && [ $i -lt 100 ]; do
		id=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'approval_request:*' | sed 's/^approval_request://')
		sleep 0.05
		i=$((i + 1))
	done
	awk -v c="attune:wake:approval:$id" 'BEGIN {
		for (i = 0; i < 10000; i++) printf "*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$1\r\n1\r\n", length(c), c
	}' >"$work/wakes"
	while redis-cli -p "$REDIS_PORT" --pipe <"$work/wakes" >/dev/null; do sleep 0.01; done
}
id=
wakes &
drv=$!
g0=$(gets)
out=$("$BENCH_BIN/rssmeter" -t "$T" -- attune-approve request -s "$redis" -a bench -t 1h deploy '{"env": "bench"}')
echo "$out" | EVENTS=$(($(gets) - g0)) report "attune-approve request (redis)" "wake-ups"
kill "$drv" 2>/dev/null
wait "$drv" 2>/dev/null

# ---- attune-stream consume following a stream that attune-stream publish --each fills while
# it is read (N events, no trimming), plain and as a member of a consumer group (which
# acknowledges every event it prints); and plain on the embedded store.
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "{\"agent_id\": \"agent-%d\", \"status\": \"running\", \"progress\": %.6f, \"task\": \"step %d\"}\n", i % 50, i / n, i
}' >"$work/events"
consume() { # URL TYPE NAME [consume options]
	url=$1 type=$2 name=$3
	shift 3
	attune-stream -s "$url" publish --each --maxlen 0 -q "$type" <"$work/events" &
	drv=$!
	"$BENCH_BIN/rssmeter" -n "$N" -t "$T" -- attune-stream -s "$url" consume "$type" --from 0 "$@" |
		report "$name" "events"
	kill "$drv" 2>/dev/null
	wait "$drv" 2>/dev/null
}
consume "$redis" follow "attune-stream consume (redis)"
consume "$redis" grouped "attune-stream consume --group (redis)" --group bench --consumer c1
redis-cli -p "$REDIS_PORT" flushall >/dev/null
consume "sqlite://$work/stream.db" follow "attune-stream consume (sqlite)"
