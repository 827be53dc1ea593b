#!/bin/sh
# Run every built fuzzer for $FUZZ_TIME seconds on a copy of its seed corpus; TAP output.
top=$(cd "$(dirname "$0")/../.." && pwd)
t=${FUZZ_TIME:-60}
export ASAN_OPTIONS="fast_unwind_on_malloc=0" LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
n=0 bad=0
for f in "$top"/build/fuzz/bin/*_fuzz; do
	[ -x "$f" ] || continue
	name=$(basename "$f" _fuzz)
	n=$((n + 1))
	corpus=$(mktemp -d)
	if "$f" -max_total_time="$t" -max_len=8192 -timeout=10 -rss_limit_mb=1024 -artifact_prefix="$corpus/" \
		"$corpus" "$top/tests/fuzz/$name" >"$corpus/log" 2>&1; then
		echo "ok $n - fuzz $name for ${t}s"
	else
		bad=$((bad + 1))
		echo "not ok $n - fuzz $name for ${t}s"
		grep -E 'ERROR|SUMMARY|runtime error' "$corpus/log" | head -5 | sed 's/^/# /'
		ls "$corpus"/crash-* "$corpus"/leak-* "$corpus"/timeout-* 2>/dev/null | sed 's/^/# artifact: /'
	fi
	rm -rf "$corpus"
done
echo "1..$n"
[ "$bad" -eq 0 ]
