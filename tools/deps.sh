#!/bin/sh
# Install what the build and the tests need from Debian 12, when it is missing.
pkgs="build-essential pkg-config libhiredis-dev libjq-dev libonig-dev libsqlite3-dev redis-server
bats bats-assert bats-support groff python3-redis jq clang libclang-rt-14-dev
zsh fish valgrind sqlite3"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && $cmd >/dev/null || { echo "deps: apt-get failed" >&2; exit 1; }
