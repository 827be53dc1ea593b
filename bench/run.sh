#!/bin/sh
# Run every benchmark in bench/ and print one table: our figure beside the peer's, measured
# in the same run. Each script prints lines "BENCH|figure|ours|peer|peer figure|unit".
# QUICK=1: smaller runs (fewer rounds, fewer records, shorter memory runs).
top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-build} ATTUNE_BIN="$top/${BUILD:-build}/bin"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
for b in "$top"/bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "bench: $(basename "$b")" >&2
	sh "$b" | tee -a "$out" | grep -v '^BENCH|' >&2
done
printf '\n%-58s %12s  %-40s %12s %8s\n' figure ours peer "peer figure" ratio
grep '^BENCH|' "$out" | while IFS='|' read -r _ fig ours peer pfig unit; do
	ratio=$(awk -v a="$ours" -v b="$pfig" 'BEGIN { if (b + 0 != 0) printf "%.2f", a / b; else print "-" }')
	printf '%-58s %12s  %-40s %12s %8s  %s\n' "$fig" "$ours" "$peer" "$pfig" "$ratio" "$unit"
done
printf '\n%s, %s cores (%s), %s, %s; %s s%s\n' "$(date -u +%Y-%m-%d)" "$(nproc)" \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" "$(uname -sr)" \
	"$(redis-server --version | sed 's/.*v=\([^ ]*\).*/Redis \1/')" "$(($(date +%s) - start))" "${QUICK:+ (QUICK)}"
