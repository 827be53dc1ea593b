# private_redis.bash — a redis-server of the test's own, for tests that stop, restart or lock
# down a server (the harness's server is shared by every test and must stay up and open).
# Load after helper; call pr_stop in teardown.

PR_PORT= PR_PID= PR_ARGS=()

# pr_start [REDIS-ARGS…] — start on a free loopback port (kept in PR_PORT) and wait for PING.
pr_start() {
	local i
	PR_ARGS=("$@")
	for i in 1 2 3 4 5 6 7 8 9 10; do
		PR_PORT=$(( (RANDOM * 32768 + RANDOM) % 20000 + 40000 ))
		(exec 3<>"/dev/tcp/127.0.0.1/$PR_PORT") 2>/dev/null && continue
		pr_restart && return 0
	done
	echo "cannot start a private redis-server" >&2
	return 1
}

# pr_restart — start again on the same port with the same arguments (after pr_kill). Daemonized,
# so that it is not the test shell's job (no "Killed" notices) and holds none of bats' descriptors.
pr_restart() {
	local j pidfile=$BATS_TEST_TMPDIR/redis-$PR_PORT.pid
	rm -f "$pidfile"
	redis-server --port "$PR_PORT" --bind 127.0.0.1 --save '' --dir "$BATS_TEST_TMPDIR" --daemonize yes \
		--pidfile "$pidfile" --logfile "$BATS_TEST_TMPDIR/redis-$PR_PORT.log" "${PR_ARGS[@]}" >/dev/null 2>&1 || return 1
	for j in $(seq 50); do
		if [ -z "$PR_PID" ] && [ -s "$pidfile" ]; then PR_PID=$(cat "$pidfile"); fi
		pr_cli ping 2>/dev/null | grep -q -e PONG -e NOAUTH && [ -n "$PR_PID" ] && return 0
		sleep 0.1
	done
	[ -z "$PR_PID" ] || kill "$PR_PID" 2>/dev/null
	PR_PID=
	return 1
}

# pr_kill — the server dies at once (SIGKILL: no goodbye to clients); returns when it is gone.
pr_kill() {
	local j
	[ -n "$PR_PID" ] || return 0
	kill -9 "$PR_PID" 2>/dev/null
	for j in $(seq 50); do # gone, or a zombie waiting for init
		case $(ps -o stat= -p "$PR_PID" 2>/dev/null) in "" | Z*) break ;; esac
		sleep 0.05
	done
	PR_PID=
}

pr_stop() {
	pr_kill
}

# pr_cli ARGS… — redis-cli against the private server (add --user/--pass yourself).
pr_cli() {
	redis-cli -p "$PR_PORT" --no-raw "$@"
}

pr_url() {
	echo "redis://127.0.0.1:$PR_PORT"
}
