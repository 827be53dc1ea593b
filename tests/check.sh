#!/bin/sh
# make check: the suite as built (with the fuzzers), then under ASan+UBSan, then a subset under
# valgrind; each run ends with "check: N passed, M failed" and the last line adds them up.
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
	echo "== $1"
	shift
	env "$@" | tee -a "$log" | grep -v '^check: '
	grep '^check: ' "$log" | tail -1 | sed 's/^/   /'
}
run "suite" BUILD=build FUZZ=1 sh "$top/tests/run.sh" $TESTS
run "suite under AddressSanitizer and UndefinedBehaviorSanitizer" BUILD=build/asan ASAN=1 sh "$top/tests/run.sh" $TESTS
if [ -z "$TESTS" ] && [ -n "$VALGRIND_TESTS" ]; then
	run "subset under valgrind" BUILD=build VALGRIND=1 sh "$top/tests/run.sh" $VALGRIND_TESTS
fi
awk '/^check: / { p += $2; f += $4 } END { printf "check: %d passed, %d failed\n", p, f; exit f > 0 || p == 0 }' "$log"
