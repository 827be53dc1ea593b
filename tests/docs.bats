#!/usr/bin/env bats
# stores: once
# Every tool: --help, --version, unknown options, a clean man page, complete completions.
load helper

tools() {
	local t
	for t in "$ATTUNE_BIN"/attune-*; do basename "$t"; done
}

long_options() {
	"$1" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u
}

@test "there are tools to check" {
	run tools
	assert_success
	refute_output ""
}

@test "--help prints usage to stdout and exits 0" {
	for t in $(tools); do
		run "$t" --help
		assert_success
		assert_output --partial "usage: $t"
		run "$t" -h
		assert_success
	done
}

@test "--version prints the name and version" {
	for t in $(tools); do
		run --separate-stderr "$t" --version
		assert_success
		assert_output --regexp "^$t [0-9]+\.[0-9]+\.[0-9]+$"
	done
}

@test "an unknown option exits 2 with a one-line hint on stderr" {
	for t in $(tools); do
		run --separate-stderr "$t" --no-such-option
		assert_failure 2
		assert_output ""
		[[ $stderr == *"$t: unknown option '--no-such-option'"* ]]
		[[ $stderr == *"Try '$t --help'"* ]]
	done
}

@test "every tool has a man page that groff lints without warnings" {
	for t in $(tools); do
		[ -f "$ATTUNE_ROOT/man/$t.1" ] || fail "no man/$t.1"
	done
	for m in "$ATTUNE_ROOT"/man/*.[17]; do
		run sh -c "groff -mdoc -ww -z '$m' 2>&1"
		assert_success
		assert_output ""
	done
}

@test "man pages have the required sections" {
	for m in "$ATTUNE_ROOT"/man/*.[17]; do
		for s in NAME SYNOPSIS DESCRIPTION ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -q "^\.Sh $s" "$m" || fail "$(basename "$m") lacks section $s"
		done
	done
}

@test "every long option in --help is in the bash, zsh and fish completions" {
	local c="$ATTUNE_ROOT/completions" o
	for t in $(tools); do
		for f in "$c/$t.bash" "$c/_$t" "$c/$t.fish"; do
			[ -f "$f" ] || fail "missing $f"
		done
		for o in $(long_options "$t"); do
			grep -q -- "$o\b" "$c/$t.bash" || fail "$t.bash lacks $o"
			grep -q -- "$o\b" "$c/_$t" || fail "_$t lacks $o"
			grep -qE -- "(-l|--long) +['\"]?${o#--}\b" "$c/$t.fish" || fail "$t.fish lacks $o"
		done
	done
}

@test "completion files load in bash, and zsh/fish files are syntactically valid where the shell exists" {
	for t in $(tools); do
		run bash -c "source '$ATTUNE_ROOT/completions/$t.bash' && complete -p $t"
		assert_success
		if command -v zsh >/dev/null; then zsh -n "$ATTUNE_ROOT/completions/_$t"; fi
		if command -v fish >/dev/null; then fish -n "$ATTUNE_ROOT/completions/$t.fish"; fi
	done
}
