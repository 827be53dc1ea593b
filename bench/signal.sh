#!/bin/sh
# One attune-signal invocation (fresh process: connect, write, wake, print) against one
# redis-cli SET of the same key and value with the same TTL, alternating, median of ROUNDS each.
. "$(dirname "$0")/redis.inc"
ROUNDS=${ROUNDS:-200}
[ -n "$QUICK" ] && ROUNDS=50
url="redis://127.0.0.1:$REDIS_PORT"
sig=$(attune-signal -s "$url" -a bench --to bob ready '{"build": 42}') || exit 1
id=$(printf '%s' "$sig" | jq -r .signal_id)
set -- $("$BENCH_BIN/timeit" "$ROUNDS" attune-signal -s "$url" -a bench --to bob ready '{"build": 42}' \
	--vs redis-cli -p "$REDIS_PORT" SET "empathy:signal:bob:ready:$id" "$sig" EX 60)
[ $# -eq 2 ] || exit 1
echo "attune-signal $1 us, redis-cli SET $2 us (median of $ROUNDS, redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'))"
echo "BENCH|attune-signal, one invocation (redis)|$1|redis-cli SET|$2|us"
# attune-ai's signal() in a fresh process costs at least Python plus redis-py doing the SETEX
# (attune-ai's own imports come on top); SPEC 6 asks for 50x less.
if /usr/bin/python3 -c 'import redis' 2>/dev/null; then
	py=$("$BENCH_BIN/timeit" 20 /usr/bin/python3 -c "import json, sys, redis
redis.Redis(port=$REDIS_PORT).setex('empathy:signal:bob:ready:$id', 60, json.dumps(json.loads(sys.argv[1])))" "$sig")
	echo "python3 + redis-py SETEX $py us (median of 20; a lower bound for attune-ai's signal())"
	echo "BENCH|attune-signal, one invocation, vs Python (redis)|$1|python3 redis-py SETEX (attune-ai lower bound)|$py|us"
fi
