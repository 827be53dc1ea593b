#!/usr/bin/env bats
# Reliability: store faults (Redis restarts, Redis gone, a locked database), nothing lost (give-back,
# pending group events, concurrent writers and readers, --each cut short), bad input (random
# bytes, oversized values, bad option values). Runs once per store.
load helper
load private_redis
bats_require_minimum_version 1.5.0

teardown() {
	pr_stop
	# background tools a failed test left behind (ours only, by pid)
	local p
	for p in ${BG_PIDS:-}; do kill "$p" 2>/dev/null; done
	return 0
}

sqlite_only() {
	[ "${STORE:-sqlite}" = sqlite ] || skip "embedded store only"
}

# bg OUT CMD… — run CMD in the background, stdout to OUT, stderr to OUT.err; its pid in BG.
bg() {
	local out=$1
	shift
	"$@" >"$out" 2>"$out.err" 3>&- &
	BG=$!
	BG_PIDS="${BG_PIDS:-} $BG"
}

# reap PID — wait for it (it must be bounded by timeout); its exit status in ST.
reap() {
	ST=0
	wait "$1" || ST=$?
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# A Redis that survives a crash with its data (append-only file fsynced on every write).
pr_start_durable() {
	pr_start --appendonly yes --appendfsync always
	export ATTUNE_STORE="$(pr_url)"
}

# restart_redis SECONDS — kill -9 the private server, stay down SECONDS, start it again.
restart_redis() {
	pr_kill
	sleep "$1"
	pr_restart
}

# ---- faults: Redis restarts and disappears ----

@test "a blocked attune-wait survives a Redis restart and takes the signal sent afterwards" {
	redis_only
	pr_start_durable
	export ATTUNE_RETRY=10
	bg "$BATS_TEST_TMPDIR/w" timeout -k 5 20 attune-wait -a B --poll 0
	sleep 0.5
	restart_redis 1
	attune-signal -q --to B after '{"n": 1}'
	reap $BG; assert_equal "$ST" 0
	run jq -c '[.signal_type, .payload.n]' "$BATS_TEST_TMPDIR/w"
	assert_output '["after",1]'
	# a reader of two signals: one before the restart, one after
	bg "$BATS_TEST_TMPDIR/f" timeout -k 5 20 attune-wait -a C -c 2
	attune-signal -q --to C one
	wait_until 5 test -s "$BATS_TEST_TMPDIR/f"
	restart_redis 0.5
	attune-signal -q --to C two
	reap $BG; assert_equal "$ST" 0
	run jq -r .signal_type "$BATS_TEST_TMPDIR/f"
	assert_output $'one\ntwo'
}

@test "a blocked attune-approve request survives a Redis restart and gets the answer given afterwards" {
	redis_only
	pr_start_durable
	export ATTUNE_RETRY=10
	bg "$BATS_TEST_TMPDIR/r" timeout -k 5 20 attune-approve request -a bot -t 15 --poll 0 deploy '{"v": 1}'
	wait_until 5 bash -c '[ -n "$(attune-approve list -q -f .request_id)" ] || [ -n "$(attune-approve list)" ]'
	local id
	id=$(attune-approve list | jq -r .request_id)
	[ -n "$id" ]
	restart_redis 1
	run attune-approve respond "$id" --approve -r fine --as ops
	assert_success
	reap $BG; assert_equal "$ST" 0
	run jq -c '[.request_id == "'"$id"'", .approved, .responder]' "$BATS_TEST_TMPDIR/r"
	assert_output '[true,true,"ops"]'
}

@test "a blocked attune-stream consume survives a Redis restart and gets the event published afterwards" {
	redis_only
	pr_start_durable
	export ATTUNE_RETRY=10
	attune-stream publish -q build '{"n": 0}'
	bg "$BATS_TEST_TMPDIR/c" timeout -k 5 20 attune-stream consume build -c 1
	local plain=$BG
	bg "$BATS_TEST_TMPDIR/g" timeout -k 5 20 attune-stream consume build --group g --consumer c1 -c 2 --from 0
	local group=$BG
	sleep 0.5
	restart_redis 1
	attune-stream publish -q build '{"n": 1}'
	reap $plain
	assert_equal "$ST" 0
	reap $group
	assert_equal "$ST" 0
	run jq -c .data.n "$BATS_TEST_TMPDIR/c"
	assert_output 1
	run jq -sc 'map(.data.n)' "$BATS_TEST_TMPDIR/g"
	assert_output '[0,1]'
	run attune-stream info build
	jq -e '.groups[0].pending == 0' <<<"$output"
}

@test "a write while Redis restarts is made once it is back (within ATTUNE_RETRY)" {
	redis_only
	pr_start_durable
	export ATTUNE_RETRY=10
	pr_kill
	bg "$BATS_TEST_TMPDIR/s" attune-signal --to B during '{"n": 7}'
	local sig=$BG
	bg "$BATS_TEST_TMPDIR/b" attune-beat -a worker --status running
	local beat=$BG
	sleep 1
	pr_restart
	reap $sig; assert_equal "$ST" 0
	reap $beat; assert_equal "$ST" 0
	run timeout -k 5 5 attune-wait -a B -t 0
	assert_success
	jq -e '.signal_type == "during" and .payload.n == 7' <<<"$output"
	run attune-stale --alive worker
	assert_success
}

@test "Redis gone for good: blocked tools exit 69 after ATTUNE_RETRY seconds, saying why" {
	redis_only
	pr_start
	export ATTUNE_STORE="$(pr_url)" ATTUNE_RETRY=2
	bg "$BATS_TEST_TMPDIR/w" timeout -k 5 20 attune-wait -a B
	local w=$BG
	bg "$BATS_TEST_TMPDIR/r" timeout -k 5 20 attune-approve request -t 60 deploy
	local r=$BG
	bg "$BATS_TEST_TMPDIR/c" timeout -k 5 20 attune-stream consume build
	local c=$BG
	sleep 0.5
	local t0
	t0=$(now_ms)
	pr_kill
	reap $w; assert_equal "$ST" 69
	reap $r; assert_equal "$ST" 69
	reap $c; assert_equal "$ST" 69
	local took=$(($(now_ms) - t0))
	[ "$took" -ge 1500 ] || fail "gave up after ${took} ms, before ATTUNE_RETRY=2 s"
	[ "$took" -le 8000 ] || fail "took ${took} ms to give up with ATTUNE_RETRY=2 s"
	[ ! -s "$BATS_TEST_TMPDIR/w" ] && [ ! -s "$BATS_TEST_TMPDIR/r" ] && [ ! -s "$BATS_TEST_TMPDIR/c" ]
	grep -q "^attune-stream: .*127.0.0.1:$PR_PORT" "$BATS_TEST_TMPDIR/c.err"
	grep -q "^attune-wait: .*127.0.0.1:$PR_PORT" "$BATS_TEST_TMPDIR/w.err"
	grep -q "^attune-approve: .*127.0.0.1:$PR_PORT" "$BATS_TEST_TMPDIR/r.err"
	# and a tool started while it is down waits ATTUNE_RETRY, not more
	t0=$(now_ms)
	ATTUNE_RETRY=1 run --separate-stderr attune-signal --to B t
	assert_failure 69
	took=$(($(now_ms) - t0))
	[ "$took" -ge 800 ] && [ "$took" -le 5000 ] || fail "took ${took} ms with ATTUNE_RETRY=1"
}

# lossy_proxy PORT WORD — a TCP proxy to the private server on PORT: the first command holding
# WORD reaches the server, but its reply is dropped with the connection (a reply lost on the way).
lossy_proxy() {
	cat >"$BATS_TEST_TMPDIR/proxy.py" <<-'EOF'
	import socket, sys, threading, time
	lport, tport, word = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
	dropped = []
	srv = socket.socket()
	srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	srv.bind(("127.0.0.1", lport))
	srv.listen(16)
	srv.settimeout(30)
	def close(*ss):
	    for s in ss:
	        try: s.shutdown(socket.SHUT_RDWR)
	        except OSError: pass
	        s.close()
	def up(c, u, conn):
	    try:
	        while True:
	            d = c.recv(65536)
	            if not d: break
	            if word in d.upper() and not dropped:
	                dropped.append(1); conn["mute"] = True
	                u.sendall(d); time.sleep(0.3); break
	            u.sendall(d)
	    except OSError: pass
	    close(c, u)
	def down(u, c, conn):
	    try:
	        while True:
	            d = u.recv(65536)
	            if not d or conn["mute"]: break
	            c.sendall(d)
	    except OSError: pass
	    close(c, u)
	print("ready", flush=True)
	while True:
	    c, _ = srv.accept()
	    u = socket.create_connection(("127.0.0.1", tport))
	    conn = {"mute": False}
	    threading.Thread(target=up, args=(c, u, conn), daemon=True).start()
	    threading.Thread(target=down, args=(u, c, conn), daemon=True).start()
	EOF
	bg "$BATS_TEST_TMPDIR/proxy.out" timeout -k 5 30 /usr/bin/python3 "$BATS_TEST_TMPDIR/proxy.py" "$1" "$PR_PORT" "$2"
	wait_until 5 grep -q ready "$BATS_TEST_TMPDIR/proxy.out"
}

@test "Redis: a write whose reply was lost is sent again: a counter or an event may count twice, a signal does not" {
	redis_only
	pr_start
	export ATTUNE_STORE="$(pr_url)" ATTUNE_RETRY=5
	local proxy=$((PR_PORT + 1)) via
	via="redis://127.0.0.1:$proxy"
	lossy_proxy "$proxy" HINCRBY
	run --separate-stderr attune-feedback -s "$via" rate tpl good
	assert_success # at least once: no error, the write is there
	run attune-feedback confidence tpl
	jq -e '.good == 2' <<<"$output" || fail "one rating after a lost reply: $output"
	kill $BG
	lossy_proxy "$proxy" XADD
	run --separate-stderr attune-stream -s "$via" publish build '{"n": 1}'
	assert_success
	run attune-stream consume build --from 0 --until-caught-up -f .data.n
	assert_output $'1\n1'
	kill $BG
	lossy_proxy "$proxy" SET
	run --separate-stderr attune-signal -s "$via" --to B t '{"n": 1}'
	assert_success
	run attune-wait -a B -t 0 --drain -f .payload.n
	assert_output 1 # the same key written twice: still one signal
}

# ---- faults: a locked embedded database ----

# hold_lock SECONDS — another writer (the sqlite3 shell) holds the write lock for SECONDS;
# returns once the lock is taken. Its pid in BG.
hold_lock() {
	local db=$ATTUNE_HOME/attune.db
	bg "$BATS_TEST_TMPDIR/lock" bash -c "{ echo 'BEGIN IMMEDIATE;'; echo \"SELECT 'locked';\"; sleep $1; echo 'COMMIT;'; } | sqlite3 '$db'"
	wait_until 5 grep -q locked "$BATS_TEST_TMPDIR/lock"
}

@test "a database locked by another writer is waited for, not failed" {
	sqlite_only
	attune-feedback -q rate tpl good # creates the database
	local t0 took cmd
	for cmd in "attune-signal -q --to B locked" "attune-feedback -q rate tpl good" "attune-beat -q -a w1" \
		"attune-approve request -q -t 0 deploy"; do
		hold_lock 1
		t0=$(now_ms)
		run --separate-stderr $cmd
		took=$(($(now_ms) - t0))
		[ "$took" -ge 700 ] || fail "$cmd did not meet the lock (${took} ms)"
		if [[ $cmd == *request* ]]; then
			assert_failure 124 # written, then not answered at once
		else
			assert_success
		fi
		[ -z "$stderr" ] || fail "$cmd: $stderr"
		reap $BG
	done
	run attune-feedback confidence tpl
	jq -e '.good == 2' <<<"$output"
	run attune-wait -a B -t 0
	assert_success
}

@test "a waiter keeps waiting through a locked database and gets what is sent after it" {
	sqlite_only
	attune-signal -q --to nobody init
	bg "$BATS_TEST_TMPDIR/w" timeout -k 5 10 attune-wait -a B -c 2
	local w=$BG
	sleep 0.3
	hold_lock 1.5
	attune-signal -q --to B during-lock
	sleep 0.3
	attune-signal -q --to B after-lock
	reap $w; assert_equal "$ST" 0
	run jq -r .signal_type "$BATS_TEST_TMPDIR/w"
	assert_output $'during-lock\nafter-lock'
	[ ! -s "$BATS_TEST_TMPDIR/w.err" ]
}

# ---- nothing lost: give-back ----

@test "a signal taken but not written because the reader went away is given back" {
	attune-signal -q --to B targeted '{"n": 1}'
	attune-signal -q --all everyone '{"n": 2}'
	# the reader is gone before the waiter writes: EPIPE
	{ sleep 0.3; timeout -k 5 5 attune-wait -a B -t 0 --type targeted; } | true
	{ sleep 0.3; timeout -k 5 5 attune-wait -a B -t 0 --type everyone; } | true
	{ sleep 0.3; timeout -k 5 5 attune-wait -a B --follow; } | true
	{ sleep 0.3; timeout -k 5 5 attune-wait -a B -t 0 --drain; } | true
	run --separate-stderr timeout -k 5 5 attune-wait -a B -t 0 --drain
	assert_success
	[ -z "$stderr" ]
	run jq -sc 'sort_by(.payload.n) | map([.signal_type, .payload.n])' <<<"$output"
	assert_output '[["targeted",1],["everyone",2]]'
}

# blocked_reader — a fifo whose reader never reads, so a large write blocks. Path in FIFO.
blocked_reader() {
	FIFO=$BATS_TEST_TMPDIR/fifo
	mkfifo "$FIFO"
	sleep 30 <"$FIFO" 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
}

big_payload() {
	/usr/bin/python3 -c "import json; print(json.dumps({'n': $1, 'blob': 'x' * 200000}))"
}

@test "a signal taken but not written when SIGTERM or SIGINT arrives is given back, within a second" {
	big_payload 1 | attune-signal -q -T 10m --to B targeted -
	big_payload 2 | attune-signal -q -T 10m --all everyone -
	local sig type w t0 took
	for sig in TERM INT; do
		for type in targeted everyone; do
			rm -f "$BATS_TEST_TMPDIR/fifo"
			blocked_reader
			# not under timeout(1), so that the signal reaches the tool; the reader's end bounds it
			attune-wait -a B -t 0 --type "$type" >"$FIFO" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
			w=$!
			BG_PIDS="$BG_PIDS $w"
			sleep 0.5 # it took the signal and is stuck writing it
			t0=$(now_ms)
			kill -"$sig" $w
			reap $w
			took=$(($(now_ms) - t0))
			[ "$ST" = $((128 + $(kill -l "$sig"))) ] || fail "SIG$sig to a waiter stuck writing $type: status $ST"
			[ "$took" -lt 1000 ] || fail "SIG$sig to a waiter stuck writing $type: it took ${took} ms to end"
			[ ! -s "$BATS_TEST_TMPDIR/err" ] || fail "$(cat "$BATS_TEST_TMPDIR/err")"
		done
	done
	run --separate-stderr timeout -k 5 5 attune-wait -a B -t 0 --drain
	assert_success
	run jq -sc 'sort_by(.payload.n) | map([.signal_type, .payload.n, (.payload.blob | length)])' <<<"$output"
	assert_output '[["targeted",1,200000],["everyone",2,200000]]'
}

@test "group events not written (reader gone, SIGTERM, SIGINT) stay pending and are delivered again" {
	attune-stream publish -q build '{"n": 1}'
	big_payload 2 | attune-stream publish -q build -
	attune-stream consume build --group g --consumer c1 --from 0 -c 1 -t 0 >/dev/null # creates the group
	# n 2: the reader is gone before it is written
	{ sleep 0.3; timeout -k 5 5 attune-stream consume build --group g --consumer c1 -c 1; } | true
	run attune-stream info build
	jq -e '.groups[0].pending == 1' <<<"$output" || fail "$output"
	# n 2 again (own pending first), stuck on a full pipe, then a signal
	local sig w
	for sig in TERM INT; do
		rm -f "$BATS_TEST_TMPDIR/fifo"
		blocked_reader
		attune-stream consume build --group g --consumer c1 -c 1 >"$FIFO" 3>&- &
		w=$!
		BG_PIDS="$BG_PIDS $w"
		sleep 0.5
		kill -"$sig" $w
		reap $w
		[ "$ST" = $((128 + $(kill -l "$sig"))) ] || fail "SIG$sig: status $ST"
	done
	run attune-stream info build
	jq -e '.groups[0].pending == 1' <<<"$output" || fail "$output"
	# another member takes it over once it is idle long enough; then nothing is pending
	run --separate-stderr timeout -k 5 10 attune-stream consume build --group g --consumer c2 --claim-idle 1ms -c 1 -t 5
	assert_success
	jq -e '.data.n == 2 and (.data.blob | length) == 200000' <<<"$output"
	run attune-stream info build
	jq -e '.groups[0].pending == 0' <<<"$output" || fail "$output"
}

@test "any tool stuck writing a large value to a full pipe ends within a second on SIGTERM" {
	big_payload 1 | attune-signal -q -T 10m --to B t -
	big_payload 2 | attune-stream publish -q big -
	big_payload 3 | attune-beat -q -a w1 -T 10m --meta -
	big_payload 4 | attune-feedback -q score wf st cheap 0.5 --meta -
	local cmd t0 took w bad=
	for cmd in "attune-wait -a B -t 0 --peek" "attune-wait -a B -t 0 --peek -p" "attune-stream consume big --from 0 -c 1" \
		"attune-stream recent big" "attune-stale --alive w1" "attune-beat -a w1 -T 10m" "attune-feedback history wf st"; do
		rm -f "$BATS_TEST_TMPDIR/fifo"
		blocked_reader
		$cmd >"$FIFO" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
		w=$!
		BG_PIDS="$BG_PIDS $w"
		sleep 0.5
		t0=$(now_ms)
		kill -TERM $w
		reap $w
		took=$(($(now_ms) - t0))
		[ "$ST" = 143 ] || bad="$bad
$cmd: status $ST (want 143) $(cat "$BATS_TEST_TMPDIR/err")"
		[ "$took" -lt 1000 ] || bad="$bad
$cmd: ${took} ms to end after SIGTERM"
	done
	[ -z "$bad" ] || fail "stuck writing, then SIGTERM:$bad"
}

# ---- nothing lost: concurrency ----

# count_lines FILE… — total lines, for wait_until.
lines_at_least() {
	local want=$1
	shift
	[ "$(cat "$@" 2>/dev/null | wc -l)" -ge "$want" ]
}

@test "6 concurrent writers x 100 signals reach 3 competing readers exactly once" {
	local r w i
	for r in 1 2 3; do
		bg "$BATS_TEST_TMPDIR/r$r" timeout -k 5 60 attune-wait -a B --follow --poll 0.2
	done
	local readers=${BG_PIDS}
	sleep 0.3
	for w in 1 2 3 4 5 6; do
		if [ $((w % 2)) -eq 0 ]; then # pipelined
			bg "$BATS_TEST_TMPDIR/s$w" bash -c "for i in \$(seq 100); do echo \"{\\\"w\\\": $w, \\\"i\\\": \$i}\"; done |
				attune-signal -q -a w$w --to B --each t"
		else # one process per signal
			bg "$BATS_TEST_TMPDIR/s$w" bash -c "for i in \$(seq 100); do attune-signal -q -a w$w --to B t \"{\\\"w\\\": $w, \\\"i\\\": \$i}\" || exit 1; done"
		fi
		eval "writer$w=$BG"
	done
	for w in 1 2 3 4 5 6; do
		eval "reap \$writer$w"
		assert_equal "$ST" 0
	done
	wait_until 30 lines_at_least 600 "$BATS_TEST_TMPDIR"/r?
	for r in $readers; do kill -TERM "$r" 2>/dev/null; done
	for r in $readers; do reap "$r"; done
	# what a reader was taking when stopped was given back
	timeout -k 5 10 attune-wait -a B -t 0 --drain >"$BATS_TEST_TMPDIR/rest"
	cat "$BATS_TEST_TMPDIR"/r? "$BATS_TEST_TMPDIR/rest" >"$BATS_TEST_TMPDIR/all"
	run jq -sc '[length, (map([.payload.w, .payload.i]) | unique | length), (map(.target_agent) | unique)]' "$BATS_TEST_TMPDIR/all"
	assert_output '[600,600,["B"]]'
	# every reader took a share (they really competed)
	for r in 1 2 3; do [ -s "$BATS_TEST_TMPDIR/r$r" ] || fail "reader $r got nothing"; done
}

@test "broadcasts under concurrency: each agent takes each one once, whatever its number of readers" {
	local a r w
	for a in A B; do
		for r in 1 2; do bg "$BATS_TEST_TMPDIR/$a$r" timeout -k 5 60 attune-wait -a "$a" --follow --poll 0.2; done
	done
	local readers=$BG_PIDS
	sleep 0.3
	for w in 1 2 3; do
		bg "$BATS_TEST_TMPDIR/s$w" bash -c "for i in \$(seq 50); do echo \"{\\\"w\\\": $w, \\\"i\\\": \$i}\"; done |
			attune-signal -q -a w$w --all --each news"
		eval "writer$w=$BG"
	done
	for w in 1 2 3; do
		eval "reap \$writer$w"
		assert_equal "$ST" 0
	done
	wait_until 30 lines_at_least 150 "$BATS_TEST_TMPDIR"/A?
	wait_until 30 lines_at_least 150 "$BATS_TEST_TMPDIR"/B?
	for r in $readers; do kill -TERM "$r" 2>/dev/null; done
	for r in $readers; do reap "$r"; done
	for a in A B; do
		timeout -k 5 10 attune-wait -a "$a" -t 0 --drain >"$BATS_TEST_TMPDIR/${a}rest"
		run jq -sc '[length, (map(.signal_id) | unique | length)]' "$BATS_TEST_TMPDIR/$a"1 "$BATS_TEST_TMPDIR/$a"2 "$BATS_TEST_TMPDIR/${a}rest"
		assert_output '[150,150]'
	done
}

@test "a consumer group of 3 members and 2 publishers x 100 events: each event to exactly one member" {
	attune-stream publish -q build '{"w": 0, "i": 0}'
	attune-stream consume build --group g --consumer c0 --from 0 -c 1 -t 5 >"$BATS_TEST_TMPDIR/m0"
	local m p
	for m in 1 2 3; do
		bg "$BATS_TEST_TMPDIR/m$m" timeout -k 5 60 attune-stream consume build --group g --consumer "c$m"
	done
	local members=$BG_PIDS
	for p in 1 2; do
		bg "$BATS_TEST_TMPDIR/p$p" bash -c "for i in \$(seq 100); do echo \"{\\\"w\\\": $p, \\\"i\\\": \$i}\"; done |
			attune-stream publish -q --each build"
		eval "pub$p=$BG"
	done
	for p in 1 2; do
		eval "reap \$pub$p"
		assert_equal "$ST" 0
	done
	wait_until 30 lines_at_least 201 "$BATS_TEST_TMPDIR"/m?
	for m in $members; do kill -TERM "$m" 2>/dev/null; done
	for m in $members; do reap "$m"; done
	run jq -sc '[length, (map([.data.w, .data.i]) | unique | length)]' "$BATS_TEST_TMPDIR"/m?
	assert_output '[201,201]'
	run attune-stream info build
	jq -e '.groups[0].pending == 0 and .groups[0].lag == 0' <<<"$output" || fail "$output"
}

# ---- nothing lost: --each cut by a bad value ----

@test "attune-signal --each cut by a bad value sends exactly the values before it" {
	local bad
	for bad in '{"a": ' '[1, 2]' '"text"' 'nul' '{"x": 1,}'; do
		run --separate-stderr attune-signal --to "B$RANDOM" --each t <<<"{\"n\": 1} {\"n\": 2}
$bad
{\"n\": 4}"
		assert_failure 65
		[[ $stderr == attune-signal:* ]] || fail "stderr: $stderr"
		[ "$(jq -sc 'map(.payload.n)' <<<"$output")" = "[1,2]" ] || fail "printed for '$bad': $output"
	done
	# what it printed is what was written
	printf '{"n": 1}\n{"n": 2}\n{"n": 3 oops\n{"n": 4}\n' | attune-signal -q --to C --each t || true
	run attune-wait -a C -t 0 --drain
	run jq -sc 'map(.payload.n)' <<<"$output"
	assert_output '[1,2]'
	# an oversized value cuts it too
	{
		echo '{"n": 1}'
		/usr/bin/python3 -c "import json; print(json.dumps({'n': 2, 'blob': 'x' * 1048576}))"
		echo '{"n": 3}'
	} | { attune-signal -q --to D --each t 2>"$BATS_TEST_TMPDIR/err" || echo "status $?" >"$BATS_TEST_TMPDIR/st"; }
	assert_equal "$(cat "$BATS_TEST_TMPDIR/st")" "status 65"
	grep -q '1 MiB' "$BATS_TEST_TMPDIR/err"
	run attune-wait -a D -t 0 --drain
	run jq -sc 'map(.payload.n)' <<<"$output"
	assert_output '[1]'
}

@test "attune-stream publish --each cut by a bad value publishes exactly the values before it" {
	local bad n=0
	for bad in '{"a": ' '[1, 2]' '"text"' 'nul' '{"x": 1,}'; do
		n=$((n + 1))
		run --separate-stderr attune-stream publish --each "t$n" <<<"{\"n\": 1} {\"n\": 2}
$bad
{\"n\": 4}"
		assert_failure 65
		[[ $stderr == attune-stream:* ]] || fail "stderr: $stderr"
		[ "$(wc -l <<<"$output")" -eq 2 ] || fail "printed for '$bad': $output"
		run attune-stream consume "t$n" --from 0 --until-caught-up
		[ "$(jq -sc 'map(.data.n)' <<<"$output")" = "[1,2]" ] || fail "published for '$bad': $output"
	done
	{
		echo '{"n": 1}'
		/usr/bin/python3 -c "import json; print(json.dumps({'n': 2, 'blob': 'x' * 1048576}))"
		echo '{"n": 3}'
	} | { attune-stream publish -q --each big 2>"$BATS_TEST_TMPDIR/err" || echo "status $?" >"$BATS_TEST_TMPDIR/st"; }
	assert_equal "$(cat "$BATS_TEST_TMPDIR/st")" "status 65"
	grep -q '1 MiB' "$BATS_TEST_TMPDIR/err"
	run attune-stream consume big --from 0 --until-caught-up -f .data.n
	assert_output 1
}

# ---- bad input: random bytes, oversized values ----

# garbage SEED — 4096 bytes: seeds 1-3 raw random bytes, 4-6 random JSON-like tokens.
garbage() {
	/usr/bin/python3 - "$1" <<-'EOF'
	import random, sys
	seed = int(sys.argv[1]); r = random.Random(seed)
	if seed <= 3:
	    sys.stdout.buffer.write(r.randbytes(4096))
	else:
	    toks = ['{', '}', '[', ']', '"', ':', ',', '1', '-', '.5e', 'true', 'nul', '"a"', '\\u12', '\\', ' ', '\n', '\xff', '\x00']
	    out = ''.join(r.choice(toks) for _ in range(2000))
	    sys.stdout.buffer.write(out.encode('latin-1')[:4096])
	EOF
}

# store_empty — nothing of this test's namespace in the store (keys, streams, hashes).
store_empty() {
	local keys
	if [ "${STORE:-sqlite}" = redis ]; then
		keys=$(rcli --scan --pattern "$ATTUNE_NAMESPACE:*" | grep -v ':attune:wake:' || true)
	elif [ -f "$ATTUNE_HOME/attune.db" ]; then
		keys=$(sqlite3 "$ATTUNE_HOME/attune.db" "SELECT key FROM kv WHERE key LIKE '$ATTUNE_NAMESPACE:%'")
	fi
	[ -z "$keys" ] || { echo "written: $keys" >&2; return 1; }
}

# The tools reading a JSON value (or a stream of them) on stdin.
STDIN_READERS=(
	"attune-signal --to B t -"
	"attune-signal --to B --each t"
	"attune-approve request -t 1 deploy -"
	"attune-beat -a w1 --meta -"
	"attune-feedback import -"
	"attune-feedback import /dev/stdin"
	"attune-feedback score wf st cheap 0.5 --meta -"
	"attune-stream publish build -"
	"attune-stream publish --each build"
)

@test "random bytes on stdin: exit 65 with a message, never a crash, nothing printed or written" {
	local seed cmd
	for seed in 1 2 3 4 5 6; do
		garbage "$seed" >"$BATS_TEST_TMPDIR/in$seed"
	done
	for cmd in "${STDIN_READERS[@]}" "attune-feedback query t --source s --mode m --found --meta -"; do
		for seed in 1 2 3 4 5 6; do
			run --separate-stderr timeout -k 5 10 $cmd <"$BATS_TEST_TMPDIR/in$seed"
			[ "$status" -eq 65 ] || fail "$cmd < garbage $seed: status $status, stderr: $stderr"
			[ -z "$output" ] || fail "$cmd < garbage $seed printed: $output"
			[[ $stderr == "${cmd%% *}: "* ]] || fail "$cmd < garbage $seed: stderr: $stderr"
			[ "$(wc -l <<<"$stderr")" -le 2 ] || fail "$cmd: a long message: $stderr"
		done
	done
	store_empty
	[ ! -s "$ATTUNE_HOME/telemetry/help_queries.jsonl" ]
}

@test "random bytes in the report logs: skipped and counted, never a crash" {
	local seed f r
	mkdir -p "$ATTUNE_HOME/telemetry" "$BATS_TEST_TMPDIR/p/.attune"
	garbage 1 >"$ATTUNE_HOME/telemetry/usage.jsonl"
	garbage 5 >"$ATTUNE_HOME/telemetry/usage.2026-01-01.jsonl"
	seed=2
	for f in llm_calls workflow_runs task_routing test_executions coverage_history agent_assignments file_tests; do
		garbage $((seed++ % 6 + 1)) >"$BATS_TEST_TMPDIR/p/.attune/$f.jsonl"
	done
	cd "$BATS_TEST_TMPDIR/p"
	for r in usage savings cache compare models sonnet-opus tier1 routing tests file-tests coverage agents export; do
		run --separate-stderr timeout -k 5 10 attune-report "$r" -o json
		[ "$status" -eq 0 ] || fail "attune-report $r: status $status, stderr: $stderr"
		jq -e . <<<"$output" >/dev/null || fail "attune-report $r -o json: not JSON: $output"
		[[ $stderr == *"skipped "*" malformed line"* ]] || fail "attune-report $r: stderr: $stderr"
	done
}

@test "values over 1 MiB exit 65 and write nothing; just under 1 MiB is accepted" {
	/usr/bin/python3 -c "import json; print(json.dumps({'blob': 'x' * 1048576}))" >"$BATS_TEST_TMPDIR/big"
	local cmd
	for cmd in "${STDIN_READERS[@]}" "attune-feedback query t --source s --mode m --found --meta -"; do
		run --separate-stderr timeout -k 5 10 $cmd <"$BATS_TEST_TMPDIR/big"
		[ "$status" -eq 65 ] || fail "$cmd < 1 MiB + 13: status $status"
		[ -z "$output" ] || fail "$cmd printed: ${output:0:100}"
		[[ $stderr == *"1 MiB"* ]] || fail "$cmd: stderr does not say why: $stderr"
	done
	store_empty
	[ ! -s "$ATTUNE_HOME/telemetry/help_queries.jsonl" ]
	/usr/bin/python3 -c "import json; print(json.dumps({'blob': 'y' * 1000000}))" >"$BATS_TEST_TMPDIR/near"
	run attune-signal -q --to B t - <"$BATS_TEST_TMPDIR/near"
	assert_success
	run attune-beat -q -a w1 --meta - <"$BATS_TEST_TMPDIR/near"
	assert_success
	run attune-wait -a B -t 0 -f '.payload.blob | length'
	assert_output 1000000
}

# ---- bad input: every option with a bad value ----

# One line per option that takes a value: TOOL | OPTION | BAD-VALUE | STATUS | CONTEXT (the
# tool's other arguments; BAD-VALUE and CONTEXT are shell words). BAD-VALUE "-" marks a free-text option (anything goes).
# Every value option of each tool's --help must have a line (checked), so a new option needs one.
BAD_OPTIONS=$(cat <<'EOF2'
signal   | --to          | a:b             | 2  | t
signal   | -a            | a*b             | 2  | --to B t
signal   | --agent       | 'a b'           | 2  | --to B t
signal   | -T            | -1              | 2  | --to B t
signal   | --ttl         | 0               | 2  | --to B t
signal   | -s            | nope://x        | 2  | --to B t
signal   | --store       | redis://h:99999 | 2  | --to B t
signal   | --namespace   | a:b             | 2  | --to B t
wait     | -a            | a:b             | 2  | -t 0
wait     | --agent       | ''              | 2  | -t 0
wait     | --type        | a*b             | 2  | -a B -t 0
wait     | --from        | 'a b'           | 2  | -a B -t 0
wait     | -f            | '((('           | 2  | -a B -t 0
wait     | --filter      | '.a.['          | 2  | -a B -t 0
wait     | -t            | -1              | 2  | -a B
wait     | --timeout     | 1y              | 2  | -a B
wait     | -c            | 0               | 2  | -a B -t 0
wait     | --count       | x               | 2  | -a B -t 0
wait     | --poll        | -1              | 2  | -a B -t 0
wait     | -s            | x://y           | 2  | -a B -t 0
wait     | --store       | sqlite://       | 2  | -a B -t 0
wait     | --namespace   | 'a b'           | 2  | -a B -t 0
approve  | -s            | nope://x        | 2  | list
approve  | --store       | unix://rel      | 2  | list
approve  | --namespace   | 'a*'            | 2  | list
approve  | -a            | a:b             | 2  | request -t 1 deploy
approve  | --agent       | ''              | 2  | request -t 1 deploy
approve  | -t            | 1x              | 2  | request deploy
approve  | --timeout     | -2              | 2  | request deploy
approve  | --poll        | x               | 2  | request -t 1 deploy
approve  | --type        | a:b             | 2  | list
approve  | -f            | '((('           | 2  | list
approve  | --filter      | '.['            | 2  | list
approve  | -o            | csv             | 2  | list
approve  | --format      | nope            | 2  | list
approve  | -r            | -               | -  |
approve  | --reason      | -               | -  |
approve  | --as          | -               | -  |
beat     | -a            | a:b             | 2  |
beat     | --agent       | ''              | 2  |
beat     | --status      | 'a b'           | 2  | -a w1
beat     | --progress    | 1.5             | 2  | -a w1
beat     | --meta        | '{x'            | 65 | -a w1
beat     | --task        | -               | -  |
beat     | --name        | -               | -  |
beat     | -T            | 0               | 2  | -a w1
beat     | --ttl         | -1              | 2  | -a w1
beat     | --every       | 0               | 2  | -a w1 -- true
beat     | -s            | nope://x        | 2  | -a w1
beat     | --store       | redis://:1/x    | 2  | -a w1
beat     | --namespace   | a:b             | 2  | -a w1
stale    | -t            | x               | 2  |
stale    | --timeout     | -1              | 2  |
stale    | --alive       | a:b             | 2  |
stale    | --forget      | 'a b'           | 2  |
stale    | --interval    | 0               | 2  | --watch
stale    | -o            | html            | 2  |
stale    | --format      | csv             | 2  |
stale    | -s            | x               | 2  |
stale    | --store       | nope://         | 2  |
stale    | --namespace   | 'a*'            | 2  |
report   | --days        | 0               | 2  | usage
report   | --hours       | x               | 2  | usage
report   | --dir         | /nonexistent/d  | 2  | tests
report   | --limit       | 0               | 2  | usage
report   | --file        | -               | -  |
report   | --period1     | -1              | 2  | compare
report   | --period2     | x               | 2  | compare
report   | --provider    | -               | -  |
report   | -o            | nope            | 2  | usage
report   | --format      | yaml            | 2  | usage
feedback | -s            | nope://x        | 2  | list
feedback | --store       | redis://h:0     | 2  | list
feedback | --namespace   | a:b             | 2  | list
feedback | -c            | 0               | 2  | list
feedback | --count       | -1              | 2  | list
feedback | -o            | csv             | 2  | list
feedback | --format      | prometheus      | 2  | list
feedback | --sort        | best            | 2  | list
feedback | --tier        | gold            | 2  | history wf st
feedback | --meta        | '[1]'           | 65 | score wf st cheap 0.5
feedback | --threshold   | 2               | 2  | underperforming wf
feedback | --source      | -               | -  |
feedback | --mode        | -               | -  |
feedback | --duration-ms | -1              | 2  | query t --source s --mode m --found
feedback | --days        | 0               | 2  | queries
stream   | -s            | nope://x        | 2  | list
stream   | --store       | unix://rel      | 2  | list
stream   | --namespace   | 'a b'           | 2  | list
stream   | --source      | -               | -  |
stream   | --maxlen      | -1              | 2  | publish build
stream   | --from        | nope            | 2  | consume build -t 0
stream   | --group       | a:b             | 2  | consume build --consumer c -t 0
stream   | --consumer    | 'a b'           | 2  | consume build --group g -t 0
stream   | --claim-idle  | x               | 2  | consume build --group g --consumer c -t 0
stream   | -a            | a:b             | 2  | consume build -t 0
stream   | --agent       | ''              | 2  | consume build -t 0
stream   | -c            | 0               | 2  | consume build -t 0
stream   | --count       | 1.5             | 2  | recent build
stream   | -t            | x               | 2  | consume build
stream   | --timeout     | -1              | 2  | consume build
stream   | -f            | '((('           | 2  | consume build -t 0
stream   | --filter      | '.['            | 2  | consume build -t 0
EOF2
)

# options_with_values TOOL — every option of --help that takes a value.
options_with_values() {
	"attune-$1" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+ [A-Z][A-Za-z_|.]*(, --[a-z0-9-]+ [A-Z]+)?' |
		grep -oE -- '(^ +-[a-zA-Z]|--[a-z0-9-]+)' | tr -d ' '
}

@test "every option with a bad value exits 2 (65 for bad JSON), says so, prints and writes nothing" {
	local tool opt val want ctx n=0
	local -a args
	for tool in signal wait approve beat stale report feedback stream; do
		command -v "attune-$tool" >/dev/null || continue
		for opt in $(options_with_values "$tool"); do
			grep -qE "^$tool +\| $opt +\|" <<<"$BAD_OPTIONS" || fail "attune-$tool $opt: no line in BAD_OPTIONS"
		done
	done
	while IFS='|' read -r tool opt val want ctx; do
		tool=${tool// /} opt=${opt// /} want=${want// /}
		val=${val#"${val%%[! ]*}"} && val=${val%"${val##*[! ]}"}
		command -v "attune-$tool" >/dev/null || continue
		[ "$want" != - ] || continue
		eval "val=$val"
		eval "args=($ctx)"
		n=$((n + 1))
		# options may stand before or after the other arguments
		run --separate-stderr timeout -k 5 10 "attune-$tool" "$opt" "$val" "${args[@]}"
		[ "$status" -eq "$want" ] || fail "attune-$tool $opt '$val' $ctx: status $status (want $want): $stderr"
		[ -z "$output" ] || fail "attune-$tool $opt '$val' $ctx: printed $output"
		[[ $stderr == "attune-$tool: "* ]] || fail "attune-$tool $opt '$val': stderr: $stderr"
		[ "$want" != 2 ] || [ -z "$val" ] || [[ $stderr == *"$val"* ]] ||
			fail "attune-$tool $opt '$val': the message does not name the value: $stderr"
		[[ " $ctx " != *" -- "* ]] || continue
		run --separate-stderr timeout -k 5 10 "attune-$tool" "${args[@]}" "$opt" "$val"
		[ "$status" -eq "$want" ] || fail "attune-$tool $ctx $opt '$val': status $status (want $want)"
	done <<<"$BAD_OPTIONS"
	[ "$n" -gt 60 ]
	store_empty
}
