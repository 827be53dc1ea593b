#!/bin/sh
# attune-stream throughput on Redis, beside redis-cli in the same run, against a private
# redis-server on a free loopback port:
#   publish --each: N (1,000,000) JSON objects from a file on stdin, ids printed to /dev/null,
#     default MAXLEN ~ 10000 — beside redis-cli --pipe of the same XADDs (protocol prepared
#     beforehand, not timed);
#   consume --from 0 --until-caught-up > /dev/null over N events (published with --maxlen 0),
#     with the peak RSS of the consumer — beside redis-cli XRANGE - + of the same stream;
#   consume --group (a new group each run) --from 0 --until-caught-up > /dev/null over the same
#     stream, every event acknowledged — beside the consume without a group just measured.
# Then the same figures on the embedded store (N_SQLITE events; no redis-cli peer).
# Median of RUNS runs each (default 1).
. "$(dirname "$0")/redis.inc"
BIN=$top/$BUILD/bin
N=${N:-1000000}
N_SQLITE=${N_SQLITE:-200000}
RUNS=${RUNS:-1}
[ -n "$QUICK" ] && N=200000 N_SQLITE=50000
port=$REDIS_PORT
redis="redis://127.0.0.1:$port"

# The events: heartbeat-like objects, one a line; and the same XADDs in the redis protocol.
ts=$(date -u +%Y-%m-%dT%H:%M:%S.%6N+00:00)
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "{\"agent_id\": \"agent-%d\", \"status\": \"running\", \"progress\": %.6f, \"task\": \"step %d\"}\n", i % 50, i / n, i
}' >"$work/events"
awk -v ts="$ts" '{
	d = $0; gsub(/": /, "\":", d); gsub(/, "/, ",\"", d)
	printf "*14\r\n$4\r\nXADD\r\n$11\r\nstream:peer\r\n$6\r\nMAXLEN\r\n$1\r\n~\r\n$5\r\n10000\r\n$1\r\n*\r\n"
	printf "$10\r\nevent_type\r\n$5\r\nbench\r\n$9\r\ntimestamp\r\n$%d\r\n%s\r\n", length(ts), ts
	printf "$4\r\ndata\r\n$%d\r\n%s\r\n$6\r\nsource\r\n$6\r\nattune\r\n", length(d), d
}' "$work/events" >"$work/xadds"

# rate COUNT CMD: the median over RUNS runs of COUNT / wall time of sh -c CMD (CMD may use $r,
# the run number), in events per second.
rate() {
	r=0
	while [ $r -lt "$RUNS" ]; do
		t0=$(date +%s.%N)
		r=$r sh -c "$2" >/dev/null || { echo "stream.sh: failed: $2" >&2; exit 1; }
		t1=$(date +%s.%N)
		echo "$t0 $t1" | awk -v n="$1" '{ printf "%.0f\n", n / ($2 - $1) }'
		r=$((r + 1))
	done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# peak_rss CMD: the peak resident set of sh -c "exec CMD" in KiB (VmHWM, sampled until exit).
peak_rss() {
	sh -c "exec $1" >/dev/null &
	p=$!
	hwm=0
	while kill -0 "$p" 2>/dev/null; do
		v=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$v" ] && hwm=$v
		sleep 0.05
	done
	wait "$p"
	echo "$hwm"
}

# ---- Redis ----
ours=$(rate "$N" "redis-cli -p $port DEL stream:pub >/dev/null &&
	'$BIN/attune-stream' -s $redis publish --each pub <'$work/events'")
peer=$(rate "$N" "redis-cli -p $port DEL stream:peer >/dev/null && redis-cli -p $port --pipe <'$work/xadds'")
echo "publish --each: attune-stream $ours/s, redis-cli --pipe $peer/s ($N events, MAXLEN ~ 10000)"
echo "BENCH|attune-stream publish --each (Redis)|$ours|redis-cli --pipe, same XADDs|$peer|events/s"

"$BIN/attune-stream" -s "$redis" publish --each --maxlen 0 big -q <"$work/events" || exit 1
n=$("$BIN/attune-stream" -s "$redis" consume big --from 0 --until-caught-up | wc -l)
[ "$n" -eq "$N" ] || { echo "stream.sh: consumed $n of $N" >&2; exit 1; }
ours=$(rate "$N" "'$BIN/attune-stream' -s $redis consume big --from 0 --until-caught-up")
peer=$(rate "$N" "redis-cli -p $port XRANGE stream:big - +")
rss=$(peak_rss "'$BIN/attune-stream' -s $redis consume big --from 0 --until-caught-up")
prss=$(peak_rss "redis-cli -p $port XRANGE stream:big - +")
echo "consume: attune-stream $ours/s (peak RSS $rss KiB), redis-cli XRANGE $peer/s (peak RSS $prss KiB)"
echo "BENCH|attune-stream consume to stdout (Redis)|$ours|redis-cli XRANGE - +|$peer|events/s"
echo "BENCH|attune-stream consume, peak RSS over $N events|$rss|redis-cli XRANGE - +|$prss|KiB"
group=$(rate "$N" "'$BIN/attune-stream' -s $redis consume big --group g\$r --consumer c --from 0 --until-caught-up")
echo "consume --group: attune-stream $group/s, without a group $ours/s"
echo "BENCH|attune-stream consume --group, all acknowledged (Redis)|$group|attune-stream consume, no group|$ours|events/s"

# ---- embedded ----
head -n "$N_SQLITE" "$work/events" >"$work/events.small"
sq="sqlite://$work/attune.db"
ours=$(rate "$N_SQLITE" "'$BIN/attune-stream' -s $sq publish --each --maxlen 0 pub\$r <'$work/events.small'")
echo "BENCH|attune-stream publish --each (embedded)|$ours|-|-|events/s"
ours=$(rate "$N_SQLITE" "'$BIN/attune-stream' -s $sq consume pub0 --from 0 --until-caught-up")
echo "BENCH|attune-stream consume to stdout (embedded)|$ours|-|-|events/s"
group=$(rate "$N_SQLITE" "'$BIN/attune-stream' -s $sq consume pub0 --group g\$r --consumer c --from 0 --until-caught-up")
echo "BENCH|attune-stream consume --group, all acknowledged (embedded)|$group|attune-stream consume, no group|$ours|events/s"
