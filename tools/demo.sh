#!/bin/sh
# make demo: a short multi-agent scenario on the embedded store, narrated, in a temporary
# ATTUNE_HOME that is removed afterwards. Every tool takes part.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/${BUILD:-build}/bin:$PATH"
ATTUNE_HOME=$(mktemp -d "${TMPDIR:-/tmp}/attune-demo.XXXXXX")
export ATTUNE_HOME PATH
unset ATTUNE_STORE REDIS_URL ATTUNE_NAMESPACE ATTUNE_AGENT
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$ATTUNE_HOME"' EXIT

if [ -t 1 ]; then bold=$(printf '\033[1m') off=$(printf '\033[0m'); else bold= off=; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
show() { printf '$ %s\n' "$*"; sh -c "$*"; }

say "attune demo: a coordinator, two workers and a human, on the embedded store in $ATTUNE_HOME"

say "1. The coordinator waits for two workers to report ready (attune-wait blocks, no polling)"
attune-wait -a coordinator --type ready -c 2 -t 20 >"$ATTUNE_HOME/ready.jsonl" &
wait_pid=$!
pids="$pids $wait_pid"
sleep 0.2

say "2. worker-1 runs a job under attune-beat, which beats for it and reports ready"
show "attune-beat -a worker-1 --every 1s --task build -- sh -c 'attune-beat --status running --progress 0.5 --task compiling -q; sleep 1; attune-signal --to coordinator ready \"{\\\"worker\\\": \\\"worker-1\\\"}\" -q'"
say "3. worker-2 beats once, says ready, then goes silent (its heartbeat lives 2 s)"
show "attune-beat -a worker-2 --status running --progress 0.3 --task tests -T 2 -q"
show "attune-signal -a worker-2 --to coordinator ready '{\"worker\": \"worker-2\"}' -q"
wait "$wait_pid"
echo "the coordinator received:"
cat "$ATTUNE_HOME/ready.jsonl"

say "4. Three seconds later attune-stale notices that worker-2 was lost (no final status)"
sleep 3
show "attune-stale -t 1 -o text || true"

say "5. The coordinator asks a human to approve the deploy; a scripted approver answers"
attune-approve request -a coordinator -t 20 deploy '{"version": "1.4.2", "env": "production"}' \
	>"$ATTUNE_HOME/decision.json" &
req_pid=$!
pids="$pids $req_pid"
i=0
until id=$(attune-approve list | sed -n 's/.*"request_id": *"\([^"]*\)".*/\1/p' | head -1) && [ -n "$id" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "no request appeared" >&2; exit 1; }
	sleep 0.1
done
show "attune-approve list -o text"
show "attune-approve respond $id --approve -r 'tests are green' --as alice@ops"
wait "$req_pid" && echo "the coordinator's request returned approved:" || echo "the request was not approved"
cat "$ATTUNE_HOME/decision.json"

say "6. Deploy events go onto a stream; a consumer follows them from the start"
show "attune-stream publish deploys '{\"step\": \"pull\"}' -q"
show "attune-stream publish deploys '{\"step\": \"migrate\"}' -q"
show "attune-stream publish deploys '{\"step\": \"restart\"}' -q"
show "attune-stream consume deploys --from 0 -c 3 -t 5"
show "attune-stream recent approval_response -c 1"

say "7. Agents rate the prompt templates they used; the ranking uses the Wilson lower bound"
for r in good good good bad; do attune-feedback rate tip-retry "$r" >/dev/null; done
attune-feedback rate err-timeout good >/dev/null
show "attune-feedback list -o text"

say "8. A report over the cost ledger that attune-ai writes (a small sample log)"
mkdir -p "$ATTUNE_HOME/telemetry"
now=$(date -u +%Y-%m-%dT%H:%M:%S)
for t in CHEAP CHEAP CAPABLE PREMIUM; do
	case $t in CHEAP) c=0.002 ;; CAPABLE) c=0.012 ;; PREMIUM) c=0.060 ;; esac
	printf '{"v":"1.0","ts":"%s.000000Z","workflow":"code-review","tier":"%s","model":"m","provider":"anthropic","cost":%s,"tokens":{"input":1200,"output":300},"cache":{"hit":false},"duration_ms":900,"user_id":"0000000000000000"}\n' \
		"$now" "$t" "$c" >>"$ATTUNE_HOME/telemetry/usage.jsonl"
done
show "attune-report savings"

say "done: everything above ran on $ATTUNE_HOME/attune.db, now removed"
