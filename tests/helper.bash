# helper.bash — loaded by every bats file: tools on PATH, a namespace and home per test,
# ATTUNE_STORE for the store under test ($STORE: sqlite or redis, set by tests/run.sh).
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ATTUNE_ROOT=${ATTUNE_ROOT:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
ATTUNE_BIN=${ATTUNE_BIN:-$ATTUNE_ROOT/build/bin}
PATH="$ATTUNE_BIN:$PATH"

attune_setup() {
	export ATTUNE_HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$ATTUNE_HOME"
	export ATTUNE_NAMESPACE="t${BATS_TEST_NUMBER}x$$x$RANDOM"
	export ATTUNE_RETRY=3
	unset REDIS_URL ATTUNE_AGENT ATTUNE_REDIS_PASSWORD ATTUNE_REDIS_PASSWORD_FILE
	case ${STORE:-sqlite} in
	redis) export ATTUNE_STORE="redis://127.0.0.1:$REDIS_PORT" ;;
	*) export ATTUNE_STORE="sqlite://$ATTUNE_HOME/attune.db" ;;
	esac
}

setup() {
	attune_setup
}

# A store that is never there, for the exit-69 tests (fails fast).
DEAD_STORE="redis://127.0.0.1:1"

# rcli ARGS… — redis-cli against the test server (Redis tests only).
rcli() {
	redis-cli -p "$REDIS_PORT" --no-raw "$@"
}

redis_only() {
	[ "${STORE:-sqlite}" = redis ] || skip "Redis only"
}

# wait_until SECONDS CMD… — run CMD every 50 ms until it succeeds (bounded); fail on timeout.
wait_until() {
	local limit=$(( $1 * 20 )) i=0
	shift
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt $limit ] || return 1
		sleep 0.05
	done
}
