#!/bin/sh
# attune-report savings over 1,000,000 usage records against the same computation in jq
# (reduce over the stream), measured in the same run; checks that both give the same numbers.
# N=… changes the record count. Prints wall seconds and peak RSS, then BENCH lines.
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ATTUNE_BIN:-$top/${BUILD:-build}/bin}
N=${N:-1000000}
[ -n "$QUICK" ] && N=200000
CC=${CC:-cc}
work=$(mktemp -d "${TMPDIR:-/tmp}/attune-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

command -v jq >/dev/null || { echo "report_savings: jq is needed" >&2; exit 1; }
[ -x "$BIN/attune-report" ] || { echo "report_savings: build first (make)" >&2; exit 1; }
$CC -O2 -o "$work/gen" "$top/bench/gen_usage.c" || exit 1

now=$(date +%s)
mkdir -p "$work/home/telemetry"
log="$work/home/telemetry/usage.jsonl"
"$work/gen" "$N" "$now" >"$log" || exit 1
echo "usage.jsonl: $N records, $(($(wc -c <"$log") / 1000000)) MB"

# measure OUT CMD…: run CMD with stdout to OUT; sets secs (wall) and rss (peak, KiB).
measure() {
	out=$1
	shift
	start=$(date +%s.%N)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$work/rss" "$@" >"$out" || return 1
		rss=$(tail -1 "$work/rss")
	else
		# No time(1): sample the peak (VmHWM) from /proc while the command runs.
		"$@" >"$out" &
		pid=$! rss=0
		while kill -0 "$pid" 2>/dev/null; do
			r=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
			[ -n "$r" ] && rss=$r
			sleep 0.01
		done
		wait "$pid" || return 1
	fi
	end=$(date +%s.%N)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
}

# The same window: records at or after now - 30 days (the generator leaves a gap around it).
cutoff=$(date -u -d "@$((now - 30 * 86400))" +%Y-%m-%dT%H:%M:%S.000000Z)
prog='reduce (inputs | select(.ts >= $cutoff)) as $r ({n: 0, cost: 0, pn: 0, pcost: 0, hits: 0, tiers: {}};
	.n += 1 | .cost += $r.cost
	| if $r.tier == "PREMIUM" then .pn += 1 | .pcost += $r.cost else . end
	| if $r.cache.hit then .hits += 1 else . end
	| .tiers[$r.tier // "unknown"] += 1)'

measure "$work/ours.json" env ATTUNE_HOME="$work/home" "$BIN/attune-report" savings -o json ||
	{ echo "report_savings: attune-report failed" >&2; exit 1; }
ours_s=$secs ours_rss=$rss
measure "$work/jq.json" jq -n -c --arg cutoff "$cutoff" "$prog" "$log" || { echo "report_savings: jq failed" >&2; exit 1; }
jq_s=$secs jq_rss=$rss

# Both as the same rounded figures: money 2 decimals, percentages 1 (calculate_savings).
jq -r '([.total_calls, .actual_cost, .baseline_cost, .savings, .savings_percent, .cache_savings] | @tsv),
	(.tier_distribution | to_entries | sort_by(.key)[] | [.key, .value] | @tsv)' "$work/ours.json" |
	awk -F '\t' 'NR == 1 { printf "%d %.2f %.2f %.2f %.1f %.2f\n", $1, $2, $3, $4, $5, $6; next }
	{ printf "%s %.1f\n", $1, $2 }' >"$work/ours.txt"
jq -r '([.n, .cost, .pn, .pcost, .hits] | @tsv), (.tiers | to_entries | sort_by(.key)[] | [.key, .value] | @tsv)' \
	"$work/jq.json" |
	awk -F '\t' 'NR == 1 { n = $1; cost = $2; base = n * ($3 ? $4 / $3 : 0.05); sav = base - cost
		printf "%d %.2f %.2f %.2f %.1f %.2f\n", n, cost, base, sav, base ? sav / base * 100 : 0, n ? $5 * cost / n : 0; next }
	{ printf "%s %.1f\n", $1, $2 / n * 100 }' >"$work/jq.txt"
if cmp -s "$work/ours.txt" "$work/jq.txt"; then
	echo "same numbers: $(tr "\n" " " <"$work/ours.txt")"
else
	echo "report_savings: attune-report and jq disagree:" >&2
	diff "$work/ours.txt" "$work/jq.txt" >&2
	exit 1
fi
echo "attune-report savings: ${ours_s} s, peak RSS ${ours_rss} KiB"
echo "jq reduce:             ${jq_s} s, peak RSS ${jq_rss} KiB"
echo "BENCH|report savings, $N usage records|$ours_s|jq 1.6 reduce|$jq_s|s"
echo "BENCH|report savings peak RSS|$ours_rss|jq 1.6 reduce|$jq_rss|KiB"
