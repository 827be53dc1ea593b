#!/bin/sh
# Run the unit tests and the bats suite once per store (sqlite, redis) against a private
# redis-server on a free loopback port. Usage: tests/run.sh [tests/x.bats …]
# Last line: "check: N passed, M failed"; exit 1 when anything failed.
# A bats file whose first lines say "# stores: once" is store-independent and runs once.
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
export ATTUNE_ROOT="$top" ATTUNE_BIN="$top/$BUILD/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/attune-check.XXXXXX")
redis_pid=
cleanup() {
	# A tool left behind by a failed test (or hung in LeakSanitizer's exit check) must not
	# keep running: end every process of this build's binaries.
	for p in /proc/[0-9]*; do
		case $(readlink "$p/exe" 2>/dev/null) in "$ATTUNE_BIN"/*) kill -9 "${p#/proc/}" 2>/dev/null ;; esac
	done
	[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$ASAN" ]; then
	export ASAN_OPTIONS="exitcode=86:detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0"
	export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86"
fi

# VALGRIND=1: each tool runs under valgrind, through a wrapper put first on PATH; an error or a
# definite/indirect leak makes it exit 99 and print the report on stderr.
if [ -n "$VALGRIND" ]; then
	mkdir -p "$work/valgrind"
	for t in "$ATTUNE_BIN"/attune-*; do
		printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --suppressions=%s %s "$@"\n' \
			"$top/tests/valgrind.supp" "$t" >"$work/valgrind/${t##*/}"
		chmod +x "$work/valgrind/${t##*/}"
	done
	export ATTUNE_BIN="$work/valgrind"
fi

# A free port: bind-test candidates, start the server, confirm it answers (bounded tries).
i=0
while [ $i -lt 20 ] && [ -z "$redis_pid" ]; do
	i=$((i + 1))
	port=$(( (($$ * 7919 + i * 104729 + $(date +%N | sed 's/^0*//;s/^$/0/')) % 20000) + 30000 ))
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
	redis-server --port "$port" --bind 127.0.0.1 --unixsocket "$work/redis.sock" --save '' --appendonly no --dir "$work" \
		--logfile "$work/redis.log" >/dev/null 2>&1 &
	pid=$!
	j=0
	while [ $j -lt 50 ]; do
		if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then redis_pid=$pid; break; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1; j=$((j + 1))
	done
	[ -z "$redis_pid" ] && kill "$pid" 2>/dev/null
done
[ -n "$redis_pid" ] || { echo "run: cannot start redis-server" >&2; echo "check: 0 passed, 1 failed"; exit 1; }
export REDIS_PORT="$port" REDIS_SOCKET="$work/redis.sock"

files=$*
[ -n "$files" ] || files=$(ls "$top"/tests/*.bats 2>/dev/null)
once= per=
for f in $files; do
	if head -3 "$f" | grep -q '^# stores: once'; then once="$once $f"; else per="$per $f"; fi
done

# run_store STORE: unit tests then the per-store bats files, TAP into $work/STORE.tap
run_store() {
	out="$work/$1.tap"
	: >"$out"
	for u in "$top/$BUILD"/unit/*_test; do
		[ -x "$u" ] || continue
		case $1 in
		sqlite) url="sqlite://$work/unit-$1/attune.db" ;;
		redis) url="redis://127.0.0.1:$REDIS_PORT" ;;
		esac
		echo "# unit $(basename "$u") [$1]" >>"$out"
		ATTUNE_STORE=$url ATTUNE_NAMESPACE="unit$$" STORE=$1 "$u" >>"$out" 2>&1 ||
			grep -q '^not ok' "$out" || echo "not ok - $(basename "$u") [$1] exited with status $?" >>"$out"
	done
	if [ "$1" = redis ] && [ -x "$top/$BUILD/unit/store_test" ]; then
		echo "# unit store_test [redis over a unix socket]" >>"$out"
		ATTUNE_STORE="unix://$REDIS_SOCKET" ATTUNE_NAMESPACE="unix$$" "$top/$BUILD/unit/store_test" >>"$out" 2>&1 ||
			echo "not ok - store_test over a unix socket" >>"$out"
	fi
	[ -z "$per" ] || STORE=$1 bats --tap $per >>"$out" 2>&1
}

run_store sqlite & p1=$!
run_store redis & p2=$!
: >"$work/once.tap"
[ -z "$once" ] || STORE=none bats --tap $once >>"$work/once.tap" 2>&1 &
p3=$!
wait $p1 $p2 $p3
# Each fuzzer for a few seconds, so that regressions are caught (make fuzz runs longer).
: >"$work/fuzz.tap"
[ -z "$FUZZ" ] || FUZZ_TIME=${FUZZ_TIME:-3} sh "$top/tests/fuzz/run.sh" >"$work/fuzz.tap" 2>&1

passed=0 failed=0
for s in sqlite redis once fuzz; do
	f="$work/$s.tap"
	[ -s "$f" ] || continue
	ok=$(grep '^ok ' "$f" | grep -vic ' # skip')
	skipped=$(grep '^ok ' "$f" | grep -ic ' # skip')
	bad=$(grep -c '^not ok ' "$f")
	passed=$((passed + ok)) failed=$((failed + bad))
	echo "== $s: $ok passed, $bad failed, $skipped skipped"
	if [ "$bad" -gt 0 ] || [ -n "$VERBOSE" ]; then
		awk '/^not ok /{p=1; print; next} /^(ok |# unit)/{p=0} p' "$f"
	fi
done
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
