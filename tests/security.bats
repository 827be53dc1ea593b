#!/usr/bin/env bats
# Security: file modes of the embedded database, Redis passwords (where they may come from, never
# echoed), refusals (wrong password, ACL) as 77 naming the operation, and keys built only from
# validated ids, so that no input reaches another agent's keys. Runs once per store.
load helper
load private_redis
bats_require_minimum_version 1.5.0

teardown() {
	pr_stop
}

sqlite_only() {
	[ "${STORE:-sqlite}" = sqlite ] || skip "embedded store only"
}

# One read-or-write command per tool that opens the store (the tool's arguments).
STORE_COMMANDS=(
	"signal --to B t"
	"wait -a B -t 0"
	"beat -a w1"
	"stale"
	"approve list"
	"approve request -t 0 deploy"
	"feedback confidence tpl"
	"feedback rate tpl good"
	"stream list"
	"stream publish build"
)

# each_command — the STORE_COMMANDS whose tool is built, one a line.
each_command() {
	local c
	for c in "${STORE_COMMANDS[@]}"; do
		command -v "attune-${c%% *}" >/dev/null && echo "$c"
	done
}

mode_of() {
	stat -c %a "$1"
}

# ---- the embedded database ----

@test "the database file is 0600 and the folders made for it 0700, even with umask 000" {
	sqlite_only
	local c n=0 dir
	while read -r c; do
		n=$((n + 1))
		dir=$BATS_TEST_TMPDIR/u$n
		run --separate-stderr bash -c "umask 000 && attune-$c -s sqlite://$dir/a/b/attune.db"
		[[ " 0 1 124 " == *" $status "* ]] || fail "attune-$c: status $status: $stderr"
		[ "$(mode_of "$dir/a/b/attune.db")" = 600 ] || fail "attune-$c: database mode $(mode_of "$dir/a/b/attune.db")"
		[ "$(mode_of "$dir/a/b")" = 700 ] && [ "$(mode_of "$dir/a")" = 700 ] && [ "$(mode_of "$dir")" = 700 ] ||
			fail "attune-$c: folders $(mode_of "$dir") $(mode_of "$dir/a") $(mode_of "$dir/a/b")"
		local f
		for f in "$dir"/a/b/attune.db-*; do
			[ -e "$f" ] || continue
			[ "$(mode_of "$f")" = 600 ] || fail "attune-$c: $f has mode $(mode_of "$f")"
		done
	done < <(each_command)
	[ "$n" -ge 5 ]
	# the default place, $HOME/.attune
	mkdir "$BATS_TEST_TMPDIR/home2"
	(umask 000 && HOME=$BATS_TEST_TMPDIR/home2 ATTUNE_HOME= ATTUNE_STORE= attune-signal -q --to B t)
	assert_equal "$(mode_of "$BATS_TEST_TMPDIR/home2/.attune")" 700
	assert_equal "$(mode_of "$BATS_TEST_TMPDIR/home2/.attune/attune.db")" 600
	# a folder that exists is left as it is (it is the user's)
	mkdir -m 755 "$BATS_TEST_TMPDIR/mine"
	attune-signal -q -s "sqlite://$BATS_TEST_TMPDIR/mine/x.db" --to B t
	assert_equal "$(mode_of "$BATS_TEST_TMPDIR/mine")" 755
	assert_equal "$(mode_of "$BATS_TEST_TMPDIR/mine/x.db")" 600
}

@test "a database that cannot be opened is 69 (not a crash), saying which file" {
	sqlite_only
	mkdir -p "$BATS_TEST_TMPDIR/d"
	echo "not a database" >"$BATS_TEST_TMPDIR/d/bad.db"
	run --separate-stderr attune-signal -s "sqlite://$BATS_TEST_TMPDIR/d/bad.db" --to B t
	assert_failure 69
	[[ $stderr == "attune-signal: cannot open database $BATS_TEST_TMPDIR/d/bad.db: file is not a database" ]] ||
		fail "$stderr"
	run --separate-stderr attune-signal -s "sqlite://$BATS_TEST_TMPDIR/d/bad.db/x.db" --to B t
	assert_failure 69
	[[ $stderr == attune-signal:*"bad.db/x.db"* ]]
}

# ---- Redis passwords ----

PW=S3cret-Right-pw
WRONG=Wr0ng-guess-pw

# refused CMD… — exit 77, nothing printed, no password in the message, which names the operation.
refused() {
	run --separate-stderr timeout -k 5 10 "$@"
	[ "$status" -eq 77 ] || fail "$*: status $status (want 77): $stderr"
	[ -z "$output" ] || fail "$*: printed $output"
	[[ $stderr != *"$PW"* && $stderr != *"$WRONG"* ]] || fail "$*: a password in the message: $stderr"
	[[ $stderr == *"not permitted"* ]] || fail "$*: $stderr"
	[[ $stderr =~ "not permitted: "[A-Z]+" " ]] || fail "$*: the refused operation is not named: $stderr"
}

@test "a password comes from the URL, ATTUNE_REDIS_PASSWORD or ATTUNE_REDIS_PASSWORD_FILE" {
	redis_only
	pr_start --requirepass "$PW"
	local c url="redis://127.0.0.1:$PR_PORT"
	echo "$PW" >"$BATS_TEST_TMPDIR/pw"
	while read -r c; do
		run --separate-stderr eval "attune-$c -s redis://:$PW@127.0.0.1:$PR_PORT"
		[[ " 0 1 124 " == *" $status "* ]] || fail "URL: attune-$c: $status $stderr"
		run --separate-stderr env ATTUNE_REDIS_PASSWORD="$PW" bash -c "attune-$c -s $url"
		[[ " 0 1 124 " == *" $status "* ]] || fail "ATTUNE_REDIS_PASSWORD: attune-$c: $status $stderr"
		run --separate-stderr env ATTUNE_REDIS_PASSWORD_FILE="$BATS_TEST_TMPDIR/pw" bash -c "attune-$c -s $url"
		[[ " 0 1 124 " == *" $status "* ]] || fail "ATTUNE_REDIS_PASSWORD_FILE: attune-$c: $status $stderr"
		[[ $output != *"$PW"* ]] || fail "attune-$c printed the password"
	done < <(each_command)
	# the URL's password wins over the environment
	ATTUNE_REDIS_PASSWORD=$WRONG run attune-signal -q -s "redis://:$PW@127.0.0.1:$PR_PORT" --to B t
	assert_success
}

@test "a wrong or missing password is 77 and never echoed, however it was given" {
	redis_only
	pr_start --requirepass "$PW"
	local c url="redis://127.0.0.1:$PR_PORT"
	echo "$WRONG" >"$BATS_TEST_TMPDIR/pw"
	while read -r c; do
		eval "refused attune-$c -s redis://:$WRONG@127.0.0.1:$PR_PORT"
		eval "refused attune-$c -s redis://someone:$WRONG@127.0.0.1:$PR_PORT"
		ATTUNE_REDIS_PASSWORD=$WRONG eval "refused attune-$c -s $url"
		ATTUNE_REDIS_PASSWORD_FILE=$BATS_TEST_TMPDIR/pw eval "refused attune-$c -s $url"
		eval "refused attune-$c -s $url" # none at all: NOAUTH
	done < <(each_command)
	# nor when the server cannot be reached
	ATTUNE_RETRY=0 run --separate-stderr attune-signal -s "redis://:$WRONG@127.0.0.1:1" --to B t
	assert_failure 69
	[[ $stderr != *"$WRONG"* ]] || fail "$stderr"
	# nor when the URL is bad
	run --separate-stderr attune-signal -s "redis://:$WRONG@127.0.0.1:99999" --to B t
	assert_failure 2
	[[ $stderr != *"$WRONG"* ]] || fail "$stderr"
	run --separate-stderr attune-signal -s "redis://u:$WRONG@127.0.0.1:1/x" --to B t
	assert_failure 2
	[[ $stderr != *"$WRONG"* ]] || fail "$stderr"
	# an unreadable password file is named, its content is not
	ATTUNE_REDIS_PASSWORD_FILE=$BATS_TEST_TMPDIR/none run --separate-stderr attune-signal -s "$url" --to B t
	assert_failure
	[[ $stderr == *"$BATS_TEST_TMPDIR/none"* ]]
}

@test "ACL refusals are 77, naming the refused operation: a read-only user, a user of other keys" {
	redis_only
	pr_start
	pr_cli ACL SETUSER reader on '>rpw' '~*' '&*' +@read +@connection +subscribe +psubscribe >/dev/null
	pr_cli ACL SETUSER other on '>opw' '~other:*' '&*' +@all >/dev/null
	local reader="redis://reader:rpw@127.0.0.1:$PR_PORT" other="redis://other:opw@127.0.0.1:$PR_PORT"
	# a read-only user can read, not write
	refused attune-signal -s "$reader" --to B t
	refused attune-beat -s "$reader" -a w1
	refused attune-approve -s "$reader" request -t 1 deploy
	refused attune-feedback -s "$reader" rate tpl good
	if command -v attune-stream >/dev/null; then refused attune-stream -s "$reader" publish build; fi
	run attune-feedback -s "$reader" confidence tpl
	assert_success
	run attune-stale -s "$reader"
	assert_success
	# a user of other keys is refused ours, reading or writing
	refused attune-signal -s "$other" --to B t
	refused attune-beat -s "$other" -a w1
	refused attune-stale -s "$other"
	refused attune-feedback -s "$other" confidence tpl
	if command -v attune-stream >/dev/null; then refused attune-stream -s "$other" consume build --from 0 -t 0; fi
	# with a signal pending, a receiver that may read but not delete does not take it
	attune-signal -q -s "redis://127.0.0.1:$PR_PORT" --to B t
	refused attune-wait -s "$reader" -a B -t 0
	run attune-wait -s "redis://127.0.0.1:$PR_PORT" -a B -t 0
	assert_success
}

# ---- keys come only from validated ids ----

# Every place an id is given, with @ for the id. ATTUNE_AGENT and the namespace too.
ID_PLACES=(
	"signal --to @ t" "signal -a @ --to B t" "signal --to B @" "signal --all @"
	"wait -a @ -t 0" "wait -a B --type @ -t 0" "wait -a B --from @ -t 0"
	"beat -a @" "beat -a w1 --status @" "beat -a w1 --stop --status @"
	"stale --alive @" "stale --forget @"
	"approve request -t 0 @" "approve request -a @ -t 0 deploy" "approve list --type @" "approve show @"
	"approve respond @ --approve"
	"feedback rate @ good" "feedback confidence @" "feedback score @ st cheap 0.5" "feedback score wf @ cheap 0.5"
	"feedback history @ st" "feedback history wf @" "feedback stats wf @" "feedback recommend @ st"
	"feedback underperforming @" "feedback clear @" "feedback clear wf @"
	"stream publish @" "stream consume @ -t 0" "stream recent @" "stream info @" "stream trim @ --maxlen 1"
	"stream delete @" "stream consume build --group @ --consumer c -t 0" "stream consume build --group g --consumer @ -t 0"
)
BAD_IDS=('a:b' 'a*' '*' 'a?' '[a]' 'a\b' 'a b' $'a\tb' $'a\nb' '' 'é' "$(printf 'x%.0s' {1..129})")

@test "ids with : * ? [ ] \\ spaces, control or non-ASCII characters, empty or over 128 bytes: 2, nothing written" {
	local place id n=0
	local -a argv
	for place in "${ID_PLACES[@]}"; do
		command -v "attune-${place%% *}" >/dev/null || continue
		for id in "${BAD_IDS[@]}"; do
			argv=()
			local w
			for w in $place; do
				[ "$w" = @ ] && argv+=("$id") || argv+=("$w")
			done
			n=$((n + 1))
			run --separate-stderr timeout -k 5 10 "attune-${argv[0]}" "${argv[@]:1}"
			[ "$status" -eq 2 ] || fail "attune-$place with '$id': status $status: $stderr"
			[ -z "$output" ] || fail "attune-$place with '$id': printed $output"
		done
	done
	[ "$n" -gt 200 ]
	for id in 'a:b' 'a*' 'a b' ''; do
		ATTUNE_AGENT=$id run attune-wait -t 0
		assert_failure 2
		ATTUNE_NAMESPACE=$id run attune-signal --to B t
		[ -z "$id" ] || assert_failure 2
	done
	# nothing of this test's namespace was written
	if [ "${STORE:-sqlite}" = redis ]; then
		assert_equal "$(rcli --scan --pattern "$ATTUNE_NAMESPACE:*" | grep -vc ':attune:wake:')" 0
	elif [ -f "$ATTUNE_HOME/attune.db" ]; then
		assert_equal "$(sqlite3 "$ATTUNE_HOME/attune.db" "SELECT count(*) FROM kv WHERE key LIKE '$ATTUNE_NAMESPACE:%'")" 0
	fi
}

@test "ids made of dots and slashes stay keys: no file is made, no other agent is reached" {
	attune-signal -q --to .. t '{"n": 1}'
	attune-signal -q --to ../B t '{"n": 2}'
	attune-signal -q --to B t '{"n": 3}'
	run attune-wait -a .. -t 0 --drain -f .payload.n
	assert_output 1
	run attune-wait -a ../B -t 0 --drain -f .payload.n
	assert_output 2
	run attune-wait -a B -t 0 --drain -f .payload.n
	assert_output 3
	attune-beat -q -a ../../etc/x
	attune-feedback -q rate ../../tpl good
	run find "$BATS_TEST_TMPDIR" -newer "$BATS_TEST_TMPDIR" -name 'x*' -o -name '*tpl*' -o -name B
	assert_output ''
}

@test "fields in a payload, context, metadata or event cannot redirect what is written" {
	# a signal's payload naming another target, type, id or sender
	attune-signal -q -a honest --to B t '{"target_agent": "C", "signal_type": "other", "signal_id": "signal_00000000", "source_agent": "evil", "ttl_seconds": 1}'
	run attune-wait -a C -t 0
	assert_failure 124
	run --separate-stderr attune-wait -a B -t 0
	assert_success
	jq -e '.target_agent == "B" and .signal_type == "t" and .source_agent == "honest" and .ttl_seconds == 60
		and .signal_id != "signal_00000000" and .payload.target_agent == "C" and .payload.source_agent == "evil"' <<<"$output"
	# a broadcast's payload naming a target stays a broadcast
	attune-signal -q --all t '{"target_agent": "C"}'
	run attune-wait -a D -t 0 -f .target_agent
	assert_output null
	# an approval's context naming another id or status
	run attune-approve request -a bot -t 0 deploy '{"request_id": "approval_00000000", "status": "approved", "approval_type": "other"}'
	assert_failure 124
	jq -e '.request_id != "approval_00000000" and .approved == false' <<<"$output"
	run attune-approve show approval_00000000
	assert_failure 1
	# a heartbeat's metadata naming another agent or status
	attune-beat -q -a w1 --meta '{"agent_id": "w2", "status": "failed", "last_beat": "2000-01-01T00:00:00"}'
	run attune-stale --alive w2
	assert_failure 1
	run attune-stale --alive w1
	assert_success
	jq -e '.agent_id == "w1" and .status == "running" and .metadata.agent_id == "w2"' <<<"$output"
	# a feedback entry's metadata naming another tier
	run attune-feedback score wf st cheap 0.5 --meta '{"tier": "premium", "workflow_name": "x"}'
	jq -e '.tier == "cheap" and .workflow_name == "wf" and .metadata.tier == "premium"' <<<"$output"
	# an event's data naming another type
	if command -v attune-stream >/dev/null; then
		attune-stream publish -q build '{"event_type": "deploy", "source": "evil"}'
		run attune-stream consume deploy --from 0 -t 0
		assert_failure 124
		run attune-stream consume build --from 0 -c 1 -t 2
		jq -e '.event_type == "build" and .source == "attune" and .data.event_type == "deploy"' <<<"$output"
	fi
}

@test "Redis: a waiter sees its own and broadcast keys only (the broadcast * matched literally)" {
	redis_only
	local ns=$ATTUNE_NAMESPACE now
	now=$(date -u +%Y-%m-%dT%H:%M:%S.000000+00:00)
	# written as attune-ai would: to another agent, to an agent whose name starts like ours, a broadcast
	local s
	for s in "Z:t:signal_0000000a" "BB:t:signal_0000000b" "*:t:signal_0000000c"; do
		rcli SET "$ns:empathy:signal:$s" "{\"signal_id\": \"${s##*:}\", \"signal_type\": \"t\", \"source_agent\": \"py\", \"target_agent\": null, \"payload\": {}, \"timestamp\": \"$now\", \"ttl_seconds\": 60}" EX 60 >/dev/null
	done
	run attune-wait -a B -t 0 --drain -f .signal_id
	assert_output '"signal_0000000c"'
	run bash -c 'attune-wait -a Z -t 0 --drain -f .signal_id | sort'
	assert_output '"signal_0000000a"'$'\n''"signal_0000000c"'
}
