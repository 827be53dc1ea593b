#!/bin/sh
# One attune-signal invocation (fresh process: connect, write, wake, print) against one
# redis-cli SET of the same key and value with the same TTL, alternating, median of ROUNDS each.
. "$(dirname "$0")/redis.inc"
ROUNDS=${ROUNDS:-200}
url="redis://127.0.0.1:$REDIS_PORT"
sig=$(attune-signal -s "$url" -a bench --to bob ready '{"build": 42}') || exit 1
id=$(printf '%s' "$sig" | jq -r .signal_id)
set -- $("$BENCH_BIN/timeit" "$ROUNDS" attune-signal -s "$url" -a bench --to bob ready '{"build": 42}' \
	--vs redis-cli -p "$REDIS_PORT" SET "empathy:signal:bob:ready:$id" "$sig" EX 60)
[ $# -eq 2 ] || exit 1
echo "attune-signal $1 us, redis-cli SET $2 us (median of $ROUNDS, redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'))"
echo "BENCH|attune-signal, one invocation (redis)|$1|redis-cli SET|$2|us"
