#!/usr/bin/env bats
# stores: once
# make install / uninstall into a temporary DESTDIR.
load helper

@test "make install puts tools, man pages and completions in place, uninstall removes them" {
	local d="$BATS_TEST_TMPDIR/dest" t
	run make -C "$ATTUNE_ROOT" --no-print-directory install DESTDIR="$d" PREFIX=/usr BUILD="${BUILD:-build}"
	assert_success
	for t in "$ATTUNE_BIN"/attune-*; do
		t=$(basename "$t")
		[ -x "$d/usr/bin/$t" ] || fail "no $t"
		[ -f "$d/usr/share/man/man1/$t.1" ] || fail "no man page for $t"
		[ -f "$d/usr/share/bash-completion/completions/$t" ] || fail "no bash completion for $t"
		[ -f "$d/usr/share/zsh/site-functions/_$t" ] || fail "no zsh completion for $t"
		[ -f "$d/usr/share/fish/vendor_completions.d/$t.fish" ] || fail "no fish completion for $t"
	done
	[ -f "$d/usr/share/man/man7/attune.7" ]
	run "$d/usr/bin/$t" --version
	assert_success
	run groff -mdoc -Tutf8 "$d/usr/share/man/man1/$t.1"
	assert_success
	assert_output --partial "$t"
	run make -C "$ATTUNE_ROOT" --no-print-directory uninstall DESTDIR="$d" PREFIX=/usr BUILD="${BUILD:-build}"
	assert_success
	run find "$d" -type f
	assert_output ""
}
